// SPDX-License-Identifier: MIT
/*
 * vcpu_events: interrupts, NMIs and exceptions injected into one VCPU, and
 * where exactly the guest takes them.
 *
 *  - an interrupt waits while RFLAGS.IF is clear and through the STI
 *    shadow, and is taken right after the shadowed instruction, also when
 *    that instruction exits first (a nested page fault);
 *  - request_interrupt_window returns IRQ_WINDOW_OPEN where the window
 *    opens, without entering when it is open, and injects nothing then;
 *  - an NMI is blocked until the IRET of its handler, and a second one is
 *    taken right after that IRET;
 *  - an injected exception arrives with its error code, before a pending
 *    interrupt; bad vectors and error codes are refused, for interrupts
 *    and exceptions;
 *  - a delivery an exit cuts short (a nested fault on the handler's
 *    stack or on the IDT) goes in again, exactly once;
 *  - three interrupts pending at once follow one another, each at the
 *    IRET of the one before;
 *  - the in-kernel halt sleeps in BLOCKED until an injection or a KICK.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "guest.h"

#define VEC_A		0x40
#define VEC_B		0x41
#define VEC_C		0x42
/* A slot the guest has never touched: its first access is a nested fault. */
#define FRESH_SLOT	1
#define FRESH_GPA	(1ULL << 30)

/* Written by the guest's handlers, read back with sync_global_from_guest(). */
static volatile uint64_t irq_count, irq_rip, irq_vector;
static volatile uint64_t nmi_count, nmi_rip[2];
static volatile uint64_t exc_count, exc_vector, exc_error, exc_rip;
/* The order events arrived in: one vector per event. */
static volatile uint64_t order[8], norder;

extern const char after_sti_nop[], after_sti_store[], after_window_sti[];

static void guest_irq_handler(struct guest_exc_frame *frame)
{
	irq_count++;
	irq_rip = frame->rip;
	irq_vector = frame->vector;
	if (norder < 8)
		order[norder++] = frame->vector;
}

static void guest_exc_handler(struct guest_exc_frame *frame)
{
	exc_count++;
	exc_vector = frame->vector;
	exc_error = frame->error_code;
	exc_rip = frame->rip;
	if (norder < 8)
		order[norder++] = frame->vector;
}

static struct guest_vm *vm_with_vcpu(struct guest_vcpu **vcpu, guest_code_t code)
{
	struct guest_vm *vm = vm_create_with_one_vcpu(vcpu, code);

	vm_install_exception_handler(vm, VEC_A, guest_irq_handler);
	vm_install_exception_handler(vm, VEC_B, guest_irq_handler);
	vm_install_exception_handler(vm, VEC_C, guest_irq_handler);
	/* Only the vectors the host injects: a real fault still fails the case. */
	vm_install_exception_handler(vm, 0, guest_exc_handler);
	vm_install_exception_handler(vm, 6, guest_exc_handler);
	vm_install_exception_handler(vm, 13, guest_exc_handler);
	vm_install_exception_handler(vm, 14, guest_exc_handler);
	return vm;
}

/* ---- interrupts and the STI shadow ------------------------------------ */

static void guest_sti_shadow(void)
{
	asm volatile("cli");
	GUEST_SYNC(1);			/* the host injects VEC_A here */
	GUEST_ASSERT_EQ(irq_count, 0);	/* IF clear: still pending */
	GUEST_SYNC(2);
	asm volatile("sti\n\tnop\n\t.globl after_sti_nop\nafter_sti_nop:" ::: "memory");
	GUEST_ASSERT_EQ(irq_count, 1);
	GUEST_ASSERT_EQ(irq_vector, VEC_A);
	GUEST_ASSERT_EQ(irq_rip, (uint64_t)(uintptr_t)after_sti_nop);
}

