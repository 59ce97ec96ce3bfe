/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure guest address translation (no kernel headers beyond pure.h):
 * logical (segment:offset) to linear with the segment checks of the
 * mode, and linear to guest physical through the guest's own page tables
 * in every paging mode: none (real mode, protected mode without paging),
 * 32-bit, PAE, 4-level and 5-level long mode. The module uses it to fetch
 * the instruction an exit needs decoded and to reach the memory operands
 * of string instructions; tests/unit compiles the same file and fuzzes it.
 *
 * A translation the guest would see fail returns -EFAULT with the fault
 * the guest would take (#PF with its error code and CR2, #GP(0), #SS(0)),
 * for the caller to inject; it is never reported as success or guessed.
 * References: AMD APM vol. 2, 4.5 (segments), 5.2-5.4 (paging), 8.4.2
 * (#PF error code); Intel SDM vol. 3A, 4.3-4.7.
 */
#ifndef _AXVCPU_X86_WALK_H
#define _AXVCPU_X86_WALK_H

#include "pure.h"

/* Exception vectors the translation can raise. */
#define X86_VEC_GP	13
#define X86_VEC_SS	12
#define X86_VEC_PF	14

/* Access kinds, for the checks and the #PF error code. */
#define X86_ACC_READ	(1U << 0)
#define X86_ACC_WRITE	(1U << 1)
#define X86_ACC_FETCH	(1U << 2)
/*
 * A supervisor access made on behalf of the instruction at any CPL
 * (descriptor-table reads): no user-mode checks.
 */
#define X86_ACC_IMPLICIT	(1U << 3)

/* #PF error code bits. */
#define X86_PF_P	(1U << 0)
#define X86_PF_W	(1U << 1)
#define X86_PF_U	(1U << 2)
#define X86_PF_RSVD	(1U << 3)
#define X86_PF_I	(1U << 4)
#define X86_PF_PK	(1U << 5)

/**
 * struct x86_fault - the exception a failed translation raises.
 * @vector:     X86_VEC_PF, X86_VEC_GP or X86_VEC_SS.
 * @has_error:  it pushes @error_code (always, for these three).
 * @error_code: #PF: X86_PF_* bits; #GP/#SS: 0 (or the selector, unused).
 * @cr2:        #PF: the faulting linear address.
 */
struct x86_fault {
	u8 vector;
	bool has_error;
	u32 error_code;
	u64 cr2;
};

/**
 * struct x86_mmu_state - what translation depends on, from the VCPU.
 * @cr0:   CR0 (PE, PG, WP).
 * @cr3:   CR3.
 * @cr4:   CR4 (PSE, PAE, LA57, SMEP, SMAP, PKE).
 * @efer:  EFER (LMA, NXE).
 * @rflags: RFLAGS (AC for SMAP, VM for virtual-8086).
 * @cpl:   current privilege level (0 in real mode, 3 in virtual-8086).
 * @pkru:  PKRU, with CR4.PKE.
 * @maxphyaddr: physical address width, for reserved-bit checks.
 */
struct x86_mmu_state {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 rflags;
	u8 cpl;
	u32 pkru;
	u8 maxphyaddr;
};

/**
 * struct x86_mem_ops - how the walker reaches guest physical memory.
 * @read:  copy @len bytes at @gpa into @buf; 0, or a negative errno
 *         (-ENOENT: not guest RAM).
 * @write: store @len bytes at @gpa (to set accessed and dirty bits); may
 *         be NULL, then no A/D bit is written.
 * @ctx:   passed to both.
 */
struct x86_mem_ops {
	int (*read)(void *ctx, u64 gpa, void *buf, unsigned int len);
	int (*write)(void *ctx, u64 gpa, const void *buf, unsigned int len);
	void *ctx;
};

/**
 * x86_seg_linear() - logical to linear address, with the checks of the
 * current mode: in 64-bit mode only FS/GS add their base and the result
 * must be canonical (#GP, or #SS for an SS access); otherwise the base
 * is added, the access [@offset, @offset + @len) must lie within the
 * limit (expand-down segments inverted), the segment must be usable,
 * readable (code) or writable (data) for the access (#GP, #SS for SS),
 * and the result wraps at 32 bits (at 20 bits is not emulated: A20 is
 * always on).
 * @mmu:      the VCPU's state (only CR0.PE, EFER.LMA, RFLAGS.VM used).
 * @seg:      the segment register, as GET_SREGS reports it.
 * @seg_idx:  X86_SEG_* of @seg (SS faults are #SS).
 * @long64:   the code runs in 64-bit mode (EFER.LMA and CS.L).
 * @offset:   the effective address, already truncated to the address
 *            size by the caller.
 * @len:      bytes accessed (1..16).
 * @access:   X86_ACC_READ, X86_ACC_WRITE or X86_ACC_FETCH.
 * @linear:   out: the linear address.
 * @fault:    out: the fault, when -EFAULT is returned.
 *
 * Return: 0, or -EFAULT with @fault filled.
 */
int x86_seg_linear(const struct x86_mmu_state *mmu, const struct axvcpu_segment *seg,
		   unsigned int seg_idx, bool long64, u64 offset, unsigned int len,
		   u32 access, u64 *linear, struct x86_fault *fault);

/**
 * x86_walk() - linear to guest physical address through the guest's page
 * tables, as the CPU's walk would do it for @access at @mmu->cpl:
 * present, writable (CR0.WP at CPL 0), user, NX (EFER.NXE), reserved
 * bits (with @mmu->maxphyaddr), SMEP, SMAP (lifted by RFLAGS.AC for an
 * explicit access at CPL < 3, never for an X86_ACC_IMPLICIT one, as on
 * hardware), protection keys, large pages at every level the mode
 * has them (4 MiB with CR4.PSE in 32-bit paging, 2 MiB, 1 GiB).
 * Without paging (CR0.PG clear) the address is the physical address (the
 * low 32 bits outside long mode).
 * @mmu:    the VCPU's state.
 * @ops:    guest physical memory access (page-table reads, A/D writes).
 * @linear: the linear address.
 * @access: X86_ACC_* bits.
 * @gpa:    out: the guest physical address.
 * @fault:  out: the #PF, when -EFAULT is returned.
 *
 * Accessed bits are set in every entry used and the dirty bit in the
 * leaf of a write, when @ops->write is given, only after the walk
 * succeeded.
 * Return: 0; -EFAULT with @fault filled; or the error of @ops->read
 * (e.g. -ENOENT when a page-table entry lies outside guest RAM), which
 * the caller reports rather than injects.
 */
int x86_walk(const struct x86_mmu_state *mmu, const struct x86_mem_ops *ops,
	     u64 linear, u32 access, u64 *gpa, struct x86_fault *fault);

#endif /* _AXVCPU_X86_WALK_H */
