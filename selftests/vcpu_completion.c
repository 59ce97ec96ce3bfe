// SPDX-License-Identifier: MIT
/*
 * vcpu_completion: the values user space supplies for read exits reach
 * the guest as the architecture says, in real, protected and 64-bit mode:
 * IN of width 1 and 2 merges into AL/AX, width 4 zero-extends into RAX
 * (64-bit); RDMSR gets EDX:EAX; VMMCALL gets RAX. RIP is past the exiting
 * instruction in the run structure and in GET_REGS. A completion is not
 * applied when user space moved RIP with SET_REGS, is applied when
 * SET_REGS left RIP alone, and is applied before immediate_exit is
 * honoured.
 */
#include "guest.h"
#include "guest_modes.h"

#define IN_DATA		0x1f2f3f4f5f6f7f8fULL	/* more bits than any width */
#define MSR_VALUE	0x1122334455667788ULL
#define HC_RET		0xfedcba9876543210ULL
#define RBX_VALUE	0x5678

struct seq {
	struct guest_vcpu *vcpu;
	int bits;
	const char *start;
	const uint64_t *marks;
	uint64_t mask;		/* the RAX bits the mode can observe */
	uint64_t preset;	/* RAX before each read */
};

/* RUN, require @reason, and RIP (run page and GET_REGS) at mark @m. */
static void step(struct seq *s, uint32_t reason, int m, struct axvcpu_regs *regs)
{
	uint64_t rip = snippet_rip(s->bits, s->start, s->marks[m]);

	vcpu_run_exit(s->vcpu, reason);
	TEST_ASSERT_EQ(s->vcpu->run->rip, rip);
	vcpu_regs_get(s->vcpu, regs);
	TEST_ASSERT_EQ(regs->rip, rip);
}

/* The guest reports EAX at mark @m: check it and RAX as far as visible. */
static void expect_report(struct seq *s, int m, uint64_t rax)
{
	struct axvcpu_regs regs;

	step(s, AXVCPU_EXIT_IO_WRITE, m, &regs);
	TEST_ASSERT_EQ(s->vcpu->run->io.port, SNIP_PORT_REPORT);
	TEST_ASSERT_EQ(s->vcpu->run->io.data, (uint32_t)rax);
	TEST_ASSERT_EQ(regs.rax & s->mask, rax & s->mask);
}

static void in_of_width(struct seq *s, int m, unsigned int width, uint64_t expect)
{
	struct axvcpu_regs regs;

	step(s, AXVCPU_EXIT_IO_READ, m, &regs);
	TEST_ASSERT_EQ(s->vcpu->run->io.port, SNIP_PORT_IN);
	TEST_ASSERT_EQ(s->vcpu->run->io.width, width);
	TEST_ASSERT_EQ(s->vcpu->run->io.count, 1);
	/* Nothing is applied before the next RUN. */
	TEST_ASSERT_EQ(regs.rax & s->mask, s->preset & s->mask);
	axvcpu_complete_io_read(&s->vcpu->h, IN_DATA);
	expect_report(s, m + 1, expect);
}

