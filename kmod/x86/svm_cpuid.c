// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for SVM guests: the table SET_CPUID gave, or the host's values
 * filtered to what this backend virtualizes. References are to the AMD64
 * APM vol. 3, appendix E, and the Intel SDM vol. 2A, CPUID.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <asm/page.h>
#include <asm/fpu/types.h>
#include <asm/processor.h>

#include "svm.h"

#define SVM_CR4_PKE		(1ULL << 22)

/*
 * Bytes an XSAVE with @xcr0 writes (CPUID 0xD.0 EBX): the legacy area and
 * header, then up to the end of the highest enabled component.
 */
static u32 svm_xsave_size(u64 xcr0)
{
	u32 size = 576, eax, ebx, ecx, edx;
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, ebx + eax);
	}
	return size;
}

/*
 * Host CPUID as a guest of this backend should see it: no SVM (no nested
 * virtualization), the hypervisor bit, no hypervisor leaves, OSXSAVE and
 * OSPKE following the guest's CR4, and nothing advertised that the
 * intercepts turn into #UD (MONITOR/MWAIT, MONITORX, RDPRU) or that the
 * backend does not manage (XSAVES supervisor state, SEV).
 *
 * The APIC id is &svm_vcpu.apic_id (leaf 1 EBX[31:24], the x2APIC id of
 * leaves 0xB/0x1F, the extended APIC id of leaf 0x8000001E), the VCPU id
 * the x2APIC ID register reports too; leaf 1 offers the x2APIC, whose
 * MSRs svm_apic.c answers.
 *
 * Speculation controls are offered only where the kernel honours their
 * MSR (svm_msr_read()/svm_msr_write()): SPEC_CTRL bits in
 * &svm_host.spec_ctrl_mask, PRED_CMD's IBPB with &svm_host.ibpb,
 * EFER.AUTOIBRS where the guest's EFER accepts it. VIRT_SPEC_CTRL,
 * ARCH_CAPABILITIES, FLUSH_CMD and SBPB are never offered. Nor are the
 * performance counter extensions: RDPMC raises #GP, and the counter
 * MSRs belong to user space.
 */
static void svm_cpuid_host(struct svm_vcpu *v, u32 fn, u32 idx, u32 *a, u32 *b,
			   u32 *c, u32 *d)
{
	struct svm_vmcb_save *save = &v->vmcb->save;
	u32 max = cpuid_eax(fn & 0x80000000);

	*a = *b = *c = *d = 0;
	/* Beyond the highest leaf, and the hypervisor range: zeros. */
	if (fn > max || (fn >= 0x40000000 && fn < 0x80000000))
		return;
	cpuid_count(fn, idx, a, b, c, d);

	switch (fn) {
	case 1:
		*b = (*b & 0x00ffffff) | (v->apic_id << 24);	/* initial APIC id */
		*c &= ~(BIT(3) | BIT(5) | BIT(27));	/* MONITOR, VMX, OSXSAVE */
		*c |= BIT(21);				/* x2APIC: svm_apic.c */
		if (!svm_host.xsave)
			*c &= ~BIT(26);			/* XSAVE */
		if (save->cr4 & X86_CR4_OSXSAVE)
			*c |= BIT(27);
		*c |= BIT(31);				/* hypervisor */
		break;
	case 7:
		if (idx == 0) {
			*c &= ~(BIT(4) | BIT(5));	/* OSPKE, WAITPKG */
			if (!(svm_host.limits.cr4_mask & SVM_CR4_PKE))
				*c &= ~BIT(3);		/* PKU */
			if (save->cr4 & SVM_CR4_PKE)
				*c |= BIT(4);
			/* FLUSH_L1D, ARCH_CAPABILITIES, CORE_CAPABILITIES */
			*d &= ~(BIT(28) | BIT(29) | BIT(30));
			if (!(svm_host.spec_ctrl_mask & SPEC_CTRL_IBRS) || !svm_host.ibpb)
				*d &= ~BIT(26);		/* IBRS + IBPB */
			if (!(svm_host.spec_ctrl_mask & SPEC_CTRL_STIBP))
				*d &= ~BIT(27);
			if (!(svm_host.spec_ctrl_mask & SPEC_CTRL_SSBD))
				*d &= ~BIT(31);
		} else if (idx == 2) {
			*d = 0;		/* further SPEC_CTRL bits */
		}
		break;
	case 0xa:					/* architectural PMU */
		*a = *b = *c = *d = 0;
		break;
	case 0xb:
	case 0x1f:
		*d = v->apic_id;			/* x2APIC id */
		break;
	case 0xd:
		if (!svm_host.xsave) {
			*a = *b = *c = *d = 0;
		} else if (idx == 0) {
			*a &= (u32)svm_host.host_xcr0;
			*d &= (u32)(svm_host.host_xcr0 >> 32);
			*b = svm_xsave_size(v->xcr0);
		} else if (idx == 1) {
			*a &= ~BIT(3);			/* XSAVES/XRSTORS */
			*b = *c = *d = 0;
		} else if (idx >= 64 || !(svm_host.host_xcr0 & BIT_ULL(idx))) {
			*a = *b = *c = *d = 0;
		}
		break;
	case 0x80000001:
		*c &= ~(BIT(2) | BIT(29));		/* SVM, MONITORX */
		*c &= ~(BIT(23) | BIT(24) | BIT(28));	/* PerfCtrExt{Core,NB,LLC} */
		break;
	case 0x80000008:
		*b &= ~BIT(4);				/* RDPRU */
		if (!svm_host.ibpb)
			*b &= ~BIT(12);			/* IBPB */
		if (!(svm_host.spec_ctrl_mask & SPEC_CTRL_IBRS))
			*b &= ~(BIT(14) | BIT(16) | BIT(18) | BIT(19));
		if (!(svm_host.spec_ctrl_mask & SPEC_CTRL_STIBP))
			*b &= ~(BIT(15) | BIT(17));
		if (!(svm_host.spec_ctrl_mask & SPEC_CTRL_SSBD))
			*b &= ~BIT(24);			/* SSBD */
		*b &= ~(BIT(25) | BIT(28));		/* VIRT_SSBD, PSFD */
		break;
	case 0x80000021:
		if (!(svm_host.limits.efer_mask & EFER_AUTOIBRS))
			*a &= ~BIT(8);			/* AutoIBRS */
		*a &= ~BIT(27);				/* SBPB */
		break;
	case 0x80000022:				/* PerfMonV2 */
		*a = *b = *c = *d = 0;
		break;
	case 0x8000001e:
		*a = v->apic_id;			/* extended APIC id */
		break;
	case 0x8000000a:				/* SVM features */
	case 0x8000001f:				/* SEV */
		*a = *b = *c = *d = 0;
		break;
	}
}

