// SPDX-License-Identifier: MIT
/*
 * vcpu_run_loop: what the RUN loop must survive and must not ignore.
 *
 *  - The run page is user memory: a thread scribbling over all of it while
 *    the guest makes exits the kernel handles (nested page faults that pin
 *    memory, and sleep) never makes RUN return anything but 0 or -EINTR,
 *    never makes the VCPU INVALID, and never reaches a WARN (the boot's
 *    kernel log check).
 *  - A SIGKILL that arrives while a guest page is being pinned ends RUN
 *    with exit INTR, which a process still holding the mapping can read.
 *  - Work the kernel queues for the thread (here: the task work that
 *    delivers an expired CPU-time timer's signal) is done inside RUN, as
 *    KVM does, instead of waiting for the guest to make a user exit.
 *  - GET_STATS is one consistent snapshot even when the copy to user
 *    space stalls halfway (a userfaultfd page) while the VCPU runs on.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "guest.h"

/* Fresh guest RAM the guest streams over: every page a nested page fault. */
#define STREAM_GPA	0x40000000ULL
#define STREAM_SIZE	(32ULL << 20)
#define STREAM_PAGES	(STREAM_SIZE / GUEST_PAGE_SIZE)
#define STREAM_SYNC	512

static volatile uint64_t guest_progress;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT_SYSCALL(sched_setaffinity(0, sizeof(set), &set));
}

/* Touch every page of the stream region once, a sync now and then. */
static void guest_stream(void)
{
	volatile uint8_t *p = (volatile uint8_t *)STREAM_GPA;
	uint64_t i;

	for (i = 0; i < STREAM_PAGES; i++) {
		p[i * GUEST_PAGE_SIZE] = 1;
		guest_progress = i + 1;
		if (i % STREAM_SYNC == STREAM_SYNC - 1)
			GUEST_SYNC(i);
	}
}

/* ---- the run page scribbled over ---------------------------------------- */

struct scribbler {
	volatile uint64_t *page;
	volatile int stop;
	uint64_t passes;
};

static void *scribble_fn(void *arg)
{
	struct scribbler *s = arg;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	/* Same CPU as the runner: it runs whenever the runner sleeps in RUN. */
	pin_to_cpu(0);
	while (!s->stop) {
		for (i = 0; i < 4096 / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/*
			 * Mostly leave immediate_exit (byte 0) clear, or nearly
			 * every RUN would return -EINTR at once.
			 */
			s->page[i] = i || !(s->passes % 64) ? x : x & ~0xffULL;
		}
		s->passes++;
	}
	return NULL;
}

static void run_page_scribbled_during_exits(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	struct scribbler s = { 0 };
	volatile uint64_t *progress;
	void *stream;
	uint64_t start, runs = 0, eintr = 0;
	struct axvcpu_stats st;
	struct ucall uc;
	pthread_t t;
	int ret, i;

	pin_to_cpu(0);
	vm = vm_create_with_one_vcpu(&vcpu, guest_stream);
	stream = vm_add_memory(vm, 1, 0, STREAM_GPA, STREAM_SIZE);
	/*
	 * One nested page fault per page, each a chance for the scribbler:
	 * no transparent huge page, whose first touch would make the whole
	 * of it present and the kernel map its neighbours with it.
	 */
	TEST_ASSERT_EQ(madvise(stream, STREAM_SIZE, MADV_NOHUGEPAGE), 0);
	progress = addr_gpa2hva(vm, (uint64_t)(uintptr_t)&guest_progress);
	s.page = (volatile uint64_t *)vcpu->run;
	TEST_ASSERT_EQ(pthread_create(&t, NULL, scribble_fn, &s), 0);

	start = now_ms();
	while (*progress < STREAM_PAGES && now_ms() - start < 20000) {
		ret = vcpu_run(vcpu);
		runs++;
		/* 0, or -EINTR when immediate_exit happened to be non-zero. */
		if (ret == -EINTR)
			eintr++;
		else if (ret)
			test_fail_at(__FILE__, __LINE__,
				     "RUN %llu with the run page scribbled: %s, state %s",
				     (unsigned long long)runs, test_errno_name(ret),
				     axvcpu_state_name(axvcpu_vcpu_state(&vcpu->h)));
		TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	}
	s.stop = 1;
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);
	test_note("%llu RUNs (%llu -EINTR), %llu scribbles, %llu of %llu pages in %llu ms",
		  (unsigned long long)runs, (unsigned long long)eintr,
		  (unsigned long long)s.passes, (unsigned long long)*progress,
		  (unsigned long long)STREAM_PAGES, (unsigned long long)(now_ms() - start));
	TEST_ASSERT_EQ(*progress, STREAM_PAGES);
	TEST_ASSERT_GT(s.passes, 0);

	/* The scribbler is gone: the exits read right again, up to DONE. */
	memset((void *)vcpu->run, 0, 4096);
	for (i = 0; i < 4; i++) {
		TEST_ASSERT_OK(vcpu_run(vcpu));
		if (get_ucall(vcpu, &uc) == UCALL_DONE)
			break;
		ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	}
	TEST_ASSERT_EQ(uc.cmd, UCALL_DONE);
	vcpu_stats_get(vcpu, &st);
	TEST_ASSERT_GE(st.exits[AXVCPU_EXIT_NOTHING], STREAM_PAGES);
	vm_free(vm);
}