static void irq_waits_for_if_and_shadow(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_sti_shadow);

	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT_EQ(vcpu->run->if_flag, 0);
	TEST_ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 0);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A), -EEXIST);
	vcpu_expect_sync(vcpu, 2);
	/* Offered to the guest and not taken yet: not ready for another. */
	TEST_ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 0);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	vm_free(vm);
}

/*
 * The store after STI exits (its page is new to the nested tables) while
 * the guest is in the shadow: the interrupt still comes after the store.
 */
static void guest_sti_store(void)
{
	asm volatile("cli");
	GUEST_SYNC(1);
	asm volatile("sti\n\tmovl $1, (%0)\n\t.globl after_sti_store\nafter_sti_store:"
		     : : "r"(FRESH_GPA) : "memory");
	GUEST_ASSERT_EQ(irq_count, 1);
	GUEST_ASSERT_EQ(irq_rip, (uint64_t)(uintptr_t)after_sti_store);
}

static void irq_after_shadowed_nested_fault(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_sti_store);
	uint32_t *fresh = vm_add_memory(vm, FRESH_SLOT, 0, FRESH_GPA, GUEST_PAGE_SIZE);

	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	TEST_ASSERT_EQ(*fresh, 1);
	vm_free(vm);
}

/* ---- the interrupt window ---------------------------------------------- */

static void guest_window(void)
{
	asm volatile("cli");
	GUEST_SYNC(1);
	asm volatile("sti\n\tnop\n\t.globl after_window_sti\nafter_window_sti:\n\tnop"
		     ::: "memory");
	while (!irq_count)
		asm volatile("pause");
	GUEST_ASSERT_EQ(irq_vector, VEC_B);
}

static void request_interrupt_window(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_window);
	struct axvcpu_run *run = vcpu->run;

	vcpu_expect_sync(vcpu, 1);
	/* Pending, but held back while the request stands. */
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_B));
	run->request_interrupt_window = 1;
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT_EQ(run->rip, (uint64_t)(uintptr_t)after_window_sti);
	TEST_ASSERT_EQ(run->if_flag, 1);
	TEST_ASSERT_EQ(run->interrupt_shadow, 0);
	TEST_ASSERT_EQ(run->ready_for_interrupt_injection, 1);
	sync_global_from_guest(vm, irq_count);
	TEST_ASSERT_EQ(irq_count, 0);

	/* Open already: RUN answers at once, the guest where it was. */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IRQ_WINDOW_OPEN);
	TEST_ASSERT_EQ(run->rip, (uint64_t)(uintptr_t)after_window_sti);
	TEST_ASSERT_EQ(run->ready_for_interrupt_injection, 1);

	run->request_interrupt_window = 0;
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	vm_free(vm);
}

/* ---- NMIs ---------------------------------------------------------------- */

static void guest_nmi_handler(struct guest_exc_frame *frame)
{
	uint64_t n = ++nmi_count;

	if (n <= 2)
		nmi_rip[n - 1] = frame->rip;
	if (n == 1) {
		GUEST_SYNC(2);			/* the host injects NMI 2 here */
		GUEST_ASSERT_EQ(nmi_count, 1);	/* blocked: still in the handler */
		GUEST_SYNC(3);
		GUEST_ASSERT_EQ(nmi_count, 1);
	}
}

static void guest_nmi(void)
{
	asm volatile("cli");			/* NMIs do not care */
	GUEST_SYNC(1);
	while (nmi_count < 2)
		asm volatile("pause");
	/* The second came at the first boundary after the first one's IRET. */
	GUEST_ASSERT_EQ(nmi_rip[1], nmi_rip[0]);
}

static void nmi_blocked_until_iret(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_nmi);

	vm_install_exception_handler(vm, GUEST_VEC_NMI, guest_nmi_handler);
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_nmi(&vcpu->h));
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_nmi(&vcpu->h), -EEXIST);
	vcpu_expect_sync(vcpu, 2);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_nmi(&vcpu->h));
	vcpu_expect_sync(vcpu, 3);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	sync_global_from_guest(vm, nmi_count);
	TEST_ASSERT_EQ(nmi_count, 2);
	vm_free(vm);
}

