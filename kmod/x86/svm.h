/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal header of the AMD SVM backend (svm.c, svm_vcpu.c, svm_exit.c,
 * svm_cpuid.c, svm_apic.c, svm_emul.c, svm_strio.c, svm_vmrun.S). Nothing
 * outside kmod/x86/svm* includes it.
 */
#ifndef _AXVCPU_X86_SVM_H
#define _AXVCPU_X86_SVM_H

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/types.h>

#include "arch.h"
#include "npt.h"
#include "vmcb.h"
#include "x86_decode.h"
#include "x86_state.h"

/* Guest GPR slots in &struct svm_vcpu.gprs, in the x86 encoding order. */
enum svm_gpr {
	SVM_RAX, SVM_RCX, SVM_RDX, SVM_RBX, SVM_RSP, SVM_RBP, SVM_RSI, SVM_RDI,
	SVM_R8, SVM_R9, SVM_R10, SVM_R11, SVM_R12, SVM_R13, SVM_R14, SVM_R15,
	SVM_NR_GPRS
};

/**
 * struct svm_host - what probe found, read-only afterwards.
 * @caps:          the capabilities reported to the core.
 * @limits:        what SET_SREGS may load (x86_sregs_check()).
 * @iopm_pa:       the I/O permission map shared by every VMCB.
 * @msrpm_pa:      the MSR permission map shared by every VMCB.
 * @max_asid:      highest usable ASID (CPUID 0x8000000A EBX - 1).
 * @nrips:         the CPU saves the next RIP on instruction intercepts.
 * @flush_by_asid: TLB_CONTROL 3 is supported.
 * @xsave:         XSAVE/XRSTOR are used for guest FPU state (else FXSAVE).
 * @host_xcr0:     XCR0 of the host, the most a guest may enable.
 * @fpu_size:      bytes of a guest XSAVE (or FXSAVE) area.
 * @vaddr_bits:    linear address width, for canonical checks of MSRs.
 * @spec_ctrl_mask: SPEC_CTRL bits a guest may set (0: the host kernel
 *                 drives no SPEC_CTRL MSR, and the guest is offered none).
 * @v_spec_ctrl:   the CPU switches SPEC_CTRL itself (VMCB field).
 * @ibpb:          the CPU has IBPB: a guest's PRED_CMD write is honoured.
 * @tsc_aux:       the CPU has RDTSCP or RDPID: TSC_AUX is per VCPU.
 */
struct svm_host {
	struct axvcpu_arch_caps caps;
	struct x86_cpu_limits limits;
	u64 iopm_pa;
	u64 msrpm_pa;
	u32 max_asid;
	bool nrips;
	bool flush_by_asid;
	bool xsave;
	u64 host_xcr0;
	u32 fpu_size;
	u32 vaddr_bits;
	u64 spec_ctrl_mask;
	bool v_spec_ctrl;
	bool ibpb;
	bool tsc_aux;
};

extern struct svm_host svm_host;

/* svm.c: the backend's operations, listed in backends.c. */
extern const struct axvcpu_arch_ops svm_arch_ops;

/*
 * SVM_APIC_IDS - x2APIC destinations whose INIT state a VM keeps: the
 * 8-bit APIC id space, well above AXVCPU_CAP_MAX_VCPUS, so every VCPU id
 * (the VCPU's APIC id) fits.
 */
#define SVM_APIC_IDS		256

/**
 * struct svm_vm - the backend's VM.
 * @vm:        the core's handle, for axvcpu_vm_fault() and friends.
 * @npt:       the nested page table.
 * @ncr3:      its root, loaded into every VMCB of the VM.
 * @tlb_gen:   bumped by every npt_zap; a VCPU that saw an older value
 *             flushes its ASID before the next VMRUN.
 * @in_guest:  CPUs currently between VMRUN setup and #VMEXIT for this VM,
 *             the ones npt_zap must kick.
 * @sipi_wait: APIC ids that got an INIT and wait for a STARTUP
 *             (svm_apic.c); set and cleared atomically by any VCPU.
 * @nr_ids:    one past the highest VCPU id created in the VM: the ids an
 *             in-kernel broadcast IPI tries.
 */
