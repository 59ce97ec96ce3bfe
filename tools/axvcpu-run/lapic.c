// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: the local APIC of each CPU, in user space.
 *
 * The xAPIC page at IA32_APIC_BASE (0xfee00000 after reset) and, once the
 * guest sets the x2APIC bit of that MSR, the MSRs 0x800-0x8ff; the timer
 * in one-shot, periodic and TSC-deadline mode (timer.c runs the clock);
 * fixed, lowest-priority (as fixed, to the first match), NMI, INIT and
 * STARTUP interrupts with physical and logical (flat, cluster, x2APIC)
 * destinations and the shorthands. The IRR/ISR/TPR logic decides what
 * the CPU may take next; cpu.c hands that vector to the kernel with
 * AXVCPU_INJECT_INTERRUPT when the guest can take it. Register layout:
 * Intel SDM vol. 3A, chapter 10 (11 in newer editions).
 *
 * Everything here runs under vmm->lock.
 */
#include <string.h>

#include "vmm.h"

/* xAPIC register offsets. */
#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_APR	0x090
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SPIV	0x0f0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_LVT_CMCI	0x2f0
#define APIC_ICR_LOW	0x300
#define APIC_ICR_HIGH	0x310
#define APIC_LVT_FIRST	0x320	/* timer, thermal, perf, LINT0, LINT1, error */
#define APIC_LVT_LAST	0x370
#define APIC_TIMER_ICR	0x380
#define APIC_TIMER_CCR	0x390
#define APIC_TIMER_DCR	0x3e0
#define APIC_SELF_IPI	0x3f0	/* x2APIC only */

#define LVT_TIMER	0
#define LVT_CMCI	6
#define LVT_MASKED	(1U << 16)
#define LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define TIMER_ONESHOT	0
#define TIMER_PERIODIC	1
#define TIMER_TSC_DEADLINE	2

#define SPIV_ENABLE	(1U << 8)

#define APIC_BASE_BSP	(1ULL << 8)
#define APIC_BASE_EXTD	(1ULL << 10)
#define APIC_BASE_EN	(1ULL << 11)
#define APIC_BASE_ADDR	0xfffff000ULL

#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST	0x8ff

/* ICR fields. */
#define ICR_VECTOR(icr)	((icr) & 0xff)
#define ICR_MODE(icr)	(((icr) >> 8) & 7)
#define ICR_LOGICAL	(1ULL << 11)
#define ICR_ASSERT	(1ULL << 14)
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)

enum { DM_FIXED, DM_LOWEST, DM_SMI, DM_RESERVED, DM_NMI, DM_INIT, DM_STARTUP, DM_EXTINT };
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* Version 0x14, six LVT entries (max LVT index 5), as QEMU's APIC. */
#define APIC_VERSION_VALUE	0x00050014U

static void vec_set(uint32_t *v, int n)
{
	v[n >> 5] |= 1U << (n & 31);
}

static void vec_clear(uint32_t *v, int n)
{
	v[n >> 5] &= ~(1U << (n & 31));
}

/* The highest vector set in @v, or -1. */
static int vec_highest(const uint32_t *v)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

static bool x2apic_mode(const struct lapic *a)
{
	return (a->base & APIC_BASE_EN) && (a->base & APIC_BASE_EXTD);
}

static bool apic_hw_enabled(const struct lapic *a)
{
	return a->base & APIC_BASE_EN;
}

static bool apic_sw_enabled(const struct lapic *a)
{
	return apic_hw_enabled(a) && (a->spiv & SPIV_ENABLE);
}

/* x2APIC's logical id, derived from the APIC id (SDM 10.12.10.2). */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1U << (id & 15));
}

static uint32_t apic_ppr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

/* Stop the timer: nothing is due any more. */
static void timer_stop(struct lapic *a)
{
	a->timer_due = 0;
	a->tsc_deadline = 0;
}

