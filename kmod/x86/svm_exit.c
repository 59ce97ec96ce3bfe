// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit decoding: turn a #VMEXIT into an axvcpu exit (or handle it in
 * the kernel and report NOTHING). Exit codes and EXITINFO encodings are
 * from the AMD64 APM vol. 2, 15.9-15.12 and appendix C.
 *
 * Guest-controlled input never stops the host: an exit this file does
 * not know becomes INTERNAL_ERROR with the raw code, and bad operands
 * become exceptions injected into the guest.
 *
 * Instruction lengths: with NRIP save the CPU reports the next RIP;
 * without it (both QEMU models) the instruction at CS:RIP is fetched and
 * decoded (svm_insn_next_rip()), so prefixes count, RIP wraps by the code
 * segment's size, and bytes that are not the intercepted instruction are
 * an INTERNAL_ERROR instead of a guessed length. IOIO always gives the
 * next RIP in EXITINFO2.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/fpu/types.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "svm.h"

/* RAX of a VMMCALL refused because it came from CPL > 0 (KVM's value). */
#define SVM_HYPERCALL_EPERM	((u64)-EPERM)
/* RAX of a VMMCALL in the kernel's range that the kernel does not know. */
#define SVM_HYPERCALL_EINVAL	((u64)-EINVAL)
/* The kernel's hypercall numbers: 0x41580000 .. 0x4158ffff ("AX"). */
#define SVM_HYPERCALL_KERNEL_BASE	0x41580000ULL
#define SVM_HYPERCALL_KERNEL_MASK	0xffffULL

/* MSRs the kernel keeps in the VMCB (APM vol. 2 appendix A). */
#define SVM_MSR_TSC		0x00000010
#define SVM_MSR_SYSENTER_CS	0x00000174
#define SVM_MSR_SYSENTER_ESP	0x00000175
#define SVM_MSR_SYSENTER_EIP	0x00000176
#define SVM_MSR_PAT		0x00000277
#define SVM_MSR_EFER		0xc0000080
#define SVM_MSR_STAR		0xc0000081
#define SVM_MSR_LSTAR		0xc0000082
#define SVM_MSR_CSTAR		0xc0000083
#define SVM_MSR_SFMASK		0xc0000084
#define SVM_MSR_FS_BASE		0xc0000100
#define SVM_MSR_GS_BASE		0xc0000101
#define SVM_MSR_KERNEL_GS_BASE	0xc0000102
/* ... and the ones it keeps in &struct svm_vcpu, switched around VMRUN. */
#define SVM_MSR_SPEC_CTRL	0x00000048
#define SVM_MSR_PRED_CMD	0x00000049
#define SVM_MSR_TSC_AUX		0xc0000103

/**
 * svm_complete_insn() - the intercepted instruction has completed.
 * @v:   the VCPU.
 * @rip: the RIP after it.
 *
 * The intercepted instruction has completed (emulated here, or finished
 * by user space at the next RUN): RIP moves to @rip, the interrupt shadow
 * it may have been in ends, and with RFLAGS.TF set the single-step trap
 * the hardware would have raised after it is queued: #DB with DR6.BS, as
 * a trap (RIP already past the instruction). It is delivered at the next
 * VMRUN, so an exit finished by user space is completed first (the
 * completion runs before the world switch). An event already queued (the
 * instruction faulted instead) wins.
 */
void svm_complete_insn(struct svm_vcpu *v, u64 rip)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	struct svm_vmcb_save *save = &v->vmcb->save;

	save->rip = rip;
	ctl->int_state &= ~VMCB_INT_STATE_SHADOW;
	if (svm_event_insn_trap(v) && !(ctl->event_inj & VMCB_EVENT_VALID)) {
		save->dr6 = (save->dr6 & ~SVM_DR6_TRAP_BITS) | SVM_DR6_BS;
		ctl->event_inj = VMCB_VEC_DB | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID;
		ctl->event_inj_err = 0;
	}
}

/*
 * Where the intercepted instruction @op at RIP ends: the CPU's next RIP
 * with NRIP save, otherwise fetched and decoded. Returns 0 with @next;
 * 1 when the guest or @run already says what happens instead (a fault
 * was injected, or INTERNAL_ERROR filled): the instruction must not take
 * effect; or a host errno.
 */
static int svm_next_rip(struct svm_vcpu *v, struct axvcpu_run *run, unsigned int op, u64 *next)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	struct x86_insn insn;
	int ret;

	if (svm_host.nrips && ctl->next_rip) {
		*next = ctl->next_rip;
		return 0;
	}
	ret = svm_insn_next_rip(v, run, op, &insn, next);
	return ret > 0 ? 1 : ret;
}

