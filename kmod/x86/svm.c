// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SVM backend: probing, per-CPU enable, the VM's nested page table
 * and TLB, and the ops table. The run path around the world switch (ASIDs
 * included) is in svm_run.c, VMCB and register handling in svm_vcpu.c, exit decoding in svm_exit.c (CPUID
 * in svm_cpuid.c, instruction emulation in svm_emul.c and svm_strio.c), the
 * switch itself in svm_vmrun.S. References are to the AMD64 APM vol. 2.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/cc_platform.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/special_insns.h>

#include "svm.h"

/* CPUID bits probe looks at (APM vol. 3, appendix E). */
#define CPUID_SVM_ECX_SVM	BIT(2)		/* 0x80000001 ECX */
#define CPUID_SVM_EDX_NPT	BIT(0)		/* 0x8000000A EDX */
#define CPUID_SVM_EDX_LBRV	BIT(1)
#define CPUID_SVM_EDX_NRIPS	BIT(3)
#define CPUID_SVM_EDX_CLEAN	BIT(5)
#define CPUID_SVM_EDX_FLUSHASID	BIT(6)
#define CPUID_SVM_EDX_DECODE	BIT(7)
#define CPUID_SVM_EDX_VGIF	BIT(16)

/* VM_CR (APM 15.30.1): SVMDIS set by firmware forbids EFER.SVME. */
#define VM_CR_SVMDIS		BIT_ULL(4)

/*
 * MSRs a guest reads and writes without an exit. Only state VMSAVE and
 * VMLOAD switch around every VMRUN qualifies: while the guest runs the
 * hardware registers hold the guest's own values and the host's are
 * restored from the host save area before anything in the host uses
 * them. Everything else exits: SPEC_CTRL and TSC_AUX are kept per VCPU
 * and loaded only with GIF clear around VMRUN (svm_world_switch()),
 * PRED_CMD is honoured in the kernel, the APIC, PMU, debug and all other
 * MSRs go to user space. So no guest MSR value is in force while host
 * code runs. What a guest does leave behind in the hardware is listed
 * in Documentation/design.rst ("Isolation"): its DR0-3 (inert: host DR7
 * is disabled or reloaded), and micro-architectural state (caches, TLB
 * entries under its ASID, branch predictors, for which the IBPB on a
 * VMCB change and the exit sequences of svm_vmrun.S are the remedy).
 */
static const u32 svm_msr_passthrough[] = {
	0xc0000100,	/* FS_BASE */
	0xc0000101,	/* GS_BASE */
	0xc0000102,	/* KERNEL_GS_BASE */
};


DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

struct svm_host svm_host;

static struct page *svm_iopm;
static struct page *svm_msrpm;

/* ---- Probe ------------------------------------------------------------ */

static void svm_free_cpu_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpu, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_save)
			__free_page(sd->host_save);
		sd->hsave = NULL;
		sd->host_save = NULL;
	}
}

static int svm_alloc_cpu_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpu, cpu);
		int node = cpu_to_node(cpu);

		sd->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sd->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sd->hsave || !sd->host_save) {
			svm_free_cpu_pages();
			return -ENOMEM;
		}
		sd->hsave_pa = page_to_phys(sd->hsave);
		sd->host_save_pa = page_to_phys(sd->host_save);
	}
	return 0;
}

/* Clear both intercept bits of @msr in the MSR permission map (APM 15.11). */
static void svm_msrpm_allow(u8 *msrpm, u32 msr)
{
	static const struct {
		u32 first;
		u32 offset;
	} ranges[] = {
		{ 0x00000000, 0x0000 },
		{ 0xc0000000, 0x0800 },
		{ 0xc0010000, 0x1000 },
	};
	unsigned int i, bit;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		if (msr - ranges[i].first >= 0x2000)
			continue;
		bit = (msr - ranges[i].first) * 2;
		msrpm[ranges[i].offset + bit / 8] &= ~(3U << (bit % 8));
		return;
	}
}