/* The divider of the divide configuration register (SDM table 10-?). */
static uint64_t timer_divisor(const struct lapic *a)
{
	uint32_t v = ((a->timer_dcr & 8) >> 1) | (a->timer_dcr & 3);

	return v == 7 ? 1 : 2ULL << v;
}

/* Nanoseconds of one period: the timer counts at 1 GHz / divisor (QEMU's rate). */
static uint64_t timer_period(const struct lapic *a)
{
	return (uint64_t)a->timer_initial * timer_divisor(a);
}

static void timer_arm(struct vmm *vmm, struct lapic *a)
{
	a->timer_start = now_ns();
	a->timer_due = a->timer_initial ? a->timer_start + timer_period(a) : 0;
	pthread_cond_signal(&vmm->timer_cond);
}

static uint32_t timer_current(const struct lapic *a)
{
	uint64_t now = now_ns();

	if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) == TIMER_TSC_DEADLINE || !a->timer_due ||
	    now >= a->timer_due)
		return 0;
	return (uint32_t)((a->timer_due - now) / timer_divisor(a));
}

/**
 * lapic_reset() - the APIC of @cpu as after power-on: enabled in xAPIC
 * mode at 0xfee00000 (BSP flag on CPU 0), software-disabled (SPIV 0xff),
 * every LVT masked, flat logical model.
 * @cpu: the CPU.
 */
void lapic_reset(struct cpu *cpu)
{
	struct lapic *a = &cpu->apic;
	unsigned int i;

	memset(a, 0, sizeof(*a));
	a->id = cpu->id;
	a->base = LAPIC_BASE_DEFAULT | APIC_BASE_EN | (cpu->id == 0 ? APIC_BASE_BSP : 0);
	a->dfr = 0xffffffff;
	a->spiv = 0xff;
	for (i = 0; i < 7; i++)
		a->lvt[i] = LVT_MASKED;
}

/* Accept a fixed interrupt (the IRR bit) and wake the CPU to take it. */
static void apic_accept_fixed(struct cpu *cpu, uint8_t vector)
{
	struct lapic *a = &cpu->apic;

	if (!apic_sw_enabled(a))
		return;			/* a disabled APIC accepts no fixed interrupt */
	if (vector < 16) {
		a->esr |= 1U << 6;	/* received illegal vector */
		return;
	}
	vec_set(a->irr, vector);
	cpu_notify(cpu);
}

