// SPDX-License-Identifier: MIT
/*
 * vcpu_wakeups: what ends a RUN from outside, with the in-kernel halt
 * (AXVCPU_OPT_HALT_IN_KERNEL) on.
 *
 *  - a HLT with interrupts disabled sleeps in BLOCKED until an NMI; one
 *    that nothing can end (IF clear, inside an NMI handler) returns HALT;
 *  - a signal ends a BLOCKED VCPU's RUN with -EINTR and exit INTR, and
 *    the next RUN blocks again;
 *  - KICK racing with entry: 10 000 kicks, each sent at a random moment
 *    of the RUN it targets (entering, in the guest, blocked in HLT), each
 *    ends exactly one RUN and none is lost;
 *  - host interrupts reach user space as EXTERNAL_INTERRUPT only with
 *    AXVCPU_OPT_EXTERNAL_INTR_EXITS.
 *
 * A wakeup must come within WAKE_BOUND_NS; that bound only tells a wakeup
 * from a lost one under an emulator, it measures nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "guest.h"

#define WAKE_BOUND_NS	(5ULL * 1000000000ULL)
#define KICK_ROUNDS	10000

static volatile uint64_t nmi_count;
static volatile uint64_t spin_count;
static volatile uint64_t guest_stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void vcpu_halt_in_kernel(struct guest_vcpu *vcpu, uint32_t flags)
{
	TEST_ASSERT_OK(axvcpu_vcpu_set_options(&vcpu->h, AXVCPU_OPT_HALT_IN_KERNEL | flags));
}

/* Wait until @vcpu sleeps in its HLT, at most WAKE_BOUND_NS. */
static void wait_blocked(struct guest_vcpu *vcpu)
{
	uint64_t t0 = now_ns();

	while (axvcpu_vcpu_state(&vcpu->h) != AXVCPU_STATE_BLOCKED) {
		TEST_ASSERT(now_ns() - t0 < WAKE_BOUND_NS, "VCPU %u never blocked", vcpu->id);
		sched_yield();
	}
}

/* A RUN in its own thread, so that this one can wake it. */
struct runner {
	struct guest_vcpu *vcpu;
	pthread_t thread;
	int ret;
	uint32_t exit_reason;
	volatile int done;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	vcpu_bind(r->vcpu);
	r->ret = vcpu_run(r->vcpu);
	r->exit_reason = r->vcpu->run->exit_reason;
	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&r->vcpu->h));
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void runner_start(struct runner *r, struct guest_vcpu *vcpu)
{
	*r = (struct runner){ .vcpu = vcpu };
	TEST_ASSERT_EQ(pthread_create(&r->thread, NULL, runner_fn, r), 0);
}

/* Join @r, which must end within WAKE_BOUND_NS of @since. */
static void runner_join(struct runner *r, uint64_t since)
{
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		TEST_ASSERT(now_ns() - since < WAKE_BOUND_NS, "RUN did not end after the wakeup");
		sched_yield();
	}
	TEST_ASSERT_EQ(pthread_join(r->thread, NULL), 0);
}

/* ---- HLT with interrupts disabled ------------------------------------- */

static void guest_nmi_halts(struct guest_exc_frame *frame)
{
	(void)frame;
	nmi_count++;
	/* IF is clear here and NMIs are blocked: nothing could end this HLT. */
	if (nmi_count == 2)
		guest_halt();
}

static void guest_halt_if_clear(void)
{
	asm volatile("cli");
	guest_halt();			/* an NMI ends it */
	GUEST_SYNC(nmi_count);
	asm volatile("cli");
	guest_halt();			/* in the handler of the second NMI */
	GUEST_SYNC(nmi_count);
	GUEST_DONE();
}

/* RUN @vcpu (unbound) in @r until it blocks; an NMI must end that RUN. */
static void nmi_ends_blocked_run(struct runner *r, struct guest_vcpu *vcpu)
{
	uint64_t t0;

	runner_start(r, vcpu);
	wait_blocked(vcpu);
	t0 = now_ns();
	TEST_ASSERT_OK(axvcpu_vcpu_inject_nmi(&vcpu->h));
	runner_join(r, t0);
	TEST_ASSERT_OK(r->ret);
}

