// SPDX-License-Identifier: MIT
/*
 * ioctl_fuzz: a seeded, structure-aware random driver of every ioctl on
 * every fd type (system, VM, VCPU), from several threads and processes
 * at once: valid, boundary and garbage arguments, calls in random states
 * and orders, fds closed and duplicated while other threads use them,
 * mmap/munmap and scribbling on the run page, bad pointers, fork with
 * inherited fds, RUN on whatever the guest memory happens to hold (each
 * RUN is ended by a timer signal if the guest never exits).
 *
 * What is checked: no call crashes, hangs or kills the process (the
 * kernel log check of the harness catches oopses and warnings); errors
 * are plain errnos; afterwards every fd is closed, the module's reference
 * count is back to 0, it unloads and loads again, and no page stayed
 * pinned (/proc/vmstat nr_foll_pin_acquired - released, VmPin, VmLck).
 *
 * Environment: AXVCPU_FUZZ_SEED (default: the time; printed so a failure
 * replays), AXVCPU_FUZZ_CALLS (default 40000 in all threads together;
 * make check-debug asks for 1000000), AXVCPU_FUZZ_THREADS (4).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "test_util.h"

#define MAX_FDS		48
#define NR_BUFS		6
#define FORK_EVERY	4000	/* calls between two forks, per thread */

enum fd_kind { FD_NONE, FD_SYS, FD_VM, FD_VCPU };

struct fd_slot {
	int fd;
	enum fd_kind kind;
	void *map;		/* the VCPU fd's mapping, or NULL */
	size_t map_len;
};

static struct fd_slot fds[MAX_FDS];
/*
 * Mappings of closed fds stay until the end: another thread may still be
 * writing to one (it keeps the VCPU alive, which is part of the test).
 */
#define MAX_MAPS	8192
static struct { void *p; size_t len; } graveyard[MAX_MAPS];
static unsigned int nr_graves;
static pthread_mutex_t fds_lock = PTHREAD_MUTEX_INITIALIZER;
static void *bufs[NR_BUFS];
static const size_t buf_sizes[NR_BUFS] = { 4096, 8192, 65536, 1 << 20, 2 << 20, 16 << 20 };
static long run_size;

/* What the calls reached, so a run that never got past the checks shows. */
enum { C_VM, C_VCPU, C_REGION, C_SETUP, C_BIND, C_RUN, C_RUN_EINTR, C_MMAP, C_FORK, C_NR };
static const char *const counter_names[C_NR] = {
	"VMs", "VCPUs", "regions", "SETUPs", "BINDs", "RUN exits", "RUN -EINTR", "run-page maps",
	"forks",
};
static unsigned long counters[C_NR];
/* AXVCPU_FUZZ_TRACE=1: print every VCPU call before it is made (slow). */
static bool trace;

#define TRACE(...) do {							\
	if (trace) {							\
		printf("# trace: " __VA_ARGS__);			\
		fflush(stdout);						\
	}								\
} while (0)

static long count(int ret, unsigned int c)
{
	if (ret >= 0)
		__atomic_add_fetch(&counters[c], 1, __ATOMIC_RELAXED);
	return ret;
}
static unsigned long calls_per_thread;
static unsigned long long seed;

/* xorshift64*: one state per thread, from the seed and the thread number. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

/* A value a field is likely to be checked against: 0, 1, edges, garbage. */
static uint64_t boundary(uint64_t *s)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 0xf, 0x10, 0x1f, 0x20, 0xff, 0x100, 0xfff, 0x1000, 0x1001,
		0xffff, 0x10000, 0xfffff, 0x100000, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0xfffffffffULL, 1ULL << 40, 1ULL << 48, 1ULL << 52,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 0xfff,
	};

	switch (below(s, 4)) {
	case 0:
		return rnd(s);
	case 1:
		return rnd(s) & 0xfff000;
	default:
		return edges[below(s, sizeof(edges) / sizeof(edges[0]))];
	}
}

/* Fill @len bytes at @p: zeros, random bytes, or random boundary words. */
static void fill(uint64_t *s, void *p, size_t len)
{
	uint8_t *b = p;
	size_t i;

	switch (below(s, 3)) {
	case 0:
		memset(p, 0, len);
		break;
	case 1:
		for (i = 0; i < len; i++)
			b[i] = rnd(s);
		break;
	default:
		for (i = 0; i + 8 <= len; i += 8) {
			uint64_t v = below(s, 3) ? 0 : boundary(s);

			memcpy(b + i, &v, 8);
		}
		break;
	}
}

