// SPDX-License-Identifier: MIT
/*
 * vcpu_fpu: guest and host SSE/AVX state kept apart. The guest loads
 * XMM0-15 (YMM0-15 when both sides have AVX) and MXCSR with its pattern
 * and exits; the host loads its own pattern and enters RUN in the same
 * asm statement, then reads its registers back: neither side may see the
 * other's values. Two VCPUs, interleaved on one thread, keep theirs too.
 *
 * The kernel keeps the guest's registers loaded across the exits it
 * handles itself (CPUID here) and saves them only when the thread leaves
 * the CPU or RUN: xmm_kept_across_kernel_exits loads XMM0-15 once and
 * makes CPUID exits for half a second while the host preempts the VCPU's
 * thread with threads of its own XMM patterns on every CPU, moves it from
 * CPU to CPU and interrupts RUN with signals whose handler overwrites
 * XMM0-15: guest, host thread and competitors must each keep their own.
 *
 * PKRU, where the CPU has protection keys, is the thread's after every
 * RUN and the guest's across its exits, however the guest reaches it
 * (pkru_isolation).
 *
 * Register loads, the exit and the read-back are each one asm statement:
 * any C in between (a call into libc, the ucall helper) may legitimately
 * clobber these caller-saved registers.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include "guest.h"

#define SEED_PORT	0x60	/* IO_READ: the host hands the guest its seed */
#define FPU_PORT	0x61	/* IO_WRITE: registers are loaded */
#define SEED_YMM	0x80000000U	/* in the seed: use YMM, not XMM */
#define ROUNDS		3
#define XSETBV_PROBES	20
#define GUEST_MXCSR	0x3f80	/* all exceptions masked, round down */
#define HOST_MXCSR	0x5f80	/* all exceptions masked, round up */

#define REGS_BYTES	(16 * 32)

/* Fill @buf with a pattern no other seed produces. */
static void pattern(uint8_t *buf, uint32_t seed)
{
	unsigned int i;

	for (i = 0; i < REGS_BYTES; i++)
		buf[i] = (uint8_t)(seed * 37 + i * 7 + (i >> 5));
}

#define XMM_LOAD(n)	"movdqu " #n "*32(%[in]), %%xmm" #n "\n\t"
#define XMM_STORE(n)	"movdqu %%xmm" #n ", " #n "*32(%[out])\n\t"
#define YMM_LOAD(n)	"vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define YMM_STORE(n)	"vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#define ALL16(m)	m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) \
			m(8) m(9) m(10) m(11) m(12) m(13) m(14) m(15)
#define VEC_CLOBBERS	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
			"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* ---- guest ---------------------------------------------------------------- */

static volatile uint64_t xcr0_fixups;

/*
 * #UD handler of the YMM test. Where the CPU does not intercept XSETBV,
 * every exit (a host interrupt, say) puts the kernel's idea of XCR0 back,
 * so an AVX instruction can fault right after the guest enabled AVX: put
 * XCR0 back and retry. Any other #UD is reported. No SSE register is
 * touched on the way (the registers are what the test checks).
 */
static void avx_ud_fixup(struct guest_exc_frame *frame)
{
	if ((guest_xgetbv(0) & XFEATURE_YMM) || !(guest_xcr0 & XFEATURE_YMM))
		for (;;)
			guest_ucall(UCALL_EXCEPTION, frame->vector, frame->error_code,
				    frame->rip, 0);
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)guest_xcr0),
		     "d"((uint32_t)(guest_xcr0 >> 32)));
	xcr0_fixups++;
}