static int svm_alloc_permission_maps(void)
{
	unsigned int i;

	svm_iopm = alloc_pages(GFP_KERNEL, get_order(VMCB_IOPM_SIZE));
	svm_msrpm = alloc_pages(GFP_KERNEL, get_order(VMCB_MSRPM_SIZE));
	if (!svm_iopm || !svm_msrpm) {
		if (svm_iopm)
			__free_pages(svm_iopm, get_order(VMCB_IOPM_SIZE));
		if (svm_msrpm)
			__free_pages(svm_msrpm, get_order(VMCB_MSRPM_SIZE));
		svm_iopm = NULL;
		svm_msrpm = NULL;
		return -ENOMEM;
	}
	/* Every port and every MSR exits, but the list above. */
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << get_order(VMCB_IOPM_SIZE));
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << get_order(VMCB_MSRPM_SIZE));
	for (i = 0; i < ARRAY_SIZE(svm_msr_passthrough); i++)
		svm_msrpm_allow(page_address(svm_msrpm), svm_msr_passthrough[i]);
	svm_host.iopm_pa = page_to_phys(svm_iopm);
	svm_host.msrpm_pa = page_to_phys(svm_msrpm);
	return 0;
}

static void svm_free_permission_maps(void)
{
	__free_pages(svm_iopm, get_order(VMCB_IOPM_SIZE));
	__free_pages(svm_msrpm, get_order(VMCB_MSRPM_SIZE));
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

/*
 * CR4 bits the hardware accepts in a guest, from CPUID; never VMXE/SMXE.
 * PCE stays, as on the host: the RDPMC intercept makes it grant nothing
 * (RDPMC raises #GP at any CPL).
 */
static u64 svm_guest_cr4_mask(void)
{
	u32 ecx1 = cpuid_ecx(1), ebx7 = 0, ecx7 = 0, eax, edx;
	u64 mask;

	/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT */
	mask = GENMASK_ULL(10, 0);
	if (cpuid_eax(0) >= 7)
		cpuid_count(7, 0, &eax, &ebx7, &ecx7, &edx);
	if (ecx7 & BIT(2))
		mask |= BIT_ULL(11);		/* UMIP */
	if (ecx7 & BIT(16))
		mask |= X86_CR4_LA57;
	if (ebx7 & BIT(0))
		mask |= BIT_ULL(16);		/* FSGSBASE */
	if (ecx1 & BIT(17))
		mask |= BIT_ULL(17);		/* PCIDE */
	if ((ecx1 & BIT(26)) && svm_host.xsave)
		mask |= X86_CR4_OSXSAVE;
	if (ebx7 & BIT(7))
		mask |= BIT_ULL(20);		/* SMEP */
	if (ebx7 & BIT(20))
		mask |= BIT_ULL(21);		/* SMAP */
	/*
	 * PKE only where the host has enabled it and PKRU is XSAVE-managed:
	 * then the guest's PKRU (&svm_vcpu.pkru) is loaded while the VCPU is
	 * held and RDPKRU reads it back for emulation after each exit.
	 */
	if ((ecx7 & BIT(3)) && cpu_feature_enabled(X86_FEATURE_OSPKE) &&
	    (svm_host.host_xcr0 & XFEATURE_MASK_PKRU))
		mask |= BIT_ULL(22);		/* PKE */
	return mask;
}

static void svm_probe_fpu(void)
{
	u32 eax, ebx, ecx, edx;

	svm_host.xsave = boot_cpu_has(X86_FEATURE_XSAVE) &&
			 cpu_feature_enabled(X86_FEATURE_OSXSAVE);
	if (!svm_host.xsave) {
		svm_host.fpu_size = 512;	/* FXSAVE image */
		return;
	}
	svm_host.host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	/* EBX: bytes XSAVE writes for the features enabled in XCR0 now. */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	svm_host.fpu_size = max_t(u32, ebx, 576);
}

/*
 * Which speculation controls a guest gets (svm_cpuid_host() offers only
 * these, svm_msr_write() honours them): the SPEC_CTRL bits the host
 * kernel itself drives the MSR with, IBPB where the CPU has it, and
 * TSC_AUX where RDTSCP or RDPID read it.
 */
static void svm_probe_speculation(void)
{
	u64 mask = 0;

	if (boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL)) {
		if (boot_cpu_has(X86_FEATURE_IBRS))
			mask |= SPEC_CTRL_IBRS;
		if (boot_cpu_has(X86_FEATURE_STIBP))
			mask |= SPEC_CTRL_STIBP;
		if (boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
			mask |= SPEC_CTRL_SSBD;
	}
	svm_host.spec_ctrl_mask = mask;
	svm_host.v_spec_ctrl = boot_cpu_has(X86_FEATURE_V_SPEC_CTRL);
	svm_host.ibpb = boot_cpu_has(X86_FEATURE_IBPB);
	svm_host.tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) ||
			   boot_cpu_has(X86_FEATURE_RDPID);
}

