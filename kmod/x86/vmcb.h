/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AMD virtual machine control block (VMCB), as laid out in the AMD64
 * Architecture Programmer's Manual vol. 2, appendix B ("Layout of VMCB"),
 * with the intercept bits (table B-1), exit codes (appendix C) and the
 * encodings of the fields the SVM backend uses.
 *
 * Every name carries a VMCB_ prefix or svm_vmcb_ so that nothing clashes
 * with the kernel's own <asm/svm.h> should a header ever pull it in.
 * Offsets are checked at compile time at the end of this file: a field in
 * the wrong place would make VMRUN read garbage, which no test catches
 * reliably.
 */
#ifndef _AXVCPU_X86_VMCB_H
#define _AXVCPU_X86_VMCB_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/**
 * struct svm_vmcb_seg - a segment register in the save area (APM B-2):
 * the 12-bit attribute word packs type, S, DPL, P, AVL, L, DB, G.
 * @selector: visible selector.
 * @attrib:   attributes (see x86_segment_attr_pack()).
 * @limit:    expanded 32-bit limit.
 * @base:     base address.
 */
struct svm_vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/* Attribute bits of &struct svm_vmcb_seg the backend tests directly. */
#define SVM_SEG_ATTR_L		(1U << 9)	/* 64-bit code segment */
#define SVM_SEG_ATTR_DB		(1U << 10)	/* default operand size 32 */

/**
 * struct svm_vmcb_control - the control area, offsets 0x000-0x3ff.
 * @intercept_cr:  CR0-15 read (bits 0-15) and write (16-31) intercepts.
 * @intercept_dr:  DR0-15 read and write intercepts.
 * @intercept_exceptions: one bit per exception vector.
 * @intercept_misc1: VMCB_INTERCEPT1_* (byte 0x0c).
 * @intercept_misc2: VMCB_INTERCEPT2_* (byte 0x10).
 * @intercept_misc3: VMCB_INTERCEPT3_* (byte 0x14).
 * @reserved_1: reserved.
 * @pause_filter_thresh: PAUSE filter threshold.
 * @pause_filter_count:  PAUSE filter count.
 * @iopm_base_pa:  physical address of the I/O permission map (12 KiB).
 * @msrpm_base_pa: physical address of the MSR permission map (8 KiB).
 * @tsc_offset:    added to the host TSC for guest reads.
 * @asid:          guest address space id (never 0).
 * @tlb_ctl:       VMCB_TLB_* flush request for this VMRUN.
 * @reserved_2:    reserved.
 * @int_ctl:       virtual interrupt control, VMCB_INT_CTL_*.
 * @int_vector:    vector of the virtual interrupt.
 * @int_state:     VMCB_INT_STATE_* (interrupt shadow).
 * @reserved_3:    reserved.
 * @exit_code:     VMCB_EXIT_* (64 bits; VMEXIT_INVALID is -1).
 * @exit_info_1:   exit-specific information.
 * @exit_info_2:   exit-specific information.
 * @exit_int_info: event being delivered when the exit happened.
 * @exit_int_info_err: its error code.
 * @nested_ctl:    VMCB_NESTED_CTL_* (nested paging enable).
 * @avic_vapic_bar: AVIC APIC BAR (unused).
 * @ghcb_gpa:      SEV-ES GHCB (unused).
 * @event_inj:     event to inject at VMRUN, VMCB_EVENT_*.
 * @event_inj_err: its error code.
 * @nested_cr3:    nCR3: physical address of the nested page table root.
 * @virt_ext:      LBR virtualization, virtual VMLOAD/VMSAVE (unused).
 * @clean:         VMCB clean bits (0: the CPU reloads everything).
 * @reserved_4:    reserved.
 * @next_rip:      next sequential RIP (with NRIP save).
 * @insn_len:      bytes fetched (with decode assists).
 * @insn_bytes:    the bytes.
 * @reserved_5:    rest of the control area.
 */
