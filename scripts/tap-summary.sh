#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn test output into one line per test point, each prefixed by the layer
# or boot name:
#   [epyc] ok basic: api version
#   [epyc] not ok basic: create vcpu
#   [epyc] ok basic: npt levels # SKIP no NPT
#
#   scripts/tap-summary.sh boot NAME LOG TESTS [FLAGS]
#       LOG    the serial log of a boot (markers: see scripts/guest-init.sh)
#       TESTS  the programs the guest should have run, one a line ('-' for
#              none: the nosvm boot runs only its own pseudo-test)
#       FLAGS  CPU flags to assert in the guest's /proc/cpuinfo, space
#              separated; '!flag' asserts its absence
#   scripts/tap-summary.sh flat NAME LOG RC
#       LOG    a plain TAP stream (host unit tests), RC its exit status
#
# TAP as kselftest writes it: "ok N desc", "not ok N desc", "ok N desc #
# SKIP reason", a plan "1..N", "Bail out!"; indented lines (subtests) and
# comments are not counted.  Per program: exit status 4 with nothing failed
# is a skip; another non-zero exit with no "not ok" is one more failure; a
# plan that does not match the points seen is a failure; a program that
# printed no point but exited 0 is one pass.
#
# A boot also gets the points "boot: reached the runner", "boot: runner
# finished", "cpu flags: ..." and "kernel log clean".  The last one fails on
# any kernel line (a line with a printk timestamp) whose message starts with
# "BUG:" or "WARNING:" or "kernel BUG at", or contains "Oops",
# "general protection", "Call Trace", "Kernel panic" or "UBSAN:".  Only the
# start of the message for WARNING/BUG: Debian's kernel prints the harmless
# "Speculative Return Stack Overflow: WARNING: See https://..." on every
# AMD model; the kernel's own WARN() lines all start with "WARNING: CPU:".

set -euo pipefail

die() { echo "tap-summary: $*" >&2; exit 2; }