struct svm_vm {
	struct axvcpu_vm *vm;
	struct x86_npt *npt;
	u64 ncr3;
	atomic64_t tlb_gen;
	cpumask_var_t in_guest;
	DECLARE_BITMAP(sipi_wait, SVM_APIC_IDS);
	atomic_t nr_ids;
};

/**
 * struct svm_read - geometry of the read exit the next RUN completes,
 * kept in the kernel so that user space only supplies the value.
 * @reason:      AXVCPU_EXIT_* of the exit, 0 when none is pending.
 * @width:       access width in bytes.
 * @reg:         destination GPR (MMIO_READ).
 * @reg_width:   bytes of the destination written (MMIO_READ).
 * @sign_extend: sign-extend from @width (MMIO_READ).
 */
struct svm_read {
	u32 reason;
	u8 width;
	u8 reg;
	u8 reg_width;
	u8 sign_extend;
};

/**
 * struct svm_emul - an emulated instruction the next RUN goes on with
 * (svm_emul.c), kept in the kernel: user space only supplies values.
 * @active:    an MMIO_READ or string IO_READ exit is waiting for its value.
 * @pending:   a completed read left an MMIO_WRITE to report (@wgpa...).
 * @mem_first: ALU forms: the memory operand is the left one.
 * @dst_ram:   MOVS: the destination is guest RAM.
 * @width:     bytes of the MMIO read, or of one string I/O element.
 * @wwidth:    bytes of the pending write.
 * @insn:      the decoded instruction.
 * @rip:       its RIP (completion only while RIP is still there).
 * @next_rip:  the RIP after it.
 * @gpa:       the MMIO operand.
 * @dst_gpa:   MOVS: the destination.
 * @wgpa:      the pending write's address.
 * @wdata:     the pending write's value.
 * @count:     string I/O: elements of the exit.
 * @lin0:      string I/O: linear address of the first element.
 * @tlb_n:     string I/O: valid entries of @tlb_lin/@tlb_gpa.
 * @tlb_lin:   linear pages the elements touch...
 * @tlb_gpa:   ...and their guest physical pages.
 */
struct svm_emul {
	bool active;
	bool pending;
	bool mem_first;
	bool dst_ram;
	u8 width;
	u8 wwidth;
	struct x86_insn insn;
	u64 rip;
	u64 next_rip;
	u64 gpa;
	u64 dst_gpa;
	u64 wgpa;
	u64 wdata;
	u64 count;
	u64 lin0;
	unsigned int tlb_n;
	u64 tlb_lin[4];
	u64 tlb_gpa[4];
};

/**
 * struct svm_events - what the injection engine (svm_event.c) keeps of a
 * VCPU between entries.
 * @exc_pending:   AXVCPU_INJECT_EXCEPTION queued @exc_vector for delivery.
 * @exc_has_error: it pushes @exc_error.
 * @exc_vector:    its vector.
 * @exc_error:     its error code.
 * @nmi_masked:    an NMI was delivered and its handler has not returned:
 *                 no other NMI until its IRET has run.
 * @iret_seen:     that IRET was intercepted at @iret_rip: NMIs unmask
 *                 once RIP has left it (the IRET ran).
 * @iret_rip:      RIP of the intercepted IRET.
 * @step:          RFLAGS.TF is ours, to exit after one instruction where
 *                 an NMI waits (the IRET, or an instruction in a shadow).
 * @step_iret:     that instruction is an IRET, which loads RFLAGS itself.
 * @step_guest_tf: the guest's own TF while @step is set.
 * @step_shadow:   the step began in an interrupt shadow, at @step_rip: the
 *                 shadow holds while RIP is still there.
 * @step_rip:      RIP where the step began.
 * @self_ipi:      this entry asked for an exit right after its event's
 *                 delivery (a self-IPI): that INTR exit is the kernel's.
 * @virq_armed:    @virq is offered to the guest as a virtual interrupt and
 *                 has not been taken yet (it left the core's bitmap).
 * @virq:          that vector.
 * @virq_offered:  this entry offered it (V_IRQ set): an exit with V_IRQ
 *                 clear means it was taken.
 * @injected:      the EVENTINJ the last entry carried.
 * @at_iret:       the last exit was the IRET intercept, at @at_iret_rip.
 * @at_iret_rip:   RIP of that IRET.
 */