struct svm_vmcb_control {
	u32 intercept_cr;
	u32 intercept_dr;
	u32 intercept_exceptions;
	u32 intercept_misc1;
	u32 intercept_misc2;
	u32 intercept_misc3;
	u8 reserved_1[0x3c - 0x18];
	u16 pause_filter_thresh;
	u16 pause_filter_count;
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u64 tsc_offset;
	u32 asid;
	u8 tlb_ctl;
	u8 reserved_2[3];
	u32 int_ctl;
	u32 int_vector;
	u32 int_state;
	u8 reserved_3[4];
	u64 exit_code;
	u64 exit_info_1;
	u64 exit_info_2;
	u32 exit_int_info;
	u32 exit_int_info_err;
	u64 nested_ctl;
	u64 avic_vapic_bar;
	u64 ghcb_gpa;
	u32 event_inj;
	u32 event_inj_err;
	u64 nested_cr3;
	u64 virt_ext;
	u32 clean;
	u32 reserved_4;
	u64 next_rip;
	u8 insn_len;
	u8 insn_bytes[15];
	u8 reserved_5[0x400 - 0xe0];
} __packed;

/**
 * struct svm_vmcb_save - the state save area, offsets 0x400-0xfff
 * (non-SEV-ES layout, APM table B-2).
 * @es:             ES.
 * @cs:             CS.
 * @ss:             SS.
 * @ds:             DS.
 * @fs:             FS (VMLOAD/VMSAVE state, not VMRUN's).
 * @gs:             GS (VMLOAD/VMSAVE state).
 * @gdtr:           GDTR (base and limit only).
 * @ldtr:           LDTR (VMLOAD/VMSAVE state).
 * @idtr:           IDTR (base and limit only).
 * @tr:             TR (VMLOAD/VMSAVE state).
 * @reserved_1:     reserved.
 * @vmpl:           SEV-SNP VM privilege level (unused, 0).
 * @cpl:            current privilege level (SS.DPL in protected mode).
 * @reserved_2:     reserved.
 * @efer:           guest EFER; SVME must be set or VMRUN fails.
 * @reserved_3:     reserved.
 * @cr4:            CR4.
 * @cr3:            CR3.
 * @cr0:            CR0.
 * @dr7:            DR7.
 * @dr6:            DR6.
 * @rflags:         RFLAGS.
 * @rip:            RIP.
 * @reserved_4:     reserved.
 * @rsp:            RSP.
 * @s_cet:          CET supervisor state (unused).
 * @ssp:            shadow stack pointer (unused).
 * @isst_addr:      interrupt SSP table address (unused).
 * @rax:            RAX (the other GPRs are not in the VMCB).
 * @star:           STAR (VMLOAD/VMSAVE state).
 * @lstar:          LSTAR (VMLOAD/VMSAVE state).
 * @cstar:          CSTAR (VMLOAD/VMSAVE state).
 * @sfmask:         SFMASK (VMLOAD/VMSAVE state).
 * @kernel_gs_base: KERNEL_GS_BASE (VMLOAD/VMSAVE state).
 * @sysenter_cs:    SYSENTER_CS (VMLOAD/VMSAVE state).
 * @sysenter_esp:   SYSENTER_ESP (VMLOAD/VMSAVE state).
 * @sysenter_eip:   SYSENTER_EIP (VMLOAD/VMSAVE state).
 * @cr2:            CR2.
 * @reserved_5:     reserved.
 * @g_pat:          guest PAT, used with nested paging.
 * @dbgctl:         DEBUGCTL (with LBR virtualization only).
 * @br_from:        last branch from (LBR virtualization).
 * @br_to:          last branch to.
 * @last_excp_from: last exception from.
 * @last_excp_to:   last exception to.
 * @reserved_6:     reserved.
 * @spec_ctrl:      guest SPEC_CTRL (with V_SPEC_CTRL only).
 * @reserved_7:     rest of the page.
 */
