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
echo "vm_lifecycle $(./vm_lifecycle /dev/kvirt 200)"
rmmod kvirt
modprobe "$stock" || exit 1
echo "vm_lifecycle $(./vm_lifecycle /dev/kvm 200)"
modprobe -r "$stock"
echo "KVIRT-BENCH-END"