# shellcheck disable=SC2016
AWK_PROG='
function point(status, text) {
	printf "[%s] %s %s\n", name, status, text
}
function begin_prog(p) {
	cur = p; pfx = (mode == "flat") ? "" : p ": "; npass = 0; nfail = 0; nskip = 0; plan = -1; planskip = ""
	started[p] = 1
}
function end_prog(rc,    bad) {
	bad = 0
	if (rc == 4 && nfail == 0) {
		if (npass + nskip == 0)
			point("ok", pfx "skipped # SKIP exit status 4" \
			      (planskip != "" ? ": " planskip : ""))
	} else if (rc != 0 && nfail == 0) {
		if (rc == 137)
			why = "killed at the per-test timeout (exit status 137)"
		else if (rc > 128)
			why = "killed by signal " (rc - 128) " (exit status " rc ")"
		else
			why = "exit status " rc
		point("not ok", pfx why)
		bad = 1
	}
	if (!bad && rc != 4 && plan >= 0 && plan != npass + nfail + nskip) {
		point("not ok", pfx "planned " plan " points, reported " \
		      (npass + nfail + nskip))
		bad = 1
	}
	if (rc == 0 && npass + nfail + nskip == 0 && plan <= 0)
		point("ok", pfx "exit status 0")
	finished[cur] = 1
	cur = ""
	pfx = ""
}
function tap_line(l,    st, rest, reason) {
	if (l ~ /^(not ok|ok)([ \t]|$)/) {
		st = (l ~ /^not ok/) ? "not ok" : "ok"
		rest = substr(l, length(st) + 1)
		sub(/^[ \t]+[0-9]+/, "", rest)
		sub(/^[ \t]*-?[ \t]*/, "", rest)
		if (match(rest, /[ \t]*#[ \t]*[Ss][Kk][Ii][Pp]/)) {
			reason = substr(rest, RSTART + RLENGTH)
			sub(/^[ \t:]+/, "", reason)
			rest = substr(rest, 1, RSTART - 1)
			point("ok", pfx rest " # SKIP " reason)
			nskip++
		} else if (st == "not ok" && match(rest, /[ \t]*#[ \t]*[Tt][Oo][Dd][Oo]/)) {
			point("ok", pfx rest " # SKIP (TODO, expected to fail)")
			nskip++
		} else {
			point(st, pfx rest)
			if (st == "ok") npass++; else nfail++
		}
	} else if (l ~ /^1\.\.[0-9]+/) {
		# Several streams (the unit tests) add their plans up.
		plan = (plan < 0 ? 0 : plan) + substr(l, 4)
		if (match(l, /#[ \t]*[Ss][Kk][Ii][Pp][ \t:]*/))
			planskip = substr(l, RSTART + RLENGTH)
	} else if (l ~ /^Bail out!/) {
		point("not ok", pfx l)
		nfail++
	}
}
function kernel_line(l,    msg) {
	if (!match(l, /\[ *[0-9]+\.[0-9]+\] /))
		return
	msg = substr(l, RSTART + RLENGTH)
	if (msg ~ /^(BUG:|WARNING:|kernel BUG at)/ ||
	    msg ~ /Oops|general protection|Call Trace|Kernel panic|UBSAN:/) {
		nbadk++
		if (firstbad == "") firstbad = substr(l, RSTART)
	}
}
BEGIN {
	nexp = 0
	if (mode == "boot" && tests != "-") {
		while ((getline t < tests) > 0) {
			if (t ~ /^[ \t]*(#|$)/) continue
			gsub(/^[ \t]+|[ \t]+$/, "", t)
			expected[++nexp] = t
		}
	}
	if (mode == "flat") begin_prog(name)
}
{
	sub(/\r+$/, "")
	line = $0
	if (mode == "flat") { tap_line(line); next }
	kernel_line(line)
	# A marker may follow output that did not end in a newline.
	if (match(line, /# AXVCPU-[A-Z0-9-]+/)) {
		pre = substr(line, 1, RSTART - 1)
		line = substr(line, RSTART)
		if (pre != "" && cur != "" && !indmesg) tap_line(pre)
	} else {
		if (cur != "" && !indmesg) tap_line(line)
		next
	}
	split(line, f, " ")
	if (f[2] == "AXVCPU-RUNNER-START") started_runner = 1
	else if (f[2] == "AXVCPU-RUNNER-DONE") done_runner = 1
	else if (f[2] == "AXVCPU-BOOT-TIMEOUT") timedout = substr(line, 23)
	else if (f[2] == "AXVCPU-DMESG-BEGIN") indmesg = 1
	else if (f[2] == "AXVCPU-DMESG-END") indmesg = 0
	else if (f[2] == "AXVCPU-CPU-FLAGS") cpuflags = " " substr(line, 20) " "
	else if (f[2] == "AXVCPU-TEST-BEGIN") {
		if (cur != "") {
			point("not ok", pfx "no end marker before the next test")
			finished[cur] = 1
		}
		begin_prog(f[3])
	} else if (f[2] == "AXVCPU-TEST-END" && cur != "") {
		rc = f[4]; sub(/^rc=/, "", rc)
		end_prog(rc + 0)
	}
}
END {
	if (mode == "flat") {
		cur = name
		end_prog(rc + 0)
		exit 0
	}
	if (cur != "") {
		point("not ok", pfx "did not finish (the guest died or timed out in it)")
		finished[cur] = 1
	}
	for (i = 1; i <= nexp; i++)
		if (!(expected[i] in started))
			point("not ok", expected[i] ": did not run")
	if (started_runner)
		point("ok", "boot: reached the runner")
	else
		point("not ok", "boot: the guest never reached the runner")
	if (done_runner && qemurc == 0)
		point("ok", "boot: runner finished")
	else if (timedout != "")
		point("not ok", "boot: timed out " timedout)
	else
		point("not ok", "boot: runner did not finish (QEMU exit status " qemurc ")")
	if (flags != "" && started_runner) {
		n = split(flags, want, " ")
		miss = ""
		for (i = 1; i <= n; i++) {
			fl = want[i]
			if (fl ~ /^!/) {
				if (index(cpuflags, " " substr(fl, 2) " ")) miss = miss " " fl
			} else if (!index(cpuflags, " " fl " ")) {
				miss = miss " " fl
			}
		}
		point(miss == "" ? "ok" : "not ok", "cpu flags: " flags \
		      (miss == "" ? "" : " (wrong:" miss ")"))
	}
	if (nbadk == 0)
		point("ok", "kernel log clean")
	else
		point("not ok", "kernel log clean (" nbadk " bad lines, first: " firstbad ")")
}
'

[ $# -ge 4 ] || die "usage: $0 boot NAME LOG TESTS [FLAGS [QEMU_RC]] | flat NAME LOG RC"
mode=$1
name=$2
log=$3
[ -f "$log" ] || die "no log $log"
case "$mode" in
boot)
	tests=$4
	flags=${5:-}
	qemurc=${6:-0}
	[ "$tests" = - ] || [ -f "$tests" ] || die "no test list $tests"
	awk -v mode=boot -v name="$name" -v tests="$tests" -v flags="$flags" \
	    -v qemurc="$qemurc" "$AWK_PROG" "$log"
	;;
flat)
	awk -v mode=flat -v name="$name" -v rc="$4" "$AWK_PROG" "$log"
	;;
*)
	die "unknown mode $mode"
	;;
esac
