// SPDX-License-Identifier: MIT
/*
 * vcpu_signals: a signal arriving while the guest runs a long loop ends
 * RUN with -EINTR and exit INTR, the VCPU stays READY and goes on from
 * where it was at the next RUN; immediate_exit makes RUN return -EINTR
 * without entering the guest (its counter does not move, no hardware
 * exit is counted).
 *
 * The signal comes from a POSIX timer (SIGUSR1, handler without
 * SA_RESTART): SIGALRM is the case timeout of the test library.
 */
#include <signal.h>
#include <time.h>

#include "guest.h"

static volatile uint64_t guest_counter;
static volatile sig_atomic_t signals_seen;

static void guest_count_forever(void)
{
	for (;;)
		guest_counter++;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	signals_seen++;
}

static uint64_t counter_in_guest(struct guest_vm *vm)
{
	return *(volatile uint64_t *)addr_gpa2hva(vm, (uint64_t)(uintptr_t)&guest_counter);
}

/* A one-shot timer sending SIGUSR1 after @ms milliseconds. */
static void arm_timer(timer_t t, long ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
	};

	TEST_ASSERT_SYSCALL(timer_settime(t, 0, &its, NULL));
}

static timer_t make_timer(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	timer_t t;

	TEST_ASSERT_SYSCALL(sigaction(SIGUSR1, &sa, NULL));
	TEST_ASSERT_SYSCALL(timer_create(CLOCK_MONOTONIC, &sev, &t));
	return t;
}

static void signal_interrupts_guest(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_count_forever);
	timer_t t = make_timer();
	uint64_t before, after;
	int i;

	for (i = 0; i < 3; i++) {
		before = counter_in_guest(vm);
		arm_timer(t, 200);
		TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EINTR);
		TEST_ASSERT_EQ(vcpu->run->exit_reason, AXVCPU_EXIT_INTR);
		TEST_ASSERT_EQ(signals_seen, i + 1);
		TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
		after = counter_in_guest(vm);
		/* The guest ran its loop, and each RUN went on counting. */
		TEST_ASSERT_GT(after, before);
	}
	timer_delete(t);
	vm_free(vm);
}

static void immediate_exit_skips_guest(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_count_forever);
	struct axvcpu_stats s0, s1;
	struct axvcpu_regs r0, r1;
	timer_t t = make_timer();
	uint64_t count;
	int round;

	for (round = 0; round < 2; round++) {
		/* Round 0: before the guest ever ran; round 1: mid-loop. */
		count = counter_in_guest(vm);
		if (round == 0)
			TEST_ASSERT_EQ(count, 0);
		vcpu_regs_get(vcpu, &r0);
		vcpu_stats_get(vcpu, &s0);
		vcpu->run->immediate_exit = 1;
		TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EINTR);
		TEST_ASSERT_EQ(vcpu->run->exit_reason, AXVCPU_EXIT_INTR);
		TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EINTR);
		vcpu->run->immediate_exit = 0;
		vcpu_regs_get(vcpu, &r1);
		vcpu_stats_get(vcpu, &s1);
		TEST_ASSERT_EQ(counter_in_guest(vm), count);
		TEST_ASSERT_EQ(r1.rip, r0.rip);
		TEST_ASSERT_EQ(r1.rax, r0.rax);
		TEST_ASSERT_EQ(s1.hw_exits, s0.hw_exits);
		TEST_ASSERT_EQ(s1.exits[AXVCPU_EXIT_INTR] - s0.exits[AXVCPU_EXIT_INTR], 2);
		TEST_ASSERT_EQ(s1.runs, s0.runs);
		TEST_ASSERT_EQ(signals_seen, round);

		/* Now let it count for a while. */
		arm_timer(t, 100);
		TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EINTR);
		TEST_ASSERT_GT(counter_in_guest(vm), count);
	}
	timer_delete(t);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(signal_interrupts_guest),
	TEST_CASE(immediate_exit_skips_guest),
};

int main(void)
{
	return test_run_all(cases);
}