static int svm_probe(struct axvcpu_arch_caps *caps)
{
	u32 eax, ebx, ecx, edx, maxphy, reach;
	u64 vm_cr, efer;
	int ret;

	if (cpuid_eax(0x80000000) < 0x8000000a ||
	    !(cpuid_ecx(0x80000001) & CPUID_SVM_ECX_SVM)) {
		pr_err("CPU has no AMD SVM (CPUID 0x80000001 ECX bit 2); not loading\n");
		return -ENODEV;
	}
	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & CPUID_SVM_EDX_NPT)) {
		pr_err("CPU has SVM but no nested paging (CPUID 0x8000000A EDX bit 0); not loading\n");
		return -ENODEV;
	}
	if (!rdmsrl_safe(MSR_VM_CR, &vm_cr) && (vm_cr & VM_CR_SVMDIS)) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS); not loading\n");
		return -ENODEV;
	}
	if (ebx < 2) {
		pr_err("CPU offers no guest ASID (CPUID 0x8000000A EBX = %u); not loading\n", ebx);
		return -ENODEV;
	}
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("EFER.SVME is already set: another hypervisor (kvm_amd?) owns SVM; not loading\n");
		return -EBUSY;
	}
	/*
	 * With SME (mem_encrypt=on) or as an encrypted guest itself, the
	 * kernel's pages are encrypted and every physical address given to
	 * the hardware (VMCB, save areas, permission maps, nested tables and
	 * their leaves) would need the C-bit, which this backend never sets.
	 */
	if (cc_platform_has(CC_ATTR_MEM_ENCRYPT)) {
		pr_err("host memory encryption (SME, mem_encrypt=on) is active and not supported; not loading\n");
		return -ENODEV;
	}

	memset(&svm_host, 0, sizeof(svm_host));
	svm_host.max_asid = ebx - 1;
	svm_host.nrips = edx & CPUID_SVM_EDX_NRIPS;
	svm_host.flush_by_asid = edx & CPUID_SVM_EDX_FLUSHASID;

	caps->arch = AXVCPU_ARCH_X86_64;
	caps->backend = AXVCPU_BACKEND_SVM;
	strscpy(caps->name, "svm", sizeof(caps->name));
	caps->npt_levels = pgtable_l5_enabled() ? 5 : 4;
	caps->nr_asids = ebx;
	/* 0-31 are exceptions (AXVCPU_INJECT_EXCEPTION), 32-255 interrupts. */
	caps->first_irq_vector = 32;
	caps->hw_features = 0;
	if (edx & CPUID_SVM_EDX_NRIPS)
		caps->hw_features |= AXVCPU_HWF_SVM_NRIPS;
	if (edx & CPUID_SVM_EDX_DECODE)
		caps->hw_features |= AXVCPU_HWF_SVM_DECODE_ASSISTS;
	if (edx & CPUID_SVM_EDX_VGIF)
		caps->hw_features |= AXVCPU_HWF_SVM_VGIF;
	if (edx & CPUID_SVM_EDX_FLUSHASID)
		caps->hw_features |= AXVCPU_HWF_SVM_FLUSH_BY_ASID;
	if (edx & CPUID_SVM_EDX_CLEAN)
		caps->hw_features |= AXVCPU_HWF_SVM_VMCB_CLEAN;
	if (edx & CPUID_SVM_EDX_LBRV)
		caps->hw_features |= AXVCPU_HWF_SVM_LBRV;
	if (caps->npt_levels == 5)
		caps->hw_features |= AXVCPU_HWF_HOST_LA57;

	/* A 4-level table reaches 48 bits of guest physical space, 5 levels 57. */
	eax = cpuid_eax(0x80000008);
	maxphy = eax & 0xff;
	reach = caps->npt_levels == 5 ? 52 : 48;
	caps->gpa_bits = min(maxphy, reach);
	svm_host.vaddr_bits = (eax >> 8) & 0xff;

	svm_probe_fpu();
	svm_host.limits.maxphyaddr = maxphy;
	svm_host.limits.efer_mask = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	if (cpuid_edx(0x80000001) & BIT(25))
		svm_host.limits.efer_mask |= BIT_ULL(14);	/* FFXSR */
	/* VMRUN and #VMEXIT switch EFER: the guest's AutoIBRS is its own. */
	if (boot_cpu_has(X86_FEATURE_AUTOIBRS))
		svm_host.limits.efer_mask |= EFER_AUTOIBRS;
	svm_host.limits.cr4_mask = svm_guest_cr4_mask();
	svm_probe_speculation();

	ret = svm_alloc_permission_maps();
	if (ret)
		return ret;
	ret = svm_alloc_cpu_pages();
	if (ret) {
		svm_free_permission_maps();
		return ret;
	}
	svm_host.caps = *caps;
	return 0;
}

