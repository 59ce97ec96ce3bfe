// SPDX-License-Identifier: MIT
/*
 * mmio_long: MMIO emulation in 64-bit mode, against the echo device of
 * lib/mmio_echo.h at MMIO_GPA (outside RAM, identity-mapped by the
 * framework's page tables). The guest checks the values it gets (and the
 * flags, against the same instruction run on RAM) with GUEST_ASSERT; the
 * host checks every exit's fields against what the guest code did.
 */
#include <inttypes.h>
#include <stdio.h>

#include "guest.h"
#include "mmio_echo.h"

#define MMIO_GPA	0xc0000000ULL
#define MMIO(off)	((void *)(uintptr_t)(MMIO_GPA + (off)))
#define FLAGS_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */
#define RFLAGS_DF	(1ULL << 10)

static struct mmio_echo dev;

static struct guest_vm *mmio_vm(struct guest_vcpu **vcpu, guest_code_t code)
{
	struct guest_vm *vm = vm_create_with_one_vcpu(vcpu, code);

	mmio_echo_init(&dev, MMIO_GPA);
	return vm;
}

/* ---- MOV of every width, register and immediate sources -------------- */

static void guest_mov(void)
{
	register uint64_t r9 asm("r9") = 0x0102030405060708ULL;
	uint64_t v;

	asm volatile("movb %%al, (%%rbx)" : : "a"(0x11), "b"(MMIO(0x100)) : "memory");
	asm volatile("movw %%cx, (%%rbx)" : : "c"(0x2222), "b"(MMIO(0x102)) : "memory");
	asm volatile("movl %%edx, (%%rbx)" : : "d"(0x33333333), "b"(MMIO(0x104)) : "memory");
	asm volatile("movq %%rsi, (%%rbx)" : : "S"(0x4444444444444444ULL), "b"(MMIO(0x108))
		     : "memory");
	asm volatile("movl $0x55667788, 8(%%rbx)" : : "b"(MMIO(0x108)) : "memory");
	asm volatile("movq $-2, (%%rbx)" : : "b"(MMIO(0x118)) : "memory");
	asm volatile("movb %%ah, (%%rbx)" : : "a"(0xbeef), "b"(MMIO(0x120)) : "memory");
	asm volatile("movq %%r9, (%%rbx)" : : "r"(r9), "b"(MMIO(0x128)) : "memory");
	asm volatile("movabsl %%eax, 0xc0000130" : : "a"(0x12345678) : "memory");	/* A3 moffs */
	GUEST_SYNC(1);

	/* Loads: a 32-bit load clears the upper half, 8/16-bit ones merge. */
	v = ~0ULL;
	asm volatile("movl (%%rbx), %%eax" : "+a"(v) : "b"(MMIO(0x104)) : "memory");
	GUEST_ASSERT_EQ(v, 0x33333333ULL);
	v = ~0ULL;
	asm volatile("movw (%%rbx), %%cx" : "+c"(v) : "b"(MMIO(0x102)) : "memory");
	GUEST_ASSERT_EQ(v, 0xffffffffffff2222ULL);
	v = ~0ULL;
	asm volatile("movb (%%rbx), %%dl" : "+d"(v) : "b"(MMIO(0x100)) : "memory");
	GUEST_ASSERT_EQ(v, 0xffffffffffffff11ULL);
	v = 0;
	asm volatile("movq (%%rbx), %%rdi" : "+D"(v) : "b"(MMIO(0x108)) : "memory");
	GUEST_ASSERT_EQ(v, 0x4444444444444444ULL);
	v = 0x1111;
	asm volatile("movb (%%rbx), %%ah" : "+a"(v) : "b"(MMIO(0x120)) : "memory");
	GUEST_ASSERT_EQ(v, 0xbe11ULL);
	asm volatile("movq (%%rbx), %%r9" : "=r"(r9) : "b"(MMIO(0x118)) : "memory");
	GUEST_ASSERT_EQ(r9, 0xfffffffffffffffeULL);
	v = 0;
	asm volatile("movabsl 0xc0000130, %%eax" : "+a"(v) : : "memory");	/* A1 moffs */
	GUEST_ASSERT_EQ(v, 0x12345678ULL);
	GUEST_SYNC(2);
}

