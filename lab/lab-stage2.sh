#!/bin/sh
# Why: stage two of the SVM lab guest, on the host's root: writable scratch
# space, debugfs, then the payload's entry script, then power off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
for d in /tmp /var/tmp /var/lib /var/log; do
	mount -t tmpfs tmpfs "$d"
done
mount -t debugfs debugfs /sys/kernel/debug
cd /run/payload && sh "./$1" /run/results/report.txt
sync
# reboot(2) from init itself: an asynchronous sysrq poweroff let init fault
# (SIGBUS) on its 9p-backed pages while virtio was shut down.
exec /bin/busybox poweroff -f
