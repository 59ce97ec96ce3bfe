// SPDX-License-Identifier: MIT
/*
 * test=apic: CPU 0's local APIC. ID and version, TPR (and how it holds
 * back a lower-priority interrupt), ISR until EOI, software disable
 * through SPIV, x2APIC mode when CPUID offers it, and last global
 * disable through IA32_APIC_BASE and back (QEMU cannot come back).
 * Self-IPIs are the interrupt source.
 */
#include "mbtest.h"

#define DELIVERY_MS		100
#define DISABLED_LOOPS		100000	/* tens of ms under TCG */

static volatile unsigned int got[256];

static void count_irq(struct rt_frame *f)
{
	got[f->vector]++;
	if (f->vector != VEC_NO_EOI)
		apic_eoi();
}

static void self_ipi(uint8_t vector)
{
	apic_send_ipi(0, APIC_DEST_SELF | APIC_LEVEL_ASSERT | APIC_DM_FIXED | vector);
}

/* A self-IPI on @vector arrives (within DELIVERY_MS, with IF=1). */
static bool self_ipi_arrives(uint8_t vector)
{
	got[vector] = 0;
	self_ipi(vector);
	return rt_wait_count(&got[vector], 1, DELIVERY_MS) && got[vector] == 1;
}

static void check_id_version(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t ver = apic_read(APIC_VER);

	check_eq(apic_id(), 0, "apic: CPU 0 has APIC ID 0");
	check((base & ~0xfffUL) == APIC_BASE && (base & APIC_BASE_EN) && (base & APIC_BASE_BSP),
	      "apic: IA32_APIC_BASE: enabled, BSP, at 0xfee00000", "%#lx", base);
	check((ver & 0xf0) == 0x10 && ((ver >> 16) & 0xff) >= 3,
	      "apic: the version register: integrated APIC, max LVT >= 3", "%#x", ver);
}

static void check_tpr(void)
{
	static const uint8_t values[] = { 0x35, 0xf0, 0x00 };
	bool held, pending;
	unsigned int i;
	uint32_t tpr;

	for (i = 0; i < sizeof(values); i++) {
		apic_write(APIC_TPR, values[i]);
		tpr = apic_read(APIC_TPR);
		if (tpr != values[i])
			break;
	}
	check(i == sizeof(values), "apic: TPR reads back", "wrote %#x, read %#x",
	      i < sizeof(values) ? values[i] : 0, tpr);

	/* Class 4 is at or below TPR class 5: held in IRR (the tick is 0xf0). */
	apic_write(APIC_TPR, 0x50);
	got[VEC_LOW] = 0;
	self_ipi(VEC_LOW);
	rt_delay_ms(20);
	held = got[VEC_LOW] == 0;
	pending = apic_vector_bit(APIC_IRR, VEC_LOW);
	apic_write(APIC_TPR, 0);
	check(held && pending, "apic: TPR holds back a lower-priority interrupt in IRR",
	      "%u delivered, IRR bit %u", got[VEC_LOW], pending);
	check(rt_wait_count(&got[VEC_LOW], 1, DELIVERY_MS) && got[VEC_LOW] == 1,
	      "apic: ... and it arrives once TPR is lowered", "%u delivered", got[VEC_LOW]);
}

static void check_isr_eoi(void)
{
	bool in_service, after_eoi;

	got[VEC_NO_EOI] = 0;
	self_ipi(VEC_NO_EOI);
	rt_wait_count(&got[VEC_NO_EOI], 1, DELIVERY_MS);
	in_service = apic_vector_bit(APIC_ISR, VEC_NO_EOI);
	apic_eoi();
	after_eoi = apic_vector_bit(APIC_ISR, VEC_NO_EOI);
	check(got[VEC_NO_EOI] == 1 && in_service, "apic: a handled vector stays in ISR until EOI",
	      "%u delivered, ISR bit %u", got[VEC_NO_EOI], in_service);
	check(!after_eoi, "apic: EOI clears the ISR bit", "still set");
}

/*
 * Software disable. No fixed interrupt gets through (QEMU holds it in IRR,
 * axvcpu-run drops it, as the SDM allows); no timer either, so the wait
 * counts loops. The SDM (10.4.7.2) masks every LVT too; QEMU 7.2 does not.
 */
static void check_spiv(void)
{
	uint32_t spiv = apic_read(APIC_SPIV), off, lvt;

	apic_write(APIC_SPIV, spiv & ~APIC_SPIV_ENABLE);
	off = apic_read(APIC_SPIV);
	apic_write(APIC_LVT_TIMER, VEC_TEST);		/* unmasked, not started */
	lvt = apic_read(APIC_LVT_TIMER);
	got[VEC_TEST2] = 0;
	self_ipi(VEC_TEST2);
	rt_spin_until(&got[VEC_TEST2], 1, DISABLED_LOOPS);
	apic_write(APIC_SPIV, spiv);

	check(!(off & APIC_SPIV_ENABLE), "apic: SPIV bit 8 clears (software disable)",
	      "SPIV %#x", off);
	check(!got[VEC_TEST2], "apic: a software-disabled APIC delivers no fixed interrupt",
	      "%u delivered", got[VEC_TEST2]);
	if (under_axvcpu_run())
		check(lvt & APIC_LVT_MASKED, "apic: the LVTs stay masked while software-disabled",
		      "LVT timer %#x", lvt);
	else
		skip("apic: the LVTs stay masked while software-disabled",
		     "QEMU 7.2 leaves the LVT masks alone");
	check(apic_read(APIC_SPIV) == spiv && self_ipi_arrives(VEC_TEST),
	      "apic: setting SPIV bit 8 enables it again", "SPIV %#x", apic_read(APIC_SPIV));
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
}

