#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_tap_summary: the harness's summary (scripts/tap-summary.sh) against
# crafted logs.  Each point feeds it one log, a good one or one with a
# single thing wrong (no log, an empty log, a missing program, a wrong
# plan, a skip after passes, a cut-short kernel log, ...), and checks that
# the summary fails it with the right point, or passes it with no failure.
# TAP on stdout; run by `make -C tests/unit run` with TOP set.

set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
SUMMARY=$TOP/scripts/tap-summary.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

TAP_WHAT="summary was"
TAP_SHOW=$T/out
# shellcheck source=tap_lib.sh
. "$TOP/tests/unit/tap_lib.sh"

# The list every crafted boot is scored against.
printf '# two programs\nalpha 2\nbeta 1\n' >"$T/list"

# Prints a boot log in which everything went right; the arguments drop or
# replace its parts: no-alpha, alpha-rc=N, alpha-tap=TEXT, no-msr, msr=N,
# no-dmesg-end, no-dmesg, dmesg-late, warning, no-runner-done.
good_log() {
	local opt alpha=1 alpha_rc=0 alpha_tap msr=0 dmesg=full warn=0 done=1
	alpha_tap=$'TAP version 13\n1..2\nok 1 - one\nok 2 - two'
	for opt in "$@"; do
		case "$opt" in
		no-alpha) alpha=0 ;;
		alpha-rc=*) alpha_rc=${opt#alpha-rc=} ;;
		alpha-tap=*) alpha_tap=${opt#alpha-tap=} ;;
		no-msr) msr= ;;
		msr=*) msr=${opt#msr=} ;;
		no-dmesg-end) dmesg="cut" ;;
		no-dmesg) dmesg=none ;;
		dmesg-late) dmesg=late ;;
		warning) warn=1 ;;
		no-runner-done) done=0 ;;
		esac
	done
	echo "[    0.000000] Linux version 6.1.0-57-amd64"
	echo "# AXVCPU-RUNNER-START mode=selftests"
	echo "# AXVCPU-CPU-FLAGS fpu svm npt lm"
	[ -z "$msr" ] || echo "# AXVCPU-MSR-KO rc=$msr"
	if [ "$alpha" = 1 ]; then
		echo "# AXVCPU-TEST-BEGIN alpha"
		[ -z "$alpha_tap" ] || printf '%s\n' "$alpha_tap"
		echo "# AXVCPU-TEST-END alpha rc=$alpha_rc"
	fi
	printf '# AXVCPU-TEST-BEGIN beta\nTAP version 13\n1..1\nok 1 - b\n'
	echo "# AXVCPU-TEST-END beta rc=0"
	[ "$done" = 0 ] || echo "# AXVCPU-RUNNER-DONE"
	[ "$dmesg" = none ] && return
	echo "# AXVCPU-DMESG-BEGIN"
	[ "$dmesg" = late ] || echo "[    0.000000] Linux version 6.1.0-57-amd64"
	echo "[    0.012345] Speculative Return Stack Overflow: WARNING: See https://"
	[ "$warn" = 0 ] || echo "[    3.000000] WARNING: CPU: 1 PID: 1 at kmod/vcpu.c:1 x+0x1/0x2"
	echo "[    5.000000] axvcpu: backend svm ready"
	[ "$dmesg" = cut ] && return
	echo "# AXVCPU-DMESG-END"
}

# score LOG [QEMU_RC]: the boot summary of LOG into $T/out.
score() {
	"$SUMMARY" boot crafted "$1" "$T/list" "svm npt" "${2:-0}" >"$T/out" 2>&1
}

# Assertions on $T/out.
no_failure() { ! grep -q '^\[crafted\] not ok ' "$T/out"; }
fails_with() { grep -q -F "[crafted] not ok $1" "$T/out"; }
points() { [ "$(grep -c '^\[crafted\] \(not \)\?ok ' "$T/out")" -eq "$1" ]; }

echo "TAP version 13"

good_log >"$T/good.log"
score "$T/good.log"
ok "a good log: no failure" no_failure
ok "a good log: 3 case points + 6 boot points" points 9

score "$T/does-not-exist.log" 2
ok "no log at all: the boot fails" fails_with "boot: the guest never reached the runner (no console log"
ok "no log at all: a listed program did not run" fails_with "alpha: did not run"
ok "no log at all: the kernel log is not called clean" fails_with "kernel log clean (no log to check)"

: >"$T/empty.log"
score "$T/empty.log"
ok "an empty log: the runner was never reached" fails_with "boot: the guest never reached the runner"
ok "an empty log: no kernel log dump" fails_with "kernel log complete (no # AXVCPU-DMESG-BEGIN"
ok "an empty log: the 6 boot points and 2 programs not run" points 8

good_log no-alpha >"$T/no-alpha.log"
score "$T/no-alpha.log"
ok "a program of the list that never ran fails" fails_with "alpha: did not run ($T/list lists 2 cases)"

good_log alpha-tap=$'TAP version 13\n1..1\nok 1 - one' >"$T/short.log"
score "$T/short.log"
ok "a plan below the listed count fails" fails_with "alpha: planned 1 cases, $T/list lists 2"

printf '%s\n' 'beta 1' >"$T/list"
score "$T/good.log"
ok "a program not in the list fails" fails_with "alpha: not in $T/list (add the line \"alpha 2\")"
printf '# two programs\nalpha 2\nbeta 1\n' >"$T/list"