static void guest_fpu(void)
{
	uint8_t want[REGS_BYTES] __attribute__((aligned(32)));
	uint8_t got[REGS_BYTES] __attribute__((aligned(32)));
	uint32_t seed, mxcsr_in = GUEST_MXCSR, mxcsr_out;
	unsigned int round, i;
	bool ymm;

	/*
	 * Tell the host what the guest entry enabled; with XSAVE, write XCR0
	 * again XSETBV_PROBES times (each an exit if XSETBV is intercepted)
	 * and report whether XCR0 survived the exits. Then learn the seed,
	 * which says whether to use YMM.
	 */
	GUEST_SYNC(guest_xcr0);
	if (guest_xcr0) {
		for (i = 0; i < XSETBV_PROBES; i++)
			asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)guest_xcr0),
				     "d"((uint32_t)(guest_xcr0 >> 32)));
		GUEST_SYNC(0);
		GUEST_SYNC(guest_xgetbv(0));
	}
	asm volatile("inl %1, %0" : "=a"(seed) : "Nd"((uint16_t)SEED_PORT));
	ymm = seed & SEED_YMM;
	seed &= ~SEED_YMM;
	if (ymm)
		GUEST_ASSERT(guest_xcr0 & XFEATURE_YMM);
	for (round = 0; round < ROUNDS; round++) {
		pattern(want, seed + round);
		memset(got, 0, sizeof(got));
		/*
		 * XCR0 is written again right before the loads and right after
		 * the exit: where the CPU does not intercept XSETBV the kernel
		 * never learns the guest's XCR0 and enters with its own, and
		 * the YMM state itself is what is under test here.
		 */
		if (ymm)
			asm volatile("xorl %%ecx, %%ecx\n\t"
				     "movl %[xlo], %%eax\n\t"
				     "movl %[xhi], %%edx\n\t"
				     "xsetbv\n\t"
				     "ldmxcsr %[mi]\n\t"
				     ALL16(YMM_LOAD)
				     "movl $1, %%eax\n\t"
				     "movl %[port], %%edx\n\t"
				     "outl %%eax, %%dx\n\t"
				     "movl %[xlo], %%eax\n\t"
				     "movl %[xhi], %%edx\n\t"
				     "xsetbv\n\t"
				     ALL16(YMM_STORE)
				     "stmxcsr %[mo]"
				     : [mo] "=m"(mxcsr_out)
				     : [in] "r"(want), [out] "r"(got), [mi] "m"(mxcsr_in),
				       [xlo] "r"((uint32_t)guest_xcr0),
				       [xhi] "r"((uint32_t)(guest_xcr0 >> 32)), [port] "i"(FPU_PORT)
				     : "rax", "rcx", "rdx", "memory", VEC_CLOBBERS);
		else
			asm volatile("ldmxcsr %[mi]\n\t"
				     ALL16(XMM_LOAD)
				     "outl %%eax, %%dx\n\t"
				     ALL16(XMM_STORE)
				     "stmxcsr %[mo]"
				     : [mo] "=m"(mxcsr_out)
				     : [in] "r"(want), [out] "r"(got), [mi] "m"(mxcsr_in),
				       "a"(0), "d"(FPU_PORT)
				     : "memory", VEC_CLOBBERS);
		for (i = 0; i < REGS_BYTES; i += 8) {
			/* Without AVX only the low 16 bytes of each slot are loaded. */
			if (!ymm && (i & 31) >= 16)
				continue;
			GUEST_ASSERT_EQ(*(uint64_t *)&got[i], *(uint64_t *)&want[i]);
		}
		GUEST_ASSERT_EQ(mxcsr_out, GUEST_MXCSR);
		GUEST_SYNC(round);
	}
}

/* Set by the host in the guest's copy: the CPUID loop ends. */
static volatile uint64_t stop_loop;

/*
 * XMM0-15 loaded once, then CPUID (an exit the kernel handles) until the
 * host says stop, then the registers read back: the exits, and whatever
 * the host did meanwhile, must not have touched them.
 */
static void guest_kernel_exits(void)
{
	uint8_t want[REGS_BYTES] __attribute__((aligned(32)));
	uint8_t got[REGS_BYTES] __attribute__((aligned(32)));
	uint64_t n = 0;
	unsigned int i;

	pattern(want, 7);
	memset(got, 0, sizeof(got));
	asm volatile(ALL16(XMM_LOAD)
		     "1: xorl %%eax, %%eax\n\t"
		     "cpuid\n\t"
		     "incq %[n]\n\t"
		     "cmpq $0, %[stop]\n\t"
		     "je 1b\n\t"
		     ALL16(XMM_STORE)
		     : [n] "+r"(n)
		     : [in] "r"(want), [out] "r"(got), [stop] "m"(stop_loop)
		     : "rax", "rbx", "rcx", "rdx", "memory", VEC_CLOBBERS);
	for (i = 0; i < REGS_BYTES; i += 8) {
		if ((i & 31) >= 16)
			continue;
		GUEST_ASSERT_EQ(*(uint64_t *)&got[i], *(uint64_t *)&want[i]);
	}
	GUEST_SYNC(n);
}

