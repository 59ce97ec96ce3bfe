// SPDX-License-Identifier: MIT
/*
 * lifetime_races: objects going away while they are in use, many times
 * over (AXVCPU_RACE_ROUNDS rounds per case, 6 by default; make
 * check-debug runs more under lockdep and KASAN).
 *
 * - The VCPU fd closed while its thread is in RUN, then the VM fd while
 *   the other VCPU runs: RUN goes on until a signal ends it.
 * - KICK through the fd and a dup of it while they are closed.
 * - SIGKILL of a process in RUN on two VCPUs and in a loop of
 *   SET_MEMORY_REGION, at a random moment.
 * - A region deleted and added again under a guest that reads and writes
 *   it: it never sees the old frames (poisoned by then), only its own
 *   values, zero, or the MMIO exits' answer.
 * - A CPU taken offline and back while VCPUs run.
 * - Module unload tried all along while the last fds go: refused while
 *   any is open, done once the last is gone, and the module loads again.
 *
 * Each case ends with nothing left: the module's reference count is 0,
 * no page is pinned, and EFER.SVME is clear on every CPU (the last VM
 * was freed).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define NR_SPIN		2
#define SLOT1_GPA	0x40000000ULL
#define SLOT1_SIZE	(2ULL << 20)
#define POISON		0xdeadbeefdeadbeefULL
#define MMIO_ANSWER	0x5a5a5a5a5a5a5a5aULL
#define DEFAULT_KO	"/axvcpu.ko"

static unsigned int rounds;
static long pins_at_start;

/* ---- the guest ---------------------------------------------------------- */

static volatile uint64_t spins[GUEST_MAX_VCPUS];
static volatile uint64_t stop;

/* CPUID (answered in the kernel) for ever: RUN ends only when made to. */
static void guest_spin(void)
{
	uint64_t id = guest_vcpu_id();
	uint32_t a, b, c, d;

	for (;;) {
		guest_cpuid(0, 0, &a, &b, &c, &d);
		spins[id]++;
	}
}

/* ---- host helpers ------------------------------------------------------- */

static uint64_t rnd(void)
{
	static uint64_t s;

	if (!s)
		s = (uint64_t)time(NULL) * 2654435761ULL | 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

static void on_signal(int sig)
{
	(void)sig;
}

struct runner {
	struct guest_vcpu *vcpu;
	int fd;
	pthread_t thread;
	volatile int quit;
	int err;		/* the errno that ended it, 0 for a clean end */
};

/* RUN until told to quit; a signal or a kick ends a RUN with EINTR. */
static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	vcpu_bind(r->vcpu);
	for (;;) {
		if (ioctl(r->fd, AXVCPU_RUN, 0) == 0) {
			if (r->vcpu->run->exit_reason == AXVCPU_EXIT_NOTHING)
				continue;
			r->err = -1;	/* guest_spin makes no other exit */
			return NULL;
		}
		/* EINTR when told to quit; EBADF once the fd was closed. */
		if (r->quit || errno == EBADF)
			return NULL;
		if (errno != EINTR) {
			r->err = errno;
			return NULL;
		}
	}
}

static void runner_start(struct runner *r, struct guest_vcpu *vcpu)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu;
	r->fd = vcpu->h.fd;
	TEST_ASSERT_EQ(pthread_create(&r->thread, NULL, runner_fn, r), 0);
}

static void runner_stop(struct runner *r)
{
	r->quit = 1;
	pthread_kill(r->thread, SIGUSR1);
	TEST_ASSERT_EQ(pthread_join(r->thread, NULL), 0);
	TEST_ASSERT(r->err == 0, "RUN ended with %s", strerror(r->err));
}

/* Wait until VCPU @id's guest has counted past @from (10 s at most). */
static uint64_t wait_spins(struct guest_vm *vm, unsigned int id, uint64_t from)
{
	volatile uint64_t *p = addr_gpa2hva(vm, (uint64_t)(uintptr_t)&spins[id]);
	int i;

	for (i = 0; i < 10000 && *p <= from; i++)
		usleep(1000);
	TEST_ASSERT(*p > from, "VCPU %u stopped at %llu", id, (unsigned long long)*p);
	return *p;
}