static void mov_every_width(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_mov);
	const struct mmio_access *a;

	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 9);
	mmio_echo_check(&dev, 0, true, 0x100, 1, 0x11);
	mmio_echo_check(&dev, 1, true, 0x102, 2, 0x2222);
	mmio_echo_check(&dev, 2, true, 0x104, 4, 0x33333333);
	mmio_echo_check(&dev, 3, true, 0x108, 8, 0x4444444444444444ULL);
	mmio_echo_check(&dev, 4, true, 0x110, 4, 0x55667788);
	mmio_echo_check(&dev, 5, true, 0x118, 8, 0xfffffffffffffffeULL);
	mmio_echo_check(&dev, 6, true, 0x120, 1, 0xbe);
	mmio_echo_check(&dev, 7, true, 0x128, 8, 0x0102030405060708ULL);
	mmio_echo_check(&dev, 8, true, 0x130, 4, 0x12345678);
	for (a = dev.log; a < dev.log + 9; a++)
		TEST_ASSERT_EQ(a->reg, AXVCPU_MMIO_REG_NONE);

	dev.n = 0;
	mmio_echo_expect_sync(&dev, vcpu, 2);
	TEST_ASSERT_EQ(dev.n, 7);
	mmio_echo_check(&dev, 0, false, 0x104, 4, 0x33333333);
	mmio_echo_check(&dev, 1, false, 0x102, 2, 0x2222);
	mmio_echo_check(&dev, 2, false, 0x100, 1, 0x11);
	mmio_echo_check(&dev, 3, false, 0x108, 8, 0x4444444444444444ULL);
	mmio_echo_check(&dev, 4, false, 0x120, 1, 0xbe);
	mmio_echo_check(&dev, 5, false, 0x118, 8, 0xfffffffffffffffeULL);
	mmio_echo_check(&dev, 6, false, 0x130, 4, 0x12345678);
	/* Destination register and its width, as the ABI encodes them. */
	TEST_ASSERT_EQ(dev.log[0].reg, 0);
	TEST_ASSERT_EQ(dev.log[0].reg_width, 4);
	TEST_ASSERT_EQ(dev.log[1].reg, 1);
	TEST_ASSERT_EQ(dev.log[1].reg_width, 2);
	TEST_ASSERT_EQ(dev.log[2].reg, 2);
	TEST_ASSERT_EQ(dev.log[2].reg_width, 1);
	TEST_ASSERT_EQ(dev.log[3].reg, 7);
	TEST_ASSERT_EQ(dev.log[3].reg_width, 8);
	TEST_ASSERT_EQ(dev.log[4].reg, AXVCPU_MMIO_REG_AH);
	TEST_ASSERT_EQ(dev.log[4].reg_width, 1);
	TEST_ASSERT_EQ(dev.log[5].reg, 9);
	TEST_ASSERT_EQ(dev.log[6].reg, 0);
	for (a = dev.log; a < dev.log + 7; a++)
		TEST_ASSERT_EQ(a->sign_extend, 0);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- MOVZX / MOVSX / MOVSXD ------------------------------------------- */

/* Device bytes are 0x80 | offset: every load below has its top bit set. */
#define EXT(insn, off, init) ({						\
	uint64_t __v = (init);						\
	asm volatile(insn " (%%rbx), %%rax" : "+a"(__v) : "b"(MMIO(off)) : "memory"); \
	__v; })
#define EXT32(insn, off, init) ({					\
	uint64_t __v = (init);						\
	asm volatile(insn " (%%rbx), %%eax" : "+a"(__v) : "b"(MMIO(off)) : "memory"); \
	__v; })
#define EXT16(insn, off, init) ({					\
	uint64_t __v = (init);						\
	asm volatile(insn " (%%rbx), %%ax" : "+a"(__v) : "b"(MMIO(off)) : "memory"); \
	__v; })

static void guest_extend(void)
{
	const uint64_t junk = 0x5555555555555555ULL;

	GUEST_ASSERT_EQ(EXT16("movsbw", 0x01, junk), 0x555555555555ff81ULL);
	GUEST_ASSERT_EQ(EXT32("movsbl", 0x02, junk), 0xffffff82ULL);
	GUEST_ASSERT_EQ(EXT("movsbq", 0x03, junk), 0xffffffffffffff83ULL);
	GUEST_ASSERT_EQ(EXT32("movswl", 0x04, junk), 0xffff8584ULL);
	GUEST_ASSERT_EQ(EXT("movswq", 0x06, junk), 0xffffffffffff8786ULL);
	GUEST_ASSERT_EQ(EXT("movslq", 0x08, junk), 0xffffffff8b8a8988ULL);
	GUEST_ASSERT_EQ(EXT16("movzbw", 0x01, junk), 0x5555555555550081ULL);
	GUEST_ASSERT_EQ(EXT32("movzbl", 0x02, junk), 0x82ULL);
	GUEST_ASSERT_EQ(EXT("movzbq", 0x03, junk), 0x83ULL);
	GUEST_ASSERT_EQ(EXT32("movzwl", 0x04, junk), 0x8584ULL);
	GUEST_ASSERT_EQ(EXT("movzwq", 0x06, junk), 0x8786ULL);
	GUEST_SYNC(1);
}