/* ---- PKRU ---------------------------------------------------------------- */

#define PKRU_INIT	0x55555554U	/* Linux's default for a thread */
#define PKRU_HOST	0x55555550U	/* the test thread's: access-disable keys 2-15 */
#define PKRU_G1		0x3cU		/* the guest's by WRPKRU: keys 1, 2 */
#define PKRU_G2		0xcc0U		/* the guest's by XRSTOR: keys 3, 5 */
#define XFEATURE_PKRU	(1ULL << 9)
#define XSTATE_BV	512		/* offset of the XSAVE header's XSTATE_BV */
#define PKRU_PHASES	7		/* guest_pkru()'s GUEST_SYNCs */

static inline void pkru_write(uint32_t pkru)
{
	asm volatile(".byte 0x0f, 0x01, 0xef" : : "a"(pkru), "c"(0), "d"(0) : "memory");
}

static inline uint32_t pkru_read(void)
{
	uint32_t pkru, edx;

	asm volatile(".byte 0x0f, 0x01, 0xee" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

static void guest_set_cr4(uint64_t cr4)
{
	asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

static void guest_xsetbv(uint64_t xcr0)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
}

/* A few exits the kernel handles, with the VCPU held. */
static void guest_cpuid_exits(void)
{
	uint32_t a, b, c, d;
	int i;

	for (i = 0; i < 4; i++)
		guest_cpuid(0, 0, &a, &b, &c, &d);
}

static uint8_t pkru_area[4096] __attribute__((aligned(64)));

/*
 * The guest's PKRU through every way in: WRPKRU with CR4.PKE, kept while
 * PKE is off, and XRSTOR with PKRU in XCR0 but PKE off (the kernel then
 * switches PKRU although the guest cannot use RDPKRU). Each phase ends in
 * exits to user space, where the host checks its own PKRU.
 */
static void guest_pkru(void)
{
	uint64_t cr4 = guest_read_cr4() & ~X86_CR4_PKE;
	uint32_t a, b, c, d, off;

	guest_cpuid(7, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1U << 3));			/* PKU */
	GUEST_ASSERT(!(c & (1U << 4)));			/* OSPKE follows CR4.PKE */
	GUEST_ASSERT(guest_xcr0);
	guest_cpuid(0xd, 0, &a, &b, &c, &d);
	GUEST_ASSERT(a & XFEATURE_PKRU);
	guest_cpuid(0xd, 9, &a, &b, &c, &d);
	GUEST_ASSERT(a == 8 && b + 8 <= sizeof(pkru_area));
	off = b;

	/* (a) PKE off: the guest cannot see PKRU. */
	guest_cpuid_exits();
	GUEST_SYNC(1);

	/* (b) PKE on, the guest's own value. */
	guest_set_cr4(cr4 | X86_CR4_PKE);
	pkru_write(PKRU_G1);
	guest_cpuid_exits();
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(pkru_read(), PKRU_G1);

	/* (c) PKE off across exits, then on again: the value is kept. */
	guest_set_cr4(cr4);
	guest_cpuid_exits();
	GUEST_SYNC(3);
	guest_cpuid_exits();
	guest_set_cr4(cr4 | X86_CR4_PKE);
	GUEST_ASSERT_EQ(pkru_read(), PKRU_G1);
	GUEST_SYNC(4);

	/* (d) PKE off, PKRU in XCR0: XRSTOR loads one, XSAVE reads it. */
	guest_set_cr4(cr4);
	guest_xsetbv(guest_xcr0 | XFEATURE_PKRU);
	memset(pkru_area, 0, sizeof(pkru_area));
	*(uint64_t *)&pkru_area[XSTATE_BV] = XFEATURE_PKRU;
	*(uint32_t *)&pkru_area[off] = PKRU_G2;
	asm volatile("xrstor %0" : : "m"(pkru_area), "a"((uint32_t)XFEATURE_PKRU), "d"(0)
		     : "memory");
	GUEST_SYNC(5);
	guest_cpuid_exits();
	GUEST_SYNC(6);
	memset(pkru_area, 0, sizeof(pkru_area));
	asm volatile("xsave %0" : "+m"(pkru_area) : "a"((uint32_t)XFEATURE_PKRU), "d"(0)
		     : "memory");
	GUEST_ASSERT_EQ(*(uint32_t *)&pkru_area[off], PKRU_G2);
	guest_set_cr4(cr4 | X86_CR4_PKE);
	GUEST_ASSERT_EQ(pkru_read(), PKRU_G2);
	guest_xsetbv(guest_xcr0);
	guest_set_cr4(cr4);
	GUEST_SYNC(7);
}


/* ---- host ----------------------------------------------------------------- */

static bool host_has_avx(void)
{
	uint32_t a, b, c, d, lo, hi;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1U << 27)) || !(c & (1U << 28)))
		return false;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & (XFEATURE_SSE | XFEATURE_YMM)) == (XFEATURE_SSE | XFEATURE_YMM);
}

