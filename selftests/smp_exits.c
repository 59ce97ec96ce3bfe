// SPDX-License-Identifier: MIT
/*
 * smp_exits: the SMP exits of x86 guests, which need no interrupt
 * delivery: the x2APIC ID (and CPUID's APIC ids) of each VCPU, SEND_IPI's
 * fields for every shorthand and destination mode, #GP for reserved ICR
 * bits and the read-only ID, SYSREG exits of the other x2APIC registers
 * and ICR modes, the CPU_DOWN hypercall, and INIT/STARTUP -> CPU_UP with
 * the started VCPU running in real mode beside the one that started it.
 */
#include <inttypes.h>
#include <pthread.h>

#include "guest.h"

#define X2APIC_ID		0x802
#define X2APIC_VERSION		0x803
#define X2APIC_TPR		0x808
#define X2APIC_EOI		0x80b
#define X2APIC_ICR		0x830
#define X2APIC_LAST		0x8ff

#define ICR_DM_LOWEST		(1ULL << 8)
#define ICR_DM_NMI		(4ULL << 8)
#define ICR_DM_INIT		(5ULL << 8)
#define ICR_DM_STARTUP		(6ULL << 8)
#define ICR_LOGICAL		(1ULL << 11)
#define ICR_ASSERT		(1ULL << 14)
#define ICR_LEVEL		(1ULL << 15)
#define ICR_SH_SELF		(1ULL << 18)
#define ICR_SH_ALL		(2ULL << 18)
#define ICR_SH_OTHERS		(3ULL << 18)
#define ICR_DEST(id)		((uint64_t)(id) << 32)

#define HC_CPU_DOWN		0x41580001ULL
#define HC_KERNEL_UNKNOWN	0x4158abcdULL
#define HC_USER			0x41570000ULL

/* ---- x2APIC ID and CPUID ---------------------------------------------- */

static void guest_apic_ids(void)
{
	uint32_t a, b, c, d, max;

	guest_cpuid(0, 0, &max, &b, &c, &d);
	guest_cpuid(1, 0, &a, &b, &c, &d);
	/* x2APIC id, CPUID.1 initial APIC id, x2APIC bit, CPUID.0xB id. */
	GUEST_SYNC2(guest_rdmsr(X2APIC_ID), b >> 24);
	GUEST_SYNC2(!!(c & (1U << 21)), max);
	if (max >= 0xb) {
		guest_cpuid(0xb, 0, &a, &b, &c, &d);
		GUEST_SYNC(d);
	}
}

static void *apic_id_thread(void *arg)
{
	struct guest_vcpu *vcpu = arg;
	struct ucall uc;
	uint64_t max;

	vcpu_bind(vcpu);
	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], vcpu->id);
	TEST_ASSERT_EQ(uc.args[1], vcpu->id);
	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 1);
	max = uc.args[1];
	if (max >= 0xb)
		vcpu_expect_sync(vcpu, vcpu->id);
	else
		test_note("CPUID has no leaf 0xB (max %" PRIu64 ")", max);
	vcpu_expect_done(vcpu);
	return NULL;
}

