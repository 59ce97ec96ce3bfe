/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure x86 register-state code: boot states, validation of user-supplied
 * register sets, the identity map the SETUP long mode writes. No kernel
 * headers beyond pure.h (and, in the module, the kernel's own definitions
 * of the CR0/CR4 bits), so tests/unit compiles the same file.
 */
#ifndef _AXVCPU_X86_STATE_H
#define _AXVCPU_X86_STATE_H

#include "pure.h"

/*
 * Architectural bits used by the backends and the checks. The kernel names
 * the CR0/CR4 bits already (uapi <asm/processor-flags.h>, which nearly every
 * kernel header pulls in), spelled differently; a second definition would
 * be a "redefined" error under -Werror. So in the module the kernel's
 * header is included first and wins (same values), and each name is only
 * defined here when it is still missing: in host builds, or after a file
 * #undef'd the kernel's. Any include order then works.
 */
#ifdef __KERNEL__
#include <asm/processor-flags.h>
#endif
#ifndef X86_CR0_PE
#define X86_CR0_PE	(1ULL << 0)
#endif
#ifndef X86_CR0_MP
#define X86_CR0_MP	(1ULL << 1)
#endif
#ifndef X86_CR0_EM
#define X86_CR0_EM	(1ULL << 2)
#endif
#ifndef X86_CR0_TS
#define X86_CR0_TS	(1ULL << 3)
#endif
#ifndef X86_CR0_ET
#define X86_CR0_ET	(1ULL << 4)
#endif
#ifndef X86_CR0_NE
#define X86_CR0_NE	(1ULL << 5)
#endif
#ifndef X86_CR0_WP
#define X86_CR0_WP	(1ULL << 16)
#endif
#ifndef X86_CR0_AM
#define X86_CR0_AM	(1ULL << 18)
#endif
#ifndef X86_CR0_NW
#define X86_CR0_NW	(1ULL << 29)
#endif
#ifndef X86_CR0_CD
#define X86_CR0_CD	(1ULL << 30)
#endif
#ifndef X86_CR0_PG
#define X86_CR0_PG	(1ULL << 31)
#endif

#ifndef X86_CR4_PAE
#define X86_CR4_PAE	(1ULL << 5)
#endif
#ifndef X86_CR4_PGE
#define X86_CR4_PGE	(1ULL << 7)
#endif
#ifndef X86_CR4_PSE
#define X86_CR4_PSE	(1ULL << 4)
#endif
#ifndef X86_CR4_OSFXSR
#define X86_CR4_OSFXSR	(1ULL << 9)
#endif
#ifndef X86_CR4_OSXMMEXCPT
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#endif
#ifndef X86_CR4_LA57
#define X86_CR4_LA57	(1ULL << 12)
#endif
#ifndef X86_CR4_PCIDE
#define X86_CR4_PCIDE	(1ULL << 17)
#endif
#ifndef X86_CR4_OSXSAVE
#define X86_CR4_OSXSAVE	(1ULL << 18)
#endif
#ifndef X86_CR4_SMEP
#define X86_CR4_SMEP	(1ULL << 20)
#endif
#ifndef X86_CR4_SMAP
#define X86_CR4_SMAP	(1ULL << 21)
#endif
#ifndef X86_CR4_PKE
#define X86_CR4_PKE	(1ULL << 22)
#endif

#define X86_EFER_SCE	(1ULL << 0)
#define X86_EFER_LME	(1ULL << 8)
#define X86_EFER_LMA	(1ULL << 10)
#define X86_EFER_NXE	(1ULL << 11)
#define X86_EFER_SVME	(1ULL << 12)

#define X86_RFLAGS_FIXED (1ULL << 1)
#define X86_RFLAGS_IF	(1ULL << 9)

/** X86_IDMAP_PAGES - pages x86_identity_map_build() writes. */
#define X86_IDMAP_PAGES	6
/** X86_IDMAP_BYTES - bytes x86_identity_map_build() writes. */
#define X86_IDMAP_BYTES	(X86_IDMAP_PAGES * 4096)

/**
 * struct x86_cpu_limits - what the host CPU allows a guest to set.
 * @efer_mask:   EFER bits a guest may have set (SVME never).
 * @cr4_mask:    CR4 bits a guest may have set.
 * @maxphyaddr:  physical address width, for CR3 reserved bits.
 */
struct x86_cpu_limits {
	u64 efer_mask;
	u64 cr4_mask;
	u32 maxphyaddr;
};

/**
 * x86_boot_state() - registers of a VCPU entering one of SETUP's modes.
 * @setup: the SETUP argument (mode, entry, stack, page_table_gpa).
 * @regs:  out: general registers (RIP, RSP, RFLAGS = 0x2, others zero).
 * @sregs: out: system registers of the mode: real (CS = entry >> 4),
 *         protected (flat 4 GiB code/data, CR0.PE), long (CR0.PG|PE,
 *         CR4.PAE, EFER.LME|LMA, 64-bit CS, CR3 = page_table_gpa).
 *
 * Return: 0, or -EINVAL for an unknown mode, flags or reserved fields set,
 * a misaligned page_table_gpa in long mode, or a non-zero page_table_gpa
 * in any other mode. AXVCPU_MODE_CUSTOM is not handled here (the caller
 * keeps its current state) and returns -EINVAL. Also -EINVAL for an entry
 * or stack the mode cannot reach: real mode entry above 0xfffff or stack
 * above 0xffff; protected mode either above 0xffffffff; long mode entry
 * at or above 4 GiB or stack above 4 GiB (nothing else is mapped), or
 * page tables that do not fit below 2^52. On error @regs and @sregs are
 * left untouched.
 */
