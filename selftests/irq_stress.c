// SPDX-License-Identifier: MIT
/*
 * irq_stress: 100 000 interrupts injected by one host thread at random
 * moments into four VCPUs, each running in its own thread, none lost and
 * none taken twice.
 *
 * The injector picks a VCPU and one of IRQ_VECTORS vectors at random,
 * waits a random while (sometimes none), and injects. An injection the
 * kernel accepts (0) must be taken exactly once; one it refuses with
 * -EEXIST (that vector still pending on that VCPU) is not counted. The
 * guests spin a random while with interrupts on, then sleep in HLT (the
 * in-kernel halt), so an injection finds a VCPU entering, in the guest,
 * inside a handler, blocked or on its way out. When all are injected the
 * host tells the guests how many each must see and kicks them; each takes
 * what is still pending and reports its counts per vector.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "guest.h"

#define NR_VCPUS	4
#define IRQ_TOTAL	100000
#define IRQ_VECTORS	8
#define IRQ_BASE	0x50

/* Counted by the guest's handler, per VCPU and vector. */
static volatile uint64_t taken[NR_VCPUS][IRQ_VECTORS];
/* Written by the host at the end: what each VCPU must reach. */
static volatile uint64_t expected[NR_VCPUS];
static volatile uint64_t host_done;

static void guest_irq_handler(struct guest_exc_frame *frame)
{
	taken[guest_vcpu_id()][frame->vector - IRQ_BASE]++;
}

static uint64_t guest_total(uint64_t id)
{
	uint64_t sum = 0;
	int v;

	for (v = 0; v < IRQ_VECTORS; v++)
		sum += taken[id][v];
	return sum;
}

static void guest_code(void)
{
	uint64_t id = guest_vcpu_id(), n = id + 1, i;

	for (;;) {
		n = n * 6364136223846793005ULL + 1442695040888963407ULL;
		asm volatile("sti");
		for (i = 0; i < ((n >> 35) & 1023); i++)
			asm volatile("pause");
		asm volatile("cli");
		if (host_done && guest_total(id) >= expected[id])
			break;
		/* STI's shadow covers HLT: an interrupt wakes it, none is missed. */
		asm volatile("sti; hlt" ::: "memory");
	}
	asm volatile("sti");
	GUEST_ASSERT_EQ(guest_total(id), expected[id]);
	GUEST_DONE();
}

struct runner {
	struct guest_vcpu *vcpu;
	pthread_t thread;
};

/* RUN to GUEST_DONE; the host's final kick ends a RUN with INTR. */
static void *runner_fn(void *arg)
{
	struct runner *r = arg;
	struct guest_vcpu *vcpu = r->vcpu;
	struct ucall uc;
	int ret;

	vcpu_bind(vcpu);
	for (;;) {
		ret = vcpu_run(vcpu);
		if (ret == -EINTR && vcpu->run->exit_reason == AXVCPU_EXIT_INTR)
			continue;
		TEST_ASSERT_OK(ret);
		break;
	}
	/* Anything but a ucall fails here, naming the exit. */
	if (get_ucall(vcpu, &uc) == UCALL_NONE)
		vcpu_assert_exit(vcpu, AXVCPU_EXIT_INTR);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_DONE);
	return NULL;
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void random_injections_four_vcpus(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	static uint64_t injected[NR_VCPUS][IRQ_VECTORS];
	struct timespec t0, t1;
	struct runner r[NR_VCPUS];
	uint64_t seed, refused = 0, n = 0, *done;
	volatile uint64_t sink = 0;
	uint64_t i, d;
	int c, v, ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	seed = (uint64_t)t0.tv_nsec ^ ((uint64_t)t0.tv_sec << 32);
	test_note("seed %llu", (unsigned long long)seed);
	for (v = 0; v < IRQ_VECTORS; v++)
		vm_install_exception_handler(vm, IRQ_BASE + v, guest_irq_handler);
	for (c = 0; c < NR_VCPUS; c++) {
		r[c] = (struct runner){ .vcpu = vm_vcpu_add(vm, c, guest_code) };
		TEST_ASSERT_OK(axvcpu_vcpu_set_options(&r[c].vcpu->h, AXVCPU_OPT_HALT_IN_KERNEL));
	}
	for (c = 0; c < NR_VCPUS; c++)
		TEST_ASSERT_EQ(pthread_create(&r[c].thread, NULL, runner_fn, &r[c]), 0);

	while (n < IRQ_TOTAL) {
		d = rnd(&seed);
		c = d % NR_VCPUS;
		v = (d >> 8) % IRQ_VECTORS;
		/* Back to back one time in four, else up to ~20 µs of spinning. */
		if (d & (3ULL << 16))
			for (i = 0; i < ((d >> 18) & 0x1fff); i++)
				sink += i;
		ret = axvcpu_vcpu_inject_interrupt(&r[c].vcpu->h, IRQ_BASE + v);
		if (ret == -EEXIST) {
			refused++;
			continue;
		}
		TEST_ASSERT_OK(ret);
		injected[c][v]++;
		n++;
	}

	/* Tell each guest its total, then kick it out of its HLT. */
	for (c = 0; c < NR_VCPUS; c++) {
		uint64_t sum = 0;

		for (v = 0; v < IRQ_VECTORS; v++)
			sum += injected[c][v];
		*(volatile uint64_t *)addr_gpa2hva(vm, (uint64_t)(uintptr_t)&expected[c]) = sum;
	}
	done = addr_gpa2hva(vm, (uint64_t)(uintptr_t)&host_done);
	__atomic_store_n(done, 1, __ATOMIC_SEQ_CST);
	for (c = 0; c < NR_VCPUS; c++)
		TEST_ASSERT_OK(axvcpu_vcpu_kick(&r[c].vcpu->h));
	for (c = 0; c < NR_VCPUS; c++)
		TEST_ASSERT_EQ(pthread_join(r[c].thread, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	sync_global_from_guest(vm, taken);
	for (c = 0; c < NR_VCPUS; c++)
		for (v = 0; v < IRQ_VECTORS; v++)
			TEST_ASSERT(taken[c][v] == injected[c][v],
				    "VCPU %d vector %#x: injected %llu, taken %llu", c,
				    IRQ_BASE + v, (unsigned long long)injected[c][v],
				    (unsigned long long)taken[c][v]);
	test_note("%llu injected (%llu refused as pending) in %.1f s",
		  (unsigned long long)n, (unsigned long long)refused,
		  (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	vm_free(vm);
}

static const struct test_case cases[] = {
	{ .name = "random_injections_four_vcpus", .fn = random_injections_four_vcpus,
	  .timeout = 300 },
};

int main(void)
{
	return test_run_all(cases);
}
