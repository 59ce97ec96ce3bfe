// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu_floor: the benchmark's floor (Documentation/performance.rst). A
 * misc device, /dev/axvcpu-floor, whose one ioctl runs a guest loop with
 * nothing around VMRUN but what the hardware requires: EFER.SVME and
 * VM_HSAVE_PA set for the run, a VMCB, a nested page table of the host's
 * depth over a few pages, VMSAVE/VMLOAD of the host's state, the guest's
 * GPRs, RIP advanced by the known length of CPUID. Every figure of the
 * benchmark can so be given as a multiple of the bare world switch in the
 * same boot. Never loaded by users: make bench and its selftest load it.
 *
 * It owns SVM only for the ioctl: SVM is switched on on every online CPU
 * at its start and off at its end (with CPU hotplug held off), and the
 * ioctl fails with -EBUSY when another hypervisor has it on (axvcpu or
 * kvm_amd while they have VMs). The loop runs on whatever CPU the thread
 * is on, preemptible and with interrupts on between two entries: a
 * physical interrupt exits the guest (INTR intercept) and is taken by the
 * host right after, a migration only changes the host save page and
 * flushes the TLB at the next entry.
 */
#define pr_fmt(fmt) "axvcpu_floor: " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

#include "vmcb.h"
#include "axvcpu_floor.h"

/* CPUID: SVM (0x80000001 ECX bit 2) and nested paging (0x8000000A EDX bit 0). */
#define FLOOR_CPUID_SVM		BIT(2)
#define FLOOR_CPUID_NPT		BIT(0)

#define FLOOR_RAM_PAGES		16
#define FLOOR_NPT_LEVELS_MAX	5
/* Nested page table entries: present, writable, user (APM 15.25.5). */
#define FLOOR_NPT_PRESENT	0x7ULL

/* The state VMRUN wants: 32-bit flat code and data, paging off (APM B-2). */
#define FLOOR_ATTR_CODE		0xc9b	/* G, D/B, P, S, code read/exec accessed */
#define FLOOR_ATTR_DATA		0xc93	/* G, D/B, P, S, data read/write accessed */
#define FLOOR_ATTR_TSS		0x08b	/* P, busy 32-bit TSS */
#define FLOOR_ATTR_LDT		0x082	/* P, LDT */
#define FLOOR_CR0		(X86_CR0_PE | X86_CR0_ET | X86_CR0_NE)
#define FLOOR_PAT		0x0007040600070406ULL
#define FLOOR_DR6		0xffff0ff0ULL	/* reset values */
#define FLOOR_DR7		0x400ULL
#define FLOOR_CPUID_LEN		2	/* 0f a2: no NRIP save is assumed */

/**
 * struct floor_cpu - a CPU's pages for the run.
 * @save:    two pages: VM_HSAVE_PA, where VMRUN saves host state, then the
 *           one VMSAVE puts the host's FS/GS/TR/LDTR/syscall MSRs in.
 * @enabled: this module set EFER.SVME here.
 */
struct floor_cpu {
	struct page *save;
	bool enabled;
};

static DEFINE_PER_CPU(struct floor_cpu, floor_cpu);
/* One run at a time: the per-CPU state is global. */
static DEFINE_MUTEX(floor_lock);

/**
 * struct floor_guest - what one run allocates.
 * @vmcb:   the VMCB page.
 * @iopm:   I/O permission map, every port intercepted (3 pages of 4).
 * @msrpm:  MSR permission map, every MSR intercepted (2 pages).
 * @npt:    the nested page table, root first, one page per level.
 * @levels: its depth: the host's (4, or 5 with LA57).
 * @ram:    guest RAM, page by page from GPA 0.
 * @gprs:   guest GPRs in x86 encoding order (RAX and RSP are in the VMCB).
 */
struct floor_guest {
	struct page *vmcb;
	struct page *iopm;
	struct page *msrpm;
	struct page *npt[FLOOR_NPT_LEVELS_MAX];
	int levels;
	struct page *ram[FLOOR_RAM_PAGES];
	u64 gprs[16];
};

asmlinkage void floor_vmrun(u64 *gprs, u64 vmcb_pa, u64 host_save_pa);

/**
 * struct floor_switch - what one switch asks of every CPU.
 * @on:   SVM on for the run, or back off.
 * @busy: set by a CPU that found EFER.SVME on already: another hypervisor
 *        has it, and the run must not start.
 */
