// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's x2APIC, as far as the kernel models it: the ID register
 * answers with the VCPU id, and writes of the interrupt command register
 * (ICR) become the SMP exits: SEND_IPI for fixed interrupts, CPU_UP for
 * an INIT followed by a STARTUP. Everything else in the x2APIC MSR range
 * (0x800-0x8ff) goes to user space as SYSREG_READ / SYSREG_WRITE exits.
 *
 * The x2APIC MSRs answer whatever IA32_APIC_BASE says (that MSR belongs
 * to user space, see Documentation/api.rst "Multi-VCPU guests"): the
 * kernel keeps no APIC mode, only the INIT state of each destination, so
 * that STARTUP behaves as on an APIC waiting for SIPI.
 *
 * Register layout: Intel SDM vol. 3A, 10.12 (x2APIC) and 10.6.1 (ICR);
 * AMD APM vol. 2, 16.11.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/kernel.h>

#include "svm.h"

#define SVM_X2APIC_FIRST	0x800
#define SVM_X2APIC_LAST		0x8ff
#define SVM_X2APIC_ID		0x802
#define SVM_X2APIC_ICR		0x830

/* ICR fields (64 bits in x2APIC mode: the destination is bits 63:32). */
#define SVM_ICR_VECTOR		GENMASK_ULL(7, 0)
#define SVM_ICR_DM_SHIFT	8
#define SVM_ICR_DM_MASK		7
#define SVM_ICR_DM_FIXED	0
#define SVM_ICR_DM_INIT		5
#define SVM_ICR_DM_STARTUP	6
#define SVM_ICR_DEST_LOGICAL	BIT_ULL(11)
#define SVM_ICR_LEVEL_ASSERT	BIT_ULL(14)
#define SVM_ICR_SH_SHIFT	18
#define SVM_ICR_SH_MASK		3
#define SVM_ICR_SH_NONE		0
#define SVM_ICR_SH_SELF		1
#define SVM_ICR_SH_ALL		2
#define SVM_ICR_SH_OTHERS	3
#define SVM_ICR_DEST_SHIFT	32
/*
 * Reserved in x2APIC mode; a WRMSR setting one raises #GP. Bit 12, the
 * xAPIC's delivery status, is read-only there and ignored, as on the
 * CPUs that tolerate writing back a value read from the ICR.
 */
#define SVM_ICR_RESERVED	(BIT_ULL(13) | GENMASK_ULL(17, 16) | GENMASK_ULL(31, 20))

/**
 * svm_apic_msr() - whether @msr is in the x2APIC range.
 * @msr: MSR index.
 *
 * Return: true for 0x800 .. 0x8ff.
 */
bool svm_apic_msr(u32 msr)
{
	return msr >= SVM_X2APIC_FIRST && msr <= SVM_X2APIC_LAST;
}

/**
 * svm_apic_rdmsr() - RDMSR of an x2APIC register.
 * @v:    the VCPU.
 * @msr:  MSR index, svm_apic_msr() true.
 * @data: out: the value, for SVM_MSR_DONE.
 *
 * Return: SVM_MSR_DONE for the ID register (the VCPU id, as CPUID
 * reports it), SVM_MSR_USER for every other register.
 */
enum svm_msr_result svm_apic_rdmsr(struct svm_vcpu *v, u32 msr, u64 *data)
{
	if (msr != SVM_X2APIC_ID)
		return SVM_MSR_USER;
	*data = v->apic_id;
	return SVM_MSR_DONE;
}

/*
 * INIT and STARTUP to one physical destination. INIT (level assert)
 * makes @dest wait for a STARTUP; the de-assert form, which Linux still
 * sends after it, changes nothing. A STARTUP to a destination waiting
 * for one is CPU_UP, and ends the wait, so the second STARTUP of the
 * usual INIT-SIPI-SIPI sequence is ignored, as the started CPU's APIC
 * ignores it; a STARTUP to a destination that got no INIT is ignored
 * too. A destination beyond &svm_vm.sipi_wait can never be a VCPU id:
 * INIT to it is ignored as well.
 */
static void svm_apic_init_sipi(struct svm_vcpu *v, struct axvcpu_run *run, u64 icr,
			       unsigned int mode, u32 dest)
{
	struct svm_vm *sv = v->svm_vm;

	if (dest >= SVM_APIC_IDS)
		return;
	if (mode == SVM_ICR_DM_INIT) {
		if (icr & SVM_ICR_LEVEL_ASSERT)
			set_bit(dest, sv->sipi_wait);
		return;
	}
	if (!test_and_clear_bit(dest, sv->sipi_wait))
		return;
	svm_exit_set(run, AXVCPU_EXIT_CPU_UP);
	run->cpu_up.target = dest;
	run->cpu_up.entry = (icr & SVM_ICR_VECTOR) << 12;
	run->cpu_up.arg = v->apic_id;
}

/* Whether the x2APIC logical destination @dest names APIC id @id. */
static bool svm_apic_logical_match(u32 dest, u32 id)
{
	/*
	 * In x2APIC mode the logical id follows from the APIC id: cluster
	 * id >> 4 in bits 31:16, bit id & 15 of the 16-bit mask below.
	 */
	return (dest >> 16) == (id >> 4) && (dest & BIT(id & 15));
}

