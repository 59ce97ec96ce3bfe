// SPDX-License-Identifier: GPL-2.0
/*
 * SVM VCPUs: the VMCB (intercepts, reset state), the guest's registers as
 * user space sees them, SETUP's boot modes, the CPUID table, read
 * completion and the guest's own FPU/SSE/AVX area.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/processor.h>

#include "svm.h"

/* Power-on values (AMD APM vol. 2, 14.1.3). */
#define SVM_RESET_CR0		(X86_CR0_ET | X86_CR0_NW | X86_CR0_CD)
#define SVM_RESET_DR6		0xffff0ff0ULL
#define SVM_RESET_DR7		0x400ULL
#define SVM_RESET_APIC_BASE	0xfee00800ULL	/* default base, enabled */
#define SVM_DEFAULT_PAT		0x0007040600070406ULL

#define SVM_SEG_TYPE_DATA_RW_A	0x3
#define SVM_SEG_TYPE_CODE_RX_A	0xb
#define SVM_SEG_TYPE_LDT	0x2
#define SVM_SEG_TYPE_TSS_BUSY	0xb

#define SVM_RFLAGS_VM		(1ULL << 17)

/* Reads (bits 0-7) and writes (bits 16-23) of DR0-7. */
#define SVM_DR_INTERCEPTS	0x00ff00ffU

/* Offsets in the legacy FXSAVE/XSAVE image (SDM vol. 1, 10.5.1). */
#define SVM_FPU_FCW		0
#define SVM_FPU_MXCSR		24

/* ---- GPRs ------------------------------------------------------------- */

/**
 * svm_gpr_read() - a guest GPR by x86 encoding; RAX and RSP are in the VMCB.
 * @v:   the VCPU.
 * @reg: 0 (RAX) .. 15 (R15); higher bits ignored.
 *
 * Return: the register's value.
 */
u64 svm_gpr_read(struct svm_vcpu *v, unsigned int reg)
{
	reg &= 15;
	if (reg == SVM_RAX)
		return v->vmcb->save.rax;
	if (reg == SVM_RSP)
		return v->vmcb->save.rsp;
	return v->gprs[reg];
}

/**
 * svm_gpr_write() - set a whole guest GPR.
 * @v:   the VCPU.
 * @reg: 0 (RAX) .. 15 (R15); higher bits ignored.
 * @val: the value.
 */
void svm_gpr_write(struct svm_vcpu *v, unsigned int reg, u64 val)
{
	reg &= 15;
	if (reg == SVM_RAX)
		v->vmcb->save.rax = val;
	else if (reg == SVM_RSP)
		v->vmcb->save.rsp = val;
	else
		v->gprs[reg] = val;
}

/**
 * svm_gpr_write_width() - write @width bytes of @val to a GPR as a MOV of
 * that size would: 1 and 2 bytes merge into the low part, 4 bytes
 * zero-extend (the x86-64 rule), 8 bytes replace.
 * @v:     the VCPU.
 * @reg:   0 (RAX) .. 15 (R15).
 * @val:   the value.
 * @width: 1, 2, 4 or 8.
 */
