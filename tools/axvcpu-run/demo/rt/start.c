// SPDX-License-Identifier: MIT
/*
 * The C side of boot: what every image wants before main(), and the way
 * out through QEMU's isa-debug-exit port, which axvcpu-run has as well.
 */
#include "rt.h"

#define PIC1_DATA		0x21
#define PIC2_DATA		0xa1
#define DEBUG_EXIT_PORT		0xf4	/* writing V exits with status (V << 1) | 1 */

uint32_t rt_mb_magic;			/* written by boot.S */
uint32_t rt_mb_info;
struct multiboot_info *rt_mbi;

void rt_start(void);
void args_init(const struct multiboot_info *mbi);

void rt_start(void)
{
	/*
	 * Under QEMU the BIOS left the 8259s unmasked and LINT0 in ExtINT
	 * mode: its timer would arrive on vector 8. Mask both; the images
	 * only use the APICs. (axvcpu-run ignores the port writes.)
	 */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	uart_init();
	idt_init();
	apic_init();
	if (rt_mb_magic == MB_BOOT_MAGIC)
		rt_mbi = (struct multiboot_info *)(uintptr_t)rt_mb_info;
	args_init(rt_mbi);
	axvcpu_run_probe();
	rt_exit((unsigned int)main());
}

/* Exit through the debug-exit port; where there is none, stop for good. */
void rt_exit(unsigned int code)
{
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	printf("rt: exit code %u, but no debug-exit device at port %#x: halting\n", code,
	       DEBUG_EXIT_PORT);
	for (;;)
		asm volatile("cli; hlt");
}
