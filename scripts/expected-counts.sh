#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the programs and case counts the last `make check` saw, in the
# format of tests/expected/*.list, beside what each list expects, so that a
# person can update the lists after adding or removing programs or cases on
# purpose.  It only reads build/logs; it never writes the lists (and make
# check never runs it).
#
#   scripts/expected-counts.sh           every list with the logs it covers
#
# Output per list: "== tests/expected/NAME.list (from LOG...)", the counts
# seen, then a diff of the list (comments dropped) against them.

set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGS=$TOP/build/logs

# list : logs scored against it (keep in step with BOOTS in scripts/check.sh)
MAP=(
	"unit.list:unit"
	"selftests.list:epyc max"
	"nosvm.list:qemu64"
	"nonpt.list:nonpt"
)

for m in "${MAP[@]}"; do
	list=tests/expected/${m%%:*}
	logs=()
	for b in ${m#*:}; do
		[ -f "$LOGS/$b.log" ] && logs+=("$LOGS/$b.log")
	done
	echo "== $list (from: ${m#*:})"
	if [ ${#logs[@]} -eq 0 ]; then
		echo "   no log in $LOGS: run make check first"
		continue
	fi
	# Each log on its own: the boots of one list must agree.
	seen=$("$TOP/scripts/tap-summary.sh" counts "${logs[0]}")
	for l in "${logs[@]:1}"; do
		if [ "$("$TOP/scripts/tap-summary.sh" counts "$l")" != "$seen" ]; then
			echo "   note: ${l##*/} shows other counts than ${logs[0]##*/}:"
			diff <(echo "$seen") <("$TOP/scripts/tap-summary.sh" counts "$l") | sed 's/^/   /' || true
		fi
	done
	echo "$seen"
	if diff <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/$list") <(echo "$seen") >/dev/null; then
		echo "   (the list matches)"
	else
		echo "   diff of $list (<) against what was seen (>):"
		diff <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/$list") <(echo "$seen") |
			sed 's/^/   /' || true
	fi
done