/**
 * svm_inject_exception() - deliver an exception at the next VMRUN.
 * @v:         the VCPU.
 * @vector:    the exception vector.
 * @has_error: the exception pushes an error code (dropped in real mode,
 *             where none is pushed).
 * @error:     the error code.
 */
void svm_inject_exception(struct svm_vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	if (!(v->vmcb->save.cr0 & X86_CR0_PE))
		has_error = false;
	ctl->event_inj = vector | VMCB_EVENT_TYPE_EXCEPTION | VMCB_EVENT_VALID |
			 (has_error ? VMCB_EVENT_HAS_ERROR : 0);
	ctl->event_inj_err = has_error ? error : 0;
}

static void svm_inject_ud(struct svm_vcpu *v)
{
	svm_inject_exception(v, VMCB_VEC_UD, false, 0);
}

static void svm_inject_gp(struct svm_vcpu *v)
{
	svm_inject_exception(v, VMCB_VEC_GP, true, 0);
}

/* ---- MSRs ------------------------------------------------------------- */

static bool svm_canonical(u64 addr)
{
	return sign_extend64(addr, svm_host.vaddr_bits - 1) == addr;
}

/* Each PAT entry must be UC, WC, WT, WP, WB or UC- (2, 3 and >7 reserved). */
static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

static enum svm_msr_result svm_msr_read(struct svm_vcpu *v, u32 msr, u64 *data)
{
	struct svm_vmcb_save *save = &v->vmcb->save;

	switch (msr) {
	case SVM_MSR_TSC:
		*data = rdtsc() + v->vmcb->control.tsc_offset;
		break;
	case SVM_MSR_EFER:
		*data = save->efer & ~X86_EFER_SVME;
		break;
	case SVM_MSR_PAT:
		*data = save->g_pat;
		break;
	case SVM_MSR_FS_BASE:
		*data = save->fs.base;
		break;
	case SVM_MSR_GS_BASE:
		*data = save->gs.base;
		break;
	case SVM_MSR_KERNEL_GS_BASE:
		*data = save->kernel_gs_base;
		break;
	case SVM_MSR_STAR:
		*data = save->star;
		break;
	case SVM_MSR_LSTAR:
		*data = save->lstar;
		break;
	case SVM_MSR_CSTAR:
		*data = save->cstar;
		break;
	case SVM_MSR_SFMASK:
		*data = save->sfmask;
		break;
	case SVM_MSR_SYSENTER_CS:
		*data = save->sysenter_cs;
		break;
	case SVM_MSR_SYSENTER_ESP:
		*data = save->sysenter_esp;
		break;
	case SVM_MSR_SYSENTER_EIP:
		*data = save->sysenter_eip;
		break;
	case SVM_MSR_TSC_AUX:
		if (!svm_host.tsc_aux)
			return SVM_MSR_USER;
		*data = v->tsc_aux;
		break;
	case SVM_MSR_SPEC_CTRL:
		if (!svm_host.spec_ctrl_mask)
			return SVM_MSR_USER;
		*data = v->spec_ctrl;
		break;
	case SVM_MSR_PRED_CMD:
		/* Write-only. */
		return svm_host.ibpb ? SVM_MSR_FAULT : SVM_MSR_USER;
	default:
		if (svm_apic_msr(msr))
			return svm_apic_rdmsr(v, msr, data);
		return SVM_MSR_USER;
	}
	return SVM_MSR_DONE;
}

/*
 * EFER: only bits this CPU accepts, LMA read-only, LME frozen while paging,
 * and LME only once CR4.PAE is set: a #VMEXIT from LME without PAE makes
 * QEMU 7.2's TCG lose the host's CR0 (x86_sregs_check() says more).
 */
static enum svm_msr_result svm_efer_write(struct svm_vcpu *v, u64 data)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	u64 old = save->efer & ~X86_EFER_SVME;

	if (data & ~svm_host.limits.efer_mask)
		return SVM_MSR_FAULT;
	data = (data & ~X86_EFER_LMA) | (old & X86_EFER_LMA);
	if ((save->cr0 & X86_CR0_PG) && ((data ^ old) & X86_EFER_LME))
		return SVM_MSR_FAULT;
	if ((data & X86_EFER_LME) && !(save->cr4 & X86_CR4_PAE))
		return SVM_MSR_FAULT;
	save->efer = data | X86_EFER_SVME;
	return SVM_MSR_DONE;
}

