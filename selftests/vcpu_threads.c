// SPDX-License-Identifier: MIT
/*
 * vcpu_threads: 4 VMs x 4 VCPUs, each VCPU bound in a thread of its own
 * and moved between the online CPUs while it runs a loop of ucalls and
 * hypercalls whose results it checks; every VCPU finishes with the right
 * values and every VM's memory shows all its VCPUs' work; and
 * libaxvcpu-user's run loop in a thread of its own, with callbacks per
 * exit, its unhandled exit, a callback's own result and a stop.
 *
 * ldt_installed_during_run: the kernel saves the host state VMLOAD
 * restores (FS, GS, TR, LDTR, ...) once and keeps it across the exits it
 * handles itself; another thread's modify_ldt() changes LDTR without a
 * context switch. After such a change in the middle of RUN, the VCPU's
 * thread must come back with the new LDT (a load of its selector works)
 * and its own FS base (its TLS).
 */
#include <asm/ldt.h>
#include <asm/prctl.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define NR_VMS		4
#define NR_VCPUS	4
#define ITERATIONS	300
#define HC_BASE		0x200

/* Per VM (each guest has its own copy): iterations done, per VCPU. */
static volatile uint64_t done_per_vcpu[NR_VCPUS];

static void guest_worker(void)
{
	uint64_t id = guest_vcpu_id(), i, ret;

	for (i = 0; i < ITERATIONS; i++) {
		GUEST_SYNC2(id, i);
		ret = guest_vmmcall(HC_BASE + id, i, id, 0, 0, 0, 0);
		GUEST_ASSERT_EQ(ret, i * 2 + id);
		done_per_vcpu[id] = i + 1;
	}
}

struct worker {
	struct guest_vcpu *vcpu;
	int cpus[2];
	int nr_cpus;
	uint64_t exits;
};

static void move_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct guest_vcpu *vcpu = w->vcpu;
	struct axvcpu_run *run = vcpu->run;
	struct ucall uc;
	uint64_t i;

	vcpu_bind(vcpu);
	for (i = 0; i < ITERATIONS; i++) {
		/* The bound context follows the thread to the other CPU. */
		if (i % 16 == 0)
			move_to_cpu(w->cpus[(i / 16 + vcpu->id) % w->nr_cpus]);
		vcpu_run_ucall(vcpu, &uc);
		ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
		TEST_ASSERT_EQ(uc.args[0], vcpu->id);
		TEST_ASSERT_EQ(uc.args[1], i);

		vcpu_run_exit(vcpu, AXVCPU_EXIT_HYPERCALL);
		TEST_ASSERT_EQ(run->hypercall.nr, HC_BASE + vcpu->id);
		TEST_ASSERT_EQ(run->hypercall.args[0], i);
		TEST_ASSERT_EQ(run->hypercall.args[1], vcpu->id);
		axvcpu_complete_hypercall(&vcpu->h, i * 2 + vcpu->id);
		w->exits += 2;
	}
	vcpu_expect_done(vcpu);
	return NULL;
}

static void four_vms_four_vcpus(void)
{
	struct guest_vm *vms[NR_VMS];
	struct worker workers[NR_VMS][NR_VCPUS];
	pthread_t threads[NR_VMS][NR_VCPUS];
	int cpus[2], nr_cpus, v, c;

	nr_cpus = online_cpus(cpus, 2);
	TEST_ASSERT(nr_cpus >= 1, "online CPUs: %d", nr_cpus);
	if (nr_cpus > 2)
		nr_cpus = 2;
	if (nr_cpus < 2)
		test_note("only one CPU online: no migration between CPUs");

	for (v = 0; v < NR_VMS; v++) {
		vms[v] = vm_create(GUEST_RAM_SIZE);
		for (c = 0; c < NR_VCPUS; c++) {
			workers[v][c] = (struct worker){
				.vcpu = vm_vcpu_add(vms[v], c, guest_worker),
				.cpus = { cpus[0], cpus[nr_cpus - 1] },
				.nr_cpus = nr_cpus,
			};
		}
	}
	for (v = 0; v < NR_VMS; v++)
		for (c = 0; c < NR_VCPUS; c++)
			TEST_ASSERT_EQ(pthread_create(&threads[v][c], NULL, worker_fn,
						      &workers[v][c]), 0);
	for (v = 0; v < NR_VMS; v++)
		for (c = 0; c < NR_VCPUS; c++)
			TEST_ASSERT_EQ(pthread_join(threads[v][c], NULL), 0);

	for (v = 0; v < NR_VMS; v++) {
		sync_global_from_guest(vms[v], done_per_vcpu);
		for (c = 0; c < NR_VCPUS; c++) {
			struct axvcpu_stats st;

			TEST_ASSERT_EQ(done_per_vcpu[c], ITERATIONS);
			TEST_ASSERT_EQ(workers[v][c].exits, 2 * ITERATIONS);
			vcpu_stats_get(vms[v]->vcpus[c], &st);
			TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_HYPERCALL], ITERATIONS);
			/* Every SYNC and the DONE. */
			TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_IO_WRITE], ITERATIONS + 1);
		}
		vm_free(vms[v]);
	}
}