static void check_global_disable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE), off, on;

	wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EN);
	off = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base);
	on = rdmsr(MSR_APIC_BASE);
	check(!(off & APIC_BASE_EN), "apic: IA32_APIC_BASE bit 11 disables the APIC", "%#lx",
	      off);
	if (!(on & APIC_BASE_EN) && !under_axvcpu_run()) {
		skip("apic: IA32_APIC_BASE bit 11 enables it again",
		     "QEMU 7.2's APIC stays disabled until reset");
		return;
	}
	apic_init();	/* a disabled APIC comes back in its reset state */
	check(on == base && self_ipi_arrives(VEC_TEST),
		     "apic: IA32_APIC_BASE bit 11 enables it again", "%#lx", on);
}

static void check_x2apic(uint32_t xapic_version)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(cpuid(1, 0).ecx & (1U << 21))) {
		skip("apic: x2APIC mode", "CPUID.1:ECX.x2APIC[bit 21] is 0");
		return;
	}
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	apic_set_x2apic(true);
	check(rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD,
	      "apic: IA32_APIC_BASE bit 10 enters x2APIC mode", "%#lx", rdmsr(MSR_APIC_BASE));
	check_eq(rdmsr(0x802), 0, "apic: x2APIC ID (MSR 0x802) of CPU 0 is 0");
	check_eq(rdmsr(0x803), xapic_version, "apic: x2APIC version (MSR 0x803) as in xAPIC mode");
	check_eq(rdmsr(0x80d), 1, "apic: x2APIC LDR (MSR 0x80d) of CPU 0 is cluster 0, bit 0");

	got[VEC_TEST] = 0;
	wrmsr(0x83f, VEC_TEST);
	check(rt_wait_count(&got[VEC_TEST], 1, DELIVERY_MS) && got[VEC_TEST] == 1,
	      "apic: a self IPI through SELF_IPI (MSR 0x83f)", "%u delivered", got[VEC_TEST]);
	got[VEC_TEST] = 0;
	wrmsr(0x830, APIC_DEST_SELF | VEC_TEST);
	check(rt_wait_count(&got[VEC_TEST], 1, DELIVERY_MS) && got[VEC_TEST] == 1,
	      "apic: a self IPI through ICR (MSR 0x830), shorthand self", "%u delivered",
	      got[VEC_TEST]);
	got[VEC_TEST] = 0;
	wrmsr(0x830, (0ULL << 32) | VEC_TEST);
	check(rt_wait_count(&got[VEC_TEST], 1, DELIVERY_MS) && got[VEC_TEST] == 1,
	      "apic: an IPI through ICR (MSR 0x830) to APIC ID 0", "%u delivered", got[VEC_TEST]);

	/* One-shot through the timer MSRs, with loops as the timeout. */
	got[VEC_TEST2] = 0;
	wrmsr(0x83e, APIC_DIV_16);
	wrmsr(0x832, VEC_TEST2);
	wrmsr(0x838, 10 * 1000 * 1000 / 16);
	rt_spin_until(&got[VEC_TEST2], 1, RT_SPIN_TIMEOUT);
	check(got[VEC_TEST2] == 1 && rdmsr(0x839) == 0,
	      "apic: a one-shot through the x2APIC timer MSRs", "%u interrupts, count %lu",
	      got[VEC_TEST2], rdmsr(0x839));
	wrmsr(0x832, APIC_LVT_MASKED);

	/* Back to xAPIC mode: the SDM's way is through disabled. */
	wrmsr(MSR_APIC_BASE, base & ~(APIC_BASE_EN | APIC_BASE_EXTD));
	wrmsr(MSR_APIC_BASE, base);
	apic_set_x2apic(false);
	apic_init();
	check(rdmsr(MSR_APIC_BASE) == base && apic_id() == 0 && self_ipi_arrives(VEC_TEST),
	      "apic: back to xAPIC mode through disabled", "%#lx", rdmsr(MSR_APIC_BASE));
}

void test_apic(void)
{
	uint32_t version = apic_read(APIC_VER);

	idt_set_handler(VEC_TEST, count_irq);
	idt_set_handler(VEC_TEST2, count_irq);
	idt_set_handler(VEC_LOW, count_irq);
	idt_set_handler(VEC_NO_EOI, count_irq);
	check_id_version();
	check_tpr();
	check_isr_eoi();
	check_spiv();
	check_x2apic(version);
	check_global_disable();
}
