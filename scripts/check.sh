#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make check` (the Makefile has built everything before):
#   unit    host unit tests (tests/unit, if it has a Makefile), TAP
#   epyc    QEMU -cpu EPYC,+svm,+npt: the selftests (SVM + NPT, 4-level paging)
#   max     QEMU -cpu max: the selftests again (adds VGIF, LA57: 5-level paging)
#   qemu64  QEMU -cpu qemu64,-svm: loading the module must fail cleanly (QEMU's
#           qemu64 model has SVM unless it is turned off)
#   nonpt   QEMU -cpu EPYC,+svm,-npt: loading must fail cleanly without NPT
# then one line per test point and the closing line
# "N passed, N failed[, N skipped] (run-time test points of LAYERS)", also
# written to build/logs/closing.txt.  Nothing is printed after it.
#
#   scripts/check.sh [LAYER...]     default: unit epyc max qemu64 nonpt
#
# What each layer must show comes from tests/expected/*.list (kept in git;
# scripts/expected-counts.sh prints what the last run saw): a missing
# program or case, a boot that left no log or a layer with no result is a
# failure.  The boots run one after the other: QEMU with -smp 2 already
# uses both cores of the machine.  Logs: build/logs/LAYER.log.
# Environment: AXVCPU_KO, SELFTESTS_DIR (see mkinitramfs.sh), BOOT_TIMEOUT,
# TEST_TIMEOUT (see boot-qemu.sh).

set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGS=$TOP/build/logs
SELFTESTS_DIR=${SELFTESTS_DIR:-$TOP/build/selftests}
SUMMARY=$LOGS/summary.txt
CLOSING=$LOGS/closing.txt
EXPECTED=$TOP/tests/expected
export SELFTESTS_DIR

# name | -cpu model | guest mode | CPU flags the guest must (not) see |
# the list of programs and cases it must show (in tests/expected/)
BOOTS=(
	"epyc|EPYC,+svm,+npt|selftests|svm npt !la57|selftests.list"
	"max|max|selftests|svm npt la57|selftests.list"
	"qemu64|qemu64,-svm|nosvm|!svm|nosvm.list"
	"nonpt|EPYC,+svm,-npt|nonpt|svm !npt|nonpt.list"
)