static void svm_exit(void)
{
	svm_free_cpu_pages();
	svm_free_permission_maps();
}

/* ---- Per-CPU enable --------------------------------------------------- */

static int svm_hardware_enable(void)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu);
	u64 efer, vm_cr;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	if (!rdmsrl_safe(MSR_VM_CR, &vm_cr) && (vm_cr & VM_CR_SVMDIS))
		return -ENODEV;

	wrmsrl(MSR_VM_HSAVE_PA, sd->hsave_pa);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/*
	 * Whatever this CPU's TLB holds under guest ASIDs is stale: no VCPU
	 * keeps its ASID (new generation), and the first one handed out
	 * starts yet another with a full flush.
	 */
	sd->asid_gen++;
	sd->next_asid = svm_host.max_asid + 1;
	sd->enabled = true;
	return 0;
}

static void svm_hardware_disable(void)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu);
	u64 efer;

	/* Never clear an EFER.SVME another hypervisor set. */
	if (!sd->enabled)
		return;
	sd->enabled = false;
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
}

/* ---- VMs: nested page table and its TLB ------------------------------- */

static void *svm_vm_create(struct axvcpu_vm *vm)
{
	struct svm_vm *sv;
	int ret = -ENOMEM;

	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return ERR_PTR(-ENOMEM);
	if (!zalloc_cpumask_var(&sv->in_guest, GFP_KERNEL_ACCOUNT))
		goto err_free;
	sv->npt = x86_npt_create(svm_host.caps.npt_levels);
	if (IS_ERR(sv->npt)) {
		ret = PTR_ERR(sv->npt);
		goto err_mask;
	}
	sv->ncr3 = x86_npt_root_pa(sv->npt);
	sv->vm = vm;
	atomic64_set(&sv->tlb_gen, 0);
	return sv;

err_mask:
	free_cpumask_var(sv->in_guest);
err_free:
	kfree(sv);
	return ERR_PTR(ret);
}

static void svm_vm_destroy(void *arch_vm)
{
	struct svm_vm *sv = arch_vm;

	if (IS_ERR_OR_NULL(sv))
		return;
	x86_npt_destroy(sv->npt);
	free_cpumask_var(sv->in_guest);
	kfree(sv);
}

static void svm_kick_noop(void *unused)
{
}

/*
 * Make every translation of @sv older than now unusable. The generation
 * bump makes each VCPU flush its ASID before its next VMRUN; the IPI,
 * waited for, forces the CPUs that are in the guest right now out of it
 * (the physical interrupt exits, INTR is intercepted). Pairs with the
 * barrier between cpumask_set_cpu() and the generation read in svm_run():
 * either we see the CPU in @in_guest, or it sees the new generation.
 */
static void svm_vm_flush(struct svm_vm *sv)
{
	atomic64_inc(&sv->tlb_gen);
	/* Generation store before the @in_guest load; pairs with svm_run(). */
	smp_mb__after_atomic();
	preempt_disable();
	smp_call_function_many(sv->in_guest, svm_kick_noop, NULL, true);
	preempt_enable();
}

static int svm_npt_prepare(void *arch_vm, u64 gpa, bool huge)
{
	struct svm_vm *sv = arch_vm;

	return x86_npt_prepare(sv->npt, gpa, huge);
}

/* Under the VM's MMU spinlock: x86_npt_map() does not allocate here. */
static int svm_npt_map(void *arch_vm, u64 gpa, const u64 *hpa, unsigned int n, u32 prot)
{
	struct svm_vm *sv = arch_vm;
	bool replaced = false;
	int ret;

	/*
	 * Two VCPUs that fault on one frame at once both get here; the
	 * second finds the same frame and x86_npt_map() leaves it. A new
	 * entry needs no flush (a TLB never holds non-present translations);
	 * a replaced one might be cached with the old frame or rights.
	 */
	ret = x86_npt_map(sv->npt, gpa, hpa, n, prot, &replaced);
	if (replaced)
		svm_vm_flush(sv);
	return ret;
}

