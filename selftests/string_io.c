// SPDX-License-Identifier: MIT
/*
 * string_io: INS and OUTS, with and without REP, through the data page
 * (page 1 of the VCPU mapping). The kernel decodes the instruction for its
 * segment, address size and REP; one exit moves as many elements as fit
 * in the data page; the direction flag orders them. The guest checks its
 * registers and memory, the host the exits and the data page.
 */
#include <inttypes.h>

#include "guest.h"
#include "guest_modes.h"
#include "mmio_echo.h"

#define SIO_PORT	0x60
#define MSR_FS_BASE	0xc0000100
#define BIG		5000

static uint8_t buf[BIG + 64];

static uint8_t *data_page(struct guest_vcpu *vcpu)
{
	return vcpu->h.data;
}

static void expect_io(struct guest_vcpu *vcpu, uint32_t reason, unsigned int width,
		      unsigned int count)
{
	struct axvcpu_run *run = vcpu->run;

	vcpu_run_exit(vcpu, reason);
	TEST_ASSERT_EQ(run->io.port, SIO_PORT);
	TEST_ASSERT_EQ(run->io.width, width);
	TEST_ASSERT_EQ(run->io.count, count);
	TEST_ASSERT_EQ(run->io.data_offset, AXVCPU_DATA_PAGE_OFFSET * 4096);
}

/* ---- OUTS -------------------------------------------------------------- */

static void guest_outs(void)
{
	uint64_t rsi, rcx;
	unsigned int i;

	for (i = 0; i < 16; i++)
		buf[i] = 0xa0 + i;
	rsi = (uint64_t)buf;
	rcx = 10;
	asm volatile("cld; rep outsb" : "+S"(rsi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf + 10);
	/* Backward: elements at buf+4, buf+2, buf. */
	rsi = (uint64_t)buf + 4;
	rcx = 3;
	asm volatile("std; rep outsw; cld" : "+S"(rsi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf - 2);
	/* No REP: one element, RCX untouched. */
	rsi = (uint64_t)buf + 8;
	rcx = 77;
	asm volatile("outsl" : "+S"(rsi) : "d"(SIO_PORT), "c"(rcx) : "memory");
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf + 12);
	GUEST_SYNC(1);
}

static void outs_forms(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_outs);
	const uint8_t *d = data_page(vcpu);
	unsigned int i;

	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 1, 10);
	for (i = 0; i < 10; i++)
		TEST_ASSERT_EQ(d[i], 0xa0 + i);
	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 2, 3);
	TEST_ASSERT_EQ(d[0], 0xa4);
	TEST_ASSERT_EQ(d[1], 0xa5);
	TEST_ASSERT_EQ(d[2], 0xa2);
	TEST_ASSERT_EQ(d[3], 0xa3);
	TEST_ASSERT_EQ(d[4], 0xa0);
	TEST_ASSERT_EQ(d[5], 0xa1);
	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 4, 1);
	TEST_ASSERT_EQ(*(const uint32_t *)d, 0xabaaa9a8);
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

/* ---- INS --------------------------------------------------------------- */

