// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SVM backend: the run path. One entry into the guest and the exit it
 * ends with: the VCPU held on its CPU, the checks of the state VMRUN will
 * see, ASIDs and their flushes, the host state the world switch saves and
 * restores around svm_vmrun() (svm_vmrun.S), PKRU and debug registers,
 * then the exit handed to svm_exit.c. References are to the AMD64 APM
 * vol. 2.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/cpumask.h>
#include <linux/hw_breakpoint.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/special_insns.h>

#include "svm.h"

/*
 * Give @v an ASID valid on this CPU (APM 15.16): a VCPU keeps its ASID
 * while it stays on the CPU that handed it out and that CPU stays in the
 * same generation; otherwise it takes the next free one, and when those
 * run out the CPU starts a new generation with a flush of all ASIDs.
 * Then flush the ASID if the VM's nested tables changed since the VCPU
 * last ran. Interrupts are off.
 */
static void svm_pick_asid(struct svm_vcpu *v, struct svm_cpu *sd, int cpu)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	s64 gen = atomic64_read(&v->svm_vm->tlb_gen);

	if (v->asid_cpu != cpu || v->asid_gen != sd->asid_gen) {
		if (sd->next_asid > svm_host.max_asid) {
			sd->asid_gen++;
			sd->next_asid = 1;
			ctl->tlb_ctl = VMCB_TLB_FLUSH_ALL;
		}
		/* Unused so far in this generation: nothing cached under it. */
		v->asid = sd->next_asid++;
		v->asid_gen = sd->asid_gen;
		v->asid_cpu = cpu;
		ctl->asid = v->asid;
		v->tlb_gen = gen;
	} else if (v->tlb_gen != gen) {
		svm_flush_guest_tlb(v);
		v->tlb_gen = gen;
	}
}

/*
 * After the world switch: the flush requested for this VMRUN has been
 * done, unless VMRUN failed its consistency checks (VMEXIT_INVALID), which
 * happens before the CPU looks at TLB_CONTROL. Then nothing says the
 * flush happened, and the generation it may have opened (FLUSH_ALL) is
 * shared with other VCPUs of this CPU: start another one, so that every
 * VCPU here takes a fresh ASID and the next VMRUN flushes everything.
 * Interrupts are off.
 */
static void svm_asid_vmrun_done(struct svm_vcpu *v, struct svm_cpu *sd)
{
	if (unlikely(v->vmcb->control.exit_code == VMCB_EXIT_INVALID)) {
		sd->asid_gen++;
		sd->next_asid = svm_host.max_asid + 1;
	}
	v->vmcb->control.tlb_ctl = VMCB_TLB_NOTHING;
}

/* The current process has an LDT of its own (modify_ldt()). */
static bool svm_task_has_ldt(void)
{
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	return current->mm && READ_ONCE(current->mm->context.ldt);
#else
	return false;
#endif
}

/*
 * The part with GIF clear. XCR0 follows the guest only here, where no
 * host code can use XSAVE-managed state and no interrupt or NMI is taken.
 * RFLAGS.IF is set for VMRUN because with V_INTR_MASKING the host's IF
 * decides whether physical interrupts exit the guest; GIF keeps them
 * pending meanwhile and until STGI, and after the CLI they wait for the
 * caller's local_irq_enable().
 */