/* A pointer argument: mostly a good buffer, sometimes NULL, kernel or unmapped. */
static void *arg_ptr(uint64_t *s, void *good)
{
	switch (below(s, 16)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000ULL;	/* the kernel's direct map */
	case 2:
		return (void *)0x10;			/* page 0 */
	case 3:
		return (void *)~0xfffUL;
	default:
		return good;
	}
}

/* A random fd of @kind (any kind for FD_NONE); -1 when there is none. */
static int pick_fd(uint64_t *s, enum fd_kind kind, struct fd_slot *out)
{
	unsigned int i, start = below(s, MAX_FDS);
	int fd = -1;

	pthread_mutex_lock(&fds_lock);
	for (i = 0; i < MAX_FDS; i++) {
		struct fd_slot *f = &fds[(start + i) % MAX_FDS];

		if (f->kind != FD_NONE && (kind == FD_NONE || f->kind == kind)) {
			fd = f->fd;
			if (out)
				*out = *f;
			break;
		}
	}
	pthread_mutex_unlock(&fds_lock);
	return fd;
}

/*
 * In a fork child the table holds only what it inherited: a VM or VCPU
 * the child makes itself is its own (and may be used), so it is closed at
 * once rather than mistaken for an inherited one.
 */
static bool in_child;

static void add_fd(int fd, enum fd_kind kind)
{
	unsigned int i;

	if (fd < 0)
		return;
	if (in_child) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&fds_lock);
	for (i = 0; i < MAX_FDS; i++) {
		if (fds[i].kind == FD_NONE) {
			fds[i] = (struct fd_slot){ .fd = fd, .kind = kind };
			pthread_mutex_unlock(&fds_lock);
			return;
		}
	}
	pthread_mutex_unlock(&fds_lock);
	close(fd);			/* the table is full */
}

/* Keep @p mapped until the end; under fds_lock. False when full. */
static bool bury(void *p, size_t len)
{
	if (nr_graves == MAX_MAPS)
		return false;
	graveyard[nr_graves].p = p;
	graveyard[nr_graves++].len = len;
	return true;
}

/* Close a random fd; other threads may be inside a call on it right now. */
static void close_some(uint64_t *s)
{
	unsigned int i = below(s, MAX_FDS);
	struct fd_slot f;

	pthread_mutex_lock(&fds_lock);
	f = fds[i];
	fds[i].kind = FD_NONE;
	if (f.kind != FD_NONE && f.map)
		bury(f.map, f.map_len);
	pthread_mutex_unlock(&fds_lock);
	if (f.kind != FD_NONE)
		close(f.fd);
}

static void do_sys(uint64_t *s, int fd)
{
	struct axvcpu_capability cap;
	struct axvcpu_create_vm cv;
	int ret;

	switch (below(s, 5)) {
	case 0:
		ioctl(fd, AXVCPU_GET_API_VERSION, 0);
		break;
	case 1:
		fill(s, &cap, sizeof(cap));
		cap.cap = below(s, 2) ? below(s, 12) : (uint32_t)boundary(s);
		ioctl(fd, AXVCPU_CHECK_CAP, arg_ptr(s, &cap));
		break;
	case 2:
		fill(s, &cv, sizeof(cv));
		if (below(s, 4))
			memset(&cv, 0, sizeof(cv));
		if (!below(s, 4))
			cv.flags = AXVCPU_VM_IPI_IN_KERNEL;
		ret = count(ioctl(fd, AXVCPU_CREATE_VM, arg_ptr(s, &cv)), C_VM);
		add_fd(ret, FD_VM);
		break;
	case 3:
		ioctl(fd, AXVCPU_GET_RUN_SIZE, 0);
		break;
	default:
		/* Any number of our magic, and other magics. */
		ioctl(fd, _IOC(below(s, 4), below(s, 2) ? 0xA7 : below(s, 256), below(s, 64),
			       below(s, 512)), arg_ptr(s, bufs[0]));
		break;
	}
}