static void sign_and_zero_extension(void)
{
	static const struct { uint64_t off; uint8_t width, reg_width, sign; } want[] = {
		{ 0x01, 1, 2, 1 }, { 0x02, 1, 4, 1 }, { 0x03, 1, 8, 1 }, { 0x04, 2, 4, 1 },
		{ 0x06, 2, 8, 1 }, { 0x08, 4, 8, 1 }, { 0x01, 1, 2, 0 }, { 0x02, 1, 4, 0 },
		{ 0x03, 1, 8, 0 }, { 0x04, 2, 4, 0 }, { 0x06, 2, 8, 0 },
	};
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_extend);
	unsigned int i;

	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 11);
	for (i = 0; i < 11; i++) {
		TEST_ASSERT_EQ(dev.log[i].write, false);
		TEST_ASSERT_EQ(dev.log[i].gpa, MMIO_GPA + want[i].off);
		TEST_ASSERT_EQ(dev.log[i].width, want[i].width);
		TEST_ASSERT_EQ(dev.log[i].reg, 0);
		TEST_ASSERT_EQ(dev.log[i].reg_width, want[i].reg_width);
		TEST_ASSERT_EQ(dev.log[i].sign_extend, want[i].sign);
	}
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- read-modify-write, CMP, TEST, XCHG --------------------------------- */

/*
 * Run @insn (with "m" operand %1 and register operand %0) once on RAM and
 * once on MMIO holding the same value: result, register and flags must
 * agree.
 */
static uint32_t ram_cell;

#define SAME_AS_RAM(insn, init_mem, init_reg) do {			\
	volatile uint32_t *__m = MMIO(0x200);				\
	uint64_t __r1 = (init_reg), __r2 = (init_reg), __f1, __f2;	\
	ram_cell = (init_mem);						\
	*__m = (init_mem);						\
	asm volatile("push $2; popfq; " insn "; pushfq; popq %1"	\
		     : "+r"(__r1), "=r"(__f1), "+m"(ram_cell) : : "cc");	\
	asm volatile("push $2; popfq; " insn "; pushfq; popq %1"	\
		     : "+r"(__r2), "=r"(__f2), "+m"(*(volatile uint32_t *)__m) : : "cc"); \
	GUEST_ASSERT_EQ(__r2, __r1);					\
	GUEST_ASSERT_EQ(__f2 & FLAGS_ARITH, __f1 & FLAGS_ARITH);		\
	GUEST_ASSERT_EQ(*__m, ram_cell);				\
} while (0)

static void guest_alu(void)
{
	SAME_AS_RAM("addl $1, %2", 0xffffffff, 0);		/* write 0, CF ZF */
	SAME_AS_RAM("orb $0x0f, %2", 0x80, 0);
	SAME_AS_RAM("andw %w0, %2", 0x8181, 0x0180);
	SAME_AS_RAM("xorl %k0, %2", 0x12345678, 0x12345678);	/* ZF */
	SAME_AS_RAM("subl %k0, %2", 5, 7);			/* borrow: CF SF */
	SAME_AS_RAM("addl %2, %k0", 0x7fffffff, 1);		/* into the register: OF */
	SAME_AS_RAM("cmpl $5, %2", 3, 0);
	SAME_AS_RAM("cmpl %k0, %2", 3, 5);			/* 39: memory - register */
	SAME_AS_RAM("cmpl %2, %k0", 3, 5);			/* 3B: register - memory */
	SAME_AS_RAM("testb $0x80, %2", 0x80, 0);
	SAME_AS_RAM("testl %k0, %2", 0xf0, 0x0f);		/* ZF */
	SAME_AS_RAM("andl $0, %2", 0x1234, 0);			/* ZF, memory 0 */
	SAME_AS_RAM("stc; adcl $1, %2", 0x7ffffffe, 0);		/* CF in: OF */
	SAME_AS_RAM("stc; sbbl %k0, %2", 0, 0);			/* borrow in: CF */
	SAME_AS_RAM("btl $31, %2", 0x80000000, 0);		/* CF only */
	SAME_AS_RAM("btsl %k0, %2", 0x1, 4);			/* bit 4 set */
	SAME_AS_RAM("btrl $0, %2", 0x3, 0);
	SAME_AS_RAM("xchgl %k0, %2", 0xaaaa5555, 0x11223344);
	GUEST_SYNC(1);
}

static void alu_flags_and_rmw(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_alu);
	const struct mmio_access *a;
	unsigned int i, writes = 0, reads = 0;

	mmio_echo_expect_sync(&dev, vcpu, 1);
	/*
	 * Per SAME_AS_RAM: the initializing store, the instruction's read,
	 * its write when it writes memory, and the final load. Eleven forms
	 * write memory (ADD OR AND XOR SUB, AND $0, ADC, SBB, BTS, BTR,
	 * XCHG), the rest (ADD into a register, CMP, TEST, BT) do not.
	 */
	for (i = 0, a = dev.log; i < dev.n && i < MMIO_ECHO_LOG; i++, a++) {
		TEST_ASSERT_EQ(a->gpa, MMIO_GPA + 0x200);
		writes += a->write;
		reads += !a->write;
	}
	TEST_ASSERT_EQ(dev.n, 18 * 3 + 11);
	TEST_ASSERT_EQ(writes, 18 + 11);
	TEST_ASSERT_EQ(reads, 18 * 2);
	/* ADD $1 to 0xffffffff: read 0xffffffff, write 0. */
	mmio_echo_check(&dev, 1, false, 0x200, 4, 0xffffffff);
	mmio_echo_check(&dev, 2, true, 0x200, 4, 0);
	TEST_ASSERT_EQ(dev.log[1].reg, AXVCPU_MMIO_REG_NONE);
	/* XCHG: the read names the register, the write has its old value. */
	a = &dev.log[dev.n - 3];
	TEST_ASSERT_EQ(a->write, false);
	TEST_ASSERT_EQ(a->data, 0xaaaa5555);
	TEST_ASSERT(a->reg < 16, "XCHG read reg %u", a->reg);
	mmio_echo_check(&dev, dev.n - 2, true, 0x200, 4, 0x11223344);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- REP MOVS / STOS / LODS ------------------------------------------- */

