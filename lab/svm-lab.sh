#!/bin/bash
# Why: boots the AMD SVM lab (QEMU TCG, -cpu max gives SVM with NPT) on the
# Debian lab kernel with the host root shared read-only over 9p, runs one
# guest script from a payload folder and brings back its report.
#
# usage: lab/svm-lab.sh PAYLOAD_DIR ENTRY OUT_FILE [TIMEOUT_SECS]
#   ENTRY is a script inside PAYLOAD_DIR, run in the guest as
#   "sh ENTRY REPORT" from PAYLOAD_DIR; REPORT becomes OUT_FILE and the
#   kernel console goes to OUT_FILE.console. KVIRT_LAB_CPU overrides the
#   QEMU CPU model (default max); KVIRT_LAB_WORK the scratch folder, so
#   that several labs can run at once.
set -euo pipefail

payload=$(realpath "$1")
entry=$2
out=$(realpath -m "$3")
limit=${4:-600}
here=$(dirname "$(realpath "$0")")
kver=$("$here/../scripts/lab-kernel.sh")
work=$(realpath -m "${KVIRT_LAB_WORK:-$here/../build/svm-lab}")
mods=/lib/modules/$kver/kernel

if [ ! -f "$payload/$entry" ]; then
	echo "svm-lab: $payload/$entry not found" >&2
	exit 2
fi

# The initramfs only has to reach the 9p root: busybox and the 9p modules.
rm -rf "$work"
mkdir -p "$work/initramfs/bin" "$work/initramfs/lib/lab" "$work/results"
cp /bin/busybox "$work/initramfs/bin/busybox"
order="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
       virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"
for m in $order; do
	ko=$(find "$mods" -name "$m.ko" | head -n1)
	if [ -z "$ko" ]; then
		echo "svm-lab: module $m.ko not found under $mods" >&2
		exit 2
	fi
	cp "$ko" "$work/initramfs/lib/lab/"
done
sed "s|@ORDER@|$(echo $order)|" "$here/svm-init.sh" >"$work/initramfs/init"
chmod +x "$work/initramfs/init"
(cd "$work/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) \
	>"$work/initramfs.cpio.gz"

rm -f "$out" "$out.console"
start=$(date +%s)
rc=0
timeout "$limit" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu "${KVIRT_LAB_CPU:-max}" -smp 2 -m 1536 \
	-nodefaults -display none -no-reboot \
	-serial "file:$out.console" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=1 kvirt_payload=$payload kvirt_entry=$entry" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$work/results,mount_tag=results,security_model=none" \
	</dev/null || rc=$?
echo "svm-lab: boot took $(($(date +%s) - start)) s (qemu exit $rc)" >&2
if [ "$rc" -eq 124 ]; then
	echo "svm-lab: timed out after $limit s" >&2
fi
if [ -f "$work/results/report.txt" ]; then
	cp "$work/results/report.txt" "$out"
else
	: >"$out"
fi
