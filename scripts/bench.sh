#!/bin/bash
# Why: "make bench": run the benchmark clients on kvirt.ko and on the stock
# KVM module in the same lab VM, the SVM lab (kvm_amd) and the VMX lab
# (kvm_intel), and print kvirt/stock ratios (absolute times in an emulated
# lab are noise; ratios are not). A client that could not run shows as
# FAILED with its reason, and the exit status is 1.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
cd "$root"
out=build/bench
payload=build/payload-bench
mkdir -p "$out"

scripts/payload.sh "$payload" selftests/kvirt/nohw.list
cp build/bench/vm_lifecycle build/bench/exit_roundtrip build/bench/dp_pps \
	lab/bench.sh "$payload/"
# The VMX lab runs the payload's run-tests.sh: there, that is bench.sh.
rm -rf "$payload-vmx"
cp -r "$payload" "$payload-vmx"
cp lab/bench.sh "$payload-vmx/run-tests.sh"

# table LAB REPORT: one line per benchmark, kvirt and stock ns and ratio.
table() {
	local stock

	if ! grep -q '^KVIRT-BENCH-END' "$2"; then
		echo "bench: the $1 lab did not finish its benchmarks" >&2
		return 1
	fi
	stock=$(sed -n 's/^KVIRT-BENCH-BEGIN //p' "$2")
	echo "== $1 lab"
	printf '%-14s %14s %14s %8s\n' benchmark "kvirt (ns)" "$stock (ns)" \
		ratio
	# Rows in the order the results came; a missing number is a failure.
	awk '$2 ~ /^\/dev\// && $3 ~ /^[0-9]+$/ && NF == 3 {
			if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 }
			v[$1, $2] = $3
		}
		END {
			for (i = 0; i < n; i++) {
				b = order[i]; k = v[b, "/dev/kvirt"]
				s = v[b, "/dev/kvm"]
				r = k != "" && s != "" ? sprintf("%.4f", k / s) : "-"
				printf "%-14s %14s %14s %8s\n", b,
				       k != "" ? k : "FAILED",
				       s != "" ? s : "FAILED", r
			}
		}' "$2"
	if grep -q ' FAILED: \|did not unload' "$2"; then
		echo "bench: not every client ran in the $1 lab:"
		grep ' FAILED: \|did not unload' "$2" | sed 's/^/  /'
		return 1
	fi
}

# dp_table REPORT: the datapath benchmark, kvirt_dp against openvswitch:
# packets per second, their ratio (above 1: kvirt_dp forwards more), the
# time per packet and the masks a lookup tried on average.
dp_table() {
	echo "== SVM lab, datapath: packets/s veth -> datapath -> veth"
	printf '%7s %6s %10s %10s %7s %8s %8s %7s %7s\n' flows masks \
		"kvirt pps" "stock pps" ratio "kvirt ns" "stock ns" \
		"k mask" "s mask"
	awk '$1 == "DP-PPS" && NF == 8 && $5 ~ /^[0-9]+$/ {
			p = $3 " " $4
			if (!(p in seen)) { seen[p] = 1; order[n++] = p }
			pps[p, $2] = $5; masks[p, $2] = $6
		}
		END {
			for (i = 0; i < n; i++) {
				p = order[i]; split(p, f, " ")
				k = pps[p, "kvirt_dp"]; s = pps[p, "openvswitch"]
				km = masks[p, "kvirt_dp"]; sm = masks[p, "openvswitch"]
				printf("%7s %6s %10s %10s %7s %8s %8s %7s %7s\n",
				       f[1], f[2], k != "" ? k : "FAILED",
				       s != "" ? s : "FAILED",
				       k && s ? sprintf("%.3f", k / s) : "-",
				       k ? sprintf("%.0f", 1e9 / k) : "-",
				       s ? sprintf("%.0f", 1e9 / s) : "-",
				       km != "" ? km : "-", sm != "" ? sm : "-")
			}
		}' "$1"
	if grep -q '^DP-PPS .*FAILED: ' "$1"; then
		echo "bench: not every datapath point ran:"
		grep '^DP-PPS .*FAILED: ' "$1" | sed 's/^/  /'
		return 1
	fi
	if ! grep -q '^DP-PPS ' "$1"; then
		echo "bench: the datapath benchmark did not run" >&2
		return 1
	fi
}

# The SVM lab also runs the datapath benchmark: about 5 minutes more.
lab/svm-lab.sh "$payload" bench.sh "$out/svm.txt" 900
lab/vmx-lab.sh "$payload-vmx" "$out/vmx.txt" 900 >"$out/vmx-lab.log" 2>&1 ||
	cat "$out/vmx-lab.log"
rc=0
table SVM "$out/svm.txt" || rc=1
dp_table "$out/svm.txt" || rc=1
table VMX "$out/vmx.txt" || rc=1
exit "$rc"
