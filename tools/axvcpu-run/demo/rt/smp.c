// SPDX-License-Identifier: MIT
/*
 * Starting an application processor: the MP way, INIT, then STARTUP
 * twice, with the trampoline of boot.S copied to TRAMPOLINE_BASE (the
 * images load at 1 MiB and the loaders put their data above them, so the
 * page is free). APs are started one at a time: the globals below carry
 * one AP's stack and function until it says it has taken them.
 */
#include "rt.h"

#define TRAMPOLINE_BASE		0x7000	/* STARTUP vector 0x07 */
#define AP_STACK_SIZE		8192
#define AP_START_MS		1000

extern char ap_trampoline[], ap_trampoline_end[];
extern uint64_t ap_boot_stack;		/* boot.S loads it into RSP */

static char ap_stacks[RT_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static void (*volatile ap_fn)(unsigned int apic_id);
static volatile unsigned int ap_started;	/* APIC ID + 1 of the AP that took them */

void rt_ap_start(void);

/* An AP, in long mode on its own stack (boot.S). */
void rt_ap_start(void)
{
	void (*fn)(unsigned int) = ap_fn;
	unsigned int id;

	idt_load();
	apic_init();
	id = apic_id();
	__atomic_store_n(&ap_started, id + 1, __ATOMIC_RELEASE);
	fn(id);
	for (;;)
		asm volatile("cli; hlt");
}

/*
 * Start the AP with APIC ID @id and have it call @fn(@id) with IF=0 and
 * its local APIC enabled; when @fn returns, the AP halts for good. Uses
 * rt_wait() (the local APIC timer of the calling CPU). Return 0 once the
 * AP runs, -1 when it did not start within a second.
 */
int smp_start_ap(unsigned int id, void (*fn)(unsigned int apic_id))
{
	uint32_t vector = TRAMPOLINE_BASE >> 12;

	if (id >= RT_MAX_CPUS)
		return -1;
	memcpy((void *)TRAMPOLINE_BASE, ap_trampoline, ap_trampoline_end - ap_trampoline);
	ap_boot_stack = (uint64_t)ap_stacks[id] + AP_STACK_SIZE;
	ap_fn = fn;
	ap_started = 0;

	apic_send_ipi(id, APIC_DM_INIT | APIC_LEVEL_ASSERT);
	rt_delay_ms(10);
	apic_send_ipi(id, APIC_DM_STARTUP | APIC_LEVEL_ASSERT | vector);
	rt_delay_ms(1);
	apic_send_ipi(id, APIC_DM_STARTUP | APIC_LEVEL_ASSERT | vector);
	return rt_wait_count(&ap_started, id + 1, AP_START_MS) && ap_started == id + 1 ? 0 : -1;
}