struct floor_switch {
	bool on;
	atomic_t busy;
};

/* On each CPU (an IPI): EFER.SVME and VM_HSAVE_PA for the run, or undone. */
static void floor_switch_cpu(void *arg)
{
	struct floor_switch *sw = arg;
	struct floor_cpu *fc = this_cpu_ptr(&floor_cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (sw->on && (efer & EFER_SVME)) {
		atomic_set(&sw->busy, 1);
		return;
	}
	/* Never clear an EFER.SVME someone else set. */
	if (!sw->on && !fc->enabled)
		return;
	wrmsrl(MSR_VM_HSAVE_PA, sw->on ? page_to_phys(fc->save) : 0);
	wrmsrl(MSR_EFER, sw->on ? efer | EFER_SVME : efer & ~EFER_SVME);
	fc->enabled = sw->on;
}

static void floor_guest_free(struct floor_guest *g)
{
	int i;

	if (!g)
		return;
	for (i = 0; i < FLOOR_RAM_PAGES; i++)
		if (g->ram[i])
			__free_page(g->ram[i]);
	for (i = 0; i < FLOOR_NPT_LEVELS_MAX; i++)
		if (g->npt[i])
			__free_page(g->npt[i]);
	if (g->iopm)
		__free_pages(g->iopm, get_order(VMCB_IOPM_SIZE));
	if (g->msrpm)
		__free_pages(g->msrpm, get_order(VMCB_MSRPM_SIZE));
	if (g->vmcb)
		__free_page(g->vmcb);
	kfree(g);
}

static struct page *floor_page(void)
{
	return alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

/* The nested page table: one path from the root to a table of 4 KiB leaves. */
static int floor_npt_build(struct floor_guest *g, unsigned int ram_pages)
{
	unsigned int i;
	u64 *table;

	g->levels = pgtable_l5_enabled() ? 5 : 4;
	for (i = 0; i < g->levels; i++) {
		g->npt[i] = floor_page();
		if (!g->npt[i])
			return -ENOMEM;
	}
	for (i = 0; i + 1 < g->levels; i++) {
		table = page_address(g->npt[i]);
		table[0] = page_to_phys(g->npt[i + 1]) | FLOOR_NPT_PRESENT;
	}
	table = page_address(g->npt[g->levels - 1]);
	for (i = 0; i < ram_pages; i++) {
		g->ram[i] = floor_page();
		if (!g->ram[i])
			return -ENOMEM;
		table[i] = page_to_phys(g->ram[i]) | FLOOR_NPT_PRESENT;
	}
	return 0;
}

static void floor_seg(struct svm_vmcb_seg *s, u16 sel, u16 attrib, u32 limit)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = 0;
}

static void floor_vmcb_init(struct floor_guest *g, u32 entry)
{
	struct svm_vmcb *vmcb = page_address(g->vmcb);
	struct svm_vmcb_control *ctl = &vmcb->control;
	struct svm_vmcb_save *save = &vmcb->save;

	/*
	 * Physical interrupts, NMIs and SMIs must exit; VMRUN must be
	 * intercepted or VMRUN fails; a shutdown must stop the guest, not
	 * the machine. Every port and MSR exits, so the guest touches no
	 * host device or MSR. CPUID and HLT exit too.
	 */
	ctl->intercept_misc1 = VMCB_INTERCEPT1_INTR | VMCB_INTERCEPT1_NMI |
			       VMCB_INTERCEPT1_SMI | VMCB_INTERCEPT1_CPUID |
			       VMCB_INTERCEPT1_HLT | VMCB_INTERCEPT1_IOIO_PROT |
			       VMCB_INTERCEPT1_MSR_PROT | VMCB_INTERCEPT1_SHUTDOWN;
	ctl->intercept_misc2 = VMCB_INTERCEPT2_VMRUN | VMCB_INTERCEPT2_VMMCALL;
	ctl->iopm_base_pa = page_to_phys(g->iopm);
	ctl->msrpm_base_pa = page_to_phys(g->msrpm);
	ctl->asid = 1;
	/* The host's RFLAGS.IF gates physical interrupts, the guest's its own. */
	ctl->int_ctl = VMCB_INT_CTL_V_INTR_MASKING;
	ctl->nested_ctl = VMCB_NESTED_CTL_NP_ENABLE;
	ctl->nested_cr3 = page_to_phys(g->npt[0]);

	floor_seg(&save->cs, 0x8, FLOOR_ATTR_CODE, 0xffffffff);
	floor_seg(&save->ds, 0x10, FLOOR_ATTR_DATA, 0xffffffff);
	save->es = save->ds;
	save->ss = save->ds;
	save->fs = save->ds;
	save->gs = save->ds;
	floor_seg(&save->tr, 0, FLOOR_ATTR_TSS, 0xffff);
	floor_seg(&save->ldtr, 0, FLOOR_ATTR_LDT, 0xffff);
	save->cr0 = FLOOR_CR0;
	save->efer = EFER_SVME;
	save->rflags = X86_EFLAGS_FIXED;
	save->rip = entry;
	save->dr6 = FLOOR_DR6;
	save->dr7 = FLOOR_DR7;
	save->g_pat = FLOOR_PAT;
}

static int floor_guest_create(struct floor_guest **out, const struct axvcpu_floor_run *a)
{
	struct floor_guest *g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	u8 *page;
	int ret;

	if (!g)
		return -ENOMEM;
	*out = g;
	g->vmcb = floor_page();
	g->iopm = alloc_pages(GFP_KERNEL_ACCOUNT, get_order(VMCB_IOPM_SIZE));
	g->msrpm = alloc_pages(GFP_KERNEL_ACCOUNT, get_order(VMCB_MSRPM_SIZE));
	if (!g->vmcb || !g->iopm || !g->msrpm)
		return -ENOMEM;
	memset(page_address(g->iopm), 0xff, PAGE_SIZE << get_order(VMCB_IOPM_SIZE));
	memset(page_address(g->msrpm), 0xff, PAGE_SIZE << get_order(VMCB_MSRPM_SIZE));
	ret = floor_npt_build(g, a->ram_size >> PAGE_SHIFT);
	if (ret)
		return ret;

	page = page_address(g->ram[a->image_gpa >> PAGE_SHIFT]);
	if (copy_from_user(page, u64_to_user_ptr(a->image), a->image_len))
		return -EFAULT;
	page = page_address(g->ram[a->count_gpa >> PAGE_SHIFT]);
	memcpy(page + offset_in_page(a->count_gpa), &a->count, sizeof(a->count));
	floor_vmcb_init(g, a->entry);
	return 0;
}

static int floor_args_check(const struct axvcpu_floor_run *a)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(a->reserved); i++)
		if (a->reserved[i])
			return -EINVAL;
	if (a->pad || !a->image_len || a->image_len > AXVCPU_FLOOR_MAX_IMAGE ||
	    !a->ram_size || a->ram_size > FLOOR_RAM_PAGES * PAGE_SIZE ||
	    !PAGE_ALIGNED(a->ram_size) || !PAGE_ALIGNED(a->image_gpa) ||
	    a->image_gpa >= a->ram_size || a->image_len > a->ram_size - a->image_gpa ||
	    a->entry - a->image_gpa >= a->image_len || (a->count_gpa & 3) ||
	    a->count_gpa >= a->ram_size ||
	    (a->count_gpa >= a->image_gpa && a->count_gpa - a->image_gpa < PAGE_SIZE) ||
	    !a->count || a->done_port > 0xffff)
		return -EINVAL;
	return 0;
}