static void do_vm(uint64_t *s, int fd)
{
	struct axvcpu_memory_region r;
	struct axvcpu_create_vcpu cv;
	unsigned int b = below(s, NR_BUFS);
	int ret;

	switch (below(s, 3)) {
	case 0:
		memset(&r, 0, sizeof(r));
		r.slot = below(s, 3) ? below(s, 8) : (uint32_t)boundary(s);
		r.flags = below(s, 3) ? 0 : below(s, 8);
		r.guest_phys_addr = below(s, 2) ? below(s, 64) << 20 : boundary(s);
		r.size = below(s, 4) ? buf_sizes[b] >> below(s, 3) : boundary(s);
		r.userspace_addr = (uintptr_t)bufs[b] + (below(s, 4) ? 0 : boundary(s) & 0xffff);
		if (!below(s, 8))
			fill(s, &r, sizeof(r));
		count(ioctl(fd, AXVCPU_SET_MEMORY_REGION, arg_ptr(s, &r)), C_REGION);
		break;
	case 1:
		memset(&cv, 0, sizeof(cv));
		cv.id = below(s, 3) ? below(s, 4) : (uint32_t)boundary(s);
		if (!below(s, 8))
			fill(s, &cv, sizeof(cv));
		ret = count(ioctl(fd, AXVCPU_CREATE_VCPU, arg_ptr(s, &cv)), C_VCPU);
		add_fd(ret, FD_VCPU);
		break;
	default:
		ioctl(fd, _IOC(below(s, 4), 0xA7, below(s, 64), below(s, 512)),
		      arg_ptr(s, bufs[0]));
		break;
	}
}

/* In trace mode: the state a RUN starts from. */
static void trace_state(int fd)
{
	struct axvcpu_sregs sr;
	struct axvcpu_regs r;

	if (!trace || ioctl(fd, AXVCPU_GET_REGS, &r) || ioctl(fd, AXVCPU_GET_SREGS, &sr))
		return;
	TRACE("  state %d rip %llx rflags %llx rsp %llx rax %llx cr0 %llx cr3 %llx cr4 %llx "
	      "efer %llx cs %x/%llx/%x t%u s%u d%u l%u db%u p%u ss %x t%u d%u idt %llx/%x\n",
	      (int)ioctl(fd, AXVCPU_GET_STATE, 0), (unsigned long long)r.rip,
	      (unsigned long long)r.rflags, (unsigned long long)r.rsp,
	      (unsigned long long)r.rax, (unsigned long long)sr.cr0,
	      (unsigned long long)sr.cr3, (unsigned long long)sr.cr4,
	      (unsigned long long)sr.efer, sr.cs.selector, (unsigned long long)sr.cs.base,
	      sr.cs.limit, sr.cs.type, sr.cs.s, sr.cs.dpl, sr.cs.l, sr.cs.db, sr.cs.present,
	      sr.ss.selector, sr.ss.type, sr.ss.dpl, (unsigned long long)sr.idt.base,
	      sr.idt.limit);
}

/* RUN, ended by a timer signal if the guest loops without exits. */
static void do_run(uint64_t *s, int fd, timer_t timer)
{
	struct itimerspec its = { .it_value = { 0, 2000000 + below(s, 8000000) } };

	trace_state(fd);

	timer_settime(timer, 0, &its, NULL);
	if (ioctl(fd, AXVCPU_RUN, 0) == 0)
		count(0, C_RUN);
	else if (errno == EINTR)
		count(0, C_RUN_EINTR);
	memset(&its, 0, sizeof(its));
	timer_settime(timer, 0, &its, NULL);
}

