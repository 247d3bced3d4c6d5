#!/bin/bash
# Why: the code-hygiene gate of "make check", as TAP: checkpatch --strict
# on every source file and sparse (C=2) on the module. Compiler warnings
# need no check here: -Werror makes them fail the build itself.
#
# usage: scripts/hygiene.sh OUT.tap
set -uo pipefail

root=$(realpath "$(dirname "$0")/..")
out=$1
src=$root/build/linux-src
kdir=/lib/modules/$("$root/scripts/lab-kernel.sh")/build
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

cd "$root" || exit 1
mapfile -t files < <(git ls-files 'kmod/*.[ch]' 'uapi/*.h' 'user/*.[ch]' 'bench/*.c' \
	'selftests/*.[ch]')
n=0
results=()

record() {	# record OK NAME [DETAIL_FILE]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		results+=("ok $n $2")
	else
		results+=("not ok $n $2")
		[ -n "${3:-}" ] && results+=("$(sed 's/^/# /' "$3" | head -n 40)")
	fi
}

for f in "${files[@]}"; do
	# User space has no u64 or BIT() of its own.
	case "$f" in
	user/*|bench/*|selftests/*)
		ignore=PREFER_KERNEL_TYPES,BIT_MACRO ;;
	*)
		ignore=NONE ;;
	esac
	perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types --ignore "$ignore" -f "$f" >"$log/cp" 2>&1 &&
		[ ! -s "$log/cp" ]
	record $? "checkpatch $f" "$log/cp"
done

# C=2 runs sparse on every file, also those that need no recompiling.
make -C "$kdir" M="$root" C=2 modules >"$log/build" 2>&1
rc=$?
grep -E 'warning|error' "$log/build" >"$log/warn"
[ "$rc" -eq 0 ] && [ ! -s "$log/warn" ]
record $? "sparse C=2 clean on kmod/" "$log/warn"

{
	echo "TAP version 13"
	echo "1..$n"
	printf '%s\n' "${results[@]}"
} >"$out"