/*
 * RUN @vcpu with the host's registers holding @seed's pattern, and read
 * them back right after the system call into @got. Return: RUN's result.
 */
static long run_with_host_regs(struct guest_vcpu *vcpu, uint32_t seed, bool ymm,
			       uint8_t *got, uint32_t *mxcsr)
{
	uint8_t in[REGS_BYTES] __attribute__((aligned(32)));
	uint32_t mxcsr_in = HOST_MXCSR;
	long ret = SYS_ioctl;

	pattern(in, seed);
	memset(got, 0, REGS_BYTES);
	if (ymm)
		asm volatile("ldmxcsr %[mi]\n\t"
			     ALL16(YMM_LOAD)
			     "syscall\n\t"
			     ALL16(YMM_STORE)
			     "stmxcsr %[mo]"
			     : "+a"(ret), [mo] "=m"(*mxcsr)
			     : "D"((long)vcpu->h.fd), "S"((long)AXVCPU_RUN), "d"(0L),
			       [in] "r"(in), [out] "r"(got), [mi] "m"(mxcsr_in)
			     : "rcx", "r11", "memory", VEC_CLOBBERS);
	else
		asm volatile("ldmxcsr %[mi]\n\t"
			     ALL16(XMM_LOAD)
			     "syscall\n\t"
			     ALL16(XMM_STORE)
			     "stmxcsr %[mo]"
			     : "+a"(ret), [mo] "=m"(*mxcsr)
			     : "D"((long)vcpu->h.fd), "S"((long)AXVCPU_RUN), "d"(0L),
			       [in] "r"(in), [out] "r"(got), [mi] "m"(mxcsr_in)
			     : "rcx", "r11", "memory", VEC_CLOBBERS);
	return ret;
}

static void host_regs_intact(uint32_t seed, bool ymm, const uint8_t *got, uint32_t mxcsr)
{
	uint8_t want[REGS_BYTES];
	unsigned int i;

	pattern(want, seed);
	for (i = 0; i < REGS_BYTES; i += 8) {
		if (!ymm && (i & 31) >= 16)
			continue;
		TEST_ASSERT_EQ(*(const uint64_t *)&got[i], *(const uint64_t *)&want[i]);
	}
	TEST_ASSERT_EQ(mxcsr, HOST_MXCSR);
}

/* Host seeds are far from guest seeds (guest: 1..; host: 1000..). */
#define HOST_SEED	1000

static uint64_t sync_value(struct guest_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	return uc.args[0];
}

/*
 * What became of the XCR0 the guest entry programmed: @xcr0 (0 without
 * XSAVE), whether the guest's XSETBVs exited (@intercepted) and whether
 * XCR0 still held that value after a few exits (@kept).
 */
struct xcr0_probe {
	uint64_t xcr0;
	bool intercepted;
	bool kept;
};

static struct xcr0_probe probe_xcr0(struct guest_vcpu *vcpu)
{
	struct xcr0_probe p = { .xcr0 = sync_value(vcpu) };
	struct axvcpu_stats s0, s1;

