#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host tools and fetch the guest kernel that the build and the
# QEMU test harness need.  Called by `make deps`; `make`, `make check` and
# `make run` call it too.
#
#  1. Host packages from Debian's archive, only the missing ones (checked with
#     dpkg-query, so a second run costs a few milliseconds).
#  2. The current Debian kernel (the version linux-image-amd64 points to in
#     the archive, never hard-coded): image, flavour headers, common headers
#     and kbuild tools, all pinned to the same version, fetched with
#     `apt-get download` into build/deps/debs/ and unpacked with `dpkg-deb -x`
#     into build/deps/root/ -- no maintainer script runs, /boot and
#     /lib/modules of this machine stay untouched.
#  3. build/deps/env.mk (for make) and build/deps/env.sh (for the scripts)
#     with KVER, FETCHED_KDIR, VMLINUZ and MODDIR.
#
# A stamp records what was unpacked, and where: a later run only re-checks
# the host packages.  `scripts/deps.sh --refresh` asks the archive again for
# the newest kernel.

set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
DEPS=$TOP/build/deps
DEBS=$DEPS/debs
ROOT=$DEPS/root
STAMP=$DEPS/stamp

# What the build, the initramfs and the boots run on the host.  The compiler
# Debian's kernel was built with (gcc-12: the headers' .kernelvariables set
# CC = gcc-12) is read from the headers' dependencies and added to these when
# the kernel is fetched (KCC_PKGS in env.sh).  libelf1, zlib1g and libssl3 are what the prebuilt kbuild tools
# (objtool, modpost, sign-file) link against.  pahole/dwarves is not needed:
# without a vmlinux, kbuild skips BTF for external modules.  The unit tests
# need binutils (GNU as encodes the decoder's expected cases) and clang-14
# with libclang-rt-14-dev (libFuzzer and the sanitizer runtimes).
HOST_PKGS="qemu-system-x86 busybox-static cpio gzip gcc make libc6-dev libelf-dev
libelf1 zlib1g libssl3 bc kmod xz-utils binutils clang-14 libclang-rt-14-dev"

REFRESH=0
if [ "${1:-}" = "--refresh" ]; then
	REFRESH=1
fi

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# The list of packages is refreshed at most once per run.
UPDATED=0
apt_update_once() {
	if [ "$UPDATED" -eq 0 ]; then
		say "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
		UPDATED=1
	fi
}

pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# Installs those of the packages named in "$@" that are missing.
install_host_packages() {
	local missing="" p
	for p in "$@"; do
		pkg_installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	missing=${missing# }
	if ! is_root; then
		echo "deps: missing Debian packages: $missing" >&2
		echo "deps: install them as root with:" >&2
		echo "    apt-get update && apt-get install -y --no-install-recommends $missing" >&2
		exit 1
	fi
	apt_update_once
	say "installing $missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
		$missing </dev/null
	for p in $missing; do
		pkg_installed "$p" || die "package $p did not install"
	done
}

# Candidate version of a package in the current package lists (empty if none).
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '^(none)$' || true
}

# The one dependency of the linux-image-amd64 metapackage at version $1 that
# names the real image package, e.g. linux-image-6.1.0-56-amd64.
image_of_meta() {
	apt-cache show "linux-image-amd64=$1" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' |
		sed -n 's/^ *\(linux-image-[0-9][^ ]*-amd64\).*/\1/p' | head -n1
}