/* ---- SIGKILL while a page is pinned ---------------------------------------- */

#define UFFD_GPA	0x50000000ULL
#define UFFD_SIZE	0x10000ULL

static void guest_stream_quiet(void)
{
	volatile uint8_t *p = (volatile uint8_t *)STREAM_GPA;
	uint64_t i;

	for (;;)
		for (i = 0; i < STREAM_PAGES; i++)
			p[i * GUEST_PAGE_SIZE] = 1;
}

struct setup_call {
	struct guest_vcpu *vcpu;
	uint64_t page_table_gpa;
};

/* SETUP in LONG mode writes its page tables through the VMM's mapping. */
static void *setup_long_fn(void *arg)
{
	struct setup_call *c = arg;
	struct axvcpu_setup s = {
		.entry = 0x1000,
		.mode = AXVCPU_MODE_LONG,
		.page_table_gpa = c->page_table_gpa,
	};

	axvcpu_vcpu_setup(&c->vcpu->h, &s);
	return NULL;
}

/*
 * The watcher, a child of the victim: it inherited the mapping of the run
 * page and the userfaultfd. Once the victim's SETUP thread waits on the
 * userfaultfd page (with the VM's memory lock held) it lets the victim's
 * RUN start; the guest's first nested page fault then waits for that
 * lock. SIGKILL then: the SETUP gives up, the pin starts with a fatal
 * signal pending and fails with -EINTR. Report the exit reason RUN left.
 */
static void watcher(pid_t victim, int uffd, struct axvcpu_run *run, int go_fd, int dead_fd,
		    int report_fd)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	uint32_t reason = 0xdead;
	char c = 'g';

	if (poll(&pfd, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		reason = 0xbad;
	if (write(go_fd, &c, 1) != 1)
		reason = 0xbad;
	usleep(300 * 1000);
	kill(victim, SIGKILL);
	/* EOF once the victim has exited: RUN has returned by then. */
	while (read(dead_fd, &c, 1) > 0)
		;
	if (reason != 0xbad)
		reason = *(volatile uint32_t *)&run->exit_reason;
	if (write(report_fd, &reason, sizeof(reason)) != sizeof(reason))
		_exit(1);
	_exit(0);
}

static void victim(int report_fd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct guest_vcpu *vcpu;
	struct setup_call call;
	struct guest_vm *vm;
	int dead[2], go[2], uffd;
	pthread_t t;
	void *mem;
	pid_t pid;
	char c;

	vm = vm_create_with_one_vcpu(&vcpu, guest_stream_quiet);
	vm_add_memory(vm, 1, 0, STREAM_GPA, STREAM_SIZE);

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		test_skip("userfaultfd: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(ioctl(uffd, UFFDIO_API, &api));
	mem = mmap(NULL, UFFD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	reg.range.start = (uintptr_t)mem;
	reg.range.len = UFFD_SIZE;
	TEST_ASSERT_SYSCALL(ioctl(uffd, UFFDIO_REGISTER, &reg));
	TEST_ASSERT_OK(vm_set_memory(vm, 2, 0, UFFD_GPA, UFFD_SIZE, mem));
	call.vcpu = vm_vcpu_create(vm, 1);
	call.page_table_gpa = UFFD_GPA;

	TEST_ASSERT_SYSCALL(pipe(dead));
	TEST_ASSERT_SYSCALL(pipe(go));
	vcpu->run->exit_reason = 0xffff;
	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		close(dead[1]);
		close(go[0]);
		watcher(getppid(), uffd, vcpu->run, go[1], dead[0], report_fd);
	}
	close(dead[0]);
	close(go[1]);
	close(report_fd);
	TEST_ASSERT_EQ(pthread_create(&t, NULL, setup_long_fn, &call), 0);
	TEST_ASSERT_EQ(read(go[0], &c, 1), 1);
	/* Runs until killed: the guest makes no user exit. */
	vcpu_run(vcpu);
	_exit(KSFT_FAIL);
}

static void sigkill_while_pinning_reports_intr(void)
{
	uint32_t reason = 0xdead;
	int fds[2], status;
	pid_t pid;

	TEST_ASSERT_SYSCALL(pipe(fds));
	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		close(fds[0]);
		victim(fds[1]);
	}
	close(fds[1]);
	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
		test_skip("no userfaultfd in the victim");
	TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "victim status 0x%x", status);
	TEST_ASSERT(read(fds[0], &reason, sizeof(reason)) == sizeof(reason),
		    "no report from the watcher");
	close(fds[0]);
	TEST_ASSERT(reason != 0xbad, "the watcher saw no userfaultfd fault from SETUP");
	TEST_ASSERT(reason == AXVCPU_EXIT_INTR,
		    "RUN ended by SIGKILL while pinning left exit reason %s (%u), expected INTR",
		    axvcpu_exit_reason_name(reason), reason);
}