	if (!p.xcr0)
		return p;
	vcpu_stats_get(vcpu, &s0);
	TEST_ASSERT_EQ(sync_value(vcpu), 0);
	vcpu_stats_get(vcpu, &s1);
	p.intercepted = s1.hw_exits - s0.hw_exits > XSETBV_PROBES;
	p.kept = sync_value(vcpu) == p.xcr0;
	/*
	 * An XSETBV the kernel saw must stick: losing it is the kernel's
	 * fault. One the CPU did not intercept (QEMU 7.2's SVM emulation
	 * has no XSETBV intercept) never reached the kernel, which then
	 * reloads its own idea of XCR0 at the next entry.
	 */
	TEST_ASSERT(p.kept || !p.intercepted,
		    "guest XCR0 0x%llx lost after exits although XSETBV was intercepted",
		    (unsigned long long)p.xcr0);
	return p;
}

static void start_vcpu(struct guest_vcpu *vcpu, uint32_t seed, bool ymm)
{
	vcpu_run_exit(vcpu, AXVCPU_EXIT_IO_READ);
	TEST_ASSERT_EQ(vcpu->run->io.port, SEED_PORT);
	axvcpu_complete_io_read(&vcpu->h, seed | (ymm ? SEED_YMM : 0));
}

/* The VCPU exits with its registers loaded; the host's survive RUN. */
static void run_to_loaded(struct guest_vcpu *vcpu, uint32_t host_seed, bool ymm)
{
	uint8_t got[REGS_BYTES] __attribute__((aligned(32)));
	struct ucall uc;
	uint32_t mxcsr;

	TEST_ASSERT_EQ(run_with_host_regs(vcpu, host_seed, ymm, got, &mxcsr), 0);
	/* A guest exception or assertion on the way: say which. */
	if (get_ucall(vcpu, &uc) != UCALL_NONE)
		ucall_check(__FILE__, __LINE__, &uc, UCALL_NONE);
	vcpu_assert_exit(vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(vcpu->run->io.port, FPU_PORT);
	TEST_ASSERT_EQ(vcpu->run->io.data, ymm ? 1 : 0);
	host_regs_intact(host_seed, ymm, got, mxcsr);
}

/* The VCPU reads its registers back and checks them: host's survive too. */
static void run_to_checked(struct guest_vcpu *vcpu, uint32_t host_seed, bool ymm,
			   unsigned int round)
{
	uint8_t got[REGS_BYTES] __attribute__((aligned(32)));
	struct ucall uc;
	uint32_t mxcsr;

	TEST_ASSERT_EQ(run_with_host_regs(vcpu, host_seed, ymm, got, &mxcsr), 0);
	host_regs_intact(host_seed, ymm, got, mxcsr);
	TEST_ASSERT_NE(get_ucall(vcpu, &uc), UCALL_NONE);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], round);
}

static void fpu_isolation(bool want_ymm)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *a = vm_vcpu_add(vm, 0, guest_fpu);
	struct guest_vcpu *b = vm_vcpu_add(vm, 1, guest_fpu);
	struct xcr0_probe pa, pb;
	bool ymm = want_ymm;
	unsigned int round;

	vcpu_bind(a);
	vcpu_bind(b);
	pa = probe_xcr0(a);
	pb = probe_xcr0(b);
	TEST_ASSERT_EQ(pb.xcr0, pa.xcr0);
	if (ymm && !host_has_avx())
		test_skip("the host has no AVX (or the kernel has not enabled it)");
	if (ymm && !(pa.xcr0 & XFEATURE_YMM))
		test_skip("the guest's CPUID offers no AVX/XSAVE (guest XCR0 0x%llx)",
			  (unsigned long long)pa.xcr0);
	if (!pa.kept || !pb.kept)
		test_note("guest XSETBV did not exit (no XSETBV intercept on this CPU, as "
			  "in QEMU 7.2 TCG): guest XCR0 reverts at each entry, the guest "
			  "sets it again around its exits");
	if (ymm && !(pa.kept && pb.kept))
		vm_install_exception_handler(vm, 6, avx_ud_fixup);
	start_vcpu(a, 1, ymm);
	start_vcpu(b, 100, ymm);

	for (round = 0; round < ROUNDS; round++) {
		run_to_loaded(a, HOST_SEED + 4 * round, ymm);
		run_to_loaded(b, HOST_SEED + 4 * round + 1, ymm);
		run_to_checked(a, HOST_SEED + 4 * round + 2, ymm, round);
		run_to_checked(b, HOST_SEED + 4 * round + 3, ymm, round);
	}
	vcpu_expect_done(a);
	vcpu_expect_done(b);
	sync_global_from_guest(vm, xcr0_fixups);
	if (xcr0_fixups)
		test_note("AVX re-enabled %llu times after XCR0 reverted at an entry",
			  (unsigned long long)xcr0_fixups);
	vm_free(vm);
}