/*
 * The bits of a VMM's table that follow the guest at run time, as the
 * CPU's own answers do (and KVM's tables): OSXSAVE mirrors CR4.OSXSAVE
 * where the table offers XSAVE, OSPKE mirrors CR4.PKE where it offers
 * PKU, and leaf 0xD.0 EBX is the XSAVE size of the guest's XCR0.
 */
static void svm_cpuid_runtime(struct svm_vcpu *v, u32 fn, u32 idx, u32 *b, u32 *c)
{
	u64 cr4 = v->vmcb->save.cr4;

	if (fn == 1 && (*c & BIT(26))) {
		*c &= ~BIT(27);
		if (cr4 & X86_CR4_OSXSAVE)
			*c |= BIT(27);
	} else if (fn == 7 && idx == 0 && (*c & BIT(3))) {
		*c &= ~BIT(4);
		if (cr4 & SVM_CR4_PKE)
			*c |= BIT(4);
	} else if (fn == 0xd && idx == 0 && svm_host.xsave) {
		*b = svm_xsave_size(v->xcr0);
	}
}

/**
 * svm_cpuid() - answer an intercepted CPUID from the VCPU's table (exact
 * matches only, zeros otherwise; the run-time bits of svm_cpuid_runtime()
 * follow the guest) or, without one, from the filtered host values; then
 * move past the instruction.
 * @v:    the VCPU.
 * @next: RIP of the next instruction.
 */
void svm_cpuid(struct svm_vcpu *v, u64 next)
{
	u32 fn = svm_gpr_read(v, SVM_RAX), idx = svm_gpr_read(v, SVM_RCX);
	u32 a = 0, b = 0, c = 0, d = 0;
	u32 i;

	if (v->cpuid) {
		/* Exact match only; anything else reads as zeros. */
		for (i = 0; i < v->cpuid_nent; i++) {
			const struct axvcpu_cpuid_entry *e = &v->cpuid[i];

			if (e->function != fn)
				continue;
			if ((e->flags & AXVCPU_CPUID_FLAG_INDEX) && e->index != idx)
				continue;
			a = e->eax;
			b = e->ebx;
			c = e->ecx;
			d = e->edx;
			svm_cpuid_runtime(v, fn, idx, &b, &c);
			break;
		}
	} else {
		svm_cpuid_host(v, fn, idx, &a, &b, &c, &d);
	}
	svm_gpr_write(v, SVM_RAX, a);
	svm_gpr_write(v, SVM_RBX, b);
	svm_gpr_write(v, SVM_RCX, c);
	svm_gpr_write(v, SVM_RDX, d);
	svm_complete_insn(v, next);
}
