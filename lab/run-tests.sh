#!/bin/sh
# Why: runs inside either lab VM: every selftest named in tests.list, each
# under a time limit with the kernel log it caused, framed so that the host
# (lab/report.py) can judge the run. POSIX sh: busybox and dash both run it.
#
# usage: sh run-tests.sh REPORT   (from the payload folder)
exec >"$1" 2>&1

echo "KVIRT-LAB-BEGIN $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "KVIRT-DMESG-BEGIN boot"
dmesg -c
echo "KVIRT-DMESG-END boot"

export KVIRT_KO="$PWD/kvirt.ko"
export KVIRT_DP_KO="$PWD/kvirt_dp.ko"
echo "KVIRT-PLAN $(grep -v '^#' tests.list | cut -d' ' -f1 | tr '\n' ' ')"
while read -r name limit; do
	case "$name" in
	''|'#'*) continue ;;
	esac
	echo "KVIRT-TEST-BEGIN $name"
	start=$(date +%s)
	timeout -s KILL "$limit" "./tests/$name" </dev/null
	rc=$?
	echo "KVIRT-TEST-END $name rc=$rc secs=$(($(date +%s) - start))"
	echo "KVIRT-DMESG-BEGIN $name"
	dmesg -c
	echo "KVIRT-DMESG-END $name"
done <tests.list

# Whatever the tests did, kvirt's modules must unload and leave the log
# clean; the first failure is reported.
unload=0
for m in kvirt kvirt_dp; do
	if grep -q "^$m " /proc/modules; then
		rmmod "$m"
		rc=$?
		[ "$unload" -eq 0 ] && unload=$rc
	fi
done
echo "KVIRT-UNLOAD rc=$unload"
echo "KVIRT-DMESG-BEGIN unload"
dmesg -c
echo "KVIRT-DMESG-END unload"
echo "KVIRT-LAB-END"
