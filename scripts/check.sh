#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make check` (the Makefile has built everything before):
#   unit    host unit tests (tests/unit, if it has a Makefile), TAP
#   epyc    QEMU -cpu EPYC,+svm,+npt: the selftests (SVM + NPT, 4-level paging)
#   max     QEMU -cpu max: the selftests again (adds VGIF, LA57: 5-level paging)
#   qemu64  QEMU -cpu qemu64,-svm: loading the module must fail cleanly (QEMU's
#           qemu64 model has SVM unless it is turned off)
# then one line per test point and the closing line "N passed, N failed".
#
#   scripts/check.sh [LAYER...]     default: unit epyc max qemu64
#
# The boots run one after the other: QEMU with -smp 2 already uses both
# cores of the machine.  Logs: build/logs/{unit,epyc,max,qemu64}.log.
# Environment: AXVCPU_KO, SELFTESTS_DIR (see mkinitramfs.sh), BOOT_TIMEOUT,
# TEST_TIMEOUT (see boot-qemu.sh).

set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGS=$TOP/build/logs
SELFTESTS_DIR=${SELFTESTS_DIR:-$TOP/build/selftests}
SUMMARY=$LOGS/summary.txt
export SELFTESTS_DIR

# name | -cpu model | guest mode | CPU flags the guest must (not) see
BOOTS=(
	"epyc|EPYC,+svm,+npt|selftests|svm npt !la57"
	"max|max|selftests|svm npt la57"
	"qemu64|qemu64,-svm|nosvm|!svm"
)

LAYERS=("$@")
[ ${#LAYERS[@]} -gt 0 ] || LAYERS=(unit epyc max qemu64)

mkdir -p "$LOGS"
: >"$SUMMARY"

# Prints the point lines of $1 (a file) and appends them to the summary.
report() {
	cat "$1"
	cat "$1" >>"$SUMMARY"
}

failed_in() {
	grep -c '^\[[^]]*\] not ok ' "$1" || true
}

run_unit() {
	local log=$LOGS/unit.log pts=$LOGS/unit.points rc
	if [ ! -f "$TOP/tests/unit/Makefile" ]; then
		echo "== unit: tests/unit has no Makefile yet, skipped"
		return
	fi
	echo "== unit: make -C tests/unit run"
	make --no-print-directory -C "$TOP/tests/unit" TOP="$TOP" run >"$log" 2>&1
	rc=$?
	"$TOP/scripts/tap-summary.sh" flat unit "$log" "$rc" >"$pts"
	report "$pts"
	if [ "$(failed_in "$pts")" -gt 0 ]; then
		echo "-- unit: tail of $log:"
		tail -n 40 "$log"
	fi
}

# Shows the parts of a failed boot's log that say why.
explain_boot() {
	local name=$1 log=$2 pts=$3 t
	echo "-- $name: failures; full log in $log"
	# The output of each program that failed.
	sed -n 's/^\[[^]]*\] not ok \([^:]*\): .*/\1/p' "$pts" | sort -u |
	while read -r t; do
		case "$t" in
		boot|"cpu flags"|"kernel log clean"*) continue ;;
		esac
		awk -v t="$t" '
			index($0, "# AXVCPU-TEST-BEGIN " t) { on = 1; n = 0 }
			on && n++ < 60 { print }
			index($0, "# AXVCPU-TEST-END " t " ") { on = 0 }
		' "$log" | tr -d '\r'
	done
	if grep -q '^\[[^]]*\] not ok kernel log clean' "$pts"; then
		echo "-- $name: kernel log around the first bad line:"
		grep -n -m1 -E '\] (BUG:|WARNING:|kernel BUG at)|Oops|general protection|Call Trace|Kernel panic|UBSAN:' "$log" |
			cut -d: -f1 | while read -r n; do
				sed -n "$((n > 5 ? n - 5 : 1)),$((n + 40))p" "$log" | tr -d '\r'
			done
	fi
	if grep -q '^\[[^]]*\] not ok boot:' "$pts"; then
		echo "-- $name: last lines of the console:"
		tail -n 40 "$log" | tr -d '\r'
	fi
}

run_boot() {
	local spec=$1 name cpu mode flags log pts rc tests start
	IFS='|' read -r name cpu mode flags <<<"$spec"
	log=$LOGS/$name.log
	pts=$LOGS/$name.points
	tests=-
	[ "$mode" = selftests ] && [ -f "$SELFTESTS_DIR/TESTS" ] && tests=$SELFTESTS_DIR/TESTS
	echo "== $name: -cpu $cpu, $mode"
	start=$(date +%s)
	QUIET=1 "$TOP/scripts/boot-qemu.sh" "$name" "$cpu" "$mode" 2>>"$LOGS/boot-qemu.err"
	rc=$?
	echo "   ($name: $(($(date +%s) - start)) s, QEMU exit status $rc)"
	"$TOP/scripts/tap-summary.sh" boot "$name" "$log" "$tests" "$flags" "$rc" >"$pts"
	report "$pts"
	[ "$(failed_in "$pts")" -eq 0 ] || explain_boot "$name" "$log" "$pts"
}

main() {
	local layer spec total_start passed failed skipped line
	total_start=$(date +%s)
	: >"$LOGS/boot-qemu.err"
	for layer in "${LAYERS[@]}"; do
		if [ "$layer" = unit ]; then
			run_unit
			continue
		fi
		case "$layer" in
		epyc|max|qemu64) ;;
		*) echo "check: unknown layer '$layer' (unit epyc max qemu64)" >&2; exit 2 ;;
		esac
		if [ ! -f "$TOP/build/initramfs/initramfs-test.cpio.gz" ] ||
		   [ -z "${INITRAMFS_BUILT:-}" ]; then
			"$TOP/scripts/mkinitramfs.sh" test || exit 1
			INITRAMFS_BUILT=1
		fi
		for spec in "${BOOTS[@]}"; do
			[ "${spec%%|*}" = "$layer" ] && run_boot "$spec"
		done
	done
	echo "== all layers: $(($(date +%s) - total_start)) s; logs in $LOGS"
	failed=$(grep -c '^\[[^]]*\] not ok ' "$SUMMARY" || true)
	skipped=$(grep -c '^\[[^]]*\] ok .*# SKIP' "$SUMMARY" || true)
	passed=$(($(grep -c '^\[[^]]*\] ok ' "$SUMMARY" || true) - skipped))
	line="$passed passed, $failed failed"
	[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
	echo "$line"
	[ "$failed" -eq 0 ]
}

main