static enum svm_msr_result svm_msr_write(struct svm_vcpu *v, u32 msr, u64 data)
{
	struct svm_vmcb_save *save = &v->vmcb->save;

	switch (msr) {
	case SVM_MSR_TSC:
		v->vmcb->control.tsc_offset = data - rdtsc();
		return SVM_MSR_DONE;
	case SVM_MSR_EFER:
		return svm_efer_write(v, data);
	case SVM_MSR_PAT:
		/* An invalid G_PAT would make VMRUN fail: fault the WRMSR. */
		if (!svm_pat_valid(data))
			return SVM_MSR_FAULT;
		save->g_pat = data;
		return SVM_MSR_DONE;
	case SVM_MSR_STAR:
		save->star = data;
		return SVM_MSR_DONE;
	case SVM_MSR_SFMASK:
		if (data >> 32)
			return SVM_MSR_FAULT;
		save->sfmask = data;
		return SVM_MSR_DONE;
	case SVM_MSR_SYSENTER_CS:
		save->sysenter_cs = data;
		return SVM_MSR_DONE;
	case SVM_MSR_TSC_AUX:
		if (!svm_host.tsc_aux)
			return SVM_MSR_USER;
		if (data >> 32)
			return SVM_MSR_FAULT;
		v->tsc_aux = data;
		return SVM_MSR_DONE;
	case SVM_MSR_SPEC_CTRL:
		/* Loaded around VMRUN (svm_world_switch()). */
		if (!svm_host.spec_ctrl_mask)
			return SVM_MSR_USER;
		if (data & ~svm_host.spec_ctrl_mask)
			return SVM_MSR_FAULT;
		v->spec_ctrl = data;
		save->spec_ctrl = data;
		return SVM_MSR_DONE;
	case SVM_MSR_PRED_CMD:
		if (!svm_host.ibpb)
			return SVM_MSR_USER;
		if (data & ~PRED_CMD_IBPB)
			return SVM_MSR_FAULT;
		/* Done right before the next VMRUN, on the CPU that runs it. */
		if (data)
			v->ibpb_pending = true;
		return SVM_MSR_DONE;
	}

	/* The rest hold addresses, which must be canonical. */
	if (!svm_canonical(data)) {
		switch (msr) {
		case SVM_MSR_FS_BASE:
		case SVM_MSR_GS_BASE:
		case SVM_MSR_KERNEL_GS_BASE:
		case SVM_MSR_LSTAR:
		case SVM_MSR_CSTAR:
		case SVM_MSR_SYSENTER_ESP:
		case SVM_MSR_SYSENTER_EIP:
			return SVM_MSR_FAULT;
		}
		return SVM_MSR_USER;
	}
	switch (msr) {
	case SVM_MSR_FS_BASE:
		save->fs.base = data;
		break;
	case SVM_MSR_GS_BASE:
		save->gs.base = data;
		break;
	case SVM_MSR_KERNEL_GS_BASE:
		save->kernel_gs_base = data;
		break;
	case SVM_MSR_LSTAR:
		save->lstar = data;
		break;
	case SVM_MSR_CSTAR:
		save->cstar = data;
		break;
	case SVM_MSR_SYSENTER_ESP:
		save->sysenter_esp = data;
		break;
	case SVM_MSR_SYSENTER_EIP:
		save->sysenter_eip = data;
		break;
	default:
		return SVM_MSR_USER;
	}
	return SVM_MSR_DONE;
}

static int svm_exit_msr(struct svm_vcpu *v, struct axvcpu_run *run)
{
	u32 msr = svm_gpr_read(v, SVM_RCX);
	bool wrmsr = v->vmcb->control.exit_info_1 & 1;
	enum svm_msr_result res;
	u64 data, next;
	int ret;

	ret = svm_next_rip(v, run, wrmsr ? X86_OP_WRMSR : X86_OP_RDMSR, &next);
	if (ret)
		return min(ret, 0);
	if (wrmsr) {
		data = (u32)svm_gpr_read(v, SVM_RAX) |
		       (svm_gpr_read(v, SVM_RDX) << 32);
		/*
		 * The x2APIC's ICR may fill @run (SEND_IPI, CPU_UP), or deliver
		 * an IPI in the kernel, which takes the VM's VCPU table mutex.
		 */
		if (svm_apic_msr(msr)) {
			svm_vcpu_put(v);
			res = svm_apic_wrmsr(v, run, msr, data);
		} else
			res = svm_msr_write(v, msr, data);
		if (res == SVM_MSR_FAULT) {
			svm_inject_gp(v);
			return 0;
		}
		svm_complete_insn(v, next);
		if (res == SVM_MSR_USER) {
			svm_exit_set(run, AXVCPU_EXIT_SYSREG_WRITE);
			run->sysreg.addr = msr;
			run->sysreg.data = data;
		}
		return 0;
	}

	res = svm_msr_read(v, msr, &data);
	svm_complete_insn(v, next);
	if (res == SVM_MSR_DONE) {
		svm_gpr_write(v, SVM_RAX, (u32)data);
		svm_gpr_write(v, SVM_RDX, data >> 32);
		return 0;
	}
	svm_exit_set(run, AXVCPU_EXIT_SYSREG_READ);
	run->sysreg.addr = msr;
	v->read.reason = AXVCPU_EXIT_SYSREG_READ;
	return 0;
}