static uint8_t ram_buf[64];

static void guest_string(void)
{
	uint64_t rcx, rdi, rsi, rax;
	unsigned int i;

	/* REP STOSB forward: three writes, RDI and RCX move. */
	rcx = 3;
	rdi = MMIO_GPA + 0x300;
	asm volatile("cld; rep stosb" : "+c"(rcx), "+D"(rdi) : "a"(0xab) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x303);
	/* REP STOSW backward. */
	rcx = 3;
	rdi = MMIO_GPA + 0x310;
	asm volatile("std; rep stosw; cld" : "+c"(rcx), "+D"(rdi) : "a"(0xcdef) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x30a);
	GUEST_SYNC(1);

	/* REP MOVSB from MMIO into RAM: the device's pattern arrives. */
	rcx = 4;
	rsi = MMIO_GPA + 0x340;
	rdi = (uint64_t)ram_buf;
	asm volatile("cld; rep movsb" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, MMIO_GPA + 0x344);
	GUEST_ASSERT_EQ(rdi, (uint64_t)ram_buf + 4);
	for (i = 0; i < 4; i++)
		GUEST_ASSERT_EQ(ram_buf[i], 0x80 | (0x40 + i));
	/* REP MOVSL from RAM to MMIO, backward. */
	for (i = 0; i < 8; i++)
		ram_buf[i] = 0x10 + i;
	rcx = 2;
	rsi = (uint64_t)ram_buf + 4;
	rdi = MMIO_GPA + 0x364;
	asm volatile("std; rep movsl; cld" : "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ(rsi, (uint64_t)ram_buf - 4);
	GUEST_ASSERT_EQ(rdi, MMIO_GPA + 0x35c);
	/* MOVSQ from MMIO to MMIO: one read, one write. */
	rsi = MMIO_GPA + 0x380;
	rdi = MMIO_GPA + 0x388;
	asm volatile("movsq" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(rsi, MMIO_GPA + 0x388);
	/* LODSW. */
	rsi = MMIO_GPA + 0x3a0;
	rax = ~0ULL;
	asm volatile("lodsw" : "+S"(rsi), "+a"(rax) : : "memory");
	GUEST_ASSERT_EQ(rax, 0xffffffffffffa1a0ULL);
	GUEST_ASSERT_EQ(rsi, MMIO_GPA + 0x3a2);
	GUEST_SYNC(2);
}

static void rep_string_forms(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_string);
	struct axvcpu_regs regs;
	uint64_t rep_rip = 0;
	unsigned int i;

	/*
	 * One exit per element; between elements RIP stays on the REP
	 * instruction and RCX counts what is left, so an interrupt there
	 * would re-execute it with the rest.
	 */
	for (i = 0; i < 3; i++) {
		TEST_ASSERT_OK(vcpu_run(vcpu));
		vcpu_assert_exit(vcpu, AXVCPU_EXIT_MMIO_WRITE);
		TEST_ASSERT(mmio_echo_handle(&dev, vcpu), "not MMIO");
		vcpu_regs_get(vcpu, &regs);
		if (i == 0)
			rep_rip = vcpu->run->rip;
		if (i < 2) {
			TEST_ASSERT_EQ(regs.rip, rep_rip);
			TEST_ASSERT_EQ(regs.rcx, 2 - i);
		} else {
			TEST_ASSERT(regs.rip > rep_rip, "RIP did not move past REP STOSB");
			TEST_ASSERT_EQ(regs.rcx, 0);
		}
	}
	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 6);
	mmio_echo_check(&dev, 0, true, 0x300, 1, 0xab);
	mmio_echo_check(&dev, 1, true, 0x301, 1, 0xab);
	mmio_echo_check(&dev, 2, true, 0x302, 1, 0xab);
	mmio_echo_check(&dev, 3, true, 0x310, 2, 0xcdef);
	mmio_echo_check(&dev, 4, true, 0x30e, 2, 0xcdef);
	mmio_echo_check(&dev, 5, true, 0x30c, 2, 0xcdef);

	dev.n = 0;
	mmio_echo_expect_sync(&dev, vcpu, 2);
	TEST_ASSERT_EQ(dev.n, 4 + 2 + 2 + 1);
	for (i = 0; i < 4; i++)
		mmio_echo_check(&dev, i, false, 0x340 + i, 1, 0x80 | (0x40 + i));
	mmio_echo_check(&dev, 4, true, 0x364, 4, 0x17161514);
	mmio_echo_check(&dev, 5, true, 0x360, 4, 0x13121110);
	mmio_echo_check(&dev, 6, false, 0x380, 8, 0x8786858483828180ULL);
	mmio_echo_check(&dev, 7, true, 0x388, 8, 0x8786858483828180ULL);
	mmio_echo_check(&dev, 8, false, 0x3a0, 2, 0xa1a0);
	TEST_ASSERT_EQ(dev.log[8].reg, 0);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- page boundaries ---------------------------------------------------- */

#define RAM_BELOW_GPA	(MMIO_GPA - 0x1000)

static void guest_boundary(void)
{
	uint64_t v = 0;

	/* Both halves in the device, physically contiguous: one access. */
	asm volatile("movq %%rax, (%%rbx)" : : "a"(0x1122334455667788ULL), "b"(MMIO(0xffc))
		     : "memory");
	asm volatile("movq (%%rbx), %%rax" : "=a"(v) : "b"(MMIO(0xffc)) : "memory");
	GUEST_ASSERT_EQ(v, 0x1122334455667788ULL);
	GUEST_SYNC(1);
	/* Half in RAM, half in the device: not emulated (INTERNAL_ERROR). */
	asm volatile("movl %%eax, (%%rbx)" : : "a"(0x99aabbcc), "b"(MMIO_GPA - 2) : "memory");
	GUEST_SYNC(2);
}

static void page_boundary(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_boundary);

	vm_add_memory(vm, 1, 0, RAM_BELOW_GPA, 0x1000);
	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 2);
	mmio_echo_check(&dev, 0, true, 0xffc, 8, 0x1122334455667788ULL);
	mmio_echo_check(&dev, 1, false, 0xffc, 8, 0x1122334455667788ULL);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(vcpu->run->internal.suberror, AXVCPU_INTERNAL_EMULATION);
	TEST_ASSERT_EQ(vcpu->run->internal.insn[0], 0x89);	/* MOV r/m32, r32 */
	vm_free(vm);
}

