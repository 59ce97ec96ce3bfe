#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the selftests of both SVM CPU models on the debug kernel
# (scripts/debug-kernel.sh: KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak,
# UBSAN), with ioctl_fuzz at 1 000 000 calls. Any KASAN, lockdep, UBSAN,
# kmemleak or WARN report fails the boot's "kernel log clean" point.
# Closes with "N passed, N failed[, N skipped]" like make check.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
MOD=$TOP/build/debug-module

"$TOP/scripts/debug-kernel.sh"
# shellcheck disable=SC1091
. "$TOP/build/debug-kernel/env.sh"

# axvcpu.ko and the benchmark's floor module for the debug kernel, built
# apart from the tree's own.
rm -rf "$MOD"
mkdir -p "$MOD"
cp -r "$TOP/Kbuild" "$TOP/kmod" "$TOP/uapi" "$MOD/"
make -C "$KDIR" M="$MOD" -s modules >&2
if [ -d "$TOP/bench/floor" ]; then
	# At the same place relative to kmod/, whose vmcb.h it includes.
	mkdir -p "$MOD/bench"
	cp -r "$TOP/bench/floor" "$MOD/bench/floor"
	make -C "$KDIR" M="$MOD/bench/floor" -s modules >&2
	export FLOOR_KO=$MOD/bench/floor/axvcpu_floor.ko
fi

# Everything runs three to five times slower there.
export KERNEL_ENV=$TOP/build/debug-kernel/env.sh AXVCPU_KO=$MOD/axvcpu.ko
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-3000} TEST_TIMEOUT=${TEST_TIMEOUT:-1500}
export APPEND="${APPEND:-} axvcpu.env=AXVCPU_FUZZ_CALLS=${AXVCPU_FUZZ_CALLS:-1000000} axvcpu.env=AXVCPU_RACE_ROUNDS=${AXVCPU_RACE_ROUNDS:-60}"
exec "$TOP/scripts/check.sh" epyc max