static struct guest_vm *spin_vm(struct runner *r, unsigned int n)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	unsigned int i;

	for (i = 0; i < n; i++)
		runner_start(&r[i], vm_vcpu_add(vm, i, guest_spin));
	for (i = 0; i < n; i++)
		wait_spins(vm, i, 0);
	return vm;
}

/* Close a VCPU's fd (its run page stays mapped until vm_free()). */
static void vcpu_close_fd(struct guest_vcpu *vcpu)
{
	TEST_ASSERT_SYSCALL(close(vcpu->h.fd));
	vcpu->h.fd = -1;
}

/* After a case: no fd, no VM, no pinned page is left. */
static void expect_nothing_left(void)
{
	int i;

	/* The last VM's release may trail the last close by a moment. */
	for (i = 0; i < 1000 && module_refcnt(AXVCPU_MODULE_NAME) > 0; i++)
		usleep(1000);
	TEST_ASSERT_EQ(module_refcnt(AXVCPU_MODULE_NAME), 0);
	TEST_ASSERT_EQ(foll_pins_held(), pins_at_start);
	TEST_ASSERT_EQ(self_pinned_kb(), 0);
	/* Without the msr driver the other checks stand. */
	check_svme_everywhere(false);
}

static void setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a signal ends RUN with EINTR. */
	TEST_ASSERT_SYSCALL(sigaction(SIGUSR1, &sa, NULL));
	pins_at_start = foll_pins_held();
	test_note("%u rounds", rounds);
}

/* ---- cases --------------------------------------------------------------- */

static void close_fds_during_run(void)
{
	struct runner r[NR_SPIN];
	unsigned int round;

	setup();
	for (round = 0; round < rounds; round++) {
		struct guest_vm *vm = spin_vm(r, NR_SPIN);
		uint64_t n;

		usleep(rnd() % 2000);
		/* VCPU 0's fd goes while it is in RUN: RUN holds the file. */
		r[0].quit = 1;
		vcpu_close_fd(r[0].vcpu);
		n = wait_spins(vm, 0, 0);
		wait_spins(vm, 0, n);
		runner_stop(&r[0]);
		/* The VM fd goes while VCPU 1 runs: its VCPU holds the VM. */
		n = wait_spins(vm, 1, 0);
		vm_close_fd(vm);
		n = wait_spins(vm, 1, n);
		wait_spins(vm, 1, n);
		runner_stop(&r[1]);
		vm_free(vm);
	}
	expect_nothing_left();
}

struct kicker {
	int fds[2];
	volatile int quit;
	unsigned long ok, badf;
	int err;
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	unsigned long i;

	for (i = 0; !k->quit; i++) {
		if (ioctl(k->fds[i & 1], AXVCPU_KICK, 0) == 0)
			k->ok++;
		else if (errno == EBADF)
			k->badf++;
		else
			k->err = errno;
	}
	return NULL;
}

static void kick_races_close(void)
{
	struct runner r;
	struct kicker k;
	pthread_t kt;
	unsigned int round;
	unsigned long ok = 0, badf = 0;

	setup();
	for (round = 0; round < rounds; round++) {
		struct guest_vm *vm = spin_vm(&r, 1);
		int dup_fd = TEST_ASSERT_SYSCALL(dup(r.fd));

		memset(&k, 0, sizeof(k));
		k.fds[0] = r.fd;
		k.fds[1] = dup_fd;
		TEST_ASSERT_EQ(pthread_create(&kt, NULL, kicker_fn, &k), 0);
		usleep(1000 + rnd() % 3000);
		/* Kicks end RUNs over and over; both fds go under them. */
		vcpu_close_fd(r.vcpu);
		usleep(rnd() % 2000);
		TEST_ASSERT_SYSCALL(close(dup_fd));
		usleep(1000);
		k.quit = 1;
		TEST_ASSERT_EQ(pthread_join(kt, NULL), 0);
		TEST_ASSERT(k.err == 0, "KICK: %s", strerror(k.err));
		runner_stop(&r);
		ok += k.ok;
		badf += k.badf;
		vm_free(vm);
	}
	test_note("%lu kicks done, %lu on closed fds", ok, badf);
	TEST_ASSERT_GT(ok, 0);
	TEST_ASSERT_GT(badf, 0);
	expect_nothing_left();
}