static void do_vcpu(uint64_t *s, struct fd_slot *f, timer_t timer)
{
	union {
		struct axvcpu_setup setup;
		struct axvcpu_regs regs;
		struct axvcpu_sregs sregs;
		struct axvcpu_stats stats;
		struct axvcpu_options opt;
		struct axvcpu_interrupt irq;
		struct axvcpu_exception exc;
		struct {
			struct axvcpu_cpuid hdr;
			struct axvcpu_cpuid_entry e[8];
		} cpuid;
		uint8_t raw[4096];
	} a;
	int fd = f->fd;
	unsigned int op;

	fill(s, &a, sizeof(a));
	op = below(s, 20);
	TRACE("vcpu fd %d op %u\n", fd, op);
	switch (op) {
	case 0:
	case 16:
	case 17:
		if (below(s, 4)) {
			memset(&a.setup, 0, sizeof(a.setup));
			a.setup.mode = below(s, 4) ? 1 + below(s, 3) : below(s, 6);
			a.setup.entry = below(s, 4) ? 0x1000 : boundary(s);
			if (a.setup.mode == AXVCPU_MODE_LONG)
				a.setup.page_table_gpa = below(s, 4) ? 0x20000 : boundary(s);
			a.setup.stack = below(s, 2) ? 0x80000 : boundary(s);
			a.setup.flags = below(s, 4) ? 0 : below(s, 4);
		}
		count(ioctl(fd, AXVCPU_SETUP, arg_ptr(s, &a)), C_SETUP);
		break;
	case 1:
	case 18:
		count(ioctl(fd, AXVCPU_BIND, 0), C_BIND);
		break;
	case 2:
		ioctl(fd, AXVCPU_UNBIND, 0);
		break;
	case 3:
	case 4:
	case 19:
		do_run(s, fd, timer);
		break;
	case 5:
		ioctl(fd, AXVCPU_GET_STATE, 0);
		ioctl(fd, AXVCPU_GET_STATS, arg_ptr(s, &a));
		break;
	case 6:
		ioctl(fd, below(s, 2) ? AXVCPU_GET_REGS : AXVCPU_SET_REGS, arg_ptr(s, &a));
		break;
	case 7:
		ioctl(fd, below(s, 2) ? AXVCPU_GET_SREGS : AXVCPU_SET_SREGS, arg_ptr(s, &a));
		break;
	case 8:
		/* Read the real state, change one field: past the first check. */
		if (!ioctl(fd, AXVCPU_GET_SREGS, &a.sregs)) {
			((uint64_t *)&a.sregs)[below(s, sizeof(a.sregs) / 8)] = boundary(s);
			ioctl(fd, AXVCPU_SET_SREGS, &a.sregs);
		}
		break;
	case 9:
		a.cpuid.hdr.nent = below(s, 4) ? below(s, 9) : (uint32_t)boundary(s);
		if (below(s, 2))
			a.cpuid.hdr.reserved = 0;
		ioctl(fd, AXVCPU_SET_CPUID, arg_ptr(s, &a));
		break;
	case 10:
		if (below(s, 2))
			memset(&a.opt, 0, sizeof(a.opt));
		a.opt.flags = below(s, 2) ? below(s, 4) : (uint32_t)boundary(s);
		ioctl(fd, AXVCPU_SET_OPTIONS, arg_ptr(s, &a));
		break;
	case 11:
		if (below(s, 2))
			memset(&a.irq, 0, sizeof(a.irq));
		a.irq.vector = below(s, 2) ? 32 + below(s, 224) : (uint32_t)boundary(s);
		ioctl(fd, AXVCPU_INJECT_INTERRUPT, arg_ptr(s, &a));
		ioctl(fd, AXVCPU_INJECT_NMI, 0);
		break;
	case 12:
		if (below(s, 2))
			memset(&a.exc, 0, sizeof(a.exc));
		a.exc.vector = below(s, 32);
		a.exc.error_code = below(s, 2) ? 0 : (uint32_t)boundary(s);
		ioctl(fd, AXVCPU_INJECT_EXCEPTION, arg_ptr(s, &a));
		break;
	case 13:
		ioctl(fd, AXVCPU_KICK, 0);
		break;
	case 14:
		/* Scribble on the run page between RUNs, as a buggy VMM would. */
		if (f->map && f->map_len >= 4096) {
			uint8_t *run = f->map;
			unsigned int i, n = below(s, 16);

			for (i = 0; i < n; i++)
				run[below(s, 4096)] = rnd(s);
		}
		break;
	default:
		ioctl(fd, _IOC(below(s, 4), 0xA7, below(s, 64), below(s, 512)),
		      arg_ptr(s, &a));
		break;
	}
}

/*
 * mmap a VCPU fd's pages (random offset, length, protection, flags); a
 * writable shared mapping of the run page is kept for scribbling, any
 * other is unmapped again at once.
 */