/* Whether @cpu's APIC takes destination @dest; @x2 says how to read it. */
static bool apic_match(const struct cpu *cpu, uint32_t dest, bool logical, bool x2)
{
	const struct lapic *a = &cpu->apic;
	uint32_t ldr;

	if (!apic_hw_enabled(a))
		return false;
	if (x2 || x2apic_mode(a)) {
		if (dest == 0xffffffff)
			return true;
		if (!logical)
			return dest == a->id;
		ldr = x2apic_ldr(a->id);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;		/* broadcast, physical and logical */
	if (!logical)
		return dest == (a->id & 0xff);
	ldr = a->ldr >> 24;
	if ((a->dfr >> 28) == 0xf)	/* flat model: a bit per APIC */
		return dest & ldr;
	/* Cluster model: cluster id in bits 7:4, member bits 3:0. */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

/**
 * lapic_deliver() - send an interrupt as an APIC's ICR (or the I/O APIC)
 * describes it.
 * @vmm:       the VM.
 * @from:      the sending CPU, or NULL for the I/O APIC.
 * @dest:      destination (8 bits in xAPIC format, 32 in x2APIC).
 * @logical:   logical destination mode.
 * @mode:      delivery mode (fixed, lowest, SMI, NMI, INIT, STARTUP, ExtINT).
 * @shorthand: self, all including self, all excluding self, or none.
 * @vector:    vector (STARTUP: the page of the AP's first instruction).
 */
void lapic_deliver(struct vmm *vmm, struct cpu *from, uint32_t dest, bool logical,
		   unsigned int mode, unsigned int shorthand, uint8_t vector)
{
	bool x2 = from && x2apic_mode(&from->apic);
	unsigned int i;

	for (i = 0; i < vmm->nr_cpus; i++) {
		struct cpu *c = &vmm->cpus[i];
		bool hit;

		switch (shorthand) {
		case SH_SELF:
			hit = c == from;
			break;
		case SH_ALL:
			hit = true;
			break;
		case SH_OTHERS:
			hit = c != from;
			break;
		default:
			hit = apic_match(c, dest, logical, x2);
			break;
		}
		if (!hit)
			continue;

		switch (mode) {
		case DM_FIXED:
		case DM_LOWEST:
			apic_accept_fixed(c, vector);
			break;
		case DM_NMI:
			c->apic.nmi = true;
			cpu_notify(c);
			break;
		case DM_INIT:
			/* An AP waits for STARTUP; a running CPU cannot be reset here. */
			if (c->power == CPU_RUNNING && c != from)
				vmm_warn(vmm, "INIT of running CPU %u ignored", c->id);
			break;
		case DM_STARTUP:
			if (c->power == CPU_WAIT_SIPI)
				cpu_start(c, (uint64_t)vector << 12);
			break;
		default:
			break;		/* SMI, ExtINT: no such thing here */
		}
		/* Lowest priority goes to one CPU only: the first that matched. */
		if (mode == DM_LOWEST)
			break;
	}
}

/* An ICR write: send what it describes. @icr is in the mode's own format. */
static void apic_send_icr(struct cpu *cpu, uint64_t icr)
{
	uint32_t dest = x2apic_mode(&cpu->apic) ? icr >> 32 : (icr >> 56) & 0xff;
	unsigned int mode = ICR_MODE(icr);

	/* INIT level de-assert only synchronises arbitration ids: nothing to do. */
	if (mode == DM_INIT && !(icr & ICR_ASSERT))
		return;
	lapic_deliver(cpu->vmm, cpu, dest, icr & ICR_LOGICAL, mode, ICR_SHORTHAND(icr),
		      ICR_VECTOR(icr));
}

/**
 * lapic_send_ipi_exit() - a SEND_IPI exit: the kernel decoded a fixed IPI
 * written to the x2APIC ICR; deliver it like any ICR write.
 * @cpu: the sender.
 * @run: its run structure.
 */
void lapic_send_ipi_exit(struct cpu *cpu, const struct axvcpu_run *run)
{
	uint64_t icr = (run->send_ipi.target_cpu << 32) | (uint32_t)run->send_ipi.target_aux;

	lapic_deliver(cpu->vmm, cpu, icr >> 32, icr & ICR_LOGICAL, ICR_MODE(icr),
		      ICR_SHORTHAND(icr), ICR_VECTOR(icr));
}

/**
 * lapic_cpu_up() - a CPU_UP exit: INIT and STARTUP went to @target
 * through the kernel's x2APIC model; start that CPU at @entry.
 * @from:   the sender.
 * @target: APIC id.
 * @entry:  vector << 12.
 */
void lapic_cpu_up(struct cpu *from, uint32_t target, uint64_t entry)
{
	struct vmm *vmm = from->vmm;

	if (target >= vmm->nr_cpus) {
		vmm_warn(vmm, "CPU %u started CPU %u, which does not exist (--cpus %u)",
			 from->id, target, vmm->nr_cpus);
		return;
	}
	if (vmm->cpus[target].power == CPU_WAIT_SIPI)
		cpu_start(&vmm->cpus[target], entry);
}

/* The 32-bit register at xAPIC offset @reg (16-byte aligned). */
static uint32_t apic_reg_read(struct cpu *cpu, uint32_t reg)
{
	struct lapic *a = &cpu->apic;
	bool x2 = x2apic_mode(a);

	if (reg >= APIC_ISR && reg < APIC_ISR + 0x80)
		return a->isr[(reg - APIC_ISR) >> 4];
	if (reg >= APIC_TMR && reg < APIC_TMR + 0x80)
		return a->tmr[(reg - APIC_TMR) >> 4];
	if (reg >= APIC_IRR && reg < APIC_IRR + 0x80)
		return a->irr[(reg - APIC_IRR) >> 4];
	if (reg >= APIC_LVT_FIRST && reg <= APIC_LVT_LAST)
		return a->lvt[(reg - APIC_LVT_FIRST) >> 4];

	switch (reg) {
	case APIC_ID:
		return x2 ? a->id : a->id << 24;
	case APIC_VERSION:
		return APIC_VERSION_VALUE;
	case APIC_TPR:
		return a->tpr;
	case APIC_PPR:
		return apic_ppr(a);
	case APIC_LDR:
		return x2 ? x2apic_ldr(a->id) : a->ldr;
	case APIC_DFR:
		return x2 ? 0 : a->dfr;
	case APIC_SPIV:
		return a->spiv;
	case APIC_ESR:
		return a->esr;
	case APIC_LVT_CMCI:
		return a->lvt[LVT_CMCI];
	case APIC_ICR_LOW:
		return (uint32_t)a->icr;
	case APIC_ICR_HIGH:
		return x2 ? 0 : a->icr >> 32;
	case APIC_TIMER_ICR:
		return a->timer_initial;
	case APIC_TIMER_CCR:
		return timer_current(a);
	case APIC_TIMER_DCR:
		return a->timer_dcr;
	default:
		return 0;		/* APR, RRD, EOI and reserved offsets */
	}
}

static void apic_write_lvt(struct cpu *cpu, unsigned int i, uint32_t val)
{
	struct lapic *a = &cpu->apic;
	/* Vector, delivery mode (not for the timer), mask, timer mode. */
	uint32_t mask = i == LVT_TIMER ? 0x700ff : 0x1a7ff;
	uint32_t old = a->lvt[i];

	if (!apic_sw_enabled(a))
		val |= LVT_MASKED;	/* masked while software-disabled */
	a->lvt[i] = val & mask;
	if (i == LVT_TIMER && LVT_TIMER_MODE(old) != LVT_TIMER_MODE(a->lvt[i]))
		timer_stop(a);		/* a change of mode disarms the timer */
}

static void apic_eoi(struct cpu *cpu)
{
	int v = vec_highest(cpu->apic.isr);

	if (v >= 0) {
		vec_clear(cpu->apic.isr, v);
		vec_clear(cpu->apic.tmr, v);
	}
	/* A lower vector waiting behind it may go in now. */
	if (lapic_pending_vector(cpu) >= 0)
		cpu_notify(cpu);
}

static void apic_reg_write(struct cpu *cpu, uint32_t reg, uint64_t val)
{
	struct lapic *a = &cpu->apic;
	bool x2 = x2apic_mode(a);
	unsigned int i;

	if (reg >= APIC_LVT_FIRST && reg <= APIC_LVT_LAST) {
		apic_write_lvt(cpu, (reg - APIC_LVT_FIRST) >> 4, val);
		return;
	}
	switch (reg) {
	case APIC_ID:
		if (!x2)
			a->id = (val >> 24) & 0xff;
		break;
	case APIC_TPR:
		a->tpr = val & 0xff;
		if (lapic_pending_vector(cpu) >= 0)
			cpu_notify(cpu);
		break;
	case APIC_EOI:
		apic_eoi(cpu);
		break;
	case APIC_LDR:
		if (!x2)
			a->ldr = val & 0xff000000;
		break;
	case APIC_DFR:
		if (!x2)
			a->dfr = val | 0x0fffffff;
		break;
	case APIC_SPIV:
		a->spiv = val & 0x13ff;
		if (!(a->spiv & SPIV_ENABLE))
			for (i = 0; i < 7; i++)
				a->lvt[i] |= LVT_MASKED;
		break;
	case APIC_ESR:
		a->esr = 0;
		break;
	case APIC_LVT_CMCI:
		apic_write_lvt(cpu, LVT_CMCI, val);
		break;
	case APIC_ICR_LOW:
		/* Delivery status (bit 12) always reads idle: delivery is instant. */
		if (x2)
			a->icr = val & ~(1ULL << 12);
		else
			a->icr = (a->icr & 0xffffffff00000000ULL) | (val & 0xffffefffULL);
		apic_send_icr(cpu, a->icr);
		break;
	case APIC_ICR_HIGH:
		if (!x2)
			a->icr = (a->icr & 0xffffffffULL) | ((val & 0xff000000ULL) << 32);
		break;
	case APIC_TIMER_ICR:
		a->timer_initial = val;
		if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) != TIMER_TSC_DEADLINE)
			timer_arm(cpu->vmm, a);
		break;
	case APIC_TIMER_DCR:
		a->timer_dcr = val & 0xb;
		break;
	case APIC_SELF_IPI:
		if (x2)
			apic_accept_fixed(cpu, val & 0xff);
		break;
	default:
		break;			/* read-only or reserved */
	}
}