/* ---- exceptions ---------------------------------------------------------- */

static void guest_exceptions(void)
{
	uint64_t i;

	asm volatile("sti");
	for (i = 1; i <= 3; i++) {
		GUEST_SYNC(i);
		GUEST_ASSERT_EQ(exc_count, i);
	}
	/* An exception and an interrupt at once, IF set: the exception first. */
	GUEST_SYNC(4);
	GUEST_ASSERT_EQ(exc_count, 4);
	GUEST_ASSERT_EQ(irq_count, 1);
}

static void exception_frames(void)
{
	static const struct { uint32_t vector, error; } exc[] = {
		{ 13, 0x1234 }, { 6, 0 }, { 14, 0x2 },
	};
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_exceptions);
	unsigned int i;
	uint64_t rip;

	vcpu_expect_sync(vcpu, 1);
	for (i = 0; i < 3; i++) {
		/* Where RUN resumes: the handler's frame must name it. */
		rip = vcpu->run->rip;
		TEST_ASSERT_OK(axvcpu_vcpu_inject_exception(&vcpu->h, exc[i].vector, exc[i].error));
		TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_exception(&vcpu->h, 6, 0), -EBUSY);
		vcpu_expect_sync(vcpu, i + 2);
		sync_global_from_guest(vm, exc_vector);
		sync_global_from_guest(vm, exc_error);
		sync_global_from_guest(vm, exc_rip);
		TEST_ASSERT_EQ(exc_vector, exc[i].vector);
		TEST_ASSERT_EQ(exc_error, exc[i].error);
		TEST_ASSERT_EQ(exc_rip, rip);
	}
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	TEST_ASSERT_OK(axvcpu_vcpu_inject_exception(&vcpu->h, 0, 0));
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	sync_global_from_guest(vm, order);
	TEST_ASSERT_EQ(order[2], 14);
	TEST_ASSERT_EQ(order[3], 0);
	TEST_ASSERT_EQ(order[4], VEC_A);
	vm_free(vm);
}

static void exception_argument_errors(void)
{
	static const uint32_t bad[] = { 2, 15, 22, 27, 31, 32, 255, 1000 };
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *created = vm_vcpu_create(vm, 1);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_exceptions);
	struct axvcpu_exception exc = { .vector = 13 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_exception(&vcpu->h, bad[i], 0), -EINVAL);
	/* #UD and #BP push no error code. */
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_exception(&vcpu->h, 6, 1), -EINVAL);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_exception(&vcpu->h, 3, 1), -EINVAL);
	exc.flags = 1;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_EXCEPTION, &exc), -EINVAL);
	exc.flags = 0;
	exc.pad = 1;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_EXCEPTION, &exc), -EINVAL);
	exc.pad = 0;
	exc.reserved[1] = 1;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_EXCEPTION, &exc), -EINVAL);
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_EXCEPTION, (void *)8), -EFAULT);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_exception(&created->h, 13, 0), -EBADFD);
	/* Nothing was queued by the refused calls. */
	TEST_ASSERT_OK(axvcpu_vcpu_inject_exception(&vcpu->h, 13, 0));
	vm_free(vm);
}

/* Interrupt vectors below 32 or above 255, flags, reserved fields, state. */
static void interrupt_argument_errors(void)
{
	static const uint32_t bad[] = { 0, 2, 14, 31, 256, 1000 };
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *created = vm_vcpu_create(vm, 1);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_exceptions);
	struct axvcpu_interrupt irq = { .vector = VEC_A };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_interrupt(&vcpu->h, bad[i]), -EINVAL);
	irq.flags = 1;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_INTERRUPT, &irq), -EINVAL);
	irq.flags = 0;
	irq.reserved[2] = 1;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_INTERRUPT, &irq), -EINVAL);
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_INJECT_INTERRUPT, (void *)8), -EFAULT);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_interrupt(&created->h, VEC_A), -EBADFD);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_nmi(&created->h), -EBADFD);
	/* Nothing was made pending by the refused calls; one NMI is latched. */
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, 32));
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, 255));
	TEST_ASSERT_OK(axvcpu_vcpu_inject_nmi(&vcpu->h));
	TEST_ASSERT_ERRNO(axvcpu_vcpu_inject_nmi(&vcpu->h), -EEXIST);
	vm_free(vm);
}