/* VCPUs 0, 1 and 5, each in its own thread: the id is the VCPU id. */
static void x2apic_id(void)
{
	static const uint32_t ids[] = { 0, 1, 5 };
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	pthread_t threads[ARRAY_SIZE(ids)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		TEST_ASSERT_EQ(pthread_create(&threads[i], NULL, apic_id_thread,
					      vm_vcpu_add(vm, ids[i], guest_apic_ids)), 0);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		TEST_ASSERT_EQ(pthread_join(threads[i], NULL), 0);
	vm_free(vm);
}

/* ---- SEND_IPI --------------------------------------------------------- */

static const struct {
	uint64_t icr;
	uint8_t to_all, to_self;
} ipi_table[] = {
	{ ICR_DEST(1) | 0x40, 0, 0 },
	{ ICR_DEST(0) | 0xfe, 0, 0 },
	{ ICR_DEST(7) | ICR_ASSERT | 0x31, 0, 0 },		/* no such VCPU */
	{ ICR_DEST(0xffffffff) | 0x41, 0, 0 },			/* broadcast id */
	{ ICR_DEST(0x10003) | ICR_LOGICAL | 0x42, 0, 0 },	/* logical */
	{ ICR_SH_SELF | 0x43, 0, 1 },
	{ ICR_SH_ALL | 0x44, 1, 1 },
	{ ICR_SH_OTHERS | ICR_DEST(5) | 0x45, 1, 0 },
	{ ICR_SH_OTHERS | ICR_LEVEL | ICR_ASSERT | 0xff, 1, 0 },
	{ (1ULL << 12) | ICR_DEST(2) | 0x46, 0, 0 },		/* status bit ignored */
};

static void guest_send_ipis(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ipi_table); i++)
		guest_wrmsr(X2APIC_ICR, ipi_table[i].icr);
	GUEST_SYNC(0x1b1);
}

static void send_ipi_fields(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_send_ipis);
	struct axvcpu_stats st;
	struct axvcpu_run *run = vcpu->run;
	uint64_t last_rip = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ipi_table); i++) {
		uint64_t icr = ipi_table[i].icr;

		vcpu_run_exit(vcpu, AXVCPU_EXIT_SEND_IPI);
		TEST_ASSERT_EQ(run->send_ipi.target_cpu, icr >> 32);
		TEST_ASSERT_EQ(run->send_ipi.target_aux, (uint32_t)icr);
		TEST_ASSERT_EQ(run->send_ipi.to_all, ipi_table[i].to_all);
		TEST_ASSERT_EQ(run->send_ipi.to_self, ipi_table[i].to_self);
		TEST_ASSERT_EQ(run->send_ipi.vector, icr & 0xff);
		TEST_ASSERT_EQ(memcmp(run->send_ipi.pad, "\0\0\0\0\0", 5), 0);
		/*
		 * One WRMSR in a loop: RIP is the same after each, and the
		 * next exit being the next entry shows it moved past it.
		 */
		if (i)
			TEST_ASSERT_EQ(run->rip, last_rip);
		last_rip = run->rip;
	}
	vcpu_expect_sync(vcpu, 0x1b1);
	vcpu_expect_done(vcpu);
	vcpu_stats_get(vcpu, &st);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_SEND_IPI], ARRAY_SIZE(ipi_table));
	vm_free(vm);
}

/* ---- #GP -------------------------------------------------------------- */

static volatile uint64_t gp_count;

static void gp_handler(struct guest_exc_frame *frame)
{
	gp_count++;
	frame->rip += 2;		/* past the WRMSR (0F 30) */
}

static void guest_icr_faults(void)
{
	static const uint64_t bad[] = {
		ICR_DEST(1) | (1ULL << 13) | 0x40,
		ICR_DEST(1) | (1ULL << 16) | 0x40,
		ICR_DEST(1) | (1ULL << 17) | 0x40,
		ICR_DEST(1) | (1ULL << 20) | 0x40,
		ICR_DEST(1) | (1ULL << 31) | ICR_DM_INIT,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		guest_wrmsr(X2APIC_ICR, bad[i]);
	GUEST_SYNC(gp_count);
	guest_wrmsr(X2APIC_ID, 3);
	GUEST_SYNC2(gp_count, guest_rdmsr(X2APIC_ID));
}

/* Reserved ICR bits and writes of the read-only ID raise #GP, no exit. */
static void icr_reserved_gp(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_icr_faults);
	struct ucall uc;

	vm_install_exception_handler(vm, 13, gp_handler);
	vcpu_expect_sync(vcpu, 5);
	vcpu_run_ucall(vcpu, &uc);
	ucall_check(__FILE__, __LINE__, &uc, UCALL_SYNC);
	TEST_ASSERT_EQ(uc.args[0], 6);
	TEST_ASSERT_EQ(uc.args[1], 0);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- SYSREG exits of the rest ----------------------------------------- */

static void guest_other_x2apic(void)
{
	GUEST_SYNC(guest_rdmsr(X2APIC_VERSION));
	guest_wrmsr(X2APIC_EOI, 0);
	guest_wrmsr(X2APIC_TPR, 0x20);
	GUEST_SYNC(guest_rdmsr(X2APIC_ICR));
	GUEST_SYNC(guest_rdmsr(X2APIC_LAST));
	guest_wrmsr(X2APIC_ICR, ICR_DEST(1) | ICR_DM_NMI);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(1) | ICR_DM_LOWEST | 0x50);
	guest_wrmsr(X2APIC_ICR, ICR_SH_OTHERS | ICR_DM_INIT | ICR_ASSERT);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(0x10002) | ICR_LOGICAL | ICR_DM_STARTUP | 0x10);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(0xffffffff) | ICR_DM_INIT | ICR_ASSERT);
}

