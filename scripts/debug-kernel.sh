#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel of `make check-debug` from Debian's linux-source-6.1:
# the fetched kernel's own config (build/deps/root/boot/config-*), its
# modules cut down to the few the test guest loads (localmodconfig), plus
# KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, kmemleak and UBSAN.
#
#   scripts/debug-kernel.sh        build (or reuse) build/debug-kernel/
#
# Writes build/debug-kernel/env.sh (VMLINUZ, KDIR, MODDIR, KVER of the debug
# kernel). A second run with the same source and options rebuilds nothing:
# the tree and its config are kept, and make only redoes what changed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/debug-kernel
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
LOCALVERSION=-axvcpu-debug
JOBS=${JOBS:-$(nproc)}

die() { echo "debug-kernel: error: $*" >&2; exit 1; }
log() { echo "debug-kernel: $*" >&2; }

[ -f "$TOP/build/deps/env.sh" ] || die "no build/deps/env.sh: run 'make deps' first"
# shellcheck disable=SC1091
. "$TOP/build/deps/env.sh"

# Debian's archive has everything a kernel build needs.
need=()
for p in linux-source-6.1 flex bison libelf-dev libssl-dev bc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2 ||
		die "apt-get install ${need[*]} failed"
fi
[ -f "$SRC_TAR" ] || die "no $SRC_TAR after installing linux-source-6.1"

mkdir -p "$OUT"
tree=$OUT/linux
if [ ! -f "$tree/Makefile" ] || [ "$SRC_TAR" -nt "$tree/.unpacked" ]; then
	log "unpacking $SRC_TAR"
	rm -rf "$tree" "$OUT"/linux-source-6.1
	tar -xf "$SRC_TAR" -C "$OUT"
	mv "$OUT"/linux-source-6.1 "$tree"
	touch "$tree/.unpacked"
fi

# The modules the guest loads (scripts/mkinitramfs.sh): everything else that
# Debian builds as a module is left out, which is what keeps the build short.
lsmod_file=$OUT/lsmod
cat >"$lsmod_file" <<'EOF'
Module                  Size  Used by
kvm_amd               155648  0
kvm                  1142784  1 kvm_amd
irqbypass              16384  1 kvm
ccp                   118784  1 kvm_amd
msr                    16384  0
EOF

base_config=$(ls "$TOP"/build/deps/root/boot/config-* 2>/dev/null | head -n 1)
[ -n "$base_config" ] || die "no config-* in build/deps/root/boot"
stamp=$OUT/config.stamp
want_stamp="$(sha256sum "$base_config" "$0" | sha256sum | cut -c1-16)"

if [ ! -f "$tree/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
	log "configuring from $(basename "$base_config")"
	cp "$base_config" "$tree/.config"
	# The source may be a newer 6.1 than the config: settle new options
	# first, so that localmodconfig asks nothing.
	make -C "$tree" -s olddefconfig </dev/null >&2
	make -C "$tree" -s LSMOD="$lsmod_file" localmodconfig < <(yes '') >&2
	cfg=("$tree/scripts/config" --file "$tree/.config")
	"${cfg[@]}" --set-str LOCALVERSION "$LOCALVERSION" --disable LOCALVERSION_AUTO
	# Unsigned, unkeyed: modules of the tree itself are all it loads.
	"${cfg[@]}" --disable MODULE_SIG --disable MODULE_SIG_ALL --set-str MODULE_SIG_KEY "" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--disable SECURITY_LOCKDOWN_LSM --disable MODULE_COMPRESS_XZ \
		--enable MODULE_COMPRESS_NONE
	# No debug info: the reports name functions through kallsyms already.
	"${cfg[@]}" --disable DEBUG_INFO --disable DEBUG_INFO_DWARF5 \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_BTF \
		--enable DEBUG_INFO_NONE
	# The checkers.
	"${cfg[@]}" --enable KASAN --enable KASAN_GENERIC --enable KASAN_INLINE \
		--enable KASAN_VMALLOC \
		--enable PROVE_LOCKING --enable DEBUG_LOCKDEP --enable DEBUG_ATOMIC_SLEEP \
		--enable DEBUG_KMEMLEAK --set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 65536 \
		--disable DEBUG_KMEMLEAK_DEFAULT_OFF --enable DEBUG_KMEMLEAK_AUTO_SCAN \
		--enable UBSAN --enable UBSAN_BOUNDS --enable UBSAN_SHIFT \
		--disable UBSAN_DIV_ZERO --disable UBSAN_UNREACHABLE --disable UBSAN_BOOL \
		--disable UBSAN_ENUM --enable UBSAN_SANITIZE_ALL --disable UBSAN_TRAP \
		--enable DEBUG_LIST --enable BUG_ON_DATA_CORRUPTION
	make -C "$tree" -s olddefconfig </dev/null >&2
	for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK UBSAN KVM_AMD; do
		grep -q "^CONFIG_$opt=[ym]" "$tree/.config" || die "CONFIG_$opt did not stick"
	done
	echo "$want_stamp" >"$stamp"
fi

start=$(date +%s)
log "building (make -j$JOBS bzImage modules; the first build takes long, later ones are incremental)"
make -C "$tree" -j"$JOBS" -s bzImage modules </dev/null >&2
rm -rf "$OUT/root"
make -C "$tree" -s INSTALL_MOD_PATH="$OUT/root" modules_install </dev/null >&2
kver=$(make -C "$tree" -s kernelrelease)
log "built $kver in $(($(date +%s) - start)) s"

cat >"$OUT/env.sh" <<EOF
# Written by scripts/debug-kernel.sh.
KVER=$kver
KDIR=$tree
VMLINUZ=$tree/arch/x86/boot/bzImage
MODDIR=$OUT/root/lib/modules/$kver
EOF
