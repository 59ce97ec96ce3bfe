#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_userlib_install: `make -C userlib install DESTDIR=... PREFIX=/usr`
# from a clean build directory, then what a user of the installed library
# does: pkg-config --cflags --libs axvcpu-user (through
# PKG_CONFIG_PATH/PKG_CONFIG_SYSROOT_DIR into the DESTDIR), a program
# (userlib_install_prog.c) built against the shared library and run with
# LD_LIBRARY_PATH, the same program built static (pkg-config --static)
# and run, and make uninstall. One TAP point per check; the plan is
# fixed, so a step that cannot run fails (or skips, without pkg-config)
# the points after it. Run by `make -C tests/unit run` with TOP set.

set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CC=${CC:-cc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROOT=$T/root
LIB=$ROOT/usr/lib
PROG_SRC=$TOP/tests/unit/userlib_install_prog.c
# The checks userlib_install_prog.c prints, in its order.
PROG_CHECKS="open_missing_device_is_enoent strerror_names_the_device strerror_unknown_number
	exit_reason_name offline_tracker_loads_flat"
VERSION=$(sed -n 's/^VERSION := //p' "$TOP/userlib/Makefile")

n=0
failures=0
echo "TAP version 13"
echo "1..27"

# point PASS DESC [DIAG-FILE]: one point; PASS is 0 for a pass.
point() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && tail -n 15 "$3" | sed 's/^/#   /'
		failures=$((failures + 1))
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# check DESC CMD...: a point passing when CMD succeeds (its output kept for the diagnostic).
check() {
	local desc=$1
	shift
	"$@" >"$T/out" 2>&1
	point $? "$desc" "$T/out"
}

# The sub-make must not see the jobserver of the make running this test.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"
}

check "make -C userlib install DESTDIR PREFIX=/usr builds and installs from nothing" \
	submake -C "$TOP/userlib" TOP="$TOP" BUILD="$T/build" DESTDIR="$ROOT" PREFIX=/usr install
check "installed $LIB/libaxvcpu-user.a" test -f "$LIB/libaxvcpu-user.a"
check "installed libaxvcpu-user.so.1" test -f "$LIB/libaxvcpu-user.so.1"
check "installed libaxvcpu-user.so -> libaxvcpu-user.so.1" \
	test "$(readlink "$LIB/libaxvcpu-user.so" 2>/dev/null)" = libaxvcpu-user.so.1
check "installed lib/pkgconfig/axvcpu-user.pc" test -f "$LIB/pkgconfig/axvcpu-user.pc"
check "installed include/axvcpu-user.h" cmp "$ROOT/usr/include/axvcpu-user.h" \
	"$TOP/userlib/axvcpu-user.h"
check "installed include/linux/axvcpu.h" cmp "$ROOT/usr/include/linux/axvcpu.h" \
	"$TOP/uapi/linux/axvcpu.h"

pc() {
	PKG_CONFIG_PATH=$LIB/pkgconfig PKG_CONFIG_LIBDIR=$LIB/pkgconfig \
		PKG_CONFIG_SYSROOT_DIR=$ROOT pkg-config "$@" axvcpu-user
}
have_pc=1
command -v pkg-config >/dev/null || have_pc=0
if [ $have_pc -eq 1 ]; then
	flags=$(pc --cflags --libs 2>"$T/out")
	echo "$flags" >>"$T/out"
	case " $flags " in
	*" -I$ROOT/usr/include "*"-L$LIB "*"-laxvcpu-user "*) point 0 "pkg-config --cflags --libs axvcpu-user: $flags" ;;
	*) point 1 "pkg-config --cflags --libs axvcpu-user: -I, -L and -l into the DESTDIR" "$T/out" ;;
	esac
	sflags=$(pc --static --cflags --libs 2>"$T/out")
	echo "$sflags" >>"$T/out"
	case " $sflags " in
	*" -laxvcpu-user "*"-lpthread "*) point 0 "pkg-config --static adds Libs.private -lpthread" ;;
	*) point 1 "pkg-config --static adds Libs.private -lpthread" "$T/out" ;;
	esac
	check "pkg-config --modversion is $VERSION" test "$(pc --modversion 2>/dev/null)" = "$VERSION"
else
	flags=
	sflags=
	for d in "pkg-config --cflags --libs" "pkg-config --static" "pkg-config --modversion"; do
		skip "$d" "pkg-config is not installed"
	done
fi

readelf -d "$LIB/libaxvcpu-user.so.1" >"$T/dyn" 2>&1
grep -q 'SONAME.*\[libaxvcpu-user\.so\.1\]' "$T/dyn"
point $? "readelf -d: SONAME libaxvcpu-user.so.1" "$T/dyn"
nm -D --defined-only "$LIB/libaxvcpu-user.so.1" >"$T/syms" 2>&1
! awk '$3 != "" && $3 != "AXVCPU_USER_1" && $3 !~ /^axvcpu_/ { print; bad = 1 } END { exit !bad }' \
	"$T/syms" >"$T/out" && grep -q ' axvcpu_open' "$T/syms" && ! grep -q axvcpu_internal "$T/syms"
point $? "the shared library exports axvcpu_* only, nothing internal" "$T/out"

# run_prog BIN KIND ENV...: one point per check the program reports.
run_prog() {
	local bin=$1 kind=$2 c
	shift 2
	if [ -x "$bin" ]; then
		env "$@" "$bin" >"$T/run" 2>&1
	else
		echo "not built" >"$T/run"
	fi
	for c in $PROG_CHECKS; do
		grep -qx "PASS $c" "$T/run"
		point $? "$kind program: $c" "$T/run"
	done
}

if [ $have_pc -eq 1 ]; then
	# shellcheck disable=SC2086 # the flags are words
	check "a program builds against the shared library" \
		$CC -Wall -Werror -o "$T/prog-shared" "$PROG_SRC" $flags
	readelf -d "$T/prog-shared" >"$T/dyn" 2>&1
	grep -q 'NEEDED.*\[libaxvcpu-user\.so\.1\]' "$T/dyn"
	point $? "it needs libaxvcpu-user.so.1 (readelf -d)" "$T/dyn"
	run_prog "$T/prog-shared" shared LD_LIBRARY_PATH="$LIB"

	# shellcheck disable=SC2086
	check "the program builds static (pkg-config --static, -static)" \
		$CC -Wall -Werror -static -o "$T/prog-static" "$PROG_SRC" $sflags
	readelf -d "$T/prog-static" >"$T/dyn" 2>&1
	! grep -q 'NEEDED' "$T/dyn"
	point $? "the static program needs no shared library" "$T/dyn"
	run_prog "$T/prog-static" static
else
	for d in "shared build" "shared NEEDED"; do
		skip "$d" "pkg-config is not installed"
	done
	for c in $PROG_CHECKS; do
		skip "shared program: $c" "pkg-config is not installed"
	done
	for d in "static build" "static NEEDED"; do
		skip "$d" "pkg-config is not installed"
	done
	for c in $PROG_CHECKS; do
		skip "static program: $c" "pkg-config is not installed"
	done
fi

submake -C "$TOP/userlib" TOP="$TOP" BUILD="$T/build" DESTDIR="$ROOT" PREFIX=/usr uninstall \
	>"$T/out" 2>&1
left=$(find "$ROOT" -type f -o -type l)
echo "$left" >>"$T/out"
[ -z "$left" ]
point $? "make uninstall removes every installed file" "$T/out"

[ "$n" -eq 27 ] || { echo "# planned 27 points but ran $n"; exit 1; }
[ "$failures" -eq 0 ]
