#!/bin/bash
# Why: "make bench": run the benchmark clients on kvirt.ko and on the stock
# KVM module in the same SVM lab VM and print kvirt/stock ratios (absolute
# times in an emulated lab are noise; ratios are not). A client that could
# not run shows as FAILED with its reason, and the exit status is 1.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
cd "$root"
out=build/bench
payload=build/payload-bench
mkdir -p "$out"

scripts/payload.sh "$payload" selftests/kvirt/nohw.list
cp build/bench/vm_lifecycle build/bench/exit_roundtrip lab/bench.sh \
	"$payload/"
lab/svm-lab.sh "$payload" bench.sh "$out/svm.txt" 180

if ! grep -q '^KVIRT-BENCH-END' "$out/svm.txt"; then
	cat "$out/svm.txt"
	echo "bench: the SVM lab did not finish its benchmarks" >&2
	exit 1
fi
stock=$(sed -n 's/^KVIRT-BENCH-BEGIN //p' "$out/svm.txt")
printf '%-14s %14s %14s %8s\n' benchmark "kvirt (ns)" "$stock (ns)" ratio
# Rows in the order the results came; a missing number is a failure.
awk '$2 ~ /^\/dev\// && $3 ~ /^[0-9]+$/ && NF == 3 {
		if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 }
		v[$1, $2] = $3
	}
	END {
		for (i = 0; i < n; i++) {
			b = order[i]; k = v[b, "/dev/kvirt"]; s = v[b, "/dev/kvm"]
			r = k != "" && s != "" ? sprintf("%.4f", k / s) : "-"
			printf "%-14s %14s %14s %8s\n", b, k != "" ? k : "FAILED",
			       s != "" ? s : "FAILED", r
		}
	}' "$out/svm.txt"
if grep -q ' FAILED: \|did not unload' "$out/svm.txt"; then
	echo
	echo "bench: not every client ran:"
	grep ' FAILED: \|did not unload' "$out/svm.txt" | sed 's/^/  /'
	exit 1
fi