/* Under the VM's MMU spinlock, as svm_npt_map(). */
static int svm_npt_map_huge(void *arch_vm, u64 gpa, u64 hpa, u32 prot)
{
	struct svm_vm *sv = arch_vm;
	bool replaced = false;
	int ret;

	ret = x86_npt_map_huge(sv->npt, gpa, hpa, prot, &replaced);
	if (replaced)
		svm_vm_flush(sv);
	return ret;
}

/*
 * Under the VM's MMU spinlock, maybe in a non-blockable MMU notifier:
 * the unmap neither allocates nor frees, and the flush's IPIs are sent
 * with preemption off and interrupts on, and wait without sleeping.
 */
static void svm_npt_zap(void *arch_vm, u64 gpa, u64 size)
{
	struct svm_vm *sv = arch_vm;

	if (x86_npt_unmap(sv->npt, gpa, size))
		svm_vm_flush(sv);
}

/* Under the VM's MMU spinlock: a walk of the table, nothing else. */
static bool svm_npt_lookup(void *arch_vm, u64 gpa, u64 *hpa)
{
	struct svm_vm *sv = arch_vm;

	return x86_npt_lookup(sv->npt, gpa, hpa);
}

/**
 * svm_read_mapped() - read guest memory the nested table maps, through the
 * direct map, for a caller that may not sleep.
 * @v:   the VCPU.
 * @gpa: first guest physical address.
 * @buf: destination.
 * @len: bytes.
 *
 * Called between axvcpu_vm_mmu_lock() and axvcpu_vm_mmu_unlock(), which
 * keep every mapped frame the owner's. The frames found are remembered in
 * the VCPU: a zap or a replaced mapping bumps &svm_vm.tlb_gen (under that
 * lock), which forgets them all, so a remembered frame is mapped still and
 * the next fetch at the same place walks no nested table.
 *
 * Return: 0, or -EWOULDBLOCK when part of the range is not mapped.
 */
int svm_read_mapped(struct svm_vcpu *v, u64 gpa, void *buf, unsigned int len)
{
	s64 gen = atomic64_read(&v->svm_vm->tlb_gen);
	unsigned int i, chunk;
	u8 *src;
	u64 hpa;

	if (v->gpa_cache_gen != gen) {
		for (i = 0; i < SVM_GPA_CACHE; i++)
			v->gpa_cache[i].va = NULL;
		v->gpa_cache_gen = gen;
	}
	while (len) {
		u64 gfn = gpa >> PAGE_SHIFT;

		for (i = 0; i < SVM_GPA_CACHE; i++)
			if (v->gpa_cache[i].va && v->gpa_cache[i].gfn == gfn)
				break;
		if (i == SVM_GPA_CACHE) {
			if (!x86_npt_lookup(v->svm_vm->npt, gpa & PAGE_MASK, &hpa))
				return -EWOULDBLOCK;
			i = v->gpa_cache_next++ % SVM_GPA_CACHE;
			v->gpa_cache[i].gfn = gfn;
			v->gpa_cache[i].va = __va(hpa);
		}
		chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		src = v->gpa_cache[i].va + offset_in_page(gpa);
		axvcpu_copy_frame(buf, src, chunk);
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/* The backend, listed in backends.c. */
const struct axvcpu_arch_ops svm_arch_ops = {
	.probe			= svm_probe,
	.exit			= svm_exit,
	.hardware_enable	= svm_hardware_enable,
	.hardware_disable	= svm_hardware_disable,
	.vm_create		= svm_vm_create,
	.vm_destroy		= svm_vm_destroy,
	.npt_prepare		= svm_npt_prepare,
	.npt_map		= svm_npt_map,
	.npt_map_huge		= svm_npt_map_huge,
	.npt_zap		= svm_npt_zap,
	.npt_lookup		= svm_npt_lookup,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_destroy		= svm_vcpu_destroy,
	.setup			= svm_setup,
	.put			= svm_vcpu_put,
	.run			= svm_run,
	.complete_read		= svm_complete_read,
	.get_rip		= svm_get_rip,
	.get_regs		= svm_get_regs,
	.set_regs		= svm_set_regs,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.set_cpuid		= svm_set_cpuid,
	.halt_wake_mask		= svm_halt_wake_mask,
	.inject_exception	= svm_queue_exception,
};