void svm_gpr_write_width(struct svm_vcpu *v, unsigned int reg, u64 val, unsigned int width)
{
	u64 old = svm_gpr_read(v, reg);

	switch (width) {
	case 1:
		val = (old & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		val = (old & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		val = (u32)val;
		break;
	}
	svm_gpr_write(v, reg, val);
}

/* ---- FPU area --------------------------------------------------------- */

static void svm_fpu_init(struct svm_vcpu *v)
{
	u8 *area = v->fpu;

	/*
	 * The init state: all-zero but the control words. XSTATE_BV (in the
	 * zeroed header) is 0, so XRSTOR puts every component in its init
	 * state; it still loads MXCSR from the image, hence the value here.
	 */
	memset(area, 0, PAGE_SIZE << v->fpu_order);
	*(u16 *)(area + SVM_FPU_FCW) = 0x37f;
	*(u32 *)(area + SVM_FPU_MXCSR) = 0x1f80;
	v->xcr0 = XFEATURE_MASK_FP;
	v->pkru = 0;
}

/*
 * What the area covers: every component the host enabled, whatever the
 * guest's XCR0 (components the guest has not enabled keep their init or
 * old guest values, so no host value is ever visible to the guest), but
 * PKRU. PKRU is live kernel state (it guards the kernel's user accesses):
 * svm_run() loads the guest's, &svm_vcpu.pkru, only while the VCPU is
 * held, when no user memory is touched.
 */
static u64 svm_fpu_mask(void)
{
	return svm_host.host_xcr0 & ~XFEATURE_MASK_PKRU;
}

/* Load the guest's FPU/SSE/AVX state into the registers. */
static void svm_fpu_load(struct svm_vcpu *v)
{
	u64 mask = svm_fpu_mask();

	/*
	 * AMD CPUs without XSaveErPtr (X86_BUG_FXSAVE_LEAK) neither save nor
	 * restore the x87 FIP/FDP/FOP unless an exception is pending: the
	 * restore below would leave the last host (or other guest) x87
	 * instruction's pointers in place, for FNSTENV in the guest to read.
	 * FNINIT zeroes them first; the restore sets everything else. The
	 * kernel sets them to one of its own addresses instead (fpu/core.c),
	 * which would show the guest a host address.
	 */
	if (static_cpu_has_bug(X86_BUG_FXSAVE_LEAK))
		asm volatile("fninit");
	if (svm_host.xsave)
		asm volatile("xrstor64 %0"
			     : : "m" (*(u8 *)v->fpu), "a" ((u32)mask), "d" ((u32)(mask >> 32))
			     : "memory");
	else
		asm volatile("fxrstor64 %0" : : "m" (*(u8 *)v->fpu) : "memory");
}

/* Save the registers into the guest's area (the host's XCR0 is in place). */
static void svm_fpu_save(struct svm_vcpu *v)
{
	u64 mask = svm_fpu_mask();

	if (svm_host.xsave)
		asm volatile("xsave64 %0"
			     : "=m" (*(u8 *)v->fpu) : "a" ((u32)mask), "d" ((u32)(mask >> 32))
			     : "memory");
	else
		asm volatile("fxsave64 %0" : "=m" (*(u8 *)v->fpu) : : "memory");
}

/**
 * svm_vcpu_hold() - take the CPU for the VCPU until svm_vcpu_put(): a
 * kernel_fpu_begin() section with the guest's FPU state in the registers.
 * @v: the VCPU, in RUN, not held.
 *
 * kernel_fpu_begin() saves the thread's user FPU state (it comes back on
 * the return to user space) and disables preemption; interrupt handlers
 * do not touch the FPU inside the section (irq_fpu_usable()). So the
 * guest's registers stay loaded across every exit handled before the
 * section ends, and nothing is saved or restored per exit. The section
 * must end before anything that may sleep: the core calls @put then, and
 * svm_handle_exit() before the exits whose handling may sleep.
 */
void svm_vcpu_hold(struct svm_vcpu *v)
{
	kernel_fpu_begin();
	svm_fpu_load(v);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		v->host_pkru = rdpkru();
	v->host_saved = false;
	v->held = true;
}

/**
 * svm_vcpu_put() - &axvcpu_arch_ops.put: end what svm_vcpu_hold() began,
 * if it did.
 * @arch_vcpu: the VCPU.
 *
 * The guest's registers go back into its area, the thread's PKRU into
 * its register; preemption is enabled again, and the host's VMSAVE state
 * is saved anew at the next entry.
 */
void svm_vcpu_put(void *arch_vcpu)
{
	struct svm_vcpu *v = arch_vcpu;

	if (!v->held)
		return;
	if (v->pkru_loaded) {
		v->pkru = rdpkru();
		if (v->pkru != v->host_pkru)
			wrpkru(v->host_pkru);
		v->pkru_loaded = false;
	}
	svm_fpu_save(v);
	v->held = false;
	kernel_fpu_end();
}

/* ---- Segments and system registers ------------------------------------ */

static void svm_seg_load(struct svm_vmcb_seg *d, const struct axvcpu_segment *s)
{
	d->selector = s->selector;
	d->base = s->base;
	d->limit = s->limit;
	/* SVM has no "unusable" flag: a not-present attribute word is one. */
	d->attrib = s->unusable ? 0 : x86_segment_attr_pack(s);
}

/**
 * svm_seg_store() - a VMCB segment as &struct axvcpu_segment (GET_SREGS,
 * and the emulation's segment checks).
 * @d: the VMCB segment.
 * @s: out: the segment; unusable when not present.
 */
void svm_seg_store(const struct svm_vmcb_seg *d, struct axvcpu_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->selector = d->selector;
	s->base = d->base;
	s->limit = d->limit;
	x86_segment_attr_unpack(d->attrib, s);
	s->unusable = !s->present;
}

/* CPL as the hardware would hold it: 0 in real mode, 3 in virtual-8086. */
static void svm_update_cpl(struct svm_vcpu *v, u8 ss_dpl)
{
	struct svm_vmcb_save *save = &v->vmcb->save;

	if (!(save->cr0 & X86_CR0_PE))
		save->cpl = 0;
	else if (save->rflags & SVM_RFLAGS_VM)
		save->cpl = 3;
	else
		save->cpl = ss_dpl & 3;
}

/* Load checked system registers into the VMCB; EFER keeps SVME set. */
static void svm_sregs_load(struct svm_vcpu *v, const struct axvcpu_sregs *s)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	svm_seg_load(&save->cs, &s->cs);
	svm_seg_load(&save->ds, &s->ds);
	svm_seg_load(&save->es, &s->es);
	svm_seg_load(&save->fs, &s->fs);
	svm_seg_load(&save->gs, &s->gs);
	svm_seg_load(&save->ss, &s->ss);
	svm_seg_load(&save->tr, &s->tr);
	svm_seg_load(&save->ldtr, &s->ldt);
	memset(&save->gdtr, 0, sizeof(save->gdtr));
	save->gdtr.base = s->gdt.base;
	save->gdtr.limit = s->gdt.limit;
	memset(&save->idtr, 0, sizeof(save->idtr));
	save->idtr.base = s->idt.base;
	save->idtr.limit = s->idt.limit;

	save->cr0 = s->cr0;
	save->cr2 = s->cr2;
	save->cr3 = s->cr3;
	save->cr4 = s->cr4;
	save->efer = s->efer | X86_EFER_SVME;
	/* With V_INTR_MASKING the guest's CR8 is the virtual TPR. */
	ctl->int_ctl = (ctl->int_ctl & ~VMCB_INT_CTL_V_TPR_MASK) |
		       (s->cr8 & VMCB_INT_CTL_V_TPR_MASK);
	v->apic_base = s->apic_base;
	svm_update_cpl(v, s->ss.dpl);
}

static void svm_regs_load(struct svm_vcpu *v, const struct axvcpu_regs *r)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	u64 old_rflags = save->rflags;

	save->rax = r->rax;
	save->rsp = r->rsp;
	v->gprs[SVM_RCX] = r->rcx;
	v->gprs[SVM_RDX] = r->rdx;
	v->gprs[SVM_RBX] = r->rbx;
	v->gprs[SVM_RBP] = r->rbp;
	v->gprs[SVM_RSI] = r->rsi;
	v->gprs[SVM_RDI] = r->rdi;
	v->gprs[SVM_R8] = r->r8;
	v->gprs[SVM_R9] = r->r9;
	v->gprs[SVM_R10] = r->r10;
	v->gprs[SVM_R11] = r->r11;
	v->gprs[SVM_R12] = r->r12;
	v->gprs[SVM_R13] = r->r13;
	v->gprs[SVM_R14] = r->r14;
	v->gprs[SVM_R15] = r->r15;
	save->rip = r->rip;
	svm_set_guest_rflags(v, r->rflags);
	/*
	 * Entering or leaving virtual-8086 mode moves the CPL (to 3, or back
	 * to SS.DPL); otherwise the CPL the hardware saved stands.
	 */
	if ((save->cr0 & X86_CR0_PE) && ((old_rflags ^ r->rflags) & SVM_RFLAGS_VM))
		svm_update_cpl(v, (save->ss.attrib >> 5) & 3);
}

