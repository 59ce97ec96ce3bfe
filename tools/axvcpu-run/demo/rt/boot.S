/* SPDX-License-Identifier: MIT */
/*
 * How a CPU gets from the loader (or from reset) to 64-bit C code.
 *
 * CPU 0 comes from a Multiboot 1 loader in 32-bit flat protected mode,
 * paging off, IF=0, with EAX = 0x2badb002 and EBX = the information
 * block. It clears .bss, builds the page tables (0..4 GiB identity mapped
 * with 2 MiB pages, the top 32 MiB uncached: the APICs and the axvcpu-run
 * test device live there), loads the GDT, turns on PAE, EFER.LME and
 * paging, and jumps to 64-bit code, which calls rt_start().
 *
 * An AP starts in real mode at the trampoline, which smp.c copies below
 * 1 MiB; it loads the same GDT, enters 32-bit mode at ap_entry32 and from
 * there takes the same way to long mode with the page tables CPU 0 built,
 * on the stack smp.c left in ap_boot_stack, and calls rt_ap_start().
 */

#define MB_HEADER_MAGIC	0x1badb002
#define MB_HEADER_FLAGS	0x00000003	/* bit 0: page-aligned modules, 1: memory info */
#define MB_BOOT_MAGIC	0x2badb002

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#define CR0_PE		(1 << 0)
#define CR0_NW		(1 << 29)
#define CR0_CD		(1 << 30)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)

#define PTE_P		0x01
#define PTE_RW		0x02
#define PTE_PWT		0x08
#define PTE_PCD		0x10
#define PTE_PS		0x80	/* a 2 MiB page in a page directory */
#define UNCACHED_FIRST	2032	/* the 2 MiB page at 0xfe000000 */

	/* Within the first 8 KiB of the file, 4-byte aligned (image.ld). */
	.section .multiboot, "a"
	.balign 4
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

/* Paging, long mode, then a far jump to 64-bit code: used by both paths. */
.macro enter_long_mode target
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax	/* an AP comes out of INIT with them set */
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $\target
.endm

.macro load_data_segments
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
.endm

	.text
	.code32
	.globl	mb_entry
mb_entry:
	cli
	cld
	movl	%eax, %esi
	movl	%ebx, %ebp

	/* The loader should have cleared .bss; the page tables rely on it. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	%esi, rt_mb_magic
	movl	%ebp, rt_mb_info
	movl	$boot_stack_top, %esp

	/* PML4[0] -> the PDPT, whose first four entries -> four directories. */
	movl	$(pdpt + PTE_P + PTE_RW), pml4
	movl	$(pd + PTE_P + PTE_RW), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, pdpt(, %ecx, 8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b

	/* 2048 2 MiB pages, 0..4 GiB. */
	movl	$(PTE_P + PTE_RW + PTE_PS), %eax
	xorl	%ecx, %ecx
2:	movl	%eax, pd(, %ecx, 8)
	cmpl	$UNCACHED_FIRST, %ecx
	jb	3f
	orl	$(PTE_PCD + PTE_PWT), pd(, %ecx, 8)
3:	addl	$0x200000, %eax
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	lgdt	gdt_ptr
	ljmp	$SEL_CODE32, $4f
4:	load_data_segments
	enter_long_mode bsp_entry64

	.code64
bsp_entry64:
	load_data_segments
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	call	rt_start
	jmp	halt_forever

	.globl	halt_forever
halt_forever:
	cli
	hlt
	jmp	halt_forever

	.code32
ap_entry32:
	load_data_segments
	enter_long_mode ap_entry64

	.code64
ap_entry64:
	load_data_segments
	movq	ap_boot_stack(%rip), %rsp
	xorl	%ebp, %ebp
	call	rt_ap_start
	jmp	halt_forever

/*
 * The AP trampoline, copied to a page below 1 MiB; SIPI starts it there
 * at CS = page >> 4, IP = 0. Only position-independent 16-bit code and
 * the GDT pointer: everything else is at its link address.
 */
	.section .rodata
	.code16
	.globl	ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	ap_trampoline_gdt - ap_trampoline
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap_entry32
	.balign	4
ap_trampoline_gdt:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_trampoline_end:
	.code64

	.data
	.balign	16
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: 32-bit code, flat */
	.quad	0x00cf93000000ffff	/* 0x10: data, flat */
	.quad	0x00af9b000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt

	.globl	ap_boot_stack
	.balign	8
ap_boot_stack:
	.quad	0

	.bss
	.balign	4096
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4 * 4096
	.balign	16
	.skip	16384
boot_stack_top:
