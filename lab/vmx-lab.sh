#!/bin/bash
# Why: the build machine has no VMX and cannot load modules, so Intel-path tests
# run in a Bochs-emulated VM (Haswell CPU with VMX/EPT). This boots the lab
# kernel with stock kvm/kvm_intel modules and PAYLOAD_DIR, runs
# PAYLOAD_DIR/run-tests.sh with the guest's /dev/ttyS1 as argument, and leaves
# what it writes there in OUT_FILE (kernel console in OUT_FILE.console, Bochs
# log in OUT_FILE.bochs.log). Exit 0 means the VM booted; the guest result is
# for the caller to parse from OUT_FILE.
set -euo pipefail

usage="usage: $0 PAYLOAD_DIR OUT_FILE [TIMEOUT_SECS]   (default timeout 900)"
die() {
	echo "vmx-lab: $*" >&2
	exit 1
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	die "$usage"
fi
[ -f "$1/run-tests.sh" ] || die "$1/run-tests.sh not found"
payload=$1
timeout_secs=${3:-900}
[[ $timeout_secs =~ ^[1-9][0-9]*$ ]] || die "TIMEOUT_SECS must be a positive integer"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
kver=$("$repo/scripts/lab-kernel.sh")
moddir=/lib/modules/$kver
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/bochs/VGABIOS-lgpl-latest
for f in /boot/vmlinuz-"$kver" /usr/lib/ISOLINUX/isolinux.bin \
	/usr/lib/syslinux/modules/bios/ldlinux.c32 /bin/busybox "$bios" "$vgabios"; do
	[ -f "$f" ] || die "$f is missing (run scripts/install-deps.sh)"
done

# Bochs writes the serial files itself; its config syntax cannot quote paths.
mkdir -p "$(dirname "$2")"
out=$(realpath "$2")
case $out in
*[[:space:],\"\#]*) die "OUT_FILE must not contain whitespace, ',', '\"' or '#': $out" ;;
esac
console=$out.console
bochs_log=$out.bochs.log
rm -f "$out" "$console" "$bochs_log"

mkdir -p "$repo/build/vmx-lab"
work=$(mktemp -d "$repo/build/vmx-lab/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- initramfs: busybox, stock KVM modules, the payload --------------------
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,payload}
cp /bin/busybox "$root/bin/busybox"
/bin/busybox --list-full | grep -vx bin/busybox | while read -r applet; do
	ln -s /bin/busybox "$root/$applet"
done
install -m 0755 "$here/vmx/init" "$root/init"

for mod in kvm kvm-intel irqbypass msr; do
	src=$(find "$moddir/kernel" -name "$mod.ko")
	if [ -z "$src" ] || [ "$(wc -l <<<"$src")" -ne 1 ]; then
		die "expected exactly one $mod.ko under $moddir/kernel"
	fi
	mkdir -p "$root$(dirname "$src")"
	cp "$src" "$root$src"
done
# depmod wants these lists; they also let modprobe recognise built-ins.
cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$root$moddir/"
depmod -b "$root" "$kver"

cp -a "$payload/." "$root/payload/"

(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$work/initrd.gz"

# --- boot ISO: isolinux -> lab kernel + initramfs --------------------------
iso=$work/iso
mkdir -p "$iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
cp /boot/vmlinuz-"$kver" "$iso/vmlinuz"
mv "$work/initrd.gz" "$iso/initrd.gz"
cat >"$iso/isolinux/isolinux.cfg" <<EOF
DEFAULT lab
PROMPT 0
TIMEOUT 0
LABEL lab
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0,115200
EOF
if ! xorriso -as mkisofs -o "$work/lab.iso" \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$iso" >"$work/xorriso.log" 2>&1; then
	cat "$work/xorriso.log" >&2
	die "xorriso failed to build the boot ISO"
fi

# --- Bochs -----------------------------------------------------------------
# rfb is the only headless display built into Debian's Bochs; timeout=0 keeps
# it from waiting for a VNC client, and it takes the first free port in
# 5900-5949, so concurrent labs do not collide. The debugger is compiled in
# and stops before the first instruction, hence "-rc" with "c" (continue).
cat >"$work/bochsrc" <<EOF
cpu: model=corei7_haswell_4770, count=2, ips=200000000, ignore_bad_msrs=1
memory: guest=512, host=512
romimage: file=$bios, options=fastboot
vgaromimage: file=$vgabios
ata0-master: type=cdrom, path=$work/lab.iso, status=inserted
boot: cdrom
clock: sync=none
com1: enabled=1, mode=file, dev=$console
com2: enabled=1, mode=file, dev=$out
display_library: rfb, options="timeout=0"
sound: driver=dummy
speaker: enabled=0
mouse: enabled=0
log: -
panic: action=fatal
EOF
echo c >"$work/debugger.rc"

echo "vmx-lab: booting kernel $kver under Bochs (timeout ${timeout_secs}s)"
start=$(date +%s)
rc=0
(cd "$work" && timeout -k 10 "$timeout_secs" bochs -q -f bochsrc -rc debugger.rc) \
	</dev/null >"$bochs_log" 2>&1 || rc=$?
echo "vmx-lab: Bochs ran for $(($(date +%s) - start))s (exit status $rc)"

# Bochs exits 1 even after a clean guest poweroff, so judge by the output.
[ -s "$console" ] || die "the guest kernel printed nothing (Bochs exit status $rc); see $bochs_log"
touch "$out" # Bochs creates it only on the guest's first write to ttyS1.
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "vmx-lab: WARNING: timed out after ${timeout_secs}s; OUT_FILE may be incomplete"
fi
grep -a 'vmx-lab: ' "$console" | tr -d '\r' || echo "vmx-lab: WARNING: the guest never reached /init"
echo "vmx-lab: report in $out ($(wc -l <"$out") lines), console in $console"