LAYERS=("$@")
[ ${#LAYERS[@]} -gt 0 ] || LAYERS=(unit epyc max qemu64 nonpt)

mkdir -p "$LOGS"
: >"$SUMMARY"
rm -f "$CLOSING"

# Prints the point lines of $1 (a file) and appends them to the summary.
report() {
	cat "$1"
	cat "$1" >>"$SUMMARY"
}

failed_in() {
	grep -c '^\[[^]]*\] not ok ' "$1" || true
}

# Runs tap-summary.sh with "$@" into $PTS; a summary that fails itself is
# a failed point, never nothing.
summarize() {
	local pts=$1 name=$2 rc
	shift 2
	"$TOP/scripts/tap-summary.sh" "$@" >"$pts"
	rc=$?
	[ "$rc" -eq 0 ] ||
		echo "[$name] not ok tap-summary.sh failed (exit status $rc)" >>"$pts"
}

run_unit() {
	local log=$LOGS/unit.log pts=$LOGS/unit.points rc
	rm -f "$log"
	echo "== unit: make -C tests/unit run"
	if [ -f "$TOP/tests/unit/Makefile" ]; then
		make --no-print-directory -C "$TOP/tests/unit" TOP="$TOP" run >"$log" 2>&1
		rc=$?
	else
		rc=2
	fi
	summarize "$pts" unit host unit "$log" "$EXPECTED/unit.list" "$rc"
	report "$pts"
	if [ "$(failed_in "$pts")" -gt 0 ]; then
		echo "-- unit: tail of $log:"
		tail -n 40 "$log"
	fi
}

# Shows the parts of a failed boot's log that say why.
explain_boot() {
	local name=$1 log=$2 pts=$3 t
	if [ ! -f "$log" ]; then
		echo "-- $name: failures; no console log; the end of $LOGS/boot-qemu.err:"
		grep -v "TCG doesn't support" "$LOGS/boot-qemu.err" | tail -n 5
		return
	fi
	echo "-- $name: failures; full log in $log"
	# The output of each program that failed.
	sed -n 's/^\[[^]]*\] not ok \([^:]*\): .*/\1/p' "$pts" | sort -u |
	while read -r t; do
		case "$t" in
		boot|"cpu flags"|"kernel log"*|*.list) continue ;;
		esac
		awk -v t="$t" '
			index($0, "# AXVCPU-TEST-BEGIN " t) { on = 1; n = 0 }
			on && n++ < 60 { print }
			index($0, "# AXVCPU-TEST-END " t " ") { on = 0 }
		' "$log" | tr -d '\r'
	done
	if grep -q '^\[[^]]*\] not ok kernel log clean' "$pts"; then
		echo "-- $name: kernel log around the first bad line:"
		grep -n -m1 -E '\] (BUG:|WARNING:|kernel BUG at)|Oops|general protection|Call Trace|Kernel panic|UBSAN:|suspected memory leak' "$log" |
			cut -d: -f1 | while read -r n; do
				sed -n "$((n > 5 ? n - 5 : 1)),$((n + 40))p" "$log" | tr -d '\r'
			done
	fi
	if grep -q '^\[[^]]*\] not ok \(boot:\|kernel log complete\)' "$pts"; then
		echo "-- $name: last lines of the console:"
		tail -n 40 "$log" | tr -d '\r'
	fi
}

run_boot() {
	local spec=$1 name cpu mode flags list log pts rc start
	IFS='|' read -r name cpu mode flags list <<<"$spec"
	log=$LOGS/$name.log
	pts=$LOGS/$name.points
	# A boot that fails to start must not be scored on the last run's log.
	rm -f "$log"
	echo "== $name: -cpu $cpu, $mode"
	start=$(date +%s)
	QUIET=1 "$TOP/scripts/boot-qemu.sh" "$name" "$cpu" "$mode" 2>>"$LOGS/boot-qemu.err"
	rc=$?
	echo "   ($name: $(($(date +%s) - start)) s, QEMU exit status $rc)"
	summarize "$pts" "$name" boot "$name" "$log" "$EXPECTED/$list" "$flags" "$rc"
	report "$pts"
	[ "$(failed_in "$pts")" -eq 0 ] || explain_boot "$name" "$log" "$pts"
}

main() {
	local layer spec total_start passed failed skipped line pts
	total_start=$(date +%s)
	: >"$LOGS/boot-qemu.err"
	for layer in "${LAYERS[@]}"; do
		case "$layer" in
		unit|epyc|max|qemu64|nonpt) ;;
		*) echo "check: unknown layer '$layer' (unit epyc max qemu64 nonpt)" >&2; exit 2 ;;
		esac
	done
	for layer in "${LAYERS[@]}"; do
		pts=$LOGS/$layer.points
		rm -f "$pts"
		if [ "$layer" = unit ]; then
			run_unit
		else
			if [ -z "${INITRAMFS_BUILT:-}" ]; then
				INITRAMFS_BUILT=1
				if ! "$TOP/scripts/mkinitramfs.sh" test; then
					# No stale image may stand in for this one.
					rm -f "$TOP/build/initramfs/initramfs-test.cpio.gz"
					echo "[initramfs] not ok scripts/mkinitramfs.sh failed" |
						tee -a "$SUMMARY"
				fi
			fi
			for spec in "${BOOTS[@]}"; do
				[ "${spec%%|*}" = "$layer" ] && run_boot "$spec"
			done
		fi
		# Every layer asked for gives points; none at all is a failure.
		if ! grep -q '^\[[^]]*\] \(not \)\?ok ' "$pts" 2>/dev/null; then
			echo "[$layer] not ok the layer gave no test point" | tee -a "$SUMMARY"
		fi
	done
	echo "== all layers: $(($(date +%s) - total_start)) s; logs in $LOGS"
	failed=$(grep -c '^\[[^]]*\] not ok ' "$SUMMARY" || true)
	skipped=$(grep -c '^\[[^]]*\] ok .*# SKIP' "$SUMMARY" || true)
	passed=$(($(grep -c '^\[[^]]*\] ok ' "$SUMMARY" || true) - skipped))
	line="$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
	line="$line (run-time test points of ${LAYERS[*]})"
	echo "$line" >"$CLOSING"
	echo "$line"
	[ "$failed" -eq 0 ]
}

main