static void do_mmap(uint64_t *s)
{
	unsigned int i = below(s, MAX_FDS);
	size_t len = below(s, 4) ? (size_t)run_size : (below(s, 4) + 1) * 4096;
	off_t off = below(s, 4) ? 0 : below(s, 4) * 4096;
	int prot = below(s, 4) ? PROT_READ | PROT_WRITE : (int)below(s, 8);
	int flags = below(s, 8) ? MAP_SHARED : MAP_PRIVATE;
	bool keep = false;
	struct fd_slot f;
	void *p;

	pthread_mutex_lock(&fds_lock);
	f = fds[i];
	pthread_mutex_unlock(&fds_lock);
	if (f.kind == FD_NONE)
		return;
	p = mmap(NULL, len, prot, flags, f.fd, off);
	if (p == MAP_FAILED)
		return;
	pthread_mutex_lock(&fds_lock);
	/*
	 * Keep it only while the graveyard has room for every mapping that
	 * is alive (at most one per slot): each must be buried some day.
	 */
	if (fds[i].kind == FD_VCPU && fds[i].fd == f.fd && !off && flags == MAP_SHARED &&
	    (prot & PROT_WRITE) && len >= 4096 && nr_graves + MAX_FDS + 1 < MAX_MAPS) {
		/* The slot's old mapping may be in use: keep it to the end. */
		if (!fds[i].map || bury(fds[i].map, fds[i].map_len)) {
			fds[i].map = p;
			fds[i].map_len = len;
			keep = true;
			count(0, C_MMAP);
		}
	}
	pthread_mutex_unlock(&fds_lock);
	if (!keep)
		munmap(p, len);
}

/* A child that uses the inherited fds (VCPU ioctls must fail: -EIO). */
static void do_fork(uint64_t *s)
{
	struct fd_slot f;
	pid_t pid;
	int st;

	/* Not while another thread holds the table's lock: the child needs it. */
	pthread_mutex_lock(&fds_lock);
	pid = fork();
	pthread_mutex_unlock(&fds_lock);
	if (pid < 0)
		return;
	if (pid > 0)
		count(0, C_FORK);
	if (pid == 0) {
		uint64_t cs = rnd(s) | 1;
		int i, fd;

		in_child = true;
		alarm(10);
		for (i = 0; i < 200; i++) {
			fd = pick_fd(&cs, FD_NONE, &f);
			if (fd < 0)
				break;
			if (f.kind == FD_VCPU && ioctl(fd, AXVCPU_GET_STATE, 0) >= 0)
				_exit(3);	/* a VCPU ioctl from another process worked */
			if (f.kind == FD_SYS)
				do_sys(&cs, fd);
			else if (f.kind == FD_VM)
				do_vm(&cs, fd);
			if (!below(&cs, 20)) {
				/* Gone from the child's copy of the table too. */
				for (unsigned int k = 0; k < MAX_FDS; k++)
					if (fds[k].kind != FD_NONE && fds[k].fd == fd)
						fds[k].kind = FD_NONE;
				close(fd);
			}
		}
		_exit(0);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 3)
		test_report_failure(__FILE__, __LINE__, "fork child: status 0x%x (3: a VCPU ioctl "
				    "worked from another process)", st);
}

static void ignore_signal(int sig)
{
	(void)sig;
}

struct worker {
	unsigned int id;
	unsigned long calls;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + w->id * 0x632be59bd9b4e019ULL + 1;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
	struct fd_slot f;
	timer_t timer;
	int fd;

	sev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
		return NULL;

	for (w->calls = 0; w->calls < calls_per_thread; w->calls++) {
		switch (below(&s, 24)) {
		case 0:
			add_fd(open("/dev/axvcpu", O_RDWR | O_CLOEXEC), FD_SYS);
			break;
		case 1:
			if (!below(&s, 4))
				close_some(&s);
			break;
		case 2:
			fd = pick_fd(&s, FD_NONE, NULL);
			if (fd >= 0) {
				enum fd_kind k = FD_NONE;

				pthread_mutex_lock(&fds_lock);
				for (unsigned int i = 0; i < MAX_FDS; i++)
					if (fds[i].kind != FD_NONE && fds[i].fd == fd)
						k = fds[i].kind;
				pthread_mutex_unlock(&fds_lock);
				add_fd(dup(fd), k);
			}
			break;
		case 3:
			do_mmap(&s);
			break;
		case 4:
		case 5:
		case 6:
			fd = pick_fd(&s, FD_SYS, NULL);
			if (fd >= 0)
				do_sys(&s, fd);
			else
				add_fd(open("/dev/axvcpu", O_RDWR | O_CLOEXEC), FD_SYS);
			break;
		case 7:
		case 8:
		case 9:
			fd = pick_fd(&s, FD_VM, NULL);
			if (fd >= 0)
				do_vm(&s, fd);
			break;
		default:
			fd = pick_fd(&s, FD_VCPU, &f);
			if (fd >= 0)
				do_vcpu(&s, &f, timer);
			break;
		}
		if (w->calls % FORK_EVERY == FORK_EVERY - 1)
			do_fork(&s);
	}
	timer_delete(timer);
	return NULL;
}

