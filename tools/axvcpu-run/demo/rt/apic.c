// SPDX-License-Identifier: MIT
/*
 * The local APIC of the calling CPU: through the xAPIC page at 0xfee00000
 * by default, through the x2APIC MSRs (0x800 + offset / 16) after
 * apic_set_x2apic(true). That choice is global: only a test that runs on
 * CPU 0 alone may switch to x2APIC mode.
 */
#include "rt.h"

#define ICR_BUSY_LOOPS		100000

static bool x2apic;

void apic_set_x2apic(bool on)
{
	x2apic = on;
}

bool apic_x2apic(void)
{
	return x2apic;
}

uint32_t apic_read(unsigned int reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC(reg));
	return mmio_read32(APIC_BASE + reg);
}

void apic_write(unsigned int reg, uint32_t val)
{
	if (x2apic)
		wrmsr(MSR_X2APIC(reg), val);
	else
		mmio_write32(APIC_BASE + reg, val);
}

unsigned int apic_id(void)
{
	return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* Software-enabled, spurious vector 0xff, accepting everything, LVTs masked. */
void apic_init(void)
{
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | RT_VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_TIMER_ICR, 0);
}

/*
 * Send an IPI: @icr is the low half (vector, mode, shorthand), @dest the
 * destination (an APIC ID, or a logical one with APIC_DEST_LOGICAL). In
 * xAPIC mode wait until the ICR is idle again.
 */
bool apic_send_ipi(uint32_t dest, uint32_t icr)
{
	unsigned int n;

	if (x2apic) {
		wrmsr(MSR_X2APIC(APIC_ICR), ((uint64_t)dest << 32) | icr);
		return true;
	}
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, icr);
	for (n = 0; n < ICR_BUSY_LOOPS; n++)
		if (!(apic_read(APIC_ICR) & APIC_ICR_BUSY))
			return true;
	return false;
}

/* @lvt: vector, mode and mask; @count in timer ticks after the divider. */
void apic_timer_start(uint32_t lvt, uint32_t divide, uint32_t count)
{
	apic_write(APIC_TIMER_DCR, divide);
	apic_write(APIC_LVT_TIMER, lvt);
	apic_write(APIC_TIMER_ICR, count);
}

void apic_timer_stop(void)
{
	apic_write(APIC_TIMER_ICR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
}

/* The bit of @vector in the 256-bit register at @reg (APIC_ISR, _TMR, _IRR). */
bool apic_vector_bit(unsigned int reg, unsigned int vector)
{
	return apic_read(reg + (vector / 32) * 0x10) & (1U << (vector % 32));
}