/* The child: two VCPUs in RUN, its main thread changing a region. */
static void __attribute__((noreturn)) child_busy(int ready_fd)
{
	struct runner r[NR_SPIN];
	struct guest_vm *vm = spin_vm(r, NR_SPIN);
	void *mem = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c = 1;

	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	TEST_ASSERT_EQ(write(ready_fd, &c, 1), 1);
	for (;;) {
		memset(mem, c++, 4096);
		TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE, mem));
		TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, 0, mem));
	}
}

static void sigkill_mid_run_and_set_memory(void)
{
	unsigned int round;
	int fds[2], status;
	pid_t pid;
	char c;

	setup();
	for (round = 0; round < rounds; round++) {
		TEST_ASSERT_SYSCALL(pipe(fds));
		pid = TEST_ASSERT_SYSCALL(fork());
		if (pid == 0) {
			close(fds[0]);
			child_busy(fds[1]);
		}
		close(fds[1]);
		TEST_ASSERT_EQ(read(fds[0], &c, 1), 1);
		close(fds[0]);
		usleep(rnd() % 20000);
		TEST_ASSERT_SYSCALL(kill(pid, SIGKILL));
		TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
		TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			    "round %u: child status 0x%x", round, status);
	}
	expect_nothing_left();
}

/* Reads and writes slot 1 until told to stop; never sees the poison. */
static void guest_touch_slot1(void)
{
	volatile uint64_t *p = (volatile uint64_t *)SLOT1_GPA;
	uint64_t i, v;

	for (i = 1; !stop; i++) {
		unsigned int k = (i * 8191) % (SLOT1_SIZE / 8);

		p[k] = i;
		v = p[k];
		GUEST_ASSERT(v != POISON);
		GUEST_ASSERT(v == i || v == 0 || v == MMIO_ANSWER || v < i);
	}
	GUEST_DONE();
}

struct toucher {
	struct guest_vcpu *vcpu;
	pthread_t thread;
	unsigned long ram, mmio;
	struct ucall uc;
};

static void *toucher_fn(void *arg)
{
	struct toucher *t = arg;
	struct axvcpu_run *run = t->vcpu->run;

	vcpu_bind(t->vcpu);
	for (;;) {
		TEST_ASSERT_OK(vcpu_run(t->vcpu));
		if (get_ucall(t->vcpu, &t->uc) != UCALL_NONE)
			return NULL;
		if (run->exit_reason == AXVCPU_EXIT_MMIO_READ) {
			run->mmio.data = MMIO_ANSWER;
			t->mmio++;
		} else if (run->exit_reason == AXVCPU_EXIT_MMIO_WRITE) {
			t->mmio++;
		} else {
			vcpu_assert_exit(t->vcpu, AXVCPU_EXIT_MMIO_READ);
		}
	}
}

static void region_deleted_while_touched(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct toucher t = { .vcpu = vm_vcpu_add(vm, 0, guest_touch_slot1) };
	uint64_t *buf[2];
	unsigned int i, flips = rounds * 20;

	setup();
	for (i = 0; i < 2; i++) {
		buf[i] = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(buf[i] != MAP_FAILED, "mmap");
	}
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE, buf[0]));
	TEST_ASSERT_EQ(pthread_create(&t.thread, NULL, toucher_fn, &t), 0);
	for (i = 0; i < flips; i++) {
		uint64_t *old = buf[i & 1], *next = buf[(i + 1) & 1];
		size_t k;

		usleep(rnd() % 3000);
		TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, 0, old));
		/* No longer guest memory: the guest must never read this. */
		for (k = 0; k < SLOT1_SIZE / 8; k++)
			old[k] = POISON;
		memset(next, 0, SLOT1_SIZE);
		usleep(rnd() % 1000);
		TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE, next));
	}
	*(volatile uint64_t *)addr_gpa2hva(vm, (uint64_t)(uintptr_t)&stop) = 1;
	TEST_ASSERT_EQ(pthread_join(t.thread, NULL), 0);
	ucall_check(__FILE__, __LINE__, &t.uc, UCALL_DONE);
	test_note("%u deletions; %lu MMIO exits while the region was away", flips, t.mmio);
	vm_free(vm);
	for (i = 0; i < 2; i++)
		munmap(buf[i], SLOT1_SIZE);
	expect_nothing_left();
}

