// SPDX-License-Identifier: MIT
/*
 * The IDT, shared by every CPU: 256 interrupt gates into isr.S, and a
 * table of C handlers. An exception without a handler ends the run
 * (exit code 1) after saying where it happened; the spurious vector is
 * ignored; any other interrupt without a handler is reported and EOIed.
 */
#include "rt.h"

#define SEL_CODE64		0x18	/* boot.S */
#define GATE_INTERRUPT		0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define ISR_ENTRY_SIZE		16

struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __attribute__((packed));

extern char isr_entries[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static rt_handler_t handlers[256];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "", "#TS", "#NP", "#SS", "#GP", "#PF", "",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "", "",
	"", "", "", "", "#HV", "#VC", "#SX", "",
};

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(ptr));
}

void idt_init(void)
{
	unsigned int v;

	for (v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)isr_entries + v * ISR_ENTRY_SIZE;

		idt[v] = (struct idt_gate){
			.offset0 = (uint16_t)addr,
			.selector = SEL_CODE64,
			.type = GATE_INTERRUPT,
			.offset1 = (uint16_t)(addr >> 16),
			.offset2 = (uint32_t)(addr >> 32),
		};
	}
	idt_load();
}

void idt_set_handler(unsigned int vector, rt_handler_t fn)
{
	handlers[vector & 0xff] = fn;
}

void rt_interrupt(struct rt_frame *f);

void rt_interrupt(struct rt_frame *f)
{
	unsigned int v = f->vector;
	uint64_t cr2;

	if (handlers[v]) {
		handlers[v](f);
		return;
	}
	if (v == RT_VEC_SPURIOUS)
		return;
	if (v >= 32) {
		printf("rt: unexpected interrupt, vector %#x, on CPU %u\n", v, apic_id());
		apic_eoi();
		return;
	}
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("rt: fatal: exception %u %s, error code %#lx, at rip %#lx (cr2 %#lx, rsp %#lx)\n",
	       v, exception_names[v], f->error, f->rip, cr2, f->rsp);
	rt_exit(1);
}