# Sets KVER and KPKGVER from the archive's package lists.
discover_kernel() {
	local meta image
	meta=$(candidate linux-image-amd64)
	if [ -z "$meta" ]; then
		is_root || die "apt has no candidate for linux-image-amd64; run 'apt-get update' as root"
		apt_update_once
		meta=$(candidate linux-image-amd64)
		[ -n "$meta" ] || die "the archive has no linux-image-amd64"
	fi
	image=$(image_of_meta "$meta")
	[ -n "$image" ] || die "cannot read the image package linux-image-amd64=$meta depends on"
	KVER=${image#linux-image-}
	KPKGVER=$meta
}

# Names in the Depends line of package $1 at version $2 that match regex $3.
depends_matching() {
	# shellcheck disable=SC2020
	apt-cache show "$1=$2" 2>/dev/null | sed -n 's/^Depends: //p' | head -n1 |
		tr ',|' '\n\n' | sed -n "s/^ *\($3\)\( .*\)\{0,1\}\$/\1/p"
}

# Sets COMMON_PKG, KBUILD_PKG and KCC_PKGS from what the flavour headers
# depend on: the common headers, the kbuild tools, and the compiler package
# (linux-compiler-gcc-12-x86) whose own dependency is the real compiler.
discover_headers() {
	local hdr=linux-headers-$KVER cc
	COMMON_PKG=$(depends_matching "$hdr" "$KPKGVER" 'linux-headers-[^ ]*-common')
	KBUILD_PKG=$(depends_matching "$hdr" "$KPKGVER" 'linux-kbuild-[^ ]*')
	if [ -z "$COMMON_PKG" ] || [ -z "$KBUILD_PKG" ]; then
		die "cannot read the dependencies of $hdr=$KPKGVER"
	fi
	KCC_PKGS=""
	for cc in $(depends_matching "$hdr" "$KPKGVER" 'linux-compiler-[^ ]*'); do
		KCC_PKGS="$KCC_PKGS $(depends_matching "$cc" "$KPKGVER" 'gcc-[0-9][^ ]*')"
	done
	KCC_PKGS=${KCC_PKGS# }
}

kernel_pkgs() {
	echo "linux-image-$KVER linux-headers-$KVER $COMMON_PKG $KBUILD_PKG"
}

# The .deb of package $1 at version $2 in $DEBS, if already there and whole.
deb_file() {
	local f
	for f in "$DEBS/$1"_*.deb; do
		[ -f "$f" ] || continue
		if [ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$2" ]; then
			echo "$f"
			return 0
		fi
	done
	return 0
}

download_kernel() {
	local p todo="" opts=()
	mkdir -p "$DEBS"
	for p in $(kernel_pkgs); do
		[ -n "$(deb_file "$p" "$KPKGVER")" ] || todo="$todo $p=$KPKGVER"
	done
	[ -z "$todo" ] && return 0
	# As root, apt would drop to the _apt user for the download and warn that
	# it cannot write here; the files land in our own build directory anyway.
	is_root && opts=(-o APT::Sandbox::User=root)
	say "downloading${todo}"
	# shellcheck disable=SC2086
	(cd "$DEBS" && apt-get download -qq "${opts[@]}" $todo </dev/null)
}

# Absolute paths inside the packages assume they are installed in /.  Point
# them into build/deps/root instead, and prove that nothing else needs /.
# $1 is the tree being prepared; it will be renamed to $ROOT.
relocate_kernel() {
	local new=$1
	local kdir=$new/usr/src/linux-headers-$KVER
	local common=$new/usr/src/$COMMON_PKG
	local moddir=$new/lib/modules/$KVER

	# The flavour headers' Makefile is one line that includes the common
	# headers' Makefile by its installed path.
	grep -q "^include /usr/src/$COMMON_PKG/Makefile\$" "$kdir/Makefile" ||
		die "unexpected $kdir/Makefile: $(cat "$kdir/Makefile")"
	echo "include $ROOT/usr/src/$COMMON_PKG/Makefile" >"$kdir/Makefile"

	# lib/modules/KVER/{build,source} are absolute symlinks: make them
	# relative so that tools looking there find our headers.
	ln -sfn "../../../usr/src/linux-headers-$KVER" "$moddir/build"
	ln -sfn "../../../usr/src/$COMMON_PKG" "$moddir/source"

	local bad
	bad=$(find "$new" -type l -lname '/*' -printf '%p -> %l\n')
	[ -z "$bad" ] || die "absolute symlinks left in the unpacked kernel: $bad"
	bad=$(grep -rIlE --include='Makefile*' --include='Kbuild*' --include='*.mk' \
		'(^|[^/[:alnum:]_.-])/usr/(src/linux-headers|lib/linux-kbuild)' \
		"$kdir" "$common" "$new/usr/lib" 2>/dev/null || true)
	[ -z "$bad" ] || die "installed paths left in kbuild files: $bad"
}

# The kbuild tools are prebuilt binaries: make sure they can run here.
check_kbuild_tools() {
	local kb f missing="" out
	kb=$1/usr/lib/$KBUILD_PKG
	for f in scripts/basic/fixdep scripts/mod/modpost scripts/mod/modpost.real-lsb-64 \
		 scripts/genksyms/genksyms scripts/sign-file tools/objtool/objtool; do
		[ -x "$kb/$f" ] || die "kbuild tool $kb/$f is missing"
		out=$(ldd "$kb/$f" 2>&1 | grep 'not found' || true)
		[ -z "$out" ] || missing="$missing $f:$out"
	done
	[ -z "$missing" ] || die "kbuild tools lack shared libraries:$missing"
	# fixdep and objtool with no arguments print their usage and exit
	# non-zero: seeing the usage proves that they run.
	for f in scripts/basic/fixdep tools/objtool/objtool; do
		out=$("$kb/$f" 2>&1 || true)
		case "$out" in
		*[Uu]sage*) ;;
		*) die "kbuild tool $kb/$f does not run on this machine: $out" ;;
		esac
	done
}

# Unpacked beside the old tree and swapped in at the end, so that a build
# running meanwhile never finds the kernel half there.
unpack_kernel() {
	local p f new=$DEPS/root.new
	rm -rf "$new" "$DEPS/root.old"
	mkdir -p "$new"
	for p in $(kernel_pkgs); do
		f=$(deb_file "$p" "$KPKGVER")
		[ -n "$f" ] || die "download of $p=$KPKGVER left no .deb in $DEBS"
		say "unpacking $(basename "$f")"
		dpkg-deb -x "$f" "$new"
	done
	relocate_kernel "$new"
	check_kbuild_tools "$new"
	[ -f "$new/boot/vmlinuz-$KVER" ] || die "no kernel image boot/vmlinuz-$KVER in the image package"
	[ -f "$new/usr/src/linux-headers-$KVER/Module.symvers" ] || die "headers lack Module.symvers"
	[ ! -e "$ROOT" ] || mv "$ROOT" "$DEPS/root.old"
	mv "$new" "$ROOT"
	rm -rf "$DEPS/root.old"
}

write_env() {
	local kdir=$ROOT/usr/src/linux-headers-$KVER
	cat >"$DEPS/env.mk.tmp" <<-EOF
	# Written by scripts/deps.sh: the fetched guest kernel.
	KVER := $KVER
	KPKGVER := $KPKGVER
	DEPS_ROOT := $ROOT
	FETCHED_KDIR := $kdir
	VMLINUZ := $ROOT/boot/vmlinuz-$KVER
	MODDIR := $ROOT/lib/modules/$KVER
	COMMON_PKG := $COMMON_PKG
	KBUILD_PKG := $KBUILD_PKG
	KCC_PKGS := $KCC_PKGS
	EOF
	sed -e '/^#/d' -e 's/ := /=/' -e "s/=\(.*\)/='\1'/" "$DEPS/env.mk.tmp" >"$DEPS/env.sh.tmp"
	mv "$DEPS/env.mk.tmp" "$DEPS/env.mk"
	mv "$DEPS/env.sh.tmp" "$DEPS/env.sh"
}

# What the stamp must say for the unpacked tree to be reused: the kernel, the
# place it was relocated to, and this script's own text.
stamp_text() {
	echo "$KPKGVER $KVER $ROOT $(sha256sum "$TOP/scripts/deps.sh" | cut -d' ' -f1)"
}

stamp_valid() {
	[ -f "$STAMP" ] && [ -f "$DEPS/env.sh" ] || return 1
	# shellcheck disable=SC1091
	. "$DEPS/env.sh"
	[ "$(cat "$STAMP")" = "$(stamp_text)" ] || return 1
	[ -f "$ROOT/boot/vmlinuz-$KVER" ] &&
		[ -f "$ROOT/usr/src/linux-headers-$KVER/Makefile" ]
}

main() {
	# shellcheck disable=SC2086
	install_host_packages $HOST_PKGS
	if [ "$REFRESH" -eq 0 ] && stamp_valid; then
		# shellcheck disable=SC2086
		install_host_packages $KCC_PKGS
		say "up to date (kernel $KVER, $KPKGVER)"
		return 0
	fi
	rm -f "$STAMP"
	discover_kernel
	discover_headers
	say "guest kernel $KVER (package version $KPKGVER, compiler $KCC_PKGS)"
	# shellcheck disable=SC2086
	install_host_packages $KCC_PKGS
	if ! download_kernel; then
		# The lists may be older than the archive: refresh once and retry.
		is_root || die "apt-get download failed; run 'apt-get update' as root"
		apt_update_once
		discover_kernel
		discover_headers
		download_kernel || die "apt-get download of the kernel packages failed"
	fi
	unpack_kernel
	write_env
	stamp_text >"$STAMP"
	say "ready: KDIR=$ROOT/usr/src/linux-headers-$KVER"
}

main