/* ---- what is not emulated ----------------------------------------------- */

static void guest_sse(void)
{
	asm volatile("movdqu (%%rax), %%xmm0" : : "a"(MMIO(0)) : "memory", "xmm0");
	GUEST_SYNC(1);
}

static void undecodable_is_internal_error(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_sse);
	struct axvcpu_run *run = vcpu->run;
	const uint8_t *code;
	struct axvcpu_regs regs;
	unsigned int i;

	vcpu_run_exit(vcpu, AXVCPU_EXIT_INTERNAL_ERROR);
	TEST_ASSERT_EQ(run->internal.suberror, AXVCPU_INTERNAL_EMULATION);
	TEST_ASSERT_EQ(run->internal.code, 0x400);	/* VMEXIT_NPF */
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(run->rip, regs.rip);
	code = addr_gpa2hva(vm, regs.rip);
	TEST_ASSERT(code[0] == 0xf3 && code[1] == 0x0f && code[2] == 0x6f,
		    "not MOVDQU at RIP");
	/* The bytes fetched at RIP, as many as the decoder looked at. */
	TEST_ASSERT(run->internal.insn_len >= 4 && run->internal.insn_len <= 15,
		    "insn_len %u", run->internal.insn_len);
	for (i = 0; i < run->internal.insn_len; i++)
		TEST_ASSERT_EQ(run->internal.insn[i], code[i]);
	/* Reported, not guessed: the same again at the next RUN. */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_INTERNAL_ERROR);
	vm_free(vm);
}

/* ---- guest page faults are the guest's ---------------------------------- */

#define NOT_PRESENT_GPA	0x40000000ULL	/* its 2 MiB PDE is cleared */

static volatile uint64_t pf_count, pf_cr2, pf_error, pf_resume;

static void pf_handler(struct guest_exc_frame *frame)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_count++;
	pf_cr2 = cr2;
	pf_error = frame->error_code;
	frame->rip = pf_resume;
}

static void guest_pf(void)
{
	uint64_t rcx = 4, rsi = MMIO_GPA, rdi = NOT_PRESENT_GPA + 0x10;

	/* A plain load through the non-present entry: #PF, no exit. */
	asm volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; movl (%%rbx), %%eax; 1:"
		     : "=m"(pf_resume) : "b"(NOT_PRESENT_GPA) : "rax", "memory");
	GUEST_ASSERT_EQ(pf_count, 1);
	GUEST_ASSERT_EQ(pf_cr2, NOT_PRESENT_GPA);
	GUEST_ASSERT_EQ(pf_error & 3, 0);	/* not present, read */
	/*
	 * REP MOVSB from MMIO to it: the CPU's read faults in the nested
	 * tables first; the kernel's walk of the destination finds the
	 * entry not present and injects the #PF before any MMIO read.
	 */
	asm volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; rep movsb; 1:"
		     : "=m"(pf_resume), "+c"(rcx), "+S"(rsi), "+D"(rdi) : : "rax", "memory");
	GUEST_ASSERT_EQ(pf_count, 2);
	GUEST_ASSERT_EQ(pf_cr2, NOT_PRESENT_GPA + 0x10);
	GUEST_ASSERT_EQ(pf_error & 3, 2);	/* not present, write */
	GUEST_ASSERT_EQ(rcx, 4);		/* nothing moved */
	GUEST_SYNC(1);
}