static void halt_if_clear_waits_for_nmi(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_halt_if_clear);
	struct runner r;
	struct ucall uc;

	vm_install_exception_handler(vm, GUEST_VEC_NMI, guest_nmi_halts);
	vcpu_halt_in_kernel(vcpu, 0);
	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));

	/* IF clear, NMIs open: the HLT blocks, the NMI wakes it. */
	nmi_ends_blocked_run(&r, vcpu);
	vcpu_bind(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 1);

	/* IF clear: blocks again; the second NMI's handler halts for good. */
	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));
	nmi_ends_blocked_run(&r, vcpu);
	TEST_ASSERT_EQ(r.exit_reason, AXVCPU_EXIT_HALT);

	/* The handler returns, the IRET ends its NMI, the guest goes on. */
	vcpu_bind(vcpu);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 2);
	TEST_ASSERT_EQ(vcpu_run_ucall(vcpu, NULL), UCALL_DONE);
	vm_free(vm);
}

/* ---- signals ---------------------------------------------------------- */

static volatile sig_atomic_t signals_seen;

static void on_sigusr1(int sig)
{
	(void)sig;
	signals_seen++;
}

static void guest_halt_forever(void)
{
	asm volatile("sti");
	for (;;)
		guest_halt();
}

static void blocked_wakes_on_signal(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_halt_forever);
	struct axvcpu_stats st;
	struct runner r;
	uint64_t t0;
	int round;

	TEST_ASSERT_SYSCALL(sigaction(SIGUSR1, &sa, NULL));
	vcpu_halt_in_kernel(vcpu, 0);
	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));
	for (round = 0; round < 3; round++) {
		runner_start(&r, vcpu);
		wait_blocked(vcpu);
		t0 = now_ns();
		TEST_ASSERT_EQ(pthread_kill(r.thread, SIGUSR1), 0);
		runner_join(&r, t0);
		TEST_ASSERT_ERRNO(r.ret, -EINTR);
		TEST_ASSERT_EQ(r.exit_reason, AXVCPU_EXIT_INTR);
		TEST_ASSERT_EQ(signals_seen, round + 1);
		TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);
	}
	vcpu_stats_get(vcpu, &st);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_INTR], 3);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_HALT], 0);
	vm_free(vm);
}

/* ---- KICK racing with entry ------------------------------------------- */

/* Spin a while, then halt; every KICK ends the RUN wherever it is. */
static void guest_spin_and_halt(void)
{
	uint64_t i, n = 1;

	asm volatile("sti");
	for (;;) {
		n = n * 6364136223846793005ULL + 1442695040888963407ULL;
		for (i = 0; i < ((n >> 33) & 255); i++)
			spin_count++;
		guest_halt();
	}
}

struct kick_race {
	struct guest_vcpu *vcpu;
	volatile uint64_t runs_ended;
	uint64_t intr_exits;
	uint64_t other_exits;
};

static void *kick_race_runner(void *arg)
{
	struct kick_race *k = arg;
	int i, ret;

	vcpu_bind(k->vcpu);
	for (i = 0; i < KICK_ROUNDS; i++) {
		ret = vcpu_run(k->vcpu);
		if (ret == -EINTR && k->vcpu->run->exit_reason == AXVCPU_EXIT_INTR)
			k->intr_exits++;
		else
			k->other_exits++;
		__atomic_store_n(&k->runs_ended, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void kick_races_entry(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_spin_and_halt);
	struct kick_race k = { .vcpu = vcpu };
	uint64_t seed = now_ns(), delay, t0, i;
	volatile uint64_t sink = 0;
	struct axvcpu_stats st;
	pthread_t t;
	int round;

	test_note("kick race seed %llu", (unsigned long long)seed);
	vcpu_halt_in_kernel(vcpu, 0);
	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));
	TEST_ASSERT_EQ(pthread_create(&t, NULL, kick_race_runner, &k), 0);
	for (round = 0; round < KICK_ROUNDS; round++) {
		/*
		 * Round N's kick goes out a random while after RUN N-1
		 * ended: before RUN N starts, while it enters, while the
		 * guest spins, or while it sleeps in HLT.
		 */
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		delay = (seed >> 33) & 0x3fff;
		if (!(delay & 0x7))
			delay = 0;
		for (i = 0; i < delay; i++)
			sink += i;
		TEST_ASSERT_OK(axvcpu_vcpu_kick(&vcpu->h));
		t0 = now_ns();
		while (__atomic_load_n(&k.runs_ended, __ATOMIC_ACQUIRE) <= (uint64_t)round) {
			TEST_ASSERT(now_ns() - t0 < WAKE_BOUND_NS, "kick %d lost", round);
			sched_yield();
		}
	}
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);
	TEST_ASSERT_EQ(k.intr_exits, KICK_ROUNDS);
	TEST_ASSERT_EQ(k.other_exits, 0);
	vcpu_stats_get(vcpu, &st);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_INTR], KICK_ROUNDS);
	/* The guest did run between the kicks. */
	sync_global_from_guest(vm, spin_count);
	TEST_ASSERT_GT(spin_count, 0);
	test_note("%llu hardware exits, guest spun %llu", (unsigned long long)st.hw_exits,
		  (unsigned long long)spin_count);
	vm_free(vm);
}

