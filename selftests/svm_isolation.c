// SPDX-License-Identifier: MIT
/*
 * svm_isolation: host state a guest must not see, and guest state that
 * must follow the VCPU (Documentation/design.rst, "Isolation").
 *
 * - Debug registers: a hardware breakpoint the VMM thread sets with
 *   perf_event_open() is invisible in the guest's DR0-3; the guest's own
 *   DR0-3 and DR6 survive migration to the other CPU and a host
 *   breakpoint.
 * - RDPMC raises #GP (the host's counters are not the guest's).
 * - TSC_AUX: RDTSCP, RDPID and RDMSR return the guest's value, from reset
 *   on, on every CPU; the host's is back after RUN.
 * - Speculation controls the guest's CPUID offers work in the kernel.
 * - CPUID 0xD.0 EBX follows the guest's XCR0.
 * - x87 FIP/FDP are never another context's.
 * - Switching one CPU between two VMs' VCPUs (the IBPB path).
 */
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define MSR_TSC_AUX	0xc0000103u
#define MSR_SPEC_CTRL	0x00000048u
#define MSR_PRED_CMD	0x00000049u
#define EFER_AUTOIBRS	(1ULL << 21)

/* ---- helpers --------------------------------------------------------- */

static void move_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Two online CPUs to move between; the second is @cpus[0] if only one. */
static int two_cpus(int cpus[2])
{
	int n = online_cpus(cpus, 2);

	TEST_ASSERT(n >= 1, "online CPUs: %d", n);
	if (n < 2)
		cpus[1] = cpus[0];
	return n < 2 ? 1 : 2;
}

/*
 * A write breakpoint on @addr for the calling thread (installed in a DR
 * slot of whichever CPU runs it). Return: the perf fd; skips the case
 * when the kernel offers no hardware breakpoints.
 */
static int host_breakpoint(volatile void *addr)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_BREAKPOINT;
	attr.size = sizeof(attr);
	attr.bp_type = HW_BREAKPOINT_W;
	attr.bp_addr = (uint64_t)(uintptr_t)addr;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	attr.sample_period = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		test_skip("perf_event_open(PERF_TYPE_BREAKPOINT): %s", test_errno_name(-errno));
	return fd;
}

static struct ucall run_sync(struct guest_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	return uc;
}

/* ---- debug registers -------------------------------------------------- */

#define GET_DR(n, v)	do { asm volatile("mov %%dr" #n ", %0" : "=r"(v)); } while (0)
#define SET_DR(n, v)	do { asm volatile("mov %0, %%dr" #n : : "r"((uint64_t)(v))); } while (0)

/* Breakpoint addresses the guest parks in DR0-3 (DR7 leaves them off). */
static const uint64_t guest_dr[4] = {
	0x7f0000001000ULL, 0x7f0000002008ULL, 0x7f0000003010ULL, 0x7f0000004018ULL,
};

static volatile uint64_t host_watch;

static void guest_report_dr(void)
{
	uint64_t d0, d1, d2, d3;

	GET_DR(0, d0);
	GET_DR(1, d1);
	GET_DR(2, d2);
	GET_DR(3, d3);
	guest_ucall(UCALL_SYNC, d0, d1, d2, d3);
}

static void guest_read_dr(void)
{
	guest_report_dr();
}

static void dr_host_breakpoint_hidden(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_read_dr);
	uint64_t bp = (uint64_t)(uintptr_t)&host_watch;
	struct ucall uc;
	int fd, i;

	fd = host_breakpoint(&host_watch);
	uc = run_sync(vcpu);
	for (i = 0; i < 4; i++) {
		TEST_ASSERT(uc.args[i] != bp,
			    "guest DR%d reads the host's breakpoint address 0x%llx", i,
			    (unsigned long long)bp);
		/* A guest that never wrote its DR0-3 has the reset value, 0. */
		TEST_ASSERT_EQ(uc.args[i], 0);
	}
	vcpu_expect_done(vcpu);
	close(fd);
	vm_free(vm);
}

#define DR_ROUNDS	4