static void cpu_offline_while_running(void)
{
	struct runner r[NR_SPIN];
	struct guest_vm *vm;
	unsigned int round, i;
	uint64_t n[NR_SPIN];
	int cpus[8], cpu;

	setup();
	TEST_ASSERT_GE(online_cpus(cpus, 8), 2);
	cpu = cpus[1];
	if (!cpu_hotplug_supported(cpu))
		test_skip("CPU %d cannot go offline here", cpu);
	vm = spin_vm(r, NR_SPIN);
	for (round = 0; round < rounds; round++) {
		TEST_ASSERT_OK(set_cpu_online(cpu, false));
		for (i = 0; i < NR_SPIN; i++)
			n[i] = wait_spins(vm, i, 0);
		for (i = 0; i < NR_SPIN; i++)
			wait_spins(vm, i, n[i]);
		TEST_ASSERT_OK(set_cpu_online(cpu, true));
		for (i = 0; i < NR_SPIN; i++)
			n[i] = wait_spins(vm, i, 0);
		for (i = 0; i < NR_SPIN; i++)
			wait_spins(vm, i, n[i]);
	}
	for (i = 0; i < NR_SPIN; i++)
		runner_stop(&r[i]);
	vm_free(vm);
	expect_nothing_left();
}

struct unloader {
	volatile int fds_open;
	volatile int quit;
	int unloaded_while_open;
	int done;
};

static void *unloader_fn(void *arg)
{
	struct unloader *u = arg;

	while (!u->quit) {
		if (delete_module_nonblock(AXVCPU_MODULE_NAME) == 0) {
			/*
			 * Looked at after the unload: the flag is cleared
			 * before the first fd goes, so set now means every fd
			 * was still open when the module went.
			 */
			u->unloaded_while_open = u->fds_open;
			u->done = 1;
			return NULL;
		}
	}
	return NULL;
}

static void unload_races_last_close(void)
{
	const char *ko = getenv("AXVCPU_KO");
	struct unloader u;
	struct runner r;
	pthread_t ut;
	unsigned int round;
	int i;

	if (!ko || !*ko)
		ko = DEFAULT_KO;
	TEST_ASSERT(access(ko, R_OK) == 0, "%s: %s", ko, strerror(errno));
	setup();
	for (round = 0; round < rounds; round++) {
		struct guest_vm *vm;

		memset(&u, 0, sizeof(u));
		u.fds_open = 1;
		vm = spin_vm(&r, 1);
		TEST_ASSERT_EQ(pthread_create(&ut, NULL, unloader_fn, &u), 0);
		usleep(rnd() % 5000);
		/* Everything goes, the guest's memory first, RUN last. */
		r.quit = 1;
		u.fds_open = 0;
		vm_free(vm);
		pthread_kill(r.thread, SIGUSR1);
		TEST_ASSERT_EQ(pthread_join(r.thread, NULL), 0);
		for (i = 0; i < 10000 && !u.done; i++)
			usleep(1000);
		u.quit = 1;
		TEST_ASSERT_EQ(pthread_join(ut, NULL), 0);
		TEST_ASSERT(u.done, "round %u: the module never unloaded", round);
		TEST_ASSERT(!u.unloaded_while_open, "round %u: unloaded while fds were open",
			    round);
		TEST_ASSERT_EQ(load_module_file(ko, ""), 0);
		TEST_ASSERT_OK(wait_for_path(AXVCPU_DEV_PATH, 5000));
	}
	expect_nothing_left();
}

static struct test_case cases[] = {
	{ .name = "close_fds_during_run", .fn = close_fds_during_run },
	{ .name = "kick_races_close", .fn = kick_races_close },
	{ .name = "sigkill_mid_run_and_set_memory", .fn = sigkill_mid_run_and_set_memory },
	{ .name = "region_deleted_while_touched", .fn = region_deleted_while_touched },
	{ .name = "cpu_offline_while_running", .fn = cpu_offline_while_running },
	{ .name = "unload_races_last_close", .fn = unload_races_last_close },
};

int main(void)
{
	unsigned int i;

	rounds = test_env_ul("AXVCPU_RACE_ROUNDS", 6);
	if (!rounds)
		rounds = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cases[i].timeout = 60 + rounds * 10;
	return test_run_all(cases);
}
