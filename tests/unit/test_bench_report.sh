#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_bench_report: make bench's report (bench/report.c, built here with
# the sanitizers as bench-report) against crafted console logs: the figures
# of a good log (medians, ratios, the floor columns, units), its JSON and
# gnuplot data, and a failure for each thing that can be wrong with a log
# (a missing result, an error line, a sequence that did not end or failed,
# no log at all). TAP on stdout; run by `make -C tests/unit run`.

set -uo pipefail

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
REPORT=$(dirname "$0")/bench-report
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

TAP_WHAT="report said"
TAP_SHOW="$T/out $T/err"
# shellcheck source=tap_lib.sh
. "$TOP/tests/unit/tap_lib.sh"

# A log of three rounds where everything went right; arguments drop
# or change a part: no-kvm-irq, no-floor-touch, error, no-end, end-rc=N,
# glued, model=TEXT.
good_log() {
	local opt kvm_irq=1 floor_touch=1 error=0 end=0 glued=0 model="AMD EPYC Processor" op
	for opt in "$@"; do
		case "$opt" in
		no-kvm-irq) kvm_irq=0 ;;
		no-floor-touch) floor_touch=0 ;;
		error) error=1 ;;
		no-end) end= ;;
		end-rc=*) end=${opt#end-rc=} ;;
		glued) glued=1 ;;
		model=*) model=${opt#model=} ;;
		esac
	done
	echo "[    0.000000] Linux version 6.1.0-57-amd64"
	echo "# AXVCPU-BENCH-BEGIN rounds=3"
	echo "# AXVCPU-BENCH-INFO guest kernel 6.1.0-57-amd64"
	echo "# AXVCPU-BENCH-INFO guest cpu_model $model"
	# cpuid: axvcpu 30, 32, 28 us (median 30), KVM 40, floor 20 and 22.
	for v in 3000000 3200000 2800000; do
		echo "# AXVCPU-BENCH axvcpu cpuid 100 $v ns"
	done
	if [ "$glued" = 1 ]; then
		printf 'partial output# AXVCPU-BENCH kvm cpuid 100 4000000 ns\n'
	else
		echo "# AXVCPU-BENCH kvm cpuid 100 4000000 ns"
	fi
	echo "# AXVCPU-BENCH floor cpuid 100 2000000 ns"
	echo "# AXVCPU-BENCH floor cpuid 100 2200000 ns"
	echo "# AXVCPU-BENCH-INFO kvm runs_per_op irq 2.00"
	echo "# AXVCPU-BENCH-INFO kvm runs_per_op irq 2.00"
	for op in pio_out pio_in mmio_write mmio_read hypercall irq; do
		echo "# AXVCPU-BENCH axvcpu $op 10 500000 ns"
		[ "$op" = irq ] && [ "$kvm_irq" = 0 ] && continue
		echo "# AXVCPU-BENCH kvm $op 10 1000000 ns"
	done
	# vm_cycle: 2 ms and 50 ms each; touch: 1024 pages in 51.2 ms, 25.6 ms
	# and, by the floor (no VM), 12.8 ms.
	echo "# AXVCPU-BENCH axvcpu vm_cycle 20 40000000 ns"
	echo "# AXVCPU-BENCH kvm vm_cycle 20 1000000000 ns"
	for op in touch touch_4k; do
		echo "# AXVCPU-BENCH axvcpu $op 1024 51200000 ns"
		echo "# AXVCPU-BENCH kvm $op 1024 25600000 ns"
		[ "$op" = touch_4k ] && [ "$floor_touch" = 0 ] && continue
		echo "# AXVCPU-BENCH floor $op 1024 12800000 ns"
	done
	# vcpu_mem: 23 KiB and 34.5 KiB per VCPU, two measurements each.
	echo "# AXVCPU-BENCH axvcpu vcpu_mem 4 94208 bytes"
	echo "# AXVCPU-BENCH axvcpu vcpu_mem 4 94208 bytes"
	echo "# AXVCPU-BENCH kvm vcpu_mem 4 141312 bytes"
	echo "# AXVCPU-BENCH kvm vcpu_mem 4 141312 bytes"
	[ "$error" = 0 ] || echo "# AXVCPU-BENCH-ERROR kvm irq exit 7 instead of the interrupt window"
	[ -z "$end" ] || echo "# AXVCPU-BENCH-END rc=$end"
}

# report LOG...: run it on the logs as boots epyc, max, ...; its exit status.
report() {
	local names=(epyc max) args=() i=0 log
	for log in "$@"; do
		args+=(--boot "${names[$i]}" "CPU-$i" "$log")
		i=$((i + 1))
	done
	rm -rf "$T/o"
	mkdir -p "$T/o"
	"$REPORT" -o "$T/o" -m "qemu=QEMU 7.2" "${args[@]}" >"$T/out" 2>"$T/err"
}

row() { grep -Eq "$1" "$T/out"; }