static void guest_keep_dr(void)
{
	uint64_t dr6, round;

	SET_DR(0, guest_dr[0]);
	SET_DR(1, guest_dr[1]);
	SET_DR(2, guest_dr[2]);
	SET_DR(3, guest_dr[3]);
	/* B0 set, as a #DB on DR0 would leave it. */
	SET_DR(6, 0xffff0ff1ULL);
	GET_DR(6, dr6);
	GUEST_SYNC(dr6);
	for (round = 0; round < DR_ROUNDS; round++) {
		guest_report_dr();
		GET_DR(6, dr6);
		GUEST_SYNC(dr6);
	}
}

static void dr_guest_values_survive(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_keep_dr);
	int cpus[2], nr = two_cpus(cpus), round, i, fd = -1;
	uint64_t dr6;
	struct ucall uc;

	if (nr < 2)
		test_note("one CPU online: no migration between CPUs");
	move_to_cpu(cpus[0]);
	dr6 = run_sync(vcpu).args[0];
	for (round = 0; round < DR_ROUNDS; round++) {
		/* Rounds 0 and 2 on the other CPU; 1 and 3 with a host breakpoint. */
		move_to_cpu(cpus[(round + 1) % 2]);
		if (round % 2)
			fd = host_breakpoint(&host_watch);
		uc = run_sync(vcpu);
		for (i = 0; i < 4; i++)
			TEST_ASSERT(uc.args[i] == guest_dr[i],
				    "round %d (CPU %d%s): guest DR%d is 0x%llx, it wrote 0x%llx",
				    round, cpus[(round + 1) % 2],
				    round % 2 ? ", host breakpoint set" : "", i,
				    (unsigned long long)uc.args[i],
				    (unsigned long long)guest_dr[i]);
		TEST_ASSERT_EQ(run_sync(vcpu).args[0], dr6);
		if (fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- RDPMC ----------------------------------------------------------- */

static volatile uint64_t exc_vector;

/* RDPMC (0F 33) faulted: note the vector and go on after it. */
static void rdpmc_fault(struct guest_exc_frame *frame)
{
	exc_vector = frame->vector;
	frame->rip += 2;
}

static void guest_rdpmc(void)
{
	uint32_t lo, hi;

	exc_vector = 0xff;
	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0) : "memory");
	GUEST_SYNC(exc_vector);
}

static void rdpmc_raises_gp(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rdpmc);
	uint64_t vec;

	vm_install_exception_handler(vm, 6, rdpmc_fault);
	vm_install_exception_handler(vm, 13, rdpmc_fault);
	vec = run_sync(vcpu).args[0];
	TEST_ASSERT(vec == 13, "RDPMC in the guest: %s (vector %llu), want #GP",
		    vec == 0xff ? "no fault (it read a counter)" : "exception",
		    (unsigned long long)vec);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- TSC_AUX ----------------------------------------------------------- */

#define GUEST_TSC_AUX	0x1234

static uint32_t guest_rdtscp(void)
{
	uint32_t lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static bool guest_has_rdpid(void)
{
	uint32_t a, b, c, d;

	guest_cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	guest_cpuid(7, 0, &a, &b, &c, &d);
	return c & (1U << 22);
}

static uint64_t guest_rdpid(void)
{
	uint64_t v;

	/* rdpid %rax */
	asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(v));
	return v;
}

static void guest_tsc_aux(void)
{
	bool rdpid = guest_has_rdpid();

	/* The instructions first, then the MSR (which could exit to user space). */
	guest_ucall(UCALL_SYNC, guest_rdtscp(), 0, rdpid, rdpid ? guest_rdpid() : 0);
	GUEST_SYNC(guest_rdmsr(MSR_TSC_AUX));
	guest_wrmsr(MSR_TSC_AUX, GUEST_TSC_AUX);
	guest_ucall(UCALL_SYNC, guest_rdtscp(), guest_rdmsr(MSR_TSC_AUX), rdpid,
		    rdpid ? guest_rdpid() : 0);
	guest_ucall(UCALL_SYNC, guest_rdtscp(), guest_rdmsr(MSR_TSC_AUX), rdpid,
		    rdpid ? guest_rdpid() : 0);
}

