#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's initramfs: build/initramfs/initramfs-VARIANT.cpio.gz
#
#   scripts/mkinitramfs.sh [VARIANT]      (VARIANT defaults to "test")
#
# Contents (a gzip'd newc cpio, every file owned by root):
#   /init                 scripts/guest-init.sh
#   /bin/busybox + links  busybox-static and a link per applet
#   /axvcpu.ko            the module (AXVCPU_KO, default ./axvcpu.ko)
#   /msr.ko               msr.ko of the fetched kernel
#   /kvm/*.ko             irqbypass, ccp, kvm, kvm-amd of the fetched kernel
#                         (load in that order; for benchmarks against KVM)
#   /selftests/TESTS + programs   from build/selftests (SELFTESTS_DIR)
#   /bin/*                build/tools/* if built (TOOLS_DIR)
#   /images/*             guest images for axvcpu-run, build/images/* if
#                         built (IMAGES_DIR)
#   /bench/*              the benchmark, if built: build/bench's guest programs
#                         and run.sh (BENCH_DIR), axvcpu_floor.ko (FLOOR_KO,
#                         default bench/floor/axvcpu_floor.ko)
#   /dev/console          a character device node, written into the archive
#                         directly so that no root rights are needed
# INITRAMFS_EXTRA=DIR copies DIR over the tree last, for variants that need
# more files (a benchmark's programs, say).

set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
VARIANT=${1:-test}
OUTDIR=$TOP/build/initramfs
STAGE=$OUTDIR/root-$VARIANT
OUT=$OUTDIR/initramfs-$VARIANT.cpio.gz
AXVCPU_KO=${AXVCPU_KO:-$TOP/axvcpu.ko}
SELFTESTS_DIR=${SELFTESTS_DIR:-$TOP/build/selftests}
TOOLS_DIR=${TOOLS_DIR:-$TOP/build/tools}
IMAGES_DIR=${IMAGES_DIR:-$TOP/build/images}
BENCH_DIR=${BENCH_DIR:-$TOP/build/bench}
FLOOR_KO=${FLOOR_KO:-$TOP/bench/floor/axvcpu_floor.ko}
BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

[ -f "$TOP/build/deps/env.sh" ] || die "no build/deps/env.sh: run 'make deps' first"
# shellcheck disable=SC1091
. "$TOP/build/deps/env.sh"
# Another kernel (make check-debug's): its VMLINUZ, MODDIR, KVER win.
# shellcheck disable=SC1090
[ -z "${KERNEL_ENV:-}" ] || . "$KERNEL_ENV"

[ -f "$AXVCPU_KO" ] || die "no module $AXVCPU_KO: run 'make' first"
[ -x "$BUSYBOX" ] || die "no $BUSYBOX: install busybox-static"
case "$(ldd "$BUSYBOX" 2>&1 || true)" in
*"not a dynamic executable"*) ;;
*) die "$BUSYBOX is not statically linked: install busybox-static" ;;
esac

# A module of the fetched kernel, by its path under kernel/, decompressed if
# the package ships it compressed.
copy_kmod() {
	local rel=$1 dst=$2 src=$MODDIR/kernel/$1
	if [ -f "$src" ]; then
		cp "$src" "$dst"
	elif [ -f "$src.xz" ]; then
		xz -dc "$src.xz" >"$dst"
	elif [ -f "$src.zst" ]; then
		zstd -qdc "$src.zst" >"$dst"
	elif [ -f "$src.gz" ]; then
		gzip -dc "$src.gz" >"$dst"
	else
		die "module kernel/$rel not found in $MODDIR"
	fi
}

rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,kvm,selftests,images}

install -m 0755 "$BUSYBOX" "$STAGE/bin/busybox"
"$BUSYBOX" --list-full | while read -r applet; do
	case "$applet" in
	bin/busybox) continue ;;
	esac
	mkdir -p "$STAGE/$(dirname "$applet")"
	ln -sf /bin/busybox "$STAGE/$applet"
