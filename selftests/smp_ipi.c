// SPDX-License-Identifier: MIT
/*
 * smp_ipi: IPIs between VCPUs of one VM, each VCPU in its own thread and
 * parked in the kernel by HLT (AXVCPU_OPT_HALT_IN_KERNEL) until an
 * interrupt wakes it. Each VCPU runs in a libaxvcpu-user thread
 * (axvcpu_vcpu_thread_start()) with callbacks per exit.
 *
 *  - two VCPUs ping-pong 10 000 IPIs written to the x2APIC ICR, which the
 *    VMM forwards from each SEND_IPI exit as AXVCPU_INJECT_INTERRUPT;
 *  - the same, delivered by the kernel (AXVCPU_VM_IPI_IN_KERNEL): no exit;
 *  - in-kernel delivery by shorthand (self, all, all but self) and by
 *    physical, logical and broadcast destination, an unknown destination
 *    dropped; every count exact.
 */
#include <errno.h>

#include "guest.h"

#define X2APIC_ICR		0x830
#define ICR_LOGICAL		(1ULL << 11)
#define ICR_SH_SELF		(1ULL << 18)
#define ICR_SH_ALL		(2ULL << 18)
#define ICR_SH_OTHERS		(3ULL << 18)
#define ICR_DEST(id)		((uint64_t)(id) << 32)

#define IPI_VECTOR		0x40
/* Ping-pong: 5 000 each way. */
#define IPI_TOTAL		10000
#define ROUNDS			(IPI_TOTAL / 2)

/* Interrupts each VCPU took, by VCPU id (counted by guest_ipi_handler()). */
static volatile uint64_t ipi_counts[GUEST_MAX_VCPUS];
/* Set by the sender of the shorthand case: the receivers may finish. */
static volatile uint64_t receivers_stop;

/*
 * The interrupt handler: one more for the VCPU whose TSS is loaded (the
 * framework gives VCPU N selector GUEST_SEL_TSS(N) = 0x20 + 16 N). No
 * EOI: the kernel models no APIC state, an injected interrupt is done
 * once delivered.
 */
static void guest_ipi_handler(struct guest_exc_frame *frame)
{
	uint16_t tr;

	(void)frame;
	asm volatile("str %0" : "=r"(tr));
	__atomic_fetch_add(&ipi_counts[(tr - GUEST_SEL_TSS(0)) / 16], 1, __ATOMIC_SEQ_CST);
}

static void guest_send(uint64_t icr)
{
	guest_wrmsr(X2APIC_ICR, icr | IPI_VECTOR);
}

/* Sleep in HLT, interrupts on, until VCPU @id has taken @n interrupts. */
static void guest_wait_count(uint64_t id, uint64_t n)
{
	asm volatile("cli");
	while (ipi_counts[id] < n)
		asm volatile("sti; hlt; cli" ::: "memory");
	asm volatile("sti");
}

static void guest_ping(void)
{
	uint64_t i;

	for (i = 1; i <= ROUNDS; i++) {
		guest_send(ICR_DEST(1));
		guest_wait_count(0, i);
	}
	GUEST_ASSERT_EQ(ipi_counts[0], ROUNDS);
}

static void guest_pong(void)
{
	uint64_t i;

	for (i = 1; i <= ROUNDS; i++) {
		guest_wait_count(1, i);
		guest_send(ICR_DEST(0));
	}
	GUEST_ASSERT_EQ(ipi_counts[1], ROUNDS);
}

/* ---- host ------------------------------------------------------------- */

/* The framework VM, its VM fd replaced by one created with @flags. */
static struct guest_vm *vm_create_flags(uint32_t flags)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct axvcpu_create_vm args = { .flags = flags };

	vm_close_fd(vm);
	vm->vm.fd = TEST_ASSERT_OK(test_ioctl(vm->sys.fd, AXVCPU_CREATE_VM, &args));
	TEST_ASSERT_OK(vm_set_memory(vm, 0, 0, 0, vm->ram_size, vm->ram));
	return vm;
}

/* A VCPU at @code with the in-kernel halt. */
static struct guest_vcpu *vcpu_add_ipi(struct guest_vm *vm, uint32_t id, guest_code_t code)
{
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, id, code);
	struct axvcpu_options opt = { .flags = AXVCPU_OPT_HALT_IN_KERNEL };

	TEST_ASSERT_OK(test_ioctl(vcpu->h.fd, AXVCPU_SET_OPTIONS, &opt));
	return vcpu;
}

struct runner {
	struct guest_vcpu *vcpu;
	struct guest_vcpu *peer;	/* forwarded IPIs go there */
	uint64_t send_ipi_exits;
	struct axvcpu_vcpu_thread thread;
};

/* SEND_IPI (only without the in-kernel path): to the peer, as an injection. */
static int on_send_ipi(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct runner *r = opaque;
	struct axvcpu_run *run = h->run;

	TEST_ASSERT(r->peer, "SEND_IPI exit from VCPU %u", h->id);
	TEST_ASSERT_EQ(run->send_ipi.target_cpu, r->peer->id);
	TEST_ASSERT_EQ(run->send_ipi.to_all, 0);
	TEST_ASSERT_EQ(run->send_ipi.to_self, 0);
	TEST_ASSERT_EQ(run->send_ipi.vector, IPI_VECTOR);
	TEST_ASSERT_OK(axvcpu_vcpu_inject_interrupt(&r->peer->h, IPI_VECTOR));
	r->send_ipi_exits++;
	return 0;
}

