#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn test output into one line per test point, each prefixed by the layer
# or boot name:
#   [epyc] ok caps: backend_is_svm
#   [epyc] not ok caps: limits_are_usable
#   [epyc] ok vcpu_exits: fail_entry_exit # SKIP reason
#
#   scripts/tap-summary.sh boot NAME LOG EXPECTED FLAGS QEMU_RC
#       LOG       the serial log of a boot (markers: see scripts/guest-init.sh)
#       EXPECTED  the list of programs and case counts this boot must show
#                 (tests/expected/*.list)
#       FLAGS     CPU flags to assert in the guest's /proc/cpuinfo, space
#                 separated; '!flag' asserts its absence
#       QEMU_RC   the exit status of scripts/boot-qemu.sh
#   scripts/tap-summary.sh host NAME LOG EXPECTED RC
#       LOG       the output of `make -C tests/unit run` (the same
#                 TEST-BEGIN/TEST-END markers around each program's TAP)
#       RC        its exit status
#   scripts/tap-summary.sh counts LOG...
#       prints "program cases" for every program of the logs, in the format
#       of the expected lists, for a person to copy (never used by make check)
#
# An expected list has one line per program, "name cases" (the number of
# TAP points, i.e. the plan, it must print); '#' starts a comment.  It is
# kept in git, so that a build that loses a program or a case cannot shrink
# what is expected: the build's own TESTS file is not read here.
#
# TAP as kselftest writes it: "ok N desc", "not ok N desc", "ok N desc #
# SKIP reason", a plan "1..N", "Bail out!"; indented lines (subtests) and
# comments are not counted.  Per program it is a failure when
#   - it exits non-zero other than 4 with no "not ok" (one point naming the
#     exit status, signal or timeout);
#   - it exits 4 (skip) after passing points, or exits 4 without a reason
#     (a "1..0 # SKIP reason" plan or skip points);
#   - it prints points but no plan, or a plan other than the points seen;
#   - it exits 0 without printing a point;
#   - its plan differs from the count in the expected list, it is not in
#     the list, or it is listed and never ran or never finished.
# A program that exits 4 after "1..0 # SKIP reason" is one skip point; it
# must be listed with 0 cases (in a list of that boot's own), or its plan
# of 0 is a failure like any other plan the list does not expect.
#
# A boot also always gets the same six points: "boot: reached the runner",
# "boot: runner finished", "boot: msr.ko loaded", "cpu flags: ...",
# "kernel log complete" (the dump of the whole kernel log is there, starts
# at the kernel's first line and has its end marker) and "kernel log clean".
# The last one fails on any kernel line (a line with a printk timestamp)
# whose message starts with "BUG:" or "WARNING:" or "kernel BUG at", or
# contains "Oops", "general protection", "Call Trace", "Kernel panic",
# "UBSAN:" or "suspected memory leak" (kmemleak, in make check-debug).
# Only the start of the message for WARNING/BUG: Debian's kernel prints
# the harmless "Speculative Return Stack Overflow: WARNING: See https://..."
# on every AMD model; the kernel's own WARN() lines all start
# with "WARNING: CPU:".  A log that does not exist (the boot never ran)
# fails all six and every listed program.
# A boot that ran selftests (its runner printed # AXVCPU-OPEN-CHECKED) gets
# a seventh, "boot: every program closed axvcpu": no program ended with the
# module still in use (# AXVCPU-LEFT-OPEN, from guest-init.sh).

set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "tap-summary: $*" >&2; exit 2; }