/* ---- Other exits ------------------------------------------------------ */

/* XSETBV: XCR0 only, at CPL 0, a combination this host's XSAVE accepts. */
static void svm_exit_xsetbv(struct svm_vcpu *v, u64 next)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	u64 val = (u32)svm_gpr_read(v, SVM_RAX) | (svm_gpr_read(v, SVM_RDX) << 32);
	u64 avx512 = XFEATURE_MASK_AVX512;
	u64 mpx = XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR;

	if (!svm_host.xsave || !(save->cr4 & X86_CR4_OSXSAVE)) {
		svm_inject_ud(v);
		return;
	}
	if (save->cpl || (u32)svm_gpr_read(v, SVM_RCX) ||
	    !(val & XFEATURE_MASK_FP) || (val & ~svm_host.host_xcr0) ||
	    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)) ||
	    ((val & avx512) && ((val & avx512) != avx512 || !(val & XFEATURE_MASK_YMM))) ||
	    ((val & mpx) && (val & mpx) != mpx)) {
		svm_inject_gp(v);
		return;
	}
	v->xcr0 = val;
	svm_complete_insn(v, next);
}

static int svm_exit_ioio(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	u64 info = ctl->exit_info_1;
	u8 width = (info & VMCB_IOIO_SZ32) ? 4 : (info & VMCB_IOIO_SZ16) ? 2 : 1;

	/*
	 * INS/OUTS: segment, address size and operand come from the decoder;
	 * they copy guest memory, which may sleep.
	 */
	if (info & VMCB_IOIO_STRING) {
		svm_vcpu_put(v);
		return svm_emul_string_io(v, run);
	}

	/* EXITINFO2 is the RIP of the next instruction, with or without NRIPS. */
	svm_complete_insn(v, ctl->exit_info_2);

	svm_exit_set(run, (info & VMCB_IOIO_IN) ? AXVCPU_EXIT_IO_READ : AXVCPU_EXIT_IO_WRITE);
	run->io.port = info >> VMCB_IOIO_PORT_SHIFT;
	run->io.width = width;
	run->io.count = 1;
	if (info & VMCB_IOIO_IN) {
		v->read.reason = AXVCPU_EXIT_IO_READ;
		v->read.width = width;
	} else {
		run->io.data = svm_gpr_read(v, SVM_RAX) & GENMASK_ULL(width * 8 - 1, 0);
	}
	return 0;
}

/*
 * VMMCALL. Only the guest kernel may call the VMM: one from CPL > 0 (guest
 * user space, virtual-8086 mode) never leaves the kernel and returns
 * -EPERM in RAX, as KVM's hypercalls do, so that a guest's processes
 * cannot talk to the VMM behind its kernel's back.
 *
 * RAX values in the kernel's range (AXVCPU_HYPERCALL_CPU_DOWN's) are not
 * HYPERCALL exits: CPU_DOWN is its own exit, and a number of the range
 * the kernel does not know returns -EINVAL in RAX without an exit, so
 * that numbers added later never reach a VMM as ordinary hypercalls.
 * Outside 64-bit mode only EAX counts, the upper half of RAX being
 * whatever 64-bit code last left there.
 */
