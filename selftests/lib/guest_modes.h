/* SPDX-License-Identifier: MIT */
/*
 * Hand-written guest code for the exits the selftests check in every
 * mode: the same sequence of instructions assembled as 16-bit (run with
 * SETUP mode REAL), 32-bit (mode PROTECTED) and 64-bit code (called from
 * a 64-bit guest function, in CUSTOM or LONG mode), from one macro per
 * sequence in guest_modes.S.
 *
 * The 16- and 32-bit copies are data: vm_vcpu_add_snippet() copies
 * [start, end) to GUEST_SNIPPET_GPA and starts there (real mode: CS =
 * GUEST_SNIPPET_GPA >> 4, IP = 0). They report values with an OUT of EAX
 * to SNIP_PORT_REPORT instead of ucalls.
 *
 * Each sequence comes with a table of "marks": the offset from start of
 * the instruction after each exiting one, in the order the exits happen,
 * so the host can check the RIP every exit reports. The expected RIP of
 * mark i is
 *   real mode:       marks[i]                  (IP; CS base is the snippet)
 *   protected mode:  GUEST_SNIPPET_GPA + marks[i]
 *   64-bit:          (uintptr_t)start + marks[i]
 */
#ifndef SELFTEST_GUEST_MODES_H
#define SELFTEST_GUEST_MODES_H

/* Ports, MSRs and hypercall numbers the sequences use. */
#define SNIP_PORT_OUT		0x80	/* IO_WRITE of widths 1, 2, 4 */
#define SNIP_PORT_IN		0x81	/* IO_READ */
#define SNIP_PORT_REPORT	0x82	/* OUT %eax: a value for the host */
#define SNIP_HC_NR		0x1001	/* VMMCALL number (RAX) */
#define SNIP_MSR_READ		0x40000100	/* unknown to the kernel: exits */
#define SNIP_MSR_WRITE		0x40000101
#define SNIP_OUT8		0x11
#define SNIP_OUT16		0x2222
#define SNIP_OUT32		0x33333333
#define SNIP_WRMSR_LO		0xaabbccdd
#define SNIP_WRMSR_HI		0x01020304
#define SNIP_NPF_BYTE		0x99
/* Initial RAX/RDX of the completion sequence (low halves in 16/32-bit). */
#define SNIP_PRESET32		0xaabbccdd
#define SNIP_PRESET64		0x1122334455667788
#define SNIP_PRESET_RDX64	0x9999999999999999

/*
 * RAM of the bare VMs that run 16/32-bit snippets, and the GPA just above
 * it the "exits" sequence writes to (a nested page fault until the host
 * adds a region there). In 64-bit mode the framework VM has 64 MiB, so
 * the sequence writes to SNIP_NPF_GPA64 instead.
 */
#define SNIP_BARE_RAM		0x80000
#define SNIP_NPF_GPA		0x90000
#define SNIP_NPF_GPA64		0x80000000

/* A read-only region for the memory sequence (slot 1). */
#define SNIP_RO_GPA		0x90000
#define SNIP_RO_GPA64		0x10000000
#define SNIP_RO_READ_OFF	0x10
#define SNIP_RO_WRITE_OFF	0x20

/* The MMIO echo device of the "mmio" sequence (VGA hole; 64-bit: 3 GiB). */
#define SNIP_MMIO_GPA		0xa0000
#define SNIP_MMIO_GPA64		0xc0000000
/* RAM the "strio" sequence uses, and its string I/O port. */
#define SNIP_STR_GPA		0x28000
#define SNIP_PORT_STR		0x84

/* Where vm_vcpu_add_snippet() puts 16/32-bit code (GUEST_SNIPPET_GPA). */
#define SNIP_BASE		0x1000

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "guest.h"

_Static_assert(SNIP_BASE == GUEST_SNIPPET_GPA, "snippet base");

/*
 * Marks of the "exits" sequence (vcpu_exits): one per exit, in order.
 * HALT's mark is after the HLT; EM_NPF is after the MMIO store, on the
 * MMIO load (whose read exit leaves RIP on it); the triple fault has none. The
 * CPUID marks follow the OUT that echoes ECX (CPUID itself does not exit).
 */
enum exits_mark {
	EM_OUT8, EM_OUT16, EM_OUT32,		/* IO_WRITE 0x80 */
	EM_IN8, EM_IN8_ECHO,			/* IO_READ 0x81, echo to 0x82 */
	EM_VMMCALL, EM_VMMCALL_ECHO,		/* HYPERCALL, echo RAX */
	EM_RDMSR, EM_RDMSR_ECHO_LO, EM_RDMSR_ECHO_HI,
	EM_WRMSR,
	EM_CPUID1_ECX, EM_CPUID81_ECX,		/* CPUID answered in kernel: echoes */
	EM_NPF,					/* MMIO_WRITE of SNIP_NPF_BYTE, MMIO_READ */
	EM_NPF_ECHO,				/* echo what the read got */
	EM_HLT,
	EM_NR
};

/* Marks of the "completion" sequence (vcpu_completion). */
enum completion_mark {
	CM_IN8, CM_IN8_REPORT,
	CM_IN16, CM_IN16_REPORT,
	CM_IN32, CM_IN32_REPORT,
	CM_RDMSR, CM_RDMSR_REPORT_LO, CM_RDMSR_REPORT_HI,
	CM_VMMCALL, CM_VMMCALL_REPORT,
	CM_MOVED_IN, CM_MOVED_TARGET, CM_MOVED_REPORT,
	CM_SAMERIP_IN, CM_SAMERIP_REPORT, CM_SAMERIP_RBX,
	CM_IMMEDIATE_IN, CM_IMMEDIATE_REPORT,
	CM_HLT,
	CM_NR
};

/* Marks of the "read-only memory" sequence (memory_regions). */
enum ro_mark {
	RM_READ_REPORT,		/* the value at SNIP_RO_READ_OFF */
	RM_WRITE,		/* the faulting write: RIP stays on it */
	RM_NR
};

/* Marks of the "insnlen" sequence (insn_length). */
enum insnlen_mark {
	IM_CPUID_CS, IM_CPUID_CS_DS, IM_WBNOINVD,	/* after each echo */
	IM_RDMSR, IM_HLT_CS, IM_VMMCALL, IM_HLT,
	IM_NR
};

#define GUEST_MODES_DECLARE(name)					\
	extern const char name##16_start[], name##16_end[];		\
	extern const char name##32_start[], name##32_end[];		\
	extern const char name##64_start[], name##64_end[];		\
	extern const uint64_t name##16_marks[], name##32_marks[], name##64_marks[]

GUEST_MODES_DECLARE(exits);
GUEST_MODES_DECLARE(completion);
GUEST_MODES_DECLARE(ro);
GUEST_MODES_DECLARE(mmio);
GUEST_MODES_DECLARE(insnlen);
GUEST_MODES_DECLARE(strio);
extern const char wrap16_start[], wrap16_end[];

/**
 * snippet_rip() - the RIP a VCPU running a sequence reports at a mark.
 * @bits:  16, 32 or 64: which copy of the sequence runs.
 * @start: its start label.
 * @mark:  the mark's offset from @start.
 *
 * Return: the RIP (IP in real mode).
 */
static inline uint64_t snippet_rip(int bits, const char *start, uint64_t mark)
{
	if (bits == 16)
		return mark;
	if (bits == 32)
		return SNIP_BASE + mark;
	return (uint64_t)(uintptr_t)start + mark;
}
#endif /* __ASSEMBLER__ */

#endif /* SELFTEST_GUEST_MODES_H */
