#!/bin/bash
# Why: kvirt builds against a few files of the kernel's own source
# (kselftest_harness.h, checkpatch.pl, api.rst); take them from Debian's
# linux-source package once, into DEST, instead of copying them into git.
#
# usage: scripts/linux-src.sh DEST
set -euo pipefail

dest=$1
stamp=$dest/.extracted
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
if [ -z "$tarball" ]; then
	echo "linux-src: no /usr/src/linux-source-*.tar.xz (install linux-source-6.1)" >&2
	exit 1
fi
if [ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ]; then
	exit 0
fi

top=$(basename "$tarball" .tar.xz)
files=(
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	Documentation/virt/kvm/api.rst
)
rm -rf "$dest"
mkdir -p "$dest"
tar -xJf "$tarball" -C "$dest" --strip-components=1 "${files[@]/#/$top/}"
touch "$stamp"