static void expect_sysreg_read(struct guest_vcpu *vcpu, uint32_t msr, uint64_t value)
{
	vcpu_run_exit(vcpu, AXVCPU_EXIT_SYSREG_READ);
	TEST_ASSERT_EQ(vcpu->run->sysreg.addr, msr);
	axvcpu_complete_sysreg_read(&vcpu->h, value);
	vcpu_expect_sync(vcpu, value);
}

static void expect_sysreg_write(struct guest_vcpu *vcpu, uint32_t msr, uint64_t value)
{
	vcpu_run_exit(vcpu, AXVCPU_EXIT_SYSREG_WRITE);
	TEST_ASSERT_EQ(vcpu->run->sysreg.addr, msr);
	TEST_ASSERT_EQ(vcpu->run->sysreg.data, value);
}

static void x2apic_sysreg_exits(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_other_x2apic);

	expect_sysreg_read(vcpu, X2APIC_VERSION, 0x50014);
	expect_sysreg_write(vcpu, X2APIC_EOI, 0);
	expect_sysreg_write(vcpu, X2APIC_TPR, 0x20);
	expect_sysreg_read(vcpu, X2APIC_ICR, 0x100000040ULL);
	expect_sysreg_read(vcpu, X2APIC_LAST, 0x1234567887654321ULL);
	/* ICR modes the kernel leaves to the VMM. */
	expect_sysreg_write(vcpu, X2APIC_ICR, ICR_DEST(1) | ICR_DM_NMI);
	expect_sysreg_write(vcpu, X2APIC_ICR, ICR_DEST(1) | ICR_DM_LOWEST | 0x50);
	expect_sysreg_write(vcpu, X2APIC_ICR, ICR_SH_OTHERS | ICR_DM_INIT | ICR_ASSERT);
	expect_sysreg_write(vcpu, X2APIC_ICR,
			    ICR_DEST(0x10002) | ICR_LOGICAL | ICR_DM_STARTUP | 0x10);
	expect_sysreg_write(vcpu, X2APIC_ICR, ICR_DEST(0xffffffff) | ICR_DM_INIT | ICR_ASSERT);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- CPU_DOWN --------------------------------------------------------- */

static void guest_cpu_down(void)
{
	uint64_t ret;

	ret = guest_vmmcall(HC_KERNEL_UNKNOWN, 1, 2, 3, 4, 5, 6);
	GUEST_SYNC(ret);
	guest_vmmcall(HC_CPU_DOWN, 0xd0d0, 0, 0, 0, 0, 0);
	GUEST_SYNC(0xa1);
	ret = guest_vmmcall(HC_USER, 7, 0, 0, 0, 0, 0);
	GUEST_SYNC(ret);
}