good_log alpha-tap= >"$T/notap.log"
score "$T/notap.log"
ok "exit status 0 without TAP fails" fails_with "alpha: exit status 0 without a single test point"

good_log alpha-rc=4 >"$T/skip-after-pass.log"
score "$T/skip-after-pass.log"
ok "exit status 4 after passes fails" fails_with "alpha: exit status 4 (skip) after 2 passed points"

good_log alpha-rc=4 alpha-tap=$'TAP version 13\n1..2\nok 1 - one # SKIP no x' >"$T/skip-plan.log"
score "$T/skip-plan.log"
ok "exit status 4 still gets its plan checked" fails_with "alpha: planned 2 points, reported 1"

good_log alpha-rc=4 alpha-tap=$'TAP version 13\n1..0 # SKIP no widget' >"$T/skip-all.log"
score "$T/skip-all.log"
ok "a whole program skipped, listed with cases: fails" \
	fails_with "alpha: planned 0 cases, $T/list lists 2"
printf 'alpha 0\nbeta 1\n' >"$T/list"
score "$T/skip-all.log"
ok "a whole program skipped, listed with 0 cases: no failure" no_failure
ok "a whole program skipped, listed with 0 cases: one skip point" \
	grep -q -F '[crafted] ok alpha: skipped # SKIP no widget' "$T/out"
printf '# two programs\nalpha 2\nbeta 1\n' >"$T/list"

good_log alpha-rc=4 alpha-tap= >"$T/skip-noreason.log"
score "$T/skip-noreason.log"
ok "exit status 4 without a reason fails" fails_with "alpha: exit status 4 (skip) without a reason"

good_log alpha-tap=$'ok 1 - one\nok 2 - two' >"$T/noplan.log"
score "$T/noplan.log"
ok "points without a plan fail" fails_with "alpha: no TAP plan"

good_log alpha-rc=1 >"$T/rc1.log"
score "$T/rc1.log"
ok "a non-zero exit status with all points passed fails" fails_with "alpha: exit status 1"

good_log no-dmesg-end >"$T/cut.log"
score "$T/cut.log"
ok "a kernel log dump cut short fails" fails_with "kernel log complete (the dump was cut short"

good_log dmesg-late >"$T/late.log"
score "$T/late.log"
ok "a kernel log dump without its start fails" fails_with "kernel log complete (the dump starts at [    0.012345]"

good_log warning >"$T/warn.log"
score "$T/warn.log"
ok "a WARNING: CPU: line in the kernel log fails" fails_with "kernel log clean (1 bad lines"

good_log msr=1 >"$T/msr.log"
score "$T/msr.log"
ok "a failed insmod msr.ko fails" fails_with "boot: msr.ko loaded (insmod /msr.ko or /dev/cpu/0/msr failed: rc=1)"

good_log no-msr >"$T/no-msr.log"
score "$T/no-msr.log"
ok "no msr.ko marker fails" fails_with "boot: msr.ko loaded (no # AXVCPU-MSR-KO marker)"

good_log no-runner-done >"$T/no-done.log"
score "$T/no-done.log" 1
ok "a runner that did not finish fails" fails_with "boot: runner did not finish (QEMU exit status 1)"

good_log alpha-tap=$'TAP version 13\n1..2\nok 1 - one' >"$T/died.log"
sed -i '/AXVCPU-TEST-END alpha/,$d' "$T/died.log"
score "$T/died.log" 124
ok "a program that never finished fails" fails_with "alpha: did not finish"

# The no-SVM boot's log without its pseudo-test's points.
printf 'nosvm 4\n' >"$T/nosvm.list"
good_log no-alpha | sed '/AXVCPU-TEST-BEGIN beta/,/AXVCPU-TEST-END beta/d' >"$T/nosvm.log"
"$SUMMARY" boot crafted "$T/nosvm.log" "$T/nosvm.list" "svm" 0 >"$T/out" 2>&1
ok "a no-SVM boot without its points fails" fails_with "nosvm: did not run ($T/nosvm.list lists 4 cases)"

# The unit layer: markers from tests/unit/Makefile, no boot points.
{
	printf '# AXVCPU-TEST-BEGIN alpha\nTAP version 13\nok 1 - a\nok 2 - b\n1..2\n'
	printf '# AXVCPU-TEST-END alpha rc=0\n'
	printf '# AXVCPU-TEST-BEGIN beta\nTAP version 13\nok 1 - b\n1..1\n'
	printf '# AXVCPU-TEST-END beta rc=0\n'
} >"$T/unit.log"
"$SUMMARY" host crafted "$T/unit.log" "$T/list" 0 >"$T/out" 2>&1
ok "host mode, a good log: 3 points, no failure" eval 'no_failure && points 3'
"$SUMMARY" host crafted "$T/unit.log" "$T/list" 2 >"$T/out" 2>&1
ok "host mode, make failed with every point passed: fails" fails_with "make run: exit status 2"
"$SUMMARY" host crafted "$T/none.log" "$T/list" 2 >"$T/out" 2>&1
ok "host mode, no log: fails" fails_with "no log: the unit tests never ran"

"$SUMMARY" boot crafted "$T/good.log" "$T/no-such.list" "svm npt" 0 >"$T/out" 2>&1
ok "a missing expected list fails" fails_with "$T/no-such.list: cannot read the expected list"

tap_end
