// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: the clock behind the APIC timers. One thread sleeps until
 * the earliest deadline of any CPU's timer, fires what is due and sleeps
 * again; lapic.c wakes it (vmm->timer_cond) whenever a deadline moves.
 *
 * The guest's TSC is the host's (the module adds no offset unless the
 * guest writes IA32_TSC); its rate is measured once at start-up against
 * CLOCK_MONOTONIC for the TSC-deadline mode.
 */
#include <time.h>

#include "vmm.h"

/** rdtsc_now() - the host TSC, which is also the guest's. */
uint64_t rdtsc_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/** tsc_to_ns() - @tsc ticks in nanoseconds at the measured rate. */
uint64_t tsc_to_ns(struct vmm *vmm, uint64_t tsc)
{
	if (!vmm->tsc_khz)
		return tsc;
	return (uint64_t)((unsigned __int128)tsc * 1000000 / vmm->tsc_khz);
}

/**
 * tsc_measure_khz() - count TSC ticks over 10 ms of CLOCK_MONOTONIC.
 * Return: the rate in kHz, 0 when the clocks went backwards.
 */
uint64_t tsc_measure_khz(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint64_t t0, t1, c0, c1;

	t0 = now_ns();
	c0 = rdtsc_now();
	nanosleep(&ts, NULL);
	t1 = now_ns();
	c1 = rdtsc_now();
	if (t1 <= t0 || c1 <= c0)
		return 0;
	return (uint64_t)((unsigned __int128)(c1 - c0) * 1000000 / (t1 - t0));
}

static struct timespec abs_time(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL) };

	return ts;
}

/**
 * timer_thread() - the timer thread's body: until the VM is over, fire
 * the due timers of every CPU and sleep until the next one.
 * @arg: the VM.
 *
 * Return: NULL.
 */
void *timer_thread(void *arg)
{
	struct vmm *vmm = arg;
	struct timespec ts;
	unsigned int i;
	uint64_t next, due;

	pthread_mutex_lock(&vmm->lock);
	while (!vmm->done) {
		next = 0;
		for (i = 0; i < vmm->nr_cpus; i++) {
			due = lapic_timer_check(&vmm->cpus[i], now_ns());
			if (due && (!next || due < next))
				next = due;
		}
		if (next) {
			ts = abs_time(next);
			pthread_cond_timedwait(&vmm->timer_cond, &vmm->lock, &ts);
		} else {
			pthread_cond_wait(&vmm->timer_cond, &vmm->lock);
		}
	}
	pthread_mutex_unlock(&vmm->lock);
	return NULL;
}