struct svm_vmcb_save {
	struct svm_vmcb_seg es;
	struct svm_vmcb_seg cs;
	struct svm_vmcb_seg ss;
	struct svm_vmcb_seg ds;
	struct svm_vmcb_seg fs;
	struct svm_vmcb_seg gs;
	struct svm_vmcb_seg gdtr;
	struct svm_vmcb_seg ldtr;
	struct svm_vmcb_seg idtr;
	struct svm_vmcb_seg tr;
	u8 reserved_1[0xca - 0xa0];
	u8 vmpl;
	u8 cpl;
	u8 reserved_2[4];
	u64 efer;
	u8 reserved_3[0x148 - 0xd8];
	u64 cr4;
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;
	u8 reserved_4[0x1d8 - 0x180];
	u64 rsp;
	u64 s_cet;
	u64 ssp;
	u64 isst_addr;
	u64 rax;
	u64 star;
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;
	u8 reserved_5[0x268 - 0x248];
	u64 g_pat;
	u64 dbgctl;
	u64 br_from;
	u64 br_to;
	u64 last_excp_from;
	u64 last_excp_to;
	u8 reserved_6[0x2e0 - 0x298];
	u64 spec_ctrl;
	u8 reserved_7[0xc00 - 0x2e8];
} __packed;

/**
 * struct svm_vmcb - one VMCB: a page-aligned 4 KiB page.
 * @control: control area.
 * @save:    state save area.
 */
struct svm_vmcb {
	struct svm_vmcb_control control;
	struct svm_vmcb_save save;
} __packed;

/* ---- Intercepts (APM table B-1) -------------------------------------- */

/* intercept_cr, byte 0x00: reads of CRn are bit n, writes bit 16 + n. */
#define VMCB_INTERCEPT_CR_WRITE(n)	BIT(16 + (n))

/* intercept_misc1, byte 0x0c. */
#define VMCB_INTERCEPT1_INTR		BIT(0)
#define VMCB_INTERCEPT1_NMI		BIT(1)
#define VMCB_INTERCEPT1_SMI		BIT(2)
#define VMCB_INTERCEPT1_INIT		BIT(3)
#define VMCB_INTERCEPT1_VINTR		BIT(4)
#define VMCB_INTERCEPT1_RDTSC		BIT(14)
#define VMCB_INTERCEPT1_RDPMC		BIT(15)
#define VMCB_INTERCEPT1_CPUID		BIT(18)
#define VMCB_INTERCEPT1_RSM		BIT(19)
#define VMCB_INTERCEPT1_IRET		BIT(20)
#define VMCB_INTERCEPT1_INVD		BIT(22)
#define VMCB_INTERCEPT1_PAUSE		BIT(23)
#define VMCB_INTERCEPT1_HLT		BIT(24)
#define VMCB_INTERCEPT1_INVLPG		BIT(25)
#define VMCB_INTERCEPT1_INVLPGA		BIT(26)
#define VMCB_INTERCEPT1_IOIO_PROT	BIT(27)
#define VMCB_INTERCEPT1_MSR_PROT	BIT(28)
#define VMCB_INTERCEPT1_TASK_SWITCH	BIT(29)
#define VMCB_INTERCEPT1_FERR_FREEZE	BIT(30)
#define VMCB_INTERCEPT1_SHUTDOWN	BIT(31)

