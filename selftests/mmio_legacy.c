// SPDX-License-Identifier: MIT
/*
 * mmio_legacy: the "mmio" sequence of lib/guest_modes.S (MOV of each
 * width, MOVSX/MOVZX, AND and CMP with their flags, XCHG, a segment
 * override, 16-bit addressing, REP STOSB backward) in real mode,
 * protected mode and 64-bit mode, against the echo device of
 * lib/mmio_echo.h. The guest reports what it saw with OUT; the host
 * checks those values and every exit's fields.
 */
#include <inttypes.h>

#include "guest.h"
#include "guest_modes.h"
#include "mmio_echo.h"

static struct mmio_echo dev;

/* RUN, serving MMIO, up to the next report; returns its value. */
static uint64_t next_report(struct guest_vcpu *vcpu)
{
	mmio_echo_run(&dev, vcpu);
	__vcpu_assert_exit(__FILE__, __LINE__, vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(vcpu->run->io.port, SNIP_PORT_REPORT);
	return vcpu->run->io.data;
}

static void run_mmio_sequence(struct guest_vcpu *vcpu, int bits, uint64_t base)
{
	unsigned int i = 0, n;

	mmio_echo_init(&dev, base);
	TEST_ASSERT_EQ(next_report(vcpu), 0x33333333);
	mmio_echo_check(&dev, i++, true, 0, 1, 0x11);
	mmio_echo_check(&dev, i++, true, 2, 2, 0x2222);
	mmio_echo_check(&dev, i++, true, 4, 4, 0x33333333);
	mmio_echo_check(&dev, i, false, 4, 4, 0x33333333);
	TEST_ASSERT_EQ(dev.log[i].reg, 0);
	TEST_ASSERT_EQ(dev.log[i++].reg_width, 4);
	TEST_ASSERT_EQ(next_report(vcpu), 0xffffff80);		/* MOVSX */
	mmio_echo_check(&dev, i++, true, 8, 1, 0x80);
	TEST_ASSERT_EQ(dev.log[i].sign_extend, 1);
	mmio_echo_check(&dev, i++, false, 8, 1, 0x80);
	TEST_ASSERT_EQ(next_report(vcpu), 0x2222);		/* MOVZX */
	TEST_ASSERT_EQ(dev.log[i].sign_extend, 0);
	TEST_ASSERT_EQ(dev.log[i].reg_width, 4);
	mmio_echo_check(&dev, i++, false, 2, 2, 0x2222);
	TEST_ASSERT_EQ(next_report(vcpu), 1);			/* AND: ZF */
	mmio_echo_check(&dev, i++, false, 8, 1, 0x80);
	mmio_echo_check(&dev, i++, true, 8, 1, 0x00);
	TEST_ASSERT_EQ(next_report(vcpu), 1);			/* CMP: ZF */
	mmio_echo_check(&dev, i++, false, 0, 1, 0x11);
	TEST_ASSERT_EQ(next_report(vcpu), 0x11);		/* XCHG */
	mmio_echo_check(&dev, i++, false, 0, 1, 0x11);
	mmio_echo_check(&dev, i++, true, 0, 1, 0x44);
	n = i;
	/* REP STOSB backward: EDI (DI in 16-bit code) ends 3 below. */
	TEST_ASSERT_EQ(next_report(vcpu), (bits == 16 ? 0 : base) + 0x1f);
	if (bits != 64)
		mmio_echo_check(&dev, i++, true, 0x30, 1, 0x77);	/* FS: */
	if (bits == 16)
		mmio_echo_check(&dev, i++, true, 0x31, 1, 0x66);	/* (%di) */
	mmio_echo_check(&dev, i++, true, 0x22, 1, 0x5a);
	mmio_echo_check(&dev, i++, true, 0x21, 1, 0x5a);
	mmio_echo_check(&dev, i++, true, 0x20, 1, 0x5a);
	TEST_ASSERT_EQ(next_report(vcpu), 0);			/* ECX */
	TEST_ASSERT_EQ(dev.n, i);
	TEST_ASSERT(n > 0, "no accesses");
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HALT);
}

static void mmio_real_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_REAL,
						      mmio16_start, mmio16_end);

	vcpu_bind(vcpu);
	run_mmio_sequence(vcpu, 16, SNIP_MMIO_GPA);
	vm_free(vm);
}

static void mmio_protected_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_PROTECTED,
						      mmio32_start, mmio32_end);

	vcpu_bind(vcpu);
	run_mmio_sequence(vcpu, 32, SNIP_MMIO_GPA);
	vm_free(vm);
}

static void guest_mmio64(void)
{
	((void (*)(void))mmio64_start)();
}

static void mmio_long_mode(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_mmio64);

	run_mmio_sequence(vcpu, 64, SNIP_MMIO_GPA64);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(mmio_real_mode),
	TEST_CASE(mmio_protected_mode),
	TEST_CASE(mmio_long_mode),
};

int main(void)
{
	return test_run_all(cases);
}