static void xmm_isolation(void)
{
	fpu_isolation(false);
}

/* What the helper threads of xmm_kept_across_kernel_exits share. */
struct disturb {
	pthread_t vcpu_thread;
	pid_t vcpu_tid;
	int cpus[8];
	int nr_cpus;
	volatile bool stop;
	volatile uint64_t mismatches;
	volatile uint64_t moves, signals, rounds;
};

static void pin_thread(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* The VCPU's thread is the test's: its failure would fail the case. */
	TEST_ASSERT_EQ(sched_setaffinity(tid, sizeof(set), &set), 0);
}

/* A thread of its own pattern on one CPU: preempts the VCPU's thread. */
struct competitor {
	struct disturb *d;
	int cpu;
	uint32_t seed;
};

static void *competitor_fn(void *arg)
{
	struct competitor *c = arg;
	uint8_t in[REGS_BYTES] __attribute__((aligned(32)));
	uint8_t out[REGS_BYTES] __attribute__((aligned(32)));
	unsigned int i, spin;

	pin_thread(0, c->cpu);
	pattern(in, c->seed);
	while (!c->d->stop) {
		memset(out, 0, sizeof(out));
		/* Loaded, then a while in user space with them, then read back. */
		asm volatile(ALL16(XMM_LOAD)
			     "1: pause\n\t"
			     "decl %[spin]\n\t"
			     "jnz 1b\n\t"
			     ALL16(XMM_STORE)
			     : [spin] "=r"(spin)
			     : [in] "r"(in), [out] "r"(out), "0"(100000)
			     : "memory", VEC_CLOBBERS);
		for (i = 0; i < REGS_BYTES; i += 32)
			if (memcmp(&in[i], &out[i], 16))
				c->d->mismatches++;
		c->d->rounds++;
	}
	return NULL;
}

/* Moves the VCPU's thread between CPUs and interrupts its RUN. */
static void *mover_fn(void *arg)
{
	struct disturb *d = arg;
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
	unsigned int i;

	for (i = 0; !d->stop; i++) {
		nanosleep(&ts, NULL);
		if (d->nr_cpus > 1) {
			pin_thread(d->vcpu_tid, d->cpus[i % d->nr_cpus]);
			d->moves++;
		}
		if (i % 2 == 0) {
			pthread_kill(d->vcpu_thread, SIGUSR1);
			d->signals++;
		}
	}
	return NULL;
}

/* A handler that uses XMM0-15: the interrupted thread's must survive. */
static void clobber_xmm(int sig)
{
	uint8_t junk[REGS_BYTES] __attribute__((aligned(32)));

	(void)sig;
	pattern(junk, 99);
	asm volatile(ALL16(XMM_LOAD) : : [in] "r"(junk) : "memory", VEC_CLOBBERS);
}