static void guest_pf_is_injected(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_pf);
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PT_GPA + 0x2000);

	pd[NOT_PRESENT_GPA >> 21] = 0;
	vm_install_exception_handler(vm, 14, pf_handler);
	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 0);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- protection keys apply to the operands the kernel translates ------ */

#define PK_LIN		0x80000000ULL	/* a user 2 MiB page with key 1 */
#define PK_RAM_GPA	0x01400000ULL
#define PK_KEY		1ULL
#define PF_EC_PK	(1ULL << 5)

static inline void guest_wrpkru(uint32_t pkru)
{
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(pkru), "c"(0), "d"(0) : "memory");
}

static void guest_pkey(void)
{
	uint64_t rsi = MMIO_GPA + 0x20, rdi = PK_LIN + 0x10, cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_PKE) : "memory");
	/*
	 * Key 1 write-disabled: MOVSB from MMIO into it. The CPU's read
	 * faults in the nested tables first; the kernel's walk of the
	 * destination must see the key and inject #PF (PK) before any read.
	 */
	guest_wrpkru(1U << (2 * PK_KEY + 1));
	asm volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; movsb; 1:"
		     : "=m"(pf_resume), "+S"(rsi), "+D"(rdi) : : "rax", "memory");
	GUEST_ASSERT_EQ(pf_count, 1);
	GUEST_ASSERT_EQ(pf_cr2, PK_LIN + 0x10);
	GUEST_ASSERT_EQ(pf_error & (PF_EC_PK | 3), PF_EC_PK | 3);	/* PK, write, present */
	GUEST_ASSERT_EQ(rdi, PK_LIN + 0x10);
	GUEST_SYNC(1);
	/* Access allowed again: the same MOVSB moves one byte from the device. */
	guest_wrpkru(0);
	asm volatile("movsb" : "+S"(rsi), "+D"(rdi) : : "memory");
	GUEST_ASSERT_EQ(pf_count, 1);
	GUEST_ASSERT_EQ(rdi, PK_LIN + 0x11);
	GUEST_SYNC(2);
}

static void protection_key_blocks_emulated_write(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	uint64_t *pd;
	uint8_t *dst;

	if (!cpuinfo_has_flag("pku") || !cpuinfo_has_flag("ospke")) {
		test_skip("this CPU model has no protection keys");
		return;
	}
	vm = mmio_vm(&vcpu, guest_pkey);
	vm_enable_user_mode(vm);
	pd = addr_gpa2hva(vm, GUEST_PT_GPA + 0x2000);
	pd[PK_LIN >> 21] = PK_RAM_GPA | 0x87 | (PK_KEY << 59);	/* P RW US PS, key 1 */
	dst = addr_gpa2hva(vm, PK_RAM_GPA + 0x10);
	*dst = 0xee;
	vm_install_exception_handler(vm, 14, pf_handler);
	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 0);
	TEST_ASSERT_EQ(*dst, 0xee);
	mmio_echo_expect_sync(&dev, vcpu, 2);
	TEST_ASSERT_EQ(dev.n, 1);
	TEST_ASSERT_EQ(dev.log[0].write, false);
	TEST_ASSERT_EQ(dev.log[0].gpa, MMIO_GPA + 0x20);
	TEST_ASSERT_EQ(*dst, (uint8_t)dev.log[0].data);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- a stale guest TLB entry that still points at MMIO ----------------- */

#define STALE_LIN	0x80000000ULL	/* a 2 MiB page the test remaps */
#define STALE_RAM_GPA	0x01000000ULL	/* RAM behind it after the remap */
#define STALE_MARK	0xfeedface
#define PDE_2M		0x83ULL		/* present, writable, 2 MiB */

static volatile uint64_t *stale_pde;

static void guest_stale_tlb(void)
{
	uint32_t v;

	/* Through the MMIO mapping once: the TLB now holds STALE_LIN -> MMIO. */
	asm volatile("movl %%eax, (%%rbx)" : : "a"(0x1234), "b"(STALE_LIN + 0x100) : "memory");
	GUEST_SYNC(1);
	/*
	 * Remap to RAM without INVLPG. Hardware may still use the stale
	 * entry (the access then goes to the device) or walk afresh (it
	 * reads RAM); either is architectural, but the guest must go on.
	 */
	*stale_pde = STALE_RAM_GPA | PDE_2M;
	asm volatile("movl (%%rbx), %%eax" : "=a"(v) : "b"(STALE_LIN + 0x100) : "memory");
	GUEST_ASSERT(v == STALE_MARK || v == 0x1234);
	GUEST_SYNC(2);
}