static void svm_seg_reset(struct axvcpu_segment *s, u16 sel, u64 base, u8 type, u8 sys)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->s = !sys;
	s->present = 1;
}

/**
 * svm_vcpu_reset() - put @v in the power-on state: real mode at
 * F000:FFF0 (base FFFF0000), CR0 = 0x60000010, RFLAGS = 2, FPU in init
 * state, no pending event. The VMCB controls (intercepts, nested paging)
 * and the TSC offset are kept.
 * @v: the VCPU.
 */
void svm_vcpu_reset(struct svm_vcpu *v)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	struct axvcpu_sregs s;

	memset(&s, 0, sizeof(s));
	svm_seg_reset(&s.cs, 0xf000, 0xffff0000, SVM_SEG_TYPE_CODE_RX_A, 0);
	svm_seg_reset(&s.ds, 0, 0, SVM_SEG_TYPE_DATA_RW_A, 0);
	svm_seg_reset(&s.es, 0, 0, SVM_SEG_TYPE_DATA_RW_A, 0);
	svm_seg_reset(&s.fs, 0, 0, SVM_SEG_TYPE_DATA_RW_A, 0);
	svm_seg_reset(&s.gs, 0, 0, SVM_SEG_TYPE_DATA_RW_A, 0);
	svm_seg_reset(&s.ss, 0, 0, SVM_SEG_TYPE_DATA_RW_A, 0);
	svm_seg_reset(&s.tr, 0, 0, SVM_SEG_TYPE_TSS_BUSY, 1);
	svm_seg_reset(&s.ldt, 0, 0, SVM_SEG_TYPE_LDT, 1);
	s.gdt.limit = 0xffff;
	s.idt.limit = 0xffff;
	s.cr0 = SVM_RESET_CR0;
	s.apic_base = SVM_RESET_APIC_BASE;

	memset(save, 0, sizeof(*save));
	memset(v->gprs, 0, sizeof(v->gprs));
	svm_sregs_load(v, &s);
	save->rflags = X86_RFLAGS_FIXED;
	save->rip = 0xfff0;
	save->dr6 = SVM_RESET_DR6;
	save->dr7 = SVM_RESET_DR7;
	memset(v->db, 0, sizeof(v->db));
	svm_dr_intercept(v);
	v->tsc_aux = 0;
	v->spec_ctrl = 0;
	save->g_pat = SVM_DEFAULT_PAT;
	/* RDX holds the processor signature after reset. */
	v->gprs[SVM_RDX] = cpuid_eax(1);

	svm_events_reset(v);
	v->read.reason = 0;
	v->emul.active = false;
	v->emul.pending = false;
	svm_fpu_init(v);
}