static void cpu_down(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_cpu_down);
	struct axvcpu_run *run = vcpu->run;
	struct axvcpu_regs regs;

	/* A number of the kernel's range it does not know: -EINVAL, no exit. */
	vcpu_expect_sync(vcpu, (uint64_t)-EINVAL);

	vcpu_run_exit(vcpu, AXVCPU_EXIT_CPU_DOWN);
	TEST_ASSERT_EQ(run->cpu_down.state, 0xd0d0);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, run->rip);
	TEST_ASSERT_EQ(regs.rax, HC_CPU_DOWN);
	/* RIP is past the VMMCALL: a VMM that runs the VCPU again goes on. */
	vcpu_expect_sync(vcpu, 0xa1);

	/* Just outside the range: an ordinary hypercall. */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(run->hypercall.nr, HC_USER);
	axvcpu_complete_hypercall(&vcpu->h, 77);
	vcpu_expect_sync(vcpu, 77);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- INIT / STARTUP -> CPU_UP ----------------------------------------- */

#define AP_FLAG_GPA		0x8000ULL
#define AP_FLAG			0x5a5aa5a5U
#define AP_PORT			0xe0
#define AP_DOWN_STATE		0xd1

/*
 * The AP's code, started in real mode at CS = 0x100, IP = 0: report the
 * x2APIC id and CPUID's initial APIC id, raise the flag the BSP waits
 * for, and turn itself off.
 */
asm(".pushsection .rodata\n"
    ".code16\n"
    ".globl ap_start\n"
    "ap_start:\n"
    "	movl $0x802, %ecx\n"
    "	rdmsr\n"
    "	outl %eax, $0xe0\n"
    "	movl $1, %eax\n"
    "	cpuid\n"
    "	movl %ebx, %eax\n"
    "	shrl $24, %eax\n"
    "	outl %eax, $0xe0\n"
    "	xorw %ax, %ax\n"
    "	movw %ax, %ds\n"
    "	movl $0x5a5aa5a5, %eax\n"
    "	movl %eax, 0x8000\n"
    "	movl $0x41580001, %eax\n"
    "	movl $0xd1, %edi\n"
    "	vmmcall\n"
    "	hlt\n"
    ".globl ap_end\n"
    "ap_end:\n"
    ".code64\n"
    ".popsection\n");
extern const char ap_start[], ap_end[];

static void guest_bsp(void)
{
	/* The usual sequence, Linux's way: INIT assert, de-assert, 2 x SIPI. */
	guest_wrmsr(X2APIC_ICR, ICR_DEST(1) | ICR_DM_INIT | ICR_LEVEL | ICR_ASSERT);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(1) | ICR_DM_INIT | ICR_LEVEL);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(1) | ICR_DM_STARTUP | (GUEST_SNIPPET_GPA >> 12));
	guest_wrmsr(X2APIC_ICR, ICR_DEST(1) | ICR_DM_STARTUP | (GUEST_SNIPPET_GPA >> 12));
	GUEST_SYNC(0xb5);
	/* Both run: the AP's store reaches this VCPU's memory. */
	while (*(volatile uint32_t *)AP_FLAG_GPA != AP_FLAG)
		asm volatile("pause");
	GUEST_SYNC(0xb6);
}