echo "TAP version 13"
good_log >"$T/good.log"
ok "a good log is accepted" report "$T/good.log"
ok "CPUID row: medians, ratio, the floor and its ratios, iterations" \
	row '^epyc +CPUID exit, handled in kernel +us +30\.0 +40\.0 +0\.75 +21\.0 +1\.43 +1\.90 +100x3$'
ok "an exit row gets the floor of the CPUID loop" \
	row '^epyc +PIO write, exit to user +us +50\.0 +100\.0 +0\.50 +21\.0 +2\.38 +4\.76 +10x1$'
ok "VM cycle in ms per cycle, no floor" \
	row '^epyc +VM\+VCPU create, run, destroy +ms +2\.00 +50\.0 +0\.04 +- +- +- +20x1$'
ok "first touch in ms for the whole region, against the floor's own touch" \
	row '^epyc +first touch 256 MiB \(host THP\) +ms +51\.2 +25\.6 +2\.00 +12\.8 +4\.00 +2\.00 +1024x1$'
ok "the 4 KiB touch has its own floor too" \
	row '^epyc +first touch 256 MiB, 4 KiB pages +ms +51\.2 +25\.6 +2\.00 +12\.8 +4\.00 +2\.00 +1024x1$'
ok "memory per VCPU in KiB" \
	row '^epyc +kernel memory per VCPU +KiB +23\.0 +34\.5 +0\.67 +- +- +- +4x2$'
ok "the table is written to bench.txt too" cmp -s "$T/out" "$T/o/bench.txt"
ok "the JSON has the metadata, median, minimum, samples and ratios" bash -c "
	grep -q '\"qemu\": \"QEMU 7.2\"' '$T/o/bench.json' &&
	grep -q '\"cpu_model\": \"AMD EPYC Processor\"' '$T/o/bench.json' &&
	grep -q '\"median\": 30, \"min\": 28, ' '$T/o/bench.json' &&
	grep -q '\"per_op_raw\": \[30000, 32000, 28000\]' '$T/o/bench.json' &&
	grep -q '\"axvcpu_over_kvm\": 0.75' '$T/o/bench.json'"
ok "a repeated note is kept once" bash -c "[ \$(grep -o 'kvm runs_per_op irq 2.00' '$T/o/bench.json' | wc -l) = 1 ]"
ok "gnuplot's data: a header row, one row per workload" bash -c "
	head -n1 '$T/o/bench.dat' | grep -qx 'operation epyc' &&
	grep -qx '\"CPUID exit, handled in kernel\" 0.7500' '$T/o/bench.dat' &&
	[ \$(wc -l <'$T/o/bench.dat') = 12 ]"

good_log model='Odd "CPU" \ model' >"$T/quote.log"
report "$T/quote.log"
ok "JSON strings are escaped" grep -q '"cpu_model": "Odd \\"CPU\\" \\\\ model"' "$T/o/bench.json"

good_log glued >"$T/glued.log"
report "$T/glued.log"
ok "a result glued to a line without its newline still counts" \
	row '^epyc +CPUID exit, handled in kernel +us +30\.0 +40\.0 '

good_log >"$T/max.log"
ok "two boots are two sets of rows" bash -c "
	'$REPORT' -o '$T/o' --boot epyc A '$T/good.log' --boot max B '$T/max.log' >'$T/out' &&
	grep -q '^max  *CPUID' '$T/out' && head -n1 '$T/o/bench.dat' | grep -qx 'operation epyc max'"

good_log no-kvm-irq >"$T/miss.log"
ok "a missing result fails, naming it" bash -c "
	! '$REPORT' -o '$T/o' --boot epyc A '$T/miss.log' >'$T/out' 2>'$T/err' &&
	grep -q 'no kvm result for irq' '$T/err'"

good_log no-floor-touch >"$T/nofloor.log"
ok "a missing floor of a first touch fails, naming it" bash -c "
	! '$REPORT' -o '$T/o' --boot epyc A '$T/nofloor.log' >'$T/out' 2>'$T/err' &&
	grep -q 'no floor result for touch_4k' '$T/err'"

good_log error >"$T/error.log"
ok "an error line fails" bash -c "! '$REPORT' -o '$T/o' --boot epyc A '$T/error.log' >/dev/null 2>'$T/err'"

good_log no-end >"$T/noend.log"
ok "a sequence that did not end fails" bash -c "
	! '$REPORT' -o '$T/o' --boot epyc A '$T/noend.log' >/dev/null 2>'$T/err' &&
	grep -q 'did not finish' '$T/err'"

good_log end-rc=1 >"$T/rc.log"
ok "a sequence that ended with rc=1 fails" bash -c "
	! '$REPORT' -o '$T/o' --boot epyc A '$T/rc.log' >/dev/null 2>'$T/err' &&
	grep -q 'failed' '$T/err'"

ok "a missing log fails" bash -c "! '$REPORT' -o '$T/o' --boot epyc A '$T/none.log' >/dev/null 2>&1"

ok "a bad command line is a usage error (2)" bash -c "
	'$REPORT' --boot epyc >/dev/null 2>&1; [ \$? = 2 ]"

tap_end