static void xmm_kept_across_kernel_exits(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_kernel_exits);
	struct competitor comp[8];
	pthread_t comp_thr[8], mover;
	struct disturb d = { 0 };
	struct sigaction sa = { .sa_handler = clobber_xmm };
	uint8_t got[REGS_BYTES] __attribute__((aligned(32)));
	struct timespec start, now;
	struct axvcpu_stats stats;
	uint64_t one = 1, runs = 0;
	struct ucall uc;
	uint32_t mxcsr;
	long ret;
	int i;

	d.nr_cpus = online_cpus(d.cpus, ARRAY_SIZE(d.cpus));
	TEST_ASSERT(d.nr_cpus > 0, "no online CPU");
	d.vcpu_thread = pthread_self();
	d.vcpu_tid = (pid_t)syscall(SYS_gettid);
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	for (i = 0; i < d.nr_cpus; i++) {
		comp[i] = (struct competitor){ .d = &d, .cpu = d.cpus[i], .seed = 200 + i };
		TEST_ASSERT_EQ(pthread_create(&comp_thr[i], NULL, competitor_fn, &comp[i]), 0);
	}
	TEST_ASSERT_EQ(pthread_create(&mover, NULL, mover_fn, &d), 0);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* After half a second the guest is told to stop looping. */
		if (now.tv_sec - start.tv_sec > 1 ||
		    (now.tv_sec - start.tv_sec) * 1000000000L + now.tv_nsec - start.tv_nsec >
		    500000000L)
			memcpy(addr_gpa2hva(vm, (uint64_t)(uintptr_t)&stop_loop), &one,
			       sizeof(one));
		ret = run_with_host_regs(vcpu, HOST_SEED + (uint32_t)runs, false, got, &mxcsr);
		host_regs_intact(HOST_SEED + (uint32_t)runs, false, got, mxcsr);
		runs++;
		if (ret == -EINTR) {
			vcpu_assert_exit(vcpu, AXVCPU_EXIT_INTR);
			continue;
		}
		TEST_ASSERT_EQ(ret, 0);
		break;
	}
	d.stop = true;
	pthread_join(mover, NULL);
	for (i = 0; i < d.nr_cpus; i++)
		pthread_join(comp_thr[i], NULL);
	signal(SIGUSR1, SIG_DFL);

	TEST_ASSERT_NE(get_ucall(vcpu, &uc), UCALL_NONE);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] > 0, "the guest made no CPUID exit");
	TEST_ASSERT_EQ(d.mismatches, 0);
	vcpu_stats_get(vcpu, &stats);
	test_note("%llu CPUID exits in %llu RUNs, %llu moves, %llu signals, %llu competitor rounds",
		  (unsigned long long)uc.args[0], (unsigned long long)runs,
		  (unsigned long long)d.moves, (unsigned long long)d.signals,
		  (unsigned long long)d.rounds);
	TEST_ASSERT(stats.exits[AXVCPU_EXIT_NOTHING] >= uc.args[0],
		    "%llu exits handled in the kernel, %llu CPUIDs",
		    (unsigned long long)stats.exits[AXVCPU_EXIT_NOTHING],
		    (unsigned long long)uc.args[0]);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/*
 * pkru_isolation: the thread's PKRU is its own after every RUN, whatever
 * the guest did with its own (guest_pkru()), and the guest's survives
 * the host's. The kernel switches PKRU only while the guest can see it
 * (CR4.PKE, or PKRU in XCR0), so each phase crosses that line.
 */
static void pkru_isolation(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	uint64_t phase;
	struct ucall uc;

	if (!cpuinfo_has_flag("pku") || !cpuinfo_has_flag("ospke"))
		test_skip("this CPU model has no protection keys");
	vm = vm_create_with_one_vcpu(&vcpu, guest_pkru);
	/* The guest's GUEST_SYNC(1) to (PKRU_PHASES), then its return. */
	for (phase = 1; phase <= PKRU_PHASES + 1; phase++) {
		/* A different thread value each time (keys 1-2 only). */
		uint32_t host = PKRU_HOST ^ (uint32_t)(phase << 2);

		pkru_write(host);
		vcpu_run_ucall(vcpu, &uc);
		TEST_ASSERT_EQ(pkru_read(), host);
		ucall_check(__FILE__, __LINE__, &uc,
			    phase <= PKRU_PHASES ? UCALL_SYNC : UCALL_DONE);
		if (phase <= PKRU_PHASES)
			TEST_ASSERT_EQ(uc.args[0], phase);
	}
	pkru_write(PKRU_INIT);
	vm_free(vm);
}

static void ymm_isolation(void)
{
	fpu_isolation(true);
}

static const struct test_case cases[] = {
	TEST_CASE(xmm_isolation),
	TEST_CASE(ymm_isolation),
	TEST_CASE(xmm_kept_across_kernel_exits),
	TEST_CASE(pkru_isolation),
};

int main(void)
{
	return test_run_all(cases);
}
