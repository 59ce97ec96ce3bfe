// SPDX-License-Identifier: MIT
/*
 * vcpu_state: the VCPU state machine (CREATED -> SETUP -> FREE -> BIND ->
 * READY -> RUN -> READY -> UNBIND -> FREE), every illegal transition
 * failing with -EBADFD and GET_STATE unchanged, RUN and UNBIND from a
 * thread that is not the binder failing with -EPERM, RUNNING seen from
 * another thread, the mmap rules of a VCPU fd (shared only, the VM's own
 * process only), and the power-on state SYSTEM_DOWN leaves the VCPU in.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
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
	struct axvcpu_setup bad = { .mode = AXVCPU_MODE_REAL, .flags = 0x80000000U };
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

/*
 * A private mapping would never reach the kernel (the first write makes a
 * private copy): -EINVAL. Another process (here a forked child, whose
 * ioctls on the VCPU give -EIO) may not map it either: -EIO.
 */
static void mmap_private_or_foreign_refused(void)
{
	struct guest_vm *vm = vm_create_bare(0x100000);
	struct guest_vcpu *vcpu = vm_vcpu_create(vm, 0);
	long page = test_page_size();
	int fd = vcpu->h.fd, status;
	void *p;
	pid_t pid;

	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0),
				  EINVAL);
	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	TEST_ASSERT_SYSCALL_FAILS(mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);

	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		_exit(p == MAP_FAILED ? errno : 0);
	}
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	TEST_ASSERT(WIFEXITED(status), "child status 0x%x", status);
	TEST_ASSERT(WEXITSTATUS(status) == EIO,
		    "mmap of a VCPU fd in another process: %s, expected EIO",
		    WEXITSTATUS(status) ? test_errno_name(WEXITSTATUS(status)) : "mapped");

	/* The owner still maps it. */
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TEST_ASSERT(p != MAP_FAILED, "owner mmap: %s", strerror(errno));
	munmap(p, 2 * page);
	vm_free(vm);
}

/* ---- SYSTEM_DOWN --------------------------------------------------------- */

static const struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) null_idt;

/* #UD with an empty IDT: #GP, #DF, then shutdown (a triple fault). */
static void guest_triple_fault(void)
{
	GUEST_SYNC(0);
	asm volatile("lidt %0; ud2" : : "m"(null_idt));
}

static void expect_reset_segment(const struct axvcpu_segment *s, const char *name,
				 uint16_t selector, uint64_t base)
{
	TEST_ASSERT(s->selector == selector && s->base == base && s->limit == 0xffff &&
		    s->present == 1 && !s->l && !s->db && !s->g,
		    "%s: selector %#x base %#llx limit %#x p %u l %u db %u g %u", name,
		    s->selector, (unsigned long long)s->base, s->limit, s->present, s->l,
		    s->db, s->g);
}

/*
 * After a triple fault the VCPU is in its power-on state (api.rst): real
 * mode at F000:FFF0 with CS base FFFF0000, CR0 0x60000010, RFLAGS 2, GPRs
 * zero but RDX (the CPUID signature), and it stays READY: the next RUN
 * fetches from the reset vector, 0xFFFFFFF0, where this VM has no memory.
 */
static void power_on_state_after_system_down(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_triple_fault);
	struct axvcpu_sregs sregs;
	struct axvcpu_regs regs;
	uint32_t a, b, c, d;

	vcpu_expect_sync(vcpu, 0);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_SYSTEM_DOWN);
	TEST_ASSERT_EQ(vcpu->run->system_down.type, AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);

	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, 0xfff0);
	TEST_ASSERT_EQ(regs.rflags, 2);
	guest_cpuid(1, 0, &a, &b, &c, &d);
	TEST_ASSERT_EQ(regs.rdx, a);
	TEST_ASSERT(!regs.rax && !regs.rcx && !regs.rbx && !regs.rsp && !regs.rbp &&
		    !regs.rsi && !regs.rdi && !regs.r8 && !regs.r9 && !regs.r10 &&
		    !regs.r11 && !regs.r12 && !regs.r13 && !regs.r14 && !regs.r15,
		    "GPRs other than RDX not zero after reset");

	vcpu_sregs_get(vcpu, &sregs);
	expect_reset_segment(&sregs.cs, "CS", 0xf000, 0xffff0000);
	expect_reset_segment(&sregs.ds, "DS", 0, 0);
	expect_reset_segment(&sregs.es, "ES", 0, 0);
	expect_reset_segment(&sregs.fs, "FS", 0, 0);
	expect_reset_segment(&sregs.gs, "GS", 0, 0);
	expect_reset_segment(&sregs.ss, "SS", 0, 0);
	TEST_ASSERT_EQ(sregs.cr0, 0x60000010);
	TEST_ASSERT_EQ(sregs.cr2, 0);
	TEST_ASSERT_EQ(sregs.cr3, 0);
	TEST_ASSERT_EQ(sregs.cr4, 0);
	TEST_ASSERT_EQ(sregs.efer, 0);
	TEST_ASSERT_EQ(sregs.gdt.base, 0);
	TEST_ASSERT_EQ(sregs.gdt.limit, 0xffff);
	TEST_ASSERT_EQ(sregs.idt.base, 0);
	TEST_ASSERT_EQ(sregs.idt.limit, 0xffff);

	vcpu_run_exit(vcpu, AXVCPU_EXIT_NESTED_PAGE_FAULT);
	TEST_ASSERT_EQ(vcpu->run->npf.gpa, 0xfffffff0ULL);
	TEST_ASSERT(vcpu->run->npf.access & AXVCPU_ACCESS_EXEC, "access 0x%x",
		    vcpu->run->npf.access);
	TEST_ASSERT_EQ(vcpu->run->rip, 0xfff0);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(full_cycle),
	TEST_CASE(run_from_other_thread),
	TEST_CASE(rebind_after_binder_exit),
	TEST_CASE(running_seen_from_other_thread),
	TEST_CASE(mmap_rules),
	TEST_CASE(mmap_private_or_foreign_refused),
	TEST_CASE(power_on_state_after_system_down),
};

int main(void)
{
	return test_run_all(cases);
}