/* ---- libaxvcpu-user's run loop ----------------------------------------- */

#define LOOP_HC		0x321
#define LOOP_MMIO_GPA	0xd0000000ULL

static volatile uint64_t loop_spins;

static void guest_loop_exits(void)
{
	GUEST_ASSERT_EQ(guest_vmmcall(LOOP_HC, 1, 0, 0, 0, 0, 0), 42);
	guest_halt();
	*(volatile uint32_t *)LOOP_MMIO_GPA = 0x1234;	/* no region: MMIO_WRITE */
	for (;;)
		loop_spins++;
}

struct loop_counts {
	int hypercalls, halts, intrs;
};

static int on_hypercall(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct loop_counts *n = opaque;

	TEST_ASSERT_EQ(h->run->hypercall.nr, LOOP_HC);
	axvcpu_complete_hypercall(h, 42);
	n->hypercalls++;
	return 0;
}

static int on_halt(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct loop_counts *n = opaque;

	(void)h;
	n->halts++;
	return 0;
}

/* INTR from a KICK without stop: end the loop with a value of our own. */
static int on_intr(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct loop_counts *n = opaque;

	(void)h;
	n->intrs++;
	return 5;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * axvcpu_vcpu_thread_start(): each exit reaches its callback, an exit
 * without one ends the loop with AXVCPU_LOOP_UNHANDLED, a callback's
 * non-zero return ends it with that value, and thread_stop ends a guest
 * that never exits on its own.
 */
static void run_loop_callbacks(void)
{
	const struct axvcpu_exit_handlers first = {
		.hypercall = on_hypercall, .halt = on_halt,
	};
	const struct axvcpu_exit_handlers kicked = { .intr = on_intr };
	struct loop_counts n = { 0 };
	struct axvcpu_vcpu_thread t;
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_loop_exits);

	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));
	TEST_ASSERT_OK(axvcpu_vcpu_thread_start(&t, &vcpu->h, &first, &n));
	TEST_ASSERT_EQ(axvcpu_vcpu_thread_join(&t), AXVCPU_LOOP_UNHANDLED);
	TEST_ASSERT_EQ(axvcpu_vcpu_thread_join(&t), -EINVAL);
	TEST_ASSERT_EQ(n.hypercalls, 1);
	TEST_ASSERT_EQ(n.halts, 1);
	vcpu_assert_exit(vcpu, AXVCPU_EXIT_MMIO_WRITE);
	TEST_ASSERT_EQ(vcpu->run->mmio.gpa, LOOP_MMIO_GPA);
	TEST_ASSERT_EQ(vcpu->run->mmio.data, 0x1234);
	/* The thread unbound the VCPU when its loop ended. */
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);

	/* A KICK alone is an INTR exit for the callback. */
	TEST_ASSERT_OK(axvcpu_vcpu_thread_start(&t, &vcpu->h, &kicked, &n));
	sleep_ms(50);
	TEST_ASSERT_OK(axvcpu_vcpu_kick(&vcpu->h));
	TEST_ASSERT_EQ(axvcpu_vcpu_thread_join(&t), 5);
	TEST_ASSERT_EQ(n.intrs, 1);

	/* thread_stop: the loop ends with 0 without calling on_intr. */
	TEST_ASSERT_OK(axvcpu_vcpu_thread_start(&t, &vcpu->h, &kicked, &n));
	sleep_ms(50);
	TEST_ASSERT_OK(axvcpu_vcpu_thread_stop(&t));
	TEST_ASSERT_EQ(axvcpu_vcpu_thread_join(&t), 0);
	TEST_ASSERT_EQ(n.intrs, 1);
	sync_global_from_guest(vm, loop_spins);
	TEST_ASSERT_GT(loop_spins, 0);

	/* A VCPU bound elsewhere: the thread reports BIND's error. */
	vcpu_bind(vcpu);
	TEST_ASSERT_OK(axvcpu_vcpu_thread_start(&t, &vcpu->h, &kicked, &n));
	TEST_ASSERT_ERRNO(axvcpu_vcpu_thread_join(&t), -EBADFD);
	vm_free(vm);
}