/* intercept_misc2, byte 0x10. */
#define VMCB_INTERCEPT2_VMRUN		BIT(0)
#define VMCB_INTERCEPT2_VMMCALL		BIT(1)
#define VMCB_INTERCEPT2_VMLOAD		BIT(2)
#define VMCB_INTERCEPT2_VMSAVE		BIT(3)
#define VMCB_INTERCEPT2_STGI		BIT(4)
#define VMCB_INTERCEPT2_CLGI		BIT(5)
#define VMCB_INTERCEPT2_SKINIT		BIT(6)
#define VMCB_INTERCEPT2_RDTSCP		BIT(7)
#define VMCB_INTERCEPT2_ICEBP		BIT(8)
#define VMCB_INTERCEPT2_WBINVD		BIT(9)
#define VMCB_INTERCEPT2_MONITOR		BIT(10)
#define VMCB_INTERCEPT2_MWAIT		BIT(11)
#define VMCB_INTERCEPT2_MWAIT_COND	BIT(12)
#define VMCB_INTERCEPT2_XSETBV		BIT(13)
#define VMCB_INTERCEPT2_RDPRU		BIT(14)

/* Exception vectors, for intercept_exceptions and event injection. */
#define VMCB_VEC_DB	1
#define VMCB_VEC_NMI	2
#define VMCB_VEC_BP	3
#define VMCB_VEC_OF	4
#define VMCB_VEC_UD	6
#define VMCB_VEC_GP	13
#define VMCB_VEC_AC	17
#define VMCB_VEC_MC	18

/* ---- Control fields --------------------------------------------------- */

/* tlb_ctl (APM 15.16.1). */
#define VMCB_TLB_NOTHING	0
#define VMCB_TLB_FLUSH_ALL	1	/* every ASID, host included */
#define VMCB_TLB_FLUSH_ASID	3	/* this guest's ASID (FlushByAsid) */

/* int_ctl (APM 15.21.1). */
#define VMCB_INT_CTL_V_TPR_MASK		0xfU
#define VMCB_INT_CTL_V_IRQ		BIT(8)
#define VMCB_INT_CTL_V_INTR_PRIO_MASK	(0xfU << 16)
#define VMCB_INT_CTL_V_IGN_TPR		BIT(20)
#define VMCB_INT_CTL_V_INTR_MASKING	BIT(24)

/* int_state. */
#define VMCB_INT_STATE_SHADOW		BIT(0)

/* nested_ctl. */
#define VMCB_NESTED_CTL_NP_ENABLE	BIT_ULL(0)

/* event_inj and exit_int_info (APM 15.20). */
#define VMCB_EVENT_VECTOR_MASK		0xffU
#define VMCB_EVENT_TYPE_MASK		(7U << 8)
#define VMCB_EVENT_TYPE_INTR		(0U << 8)
#define VMCB_EVENT_TYPE_NMI		(2U << 8)
#define VMCB_EVENT_TYPE_EXCEPTION	(3U << 8)
#define VMCB_EVENT_TYPE_SOFT_INT	(4U << 8)
#define VMCB_EVENT_HAS_ERROR		BIT(11)
#define VMCB_EVENT_VALID		BIT(31)

/* exit_info_1 of IOIO (APM 15.10.2). */
#define VMCB_IOIO_IN			BIT(0)
#define VMCB_IOIO_STRING		BIT(2)
#define VMCB_IOIO_REP			BIT(3)
#define VMCB_IOIO_SZ8			BIT(4)
#define VMCB_IOIO_SZ16			BIT(5)
#define VMCB_IOIO_SZ32			BIT(6)
#define VMCB_IOIO_PORT_SHIFT		16

/* exit_info_1 of NPF: the #PF-style error code (APM 15.25.6). */
#define VMCB_NPF_PRESENT		BIT_ULL(0)
#define VMCB_NPF_WRITE			BIT_ULL(1)
#define VMCB_NPF_USER			BIT_ULL(2)
#define VMCB_NPF_RSVD			BIT_ULL(3)
#define VMCB_NPF_FETCH			BIT_ULL(4)

/* Sizes of the permission maps (APM 15.10.1, 15.11). */
#define VMCB_IOPM_SIZE			(3 * 4096)
#define VMCB_MSRPM_SIZE			(2 * 4096)

