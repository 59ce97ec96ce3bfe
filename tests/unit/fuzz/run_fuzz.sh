#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs one libFuzzer target of tests/unit/fuzz as a TAP program:
#   run_fuzz.sh NAME SECONDS
# Point 1: every input of the seed corpus kept in the tree
# (tests/unit/fuzz/corpus/NAME/) runs clean. Point 2: fuzzing for SECONDS
# from that corpus finds no crash, leak, sanitizer report or broken
# invariant. New inputs go to build/unit/fuzz/corpus/NAME (never into the
# tree), crashes to build/unit/fuzz/artifacts/NAME-*; the log of each run
# is build/unit/fuzz/NAME.log. Exit status non-zero when a point failed.
set -u
name=$1
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
top=${TOP:-$here/../..}
bin=$here/fuzzer_$name
seeds=$top/tests/unit/fuzz/corpus/$name
work=$here/fuzz
mkdir -p "$work/corpus/$name" "$work/artifacts"
log=$work/$name.log
fail=0

echo "TAP version 13"
echo "1..2"
if "$bin" -runs=0 "$seeds" >"$log.seeds" 2>&1 && [ -n "$(ls -A "$seeds")" ]; then
	echo "ok 1 - fuzz_$name: the $(ls "$seeds" | wc -l) seed inputs run clean"
else
	echo "not ok 1 - fuzz_$name: seed corpus $seeds"
	sed 's/^/# /' "$log.seeds" | tail -n 30
	fail=1
fi
if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/$name-" \
	"$work/corpus/$name" "$seeds" >"$log" 2>&1; then
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "ok 2 - fuzz_$name: ${execs:-?} executions in ${secs} s, no crash, leak or sanitizer report"
else
	echo "not ok 2 - fuzz_$name: the fuzzer failed (log $log)"
	grep -E 'ERROR|SUMMARY|==[0-9]+==|deadly|Test unit written' "$log" | head -n 20 | sed 's/^/# /'
	fail=1
fi
exit $fail