static void stale_tlb_entry_makes_progress(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_stale_tlb);
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PT_GPA + 0x2000);

	pd[STALE_LIN >> 21] = MMIO_GPA | PDE_2M;
	stale_pde = (volatile uint64_t *)(uintptr_t)(GUEST_PT_GPA + 0x2000 +
						     (STALE_LIN >> 21) * 8);
	sync_global_to_guest(vm, stale_pde);
	*(uint32_t *)addr_gpa2hva(vm, STALE_RAM_GPA + 0x100) = STALE_MARK;
	mmio_echo_expect_sync(&dev, vcpu, 1);
	TEST_ASSERT_EQ(dev.n, 1);
	mmio_echo_check(&dev, 0, true, 0x100, 4, 0x1234);
	mmio_echo_expect_sync(&dev, vcpu, 2);
	vcpu_expect_done(vcpu);
	vm_free(vm);
	/* The guest went on either way; only a device read used the stale entry. */
	if (dev.n == 1)
		test_skip("the CPU walked the remapped tables afresh (QEMU TCG keeps no "
			  "stale entry): the stale-entry retry was not reached");
}

/* ---- an event delivered through MMIO is not the instruction's access ---- */

static void guest_idt_in_mmio(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		.limit = 0xfff, .base = MMIO_GPA,
	};

	asm volatile("lidt %0; ud2" : : "m"(idtr) : "memory");
	GUEST_SYNC(1);
}

/*
 * The #UD's delivery reads its IDT entry from MMIO: a nested page fault
 * during event delivery (EXITINTINFO valid). Emulating the UD2 at RIP
 * would be wrong; it is reported as NESTED_PAGE_FAULT at the entry.
 */
static void event_delivery_is_not_emulated(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = mmio_vm(&vcpu, guest_idt_in_mmio);
	struct axvcpu_run *run = vcpu->run;

	vcpu_run_exit(vcpu, AXVCPU_EXIT_NESTED_PAGE_FAULT);
	TEST_ASSERT_EQ(run->npf.gpa & ~0xfULL, MMIO_GPA + 6 * 16);	/* #UD's gate */
	TEST_ASSERT(!(run->npf.access & AXVCPU_ACCESS_WRITE), "access 0x%x", run->npf.access);
	vm_free(vm);
}

/* ---- every prefix combination on one MMIO load ----------------------- */

/*
 * MOV r32, [rBX] (8B 03) from MMIO under every combination of the legacy
 * prefix groups (LOCK; REPNE/REP; operand size; address size; each
 * segment override or none) and each REX byte or none, with the legacy
 * prefixes in two orders. The guest writes each form into a buffer and
 * calls it; the host checks the exit of every one. LOCK makes each form
 * #UD, which the guest counts instead: the CPU raises it, or, where the
 * CPU loads anyway (QEMU 7.2's TCG), the kernel does at the nested page
 * fault (before, that was an INTERNAL_ERROR).
 */
#define PFX_SEGS	7	/* none, ES CS SS DS FS GS */
#define PFX_REPS	3	/* none, F2, F3 */
#define PFX_REXES	17	/* none, 40..4F */
#define PFX_FORMS	(2 * PFX_REPS * 2 * 2 * PFX_SEGS * PFX_REXES)
#define PFX_DATA	0x8877665544332211ULL
#define PFX_SENTINEL	0x1111111111111111ULL