static void svm_exit_hypercall(struct svm_vcpu *v, struct axvcpu_run *run, u64 next)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	u8 cpl = save->cpl;
	u64 nr = svm_gpr_read(v, SVM_RAX);

	svm_complete_insn(v, next);
	if (cpl) {
		svm_gpr_write(v, SVM_RAX, SVM_HYPERCALL_EPERM);
		return;
	}
	if (!(save->efer & X86_EFER_LMA) || !(save->cs.attrib & SVM_SEG_ATTR_L))
		nr = (u32)nr;
	if ((nr & ~SVM_HYPERCALL_KERNEL_MASK) == SVM_HYPERCALL_KERNEL_BASE) {
		if (nr == AXVCPU_HYPERCALL_CPU_DOWN) {
			svm_exit_set(run, AXVCPU_EXIT_CPU_DOWN);
			run->cpu_down.state = svm_gpr_read(v, SVM_RDI);
		} else {
			svm_gpr_write(v, SVM_RAX, SVM_HYPERCALL_EINVAL);
		}
		return;
	}
	svm_exit_set(run, AXVCPU_EXIT_HYPERCALL);
	run->hypercall.cpl = cpl;
	run->hypercall.nr = svm_gpr_read(v, SVM_RAX);
	run->hypercall.args[0] = svm_gpr_read(v, SVM_RDI);
	run->hypercall.args[1] = svm_gpr_read(v, SVM_RSI);
	run->hypercall.args[2] = svm_gpr_read(v, SVM_RDX);
	run->hypercall.args[3] = svm_gpr_read(v, SVM_RCX);
	run->hypercall.args[4] = svm_gpr_read(v, SVM_R8);
	run->hypercall.args[5] = svm_gpr_read(v, SVM_R9);
	v->read.reason = AXVCPU_EXIT_HYPERCALL;
}

/*
 * Nested page fault: EXITINFO2 is the guest physical address, EXITINFO1
 * a #PF-style error code. Guest RAM is mapped and the guest re-enters; a
 * data access outside RAM is MMIO, emulated (svm_emul_mmio()); the rest
 * (refused by the region's flags, instruction fetches and guest page
 * walks outside RAM) goes to user space with RIP unchanged.
 */
static int svm_exit_npf(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	u64 err = ctl->exit_info_1, gpa = ctl->exit_info_2;
	u32 access;
	int ret;

	if (err & VMCB_NPF_FETCH)
		access = AXVCPU_ACCESS_EXEC;
	else if (err & VMCB_NPF_WRITE)
		access = AXVCPU_ACCESS_WRITE;
	else
		access = AXVCPU_ACCESS_READ;

	ret = axvcpu_vm_fault(axvcpu_vcpu_vm(v->vcpu), gpa, access);
	/*
	 * Not while an event was being delivered (EXITINTINFO): that access
	 * was the delivery's (IDT, stack), not the instruction's at RIP.
	 */
	if (ret == -ENOENT && svm_emul_npf_is_data(err) &&
	    !(ctl->exit_int_info & VMCB_EVENT_VALID))
		return svm_emul_mmio(v, run, gpa, err);
	if (ret != -ENOENT && ret != -EACCES)
		return ret;

	svm_exit_set(run, AXVCPU_EXIT_NESTED_PAGE_FAULT);
	run->npf.gpa = gpa;
	run->npf.access = access | ((err & VMCB_NPF_USER) ? AXVCPU_ACCESS_USER : 0);
	run->npf.error_code = err;
	return 0;
}

static void svm_exit_internal(struct axvcpu_run *run, u32 suberror, u64 code)
{
	svm_exit_set(run, AXVCPU_EXIT_INTERNAL_ERROR);
	run->internal.suberror = suberror;
	run->internal.code = code;
}

/*
 * MOV to CR4. Intercepted so that CR4 never holds more than this CPU
 * offers a guest and, above all, so that a guest cannot clear PAE under
 * EFER.LME (x86_sregs_check() says why) the way svm_efer_write() stops
 * it setting LME without PAE. Emulated as the CPU would: the checks of
 * the instruction (x86_cr4_write_check()), the new value, the TLB flush
 * its paging bits ask for. The CPU raises #UD and the CPL #GP before it
 * checks the intercept; CPL is checked again here, as bytes that changed
 * under another VCPU since the exit are (they are not MOV to CR4: an
 * INTERNAL_ERROR).
 */
static int svm_exit_cr4_write(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	struct x86_insn insn;
	u64 cr4, next;
	int ret;

	ret = svm_insn_next_rip(v, run, X86_OP_MOV_TO_CR, &insn, &next);
	if (ret)
		return ret;
	if (insn.cr != 4) {
		svm_exit_internal(run, AXVCPU_INTERNAL_EMULATION, VMCB_EXIT_WRITE_CR4);
		return 0;
	}
	cr4 = svm_gpr_read(v, insn.reg);
	if (insn.opsize == 4)
		cr4 = (u32)cr4;
	if (save->cpl ||
	    x86_cr4_write_check(cr4, save->cr4, save->efer, save->cr3, &svm_host.limits)) {
		svm_inject_gp(v);
		return 0;
	}
	if (x86_cr4_write_flushes(cr4, save->cr4))
		svm_flush_guest_tlb(v);
	save->cr4 = cr4;
	svm_complete_insn(v, next);
	return 0;
}