struct svm_events {
	bool exc_pending;
	bool exc_has_error;
	u8 exc_vector;
	u32 exc_error;
	bool nmi_masked;
	bool iret_seen;
	u64 iret_rip;
	bool step;
	bool step_iret;
	bool step_guest_tf;
	bool step_shadow;
	u64 step_rip;
	bool self_ipi;
	bool virq_armed;
	u8 virq;
	bool virq_offered;
	u32 injected;
	bool at_iret;
	u64 at_iret_rip;
};

/* Frames svm_read_mapped() remembers: a fetch touches four (3 tables, code). */
#define SVM_GPA_CACHE		4

/**
 * struct svm_vcpu - the backend's VCPU.
 * @gprs:       guest GPRs but RAX and RSP, which live in the VMCB; the
 *              world switch loads and stores this array (first member: the
 *              assembly addresses it by slot number only).
 * @vmcb:       the VMCB page.
 * @vmcb_pa:    its physical address.
 * @svm_vm:     the VM.
 * @vcpu:       the core's handle.
 * @asid:       ASID on @asid_cpu, valid while @asid_gen is that CPU's.
 * @asid_gen:   generation @asid was handed out in.
 * @asid_cpu:   CPU of @asid, -1 before the first run.
 * @tlb_gen:    &svm_vm.tlb_gen value the ASID's translations reflect.
 * @xcr0:       guest XCR0.
 * @fpu:        guest XSAVE (or FXSAVE) area, 64-byte aligned.
 * @fpu_order:  page order of @fpu.
 * @held:       the VCPU holds the CPU between exits (svm_run() began a
 *              kernel_fpu_begin() section the core ends with @put): the
 *              guest's FPU state is in the registers, the thread cannot be
 *              preempted or migrated, and the host's VMSAVE state may be
 *              kept (@host_saved).
 * @host_saved: while @held, this CPU's host save area holds the thread's
 *              VMSAVE state already.
 * @gpa_cache:  guest frames the nested table maps, by guest frame number,
 *              with their address in the direct map: the frames of the
 *              last fetches (svm_read_mapped()); valid while the VM's
 *              &svm_vm.tlb_gen is @gpa_cache_gen.
 * @gpa_cache_gen: that generation.
 * @gpa_cache_next: the entry the next miss replaces.
 * @apic_base:  guest IA32_APIC_BASE as SET_SREGS left it.
 * @apic_id:    APIC id the filtered host CPUID reports.
 * @cpuid:      CPUID table from SET_CPUID, NULL for filtered host values.
 * @cpuid_nent: entries in @cpuid.
 * @read:       pending read exit.
 * @emul:       state of an instruction emulated across exits.
 * @db:         guest DR0-3 (DR6 and DR7 live in the VMCB).
 * @dr_owned:   the guest touched a debug register since its last exit: DR
 *              intercepts are off and @db is in the hardware while it runs.
 * @tsc_aux:    guest TSC_AUX (what RDTSCP and RDPID return).
 * @spec_ctrl:  guest SPEC_CTRL, in force while the guest runs.
 * @ibpb_pending: the guest wrote PRED_CMD.IBPB; issued before its next VMRUN.
 * @host_vector: the host interrupt of the last INTR exit (EXTERNAL_INTERRUPT).
 * @pkru:       guest PKRU: in the register from the first entry of a hold
 *              to svm_vcpu_put() (@pkru_loaded) while the guest can see it
 *              (CR4.PKE or PKRU in XCR0), read back at each exit
 *              (emulated accesses check protection keys with it).
 * @host_pkru:  the thread's PKRU, taken at svm_vcpu_hold(), back at put.
 * @pkru_loaded: @pkru is in the register instead of @host_pkru.
 * @ev:         interrupt, NMI and exception delivery state.
 */
struct svm_vcpu {
	u64 gprs[SVM_NR_GPRS];
	struct svm_vmcb *vmcb;
	u64 vmcb_pa;
	struct svm_vm *svm_vm;
	struct axvcpu_vcpu *vcpu;
	u32 asid;
	u64 asid_gen;
	int asid_cpu;
	s64 tlb_gen;
	u64 xcr0;
	void *fpu;
	unsigned int fpu_order;
	bool held;
	bool host_saved;
	struct {
		u64 gfn;
		u8 *va;
	} gpa_cache[SVM_GPA_CACHE];
	s64 gpa_cache_gen;
	unsigned int gpa_cache_next;
	u64 apic_base;
	u32 apic_id;
	struct axvcpu_cpuid_entry *cpuid;
	u32 cpuid_nent;
	struct svm_read read;
	struct svm_emul emul;
	u64 db[4];
	bool dr_owned;
	u32 tsc_aux;
	u64 spec_ctrl;
	bool ibpb_pending;
	u8 host_vector;
	u32 pkru;
	u32 host_pkru;
	bool pkru_loaded;
	struct svm_events ev;
};