/**
 * lapic_mmio_hit() - whether @gpa falls into @cpu's xAPIC page (enabled,
 * not in x2APIC mode, at the address IA32_APIC_BASE gives).
 */
bool lapic_mmio_hit(struct cpu *cpu, uint64_t gpa)
{
	const struct lapic *a = &cpu->apic;

	return apic_hw_enabled(a) && !x2apic_mode(a) &&
	       (gpa & ~0xfffULL) == (a->base & APIC_BASE_ADDR);
}

/**
 * lapic_mmio_read() - an access of @width bytes into the xAPIC page.
 * Registers are 32 bits wide at 16-byte steps; narrower reads get their
 * bytes, bytes 4-15 of each step read as zero.
 */
uint64_t lapic_mmio_read(struct cpu *cpu, uint64_t gpa, unsigned int width)
{
	uint32_t off = gpa & 0xfff, in = off & 0xf;
	uint64_t v;

	if (in >= 4)
		return 0;
	v = apic_reg_read(cpu, off & ~0xfU) >> (in * 8);
	return width >= 8 ? v : v & ((1ULL << (width * 8)) - 1);
}

/** lapic_mmio_write() - a write into the xAPIC page (32-bit registers). */
void lapic_mmio_write(struct cpu *cpu, uint64_t gpa, unsigned int width, uint64_t val)
{
	uint32_t off = gpa & 0xfff;

	/* The SDM allows only aligned 32-bit writes; take the low dword of others. */
	(void)width;
	if (off & 0xf)
		return;
	apic_reg_write(cpu, off, (uint32_t)val);
}