/**
 * svm_dr_intercept() - make the guest's next debug-register access exit.
 * @v: the VCPU.
 *
 * DR0-3 are not in the VMCB: while the guest may access them without an
 * exit, the world switch must put its values in the hardware and take
 * them back (svm_run()). Until the guest touches one, every MOV to or
 * from DR0-7 exits instead, and the hardware keeps the host's.
 */
void svm_dr_intercept(struct svm_vcpu *v)
{
	v->vmcb->control.intercept_dr = SVM_DR_INTERCEPTS;
	v->dr_owned = false;
}

/*
 * The controls of a fresh VMCB: the default intercepts, listed with their
 * reasons in Documentation/design.rst ("Default intercepts").
 */
static void svm_vmcb_init(struct svm_vcpu *v)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	/*
	 * #MC goes to the host's handler. #AC and #DB are reflected back
	 * into the guest; intercepting them keeps a guest from wedging the
	 * CPU in an endless chain of deliveries that never reaches an
	 * instruction boundary (CVE-2015-5307, CVE-2015-8104).
	 */
	ctl->intercept_exceptions = BIT(VMCB_VEC_DB) | BIT(VMCB_VEC_AC) | BIT(VMCB_VEC_MC);
	/* MOV to CR4 is checked and emulated (svm_exit_cr4_write()). */
	ctl->intercept_cr = VMCB_INTERCEPT_CR_WRITE(4);
	/*
	 * Physical interrupts, NMIs, SMIs and INIT belong to the host:
	 * intercepted, each ends the world switch and stays pending until
	 * the host takes it after STGI, instead of acting on the CPU while
	 * the guest holds it (an INIT there would reset the CPU under the
	 * host's feet). CPUID is
	 * answered by the kernel, I/O ports and MSRs by the kernel or user
	 * space (through the all-ones permission maps). HLT and SHUTDOWN
	 * end the run. INVD would throw away host cache lines, INVLPGA
	 * names ASIDs the guest does not own, task switches are not
	 * emulated. RDPMC would read the host's performance counters (with
	 * CR4.PCE even at CPL 3): it raises #GP.
	 */
	ctl->intercept_misc1 = VMCB_INTERCEPT1_INTR | VMCB_INTERCEPT1_NMI |
			       VMCB_INTERCEPT1_SMI | VMCB_INTERCEPT1_INIT |
			       VMCB_INTERCEPT1_CPUID |
			       VMCB_INTERCEPT1_INVD | VMCB_INTERCEPT1_HLT |
			       VMCB_INTERCEPT1_INVLPGA | VMCB_INTERCEPT1_IOIO_PROT |
			       VMCB_INTERCEPT1_MSR_PROT | VMCB_INTERCEPT1_TASK_SWITCH |
			       VMCB_INTERCEPT1_SHUTDOWN | VMCB_INTERCEPT1_RDPMC;
	/*
	 * SVM instructions (no nested virtualization: they raise #UD),
	 * VMMCALL is the hypercall, WBINVD is a host-wide cache flush,
	 * MONITOR/MWAIT could park the CPU, XSETBV changes XCR0 which the
	 * kernel validates, RDPRU reads host performance state.
	 */
	ctl->intercept_misc2 = VMCB_INTERCEPT2_VMRUN | VMCB_INTERCEPT2_VMMCALL |
			       VMCB_INTERCEPT2_VMLOAD | VMCB_INTERCEPT2_VMSAVE |
			       VMCB_INTERCEPT2_STGI | VMCB_INTERCEPT2_CLGI |
			       VMCB_INTERCEPT2_SKINIT | VMCB_INTERCEPT2_WBINVD |
			       VMCB_INTERCEPT2_MONITOR | VMCB_INTERCEPT2_MWAIT |
			       VMCB_INTERCEPT2_MWAIT_COND | VMCB_INTERCEPT2_XSETBV |
			       VMCB_INTERCEPT2_RDPRU;
	ctl->iopm_base_pa = svm_host.iopm_pa;
	ctl->msrpm_base_pa = svm_host.msrpm_pa;
	/* Physical interrupts follow the host's IF; the guest's IF is virtual. */
	ctl->int_ctl = VMCB_INT_CTL_V_INTR_MASKING;
	ctl->nested_ctl = VMCB_NESTED_CTL_NP_ENABLE;
	ctl->nested_cr3 = v->svm_vm->ncr3;
	/* No clean bits: the CPU reloads the whole VMCB at every VMRUN. */
	ctl->clean = 0;
	ctl->tlb_ctl = VMCB_TLB_NOTHING;
}

