#!/bin/bash
# Why: "make check": build everything, run the hygiene gate and every lab
# (SVM under QEMU for kvirt and for kvirt_dp, a CPU without SVM, VMX under
# Bochs), print each test's result and end with "N passed, N failed,
# N skipped".
set -uo pipefail

root=$(realpath "$(dirname "$0")/..")
cd "$root" || exit 1
out=build/check
rm -rf "$out"
mkdir -p "$out"
t0=$(date +%s)

if ! make -s all >"$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "build: FAIL"
	echo "0 passed, 1 failed"
	exit 1
fi
scripts/hygiene.sh "$out/hygiene.tap"
build/selftests/host/decode_test >"$out/decode.tap" 2>&1
scripts/payload.sh build/payload-check selftests/kvirt/tests.list
scripts/payload.sh build/payload-nohw selftests/kvirt/nohw.list
scripts/payload.sh build/payload-dp selftests/datapath/tests.list

# Bochs uses one core for minutes: let it run beside the QEMU labs.
lab/vmx-lab.sh build/payload-check "$out/vmx.txt" 1800 \
	>"$out/vmx-lab.log" 2>&1 &
vmx=$!
lab/svm-lab.sh build/payload-check run-tests.sh "$out/svm.txt" 900 \
	2>&1 | tee "$out/svm-lab.log"
lab/svm-lab.sh build/payload-dp run-tests.sh "$out/dp.txt" 1800 \
	2>&1 | tee "$out/dp-lab.log"
KVIRT_LAB_CPU=qemu64,-svm lab/svm-lab.sh build/payload-nohw run-tests.sh \
	"$out/nohw.txt" 300 2>&1 | tee "$out/nohw-lab.log"
wait "$vmx"
cat "$out/vmx-lab.log"

echo "check: whole run took $(($(date +%s) - t0)) s"
python3 lab/report.py host="$out/hygiene.tap" decode="$out/decode.tap" \
	svm="$out/svm.txt" dp="$out/dp.txt" nohw="$out/nohw.txt" \
	vmx="$out/vmx.txt"