static void check_aux(const struct ucall *uc, uint64_t want, const char *when)
{
	TEST_ASSERT(uc->args[0] == want, "%s: RDTSCP returns TSC_AUX 0x%llx, want 0x%llx",
		    when, (unsigned long long)uc->args[0], (unsigned long long)want);
	TEST_ASSERT(uc->args[1] == want, "%s: RDMSR TSC_AUX 0x%llx, want 0x%llx",
		    when, (unsigned long long)uc->args[1], (unsigned long long)want);
	if (uc->args[2])
		TEST_ASSERT(uc->args[3] == want, "%s: RDPID 0x%llx, want 0x%llx", when,
			    (unsigned long long)uc->args[3], (unsigned long long)want);
}

static void tsc_aux_is_the_guests(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	uint64_t host_aux[2], now;
	int cpus[2], nr = two_cpus(cpus), i;
	struct ucall uc;

	if (!cpuinfo_has_flag("rdtscp"))
		test_skip("the CPU has no RDTSCP");
	for (i = 0; i < 2; i++)
		TEST_ASSERT_OK(read_msr(cpus[i], MSR_TSC_AUX, &host_aux[i]));
	if (nr < 2 || !host_aux[1])
		test_note("no CPU with a non-zero host TSC_AUX: the reset value is not distinct");
	vm = vm_create_with_one_vcpu(&vcpu, guest_tsc_aux);

	/* The last CPU's host TSC_AUX (its number) is not the reset value 0. */
	move_to_cpu(cpus[1]);
	uc = run_sync(vcpu);
	uc.args[1] = 0;
	check_aux(&uc, 0, "after reset");
	TEST_ASSERT_EQ(run_sync(vcpu).args[0], 0);
	uc = run_sync(vcpu);
	if (uc.args[2])
		test_note("guest CPUID offers RDPID: checked too");
	check_aux(&uc, GUEST_TSC_AUX, "after WRMSR");
	TEST_ASSERT_OK(read_msr(cpus[1], MSR_TSC_AUX, &now));
	TEST_ASSERT_EQ(now, host_aux[1]);

	move_to_cpu(cpus[0]);
	uc = run_sync(vcpu);
	check_aux(&uc, GUEST_TSC_AUX, "after migration");
	vcpu_expect_done(vcpu);
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_OK(read_msr(cpus[i], MSR_TSC_AUX, &now));
		TEST_ASSERT_EQ(now, host_aux[i]);
	}
	vm_free(vm);
}

/* ---- speculation controls ------------------------------------------- */

#define B(n)	(1U << (n))

/* What the guest's CPUID offers, decoded the same way on both sides. */
struct spec_offer {
	uint32_t ext8_ebx, l7_edx, ext21_eax;
};

static uint64_t spec_ctrl_bits(const struct spec_offer *o)
{
	uint64_t m = 0;

	if ((o->ext8_ebx & B(14)) || (o->l7_edx & B(26)))
		m |= 1;		/* IBRS */
	if ((o->ext8_ebx & B(15)) || (o->l7_edx & B(27)))
		m |= 2;		/* STIBP */
	if ((o->ext8_ebx & B(24)) || (o->l7_edx & B(31)))
		m |= 4;		/* SSBD */
	return m;
}

static bool offers_ibpb(const struct spec_offer *o)
{
	return (o->ext8_ebx & B(12)) || (o->l7_edx & B(26));
}

static void guest_spec(void)
{
	struct spec_offer o = { 0 };
	uint32_t a, b, c, d, max_ext;
	uint64_t m;

	guest_cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000008)
		guest_cpuid(0x80000008, 0, &a, &o.ext8_ebx, &c, &d);
	if (max_ext >= 0x80000021)
		guest_cpuid(0x80000021, 0, &o.ext21_eax, &b, &c, &d);
	guest_cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7)
		guest_cpuid(7, 0, &a, &b, &c, &o.l7_edx);
	guest_ucall(UCALL_SYNC, o.ext8_ebx, o.l7_edx, o.ext21_eax, 0);

	m = spec_ctrl_bits(&o);
	if (m) {
		guest_wrmsr(MSR_SPEC_CTRL, m);
		GUEST_SYNC(guest_rdmsr(MSR_SPEC_CTRL));
		guest_wrmsr(MSR_SPEC_CTRL, 0);
	}
	if (offers_ibpb(&o)) {
		guest_wrmsr(MSR_PRED_CMD, 1);
		GUEST_SYNC(1);
	}
	if (o.ext21_eax & B(8)) {
		guest_wrmsr(MSR_EFER, guest_rdmsr(MSR_EFER) | EFER_AUTOIBRS);
		GUEST_SYNC(guest_rdmsr(MSR_EFER) & EFER_AUTOIBRS);
	}
}