static const uint8_t pfx_seg_byte[PFX_SEGS] = { 0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
static uint8_t pfx_code[32] __attribute__((aligned(16)));
static volatile uint64_t pfx_ud;

struct pfx_form {
	bool lock, opsz, adsz;
	uint8_t rep, seg, rex;
};

static struct pfx_form pfx_form(unsigned int i)
{
	struct pfx_form f;

	f.rex = i % PFX_REXES ? 0x40 + i % PFX_REXES - 1 : 0;
	i /= PFX_REXES;
	f.seg = pfx_seg_byte[i % PFX_SEGS];
	i /= PFX_SEGS;
	f.adsz = i & 1;
	f.opsz = (i >> 1) & 1;
	i >>= 2;
	f.rep = (uint8_t[]){ 0, 0xf2, 0xf3 }[i % PFX_REPS];
	f.lock = (i / PFX_REPS) & 1;
	return f;
}

/* The bytes of form @f, legacy prefixes in one order or the reverse. */
static unsigned int pfx_encode(const struct pfx_form *f, bool reverse, uint8_t *out)
{
	uint8_t legacy[5];
	unsigned int n = 0, len = 0, k;

	if (f->lock)
		legacy[n++] = 0xf0;
	if (f->rep)
		legacy[n++] = f->rep;
	if (f->opsz)
		legacy[n++] = 0x66;
	if (f->adsz)
		legacy[n++] = 0x67;
	if (f->seg)
		legacy[n++] = f->seg;
	for (k = 0; k < n; k++)
		out[len++] = legacy[reverse ? n - 1 - k : k];
	if (f->rex)
		out[len++] = f->rex;
	out[len++] = 0x8b;
	out[len++] = 0x03;
	out[len++] = 0xc3;	/* ret */
	return len;
}

/* #UD (LOCK on a load): resume at the RET after the 8B 03. */
static void pfx_skip_ud(struct guest_exc_frame *frame)
{
	pfx_ud++;
	/* No prefix, REX or 8B 03 byte is C3. */
	while (*(uint8_t *)(uintptr_t)frame->rip != 0xc3)
		frame->rip++;
}

static void guest_every_prefix(void)
{
	unsigned int i, order, expect_ud = 0;

	guest_wrmsr(0xc0000100, 0);	/* FS and GS bases 0: every override */
	guest_wrmsr(0xc0000101, 0);	/* names the same address */
	for (order = 0; order < 2; order++) {
		for (i = 0; i < PFX_FORMS; i++) {
			struct pfx_form f = pfx_form(i);
			register uint64_t r8 asm("r8") = PFX_SENTINEL;
			register uint64_t r11 asm("r11") = MMIO_GPA;
			uint64_t rax = PFX_SENTINEL, want, got;
			unsigned int width = (f.rex & 8) ? 8 : f.opsz ? 2 : 4;

			pfx_encode(&f, order, pfx_code);
			asm volatile("call *%[fn]"
				     : "+a"(rax), "+r"(r8)
				     : [fn] "r"(pfx_code), "b"(MMIO_GPA), "r"(r11)
				     : "memory", "cc", "rcx", "rdx", "rsi", "rdi",
				       "r9", "r10");
			got = (f.rex & 4) ? r8 : rax;
			GUEST_ASSERT_EQ((f.rex & 4) ? rax : r8, PFX_SENTINEL);
			if (f.lock) {
				expect_ud++;
				GUEST_ASSERT_EQ(pfx_ud, expect_ud);
				GUEST_ASSERT_EQ(got, PFX_SENTINEL);
				continue;
			}
			if (width == 2)
				want = (PFX_SENTINEL & ~0xffffULL) | (PFX_DATA & 0xffff);
			else if (width == 4)
				want = PFX_DATA & 0xffffffffULL;
			else
				want = PFX_DATA;
			GUEST_ASSERT_EQ(got, want);
		}
	}
	GUEST_SYNC(pfx_ud);
}

static void every_prefix_combination(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_every_prefix);
	struct axvcpu_run *run = vcpu->run;
	unsigned int i, order, exits = 0;

	vm_install_exception_handler(vm, 6, pfx_skip_ud);
	for (order = 0; order < 2; order++) {
		for (i = 0; i < PFX_FORMS; i++) {
			struct pfx_form f = pfx_form(i);
			unsigned int width = (f.rex & 8) ? 8 : f.opsz ? 2 : 4;

			if (f.lock)
				continue;
			TEST_ASSERT_OK(vcpu_run(vcpu));
			if (run->exit_reason == AXVCPU_EXIT_INTERNAL_ERROR) {
				char hex[64] = "";
				unsigned int k;

				for (k = 0; k < run->internal.insn_len && k < 15; k++)
					sprintf(hex + 3 * k, "%02x ", run->internal.insn[k]);
				TEST_ASSERT(0, "form %u order %u: INTERNAL_ERROR on %s", i,
					    order, hex);
			}
			vcpu_assert_exit(vcpu, AXVCPU_EXIT_MMIO_READ);
			TEST_ASSERT(run->mmio.gpa == MMIO_GPA && run->mmio.width == width &&
				    run->mmio.reg == ((f.rex & 4) ? 8 : 0),
				    "form %u (order %u: lock %d rep %#x 66 %d 67 %d seg %#x "
				    "rex %#x): gpa %#llx width %u reg %u", i, order, f.lock,
				    f.rep, f.opsz, f.adsz, f.seg, f.rex,
				    (unsigned long long)run->mmio.gpa, run->mmio.width,
				    run->mmio.reg);
			run->mmio.data = PFX_DATA;
			exits++;
		}
	}
	vcpu_expect_sync(vcpu, PFX_FORMS);	/* half of them locked, twice */
	test_note("%u forms, %u MMIO exits, %u #UD", 2 * PFX_FORMS, exits, PFX_FORMS);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(mov_every_width),
	{ .name = "every_prefix_combination", .fn = every_prefix_combination, .timeout = 300 },
	TEST_CASE(sign_and_zero_extension),
	TEST_CASE(alu_flags_and_rmw),
	TEST_CASE(rep_string_forms),
	TEST_CASE(page_boundary),
	TEST_CASE(undecodable_is_internal_error),
	TEST_CASE(guest_pf_is_injected),
	TEST_CASE(event_delivery_is_not_emulated),
	TEST_CASE(stale_tlb_entry_makes_progress),
	TEST_CASE(protection_key_blocks_emulated_write),
};

int main(void)
{
	return test_run_all(cases);
}