/* ---- deliveries cut short --------------------------------------------- */

static void guest_count_nmi(struct guest_exc_frame *frame)
{
	(void)frame;
	nmi_count++;
}

static void guest_cut_short(void)
{
	asm volatile("sti");
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(irq_count, 1);
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(nmi_count, 1);
	GUEST_SYNC(3);
	GUEST_ASSERT_EQ(exc_count, 1);
	GUEST_ASSERT_EQ(exc_error, 7);
}

/* Point IST @n (1 or 2) of VCPU 0 at the top of page @page of the fresh slot. */
static void vm_set_ist(struct guest_vm *vm, unsigned int n, unsigned int page)
{
	uint8_t *tss = addr_gpa2hva(vm, GUEST_TSS_GPA);
	uint64_t top = FRESH_GPA + (page + 1) * GUEST_PAGE_SIZE;

	memcpy(tss + 0x24 + 8 * (n - 1), &top, 8);
}

/*
 * Each event's first push lands on a stack page the nested tables have
 * never seen: the exit interrupts the delivery, which must go in again,
 * exactly once.
 */
static void delivery_cut_short_by_nested_fault(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_cut_short);

	vm_install_exception_handler(vm, GUEST_VEC_NMI, guest_count_nmi);
	vm_add_memory(vm, FRESH_SLOT, 0, FRESH_GPA, 3 * GUEST_PAGE_SIZE);
	vcpu_expect_sync(vcpu, 1);
	vm_set_ist(vm, 1, 0);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	vcpu_expect_sync(vcpu, 2);
	vm_set_ist(vm, 2, 1);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_nmi(&vcpu->h));
	vcpu_expect_sync(vcpu, 3);
	vm_set_ist(vm, 1, 2);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_exception(&vcpu->h, 13, 7));
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	vm_free(vm);
}

/*
 * Drop the nested mapping of the guest's IDT page: an mprotect() round
 * trip of its host page runs the MMU notifier, the bytes stay.
 */
static void zap_idt(struct guest_vm *vm)
{
	void *idt = addr_gpa2hva(vm, GUEST_IDT_GPA);

	TEST_ASSERT_SYSCALL(mprotect(idt, GUEST_PAGE_SIZE, PROT_READ));
	TEST_ASSERT_SYSCALL(mprotect(idt, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE));
}

/* The same with the gate read from the IDT as the exit that cuts it short. */
static void delivery_cut_short_by_idt_fault(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_cut_short);
	struct axvcpu_stats s0, s1;

	vm_install_exception_handler(vm, GUEST_VEC_NMI, guest_count_nmi);
	vcpu_expect_sync(vcpu, 1);
	vcpu_stats_get(vcpu, &s0);
	zap_idt(vm);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	vcpu_expect_sync(vcpu, 2);
	vcpu_stats_get(vcpu, &s1);
	/* At least the nested fault on the IDT before the ucall's exit. */
	TEST_ASSERT_GE(s1.hw_exits - s0.hw_exits, 2);
	zap_idt(vm);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_nmi(&vcpu->h));
	vcpu_expect_sync(vcpu, 3);
	zap_idt(vm);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_exception(&vcpu->h, 13, 7));
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	vm_free(vm);
}

/*
 * Three vectors pending at once, the guest spinning with interrupts on:
 * each handler's IRET is where the next one follows. They arrive highest
 * first, each once, and the guest never spins at an IRET.
 */
