#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs every mbtest subtest under plain QEMU (TCG) and checks its exit
# status and that no check failed: the proof, on the host, that the test
# kernel is right before axvcpu-run is tested with it. QEMU exits with
# (code << 1) | 1 through isa-debug-exit, so 1 means "all passed"; a
# triple fault ends -no-reboot QEMU with 0.
#
#   qemu-check.sh [mbtest.elf]          (make check-qemu)
#
# Prints one line per boot, "ok N - <args>: <done line>" or "not ok ..."
# followed by the boot's output; exits 1 when any boot failed.

ELF=${1:-$(dirname "$0")/../../build/images/mbtest.elf}
QEMU=${QEMU:-qemu-system-x86_64}
if [ ! -r "$ELF" ]; then
	echo "qemu-check.sh: no $ELF (make -C selftests/guests)" >&2
	exit 1
fi
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
printf 'FOO=bar\nN=3\n' > "$TMP/env"
printf 'hello' > "$TMP/input"
n=0
failed=0

# run <status> <cpus> <MiB> <append> [QEMU arguments]; stdin feeds COM1.
run() {
	want=$1 smp=$2 mem=$3 args=$4
	shift 4
	n=$((n + 1))
	timeout 120 "$QEMU" -accel tcg,thread=single -cpu max -smp "$smp" -m "$mem" \
		-display none -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$ELF" -append "$args" "$@" > "$TMP/out" 2>&1
	status=$?
	last=$(tail -n 1 "$TMP/out")
	# Status 3 (code 1) must come with a failed check, any other without.
	# QEMU's own errors end in status 1 too: that one needs "done N/N".
	want_failures=no
	[ "$want" -eq 3 ] && want_failures=yes
	failures=no
	grep -q '^not ok' "$TMP/out" && failures=yes
	complete=yes
	if [ "$want" -eq 1 ]; then
		grep -Eq '^done ([0-9]+)/\1$' "$TMP/out" || complete=no
	fi
	if [ "$status" -eq "$want" ] && [ "$failures" = "$want_failures" ] &&
	   [ "$complete" = yes ] && grep -q '^# mbtest: ' "$TMP/out"; then
		echo "ok $n - $args: $last"
	else
		echo "not ok $n - $args: status $status, want $want"
		sed 's/^/#   /' "$TMP/out"
		failed=1
	fi
}

run 1 2 256 "test=info mem=256M" < /dev/null
run 1 2 5120 "test=info mem=5G" < /dev/null
run 1 2 256 "test=env expect=FOO=bar,N=3" -initrd "$TMP/env" < /dev/null
run 1 4 512 "test=fwcfg cpus=4 mem=512M" < /dev/null
run 1 2 256 "test=uart input=hello" < "$TMP/input"
run 1 2 256 "test=ports" < /dev/null
run 1 2 256 "test=hypercall" < /dev/null
run 1 2 256 "test=mmio" < /dev/null
run 1 2 256 "test=timer" < /dev/null
run 1 2 256 "test=apic" < /dev/null
run 1 2 256 "test=smp cpus=2" < /dev/null
run 1 6 256 "test=smp cpus=6" < /dev/null
run 1 2 256 "test=cpuid absent=x2apic,tsc-deadline,pcid,invpcid present=svm" < /dev/null
run 1 2 256 "test=cpuid absent=svm" -cpu max,-svm < /dev/null
run 0 2 256 "test=fault" < /dev/null
run 11 2 256 "test=exit code=5" < /dev/null
# And that failures fail: a missing CPU, a wrong size.
run 3 2 256 "test=smp cpus=3" < /dev/null
run 3 2 256 "test=fwcfg mem=512M" < /dev/null
exit $failed
