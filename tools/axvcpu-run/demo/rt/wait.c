// SPDX-License-Identifier: MIT
/*
 * Bounded waits, so that a missing interrupt ends in a message and not
 * in a hang. The clock is the local APIC timer, ticking every millisecond
 * on RT_VEC_TICK while rt_wait() runs: no TSC, no PIT. So rt_wait() is
 * for CPU 0 and for code that does not use the timer itself; a timer
 * test counts loops instead (rt_spin_until()).
 */
#include "rt.h"

#define TICK_COUNT		(APIC_TIMER_HZ / 1000)	/* 1 ms, divide by 1 */

static volatile unsigned long ticks;

static void tick(struct rt_frame *f)
{
	(void)f;
	ticks++;
	apic_eoi();
}

/*
 * Wait with IF=1 until done(@arg) or @ms milliseconds have passed; the CPU
 * sleeps in HLT between checks. Return done(@arg). The timer is stopped
 * afterwards and IF is 0 again.
 */
bool rt_wait(bool (*done)(void *arg), void *arg, unsigned int ms)
{
	unsigned long end;
	bool ok;

	idt_set_handler(RT_VEC_TICK, tick);
	end = ticks + ms;
	apic_timer_start(APIC_TIMER_PERIODIC | RT_VEC_TICK, APIC_DIV_1, TICK_COUNT);
	while (!(ok = done(arg)) && ticks < end)
		sti_hlt_cli();
	apic_timer_stop();
	return ok;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

void rt_delay_ms(unsigned int ms)
{
	rt_wait(never, NULL, ms);
}

struct count_want {
	volatile unsigned int *count;
	unsigned int want;
};

static bool count_reached(void *arg)
{
	struct count_want *c = arg;

	return *c->count >= c->want;
}

/* rt_wait() until *@count >= @want. */
bool rt_wait_count(volatile unsigned int *count, unsigned int want, unsigned int ms)
{
	struct count_want c = { count, want };

	return rt_wait(count_reached, &c, ms);
}

/*
 * Spin with IF=1 until *@count >= @want, at most @loops times round.
 * Return the loops it took (@loops when it never got there).
 */
unsigned long rt_spin_until(volatile unsigned int *count, unsigned int want,
			    unsigned long loops)
{
	unsigned long n;

	sti();
	for (n = 0; n < loops && *count < want; n++)
		pause();
	cli();
	return n;
}