/* ---- Ops -------------------------------------------------------------- */

/**
 * svm_vcpu_create() - &axvcpu_arch_ops.vcpu_create.
 * @vcpu:    the core's VCPU.
 * @arch_vm: the &struct svm_vm it belongs to.
 *
 * Return: the VCPU in its power-on state, or ERR_PTR(-ENOMEM).
 */
void *svm_vcpu_create(struct axvcpu_vcpu *vcpu, void *arch_vm)
{
	struct svm_vm *sv = arch_vm;
	struct svm_vcpu *v;
	struct page *page;
	int nr;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return ERR_PTR(-ENOMEM);
	v->vcpu = vcpu;
	v->svm_vm = arch_vm;
	v->asid_cpu = -1;
	v->gpa_cache_gen = -1;
	/* Filtered host CPUID reports the VCPU id as the APIC id. */
	v->apic_id = axvcpu_vcpu_id(vcpu);

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto err_free;
	v->vmcb = page_address(page);
	v->vmcb_pa = page_to_phys(page);

	/* Whole pages: XSAVE wants 64-byte alignment. */
	v->fpu_order = get_order(svm_host.fpu_size);
	page = alloc_pages(GFP_KERNEL_ACCOUNT, v->fpu_order);
	if (!page)
		goto err_vmcb;
	v->fpu = page_address(page);

	svm_vmcb_init(v);
	svm_vcpu_reset(v);
	/* In-kernel broadcast IPIs try the ids below the highest one seen. */
	nr = atomic_read(&sv->nr_ids);
	while (nr <= v->apic_id && !atomic_try_cmpxchg(&sv->nr_ids, &nr, v->apic_id + 1))
		;
	return v;

err_vmcb:
	free_page((unsigned long)v->vmcb);
err_free:
	kfree(v);
	return ERR_PTR(-ENOMEM);
}