/* ---- Exit codes (APM appendix C) ------------------------------------- */

#define VMCB_EXIT_WRITE_CR4	0x014	/* MOV to CRn is 0x10 + n */
#define VMCB_EXIT_READ_DR0	0x020	/* + n: MOV from DRn, 0x20-0x2f */
#define VMCB_EXIT_WRITE_DR15	0x03f	/* MOV to DRn is 0x30 + n */
#define VMCB_EXIT_EXCP_BASE	0x040
#define VMCB_EXIT_INTR		0x060
#define VMCB_EXIT_NMI		0x061
#define VMCB_EXIT_SMI		0x062
#define VMCB_EXIT_INIT		0x063
#define VMCB_EXIT_VINTR		0x064
#define VMCB_EXIT_RDPMC		0x06f
#define VMCB_EXIT_CPUID		0x072
#define VMCB_EXIT_IRET		0x074
#define VMCB_EXIT_INVD		0x076
#define VMCB_EXIT_HLT		0x078
#define VMCB_EXIT_INVLPGA	0x07a
#define VMCB_EXIT_IOIO		0x07b
#define VMCB_EXIT_MSR		0x07c
#define VMCB_EXIT_TASK_SWITCH	0x07d
#define VMCB_EXIT_SHUTDOWN	0x07f
#define VMCB_EXIT_VMRUN		0x080
#define VMCB_EXIT_VMMCALL	0x081
#define VMCB_EXIT_VMLOAD	0x082
#define VMCB_EXIT_VMSAVE	0x083
#define VMCB_EXIT_STGI		0x084
#define VMCB_EXIT_CLGI		0x085
#define VMCB_EXIT_SKINIT	0x086
#define VMCB_EXIT_WBINVD	0x089
#define VMCB_EXIT_MONITOR	0x08a
#define VMCB_EXIT_MWAIT		0x08b
#define VMCB_EXIT_MWAIT_COND	0x08c
#define VMCB_EXIT_XSETBV	0x08d
#define VMCB_EXIT_RDPRU		0x08e
#define VMCB_EXIT_NPF		0x400
#define VMCB_EXIT_INVALID	((u64)-1)

/* ---- Layout checks against APM appendix B ---------------------------- */

#define VMCB_CHECK_CTL(field, off) \
	static_assert(offsetof(struct svm_vmcb_control, field) == (off))
#define VMCB_CHECK_SAVE(field, off) \
	static_assert(offsetof(struct svm_vmcb, save.field) == 0x400 + (off))

static_assert(sizeof(struct svm_vmcb_seg) == 16);
static_assert(sizeof(struct svm_vmcb_control) == 0x400);
static_assert(sizeof(struct svm_vmcb) == 4096);

VMCB_CHECK_CTL(intercept_cr, 0x000);
VMCB_CHECK_CTL(intercept_dr, 0x004);
VMCB_CHECK_CTL(intercept_exceptions, 0x008);
VMCB_CHECK_CTL(intercept_misc1, 0x00c);
VMCB_CHECK_CTL(intercept_misc2, 0x010);
VMCB_CHECK_CTL(intercept_misc3, 0x014);
VMCB_CHECK_CTL(pause_filter_thresh, 0x03c);
VMCB_CHECK_CTL(pause_filter_count, 0x03e);
VMCB_CHECK_CTL(iopm_base_pa, 0x040);
VMCB_CHECK_CTL(msrpm_base_pa, 0x048);
VMCB_CHECK_CTL(tsc_offset, 0x050);
VMCB_CHECK_CTL(asid, 0x058);
VMCB_CHECK_CTL(tlb_ctl, 0x05c);
VMCB_CHECK_CTL(int_ctl, 0x060);
VMCB_CHECK_CTL(int_vector, 0x064);
VMCB_CHECK_CTL(int_state, 0x068);
VMCB_CHECK_CTL(exit_code, 0x070);
VMCB_CHECK_CTL(exit_info_1, 0x078);
VMCB_CHECK_CTL(exit_info_2, 0x080);
VMCB_CHECK_CTL(exit_int_info, 0x088);
VMCB_CHECK_CTL(exit_int_info_err, 0x08c);
VMCB_CHECK_CTL(nested_ctl, 0x090);
VMCB_CHECK_CTL(avic_vapic_bar, 0x098);
VMCB_CHECK_CTL(ghcb_gpa, 0x0a0);
VMCB_CHECK_CTL(event_inj, 0x0a8);
VMCB_CHECK_CTL(event_inj_err, 0x0ac);
VMCB_CHECK_CTL(nested_cr3, 0x0b0);
VMCB_CHECK_CTL(virt_ext, 0x0b8);
VMCB_CHECK_CTL(clean, 0x0c0);
VMCB_CHECK_CTL(next_rip, 0x0c8);
VMCB_CHECK_CTL(insn_len, 0x0d0);
VMCB_CHECK_CTL(insn_bytes, 0x0d1);