#define SVM_RFLAGS_TF		(1ULL << 8)
#define SVM_DR6_TRAP_BITS	0xfULL		/* B0-B3 */
#define SVM_DR6_BS		(1ULL << 14)	/* single step */

/* Result of the in-kernel MSR handlers (svm_exit.c, svm_apic.c). */
enum svm_msr_result {
	SVM_MSR_DONE,		/* emulated */
	SVM_MSR_USER,		/* not the kernel's: exit to user space */
	SVM_MSR_FAULT,		/* bad value: #GP */
};

/**
 * svm_exit_set() - pick the exit @run reports, with its union member
 * cleared (pads included) for the caller to fill.
 * @run:    the core's kernel copy of the exit.
 * @reason: AXVCPU_EXIT_*.
 *
 * The only way an exit with a union member is chosen: nothing but the
 * member of @reason is published (axvcpu_exit_size()), and nothing else
 * needs clearing.
 */
static inline void svm_exit_set(struct axvcpu_run *run, u32 reason)
{
	run->exit_reason = reason;
	memset(run->padding, 0, axvcpu_exit_size(reason));
}

/* svm_vmrun.S */
/**
 * svm_vmrun() - the world switch: save host VMLOAD state, load the
 * guest's and its GPRs, VMRUN, store the GPRs and the guest's VMSAVE
 * state, reload the host's. Called with GIF clear and IF set.
 * @gprs:         &svm_vcpu.gprs.
 * @vmcb_pa:      physical address of the guest VMCB.
 * @host_save_pa: physical address of this CPU's host VMSAVE area.
 */
void svm_vmrun(u64 *gprs, u64 vmcb_pa, u64 host_save_pa);

/**
 * struct svm_cpu - per physical CPU state.
 * @hsave:        the VM_HSAVE_PA page VMRUN saves host state into.
 * @host_save:    the page the host's VMSAVE state goes to around VMRUN.
 * @hsave_pa:     physical address of @hsave.
 * @host_save_pa: physical address of @host_save.
 * @next_asid:    next ASID to hand out in @asid_gen.
 * @asid_gen:     ASID generation, only ever increasing.
 * @enabled:      EFER.SVME was set by us on this CPU.
 * @last_vmcb:    VMCB of the last VMRUN here; a different one gets an
 *                IBPB first, so no VCPU steers another's branches.
 * @host_tsc_aux: the host's TSC_AUX on this CPU (its CPU and node
 *                number, for RDTSCP/RDPID), valid with @tsc_aux_known.
 * @tsc_aux_known: @host_tsc_aux was read.
 */
struct svm_cpu {
	struct page *hsave;
	struct page *host_save;
	u64 hsave_pa;
	u64 host_save_pa;
	u32 next_asid;
	u64 asid_gen;
	bool enabled;
	struct svm_vmcb *last_vmcb;
	u32 host_tsc_aux;
	bool tsc_aux_known;
};

DECLARE_PER_CPU(struct svm_cpu, svm_cpu);

/**
 * svm_flush_guest_tlb() - flush the VCPU's guest translations at its next
 * VMRUN (its ASID, or everything where the CPU cannot flush one ASID),
 * unless a wider flush is asked for already.
 * @v: the VCPU.
 */
static inline void svm_flush_guest_tlb(struct svm_vcpu *v)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	if (ctl->tlb_ctl == VMCB_TLB_NOTHING)
		ctl->tlb_ctl = svm_host.flush_by_asid ? VMCB_TLB_FLUSH_ASID :
							VMCB_TLB_FLUSH_ALL;
}