static void *ap_thread(void *arg)
{
	struct guest_vcpu *ap = arg;

	vcpu_bind(ap);
	vcpu_run_exit(ap, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(ap->run->io.port, AP_PORT);
	TEST_ASSERT_EQ(ap->run->io.data, ap->id);
	vcpu_run_exit(ap, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(ap->run->io.data, ap->id);
	vcpu_run_exit(ap, AXVCPU_EXIT_CPU_DOWN);
	TEST_ASSERT_EQ(ap->run->cpu_down.state, AP_DOWN_STATE);
	return NULL;
}

static void cpu_up_init_sipi(void)
{
	struct guest_vcpu *bsp, *ap;
	struct guest_vm *vm = vm_create_with_one_vcpu(&bsp, guest_bsp);
	struct axvcpu_run *run = bsp->run;
	struct axvcpu_stats st;
	pthread_t thread;

	vcpu_run_exit(bsp, AXVCPU_EXIT_CPU_UP);
	TEST_ASSERT_EQ(run->cpu_up.target, 1);
	TEST_ASSERT_EQ(run->cpu_up.entry, GUEST_SNIPPET_GPA);
	TEST_ASSERT_EQ(run->cpu_up.arg, 0);

	/* The VMM creates the AP in real mode at the entry, CS:IP 0100:0000. */
	ap = vm_vcpu_add_snippet(vm, run->cpu_up.target, AXVCPU_MODE_REAL, ap_start, ap_end);
	TEST_ASSERT_EQ(pthread_create(&thread, NULL, ap_thread, ap), 0);

	/* The second STARTUP is no second CPU_UP. */
	vcpu_expect_sync(bsp, 0xb5);
	vcpu_expect_sync(bsp, 0xb6);
	vcpu_expect_done(bsp);
	TEST_ASSERT_EQ(pthread_join(thread, NULL), 0);
	vcpu_stats_get(bsp, &st);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_CPU_UP], 1);
	vm_free(vm);
}

static void guest_sipi_rules(void)
{
	/* STARTUP without INIT: ignored, as by an APIC not waiting for SIPI. */
	guest_wrmsr(X2APIC_ICR, ICR_DEST(2) | ICR_DM_STARTUP | 0x20);
	/* INIT alone: nothing to see yet. */
	guest_wrmsr(X2APIC_ICR, ICR_DEST(3) | ICR_DM_INIT | ICR_ASSERT);
	/* INIT de-assert alone arms nothing. */
	guest_wrmsr(X2APIC_ICR, ICR_DEST(4) | ICR_DM_INIT | ICR_LEVEL);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(4) | ICR_DM_STARTUP | 0x21);
	GUEST_SYNC(0x5e);
	/* The INIT to 3 was remembered: its STARTUP starts it, once. */
	guest_wrmsr(X2APIC_ICR, ICR_DEST(3) | ICR_DM_STARTUP | 0x9f);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(3) | ICR_DM_STARTUP | 0x9f);
	GUEST_SYNC(0x5f);
	/* A destination beyond every VCPU id can never be started. */
	guest_wrmsr(X2APIC_ICR, ICR_DEST(0x12345) | ICR_DM_INIT | ICR_ASSERT);
	guest_wrmsr(X2APIC_ICR, ICR_DEST(0x12345) | ICR_DM_STARTUP | 0x22);
}

/* From VCPU 2, so that CPU_UP's arg is seen to be the sender's id. */
static void cpu_up_rules(void)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);
	struct guest_vcpu *vcpu = vm_vcpu_add(vm, 2, guest_sipi_rules);
	struct axvcpu_run *run = vcpu->run;
	struct axvcpu_stats st;

	vcpu_bind(vcpu);
	vcpu_expect_sync(vcpu, 0x5e);
	vcpu_run_exit(vcpu, AXVCPU_EXIT_CPU_UP);
	TEST_ASSERT_EQ(run->cpu_up.target, 3);
	TEST_ASSERT_EQ(run->cpu_up.entry, 0x9f000);
	TEST_ASSERT_EQ(run->cpu_up.arg, 2);
	vcpu_expect_sync(vcpu, 0x5f);
	vcpu_expect_done(vcpu);
	vcpu_stats_get(vcpu, &st);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_CPU_UP], 1);
	TEST_ASSERT_EQ(st.exits[AXVCPU_EXIT_SYSREG_WRITE], 0);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(x2apic_id),
	TEST_CASE(send_ipi_fields),
	TEST_CASE(icr_reserved_gp),
	TEST_CASE(x2apic_sysreg_exits),
	TEST_CASE(cpu_down),
	TEST_CASE(cpu_up_init_sipi),
	TEST_CASE(cpu_up_rules),
};

int main(void)
{
	return test_run_all(cases);
}
