#!/bin/sh
# SPDX-License-Identifier: MIT
# shellcheck shell=dash
#
# The benchmark's sequence in the QEMU guest (busybox sh), as /bench/run.sh:
# make bench's boots run it from /init (axvcpu.test=bench), the selftest
# bench_sequence with --quick. axvcpu.ko must be loaded already.
#
#   run.sh [--quick]
#
# It loads axvcpu_floor.ko and KVM (/kvm/{irqbypass,ccp,kvm,kvm-amd}.ko,
# in that order) while nobody has VMs, puts itself into a memory cgroup of
# its own (the runners read its memory.stat for the memory per VCPU), then
# runs ROUNDS rounds (/bench/config, default 5; 1 with --quick): one
# measurement of every workload by axvcpu_bench and kvm_bench right after
# each other, and of the floor beside every exit workload (its cpuid loop)
# and first-touch workload (the touch without a VM), in
# an order that alternates from round to round, so that a change of the
# machine's speed falls on every side alike. Only one side runs at a
# time: axvcpu, kvm_amd and the floor each switch SVM on only while they
# have a guest. At the end it unloads what it loaded.
#
# Output: the runners' result lines (bench.h), its own notes
#   # AXVCPU-BENCH-INFO guest KEY VALUE
# and "# AXVCPU-BENCH-END rc=N" last; N (also the exit status) is 0 when
# every runner succeeded and everything loaded and unloaded.

B=$(dirname "$0")
QUICK=
ROUNDS=5
RUNNER_TIMEOUT=900
# shellcheck disable=SC1091
[ -f "$B/config" ] && . "$B/config"
if [ "${1:-}" = --quick ]; then
	QUICK=--quick
	ROUNDS=1
	RUNNER_TIMEOUT=120
fi
rc=0

info() { echo "# AXVCPU-BENCH-INFO guest $*"; }
fail() {
	echo "# AXVCPU-BENCH-ERROR guest - $*"
	rc=1
}

# A memory cgroup for this shell and its children (cgroup v2).
enter_memcg() {
	local root

	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$root" ]; then
		root=/sys/fs/cgroup
		mkdir -p "$root" && mount -t cgroup2 none "$root" || return 1
	fi
	grep -qw memory "$root/cgroup.subtree_control" ||
		echo +memory >"$root/cgroup.subtree_control" || return 1
	mkdir -p "$root/axvcpu-bench" && echo $$ >"$root/axvcpu-bench/cgroup.procs"
}

# One measurement of workload $2 by runner $1 (the floor of an exit: its
# cpuid loop; of a first touch: the same touch without a VM).
run_side() {
	local prog=$1 op=$2 st

	case "$prog:$op" in
	floor_bench:touch*) ;;
	floor_bench:*) op=cpuid ;;
	esac
	timeout "$RUNNER_TIMEOUT" "$B/$prog" $QUICK --reps 1 --op "$op"
	st=$?
	[ "$st" = 0 ] || fail "$prog ($op) exited with status $st"
}

# Every workload of round $1: axvcpu and KVM right after each other, and
# beside each exit and first-touch workload the floor, so that all three
# see the machine alike; odd rounds in one order, even rounds in the other.
run_round() {
	local op sides prog

	if [ $(($1 % 2)) = 1 ]; then
		sides="axvcpu_bench kvm_bench floor_bench"
	else
		sides="floor_bench kvm_bench axvcpu_bench"
	fi
	for op in $("$B/axvcpu_bench" --list); do
		for prog in $sides; do
			case "$prog:$op" in
			floor_bench:cpuid|floor_bench:pio_*|floor_bench:mmio_*) ;;
			floor_bench:hypercall|floor_bench:irq) ;;
			floor_bench:touch|floor_bench:touch_4k) ;;
			floor_bench:*) continue ;;
			esac
			run_side "$prog" "$op"
		done
	done
}

echo "# AXVCPU-BENCH-BEGIN rounds=$ROUNDS"
info kernel "$(uname -r)"
info cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
info cpus "$(grep -c '^processor' /proc/cpuinfo)"
info thp "$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"

[ -d /sys/module/axvcpu ] || fail "axvcpu.ko is not loaded"
floor_loaded=0
if [ ! -d /sys/module/axvcpu_floor ]; then
	if insmod "$B/axvcpu_floor.ko"; then
		floor_loaded=1
	else
		fail "insmod axvcpu_floor.ko failed"
	fi
fi
enter_memcg || info memcg "none: memory per VCPU from /proc/meminfo"
# Nobody has a VM yet, so KVM may come in now.
kvm_loaded=
for m in irqbypass ccp kvm kvm-amd; do
	if [ -d "/sys/module/$(echo $m | tr - _)" ]; then
		continue
	elif insmod "/kvm/$m.ko"; then
		kvm_loaded="$(echo $m | tr - _) $kvm_loaded"
	else
		fail "insmod /kvm/$m.ko failed"
	fi
done

# QEMU backs the guest's RAM when it is first used: whoever touches fresh
# memory first pays for that too (the first THP touch of a boot took five
# times as long as the later ones). One untimed touch here, so no side's
# first measurement does.
"$B/floor_bench" $QUICK --reps 1 --op touch >/dev/null ||
	fail "floor_bench (warm-up touch) failed"

round=1
while [ "$round" -le "$ROUNDS" ]; do
	info round "$round"
	run_round "$round"
	round=$((round + 1))
done

for m in $kvm_loaded; do
	rmmod "$m" || fail "rmmod $m failed"
done
if [ "$floor_loaded" = 1 ]; then
	rmmod axvcpu_floor || fail "rmmod axvcpu_floor failed"
fi
echo "# AXVCPU-BENCH-END rc=$rc"
exit "$rc"
