#!/bin/bash
# Why: "make demo": boot the SVM lab, load kvirt.ko and show what it
# detected and what a KVM client sees on /dev/kvirt.
set -euo pipefail

root=$(realpath "$(dirname "$0")/..")
cd "$root"
scripts/payload.sh build/payload-demo selftests/kvirt/nohw.list
lab/svm-lab.sh build/payload-demo demo.sh build/demo.txt 300
cat build/demo.txt
grep -q '^unloaded' build/demo.txt
