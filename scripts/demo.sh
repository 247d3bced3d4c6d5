#!/bin/bash
# Why: "make demo": boot the SVM lab, load kvirt.ko, show what it detected
# and what a KVM client sees on /dev/kvirt, and boot a 64-bit guest on it.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
cd "$root"
scripts/payload.sh build/payload-demo selftests/kvirt/nohw.list
lab/svm-lab.sh build/payload-demo demo.sh build/demo.txt 300
cat build/demo.txt
if ! grep -q '^== guest exit status 0$' build/demo.txt; then
	echo "demo: the guest did not run to its HLT on kvirt" >&2
	exit 1
fi
grep -q '^unloaded' build/demo.txt