static void svm_world_switch(struct svm_vcpu *v, struct svm_cpu *sd)
{
	bool switch_xcr0 = svm_host.xsave && v->xcr0 != svm_host.host_xcr0;
	bool switch_aux = svm_host.tsc_aux && v->tsc_aux != sd->host_tsc_aux;
	bool switch_spec = false;
	u64 host_spec = 0;

	asm volatile("clgi" ::: "memory");
	/*
	 * The host's VMSAVE state (FS, GS, TR, LDTR, KERNEL_GS_BASE, the
	 * syscall MSRs) is this thread's on this CPU and changes only with a
	 * context switch, which cannot happen while the VCPU is held: saved
	 * at the first entry of the hold, it serves every exit until
	 * svm_vcpu_put(). An LDT is the exception: another thread's
	 * modify_ldt() reloads LDTR here by IPI without a switch, so a
	 * process with one saves at every entry (with GIF clear, such an IPI
	 * waits until after the host state is back, whichever is newer).
	 */
	if (!v->host_saved || svm_task_has_ldt()) {
		asm volatile("vmsave %%rax" : : "a" (sd->host_save_pa) : "memory");
		v->host_saved = true;
	}
	if (switch_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	/*
	 * TSC_AUX and SPEC_CTRL follow the guest only here too: no NMI,
	 * interrupt or user space runs with the guest's CPU number in
	 * TSC_AUX or without the host's speculation controls. Without
	 * V_SPEC_CTRL the host's SPEC_CTRL comes back after svm_vmrun()'s
	 * RSB fill and return untraining, so only its final RET runs with
	 * the guest's value.
	 */
	if (switch_aux)
		wrmsrl(MSR_TSC_AUX, v->tsc_aux);
	if (svm_host.spec_ctrl_mask && !svm_host.v_spec_ctrl) {
		host_spec = this_cpu_read(x86_spec_ctrl_current);
		switch_spec = v->spec_ctrl != host_spec;
		if (switch_spec)
			wrmsrl(MSR_IA32_SPEC_CTRL, v->spec_ctrl);
	}
	/* Zen1 divider erratum: do not leave a host quotient to the guest. */
	amd_clear_divider();

	raw_local_irq_enable();
	svm_vmrun(v->gprs, v->vmcb_pa, sd->host_save_pa);
	raw_local_irq_disable();

	if (switch_spec)
		wrmsrl(MSR_IA32_SPEC_CTRL, host_spec);
	if (switch_aux)
		wrmsrl(MSR_TSC_AUX, sd->host_tsc_aux);

	if (svm_host.xsave) {
		/*
		 * XSETBV is intercepted, but an emulator that ignores the
		 * intercept (QEMU 7.2's TCG does) lets the guest load XCR0
		 * itself. Read it back, so that neither the host nor the
		 * guest's next entry runs with the other's value.
		 */
		u64 xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

		if (xcr0 != v->xcr0 && (xcr0 & XFEATURE_MASK_FP) &&
		    !(xcr0 & ~svm_host.host_xcr0))
			v->xcr0 = xcr0;
		if (xcr0 != svm_host.host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, svm_host.host_xcr0);
	}
	asm volatile("stgi" ::: "memory");
}

/*
 * A machine check taken in the guest exits (the #MC intercept); hand it
 * to the host's handler as if it had hit user space, which is where the
 * guest's instruction stream conceptually ran.
 */
static void svm_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

/**
 * svm_forget_vmcb() - no CPU may take a new VMCB in the page of @vmcb,
 * about to be freed, for the last one it ran (and skip the IBPB).
 * @vmcb: the VMCB of a VCPU that runs nowhere.
 */
void svm_forget_vmcb(struct svm_vmcb *vmcb)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpu, cpu)->last_vmcb, vmcb, NULL);
}

/*
 * The vector of the host interrupt that made the guest exit, read before
 * the host takes it: the highest request pending in the local APIC
 * (0 when none is, e.g. when it was an NMI's or an SMI's doing).
 * Interrupts are off.
 */
static u8 svm_pending_host_vector(void)
{
	int i;

	/* The IRR is eight 32-bit registers, 16 bytes apart (SDM 11.8.4). */
	for (i = 7; i >= 0; i--) {
		u32 irr = apic_read(APIC_IRR + i * 0x10);

		if (irr)
			return i * 32 + fls(irr) - 1;
	}
	return 0;
}

/* DR7 L0-L3/G0-G3: any breakpoint enabled. */
#define SVM_DR7_ENABLES		0xffULL

/* Put the guest's DR0-3 in the hardware; host DR7 is disabled. */
static void svm_dr_load(struct svm_vcpu *v)
{
	set_debugreg(v->db[0], 0);
	set_debugreg(v->db[1], 1);
	set_debugreg(v->db[2], 2);
	set_debugreg(v->db[3], 3);
}

/* Take the guest's DR0-3 back and intercept its next access again. */
static void svm_dr_save(struct svm_vcpu *v)
{
	get_debugreg(v->db[0], 0);
	get_debugreg(v->db[1], 1);
	get_debugreg(v->db[2], 2);
	get_debugreg(v->db[3], 3);
	svm_dr_intercept(v);
}