static void apic_set_base(struct cpu *cpu, uint64_t val)
{
	struct lapic *a = &cpu->apic;
	unsigned int i;

	/* x2APIC needs the enable bit and CPUID's offer; the kernel offers it. */
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN))
		return;
	if (!(val & APIC_BASE_EN)) {
		/* Off: as after reset once it comes back (SDM 10.4.3). */
		memset(a->irr, 0, sizeof(a->irr));
		memset(a->isr, 0, sizeof(a->isr));
		a->spiv &= ~SPIV_ENABLE;
		for (i = 0; i < 7; i++)
			a->lvt[i] = LVT_MASKED;
		timer_stop(a);
	}
	a->base = (val & (APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD)) |
		  (a->base & APIC_BASE_BSP);
}

/**
 * lapic_msr_read() - RDMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an
 * x2APIC register.
 * Return: true when the MSR is the APIC's (*@val set), false otherwise.
 */
bool lapic_msr_read(struct cpu *cpu, uint32_t msr, uint64_t *val)
{
	struct lapic *a = &cpu->apic;
	uint32_t reg;

	if (msr == MSR_APIC_BASE) {
		*val = a->base;
		return true;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = a->tsc_deadline;
		return true;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2apic_mode(a))
		return false;
	reg = (msr - MSR_X2APIC_FIRST) << 4;
	*val = apic_reg_read(cpu, reg);
	if (reg == APIC_ICR_LOW)
		*val = a->icr;
	return true;
}