/**
 * svm_vcpu_destroy() - &axvcpu_arch_ops.vcpu_destroy.
 * @arch_vcpu: the VCPU, not running anywhere.
 *
 * Its ASID is simply forgotten: it is not handed out again before its
 * CPU's next generation, which starts with a full flush.
 */
void svm_vcpu_destroy(void *arch_vcpu)
{
	struct svm_vcpu *v = arch_vcpu;

	free_pages((unsigned long)v->fpu, v->fpu_order);
	/* A new VMCB in this page must not pass for this one. */
	svm_forget_vmcb(v->vmcb);
	free_page((unsigned long)v->vmcb);
	kvfree(v->cpuid);
	kfree(v);
}

/**
 * svm_setup() - &axvcpu_arch_ops.setup: enter a boot mode.
 * @arch_vcpu: the VCPU.
 * @setup:     the SETUP argument.
 *
 * REAL, PROTECTED and LONG load x86_boot_state()'s registers (LONG also
 * writes the identity map into guest memory); CUSTOM keeps the state set
 * with SET_SREGS/SET_REGS and only takes RIP and RSP.
 * Return: 0, -EINVAL, or the error of writing the page tables
 * (-ENOENT outside guest RAM, -EACCES, -EFAULT, -ENOMEM).
 */
int svm_setup(void *arch_vcpu, const struct axvcpu_setup *setup)
{
	struct svm_vcpu *v = arch_vcpu;
	struct axvcpu_sregs sregs;
	struct axvcpu_regs regs;
	void *buf;
	int ret;

	if (setup->mode == AXVCPU_MODE_CUSTOM) {
		if (setup->page_table_gpa ||
		    memchr_inv(setup->reserved, 0, sizeof(setup->reserved)))
			return -EINVAL;
		v->vmcb->save.rip = setup->entry;
		v->vmcb->save.rsp = setup->stack;
		return 0;
	}

	ret = x86_boot_state(setup, &regs, &sregs);
	if (ret)
		return ret;
	ret = x86_sregs_check(&sregs, &svm_host.limits);
	if (ret)
		return ret;

	if (setup->mode == AXVCPU_MODE_LONG) {
		buf = kvmalloc(X86_IDMAP_BYTES, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		x86_identity_map_build(setup->page_table_gpa, buf);
		ret = axvcpu_vm_write(axvcpu_vcpu_vm(v->vcpu), setup->page_table_gpa,
				      buf, X86_IDMAP_BYTES);
		kvfree(buf);
		if (ret)
			return ret;
	}

	svm_sregs_load(v, &sregs);
	svm_regs_load(v, &regs);
	svm_events_reset(v);
	return 0;
}

/**
 * svm_get_rip() - &axvcpu_arch_ops.get_rip.
 * @arch_vcpu: the VCPU.
 *
 * Return: the guest's RIP.
 */
u64 svm_get_rip(void *arch_vcpu)
{
	struct svm_vcpu *v = arch_vcpu;

	return v->vmcb->save.rip;
}

/**
 * svm_get_regs() - &axvcpu_arch_ops.get_regs.
 * @arch_vcpu: the VCPU.
 * @r:         out: the registers.
 */
void svm_get_regs(void *arch_vcpu, struct axvcpu_regs *r)
{
	struct svm_vcpu *v = arch_vcpu;
	struct svm_vmcb_save *save = &v->vmcb->save;

	r->rax = save->rax;
	r->rcx = v->gprs[SVM_RCX];
	r->rdx = v->gprs[SVM_RDX];
	r->rbx = v->gprs[SVM_RBX];
	r->rsp = save->rsp;
	r->rbp = v->gprs[SVM_RBP];
	r->rsi = v->gprs[SVM_RSI];
	r->rdi = v->gprs[SVM_RDI];
	r->r8 = v->gprs[SVM_R8];
	r->r9 = v->gprs[SVM_R9];
	r->r10 = v->gprs[SVM_R10];
	r->r11 = v->gprs[SVM_R11];
	r->r12 = v->gprs[SVM_R12];
	r->r13 = v->gprs[SVM_R13];
	r->r14 = v->gprs[SVM_R14];
	r->r15 = v->gprs[SVM_R15];
	r->rip = save->rip;
	r->rflags = svm_guest_rflags(v);
}

/**
 * svm_set_regs() - &axvcpu_arch_ops.set_regs.
 * @arch_vcpu: the VCPU.
 * @r:         the registers, checked with x86_regs_check().
 * Return: 0 or -EINVAL.
 */
int svm_set_regs(void *arch_vcpu, const struct axvcpu_regs *r)
{
	int ret = x86_regs_check(r);

	if (ret)
		return ret;
	svm_regs_load(arch_vcpu, r);
	return 0;
}

/**
 * svm_get_sregs() - &axvcpu_arch_ops.get_sregs.
 * @arch_vcpu: the VCPU.
 * @s:         out: the system registers; EFER without SVME.
 */
void svm_get_sregs(void *arch_vcpu, struct axvcpu_sregs *s)
{
	struct svm_vcpu *v = arch_vcpu;
	struct svm_vmcb_save *save = &v->vmcb->save;

	memset(s, 0, sizeof(*s));
	svm_seg_store(&save->cs, &s->cs);
	svm_seg_store(&save->ds, &s->ds);
	svm_seg_store(&save->es, &s->es);
	svm_seg_store(&save->fs, &s->fs);
	svm_seg_store(&save->gs, &s->gs);
	svm_seg_store(&save->ss, &s->ss);
	svm_seg_store(&save->tr, &s->tr);
	svm_seg_store(&save->ldtr, &s->ldt);
	/* The CPL, not the attribute word, is authoritative for SS.DPL. */
	s->ss.dpl = save->cpl;
	s->gdt.base = save->gdtr.base;
	s->gdt.limit = save->gdtr.limit;
	s->idt.base = save->idtr.base;
	s->idt.limit = save->idtr.limit;
	s->cr0 = save->cr0;
	s->cr2 = save->cr2;
	s->cr3 = save->cr3;
	s->cr4 = save->cr4;
	s->cr8 = v->vmcb->control.int_ctl & VMCB_INT_CTL_V_TPR_MASK;
	s->efer = save->efer & ~X86_EFER_SVME;
	s->apic_base = v->apic_base;
}

/**
 * svm_set_sregs() - &axvcpu_arch_ops.set_sregs.
 * @arch_vcpu: the VCPU.
 * @s:         the system registers, checked with x86_sregs_check()
 *             against what this CPU accepts in a VMCB.
 * Return: 0 or -EINVAL.
 */
int svm_set_sregs(void *arch_vcpu, const struct axvcpu_sregs *s)
{
	int ret = x86_sregs_check(s, &svm_host.limits);

	if (ret)
		return ret;
	svm_sregs_load(arch_vcpu, s);
	return 0;
}

/**
 * svm_set_cpuid() - &axvcpu_arch_ops.set_cpuid.
 * @arch_vcpu: the VCPU.
 * @entries:   the table (kernel copy, checked by the core).
 * @nent:      entries; 0 goes back to filtered host values.
 * Return: 0 or -ENOMEM (the old table is kept then).
 */
int svm_set_cpuid(void *arch_vcpu, const struct axvcpu_cpuid_entry *entries, u32 nent)
{
	struct svm_vcpu *v = arch_vcpu;
	struct axvcpu_cpuid_entry *table = NULL;

	if (nent) {
		table = kvmalloc_array(nent, sizeof(*entries), GFP_KERNEL_ACCOUNT);
		if (!table)
			return -ENOMEM;
		memcpy(table, entries, array_size(nent, sizeof(*entries)));
	}
	kvfree(v->cpuid);
	v->cpuid = table;
	v->cpuid_nent = nent;
	return 0;
}

/**
 * svm_complete_read() - &axvcpu_arch_ops.complete_read.
 * @arch_vcpu: the VCPU.
 * @reason:    the read exit the core returned, from kernel memory.
 * @run:       the user's run page with the value user space supplied.
 *
 * Only the value comes from @run, read once: width and destination are
 * the ones the kernel recorded at the exit, so a VMM scribbling over the
 * run page cannot make the completion touch anything else.
 */
void svm_complete_read(void *arch_vcpu, u32 reason, const struct axvcpu_run *run)
{
	struct svm_vcpu *v = arch_vcpu;
	struct svm_read r = v->read;
	u64 val;

	v->read.reason = 0;
	if (r.reason != reason)
		return;

	switch (r.reason) {
	case AXVCPU_EXIT_IO_READ:
		/* INS: the data page goes to guest memory. */
		if (v->emul.active) {
			svm_emul_complete_ins(v);
			break;
		}
		svm_gpr_write_width(v, SVM_RAX, READ_ONCE(run->io.data), r.width);
		break;
	case AXVCPU_EXIT_SYSREG_READ:
		val = READ_ONCE(run->sysreg.data);
		svm_gpr_write(v, SVM_RAX, (u32)val);
		svm_gpr_write(v, SVM_RDX, val >> 32);
		break;
	case AXVCPU_EXIT_HYPERCALL:
		svm_gpr_write(v, SVM_RAX, READ_ONCE(run->hypercall.ret));
		break;
	case AXVCPU_EXIT_MMIO_READ:
		/* Width, destination and the rest of the instruction: v->emul. */
		svm_emul_complete_mmio(v, READ_ONCE(run->mmio.data));
		break;
	}
}