static void guest_ins(void)
{
	uint64_t rdi, rcx;

	memset(buf, 0, 64);
	rdi = (uint64_t)buf;
	rcx = 5;
	asm volatile("cld; rep insb" : "+D"(rdi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + 5);
	GUEST_ASSERT_EQ(buf[0], 'h');
	GUEST_ASSERT_EQ(buf[4], 'o');
	/* Backward: the first element goes to buf+20, the second to buf+16. */
	rdi = (uint64_t)buf + 20;
	rcx = 2;
	asm volatile("std; rep insl; cld" : "+D"(rdi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + 12);
	GUEST_ASSERT_EQ(*(uint32_t *)(buf + 20), 0x11111111);
	GUEST_ASSERT_EQ(*(uint32_t *)(buf + 16), 0x22222222);
	/* No REP. */
	rdi = (uint64_t)buf + 32;
	asm volatile("insw" : "+D"(rdi) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rdi, (uint64_t)buf + 34);
	GUEST_ASSERT_EQ(*(uint16_t *)(buf + 32), 0x3333);
	GUEST_SYNC(1);
}

static void ins_forms(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_ins);
	uint8_t *d = data_page(vcpu);
	struct axvcpu_regs regs;

	expect_io(vcpu, AXVCPU_EXIT_IO_READ, 1, 5);
	/* RIP stays on the INS until the next RUN has stored the elements. */
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, vcpu->run->rip);
	TEST_ASSERT_EQ(*(uint8_t *)addr_gpa2hva(vm, regs.rip + 1), 0x6c);	/* F3 6C */
	memcpy(d, "hello", 5);
	expect_io(vcpu, AXVCPU_EXIT_IO_READ, 4, 2);
	*(uint32_t *)d = 0x11111111;
	*(uint32_t *)(d + 4) = 0x22222222;
	expect_io(vcpu, AXVCPU_EXIT_IO_READ, 2, 1);
	*(uint16_t *)d = 0x3333;
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

/* ---- a count larger than the data page ------------------------------------ */

static void guest_big(void)
{
	uint64_t rsi = (uint64_t)buf, rdi, rcx = BIG;
	unsigned int i;

	for (i = 0; i < BIG; i++)
		buf[i] = i * 7;
	asm volatile("cld; rep outsb" : "+S"(rsi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, (uint64_t)buf + BIG);
	rdi = (uint64_t)buf;
	rcx = 1500;
	asm volatile("cld; rep insl" : "+D"(rdi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	for (i = 0; i < 1500; i++)
		GUEST_ASSERT_EQ(((uint32_t *)buf)[i], i);
	GUEST_SYNC(1);
}

static void batches_of_a_data_page(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_big);
	uint8_t *d = data_page(vcpu);
	struct axvcpu_regs regs;
	uint64_t rip;
	unsigned int i;

	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 1, 4096);
	for (i = 0; i < 4096; i++)
		TEST_ASSERT_EQ(d[i], (uint8_t)(i * 7));
	/* Between batches RIP stays on the REP and RCX holds the rest. */
	vcpu_regs_get(vcpu, &regs);
	rip = regs.rip;
	TEST_ASSERT_EQ(regs.rcx, BIG - 4096);
	TEST_ASSERT_EQ(vcpu->run->rip, rip);
	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 1, BIG - 4096);
	for (i = 0; i < BIG - 4096; i++)
		TEST_ASSERT_EQ(d[i], (uint8_t)((i + 4096) * 7));
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(regs.rip != rip, "RIP still on the REP OUTSB");

	expect_io(vcpu, AXVCPU_EXIT_IO_READ, 4, 1024);
	for (i = 0; i < 1024; i++)
		((uint32_t *)d)[i] = i;
	expect_io(vcpu, AXVCPU_EXIT_IO_READ, 4, 1500 - 1024);
	for (i = 0; i < 1500 - 1024; i++)
		((uint32_t *)d)[i] = i + 1024;
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

/* ---- segment override, address size ---------------------------------------- */

static void guest_seg_addr(void)
{
	uint64_t rsi, rcx;
	unsigned int i;

	for (i = 0; i < 16; i++)
		buf[i] = 0x30 + i;
	/* FS-relative: FS base is buf, RSI 3. */
	guest_wrmsr(MSR_FS_BASE, (uint64_t)buf);
	rsi = 3;
	asm volatile("outsb %%fs:(%%rsi), (%%dx)" : "+S"(rsi) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ(rsi, 4);
	/*
	 * 32-bit address size in 64-bit mode: ESI and ECX, whatever the upper
	 * halves hold (the kernel clears them, as a 32-bit write does).
	 */
	rsi = (1ULL << 32) | (uint64_t)buf;
	rcx = (1ULL << 32) | 2;
	asm volatile("addr32 rep outsw" : "+S"(rsi), "+c"(rcx) : "d"(SIO_PORT) : "memory");
	GUEST_ASSERT_EQ((uint32_t)rsi, (uint32_t)(uint64_t)buf + 4);
	GUEST_ASSERT_EQ((uint32_t)rcx, 0);
	GUEST_SYNC(1);
}

static void segment_override_and_address_size(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_seg_addr);
	const uint8_t *d = data_page(vcpu);

	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 1, 1);
	TEST_ASSERT_EQ(d[0], 0x33);
	expect_io(vcpu, AXVCPU_EXIT_IO_WRITE, 2, 2);
	TEST_ASSERT_EQ(*(const uint32_t *)d, 0x33323130);
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

/* ---- the "strio" sequence in real, protected and 64-bit mode ------------- */

static struct mmio_echo dev;

static void run_strio(struct guest_vcpu *vcpu, uint64_t mmio_gpa)
{
	struct axvcpu_run *run = vcpu->run;
	uint8_t *d = data_page(vcpu);

	mmio_echo_init(&dev, mmio_gpa);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(run->io.port, SNIP_PORT_STR);
	TEST_ASSERT_EQ(run->io.count, 3);
	TEST_ASSERT(d[0] == 1 && d[1] == 2 && d[2] == 3, "OUTSB data %u %u %u", d[0], d[1], d[2]);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IO_READ);
	TEST_ASSERT_EQ(run->io.port, SNIP_PORT_STR);
	TEST_ASSERT_EQ(run->io.count, 2);
	d[0] = 0xaa;		/* the first element, at the higher address */
	d[1] = 0xbb;
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(run->io.port, SNIP_PORT_REPORT);
	TEST_ASSERT_EQ(run->io.data, 0xaabb);
	/* REP MOVSB from the device, backward: offsets 2, 1, 0. */
	mmio_echo_run(&dev, vcpu);
	vcpu_assert_exit(vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(run->io.data, 0x00828180);
	TEST_ASSERT_EQ(dev.n, 3);
	mmio_echo_check(&dev, 0, false, 2, 1, 0x82);
	mmio_echo_check(&dev, 1, false, 1, 1, 0x81);
	mmio_echo_check(&dev, 2, false, 0, 1, 0x80);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HALT);
}

static void strio_real_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_REAL,
						      strio16_start, strio16_end);

	vcpu_bind(vcpu);
	run_strio(vcpu, SNIP_MMIO_GPA);
	vm_free(vm);
}

static void strio_protected_mode(void)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, AXVCPU_MODE_PROTECTED,
						      strio32_start, strio32_end);

	vcpu_bind(vcpu);
	run_strio(vcpu, SNIP_MMIO_GPA);
	vm_free(vm);
}

static void guest_strio64(void)
{
	((void (*)(void))strio64_start)();
}

static void strio_long_mode(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_strio64);

	run_strio(vcpu, SNIP_MMIO_GPA64);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(outs_forms),
	TEST_CASE(ins_forms),
	TEST_CASE(batches_of_a_data_page),
	TEST_CASE(segment_override_and_address_size),
	TEST_CASE(strio_real_mode),
	TEST_CASE(strio_protected_mode),
	TEST_CASE(strio_long_mode),
};

int main(void)
{
	return test_run_all(cases);
}
