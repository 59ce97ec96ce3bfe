// SPDX-License-Identifier: MIT
/*
 * test=timer: the local APIC timer (1 GHz before the divider) in
 * one-shot, periodic and TSC-deadline mode, masked, and waking HLT. The
 * timer cannot time itself, so waits count loops: the first one-shot
 * measures how many make 10 ms, later checks wait a few times that long.
 */
#include "mbtest.h"

#define TEN_MS			(10 * 1000 * 1000 / 16)	/* counts at divide by 16 */
#define PERIODIC_IRQS		5
#define TSC_NEAR		10000000ULL		/* cycles: milliseconds */
#define TSC_FAR			(1ULL << 40)		/* minutes at any rate */

static volatile unsigned int irqs;
static volatile uint64_t irq_tsc;
static unsigned long loops_10ms = RT_SPIN_TIMEOUT / 64;	/* until measured */

static void timer_irq(struct rt_frame *f)
{
	(void)f;
	irq_tsc = rdtsc();
	irqs++;
	apic_eoi();
}

/* Spin with IF=1 for about @n times 10 ms. */
static void settle(unsigned int n)
{
	static volatile unsigned int never;

	rt_spin_until(&never, 1, n * loops_10ms);
}

static bool check_one_shot(void)
{
	uint32_t c0, c1;
	unsigned long n;
	bool fired;

	irqs = 0;
	apic_timer_start(VEC_TEST, APIC_DIV_16, TEN_MS);
	c0 = apic_read(APIC_TIMER_CCR);
	c1 = apic_read(APIC_TIMER_CCR);
	n = rt_spin_until(&irqs, 1, RT_SPIN_TIMEOUT);
	fired = check(irqs == 1, "timer: a one-shot of 10 ms interrupts", "%u interrupts", irqs);
	check(c0 <= TEN_MS && c1 < c0, "timer: the current count counts down from the initial",
	      "%u, then %u (initial %u)", c0, c1, TEN_MS);
	check_eq(apic_read(APIC_TIMER_CCR), 0, "timer: the one-shot's current count ends at 0");
	if (fired && n)
		loops_10ms = n;
	printf("# 10 ms took %lu loops\n", n);
	settle(3);
	check(irqs == 1, "timer: the one-shot fires only once", "%u interrupts", irqs);
	apic_timer_stop();
	return fired;
}

static void check_periodic(void)
{
	uint32_t ccr;
	unsigned int seen;

	irqs = 0;
	apic_timer_start(APIC_TIMER_PERIODIC | VEC_TEST, APIC_DIV_16, TEN_MS);
	/*
	 * Wait as long as it takes: loops per 10 ms, measured once, vary
	 * with the host's load (a debug kernel, other guests), and the
	 * wait ends as soon as the count is there.
	 */
	rt_spin_until(&irqs, PERIODIC_IRQS, RT_SPIN_TIMEOUT);
	ccr = apic_read(APIC_TIMER_CCR);
	check(irqs >= PERIODIC_IRQS, "timer: a periodic timer interrupts again and again",
	      "%u interrupts", irqs);
	check(ccr > 0 && ccr <= TEN_MS, "timer: the periodic current count reloads",
	      "current count %u after %u periods", ccr, irqs);
	/* A period that ended while IF was 0 is still in IRR: let it in first. */
	apic_write(APIC_TIMER_ICR, 0);
	settle(1);
	seen = irqs;
	settle(3);
	check(irqs == seen && !apic_read(APIC_TIMER_CCR),
	      "timer: an initial count of 0 stops it", "%u more interrupts", irqs - seen);
	apic_timer_stop();
}

static void check_masked(void)
{
	unsigned int i;

	irqs = 0;
	apic_timer_start(APIC_LVT_MASKED | VEC_TEST, APIC_DIV_16, TEN_MS / 2);
	for (i = 0; i < 100 && apic_read(APIC_TIMER_CCR); i++)
		settle(1);
	check(!apic_read(APIC_TIMER_CCR), "timer: a masked one-shot still counts down to 0",
	      "current count %u", apic_read(APIC_TIMER_CCR));
	settle(2);
	check(irqs == 0, "timer: a masked LVT timer does not interrupt", "%u interrupts", irqs);
	apic_timer_stop();
}

static void check_tsc_deadline(void)
{
	uint64_t deadline;

	if (!(cpuid(1, 0).ecx & (1U << 24))) {
		skip("timer: TSC-deadline mode", "CPUID.1:ECX.TSC_DEADLINE[bit 24] is 0");
		return;
	}
	irqs = 0;
	apic_write(APIC_TIMER_DCR, APIC_DIV_16);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VEC_TEST);
	deadline = rdtsc() + TSC_NEAR;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	rt_spin_until(&irqs, 1, RT_SPIN_TIMEOUT);
	check(irqs == 1, "timer: a TSC deadline interrupts", "%u interrupts", irqs);
	check(irq_tsc >= deadline, "timer: ... not before the deadline",
	      "at TSC %#lx, deadline %#lx", irq_tsc, deadline);
	check_eq(rdmsr(MSR_TSC_DEADLINE), 0, "timer: IA32_TSC_DEADLINE reads 0 once it fired");

	irqs = 0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + TSC_FAR);
	settle(3);
	check(irqs == 0, "timer: a far TSC deadline does not fire early", "%u interrupts",
	      irqs);
	wrmsr(MSR_TSC_DEADLINE, 0);
	apic_timer_stop();
}

static void check_hlt_wakeup(bool timer_works)
{
	unsigned int i;

	if (!timer_works) {
		skip("timer: HLT with IF=1 is woken by the timer", "the one-shot never fired");
		return;
	}
	irqs = 0;
	apic_timer_start(VEC_TEST, APIC_DIV_16, TEN_MS);
	for (i = 0; i < 10 && !irqs; i++)	/* a spurious wake-up goes round again */
		sti_hlt_cli();
	check(irqs == 1, "timer: HLT with IF=1 is woken by the timer", "%u interrupts", irqs);
	apic_timer_stop();
}

void test_timer(void)
{
	bool works;

	idt_set_handler(VEC_TEST, timer_irq);
	works = check_one_shot();
	check_periodic();
	check_masked();
	check_tsc_deadline();
	check_hlt_wakeup(works);
}