VMCB_CHECK_SAVE(es, 0x000);
VMCB_CHECK_SAVE(cs, 0x010);
VMCB_CHECK_SAVE(ss, 0x020);
VMCB_CHECK_SAVE(ds, 0x030);
VMCB_CHECK_SAVE(fs, 0x040);
VMCB_CHECK_SAVE(gs, 0x050);
VMCB_CHECK_SAVE(gdtr, 0x060);
VMCB_CHECK_SAVE(ldtr, 0x070);
VMCB_CHECK_SAVE(idtr, 0x080);
VMCB_CHECK_SAVE(tr, 0x090);
VMCB_CHECK_SAVE(vmpl, 0x0ca);
VMCB_CHECK_SAVE(cpl, 0x0cb);
VMCB_CHECK_SAVE(efer, 0x0d0);
VMCB_CHECK_SAVE(cr4, 0x148);
VMCB_CHECK_SAVE(cr3, 0x150);
VMCB_CHECK_SAVE(cr0, 0x158);
VMCB_CHECK_SAVE(dr7, 0x160);
VMCB_CHECK_SAVE(dr6, 0x168);
VMCB_CHECK_SAVE(spec_ctrl, 0x2e0);
VMCB_CHECK_SAVE(rflags, 0x170);
VMCB_CHECK_SAVE(rip, 0x178);
VMCB_CHECK_SAVE(rsp, 0x1d8);
VMCB_CHECK_SAVE(s_cet, 0x1e0);
VMCB_CHECK_SAVE(ssp, 0x1e8);
VMCB_CHECK_SAVE(isst_addr, 0x1f0);
VMCB_CHECK_SAVE(rax, 0x1f8);
VMCB_CHECK_SAVE(star, 0x200);
VMCB_CHECK_SAVE(lstar, 0x208);
VMCB_CHECK_SAVE(cstar, 0x210);
VMCB_CHECK_SAVE(sfmask, 0x218);
VMCB_CHECK_SAVE(kernel_gs_base, 0x220);
VMCB_CHECK_SAVE(sysenter_cs, 0x228);
VMCB_CHECK_SAVE(sysenter_esp, 0x230);
VMCB_CHECK_SAVE(sysenter_eip, 0x238);
VMCB_CHECK_SAVE(cr2, 0x240);
VMCB_CHECK_SAVE(g_pat, 0x268);
VMCB_CHECK_SAVE(dbgctl, 0x270);
VMCB_CHECK_SAVE(br_from, 0x278);
VMCB_CHECK_SAVE(br_to, 0x280);
VMCB_CHECK_SAVE(last_excp_from, 0x288);
VMCB_CHECK_SAVE(last_excp_to, 0x290);

#undef VMCB_CHECK_CTL
#undef VMCB_CHECK_SAVE

#endif /* _AXVCPU_X86_VMCB_H */