/* ---- CPU-time timers fire inside RUN ----------------------------------- */

static void guest_cpuid_forever(void)
{
	uint32_t a, b, c, d;

	for (;;)
		guest_cpuid(0, 0, &a, &b, &c, &d);
}

static volatile sig_atomic_t got_prof, got_usr1;

static void on_sigprof(int sig)
{
	(void)sig;
	got_prof = 1;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

struct watchdog {
	pthread_t target;
	unsigned int ms;
	volatile int cancel;
};

static void *watchdog_fn(void *arg)
{
	struct watchdog *w = arg;
	unsigned int i;

	for (i = 0; i < w->ms / 10 && !w->cancel; i++)
		usleep(10000);
	if (!w->cancel)
		pthread_kill(w->target, SIGUSR1);
	return NULL;
}

/*
 * An expired ITIMER_PROF is delivered through task work (TIF_NOTIFY_RESUME),
 * which only runs when the thread is about to return to user mode or, as
 * KVM does, before entering the guest. A guest that makes only in-kernel
 * exits must still get its VMM thread the SIGPROF.
 */
static void cpu_timer_fires_during_in_kernel_exits(void)
{
	struct sigaction sa = { 0 };
	struct itimerval it = { .it_value = { .tv_usec = 50000 } };
	struct watchdog w = { .target = pthread_self(), .ms = 10000 };
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_cpuid_forever);
	uint64_t start, elapsed;
	pthread_t t;
	int ret;

	sa.sa_handler = on_sigprof;
	TEST_ASSERT_SYSCALL(sigaction(SIGPROF, &sa, NULL));
	sa.sa_handler = on_sigusr1;
	TEST_ASSERT_SYSCALL(sigaction(SIGUSR1, &sa, NULL));
	TEST_ASSERT_EQ(pthread_create(&t, NULL, watchdog_fn, &w), 0);

	start = now_ms();
	TEST_ASSERT_SYSCALL(setitimer(ITIMER_PROF, &it, NULL));
	ret = vcpu_run(vcpu);
	elapsed = now_ms() - start;
	w.cancel = 1;
	TEST_ASSERT_EQ(pthread_join(t, NULL), 0);

	TEST_ASSERT_ERRNO(ret, -EINTR);
	TEST_ASSERT_EQ(vcpu->run->exit_reason, AXVCPU_EXIT_INTR);
	TEST_ASSERT(got_prof && !got_usr1,
		    "RUN ended after %llu ms by %s: the 50 ms ITIMER_PROF %s",
		    (unsigned long long)elapsed, got_usr1 ? "the 10 s watchdog" : "?",
		    got_prof ? "fired only on the way out" : "never fired");
	test_note("SIGPROF ended RUN after %llu ms", (unsigned long long)elapsed);
	vm_free(vm);
}

