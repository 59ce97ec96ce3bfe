#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the fetched Debian kernel with the test initramfs in QEMU (TCG: this
# machine has no KVM) and capture the serial console.
#
#   scripts/boot-qemu.sh NAME CPU MODE
#     NAME  names the log: build/logs/NAME.log
#     CPU   the -cpu model, e.g. EPYC,+svm,+npt  max  qemu64
#     MODE  what the guest's /init does: selftests | nosvm | nonpt | run | bench
#
# Environment:
#   INITRAMFS     default build/initramfs/initramfs-test.cpio.gz
#   BOOT_TIMEOUT  seconds before QEMU is killed (default 420): a hung guest
#                 can never hang the caller
#   TEST_TIMEOUT  per-test timeout inside the guest (default 120)
#   SMP, MEM      default 2 CPUs, 2048 MiB
#   QEMU_ACCEL    the -accel value (default tcg,thread=single; see below)
#   APPEND        more kernel command line
#   QEMU_EXTRA    more QEMU arguments, split at spaces (for debugging, e.g.
#                 -monitor unix:/tmp/mon.sock,server,nowait)
#   QUIET=1       only write the log, do not copy the console to stdout
#
# Exit status: QEMU's (0 after the guest powered off or panicked), 124 when
# the boot timed out.

set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -ne 3 ]; then
	echo "usage: $0 NAME CPU selftests|nosvm|nonpt|run|bench" >&2
	exit 2
fi
NAME=$1
CPU=$2
MODE=$3

[ -f "$TOP/build/deps/env.sh" ] || { echo "boot-qemu: run 'make deps' first" >&2; exit 2; }
# shellcheck disable=SC1091
. "$TOP/build/deps/env.sh"
# Another kernel (make check-debug's): its VMLINUZ, MODDIR, KVER win.
# shellcheck disable=SC1090
[ -z "${KERNEL_ENV:-}" ] || . "$KERNEL_ENV"

INITRAMFS=${INITRAMFS:-$TOP/build/initramfs/initramfs-test.cpio.gz}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-420}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
SMP=${SMP:-2}
MEM=${MEM:-2048}
LOG=$TOP/build/logs/$NAME.log

[ -f "$INITRAMFS" ] || { echo "boot-qemu: no $INITRAMFS: run scripts/mkinitramfs.sh" >&2; exit 2; }
[ -f "$VMLINUZ" ] || { echo "boot-qemu: no $VMLINUZ: run 'make deps'" >&2; exit 2; }
mkdir -p "$(dirname "$LOG")"

# loglevel=5: warnings and worse reach the console as they happen (a guest
# that dies mid-test still shows why); the whole kernel log is printed by
# /init at the end.  panic=-1 with -no-reboot turns a panic into QEMU exiting.
cmdline="console=ttyS0 loglevel=5 panic=-1 axvcpu.test=$MODE"
cmdline="$cmdline axvcpu.timeout=$TEST_TIMEOUT ${APPEND:-}"

# One TCG thread for all vCPUs.  QEMU 7.2's multi-threaded TCG corrupts
# CPU 0's SVM state: every FXRSTOR/XRSTOR/FRSTOR/FLDENV on another vCPU runs
# cpu_clear_ignne() (target/i386/tcg/sysemu/fpu_helper.c), an unlocked
# read-modify-write of first_cpu's env->hflags2 from that vCPU's thread.  It
# can undo CPU 0's own concurrent update, e.g. the HF2_NPT_MASK clear of a
# #VMEXIT: CPU 0 then walks host page tables through the guest's nested
# table, takes a nested page fault in host mode, and that #VMEXIT writes the
# host's state into the VMCB (the next VMRUN runs it as guest state: triple
# fault, or a nested page fault at a RIP in the module).  KVM in the guest
# is exposed the same way.  With thread=single the vCPUs never run at once:
# a stress test of two VCPUs on the two CPUs failed 483 of 4000 VMs with the
# default (multi-threaded) TCG and 0 of 4000 with thread=single, at the same
# boot time.
QEMU_ACCEL=${QEMU_ACCEL:-tcg,thread=single}

qemu=(qemu-system-x86_64 -accel "$QEMU_ACCEL" -cpu "$CPU" -smp "$SMP" -m "$MEM"
      -nographic -no-reboot -nic none
      -kernel "$VMLINUZ" -initrd "$INITRAMFS" -append "$cmdline")
# shellcheck disable=SC2206
[ -n "${QEMU_EXTRA:-}" ] && qemu+=($QEMU_EXTRA)

echo "boot-qemu: $NAME: ${qemu[*]}" >&2
start=$(date +%s)
# The firmware and the kernel reset and clear the screen with escape
# sequences: drop them (and the serial line's CRs), a terminal that shows
# the console keeps its scrollback and the log reads as plain text.
clean_console() {
	sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[A-Za-z]//g' -e 's/\r$//'
}

set +e
# stdin from /dev/null: QEMU must never take over a terminal (or wait for
# one in CI).  -k: if QEMU ignores SIGTERM, SIGKILL follows 10 s later.
if [ "${QUIET:-0}" = 1 ]; then
	timeout -k 10 "$BOOT_TIMEOUT" "${qemu[@]}" </dev/null 2>&1 | clean_console >"$LOG"
else
	timeout -k 10 "$BOOT_TIMEOUT" "${qemu[@]}" </dev/null 2>&1 | clean_console | tee "$LOG"
fi
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s)
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "boot-qemu: $NAME: timed out after ${BOOT_TIMEOUT}s" >&2
	echo "# AXVCPU-BOOT-TIMEOUT after ${BOOT_TIMEOUT}s" >>"$LOG"
	rc=124
fi
echo "boot-qemu: $NAME: QEMU exited rc=$rc after $((end - start))s, log $LOG" >&2
exit "$rc"