/*
 * A fixed IPI delivered by the kernel (AXVCPU_VM_IPI_IN_KERNEL): made
 * pending on each target as AXVCPU_INJECT_INTERRUPT would. The shorthands
 * and the broadcast destination try every VCPU id the VM has had (a gap
 * or a closed VCPU is skipped); a physical destination names one VCPU; a
 * logical one every VCPU whose derived logical id it matches. What
 * reaches no VCPU (no such id, a VCPU not set up yet) and a vector the
 * kernel does not inject (below 32) are dropped, as an APIC drops an IPI
 * nobody accepts: the sender sees no exit either way.
 */
static void svm_apic_deliver(struct svm_vcpu *v, u64 icr, unsigned int shorthand, u32 dest)
{
	struct axvcpu_vm *vm = axvcpu_vcpu_vm(v->vcpu);
	unsigned int vector = icr & SVM_ICR_VECTOR;
	u32 self = v->apic_id, nr = atomic_read(&v->svm_vm->nr_ids), id;
	bool logical = icr & SVM_ICR_DEST_LOGICAL;

	switch (shorthand) {
	case SVM_ICR_SH_SELF:
		axvcpu_vm_inject_interrupt(vm, self, vector);
		return;
	case SVM_ICR_SH_NONE:
		if (dest == U32_MAX)
			break;		/* broadcast: all including self */
		if (!logical) {
			axvcpu_vm_inject_interrupt(vm, dest, vector);
			return;
		}
		for (id = 0; id < nr; id++)
			if (svm_apic_logical_match(dest, id))
				axvcpu_vm_inject_interrupt(vm, id, vector);
		return;
	}
	for (id = 0; id < nr; id++)
		if (id != self || shorthand != SVM_ICR_SH_OTHERS)
			axvcpu_vm_inject_interrupt(vm, id, vector);
}

/**
 * svm_apic_wrmsr() - WRMSR of an x2APIC register.
 * @v:    the VCPU.
 * @run:  the exit to fill (exit_reason is NOTHING on entry).
 * @msr:  MSR index, svm_apic_msr() true.
 * @data: EDX:EAX.
 *
 * ICR writes: a fixed interrupt exits SEND_IPI, or is delivered here in
 * a VM created with AXVCPU_VM_IPI_IN_KERNEL; INIT and STARTUP to a
 * physical destination become CPU_UP as svm_apic_init_sipi() says (or
 * nothing). Every other ICR write (lowest priority, SMI, NMI, the
 * reserved delivery modes, INIT and STARTUP through a shorthand or a
 * logical or broadcast destination) is left to user space, as is every
 * other register but the read-only ID.
 *
 * Return: SVM_MSR_DONE when handled here (@run may hold SEND_IPI or
 * CPU_UP), SVM_MSR_USER for a SYSREG_WRITE exit, SVM_MSR_FAULT for #GP
 * (a write of the ID register, reserved ICR bits).
 */
enum svm_msr_result svm_apic_wrmsr(struct svm_vcpu *v, struct axvcpu_run *run, u32 msr,
				   u64 data)
{
	unsigned int mode, shorthand;
	u32 dest;

	if (msr == SVM_X2APIC_ID)
		return SVM_MSR_FAULT;
	if (msr != SVM_X2APIC_ICR)
		return SVM_MSR_USER;
	if (data & SVM_ICR_RESERVED)
		return SVM_MSR_FAULT;

	mode = (data >> SVM_ICR_DM_SHIFT) & SVM_ICR_DM_MASK;
	shorthand = (data >> SVM_ICR_SH_SHIFT) & SVM_ICR_SH_MASK;
	dest = data >> SVM_ICR_DEST_SHIFT;

	switch (mode) {
	case SVM_ICR_DM_FIXED:
		if (axvcpu_vm_ipi_in_kernel(axvcpu_vcpu_vm(v->vcpu))) {
			svm_apic_deliver(v, data, shorthand, dest);
			return SVM_MSR_DONE;
		}
		svm_exit_set(run, AXVCPU_EXIT_SEND_IPI);
		run->send_ipi.target_cpu = dest;
		run->send_ipi.target_aux = (u32)data;
		run->send_ipi.to_all = shorthand == SVM_ICR_SH_ALL ||
				       shorthand == SVM_ICR_SH_OTHERS;
		run->send_ipi.to_self = shorthand == SVM_ICR_SH_ALL ||
					shorthand == SVM_ICR_SH_SELF;
		run->send_ipi.vector = data & SVM_ICR_VECTOR;
		return SVM_MSR_DONE;
	case SVM_ICR_DM_INIT:
	case SVM_ICR_DM_STARTUP:
		if (shorthand != SVM_ICR_SH_NONE || (data & SVM_ICR_DEST_LOGICAL) ||
		    dest == U32_MAX)
			return SVM_MSR_USER;
		svm_apic_init_sipi(v, run, data, mode, dest);
		return SVM_MSR_DONE;
	default:
		return SVM_MSR_USER;
	}
}
