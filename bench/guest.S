/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's guest: one 32-bit image every side loads at
 * BENCH_CODE_GPA and enters at a workload's entry, with flat code and data
 * segments (selectors 0x8 and 0x10), paging off and RFLAGS.IF clear. It is
 * data to the host (the .code32 bytes are never run here), position
 * dependent: the descriptor tables and the handler sit at fixed offsets
 * (bench.h), which .org checks.
 *
 * Each loop keeps its state in registers across exits and never depends
 * on the hypervisor's way of advancing RIP (QEMU's EPYC model has no NRIP
 * save): CPUID and VMMCALL have fixed lengths, IOIO reports the next RIP.
 */
#include "bench.h"

#define ABS(off)	(BENCH_CODE_GPA + (off))

	.section .rodata.bench_guest, "a"
	.code32
	.globl bench_guest_start
bench_guest_start:

	/* GDT: null, flat 32-bit code (accessed), flat data (accessed). */
	.quad 0
	.quad 0x00cf9b000000ffff
	.quad 0x00cf93000000ffff

	.org BENCH_GDT_DESC_OFF
	.word 3 * 8 - 1
	.long ABS(BENCH_GDT_OFF)

	.org BENCH_IDT_DESC_OFF
	.word (BENCH_IRQ_VECTOR + 1) * 8 - 1
	.long ABS(BENCH_IDT_OFF)

	/* The interrupt handler acknowledges with a PIO write, then returns. */
	.org BENCH_HANDLER_OFF
	out %al, $BENCH_PORT_ACK
	iret

	/*
	 * Vectors below BENCH_IRQ_VECTOR are not present: an exception
	 * becomes a triple fault, which every side reports as a failure.
	 */
	.org BENCH_IDT_OFF
	.fill BENCH_IRQ_VECTOR, 8, 0
	.word ABS(BENCH_HANDLER_OFF) & 0xffff
	.word BENCH_SEL_CODE
	.word 0x8e00			/* present, DPL 0, 32-bit interrupt gate */
	.word ABS(BENCH_HANDLER_OFF) >> 16

	.org BENCH_ENTRIES_OFF

/* Every entry loads the tables and a stack, then runs its loop. */
.macro ENTRY name
	.globl bench_entry_\name
bench_entry_\name:
	lgdt ABS(BENCH_GDT_DESC_OFF)
	lidt ABS(BENCH_IDT_DESC_OFF)
	mov $BENCH_STACK_TOP, %esp
.endm

	/* Batches of BENCH_PARAM_COUNT CPUIDs (in-kernel exits), then OUT. */
	ENTRY cpuid
1:	mov BENCH_PARAM_COUNT, %edi
2:	xor %eax, %eax
	cpuid
	dec %edi
	jnz 2b
	out %al, $BENCH_PORT_DONE
	jmp 1b

	ENTRY pio_out
1:	out %al, $BENCH_PORT_PIO
	jmp 1b

	ENTRY pio_in
1:	in $BENCH_PORT_PIO, %al
	jmp 1b

	ENTRY mmio_write
	mov $BENCH_MMIO_GPA, %ebx
1:	mov %eax, (%ebx)
	jmp 1b

	ENTRY mmio_read
	mov $BENCH_MMIO_GPA, %ebx
1:	mov (%ebx), %eax
	jmp 1b

	/* KVM's arguments in RBX, RCX, RDX; axvcpu's in RDI, RSI. */
	ENTRY hypercall
1:	mov $BENCH_HC_NR, %eax
	mov $BENCH_HC_GPA, %ebx
	mov $BENCH_HC_NPAGES, %ecx
	xor %edx, %edx
	mov %ebx, %edi
	mov %ecx, %esi
	vmmcall
	jmp 1b

	/* Spin with interrupts on; the handler does the rest. */
	ENTRY irq
	sti
1:	jmp 1b

	/* The first exit of a new VM. */
	ENTRY first_exit
	out %al, $BENCH_PORT_DONE
1:	hlt
	jmp 1b

	/* One byte written per 4 KiB page of [TOUCH_BASE, TOUCH_END). */
	ENTRY touch
	mov BENCH_PARAM_TOUCH_BASE, %ebx
	mov BENCH_PARAM_TOUCH_END, %ecx
1:	movb $1, (%ebx)
	add $4096, %ebx
	cmp %ecx, %ebx
	jb 1b
	out %al, $BENCH_PORT_DONE
2:	hlt
	jmp 2b

	.globl bench_guest_end
bench_guest_end:
	.code64

	.section .note.GNU-stack, "", @progbits
