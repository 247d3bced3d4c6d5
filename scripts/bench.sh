#!/bin/bash
# Why: "make bench": run the benchmark clients on kvirt.ko and on the stock
# KVM module in the same SVM lab VM and print kvirt/stock ratios (absolute
# times in an emulated lab are noise; ratios are not).
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
cd "$root"
out=build/bench
payload=build/payload-bench
mkdir -p "$out"

scripts/payload.sh "$payload" selftests/kvirt/nohw.list
cp build/bench/vm_lifecycle lab/bench.sh "$payload/"
lab/svm-lab.sh "$payload" bench.sh "$out/svm.txt" 300

if ! grep -q '^KVIRT-BENCH-END' "$out/svm.txt"; then
	cat "$out/svm.txt"
	echo "bench: the SVM lab did not finish its benchmarks" >&2
	exit 1
fi
stock=$(sed -n 's/^KVIRT-BENCH-BEGIN //p' "$out/svm.txt")
printf '%-14s %14s %14s %8s\n' benchmark "kvirt (ns)" "$stock (ns)" ratio
awk '$2 == "/dev/kvirt" { k[$1] = $3 } $2 == "/dev/kvm" { s[$1] = $3 }
     END { for (b in k) printf "%-14s %14d %14d %8.4f\n", b, k[b], s[b],
				 k[b] / s[b] }' "$out/svm.txt"
