#!/bin/bash
# Why: the lab kernel is whatever Debian's linux-image-amd64 points at today;
# print its version (e.g. 6.1.0-56-amd64) instead of hard-coding it.
set -euo pipefail

dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) || {
	echo "lab-kernel: linux-image-amd64 is not installed" >&2
	exit 1
}
ver=$(echo "$dep" | grep -o 'linux-image-[0-9][^ ,]*' | head -n1)
ver=${ver#linux-image-}
if [ -z "$ver" ] || [ ! -e "/boot/vmlinuz-$ver" ]; then
	echo "lab-kernel: cannot find the kernel behind linux-image-amd64" >&2
	exit 1
fi
echo "$ver"