/* ---- GET_STATS: one snapshot ------------------------------------------- */

struct uffd_server {
	int uffd;
	void *page;
	unsigned int delay_ms;
	int faults;
};

/* Resolve the faults on @page after a delay, while the VCPU runs on. */
static void *uffd_server_fn(void *arg)
{
	struct uffd_server *u = arg;
	struct uffdio_zeropage zp = { .range = { .start = (uintptr_t)u->page, .len = 4096 } };
	struct pollfd pfd = { .fd = u->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 10000) != 1)
		return NULL;
	if (read(u->uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	u->faults++;
	usleep(u->delay_ms * 1000);
	ioctl(u->uffd, UFFDIO_ZEROPAGE, &zp);
	return NULL;
}

struct spinner {
	struct guest_vcpu *vcpu;
	volatile int ready;
	int ret;
};

static void *spinner_fn(void *arg)
{
	struct spinner *s = arg;

	vcpu_bind(s->vcpu);
	s->ready = 1;
	s->ret = vcpu_run(s->vcpu);
	return NULL;
}

static void stats_snapshot_consistent(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct spinner s = { .vcpu = vm_vcpu_add(vm, 0, guest_cpuid_forever) };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct uffd_server u = { .delay_ms = 500 };
	struct axvcpu_stats *st, before;
	uint64_t sum = 0;
	pthread_t ts, tu;
	uint8_t *buf;
	int r;

	TEST_ASSERT_SYSCALL(sigaction(SIGUSR1, &sa, NULL));
	u.uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (u.uffd < 0)
		test_skip("userfaultfd: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(ioctl(u.uffd, UFFDIO_API, &api));

	buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(buf != MAP_FAILED, "mmap: %s", strerror(errno));
	buf[0] = 0;
	u.page = buf + 4096;
	reg.range.start = (uintptr_t)u.page;
	reg.range.len = 4096;
	TEST_ASSERT_SYSCALL(ioctl(u.uffd, UFFDIO_REGISTER, &reg));
	/* exits[0..7] in the first page, the rest (hw_exits too) in the second. */
	st = (struct axvcpu_stats *)(buf + 4096 - 64);

	TEST_ASSERT_EQ(pthread_create(&ts, NULL, spinner_fn, &s), 0);
	while (!s.ready)
		usleep(1000);
	/* Let it make exits, then read the counters once more cleanly. */
	usleep(200000);
	vcpu_stats_get(s.vcpu, &before);

	TEST_ASSERT_EQ(pthread_create(&tu, NULL, uffd_server_fn, &u), 0);
	TEST_ASSERT_OK(axvcpu_vcpu_get_stats(&s.vcpu->h, st));
	TEST_ASSERT_EQ(pthread_join(tu, NULL), 0);
	TEST_ASSERT_EQ(pthread_kill(ts, SIGUSR1), 0);
	TEST_ASSERT_EQ(pthread_join(ts, NULL), 0);
	TEST_ASSERT_ERRNO(s.ret, -EINTR);
	if (!u.faults)
		test_skip("the copy to user space never faulted on the userfaultfd page");

	for (r = 0; r < AXVCPU_EXIT_NR; r++)
		if (r != AXVCPU_EXIT_INTR)
			sum += st->exits[r];
	TEST_ASSERT_GE(st->hw_exits, before.hw_exits);
	TEST_ASSERT(st->hw_exits == sum,
		    "a snapshot taken across a %u ms stall: hw_exits %llu, exits summed %llu (NOTHING %llu)",
		    u.delay_ms, (unsigned long long)st->hw_exits, (unsigned long long)sum,
		    (unsigned long long)st->exits[AXVCPU_EXIT_NOTHING]);
	munmap(buf, 2 * 4096);
	close(u.uffd);
	vm_free(vm);
}

static const struct test_case cases[] = {
	{ .name = "run_page_scribbled_during_exits", .fn = run_page_scribbled_during_exits,
	  .timeout = 40 },
	{ .name = "sigkill_while_pinning_reports_intr", .fn = sigkill_while_pinning_reports_intr,
	  .timeout = 40 },
	TEST_CASE(cpu_timer_fires_during_in_kernel_exits),
	TEST_CASE(stats_snapshot_consistent),
};

int main(void)
{
	return test_run_all(cases);
}