done

install -m 0755 "$TOP/scripts/guest-init.sh" "$STAGE/init"
install -m 0644 "$AXVCPU_KO" "$STAGE/axvcpu.ko"
copy_kmod arch/x86/kernel/msr.ko "$STAGE/msr.ko"
copy_kmod virt/lib/irqbypass.ko "$STAGE/kvm/irqbypass.ko"
copy_kmod drivers/crypto/ccp/ccp.ko "$STAGE/kvm/ccp.ko"
copy_kmod arch/x86/kvm/kvm.ko "$STAGE/kvm/kvm.ko"
copy_kmod arch/x86/kvm/kvm-amd.ko "$STAGE/kvm/kvm-amd.ko"

# The selftests: TESTS names the programs in run order, one a line; blank
# lines and lines starting with '#' are ignored.
if [ -f "$SELFTESTS_DIR/TESTS" ]; then
	install -m 0644 "$SELFTESTS_DIR/TESTS" "$STAGE/selftests/TESTS"
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$SELFTESTS_DIR/TESTS" |
	while read -r t; do
		[ -x "$SELFTESTS_DIR/$t" ] || die "$SELFTESTS_DIR/TESTS names $t, which is not built"
		install -m 0755 "$SELFTESTS_DIR/$t" "$STAGE/selftests/$t"
	done
else
	: >"$STAGE/selftests/TESTS"
fi

if [ -d "$TOOLS_DIR" ]; then
	for f in "$TOOLS_DIR"/*; do
		[ -f "$f" ] && [ -x "$f" ] && install -m 0755 "$f" "$STAGE/bin/"
	done
fi

if [ -d "$IMAGES_DIR" ]; then
	for f in "$IMAGES_DIR"/*; do
		[ -f "$f" ] && install -m 0644 "$f" "$STAGE/images/"
	done
fi

# The benchmark's host tool (bench-report) and objects stay behind.
if [ -d "$BENCH_DIR" ]; then
	mkdir -p "$STAGE/bench"
	for f in axvcpu_bench kvm_bench floor_bench run.sh; do
		[ -x "$BENCH_DIR/$f" ] && install -m 0755 "$BENCH_DIR/$f" "$STAGE/bench/"
	done
	[ -f "$FLOOR_KO" ] && install -m 0644 "$FLOOR_KO" "$STAGE/bench/"
fi

if [ -n "${INITRAMFS_EXTRA:-}" ]; then
	[ -d "$INITRAMFS_EXTRA" ] || die "INITRAMFS_EXTRA=$INITRAMFS_EXTRA is not a directory"
	cp -a "$INITRAMFS_EXTRA"/. "$STAGE"/
fi

# One newc header (see the kernel's Documentation/driver-api/early-userspace/
# buffer-format.rst): name, mode, rdev major/minor; no data.
newc_node() {
	local name=$1 mode=$2 rmaj=$3 rmin=$4 namesize pad
	namesize=$((${#name} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$mode" 0 0 1 0 0 0 0 "$rmaj" "$rmin" "$namesize" 0
	printf '%s\0' "$name"
	# The header (110 bytes) and the name are padded to a multiple of 4.
	pad=$(((4 - (110 + namesize) % 4) % 4))
	[ "$pad" -eq 0 ] || head -c "$pad" /dev/zero
}

# The device node comes first, without a trailer: the kernel reads the
# entries of the cpio that follows as part of the same archive.
tmp=$OUT.tmp
{
	newc_node dev $((0040755)) 0 0
	newc_node dev/console $((0020600)) 5 1
	(cd "$STAGE" && find . -mindepth 1 ! -path ./dev | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0)
} | gzip -6 >"$tmp"
mv "$tmp" "$OUT"
echo "mkinitramfs: $OUT ($(du -k "$OUT" | cut -f1) KiB," \
	"$(grep -c -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$STAGE/selftests/TESTS" || true) selftests)"