/*
 * Exits whose handling never sleeps (given svm_insn_next_rip()'s own
 * fallback): they are handled with the VCPU still held (svm_vcpu_hold()).
 * Every other exit (nested page faults, which look up and map guest
 * memory, the reset after a SHUTDOWN, whatever is unknown) ends the hold
 * first.
 */
static bool svm_exit_nosleep(u64 code)
{
	switch (code) {
	case VMCB_EXIT_INTR:
	case VMCB_EXIT_NMI:
	case VMCB_EXIT_SMI:
	case VMCB_EXIT_INIT:
	case VMCB_EXIT_EXCP_BASE + VMCB_VEC_MC:
	case VMCB_EXIT_VINTR:
	case VMCB_EXIT_IRET:
	case VMCB_EXIT_EXCP_BASE + VMCB_VEC_DB:
	case VMCB_EXIT_EXCP_BASE + VMCB_VEC_AC:
	case VMCB_EXIT_WRITE_CR4:
	case VMCB_EXIT_READ_DR0 ... VMCB_EXIT_WRITE_DR15:
	case VMCB_EXIT_RDPMC:
	case VMCB_EXIT_HLT:
	case VMCB_EXIT_VMMCALL:
	case VMCB_EXIT_CPUID:
	case VMCB_EXIT_MSR:		/* the x2APIC's let go themselves */
	case VMCB_EXIT_IOIO:		/* string I/O lets go itself */
	case VMCB_EXIT_XSETBV:
	case VMCB_EXIT_INVD:
	case VMCB_EXIT_WBINVD:
	case VMCB_EXIT_VMRUN:
	case VMCB_EXIT_VMLOAD:
	case VMCB_EXIT_VMSAVE:
	case VMCB_EXIT_STGI:
	case VMCB_EXIT_CLGI:
	case VMCB_EXIT_SKINIT:
	case VMCB_EXIT_INVLPGA:
	case VMCB_EXIT_RDPRU:
	case VMCB_EXIT_MONITOR:
	case VMCB_EXIT_MWAIT:
	case VMCB_EXIT_MWAIT_COND:
	case VMCB_EXIT_TASK_SWITCH:
	case VMCB_EXIT_INVALID:
		return true;
	}
	return false;
}

static void svm_fill_common(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	bool if_flag = save->rflags & X86_RFLAGS_IF;
	bool shadow = ctl->int_state & VMCB_INT_STATE_SHADOW;

	/* Computed from the VMCB, only written to @run. */
	run->rip = save->rip;
	run->rflags = svm_guest_rflags(v);
	run->if_flag = if_flag;
	run->interrupt_shadow = shadow;
	run->ready_for_interrupt_injection = svm_irq_window_open(v);
}

/**
 * svm_exit_irq_window() - RUN's IRQ_WINDOW_OPEN without an entry: user
 * space asked for it and the guest can take an interrupt already.
 * @v:   the VCPU.
 * @run: the core's kernel copy of the exit.
 */
void svm_exit_irq_window(struct svm_vcpu *v, struct axvcpu_run *run)
{
	v->read.reason = 0;
	run->exit_reason = AXVCPU_EXIT_IRQ_WINDOW_OPEN;
	svm_fill_common(v, run);
}

/**
 * svm_handle_exit() - decode the exit the last VMRUN ended with.
 * @v:   the VCPU.
 * @run: the core's kernel copy of the exit to fill (arch.h), not the
 *       user's run page.
 *
 * Called with interrupts on and the VCPU held (svm_vcpu_hold()): only
 * exits that cannot sleep are handled so, the others end the hold first.
 * Return: 0 with @run filled, or the transient error of pinning guest
 * memory (-ENOMEM, -EFAULT, -EAGAIN), RIP unchanged so that the next
 * RUN retries.
 */