static void spec_ctrl_offered_is_honoured(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_spec);
	struct spec_offer o;
	struct ucall uc;
	uint64_t m;

	uc = run_sync(vcpu);
	o.ext8_ebx = uc.args[0];
	o.l7_edx = uc.args[1];
	o.ext21_eax = uc.args[2];
	test_note("guest CPUID: 0x80000008 EBX 0x%x, 7.0 EDX 0x%x, 0x80000021 EAX 0x%x",
		  o.ext8_ebx, o.l7_edx, o.ext21_eax);
	/* MSRs the kernel does not handle: they must not be offered. */
	TEST_ASSERT(!(o.ext8_ebx & B(25)), "VIRT_SSBD offered");
	TEST_ASSERT(!(o.l7_edx & B(29)), "ARCH_CAPABILITIES offered");
	TEST_ASSERT(!(o.l7_edx & B(28)), "FLUSH_L1D offered");

	/* Each step is a ucall: a SPEC_CTRL/PRED_CMD/EFER exit to user space fails. */
	m = spec_ctrl_bits(&o);
	if (m)
		TEST_ASSERT_EQ(run_sync(vcpu).args[0], m);
	if (offers_ibpb(&o))
		TEST_ASSERT_EQ(run_sync(vcpu).args[0], 1);
	if (o.ext21_eax & B(8))
		TEST_ASSERT_EQ(run_sync(vcpu).args[0], EFER_AUTOIBRS);
	vcpu_expect_done(vcpu);
	vm_free(vm);
	if (!m && !offers_ibpb(&o) && !(o.ext21_eax & B(8)))
		test_skip("this CPU offers no IBRS/STIBP/SSBD/IBPB/AutoIBRS (QEMU TCG models "
			  "do not): only their absence from CPUID was checked");
}

/* ---- CPUID 0xD ------------------------------------------------------- */

static uint32_t xsave_size(uint64_t xcr0)
{
	uint32_t size = 576, a, b, c, d;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		guest_cpuid(0xd, i, &a, &b, &c, &d);
		if (a + b > size)
			size = a + b;
	}
	return size;
}

