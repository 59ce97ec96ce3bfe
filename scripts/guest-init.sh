#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of the test initramfs (busybox sh, PID 1 in the QEMU guest).
#
# The kernel command line chooses what it does:
#   axvcpu.test=selftests  load axvcpu.ko, run every program of /selftests/TESTS
#   axvcpu.test=nosvm      on a CPU without SVM: loading must fail with ENODEV
#                          and the module must say why in the kernel log
#   axvcpu.test=nonpt      the same on a CPU with SVM but no nested paging
#   axvcpu.test=run        load the module, show what the backend found,
#                          then run /run.sh if there is one (make run puts
#                          axvcpu-run and its guest image there)
#   axvcpu.test=bench      load the module, run the benchmark's sequence
#                          /bench/run.sh (make bench, scripts/bench.sh);
#                          axvcpu.bench=quick runs it with --quick
#   axvcpu.timeout=SECS    per-test timeout (default 120)
#   axvcpu.env=KEY=VALUE   put KEY=VALUE into the tests' environment (e.g.
#                          AXVCPU_FUZZ_CALLS for ioctl_fuzz); repeatable
#
# Everything goes to the serial console, which the host captures.  The host
# (scripts/check.sh) reads these markers, each alone on a line:
#   # AXVCPU-RUNNER-START mode=MODE
#   # AXVCPU-CPU-FLAGS <the flags line of /proc/cpuinfo>
#   # AXVCPU-MSR-KO rc=N            N: 0 when msr.ko loaded and /dev/cpu/0/msr
#                                   is there
#   # AXVCPU-TEST-BEGIN NAME        then the TAP output of program NAME
#   # AXVCPU-TEST-END NAME rc=N     N: its exit status (137: killed at timeout)
#   # AXVCPU-LEFT-OPEN NAME refcnt=N  NAME ended with axvcpu.ko still in use
#   # AXVCPU-OPEN-CHECKED           every program was checked for that
#   # AXVCPU-RUNNER-DONE
#   # AXVCPU-DMESG-BEGIN / # AXVCPU-DMESG-END   the whole kernel log (its
#                                               last lines in mode run)
# Nothing here decides pass or fail of a selftest: the host does, from the
# TAP lines and the exit status.

# The lines the module prints when it refuses to load on a CPU without SVM,
# and on one with SVM but without nested paging (extended regexes, matched
# against dmesg).  Keep in step with the messages in svm_probe()
# (kmod/x86/svm.c).
NOSVM_PATTERN='axvcpu[a-z_-]*: .*has no AMD SVM.*not loading'
NONPT_PATTERN='axvcpu[a-z_-]*: .*SVM but no nested paging.*not loading'

# The error busybox insmod prints for ENODEV, the errno the module must
# return when no backend fits the CPU.
NOSVM_ERROR='No such device'

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