int svm_handle_exit(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	u64 code = ctl->exit_code;
	u64 next;
	int ret = 0;

	run->exit_reason = AXVCPU_EXIT_NOTHING;
	v->read.reason = 0;
	v->emul.active = false;
	v->emul.pending = false;
	svm_events_exit(v);
	if (!svm_exit_nosleep(code))
		svm_vcpu_put(v);

	switch (code) {
	case VMCB_EXIT_INTR:
		/*
		 * Already taken by the host; shown only to a VMM that asked,
		 * and never for the self-IPI of svm_events_enter().
		 */
		if ((axvcpu_vcpu_options(v->vcpu) & AXVCPU_OPT_EXTERNAL_INTR_EXITS) &&
		    !v->ev.self_ipi) {
			svm_exit_set(run, AXVCPU_EXIT_EXTERNAL_INTERRUPT);
			run->external_interrupt.vector = v->host_vector;
		}
		break;
	case VMCB_EXIT_NMI:
	case VMCB_EXIT_SMI:
	case VMCB_EXIT_INIT:
		/*
		 * The host took (or takes, now that GIF is set) the event;
		 * all four are intercepted (svm_vmcb_init()).
		 */
		break;
	case VMCB_EXIT_EXCP_BASE + VMCB_VEC_MC:
		/* Handed to the host's handler in svm_run(). */
		break;
	case VMCB_EXIT_VINTR:
		/* The interrupt window opened: svm_events_enter() goes on. */
		if (run->request_interrupt_window)
			run->exit_reason = AXVCPU_EXIT_IRQ_WINDOW_OPEN;
		break;
	case VMCB_EXIT_IRET:
		svm_event_iret(v);
		break;
	case VMCB_EXIT_EXCP_BASE + VMCB_VEC_DB:
		/* Our own single step (svm_event.c) ends here. */
		if (svm_event_step_trap(v))
			break;
		/* Reflect; DR6 in the VMCB already describes the cause. */
		if (!(ctl->event_inj & VMCB_EVENT_VALID))
			svm_inject_exception(v, VMCB_VEC_DB, false, 0);
		break;
	case VMCB_EXIT_EXCP_BASE + VMCB_VEC_AC:
		/* An event being delivered wins: the #AC, a fault, recurs. */
		if (!(ctl->event_inj & VMCB_EVENT_VALID))
			svm_inject_exception(v, VMCB_VEC_AC, true, 0);
		break;
	case VMCB_EXIT_READ_DR0 ... VMCB_EXIT_WRITE_DR15:
		/*
		 * The guest's first debug-register access since its last exit:
		 * give it its own DR0-3 (svm_run() loads them) and let the
		 * instruction run again, now without an intercept, so that the
		 * CPU itself does every check of MOV DR.
		 */
		v->vmcb->control.intercept_dr = 0;
		v->dr_owned = true;
		break;
	case VMCB_EXIT_WRITE_CR4:
		ret = svm_exit_cr4_write(v, run);
		break;
	case VMCB_EXIT_RDPMC:
		/* The host's counters: not offered at any CPL. */
		svm_inject_gp(v);
		break;
	case VMCB_EXIT_HLT:
		ret = svm_next_rip(v, run, X86_OP_HLT, &next);
		if (ret)
			break;
		svm_complete_insn(v, next);
		run->exit_reason = AXVCPU_EXIT_HALT;
		break;
	case VMCB_EXIT_VMMCALL:
		ret = svm_next_rip(v, run, X86_OP_VMMCALL, &next);
		if (!ret)
			svm_exit_hypercall(v, run, next);
		break;
	case VMCB_EXIT_CPUID:
		ret = svm_next_rip(v, run, X86_OP_CPUID, &next);
		if (!ret)
			svm_cpuid(v, next);
		break;
	case VMCB_EXIT_MSR:
		ret = svm_exit_msr(v, run);
		break;
	case VMCB_EXIT_IOIO:
		ret = svm_exit_ioio(v, run);
		break;
	case VMCB_EXIT_XSETBV:
		ret = svm_next_rip(v, run, X86_OP_XSETBV, &next);
		if (!ret)
			svm_exit_xsetbv(v, next);
		break;
	case VMCB_EXIT_INVD:
	case VMCB_EXIT_WBINVD:
		/*
		 * No-ops. Guest RAM is ordinary write-back host memory kept
		 * coherent by the hardware and the guest has no device doing
		 * non-coherent DMA, so nothing it can observe depends on the
		 * flush; a real WBINVD would stall every core of the host for
		 * a guest's whim, and INVD would drop the host's dirty lines.
		 * WBNOINVD (F3 0F 09) takes the WBINVD intercept, and QEMU
		 * 7.2's TCG reports INVD as WBINVD too (it tests bit 1 of the
		 * opcode, clear in both): either exit takes any of the three.
		 */
		ret = svm_next_rip(v, run, X86_OP_WBINVD, &next);
		if (!ret)
			svm_complete_insn(v, next);
		break;
	case VMCB_EXIT_VMRUN:
	case VMCB_EXIT_VMLOAD:
	case VMCB_EXIT_VMSAVE:
	case VMCB_EXIT_STGI:
	case VMCB_EXIT_CLGI:
	case VMCB_EXIT_SKINIT:
	case VMCB_EXIT_INVLPGA:
	case VMCB_EXIT_RDPRU:
	case VMCB_EXIT_MONITOR:
	case VMCB_EXIT_MWAIT:
	case VMCB_EXIT_MWAIT_COND:
		/* Not offered (CPUID hides them): #UD, as on a CPU without them. */
		svm_inject_ud(v);
		break;
	case VMCB_EXIT_TASK_SWITCH:
		svm_exit_internal(run, AXVCPU_INTERNAL_EMULATION, code);
		break;
	case VMCB_EXIT_NPF:
		ret = svm_exit_npf(v, run);
		break;
	case VMCB_EXIT_SHUTDOWN:
		/*
		 * Triple fault. The VMCB's guest state is undefined after a
		 * SHUTDOWN intercept, so the VCPU is reset to its power-on
		 * state, as a PC resets after a triple fault: a later RUN
		 * starts at the reset vector instead of VMRUNning garbage.
		 */
		svm_exit_set(run, AXVCPU_EXIT_SYSTEM_DOWN);
		run->system_down.type = AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT;
		svm_fill_common(v, run);
		svm_vcpu_reset(v);
		return 0;
	case VMCB_EXIT_INVALID:
		/*
		 * Guest state the CPU refused, though svm_run() checked it
		 * (svm_exit_refuse_entry()). The save area is not to be
		 * trusted now: QEMU 7.2's TCG fills it with the host's state
		 * (its RIP, RSP, CR3, GDT and IDT bases: kernel addresses) as
		 * if that were the guest's. Reset, so none of it reaches user
		 * space; the VCPU stays usable. The flush this VMRUN carried
		 * may not have happened: svm_run() has started a new ASID
		 * generation on this CPU.
		 */
		svm_exit_set(run, AXVCPU_EXIT_FAIL_ENTRY);
		run->fail_entry.hardware_reason = code;
		run->fail_entry.details[0] = ctl->exit_info_1;
		run->fail_entry.details[1] = AXVCPU_FAIL_ENTRY_STATE_RESET;
		svm_vcpu_reset(v);
		break;
	default:
		svm_exit_internal(run, AXVCPU_INTERNAL_UNKNOWN_EXIT, code);
		break;
	}

	svm_fill_common(v, run);
	/* 1 from svm_next_rip(): @run or an injected fault says it all. */
	return ret > 0 ? 0 : ret;
}

