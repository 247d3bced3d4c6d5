#!/bin/bash
# Why: one idempotent place that installs every Debian package kvirt's
# build, labs and tests need, and is quick when they are already present.
set -euo pipefail

PKGS=(
	build-essential bc kmod cpio perl python3 libelf-dev
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86
	bochs bochsbios vgabios isolinux syslinux-common xorriso
	busybox-static
	libnl-3-dev libnl-genl-3-dev
	sparse dkms
	openvswitch-switch iputils-ping iperf3
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
