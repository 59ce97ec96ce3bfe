# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# TAP points for the shell tests of this directory, sourced by them:
#   ok DESC CMD...   one point, passing when CMD succeeds; when it fails,
#                    "#   $TAP_WHAT:" and the files in TAP_SHOW (set by the
#                    test) follow as comments
#   tap_end          the plan; the exit status says whether all passed

n=0
failures=0
TAP_WHAT=${TAP_WHAT:-output was}
TAP_SHOW=${TAP_SHOW:-}

ok() {
	local desc=$1 f
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "#   $TAP_WHAT:"
		for f in $TAP_SHOW; do
			[ -f "$f" ] && sed 's/^/#     /' "$f"
		done
		failures=$((failures + 1))
	fi
}

tap_end() {
	echo "1..$n"
	[ "$failures" -eq 0 ]
}