/**
 * svm_exit_refuse_entry() - RUN's FAIL_ENTRY without a VMRUN: the guest
 * state is one VMRUN would refuse (x86_entry_state_valid()).
 * @v:   the VCPU.
 * @run: the core's kernel copy of the exit to fill.
 *
 * Only a guest instruction the CPU should have faulted loads such a state
 * (SET_SREGS refuses it), so the instruction has completed and the guest
 * cannot be given its #GP any more: the VMM sees the state as it is and
 * may mend it with SET_SREGS.
 * Return: 0.
 */
int svm_exit_refuse_entry(struct svm_vcpu *v, struct axvcpu_run *run)
{
	v->read.reason = 0;
	svm_exit_set(run, AXVCPU_EXIT_FAIL_ENTRY);
	run->fail_entry.hardware_reason = VMCB_EXIT_INVALID;
	run->fail_entry.details[0] = 0;
	run->fail_entry.details[1] = AXVCPU_FAIL_ENTRY_STATE_KEPT;
	svm_fill_common(v, run);
	return 0;
}

/**
 * svm_handle_pending() - report the write half an emulated instruction
 * left after its read was completed (svm_emul_resume()), instead of
 * entering the guest.
 * @v:   the VCPU.
 * @run: the core's kernel copy of the exit to fill.
 *
 * Return: 0.
 */
int svm_handle_pending(struct svm_vcpu *v, struct axvcpu_run *run)
{
	run->exit_reason = AXVCPU_EXIT_NOTHING;
	v->read.reason = 0;
	svm_emul_resume(v, run);
	svm_fill_common(v, run);
	return 0;
}
