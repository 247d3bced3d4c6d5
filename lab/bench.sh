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

# The datapath benchmark, in the SVM lab only (the VMX lab's Bochs is too
# slow to say anything): packets per second through openvswitch.ko and
# then kvirt_dp.ko with the same flows (dp_pps.c), never both loaded.
# Its lines start with "DP-PPS".
dp_bench() {
	timeout -s KILL 450 ./dp_pps "$1" 5 2>/tmp/bench.err
	rc=$?
	if [ "$rc" -eq 137 ]; then
		echo "DP-PPS $1 FAILED: killed after 450 s"
	elif [ "$rc" -ne 0 ]; then
		echo "DP-PPS $1 FAILED: $(tail -n1 /tmp/bench.err) (exit $rc)"
	fi
}

if [ "$stock" = kvm_amd ]; then
	if modprobe openvswitch; then
		dp_bench openvswitch
		modprobe -r openvswitch || echo "openvswitch did not unload"
	else
		echo "DP-PPS openvswitch FAILED: modprobe openvswitch"
	fi
	if insmod ./kvirt_dp.ko; then
		dp_bench kvirt_dp
		rmmod kvirt_dp || echo "kvirt_dp did not unload"
	else
		echo "DP-PPS kvirt_dp FAILED: insmod kvirt_dp.ko"
	fi
fi
echo "KVIRT-BENCH-END"