/**
 * lapic_msr_write() - WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an
 * x2APIC register.
 * Return: true when the MSR is the APIC's, false otherwise.
 */
bool lapic_msr_write(struct cpu *cpu, uint32_t msr, uint64_t val)
{
	struct lapic *a = &cpu->apic;
	struct vmm *vmm = cpu->vmm;
	uint64_t tsc, now;

	if (msr == MSR_APIC_BASE) {
		apic_set_base(cpu, val);
		return true;
	}
	if (msr == MSR_TSC_DEADLINE) {
		/* Writes count only in TSC-deadline mode (SDM 10.5.4.1). */
		if (LVT_TIMER_MODE(a->lvt[LVT_TIMER]) != TIMER_TSC_DEADLINE)
			return true;
		a->tsc_deadline = val;
		if (!val) {
			a->timer_due = 0;
			return true;
		}
		tsc = rdtsc_now();
		now = now_ns();
		a->timer_due = val <= tsc ? now : now + tsc_to_ns(vmm, val - tsc);
		pthread_cond_signal(&vmm->timer_cond);
		return true;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2apic_mode(a))
		return false;
	apic_reg_write(cpu, (msr - MSR_X2APIC_FIRST) << 4, val);
	return true;
}

/**
 * lapic_pending_vector() - the vector @cpu should take next: the highest
 * requested one whose priority class is above the processor priority.
 * Return: the vector, or -1.
 */
int lapic_pending_vector(struct cpu *cpu)
{
	struct lapic *a = &cpu->apic;
	int v;

	if (!apic_hw_enabled(a))
		return -1;
	v = vec_highest(a->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (apic_ppr(a) & 0xf0))
		return -1;
	return v;
}

/** lapic_accept_vector() - @vector went to the CPU: from IRR to ISR. */
void lapic_accept_vector(struct cpu *cpu, int vector)
{
	vec_clear(cpu->apic.irr, vector);
	vec_set(cpu->apic.isr, vector);
}

/** lapic_can_wake() - something could end a HLT executed with @if_flag. */
bool lapic_can_wake(struct cpu *cpu, bool if_flag)
{
	return cpu->apic.nmi || (if_flag && lapic_pending_vector(cpu) >= 0);
}

/**
 * lapic_timer_check() - fire @cpu's timer when it is due at @now.
 * Return: host ns when it is due next, 0 when it is not armed.
 */
uint64_t lapic_timer_check(struct cpu *cpu, uint64_t now)
{
	struct lapic *a = &cpu->apic;
	uint32_t lvt = a->lvt[LVT_TIMER];
	uint64_t period;

	if (!a->timer_due || now < a->timer_due)
		return a->timer_due;

	if (!(lvt & LVT_MASKED))
		apic_accept_fixed(cpu, lvt & 0xff);

	switch (LVT_TIMER_MODE(lvt)) {
	case TIMER_PERIODIC:
		period = timer_period(a);
		a->timer_start = a->timer_due;
		a->timer_due += period;
		/* Far behind (a stopped host): go on from now, not in a burst. */
		if (a->timer_due <= now)
			a->timer_due = now + period;
		break;
	case TIMER_TSC_DEADLINE:
		a->tsc_deadline = 0;
		a->timer_due = 0;
		break;
	default:
		a->timer_due = 0;
		break;
	}
	return a->timer_due;
}