/* Handle one exit. Return: 1 to enter again, 0 when done, or an error. */
static int floor_exit(struct floor_guest *g, struct axvcpu_floor_run *a)
{
	struct svm_vmcb *vmcb = page_address(g->vmcb);
	u64 code = vmcb->control.exit_code, info1 = vmcb->control.exit_info_1;

	/* QEMU 7.2's TCG stores VMEXIT_INVALID as a 32-bit -1. */
	if (lower_32_bits(code) == U32_MAX)
		code = VMCB_EXIT_INVALID;
	a->exit_code = code;
	switch (code) {
	case VMCB_EXIT_CPUID:
		/* The least any CPUID handler does: an answer, and RIP moved on. */
		vmcb->save.rax = 0;
		g->gprs[1] = 0;
		g->gprs[2] = 0;
		g->gprs[3] = 0;
		vmcb->save.rip += FLOOR_CPUID_LEN;
		a->cpuid_exits++;
		return 1;
	case VMCB_EXIT_INTR:
	case VMCB_EXIT_NMI:
	case VMCB_EXIT_SMI:
		a->other_exits++;
		return 1;
	case VMCB_EXIT_IOIO:
		if (!(info1 & VMCB_IOIO_IN) && (info1 >> VMCB_IOIO_PORT_SHIFT) == a->done_port) {
			/* IOIO reports the next RIP even without NRIP save. */
			vmcb->save.rip = vmcb->control.exit_info_2;
			return 0;
		}
		return -EIO;
	default:
		return -EIO;
	}
}