/*
 * The guest's CR0, CR3, CR4, EFER and CS as VMRUN checks them: guest
 * instructions change them without exits, and a CPU that does not fault
 * a bad MOV to CR0 or CR3 (QEMU 7.2's TCG) would otherwise make VMRUN
 * fail, leaving the host's state in the save area.
 */
static bool svm_entry_state_valid(struct svm_vcpu *v)
{
	const struct svm_vmcb_save *save = &v->vmcb->save;
	u16 ld = SVM_SEG_ATTR_L | SVM_SEG_ATTR_DB;

	return x86_entry_state_valid(save->cr0, save->cr3, save->cr4, save->efer,
				     (save->cs.attrib & ld) == ld, &svm_host.limits);
}

/*
 * Whether the guest can see PKRU or is subject to it: with CR4.PKE
 * (RDPKRU, WRPKRU, the protection-key checks) or with PKRU in its XCR0
 * (XSAVE, XRSTOR). Otherwise WRPKRU and RDPKRU raise #UD and XSAVE skips
 * the component, so the register may keep the thread's value while the
 * guest runs, and nothing is switched: under QEMU's TCG every WRPKRU
 * flushes the whole TLB. Both are intercepted (MOV to CR4, XSETBV), or
 * read back at the exit (XCR0, where the emulator ignores the intercept).
 */
static bool svm_guest_pkru_live(const struct svm_vcpu *v)
{
	return (v->vmcb->save.cr4 & X86_CR4_PKE) || (v->xcr0 & XFEATURE_MASK_PKRU);
}

/* Exits usually handled in the kernel, the VCPU held: PKRU stays the guest's. */
static bool svm_exit_keeps_pkru(u64 code)
{
	switch (code) {
	case VMCB_EXIT_INTR:
	case VMCB_EXIT_NMI:
	case VMCB_EXIT_SMI:
	case VMCB_EXIT_VINTR:
	case VMCB_EXIT_CPUID:
	case VMCB_EXIT_MSR:
	case VMCB_EXIT_XSETBV:
		return true;
	}
	return false;
}