int x86_boot_state(const struct axvcpu_setup *setup, struct axvcpu_regs *regs,
		   struct axvcpu_sregs *sregs);

/**
 * x86_identity_map_build() - page tables mapping the first 4 GiB 1:1.
 * @pt_gpa: guest physical address where the X86_IDMAP_PAGES pages go.
 * @buf:    X86_IDMAP_BYTES bytes to fill (PML4, PDPT, four PDs of 2 MiB
 *          pages, read/write/execute, supervisor).
 */
void x86_identity_map_build(u64 pt_gpa, void *buf);

/**
 * x86_sregs_check() - validate system registers as hardware would.
 * @s:   the registers.
 * @lim: what the CPU allows.
 *
 * Checks reserved bits of CR0/CR3/CR4/EFER, CR0.PG without PE, CR0.NW
 * without CD, EFER.LME with CR0.PG but no CR4.PAE, LMA not matching
 * LME && PG, a 64-bit CS (L with D) combination, CS.L outside long mode,
 * descriptor fields out of range, padding non-zero.
 * Return: 0 or -EINVAL.
 */
int x86_sregs_check(const struct axvcpu_sregs *s, const struct x86_cpu_limits *lim);

/**
 * x86_entry_state_valid() - may VMRUN be asked to enter this state? The
 * checks of VMRUN (APM vol. 2, 15.5.1) on what guest instructions change
 * without an intercept: CR0 (reserved bits, NW without CD, PG without PE),
 * CR3 (bits beyond the physical width in long mode), CR4 and EFER
 * (reserved bits), CS (L with D in long mode), PAE in long mode. A CPU
 * that checked every MOV to CR0 and CR3 as the architecture says would
 * never load such a state; QEMU 7.2's TCG does (CR0.NW without CD, CR3
 * bits beyond the width).
 * @cr0:   CR0.
 * @cr3:   CR3.
 * @cr4:   CR4.
 * @efer:  EFER (SVME allowed: the host's).
 * @cs_ld: CS.L and CS.D both set.
 * @lim:   what the CPU allows.
 * Return: true when VMRUN would accept the state.
 */
bool x86_entry_state_valid(u64 cr0, u64 cr3, u64 cr4, u64 efer, bool cs_ld,
			   const struct x86_cpu_limits *lim);

/**
 * x86_cr4_write_check() - may a guest's MOV to CR4 load @cr4?
 * @cr4:  the value written.
 * @old:  CR4 before.
 * @efer: EFER (LME, LMA).
 * @cr3:  CR3 (its PCID bits).
 * @lim:  what the CPU allows.
 *
 * The #GP(0) conditions of MOV to CR4 (SDM vol. 2, MOV; APM vol. 2,
 * 3.1.3): a bit outside @lim->cr4_mask; clearing PAE in long mode;
 * changing LA57 in long mode; PCIDE outside long mode, or set from 0
 * while CR3[11:0] is not 0. And one of axvcpu's (x86_sregs_check() says
 * why): PAE cleared while EFER.LME is set. CPL is the caller's to check.
 * Return: 0 or -EINVAL (the guest takes #GP).
 */
int x86_cr4_write_check(u64 cr4, u64 old, u64 efer, u64 cr3,
			const struct x86_cpu_limits *lim);

/**
 * x86_cr4_write_flushes() - does a MOV to CR4 from @old to @cr4 flush
 * the guest's TLB? True when PGE, PAE, PSE, SMEP, SMAP, PKE or LA57
 * change, or PCIDE is cleared (SDM vol. 3, 4.10.4.1).
 * @cr4: the value written.
 * @old: CR4 before.
 * Return: true when the TLB must be flushed.
 */
bool x86_cr4_write_flushes(u64 cr4, u64 old);

/**
 * x86_regs_check() - validate general registers: RFLAGS bit 1 set,
 * reserved RFLAGS bits (3, 5, 15, 22-63) clear.
 * @r: the registers.
 * Return: 0 or -EINVAL.
 */
int x86_regs_check(const struct axvcpu_regs *r);

/**
 * x86_segment_attr_pack() - SVM VMCB 12-bit attribute word of a segment:
 * type[3:0], S[4], DPL[6:5], P[7], AVL[8], L[9], DB[10], G[11].
 * @seg: the segment.
 *
 * (VMX's access-rights word differs: AVL/L/DB/G sit at bits 12-15 and
 * bit 16 means unusable.) Each field is masked to its width; @seg->unusable
 * is not encoded, the caller decides what an unusable segment becomes.
 *
 * Return: the attribute word, bits 15:12 clear.
 */
u16 x86_segment_attr_pack(const struct axvcpu_segment *seg);

/**
 * x86_segment_attr_unpack() - the reverse of x86_segment_attr_pack().
 * @attr: 12-bit attribute word.
 * @seg:  out: type, s, dpl, present, avl, l, db, g (other fields untouched).
 */
void x86_segment_attr_unpack(u16 attr, struct axvcpu_segment *seg);

#endif /* _AXVCPU_X86_STATE_H */
