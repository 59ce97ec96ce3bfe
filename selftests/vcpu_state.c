// SPDX-License-Identifier: MIT
/*
 * vcpu_state: the VCPU state machine (CREATED -> SETUP -> FREE -> BIND ->
 * READY -> RUN -> READY -> UNBIND -> FREE), every illegal transition
 * failing with -EBADFD and GET_STATE unchanged, RUN and UNBIND from a
 * thread that is not the binder failing with -EPERM, RUNNING seen from
 * another thread, and the mmap rules of a VCPU fd.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

static void guest_sync_loop(void)
{
	uint64_t i;

	for (i = 0;; i++)
		GUEST_SYNC(i);
}

/* @call must fail with -EBADFD and leave the state at @state. */
#define EXPECT_BADFD(vcpu, call, state) do {				\
	TEST_ASSERT_ERRNO(call, -EBADFD);				\
	TEST_ASSERT_EQ(vcpu_state(vcpu), (state));			\
} while (0)

static int do_setup(struct guest_vcpu *vcpu)
{
	struct axvcpu_setup setup = {
		.entry = (uint64_t)(uintptr_t)guest_entry_custom,
		.mode = AXVCPU_MODE_CUSTOM,
		.stack = vcpu->stack_top,
	};

	return axvcpu_vcpu_setup(&vcpu->h, &setup);
}

static void full_cycle(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_create(vm, 0);
	struct axvcpu_setup bad = { .mode = AXVCPU_MODE_REAL, .flags = 1 };
	struct axvcpu_vcpu_handle *h = &vcpu->h;

	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_CREATED);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_run(h), AXVCPU_STATE_CREATED);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_bind(h), AXVCPU_STATE_CREATED);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_unbind(h), AXVCPU_STATE_CREATED);
	/* A refused SETUP leaves it CREATED too. */
	TEST_ASSERT_ERRNO(axvcpu_vcpu_setup(h, &bad), -EINVAL);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_CREATED);
	bad.flags = 0;
	bad.page_table_gpa = 0x1000;	/* only for LONG */
	TEST_ASSERT_ERRNO(axvcpu_vcpu_setup(h, &bad), -EINVAL);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_CREATED);
	vcpu_close(vcpu);

	/* The framework's 64-bit VCPU: SETUP done, so FREE. */
	vcpu = vm_vcpu_add(vm, 0, guest_sync_loop);
	h = &vcpu->h;
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);
	EXPECT_BADFD(vcpu, do_setup(vcpu), AXVCPU_STATE_FREE);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_run(h), AXVCPU_STATE_FREE);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_unbind(h), AXVCPU_STATE_FREE);

	TEST_ASSERT_OK(axvcpu_vcpu_bind(h));
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_bind(h), AXVCPU_STATE_READY);
	EXPECT_BADFD(vcpu, do_setup(vcpu), AXVCPU_STATE_READY);

	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	vcpu_expect_sync(vcpu, 1);

	TEST_ASSERT_OK(axvcpu_vcpu_unbind(h));
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_run(h), AXVCPU_STATE_FREE);
	EXPECT_BADFD(vcpu, axvcpu_vcpu_unbind(h), AXVCPU_STATE_FREE);

	/* Bound again, it goes on where it stopped. */
	vcpu_bind(vcpu);
	vcpu_expect_sync(vcpu, 2);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);

	/* Register ioctls work in every state but INVALID. */
	{
		struct axvcpu_regs regs;

		vcpu_regs_get(vcpu, &regs);
		vcpu_regs_set(vcpu, &regs);
	}
	vm_free(vm);
}

/* ---- threads ------------------------------------------------------------ */

struct thread_call {
	struct guest_vcpu *vcpu;
	int (*fn)(struct axvcpu_vcpu_handle *h);
	int ret;
};

static void *thread_call_fn(void *arg)
{
	struct thread_call *c = arg;

	c->ret = c->fn(&c->vcpu->h);
	return NULL;
}

/* Call @fn on @vcpu from a new thread; its result. */
static int call_in_thread(struct guest_vcpu *vcpu, int (*fn)(struct axvcpu_vcpu_handle *))
{
	struct thread_call c = { .vcpu = vcpu, .fn = fn };
	pthread_t t;

	TEST_ASSERT_EQ(pthread_create(&t, NULL, thread_call_fn, &c), 0);
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);
	return c.ret;
}

static void run_from_other_thread(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_sync_loop);

	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT_ERRNO(call_in_thread(vcpu, axvcpu_vcpu_run), -EPERM);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	/* Only the live binder may unbind. */
	TEST_ASSERT_ERRNO(call_in_thread(vcpu, axvcpu_vcpu_unbind), -EPERM);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	/* The binder still runs it, from where it was. */
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

