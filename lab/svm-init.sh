#!/bin/busybox sh
# Why: stage one of the SVM lab guest: mount the host root over 9p, add the
# writable results folder and the payload, then switch_root into it.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "svm-lab: $*, powering off"
	poweroff -f
}

for m in @ORDER@; do
	insmod "/lib/lab/$m.ko" || fail "cannot load $m"
done
opts=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /newroot
mount -t 9p -o "$opts,ro" hostroot /newroot || fail "cannot mount hostroot"
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "cannot mount /run"
mkdir -p /newroot/run/results /newroot/run/payload
mount -t 9p -o "$opts" results /newroot/run/results ||
	fail "cannot mount results"
# The payload may live under the host's /tmp, which the guest covers.
mount --bind "/newroot$kvirt_payload" /newroot/run/payload ||
	fail "cannot bind the payload"
umount /proc /sys
mount -o move /dev /newroot/dev || fail "cannot move /dev"
exec switch_root /newroot /bin/sh /run/payload/lab-stage2.sh "$kvirt_entry"