/* ---- host state kept across exits handled in the kernel ------------------ */

/* Set by the host in the guest's copy: the CPUID loop ends. */
static volatile uint64_t ldt_stop;

static void guest_cpuid_until_stop(void)
{
	uint32_t a, b, c, d;
	uint64_t n = 0;

	do {
		guest_cpuid(0, 0, &a, &b, &c, &d);
		n++;
	} while (!ldt_stop);
	GUEST_SYNC(n);
}

struct ldt_installer {
	struct guest_vm *vm;
	int cpu;
	int ret;
};

/* On another CPU than the VCPU's: the LDT arrives there by IPI. */
static void *ldt_installer_fn(void *arg)
{
	struct ldt_installer *l = arg;
	struct user_desc desc = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .read_exec_only = 0,
		.limit_in_pages = 1, .seg_not_present = 0, .useable = 1,
	};
	uint64_t one = 1;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(l->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	sleep_ms(200);
	l->ret = syscall(SYS_modify_ldt, 1, &desc, sizeof(desc));
	sleep_ms(100);
	memcpy(addr_gpa2hva(l->vm, (uint64_t)(uintptr_t)&ldt_stop), &one, sizeof(one));
	return NULL;
}

static __thread volatile uint64_t tls_canary = 0x5ca1ab1e;

static void ldt_installed_during_run(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_cpuid_until_stop);
	struct ldt_installer l = { .vm = vm };
	unsigned long fs_before, fs_after;
	int cpus[2], nr_cpus, ret;
	/* LDT entry 0, table indicator set, RPL 3. */
	uint16_t sel = 0 << 3 | 4 | 3, es;
	struct ucall uc;
	pthread_t thr;
	cpu_set_t set;

	nr_cpus = online_cpus(cpus, 2);
	TEST_ASSERT(nr_cpus >= 1, "online CPUs: %d", nr_cpus);
	if (nr_cpus < 2)
		test_note("only one CPU online: the LDT arrives with a context switch");
	CPU_ZERO(&set);
	CPU_SET(cpus[nr_cpus - 1], &set);
	TEST_ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
	l.cpu = cpus[0];
	TEST_ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_before), 0);

	TEST_ASSERT_EQ(pthread_create(&thr, NULL, ldt_installer_fn, &l), 0);
	do
		ret = vcpu_run(vcpu);
	while (ret == -EINTR);
	TEST_ASSERT_EQ(ret, 0);
	TEST_ASSERT_EQ(pthread_join(thr, NULL), 0);
	TEST_ASSERT_EQ(l.ret, 0);
	TEST_ASSERT_NE(get_ucall(vcpu, &uc), UCALL_NONE);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);

	/* A stale LDTR (none) would make this load fault: SIGSEGV. */
	asm volatile("mov %[sel], %%es\n\t"
		     "mov %%es, %[es]\n\t"
		     "mov %[null], %%es"
		     : [es] "=r"(es) : [sel] "r"(sel), [null] "r"(0) : "memory");
	TEST_ASSERT_EQ(es, sel);
	TEST_ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_after), 0);
	TEST_ASSERT_EQ(fs_after, fs_before);
	TEST_ASSERT_EQ(tls_canary, 0x5ca1ab1e);
	test_note("%llu CPUID exits while the LDT was installed", (unsigned long long)uc.args[0]);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	{ .name = "four_vms_four_vcpus", .fn = four_vms_four_vcpus, .timeout = 100 },
	TEST_CASE(run_loop_callbacks),
	TEST_CASE(ldt_installed_during_run),
};

int main(void)
{
	return test_run_all(cases);
}