static void random_ioctls(void)
{
	unsigned int nthreads = test_env_ul("AXVCPU_FUZZ_THREADS", 4), i;
	unsigned long calls = test_env_ul("AXVCPU_FUZZ_CALLS", 40000), done = 0;
	struct worker w[16];
	pthread_t t[16];
	long pins_before = foll_pins_held();
	char text[32];
	int sys_fd;

	if (nthreads < 1 || nthreads > 16)
		nthreads = 4;
	trace = test_env_ul("AXVCPU_FUZZ_TRACE", 0);
	seed = test_env_ul("AXVCPU_FUZZ_SEED", (unsigned long)time(NULL) ^ getpid());
	test_note("seed %llu (AXVCPU_FUZZ_SEED=%llu replays it), %lu calls, %u threads",
		  seed, seed, calls, nthreads);
	calls_per_thread = calls / nthreads;

	/* Where the module's code is, to place a RIP of a hung CPU. */
	if (!read_text_file("/sys/module/axvcpu/sections/.text", text, sizeof(text)))
		test_note("axvcpu .text at %s", text);
	sys_fd = TEST_ASSERT_SYSCALL(open("/dev/axvcpu", O_RDWR));
	run_size = TEST_ASSERT_SYSCALL(ioctl(sys_fd, AXVCPU_GET_RUN_SIZE, 0));
	close(sys_fd);
	for (i = 0; i < NR_BUFS; i++) {
		bufs[i] = mmap(NULL, buf_sizes[i], PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(bufs[i] != MAP_FAILED, "mmap: %s", strerror(errno));
		/* Some guest code to run: random bytes, a HLT here and there. */
		memset(bufs[i], i & 1 ? 0xf4 : 0x90, buf_sizes[i] / 2);
	}
	signal(SIGUSR1, ignore_signal);	/* a RUN's timer: RUN returns -EINTR */
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		TEST_ASSERT_EQ(pthread_create(&t[i], NULL, worker_fn, &w[i]), 0);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		done += w[i].calls;
	}
	test_note("%lu calls done", done);
	TEST_ASSERT_GE(done, calls_per_thread * nthreads);
	for (i = 0; i < C_NR; i++)
		test_note("  %-14s %lu", counter_names[i], counters[i]);
	/* The calls got past the argument checks into every state. */
	for (i = 0; i < C_NR; i++)
		TEST_ASSERT(counters[i] > 0, "no successful %s", counter_names[i]);

	for (i = 0; i < MAX_FDS; i++) {
		if (fds[i].kind == FD_NONE)
			continue;
		if (fds[i].map)
			munmap(fds[i].map, fds[i].map_len);
		close(fds[i].fd);
		fds[i].kind = FD_NONE;
	}
	for (i = 0; i < nr_graves; i++)
		munmap(graveyard[i].p, graveyard[i].len);
	for (i = 0; i < NR_BUFS; i++)
		munmap(bufs[i], buf_sizes[i]);

	/* Every VM and VCPU is gone: nothing holds the module. */
	TEST_ASSERT_EQ(module_refcnt("axvcpu"), 0);
	TEST_ASSERT_EQ(foll_pins_held(), pins_before);
	TEST_ASSERT_EQ(self_pinned_kb(), 0);
	/* And it unloads and loads again. */
	TEST_ASSERT_EQ(delete_module_nonblock("axvcpu"), 0);
	TEST_ASSERT_EQ(load_module_file("/axvcpu.ko", ""), 0);
	TEST_ASSERT_EQ(wait_for_path("/dev/axvcpu", 5000), 0);
}

static struct test_case cases[] = {
	{ .name = "random_ioctls", .fn = random_ioctls },
};

int main(void)
{
	/* About 4000 calls a second under TCG, slower with the debug kernel. */
	cases[0].timeout = 60 + test_env_ul("AXVCPU_FUZZ_CALLS", 40000) / 1000;
	return test_run_all(cases);
}
