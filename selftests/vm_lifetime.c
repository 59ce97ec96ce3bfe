// SPDX-License-Identifier: MIT
/*
 * vm_lifetime: a VM whose fd is closed first keeps running through its
 * VCPU fds; a process killed with SIGKILL in the middle of RUN leaves
 * nothing behind (EFER.SVME goes clear on every CPU, which happens only
 * when the last VM is freed, and the module unloads and loads again);
 * GET_STATS counts exactly what the guest did.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define DEFAULT_KO	"/axvcpu.ko"

static void guest_sync_three(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
	GUEST_SYNC(3);
}

static void vm_fd_closed_first(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *a = vm_vcpu_add(vm, 0, guest_sync_three);
	struct guest_vcpu *b = vm_vcpu_add(vm, 1, guest_sync_three);

	vcpu_bind(a);
	vcpu_bind(b);
	vcpu_expect_sync(a, 1);
	vm_close_fd(vm);
	/* Both VCPUs and the guest memory are still there. */
	vcpu_expect_sync(a, 2);
	vcpu_expect_sync(b, 1);
	vcpu_expect_sync(b, 2);
	vcpu_close(b);
	vcpu_expect_sync(a, 3);
	vcpu_expect_done(a);
	vm_free(vm);
}

/* EFER.SVME on every online CPU: set while any VM exists. */
static void expect_svme(bool set)
{
	if (!check_svme_everywhere(set))
		test_skip("cannot read EFER through the msr driver");
}

static void guest_touch_and_spin(void)
{
	volatile uint8_t *p = (volatile uint8_t *)0x40000000ULL;
	uint64_t i;

	for (i = 0; i < 64; i++)
		p[i * 4096] = 1;
	GUEST_SYNC(0);
	for (;;)
		;
}

/* The child: a VM with pinned memory, then RUN until killed. */
static void child_run_forever(int ready_fd)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_touch_and_spin);
	char c = 'r';

	vm_add_memory(vm, 1, 0, 0x40000000ULL, 1ULL << 20);
	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT_EQ(write(ready_fd, &c, 1), 1);
	vcpu_run(vcpu);
	_exit(KSFT_FAIL);	/* RUN may not end on its own */
}

static void killed_in_run_leaks_nothing(void)
{
	const char *ko = getenv("AXVCPU_KO");
	int fds[2], status, ret;
	char c;
	pid_t pid;

	expect_svme(false);
	TEST_ASSERT_SYSCALL(pipe(fds));
	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		close(fds[0]);
		child_run_forever(fds[1]);
	}
	close(fds[1]);
	TEST_ASSERT_EQ(read(fds[0], &c, 1), 1);
	expect_svme(true);
	/* Let it get back into RUN, then kill it there. */
	usleep(200 * 1000);
	TEST_ASSERT_SYSCALL(kill(pid, SIGKILL));
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status 0x%x", status);

	/* Its VM is gone: the last VM's release turns SVM off. */
	expect_svme(false);

	/* Nothing holds the module: it unloads, and loads again. */
	if (!ko || !*ko)
		ko = DEFAULT_KO;
	TEST_ASSERT(access(ko, R_OK) == 0, "%s: %s", ko, strerror(errno));
	ret = delete_module_nonblock(AXVCPU_MODULE_NAME);
	TEST_ASSERT(ret == 0, "delete_module: %s", test_errno_name(ret));
	ret = load_module_file(ko, "");
	TEST_ASSERT(ret == 0, "finit_module(%s): %s", ko, test_errno_name(ret));
	TEST_ASSERT_OK(wait_for_path(AXVCPU_DEV_PATH, 2000));

	/* And works. */
	{
		struct guest_vcpu *vcpu;
		struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_three);

		vcpu_expect_sync(vcpu, 1);
		vm_free(vm);
	}
}

/* ---- statistics ---------------------------------------------------------- */

#define STATS_MSR	0x40000100

static void guest_stats_work(void)
{
	uint32_t a, b, c, d;
	int i;

	GUEST_SYNC(0);
	for (i = 0; i < 4; i++)
		guest_cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC(1);
	for (i = 0; i < 3; i++)
		guest_vmmcall(7, i, 0, 0, 0, 0, 0);
	guest_rdmsr(STATS_MSR);
	guest_rdmsr(STATS_MSR);
	guest_wrmsr(STATS_MSR, 5);
	guest_halt();
}

/* Every hardware exit is counted once, under its reason (INTR aside). */
static void expect_hw_exits_consistent(const struct axvcpu_stats *s)
{
	uint64_t sum = 0;
	int r;

	for (r = 0; r < AXVCPU_EXIT_NR; r++)
		if (r != AXVCPU_EXIT_INTR)
			sum += s->exits[r];
	TEST_ASSERT_EQ(s->hw_exits, sum);
	for (r = AXVCPU_EXIT_NR; r < 32; r++)
		TEST_ASSERT_EQ(s->exits[r], 0);
}

static void stats_match_guest(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_stats_work);
	struct guest_vcpu *idle = vm_vcpu_add(vm, 1, guest_stats_work);
	struct axvcpu_stats s, s1;
	uint64_t runs = 0;
	int i;

	vcpu_stats_get(vcpu, &s);
	TEST_ASSERT_EQ(s.runs, 0);
	TEST_ASSERT_EQ(s.hw_exits, 0);
	TEST_ASSERT_EQ(s.run_ns, 0);

	vcpu_expect_sync(vcpu, 0);
	runs++;
	vcpu_stats_get(vcpu, &s1);
	vcpu_expect_sync(vcpu, 1);
	runs++;
	vcpu_stats_get(vcpu, &s);
	/* The four CPUIDs were answered in the kernel between the syncs. */
	TEST_ASSERT_GE(s.exits[AXVCPU_EXIT_NOTHING] - s1.exits[AXVCPU_EXIT_NOTHING], 4);

	for (i = 0; i < 3; i++) {
		vcpu_run_exit(vcpu, AXVCPU_EXIT_HYPERCALL);
		runs++;
	}
	for (i = 0; i < 2; i++) {
		vcpu_run_exit(vcpu, AXVCPU_EXIT_SYSREG_READ);
		runs++;
	}
	vcpu_run_exit(vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	runs++;
	vcpu->run->immediate_exit = 1;
	TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EINTR);
	vcpu->run->immediate_exit = 0;
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HALT);
	runs++;
	vcpu_expect_done(vcpu);
	runs++;

	vcpu_stats_get(vcpu, &s);
	TEST_ASSERT_EQ(s.runs, runs);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_IO_WRITE], 3);	/* two syncs, done */
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_HYPERCALL], 3);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_SYSREG_READ], 2);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_SYSREG_WRITE], 1);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_HALT], 1);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_INTR], 1);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_IO_READ], 0);
	TEST_ASSERT_EQ(s.exits[AXVCPU_EXIT_NESTED_PAGE_FAULT], 0);
	TEST_ASSERT_GE(s.exits[AXVCPU_EXIT_NOTHING], 4);
	TEST_ASSERT_GT(s.run_ns, 0);
	expect_hw_exits_consistent(&s);

	/* The other VCPU of the VM has its own, untouched counters. */
	vcpu_stats_get(idle, &s);
	TEST_ASSERT_EQ(s.runs, 0);
	TEST_ASSERT_EQ(s.hw_exits, 0);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(vm_fd_closed_first),
	TEST_CASE(stats_match_guest),
	TEST_CASE(killed_in_run_leaks_nothing),
};

int main(void)
{
	return test_run_all(cases);
}