/* svm_vcpu.c */
void *svm_vcpu_create(struct axvcpu_vcpu *vcpu, void *arch_vm);
void svm_vcpu_destroy(void *arch_vcpu);
void svm_vcpu_reset(struct svm_vcpu *v);
int svm_setup(void *arch_vcpu, const struct axvcpu_setup *setup);
u64 svm_get_rip(void *arch_vcpu);
void svm_get_regs(void *arch_vcpu, struct axvcpu_regs *regs);
int svm_set_regs(void *arch_vcpu, const struct axvcpu_regs *regs);
void svm_get_sregs(void *arch_vcpu, struct axvcpu_sregs *sregs);
int svm_set_sregs(void *arch_vcpu, const struct axvcpu_sregs *sregs);
int svm_set_cpuid(void *arch_vcpu, const struct axvcpu_cpuid_entry *entries, u32 nent);
void svm_complete_read(void *arch_vcpu, u32 reason, const struct axvcpu_run *run);
u64 svm_gpr_read(struct svm_vcpu *v, unsigned int reg);
void svm_gpr_write(struct svm_vcpu *v, unsigned int reg, u64 val);
void svm_gpr_write_width(struct svm_vcpu *v, unsigned int reg, u64 val, unsigned int width);
void svm_seg_store(const struct svm_vmcb_seg *d, struct axvcpu_segment *s);
void svm_vcpu_hold(struct svm_vcpu *v);
void svm_vcpu_put(void *arch_vcpu);
void svm_dr_intercept(struct svm_vcpu *v);

/* svm.c */
int svm_read_mapped(struct svm_vcpu *v, u64 gpa, void *buf, unsigned int len);

/* svm_run.c */
void svm_forget_vmcb(struct svm_vmcb *vmcb);
int svm_run(void *arch_vcpu, struct axvcpu_run *run);

/* svm_exit.c */
int svm_handle_exit(struct svm_vcpu *v, struct axvcpu_run *run);
int svm_handle_pending(struct svm_vcpu *v, struct axvcpu_run *run);
void svm_inject_exception(struct svm_vcpu *v, u8 vector, bool has_error, u32 error);
void svm_complete_insn(struct svm_vcpu *v, u64 rip);
void svm_exit_irq_window(struct svm_vcpu *v, struct axvcpu_run *run);

/* svm_event.c */
bool svm_irq_window_open(struct svm_vcpu *v);
void svm_events_enter(struct svm_vcpu *v, bool want_window);
void svm_events_exit(struct svm_vcpu *v);
void svm_event_iret(struct svm_vcpu *v);
bool svm_event_step_trap(struct svm_vcpu *v);
bool svm_event_insn_trap(struct svm_vcpu *v);
u64 svm_guest_rflags(struct svm_vcpu *v);
void svm_set_guest_rflags(struct svm_vcpu *v, u64 rflags);
void svm_events_reset(struct svm_vcpu *v);
u32 svm_halt_wake_mask(void *arch_vcpu);
int svm_queue_exception(void *arch_vcpu, const struct axvcpu_exception *exc);

/* svm_apic.c */
bool svm_apic_msr(u32 msr);
enum svm_msr_result svm_apic_rdmsr(struct svm_vcpu *v, u32 msr, u64 *data);
enum svm_msr_result svm_apic_wrmsr(struct svm_vcpu *v, struct axvcpu_run *run, u32 msr,
				   u64 data);

/* svm_cpuid.c */
void svm_cpuid(struct svm_vcpu *v, u64 next);

/* svm_emul.c */
int svm_emul_mmio(struct svm_vcpu *v, struct axvcpu_run *run, u64 gpa, u64 err);
bool svm_emul_npf_is_data(u64 err);
int svm_exit_refuse_entry(struct svm_vcpu *v, struct axvcpu_run *run);
int svm_insn_next_rip(struct svm_vcpu *v, struct axvcpu_run *run, unsigned int op,
		      struct x86_insn *insn, u64 *next);
void svm_emul_complete_mmio(struct svm_vcpu *v, u64 val);
bool svm_emul_pending(struct svm_vcpu *v);
void svm_emul_resume(struct svm_vcpu *v, struct axvcpu_run *run);

/* svm_strio.c */
int svm_emul_string_io(struct svm_vcpu *v, struct axvcpu_run *run);
void svm_emul_complete_ins(struct svm_vcpu *v);

#endif /* _AXVCPU_X86_SVM_H */
