#!/bin/sh
# Why: the guest side of "make demo": load kvirt.ko, show what it detected
# and what a KVM client sees on /dev/kvirt, boot the demo guest on it with
# "kvirt run", then unload it.
#
# usage: sh demo.sh REPORT   (from the payload folder)
exec >"$1" 2>&1

echo "== lab CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2)"
echo "== insmod kvirt.ko"
insmod ./kvirt.ko || exit 1
dmesg | grep 'kvirt: ' | grep -v 'taints kernel\|module verification'
echo "== kvirt info"
./kvirt info
echo "== /sys/kernel/debug/kvirt/status"
cat /sys/kernel/debug/kvirt/status
echo "== kvirt run hello.bin (a 64-bit guest on /dev/kvirt)"
timeout -s KILL 60 ./kvirt run hello.bin
echo "== guest exit status $?"
echo "== rmmod kvirt"
rmmod kvirt && echo "unloaded"