static void run_completion_sequence(struct seq *s)
{
	struct axvcpu_run *run = s->vcpu->run;
	uint64_t p = s->preset;
	struct axvcpu_regs regs;

	in_of_width(s, CM_IN8, 1, (p & ~0xffULL) | (IN_DATA & 0xff));
	in_of_width(s, CM_IN16, 2, (p & ~0xffffULL) | (IN_DATA & 0xffff));
	/* A 32-bit destination zero-extends into RAX in 64-bit mode. */
	in_of_width(s, CM_IN32, 4, (uint32_t)IN_DATA);

	step(s, AXVCPU_EXIT_SYSREG_READ, CM_RDMSR, &regs);
	TEST_ASSERT_EQ(run->sysreg.addr, SNIP_MSR_READ);
	axvcpu_complete_sysreg_read(&s->vcpu->h, MSR_VALUE);
	expect_report(s, CM_RDMSR_REPORT_LO, (uint32_t)MSR_VALUE);
	vcpu_regs_get(s->vcpu, &regs);
	TEST_ASSERT_EQ(regs.rdx & s->mask, MSR_VALUE >> 32);
	expect_report(s, CM_RDMSR_REPORT_HI, MSR_VALUE >> 32);

	step(s, AXVCPU_EXIT_HYPERCALL, CM_VMMCALL, &regs);
	TEST_ASSERT_EQ(run->hypercall.nr & s->mask, SNIP_HC_NR);
	axvcpu_complete_hypercall(&s->vcpu->h, HC_RET);
	expect_report(s, CM_VMMCALL_REPORT, HC_RET);

	/* RIP moved by SET_REGS: the value must not land. */
	step(s, AXVCPU_EXIT_IO_READ, CM_MOVED_IN, &regs);
	axvcpu_complete_io_read(&s->vcpu->h, 0x42);
	regs.rip = snippet_rip(s->bits, s->start, s->marks[CM_MOVED_TARGET]);
	vcpu_regs_set(s->vcpu, &regs);
	expect_report(s, CM_MOVED_REPORT, p);

	/* SET_REGS with RIP unchanged: it lands, and so does the new RBX. */
	step(s, AXVCPU_EXIT_IO_READ, CM_SAMERIP_IN, &regs);
	axvcpu_complete_io_read(&s->vcpu->h, 0x43);
	regs.rbx = RBX_VALUE;
	vcpu_regs_set(s->vcpu, &regs);
	expect_report(s, CM_SAMERIP_REPORT, (p & ~0xffULL) | 0x43);
	expect_report(s, CM_SAMERIP_RBX, RBX_VALUE);

	/* immediate_exit: the completion is applied, the guest not entered. */
	step(s, AXVCPU_EXIT_IO_READ, CM_IMMEDIATE_IN, &regs);
	axvcpu_complete_io_read(&s->vcpu->h, 0x44);
	run->immediate_exit = 1;
	TEST_ASSERT_ERRNO(vcpu_run(s->vcpu), -EINTR);
	TEST_ASSERT_EQ(run->exit_reason, AXVCPU_EXIT_INTR);
	vcpu_regs_get(s->vcpu, &regs);
	TEST_ASSERT_EQ(regs.rax & s->mask, ((p & ~0xffULL) | 0x44) & s->mask);
	TEST_ASSERT_EQ(regs.rip, snippet_rip(s->bits, s->start, s->marks[CM_IMMEDIATE_IN]));
	/* A second immediate exit changes nothing either. */
	TEST_ASSERT_ERRNO(vcpu_run(s->vcpu), -EINTR);
	vcpu_regs_get(s->vcpu, &regs);
	TEST_ASSERT_EQ(regs.rax & s->mask, ((p & ~0xffULL) | 0x44) & s->mask);
	run->immediate_exit = 0;
	expect_report(s, CM_IMMEDIATE_REPORT, (p & ~0xffULL) | 0x44);

	step(s, AXVCPU_EXIT_HALT, CM_HLT, &regs);
}

static void completion_in_snippet(uint32_t mode, int bits, const char *start,
				  const char *end, const uint64_t *marks)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	struct seq s = {
		.bits = bits, .start = start, .marks = marks,
		.mask = 0xffffffffULL, .preset = SNIP_PRESET32,
	};

	s.vcpu = vm_vcpu_add_snippet(vm, 0, mode, start, end);
	vcpu_bind(s.vcpu);
	run_completion_sequence(&s);
	vm_free(vm);
}

static void completion_real_mode(void)
{
	completion_in_snippet(AXVCPU_MODE_REAL, 16, completion16_start, completion16_end,
			      completion16_marks);
}

static void completion_protected_mode(void)
{
	completion_in_snippet(AXVCPU_MODE_PROTECTED, 32, completion32_start, completion32_end,
			      completion32_marks);
}

static void guest_completion64(void)
{
	((void (*)(void))completion64_start)();
}

static void completion_long_mode(bool kernel_map)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct seq s = {
		.bits = 64, .start = completion64_start, .marks = completion64_marks,
		.mask = ~0ULL, .preset = SNIP_PRESET64,
	};

	if (kernel_map)
		s.vcpu = vm_vcpu_add_long(vm, 0, guest_completion64);
	else
		s.vcpu = vm_vcpu_add(vm, 0, guest_completion64);
	vcpu_bind(s.vcpu);
	run_completion_sequence(&s);
	vm_free(vm);
}

static void completion_long_mode_custom(void)
{
	completion_long_mode(false);
}

static void completion_long_mode_kernel_map(void)
{
	completion_long_mode(true);
}

static const struct test_case cases[] = {
	TEST_CASE(completion_real_mode),
	TEST_CASE(completion_protected_mode),
	TEST_CASE(completion_long_mode_custom),
	TEST_CASE(completion_long_mode_kernel_map),
};

int main(void)
{
	return test_run_all(cases);
}