int svm_run(void *arch_vcpu, struct axvcpu_run *run)
{
	struct svm_vcpu *v = arch_vcpu;
	struct svm_vm *sv = v->svm_vm;
	struct svm_cpu *sd;
	bool host_bp, guest_dr, want_window;
	int cpu;

	/* The write half of an emulated MMIO instruction: no guest entry. */
	if (unlikely(svm_emul_pending(v)))
		return svm_handle_pending(v, run);
	want_window = run->request_interrupt_window;
	if (want_window && svm_irq_window_open(v)) {
		svm_exit_irq_window(v, run);
		return 0;
	}
	if (unlikely(!svm_entry_state_valid(v)))
		return svm_exit_refuse_entry(v, run);

	if (!v->held)
		svm_vcpu_hold(v);
	local_irq_disable();
	cpu = smp_processor_id();
	sd = per_cpu_ptr(&svm_cpu, cpu);
	if (unlikely(!sd->enabled)) {
		/* percpu.c failed to enable this CPU: no VMRUN here. */
		local_irq_enable();
		return -EBUSY;
	}
	/*
	 * From here to the world switch interrupts stay off: a kick that
	 * comes after this check waits as a pending interrupt and makes the
	 * guest exit at once.
	 */
	if (unlikely(!axvcpu_guest_enter(v->vcpu))) {
		local_irq_enable();
		run->exit_reason = AXVCPU_EXIT_NOTHING;
		return 0;
	}
	/* Every event pending now is looked at; a later one kicks us out. */
	svm_events_enter(v, want_window);

	/* Another VCPU's branch predictions must not steer this one. */
	if (sd->last_vmcb != v->vmcb) {
		WRITE_ONCE(sd->last_vmcb, v->vmcb);
		indirect_branch_prediction_barrier();
	}
	/* The guest's own IBPB (PRED_CMD write), on the CPU it runs on. */
	if (unlikely(v->ibpb_pending)) {
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
		v->ibpb_pending = false;
	}
	if (svm_host.tsc_aux && unlikely(!sd->tsc_aux_known)) {
		rdmsrl(MSR_TSC_AUX, sd->host_tsc_aux);
		sd->tsc_aux_known = true;
	}

	cpumask_set_cpu(cpu, sv->in_guest);
	/* @in_guest store before the generation load; pairs with svm_vm_flush(). */
	smp_mb__after_atomic();
	svm_pick_asid(v, sd, cpu);

	/*
	 * PKRU guards the kernel's user accesses: the guest's stays in the
	 * register while the VCPU is held, when nothing touches user memory
	 * (the exits that may are handled after svm_vcpu_put(), which puts
	 * the thread's back). Under QEMU's TCG each WRPKRU flushes the whole
	 * TLB: two per exit cost about 4 us of a 30 us CPUID exit on max.
	 * A guest that cannot see PKRU runs with the thread's.
	 */
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && !v->pkru_loaded &&
	    svm_guest_pkru_live(v)) {
		if (v->pkru != v->host_pkru)
			wrpkru(v->pkru);
		v->pkru_loaded = true;
	}

	/*
	 * Host breakpoints must not fire in the switch (nor on the guest's
	 * DR0-3); VMRUN loads guest DR6 and DR7 from the VMCB. DR0-3 are the
	 * guest's while it accesses them without exits (svm_dr_intercept())
	 * and while its DR7 enables a breakpoint; otherwise they may hold
	 * anything, but the guest's MOV DR exits first and never sees them.
	 */
	host_bp = hw_breakpoint_active();
	if (host_bp)
		set_debugreg(0, 7);
	guest_dr = v->dr_owned || (v->vmcb->save.dr7 & SVM_DR7_ENABLES);
	if (guest_dr)
		svm_dr_load(v);

	svm_world_switch(v, sd);
	axvcpu_guest_exit(v->vcpu);
	/* QEMU 7.2's TCG stores VMEXIT_INVALID as a 32-bit -1. */
	if (lower_32_bits(v->vmcb->control.exit_code) == U32_MAX)
		v->vmcb->control.exit_code = VMCB_EXIT_INVALID;

	cpumask_clear_cpu(cpu, sv->in_guest);
	svm_asid_vmrun_done(v, sd);

	if (v->dr_owned)
		svm_dr_save(v);
	/*
	 * #VMEXIT leaves DR7 disabled: bring back the host's breakpoints
	 * (and DR6). Without any, the guest's DR0-3 may stay, inert; a DR6
	 * the guest left is reset, so the host's #DB handler never reads it.
	 */
	if (host_bp)
		hw_breakpoint_restore();
	else if (v->vmcb->save.dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);

	/*
	 * #VMEXIT leaves PKRU alone: the guest's when it was loaded, or when
	 * the guest loaded one itself (XRSTOR after an XSETBV the emulator
	 * did not intercept: the XCR0 read back shows it, or the value
	 * does), for emulation. An exit that is likely to reach user space
	 * gives the thread's back now, while the #VMEXIT has left the TLB
	 * cold anyway, rather than in svm_vcpu_put() after the exit's
	 * handling refilled it.
	 */
	if (cpu_feature_enabled(X86_FEATURE_OSPKE)) {
		u32 pkru = rdpkru();

		if (v->pkru_loaded || pkru != v->host_pkru || svm_guest_pkru_live(v)) {
			v->pkru = pkru;
			v->pkru_loaded = true;
		}
		if (v->pkru_loaded && !svm_exit_keeps_pkru(v->vmcb->control.exit_code)) {
			if (pkru != v->host_pkru)
				wrpkru(v->host_pkru);
			v->pkru_loaded = false;
		}
	}

	if (unlikely(v->vmcb->control.exit_code == VMCB_EXIT_EXCP_BASE + VMCB_VEC_MC))
		svm_machine_check();
	if (v->vmcb->control.exit_code == VMCB_EXIT_INTR &&
	    (axvcpu_vcpu_options(v->vcpu) & AXVCPU_OPT_EXTERNAL_INTR_EXITS))
		v->host_vector = svm_pending_host_vector();

	local_irq_enable();

	return svm_handle_exit(v, run);
}

