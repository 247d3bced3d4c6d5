#!/bin/sh
# Why: the guest side of "make bench": run each benchmark client on the
# stock module (/dev/kvm) and then on kvirt.ko (/dev/kvirt) in the same lab
# VM, never with VMs of both alive. Each client prints one line
# "BENCHMARK DEVICE NS" per result; a client that fails adds the line
# "CLIENT DEVICE FAILED: WHY" instead of numbers.
#
# The stock module goes first: a kvirt that wedges the lab must not take
# the reference numbers with it.
#
# usage: sh bench.sh REPORT   (from the payload folder)
exec >"$1" 2>&1

# bench DEVICE CLIENT ARGS...: run one client under a time limit.
bench() {
	dev=$1
	client=$2
	shift 2
	timeout -s KILL 60 "./$client" "$dev" "$@" 2>/tmp/bench.err
	rc=$?
	if [ "$rc" -eq 137 ]; then
		echo "$client $dev FAILED: killed after 60 s"
	elif [ "$rc" -ne 0 ]; then
		echo "$client $dev FAILED: $(tail -n1 /tmp/bench.err) (exit $rc)"
	fi
}

stock=kvm_intel
grep -qw svm /proc/cpuinfo && stock=kvm_amd
echo "KVIRT-BENCH-BEGIN $stock"

if modprobe "$stock"; then
	# Under TCG the stock module wedges the lab after a few dozen VMs:
	# 2 VMs in each of 3 rounds (about 30 ms each, still exact), and one
	# VM for all the exit round trips.
	bench /dev/kvm vm_lifecycle 2 3
	bench /dev/kvm exit_roundtrip 5000 5
	modprobe -r "$stock" || echo "$stock did not unload"
else
	echo "vm_lifecycle /dev/kvm FAILED: modprobe $stock"
	echo "exit_roundtrip /dev/kvm FAILED: modprobe $stock"
fi

if insmod ./kvirt.ko; then
	bench /dev/kvirt vm_lifecycle 200 5
	bench /dev/kvirt exit_roundtrip 5000 5
	rmmod kvirt || echo "kvirt did not unload"
else
	echo "vm_lifecycle /dev/kvirt FAILED: insmod kvirt.ko"
	echo "exit_roundtrip /dev/kvirt FAILED: insmod kvirt.ko"
fi
echo "KVIRT-BENCH-END"
