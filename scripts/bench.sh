#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make bench` (the Makefile has built everything before): one
# QEMU boot per SVM CPU model, each running bench/run.sh, the same guest
# code on /dev/axvcpu, on /dev/kvm and on the floor module, in rounds
# (Documentation/performance.rst). Then, on the host, the console logs
# become one table (printed), bench.json and bench.png in
# build/bench-results/, copied to bench/results/ when everything worked.
#
#   scripts/bench.sh [BOOT...]        default: epyc max
#
# Environment: BENCH_ROUNDS (measurements per workload and side, default
# 5), BOOT_TIMEOUT (per boot, default 1500 s).
# Exit status: non-zero when a boot failed, a runner reported an error,
# a result is missing or the guest's kernel log has an error line.

set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGS=$TOP/build/logs
OUT=$TOP/build/bench-results
RESULTS=$TOP/bench/results
STAGE=$TOP/build/bench-stage
REPORT=$TOP/build/bench/bench-report
ROUNDS=${BENCH_ROUNDS:-5}
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-1500}

# name | -cpu model
BOOTS=(
	"epyc|EPYC,+svm,+npt"
	"max|max"
)

# The kernel lines scripts/check.sh fails a boot for (see testing.rst).
BAD_KERNEL_LINE='\] (BUG:|WARNING:|kernel BUG at)|Oops|general protection|Call Trace|Kernel panic|UBSAN:'

say() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }

# gnuplot draws the picture: from Debian's archive, as scripts/deps.sh
# installs the rest.
need_gnuplot() {
	dpkg-query -W -f='${Status}' gnuplot-nox 2>/dev/null | grep -q '^install ok installed$' &&
		return 0
	[ "$(id -u)" -eq 0 ] ||
		die "gnuplot-nox is missing; as root: apt-get install --no-install-recommends gnuplot-nox"
	say "installing gnuplot-nox"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-o Dpkg::Use-Pty=0 gnuplot-nox </dev/null ||
		die "apt-get install gnuplot-nox failed"
}

# A boot's log must show the sequence's end and a clean kernel log.
check_log() {
	local name=$1 log=$2 ok=0
	if ! grep -q '^# AXVCPU-BENCH-END rc=0' "$log"; then
		echo "bench: $name: the sequence did not end well; its last lines:" >&2
		tail -n 30 "$log" >&2
		ok=1
	fi
	if grep -E -m3 "$BAD_KERNEL_LINE" "$log" >&2; then
		echo "bench: $name: the guest's kernel log has the error lines above" >&2
		ok=1
	fi
	return "$ok"
}

# The commit measured; "-dirty" when the tree differs from it, results of
# an earlier run in bench/results/ aside.
commit_of_tree() {
	local c
	c=$(git -C "$TOP" describe --always 2>/dev/null) || { echo unknown; return; }
	git -C "$TOP" diff --quiet HEAD -- . ':(exclude)bench/results' || c=$c-dirty
	echo "$c"
}

main() {
	local spec name cpu log start qrc rc=0 total_start args=() wanted=("$@") w keep
	total_start=$(date +%s)
	need_gnuplot
	[ -x "$REPORT" ] || die "no $REPORT: run 'make' first"

	rm -rf "$STAGE"
	mkdir -p "$STAGE/bench" "$LOGS" "$OUT"
	echo "ROUNDS=$ROUNDS" >"$STAGE/bench/config"
	INITRAMFS_EXTRA=$STAGE "$TOP/scripts/mkinitramfs.sh" bench || die "mkinitramfs failed"

	for spec in "${BOOTS[@]}"; do
		IFS='|' read -r name cpu <<<"$spec"
		keep=${#wanted[@]}
		for w in "${wanted[@]}"; do
			[ "$w" = "$name" ] && keep=0
		done
		[ "$keep" = 0 ] || continue
		log=$LOGS/bench-$name.log
		rm -f "$log"
		say "$name: -cpu $cpu, $ROUNDS rounds (console in $log)"
		start=$(date +%s)
		INITRAMFS=$TOP/build/initramfs/initramfs-bench.cpio.gz QUIET=1 \
			"$TOP/scripts/boot-qemu.sh" "bench-$name" "$cpu" bench 2>>"$LOGS/boot-qemu.err"
		qrc=$?
		say "$name: $(($(date +%s) - start)) s, QEMU exit status $qrc"
		[ "$qrc" -eq 0 ] || rc=1
		[ -f "$log" ] || { rc=1; continue; }
		check_log "$name" "$log" || rc=1
		args+=(--boot "$name" "$cpu" "$log")
	done
	[ ${#args[@]} -gt 0 ] || die "no boot left a log"

	"$REPORT" -o "$OUT" \
		-m "qemu=$(qemu-system-x86_64 --version | head -n1)" \
		-m "host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
		-m "commit=$(commit_of_tree)" \
		-m "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		-m "rounds=$ROUNDS" \
		"${args[@]}" || rc=1
	gnuplot -e "dat='$OUT/bench.dat'; png='$OUT/bench.png'; boots=$((${#args[@]} / 4))" \
		"$TOP/bench/plot.gp" || rc=1
	say "all boots: $(($(date +%s) - total_start)) s; results in $OUT"
	if [ "$rc" -eq 0 ] && [ ${#wanted[@]} -eq 0 ]; then
		mkdir -p "$RESULTS"
		cp "$OUT/bench.txt" "$OUT/bench.json" "$OUT/bench.png" "$RESULTS/"
		say "copied to $RESULTS (commit them with the README's table)"
	fi
	return "$rc"
}

main "$@"