static int floor_run(struct floor_guest *g, struct axvcpu_floor_run *a)
{
	struct svm_vmcb *vmcb = page_address(g->vmcb);
	u64 vmcb_pa = page_to_phys(g->vmcb);
	struct floor_cpu *fc;
	int cpu, last_cpu = -1, ret;

	for (;;) {
		if (signal_pending(current))
			return -EINTR;
		cond_resched();

		local_irq_disable();
		cpu = smp_processor_id();
		fc = this_cpu_ptr(&floor_cpu);
		/* Whatever this CPU's TLB holds under ASID 1 is not ours. */
		if (cpu != last_cpu) {
			vmcb->control.tlb_ctl = VMCB_TLB_FLUSH_ALL;
			last_cpu = cpu;
		}
		asm volatile("clgi" ::: "memory");
		raw_local_irq_enable();
		floor_vmrun(g->gprs, vmcb_pa, page_to_phys(fc->save + 1));
		raw_local_irq_disable();
		asm volatile("stgi" ::: "memory");
		/* #VMEXIT leaves DR7 disabled: the host's breakpoints come back. */
		if (hw_breakpoint_active())
			hw_breakpoint_restore();
		local_irq_enable();
		vmcb->control.tlb_ctl = VMCB_TLB_NOTHING;

		ret = floor_exit(g, a);
		if (ret <= 0)
			return ret;
	}
}

static long floor_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct axvcpu_floor_run a;
	struct floor_switch sw = { .on = true, .busy = ATOMIC_INIT(0) };
	struct floor_guest *g = NULL;
	int ret;

	if (cmd != AXVCPU_FLOOR_RUN)
		return -ENOTTY;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ret = floor_args_check(&a);
	if (ret)
		return ret;
	a.cpuid_exits = 0;
	a.other_exits = 0;
	a.exit_code = 0;

	ret = floor_guest_create(&g, &a);
	if (ret)
		goto out_free;

	mutex_lock(&floor_lock);
	cpus_read_lock();
	on_each_cpu(floor_switch_cpu, &sw, 1);
	if (atomic_read(&sw.busy))
		ret = -EBUSY;
	else
		ret = floor_run(g, &a);
	sw.on = false;
	on_each_cpu(floor_switch_cpu, &sw, 1);
	cpus_read_unlock();
	mutex_unlock(&floor_lock);

	if (ret != -EBUSY && copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out_free:
	floor_guest_free(g);
	return ret;
}

static const struct file_operations floor_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= floor_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice floor_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "axvcpu-floor",
	.fops	= &floor_fops,
	.mode	= 0600,
};

static void floor_free_cpu_pages(void)
{
	struct floor_cpu *fc;
	int cpu;

	for_each_possible_cpu(cpu) {
		fc = per_cpu_ptr(&floor_cpu, cpu);
		if (fc->save)
			__free_pages(fc->save, 1);
		fc->save = NULL;
	}
}

static int __init floor_init(void)
{
	struct floor_cpu *fc;
	int cpu, ret;

	if (cpuid_eax(0x80000000) < 0x8000000a ||
	    !(cpuid_ecx(0x80000001) & FLOOR_CPUID_SVM) ||
	    !(cpuid_edx(0x8000000a) & FLOOR_CPUID_NPT)) {
		pr_err("CPU has no AMD SVM with nested paging; not loading\n");
		return -ENODEV;
	}
	for_each_possible_cpu(cpu) {
		fc = per_cpu_ptr(&floor_cpu, cpu);
		fc->save = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 1);
		if (!fc->save) {
			floor_free_cpu_pages();
			return -ENOMEM;
		}
	}
	ret = misc_register(&floor_dev);
	if (ret)
		floor_free_cpu_pages();
	return ret;
}

static void __exit floor_exit_module(void)
{
	misc_deregister(&floor_dev);
	floor_free_cpu_pages();
}

module_init(floor_init);
module_exit(floor_exit_module);

MODULE_DESCRIPTION("axvcpu benchmark floor: a bare VMRUN loop");
MODULE_LICENSE("GPL");