static void guest_xsetbv(uint64_t v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void guest_xsave_size(void)
{
	uint32_t a, b, c, d;

	GUEST_SYNC(guest_xcr0);
	if (!guest_xcr0)
		return;
	guest_xsetbv(XFEATURE_X87 | XFEATURE_SSE);
	guest_cpuid(0xd, 0, &a, &b, &c, &d);
	guest_xsetbv(guest_xcr0);
	GUEST_SYNC(b);
	guest_cpuid(0xd, 0, &a, &b, &c, &d);
	GUEST_SYNC(b);
}

static void xsave_size_follows_guest_xcr0(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_xsave_size);
	uint64_t xcr0 = run_sync(vcpu).args[0];

	if (!xcr0) {
		vcpu_expect_done(vcpu);
		test_skip("the guest has no XSAVE");
	}
	TEST_ASSERT_EQ(run_sync(vcpu).args[0], xsave_size(XFEATURE_X87 | XFEATURE_SSE));
	TEST_ASSERT_EQ(run_sync(vcpu).args[0], xsave_size(xcr0));
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- x87 pointers ------------------------------------------------------ */

static float guest_x87_var = 1.5f;
static float host_x87_var = 2.5f;

/* FNSTENV, 32-bit protected-mode layout: FIP at byte 12, FDP at 20. */
static void guest_x87(void)
{
	uint32_t env[7];
	uint64_t ip;

	asm volatile("flds %1\n\t"
		     "1: fstps %1\n\t"
		     "lea 1b(%%rip), %0"
		     : "=r"(ip), "+m"(guest_x87_var));
	GUEST_SYNC(0);
	asm volatile("fnstenv %0" : "=m"(env));
	guest_ucall(UCALL_SYNC, env[3], env[5], (uint32_t)ip,
		    (uint32_t)(uintptr_t)&guest_x87_var);
}

static void x87_pointers_are_the_guests(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_x87);
	long ret = SYS_ioctl;
	uint64_t hip;
	struct ucall uc;

	TEST_ASSERT_EQ(run_sync(vcpu).args[0], 0);
	/* The host's last x87 instruction right before RUN. */
	asm volatile("flds %[v]\n\t"
		     "1: fstps %[v]\n\t"
		     "lea 1b(%%rip), %[ip]\n\t"
		     "syscall"
		     : "+a"(ret), [ip] "=&r"(hip), [v] "+m"(host_x87_var)
		     : "D"((long)vcpu->h.fd), "S"((long)AXVCPU_RUN), "d"(0L)
		     : "rcx", "r11", "memory");
	TEST_ASSERT_EQ(ret, 0);
	TEST_ASSERT_NE(get_ucall(vcpu, &uc), UCALL_NONE);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] != (uint32_t)hip && uc.args[1] != (uint32_t)(uintptr_t)&host_x87_var,
		    "guest FIP 0x%llx FDP 0x%llx are the host's", (unsigned long long)uc.args[0],
		    (unsigned long long)uc.args[1]);
	/* Its own, or zero where the CPU does not restore them (FXSAVE_LEAK). */
	TEST_ASSERT(uc.args[0] == uc.args[2] || uc.args[0] == 0,
		    "guest FIP 0x%llx, its last x87 instruction is at 0x%llx",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[2]);
	TEST_ASSERT(uc.args[1] == uc.args[3] || uc.args[1] == 0,
		    "guest FDP 0x%llx, its last x87 operand is at 0x%llx",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[3]);
	if (!uc.args[0])
		test_note("x87 pointers read as 0 (the kernel cleared them before XRSTOR)");
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- two VMs on one CPU ------------------------------------------------ */

#define SWITCH_ROUNDS	50

static void guest_count(void)
{
	uint64_t i;

	for (i = 0; i < SWITCH_ROUNDS; i++)
		GUEST_SYNC(i);
}

static void vm_switch_on_one_cpu(void)
{
	struct guest_vm *vm[3];
	struct guest_vcpu *v[3];
	int cpus[2], i, r;

	two_cpus(cpus);
	move_to_cpu(cpus[0]);
	for (i = 0; i < 2; i++) {
		vm[i] = vm_create(GUEST_RAM_SIZE);
		v[i] = vm_vcpu_add(vm[i], 0, guest_count);
		vcpu_bind(v[i]);
	}
	/* Every RUN switches VMCB (and VM): the IBPB path each time. */
	for (r = 0; r < SWITCH_ROUNDS / 2; r++)
		for (i = 0; i < 2; i++)
			TEST_ASSERT_EQ(run_sync(v[i]).args[0], r);
	/* A VMCB page freed and maybe reused by a new VM's VCPU. */
	vm_free(vm[0]);
	vm[2] = vm_create(GUEST_RAM_SIZE);
	v[2] = vm_vcpu_add(vm[2], 0, guest_count);
	vcpu_bind(v[2]);
	for (r = 0; r < SWITCH_ROUNDS / 2; r++) {
		TEST_ASSERT_EQ(run_sync(v[2]).args[0], r);
		TEST_ASSERT_EQ(run_sync(v[1]).args[0], SWITCH_ROUNDS / 2 + r);
	}
	vcpu_expect_done(v[1]);
	vm_free(vm[1]);
	vm_free(vm[2]);
	if (!cpuinfo_has_flag("ibpb"))
		test_note("the CPU has no IBPB: the barrier itself is a no-op here");
}

static const struct test_case cases[] = {
	TEST_CASE(dr_host_breakpoint_hidden),
	TEST_CASE(dr_guest_values_survive),
	TEST_CASE(rdpmc_raises_gp),
	TEST_CASE(tsc_aux_is_the_guests),
	TEST_CASE(spec_ctrl_offered_is_honoured),
	TEST_CASE(xsave_size_follows_guest_xcr0),
	TEST_CASE(x87_pointers_are_the_guests),
	TEST_CASE(vm_switch_on_one_cpu),
};

int main(void)
{
	return test_run_all(cases);
}