# shellcheck disable=SC2016
AWK_PROG='
function point(status, text) {
	printf "[%s] %s %s\n", name, status, text
	if (status == "not ok") failed_any = 1
}
function begin_prog(p) {
	cur = p; pfx = p ": "; npass = 0; nfail = 0; nskip = 0; plan = -1; planskip = ""
	started[p] = 1
}
function end_prog(rc,    n, why) {
	n = npass + nfail + nskip
	if (rc == 4) {
		if (npass > 0) {
			point("not ok", pfx "exit status 4 (skip) after " npass " passed points")
		} else if (n == 0) {
			if (planskip != "")
				point("ok", pfx "skipped # SKIP " planskip)
			else
				point("not ok", pfx "exit status 4 (skip) without a reason")
		}
	} else if (rc != 0 && nfail == 0) {
		if (rc == 137)
			why = "killed at the per-test timeout (exit status 137)"
		else if (rc > 128)
			why = "killed by signal " (rc - 128) " (exit status " rc ")"
		else
			why = "exit status " rc
		point("not ok", pfx why)
	}
	if (rc == 0 && n == 0)
		point("not ok", pfx "exit status 0 without a single test point")
	if (n > 0 && plan < 0)
		point("not ok", pfx "no TAP plan (1..N) for its " n " points")
	else if (plan >= 0 && plan != n)
		point("not ok", pfx "planned " plan " points, reported " n)
	if (cur in want) {
		# A program skipped as a whole (1..0 # SKIP) must be listed
		# with 0 cases: it hides every case it has.
		if (plan >= 0 && plan != want[cur])
			point("not ok", pfx "planned " plan " cases, " listname " lists " want[cur])
		else if (plan < 0 && n != want[cur])
			point("not ok", pfx "reported " n " points, " listname " lists " want[cur])
	} else {
		point("not ok", pfx "not in " listname " (add the line \"" cur " " \
		      (plan >= 0 ? plan : n) "\")")
	}
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
			if (reason == "") {
				point("not ok", pfx rest " (skipped without a reason)")
				nfail++
			} else {
				point("ok", pfx rest " # SKIP " reason)
				nskip++
			}
		} else if (st == "not ok" && match(rest, /[ \t]*#[ \t]*[Tt][Oo][Dd][Oo]/)) {
			point("ok", pfx rest " # SKIP (TODO, expected to fail)")
			nskip++
		} else {
			point(st, pfx rest)
			if (st == "ok") npass++; else nfail++
		}
	} else if (l ~ /^1\.\.[0-9]+/) {
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
	if (indmesg && dmesg_first == "")
		dmesg_first = substr(l, RSTART, RLENGTH)
	msg = substr(l, RSTART + RLENGTH)
	if (msg ~ /^(BUG:|WARNING:|kernel BUG at)/ ||
	    msg ~ /Oops|general protection|Call Trace|Kernel panic|UBSAN:|suspected memory leak/) {
		nbadk++
		if (firstbad == "") firstbad = substr(l, RSTART)
	}
}
function read_list(file,    t, f, nf, r, lineno) {
	while ((r = (getline t < file)) > 0) {
		lineno++
		sub(/#.*/, "", t)
		nf = split(t, f, " ")
		if (nf == 0)
			continue
		if (nf != 2 || f[2] !~ /^[0-9]+$/) {
			point("not ok", listname ": line " lineno " is not \"program cases\"")
			continue
		}
		if (!(f[1] in want))
			order[++nexp] = f[1]
		want[f[1]] = f[2] + 0
	}
	if (r < 0)
		point("not ok", listname ": cannot read the expected list")
	else if (nexp == 0)
		point("not ok", listname ": lists no program")
}
BEGIN {
	nexp = 0
	if (mode != "counts")
		read_list(list)
}
mode == "counts" {
	sub(/\r+$/, "")
	if ($1 == "#" && $2 == "AXVCPU-TEST-BEGIN") { cur = $3; plan = -1; n = 0 }
	else if ($1 == "#" && $2 == "AXVCPU-TEST-END" && cur != "") {
		if (!(cur in seen)) { seen[cur] = 1; corder[++nc] = cur }
		cnt[cur] = plan >= 0 ? plan : n
		cur = ""
	} else if (cur != "" && $0 ~ /^1\.\.[0-9]+/) plan = (plan < 0 ? 0 : plan) + substr($0, 4)
	else if (cur != "" && $0 ~ /^(not ok|ok)([ \t]|$)/) n++
	next
}
{
	sub(/\r+$/, "")
	line = $0
	if (mode == "boot")
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
	else if (f[2] == "AXVCPU-DMESG-BEGIN") { indmesg = 1; dmesg_begun = 1 }
	else if (f[2] == "AXVCPU-DMESG-END") { indmesg = 0; dmesg_ended = dmesg_begun }
	else if (f[2] == "AXVCPU-CPU-FLAGS") cpuflags = " " substr(line, 20) " "
	else if (f[2] == "AXVCPU-LEFT-OPEN") { nleft++; if (left == "") left = f[3] " (" f[4] ")" }
	else if (f[2] == "AXVCPU-OPEN-CHECKED") open_checked = 1
	else if (f[2] == "AXVCPU-MSR-KO") { msr_seen = 1; msr_rc = f[3]; sub(/^rc=/, "", msr_rc) }
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
	if (mode == "counts") {
		for (i = 1; i <= nc; i++)
			printf "%s %d\n", corder[i], cnt[corder[i]]
		exit 0
	}
	if (cur != "") {
		point("not ok", pfx "did not finish (the guest died or timed out in it)")
		finished[cur] = 1
	}
	for (i = 1; i <= nexp; i++)
		if (!(order[i] in started))
			point("not ok", order[i] ": did not run (" listname " lists " \
			      want[order[i]] " cases)")
	if (mode == "host") {
		if (nolog)
			point("not ok", "no log: the unit tests never ran")
		else if (qemurc != 0 && !failed_any)
			point("not ok", "make run: exit status " qemurc)
		exit 0
	}
	nolog_why = nolog ? " (no console log: the boot never ran)" : ""
	if (started_runner)
		point("ok", "boot: reached the runner")
	else
		point("not ok", "boot: the guest never reached the runner" nolog_why)
	if (done_runner && qemurc == 0)
		point("ok", "boot: runner finished")
	else if (timedout != "")
		point("not ok", "boot: timed out " timedout)
	else
		point("not ok", "boot: runner did not finish (QEMU exit status " qemurc ")")
	if (msr_seen && msr_rc == "0")
		point("ok", "boot: msr.ko loaded")
	else if (msr_seen)
		point("not ok", "boot: msr.ko loaded (insmod /msr.ko or /dev/cpu/0/msr failed: rc=" msr_rc ")")
	else
		point("not ok", "boot: msr.ko loaded (no # AXVCPU-MSR-KO marker)")
	if (open_checked)
		point(nleft == 0 ? "ok" : "not ok", "boot: every program closed axvcpu" \
		      (nleft == 0 ? "" : " (" nleft " did not, first: " left ")"))
	n = split(flags, wantfl, " ")
	miss = ""
	for (i = 1; i <= n; i++) {
		fl = wantfl[i]
		if (fl ~ /^!/) {
			if (index(cpuflags, " " substr(fl, 2) " ")) miss = miss " " fl
		} else if (!index(cpuflags, " " fl " ")) {
			miss = miss " " fl
		}
	}
	if (!started_runner || cpuflags == "")
		point("not ok", "cpu flags: " flags " (no # AXVCPU-CPU-FLAGS line)")
	else
		point(miss == "" ? "ok" : "not ok", "cpu flags: " flags \
		      (miss == "" ? "" : " (wrong:" miss ")"))
	if (!dmesg_begun)
		point("not ok", "kernel log complete (no # AXVCPU-DMESG-BEGIN: not checked)")
	else if (!dmesg_ended)
		point("not ok", "kernel log complete (the dump was cut short: no # AXVCPU-DMESG-END)")
	else if (dmesg_first !~ /^\[ *0\.000000\] $/)
		point("not ok", "kernel log complete (the dump starts at " \
		      (dmesg_first == "" ? "no kernel line" : dmesg_first) \
		      ", not at the kernel'"'"'s first line)")
	else
		point("ok", "kernel log complete")
	if (nolog)
		point("not ok", "kernel log clean (no log to check)")
	else if (nbadk == 0)
		point("ok", "kernel log clean")
	else
		point("not ok", "kernel log clean (" nbadk " bad lines, first: " firstbad ")")
}
'

usage="usage: $0 boot NAME LOG EXPECTED FLAGS QEMU_RC | host NAME LOG EXPECTED RC | counts LOG..."
[ $# -ge 1 ] || die "$usage"
mode=$1
case "$mode" in
boot|host)
	if [ "$mode" = boot ]; then
		[ $# -eq 6 ] || die "$usage"
		flags=$5
		rc=$6
	else
		[ $# -eq 5 ] || die "$usage"
		flags=
		rc=$5
	fi
	name=$2
	log=$3
	list=$4
	nolog=0
	# A boot that left no log is a failure, not nothing.
	if [ ! -f "$log" ]; then
		nolog=1
		log=/dev/null
	fi
	awk -v mode="$mode" -v name="$name" -v list="$list" \
	    -v listname="${list#"$TOP/"}" \
	    -v flags="$flags" -v qemurc="$rc" -v nolog="$nolog" "$AWK_PROG" "$log"
	;;
counts)
	shift
	[ $# -ge 1 ] || die "$usage"
	for log in "$@"; do
		[ -f "$log" ] || die "no log $log"
	done
	awk -v mode=counts "$AWK_PROG" "$@"
	;;
*)
	die "$usage"
	;;
esac