/* BIND in one thread, then that thread exits: another may unbind and rebind. */
static void rebind_after_binder_exit(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sync_loop);
	int ret, ms;

	TEST_ASSERT_EQ(call_in_thread(vcpu, axvcpu_vcpu_bind), 0);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_run(&vcpu->h), -EPERM);
	/*
	 * pthread_join() has returned: the binder has exited, so UNBIND
	 * must work now. Should it not, find out whether it works a little
	 * later (the kernel still seeing the exiting thread) or never.
	 */
	ret = axvcpu_vcpu_unbind(&vcpu->h);
	if (ret) {
		for (ms = 0; ms < 2000 && ret == -EPERM; ms++) {
			usleep(1000);
			ret = axvcpu_vcpu_unbind(&vcpu->h);
		}
		test_fail_at(__FILE__, __LINE__,
			     "UNBIND after the binder was joined: -EPERM; %s after %d ms more",
			     ret ? test_errno_name(ret) : "success", ms);
	}
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);
	vcpu_bind(vcpu);
	vcpu_expect_sync(vcpu, 0);
	vm_free(vm);
}

static void guest_spin(void)
{
	for (;;)
		;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

struct runner {
	struct guest_vcpu *vcpu;
	volatile int started;
	int ret;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	vcpu_bind(r->vcpu);
	r->started = 1;
	r->ret = vcpu_run(r->vcpu);
	return NULL;
}

/* GET_STATE answers RUNNING while another thread is inside RUN. */
static void running_seen_from_other_thread(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct runner r = { .vcpu = vm_vcpu_add(vm, 0, guest_spin) };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	int i, state = -1;
	pthread_t t;

	TEST_ASSERT_SYSCALL(sigaction(SIGUSR1, &sa, NULL));
	TEST_ASSERT_EQ(pthread_create(&t, NULL, runner_fn, &r), 0);
	for (i = 0; i < 2000; i++) {
		state = axvcpu_vcpu_state(&r.vcpu->h);
		if (r.started && state == AXVCPU_STATE_RUNNING)
			break;
		usleep(5000);
	}
	TEST_ASSERT_EQ(state, AXVCPU_STATE_RUNNING);
	/* A second thread may not enter RUN while the owner is in it. */
	TEST_ASSERT_ERRNO(call_in_thread(r.vcpu, axvcpu_vcpu_run), -EPERM);
	/* A signal to the runner ends its RUN with -EINTR. */
	TEST_ASSERT_EQ(pthread_kill(t, SIGUSR1), 0);
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);
	TEST_ASSERT_ERRNO(r.ret, -EINTR);
	TEST_ASSERT_EQ(r.vcpu->run->exit_reason, AXVCPU_EXIT_INTR);
	TEST_ASSERT_EQ(vcpu_state(r.vcpu), AXVCPU_STATE_READY);
	vm_free(vm);
}

/* ---- mmap --------------------------------------------------------------- */

static void mmap_rules(void)
{
	struct guest_vm *vm = vm_create_bare(0x100000);
	struct guest_vcpu *vcpu = vm_vcpu_create(vm, 0);
	long page = test_page_size();
	int fd = vcpu->h.fd;
	struct axvcpu_run *run0;
	uint8_t *data1, *both;

	run0 = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TEST_ASSERT(run0 != MAP_FAILED, "page 0: %s", strerror(errno));
	data1 = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	TEST_ASSERT(data1 != MAP_FAILED, "page 1: %s", strerror(errno));
	both = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TEST_ASSERT(both != MAP_FAILED, "pages 0-1: %s", strerror(errno));

	/* Every mapping shows the same two pages, and they are distinct. */
	run0->immediate_exit = 0x5a;
	TEST_ASSERT_EQ(vcpu->run->immediate_exit, 0x5a);
	TEST_ASSERT_EQ(((struct axvcpu_run *)both)->immediate_exit, 0x5a);
	data1[0] = 0xa5;
	TEST_ASSERT_EQ(both[page], 0xa5);
	TEST_ASSERT_EQ(((uint8_t *)vcpu->h.data)[0], 0xa5);
	TEST_ASSERT_NE(((uint8_t *)run0)[0], 0xa5);
	run0->immediate_exit = 0;

	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 2 * page), EINVAL);
	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 100 * page), EINVAL);
	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, 3 * page, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, page), EINVAL);

	munmap(run0, page);
	munmap(data1, page);
	munmap(both, 2 * page);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(full_cycle),
	TEST_CASE(run_from_other_thread),
	TEST_CASE(rebind_after_binder_exit),
	TEST_CASE(running_seen_from_other_thread),
	TEST_CASE(mmap_rules),
};

int main(void)
{
	return test_run_all(cases);
}