/* ---- EXTERNAL_INTERRUPT ----------------------------------------------- */

static void guest_spin_until_stopped(void)
{
	while (!guest_stop)
		spin_count++;
	GUEST_DONE();
}

/* Set guest_stop in the guest's memory after @arg milliseconds. */
static void *stopper_fn(void *arg)
{
	struct guest_vm *vm = arg;
	struct timespec ts = { .tv_nsec = 300 * 1000000L };

	nanosleep(&ts, NULL);
	__atomic_store_n((uint64_t *)addr_gpa2hva(vm, (uint64_t)(uintptr_t)&guest_stop), 1,
			 __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Spin 300 ms of real time; return the EXTERNAL_INTERRUPT exits seen and
 * the last one's vector in @vector.
 */
static uint64_t spin_and_count_external(struct guest_vcpu *vcpu, struct guest_vm *vm,
					struct axvcpu_stats *st, uint32_t *vector)
{
	uint64_t external = 0;
	struct ucall uc;
	pthread_t t;

	TEST_ASSERT_EQ(pthread_create(&t, NULL, stopper_fn, vm), 0);
	for (;;) {
		TEST_ASSERT_OK(vcpu_run(vcpu));
		if (vcpu->run->exit_reason != AXVCPU_EXIT_EXTERNAL_INTERRUPT)
			break;
		external++;
		/* A host vector: never an exception's. */
		TEST_ASSERT_GE(vcpu->run->external_interrupt.vector, 32);
		TEST_ASSERT_LE(vcpu->run->external_interrupt.vector, 255);
		*vector = vcpu->run->external_interrupt.vector;
	}
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_DONE);
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);
	vcpu_stats_get(vcpu, st);
	return external;
}

static void external_interrupts_only_when_asked(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_spin_until_stopped);
	struct axvcpu_stats st;
	uint32_t vector = 0;
	uint64_t seen;

	/* Without the option the host's timer ticks stay in the kernel. */
	seen = spin_and_count_external(vcpu, vm, &st, &vector);
	TEST_ASSERT_EQ(seen, 0);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_EXTERNAL_INTERRUPT], 0);
	TEST_ASSERT_EQ(st.runs, 1);
	/* 300 ms always hold host interrupts (the tick at least). */
	TEST_ASSERT_GT(st.hw_exits, 1);
	test_note("without the option: one RUN, %llu hardware exits",
		  (unsigned long long)st.hw_exits);
	vm_free(vm);

	vm = vm_create_with_one_vcpu(&vcpu, guest_spin_until_stopped);
	TEST_ASSERT_OK(axvcpu_vcpu_set_options(&vcpu->h, AXVCPU_OPT_EXTERNAL_INTR_EXITS));
	seen = spin_and_count_external(vcpu, vm, &st, &vector);
	TEST_ASSERT_GT(seen, 0);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_EXTERNAL_INTERRUPT], seen);
	test_note("with the option: %llu EXTERNAL_INTERRUPT exits, last vector %#x",
		  (unsigned long long)seen, vector);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(halt_if_clear_waits_for_nmi),
	TEST_CASE(blocked_wakes_on_signal),
	{ .name = "kick_races_entry", .fn = kick_races_entry, .timeout = 120 },
	TEST_CASE(external_interrupts_only_when_asked),
};

int main(void)
{
	return test_run_all(cases);
}
