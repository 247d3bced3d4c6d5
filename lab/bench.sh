#!/bin/sh
# Why: the guest side of "make bench": run each benchmark client on
# /dev/kvirt (kvirt.ko) and then on /dev/kvm (the stock module) in the same
# lab VM, one line "NAME DEVICE VALUE" per run.
#
# usage: sh bench.sh REPORT   (from the payload folder)
exec >"$1" 2>&1

stock=kvm_intel
grep -qw svm /proc/cpuinfo && stock=kvm_amd
echo "KVIRT-BENCH-BEGIN $stock"
insmod ./kvirt.ko || exit 1
echo "vm_lifecycle $(./vm_lifecycle /dev/kvirt 200 5)"
rmmod kvirt
modprobe "$stock" || exit 1
# Under TCG the stock module wedges the lab after a few dozen VMs: keep
# its count small (its VMs take about 30 ms each, so this is still exact).
echo "vm_lifecycle $(./vm_lifecycle /dev/kvm 2 3)"
modprobe -r "$stock"
echo "KVIRT-BENCH-END"