MODE=
TIMEOUT=120
BENCH=
# shellcheck disable=SC2013
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	axvcpu.test=*) MODE=${arg#axvcpu.test=} ;;
	axvcpu.timeout=*) TIMEOUT=${arg#axvcpu.timeout=} ;;
	axvcpu.env=*=*) export "${arg#axvcpu.env=}" ;;
	axvcpu.bench=*) BENCH=${arg#axvcpu.bench=} ;;
	esac
done

echo "# AXVCPU-RUNNER-START mode=$MODE"
echo "# AXVCPU-CPU-FLAGS $(grep -m1 '^flags' /proc/cpuinfo | sed 's/^flags[[:space:]]*:[[:space:]]*//')"

# msr.ko gives the tests /dev/cpu/N/msr; it is not what is under test, but
# without it tests that read MSRs would skip: the host fails the boot's
# point "boot: msr.ko loaded" unless this marker says rc=0.
msr_rc=0
insmod /msr.ko || msr_rc=$?
[ "$msr_rc" = 0 ] && [ ! -c /dev/cpu/0/msr ] && msr_rc=255
echo "# AXVCPU-MSR-KO rc=$msr_rc"

# Prints TAP for a program that did not run: every point of it failed.
report_not_run() {
	echo "# AXVCPU-TEST-BEGIN $1"
	echo "TAP version 13"
	echo "1..1"
	echo "not ok 1 $2"
	echo "# AXVCPU-TEST-END $1 rc=1"
}

load_module() {
	[ -d /sys/module/axvcpu ] && return 0
	insmod /axvcpu.ko
}

run_selftests() {
	local name rc loaded=1

	if ! load_module; then
		echo "# insmod /axvcpu.ko failed:"
		dmesg | grep -i axvcpu
		loaded=0
	fi
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' /selftests/TESTS |
	while read -r name; do
		if [ "$loaded" = 0 ]; then
			report_not_run "$name" "axvcpu.ko did not load"
			continue
		fi
		# A test may unload the module (and load it again) itself; each
		# test starts with it loaded.
		if ! load_module; then
			report_not_run "$name" "axvcpu.ko could not be loaded again"
			continue
		fi
		echo "# AXVCPU-TEST-BEGIN $name"
		# SIGKILL: a test blocked in a signal handler must still end.
		(cd /selftests && timeout -s KILL "$TIMEOUT" "./$name") </dev/null
		rc=$?
		[ "$rc" = 137 ] && echo "# $name: killed after ${TIMEOUT}s (timeout)"
		echo "# AXVCPU-TEST-END $name rc=$rc"
		check_left_open "$name"
	done
	echo "# AXVCPU-OPEN-CHECKED"
}

# A program that has ended must have closed every axvcpu file: a process
# it left behind (a test case's child outliving a program killed at the
# timeout, say) would hold VMs into the programs after it. Waits up to 3 s
# for the last release, then names the program.
check_left_open() {
	local name=$1 refcnt i

	for i in 1 2 3 4 5 6; do
		refcnt=$(cat /sys/module/axvcpu/refcnt 2>/dev/null || echo 0)
		[ "$refcnt" = 0 ] && return 0
		sleep 0.5
	done
	echo "# AXVCPU-LEFT-OPEN $name refcnt=$refcnt"
}

# The module must refuse this CPU: $1 names the pseudo-test, $2 what the
# CPU lacks, $3 the regex of the module's explanation in the kernel log.
run_refusal() {
	local name=$1 lack=$2 pattern=$3 out rc fails=0

	echo "# AXVCPU-TEST-BEGIN $name"
	echo "TAP version 13"
	echo "1..4"
	out=$(insmod /axvcpu.ko 2>&1)
	rc=$?
	echo "# insmod /axvcpu.ko: rc=$rc: $out"
	if [ "$rc" != 0 ]; then
		echo "ok 1 insmod axvcpu.ko fails without $lack"
	else
		echo "not ok 1 insmod axvcpu.ko fails without $lack"
		fails=$((fails + 1))
	fi
	if echo "$out" | grep -q "$NOSVM_ERROR"; then
		echo "ok 2 insmod fails with ENODEV ($NOSVM_ERROR)"
	else
		echo "not ok 2 insmod fails with ENODEV ($NOSVM_ERROR)"
		fails=$((fails + 1))
	fi
	if dmesg | grep -E "$pattern"; then
		echo "ok 3 kernel log names the missing $lack"
	else
		echo "not ok 3 kernel log names the missing $lack (no line matches '$pattern')"
		fails=$((fails + 1))
	fi
	if [ ! -e /dev/axvcpu ] && [ ! -d /sys/module/axvcpu ]; then
		echo "ok 4 no module and no /dev/axvcpu left behind"
	else
		echo "not ok 4 no module and no /dev/axvcpu left behind"
		fails=$((fails + 1))
		rmmod axvcpu 2>/dev/null
	fi
	[ "$fails" = 0 ] && rc=0 || rc=1
	echo "# AXVCPU-TEST-END $name rc=$rc"
}

run_interactive() {
	local p

	if ! load_module; then
		echo "# insmod /axvcpu.ko failed"
	elif [ -x /bin/axvcpu-info ]; then
		/bin/axvcpu-info
		echo "# axvcpu-info: rc=$?"
	else
		echo "# axvcpu.ko loaded; module parameters:"
		for p in /sys/module/axvcpu/parameters/*; do
			[ -e "$p" ] && echo "#   ${p##*/} = $(cat "$p")"
		done
		ls -l /dev/axvcpu
	fi
	echo "# kernel log lines of axvcpu:"
	dmesg | grep -E 'axvcpu[a-z_-]*: '
	if [ -x /run.sh ]; then
		/run.sh
		echo "# run.sh: rc=$?"
	fi
}

# The benchmark prints its own markers (bench/run.sh); the host's
# scripts/bench.sh reads them.
run_bench() {
	if ! load_module; then
		echo "# insmod /axvcpu.ko failed:"
		dmesg | grep -i axvcpu
		return
	fi
	if [ -x /bench/run.sh ]; then
		/bench/run.sh ${BENCH:+--$BENCH} </dev/null
		echo "# bench/run.sh: rc=$?"
	else
		echo "# no /bench/run.sh in this image"
	fi
}

case "$MODE" in
selftests) run_selftests ;;
nosvm) run_refusal nosvm SVM "$NOSVM_PATTERN" ;;
nonpt) run_refusal nonpt "nested paging" "$NONPT_PATTERN" ;;
run) run_interactive ;;
bench) run_bench ;;
*) echo "# unknown mode '$MODE' (axvcpu.test=selftests|nosvm|nonpt|run|bench)" ;;
esac

# A kernel with kmemleak (make check-debug): scan once every program is
# done; what leaked is reported as "N new suspected memory leaks" in the
# kernel log, which the host's log check fails on. Objects younger than
# five seconds are never reported, hence the wait.
if [ "$MODE" = selftests ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null &&
   [ -e /sys/kernel/debug/kmemleak ]; then
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo "# kmemleak after the tests:"
	head -n 60 /sys/kernel/debug/kmemleak | sed 's/^/#   /'
fi

echo "# AXVCPU-RUNNER-DONE"
# The host checks the whole kernel log of a test boot; a person watching
# `make run` wants only its end.
echo "# AXVCPU-DMESG-BEGIN"
if [ "$MODE" = run ]; then
	dmesg | tail -n 15
else
	dmesg
fi
echo "# AXVCPU-DMESG-END"
sync
# The last lines are still in the UART's queue: give them time to leave.
sleep 2
poweroff -f