/* The ucall port: GUEST_DONE ends the loop (with 1), anything else fails. */
static int on_io(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct runner *r = opaque;
	struct ucall uc;

	(void)h;
	if (get_ucall(r->vcpu, &uc) == UCALL_NONE)
		vcpu_assert_exit(r->vcpu, AXVCPU_EXIT_SEND_IPI);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_DONE);
	return 1;
}

/* Any other exit fails the case, naming it. */
static int on_other(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct runner *r = opaque;

	(void)h;
	vcpu_assert_exit(r->vcpu, AXVCPU_EXIT_SEND_IPI);
	return -EPROTO;
}

static const struct axvcpu_exit_handlers ipi_handlers = {
	.io = on_io,
	.send_ipi = on_send_ipi,
	.other = on_other,
};

/* Each VCPU in a libaxvcpu-user thread, until its GUEST_DONE. */
static void run_all(struct runner *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT_OK(axvcpu_vcpu_thread_start(&r[i].thread, &r[i].vcpu->h,
							&ipi_handlers, &r[i]));
	for (i = 0; i < n; i++)
		TEST_ASSERT_EQ(axvcpu_vcpu_thread_join(&r[i].thread), 1);
}

static void ping_pong(bool in_kernel)
{
	struct guest_vm *vm = vm_create_flags(in_kernel ? AXVCPU_VM_IPI_IN_KERNEL : 0);
	struct runner r[2];
	unsigned int i;

	vm_install_exception_handler(vm, IPI_VECTOR, guest_ipi_handler);
	r[0] = (struct runner){ .vcpu = vcpu_add_ipi(vm, 0, guest_ping) };
	r[1] = (struct runner){ .vcpu = vcpu_add_ipi(vm, 1, guest_pong) };
	if (!in_kernel) {
		r[0].peer = r[1].vcpu;
		r[1].peer = r[0].vcpu;
	}
	run_all(r, 2);

	sync_global_from_guest(vm, ipi_counts);
	for (i = 0; i < 2; i++) {
		struct axvcpu_stats st;

		TEST_ASSERT_EQ(ipi_counts[i], ROUNDS);
		TEST_ASSERT_EQ(r[i].send_ipi_exits, in_kernel ? 0 : ROUNDS);
		vcpu_stats_get(r[i].vcpu, &st);
		TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_SEND_IPI], in_kernel ? 0 : ROUNDS);
		TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_HALT], 0);
	}
	vm_free(vm);
}

static void ping_pong_forwarded(void)
{
	ping_pong(false);
}

static void ping_pong_in_kernel(void)
{
	ping_pong(true);
}

/* ---- in-kernel destinations ------------------------------------------- */

/* Wait (spinning, the sender's own IPIs arrive at its next entry) for counts. */
static void guest_expect_counts(uint64_t c0, uint64_t c1, uint64_t c2)
{
	while (ipi_counts[0] != c0 || ipi_counts[1] != c1 || ipi_counts[2] != c2) {
		GUEST_ASSERT(ipi_counts[0] <= c0 && ipi_counts[1] <= c1 && ipi_counts[2] <= c2);
		asm volatile("pause");
	}
}

static void guest_sender(void)
{
	asm volatile("sti");
	guest_send(ICR_SH_SELF | ICR_DEST(2));		/* the destination does not count */
	guest_expect_counts(1, 0, 0);
	guest_send(ICR_SH_ALL);
	guest_expect_counts(2, 1, 1);
	guest_send(ICR_SH_OTHERS);
	guest_expect_counts(2, 2, 2);
	guest_send(ICR_DEST(2));
	guest_expect_counts(2, 2, 3);
	guest_send(ICR_DEST(7));			/* no such VCPU: dropped */
	guest_send(ICR_DEST(0x10002) | ICR_LOGICAL);	/* cluster 1: nobody */
	guest_send(ICR_DEST(0x00006) | ICR_LOGICAL);	/* cluster 0, ids 1 and 2 */
	guest_expect_counts(2, 3, 4);
	guest_send(ICR_DEST(0xffffffff));		/* broadcast */
	guest_expect_counts(3, 4, 5);
	receivers_stop = 1;
	guest_send(ICR_SH_OTHERS);
}

static void guest_receiver(void)
{
	asm volatile("cli");
	while (!receivers_stop)
		asm volatile("sti; hlt; cli" ::: "memory");
	asm volatile("sti");
}

static void in_kernel_destinations(void)
{
	struct guest_vm *vm = vm_create_flags(AXVCPU_VM_IPI_IN_KERNEL);
	struct runner r[3];
	unsigned int i;

	vm_install_exception_handler(vm, IPI_VECTOR, guest_ipi_handler);
	r[0] = (struct runner){ .vcpu = vcpu_add_ipi(vm, 0, guest_sender) };
	r[1] = (struct runner){ .vcpu = vcpu_add_ipi(vm, 1, guest_receiver) };
	r[2] = (struct runner){ .vcpu = vcpu_add_ipi(vm, 2, guest_receiver) };
	run_all(r, 3);

	sync_global_from_guest(vm, ipi_counts);
	TEST_ASSERT_EQ(ipi_counts[0], 3);
	TEST_ASSERT_EQ(ipi_counts[1], 5);
	TEST_ASSERT_EQ(ipi_counts[2], 6);
	for (i = 0; i < 3; i++) {
		struct axvcpu_stats st;

		vcpu_stats_get(r[i].vcpu, &st);
		TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_SEND_IPI], 0);
	}
	vm_free(vm);
}

static const struct test_case cases[] = {
	{ .name = "ping_pong_forwarded", .fn = ping_pong_forwarded, .timeout = 50 },
	{ .name = "ping_pong_in_kernel", .fn = ping_pong_in_kernel, .timeout = 50 },
	TEST_CASE(in_kernel_destinations),
};

int main(void)
{
	return test_run_all(cases);
}