static void guest_three_pending(void)
{
	uint64_t spins = 0;

	asm volatile("cli");
	GUEST_SYNC(1);			/* the host injects A, B and C here */
	asm volatile("sti");
	while (irq_count < 3 && spins < 100000000)
		spins++;
	GUEST_SYNC2(irq_count, spins);
	GUEST_DONE();
}

static void three_pending_taken_in_turn(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_three_pending);
	struct axvcpu_stats st;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_B));
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_C));
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 3);
	sync_global_from_guest(vm, order);
	sync_global_from_guest(vm, norder);
	TEST_ASSERT_EQ(norder, 3);
	TEST_ASSERT_EQ(order[0], VEC_C);
	TEST_ASSERT_EQ(order[1], VEC_B);
	TEST_ASSERT_EQ(order[2], VEC_A);
	vcpu_stats_get(vcpu, &st);
	/* A handful of exits per interrupt, not an exit storm at an IRET. */
	TEST_ASSERT_LT(st.hw_exits, 100);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	vm_free(vm);
}

/* ---- the in-kernel halt -------------------------------------------------- */

static void guest_halt_loop(void)
{
	asm volatile("sti");
	while (irq_count < 2)
		asm volatile("hlt" ::: "memory");
}

struct halt_runner {
	struct guest_vcpu *vcpu;
	int first_ret;
	uint32_t first_exit;
};

/* The first RUN (ended by a KICK), then RUN to the end. */
static void *halt_runner_fn(void *arg)
{
	struct halt_runner *r = arg;

	vcpu_bind(r->vcpu);
	r->first_ret = vcpu_run(r->vcpu);
	__atomic_store_n(&r->first_exit, r->vcpu->run->exit_reason, __ATOMIC_RELEASE);
	TEST_ASSERT_EQ(vcpu_run_ucall(r->vcpu, NULL), UCALL_DONE);
	return NULL;
}

static void wait_blocked(struct guest_vcpu *vcpu)
{
	while (axvcpu_vcpu_state(&vcpu->h) != AXVCPU_STATE_BLOCKED)
		sched_yield();
}

static void halt_blocked_until_kick_and_inject(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_with_vcpu(&vcpu, guest_halt_loop);
	struct halt_runner r = { .vcpu = vcpu };
	pthread_t t;

	TEST_ASSERT_OK(axvcpu_vcpu_set_options(&vcpu->h, AXVCPU_OPT_HALT_IN_KERNEL));
	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));
	TEST_ASSERT_EQ(pthread_create(&t, NULL, halt_runner_fn, &r), 0);
	wait_blocked(vcpu);
	TEST_ASSERT_OK(axvcpu_vcpu_kick(&vcpu->h));
	/* The second RUN halts again; each injection wakes it once. */
	while (__atomic_load_n(&r.first_exit, __ATOMIC_ACQUIRE) != AXVCPU_EXIT_INTR)
		sched_yield();
	wait_blocked(vcpu);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_A));
	do {
		sync_global_from_guest(vm, irq_count);
		sched_yield();
	} while (irq_count < 1);
	wait_blocked(vcpu);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&vcpu->h, VEC_B));
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);
	TEST_ASSERT_EQ(r.first_ret, -EINTR);
	sync_global_from_guest(vm, irq_count);
	TEST_ASSERT_EQ(irq_count, 2);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(irq_waits_for_if_and_shadow),
	TEST_CASE(irq_after_shadowed_nested_fault),
	TEST_CASE(request_interrupt_window),
	TEST_CASE(nmi_blocked_until_iret),
	TEST_CASE(exception_frames),
	TEST_CASE(exception_argument_errors),
	TEST_CASE(interrupt_argument_errors),
	TEST_CASE(delivery_cut_short_by_nested_fault),
	TEST_CASE(delivery_cut_short_by_idt_fault),
	TEST_CASE(three_pending_taken_in_turn),
	TEST_CASE(halt_blocked_until_kick_and_inject),
};

int main(void)
{
	return test_run_all(cases);
}
