#!/bin/bash
# Why: gathers what a lab VM needs into one folder: the guest scripts, the
# modules, the tool and its demo guest, the selftest binaries and the list
# of tests to run.
#
# usage: scripts/payload.sh DEST TESTS_LIST
set -euo pipefail

root=$(dirname "$(realpath "$0")")/..
dest=$1
list=$2

rm -rf "$dest"
mkdir -p "$dest/tests"
cp "$root/lab/run-tests.sh" "$root/lab/lab-stage2.sh" "$root/lab/demo.sh" \
	"$dest/"
cp "$root/kmod/kvirt/kvirt.ko" "$root/kmod/kvirt_dp/kvirt_dp.ko" \
	"$root/build/kvirt" "$root/build/hello.bin" "$dest/"
cp "$list" "$dest/tests.list"
while read -r name _; do
	case "$name" in
	''|'#'*) continue ;;
	esac
	# Test names are unique over the selftest folders.
	for dir in kvirt datapath; do
		if [ -e "$root/build/selftests/$dir/$name" ]; then
			cp "$root/build/selftests/$dir/$name" "$dest/tests/"
			continue 2
		fi
	done
	echo "payload: no selftest $name" >&2
	exit 1
done <"$list"
