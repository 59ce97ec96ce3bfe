/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the generic core and a hardware backend.
 *
 * A backend (kmod/x86/svm*.c today, VMX and arm64 later) fills one
 * &struct axvcpu_arch_ops and lists it in axvcpu_arch_backends[]; the core
 * probes the list at load and uses the first backend that answers. The
 * backend sees the core only through the functions declared at the end of
 * this file: it never looks inside &struct axvcpu_vm or &struct
 * axvcpu_vcpu.
 */
#ifndef _AXVCPU_ARCH_H
#define _AXVCPU_ARCH_H

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/axvcpu.h>

struct axvcpu_vm;
struct axvcpu_vcpu;

/**
 * struct axvcpu_arch_caps - what a backend found at probe time.
 * @arch:        AXVCPU_ARCH_* of the register ABI.
 * @backend:     AXVCPU_BACKEND_*.
 * @name:        short backend name, reported by AXVCPU_CAP_BACKEND.
 * @gpa_bits:    guest physical address width the nested tables cover.
 * @npt_levels:  levels of the nested page tables (follows host paging).
 * @nr_asids:    address space ids the hardware offers.
 * @hw_features: AXVCPU_HWF_* bits.
 * @first_irq_vector: lowest vector AXVCPU_INJECT_INTERRUPT accepts (the
 *	highest is AXVCPU_MAX_IRQ_VECTORS - 1).
 */
struct axvcpu_arch_caps {
	u32 arch;
	u32 backend;
	char name[16];
	u32 gpa_bits;
	u32 npt_levels;
	u32 nr_asids;
	u64 hw_features;
	u32 first_irq_vector;
};

/**
 * axvcpu_exit_size() - bytes of &struct axvcpu_run's union an exit uses.
 * @reason: AXVCPU_EXIT_*.
 *
 * The member of @reason, pads included; 0 for the exits that have none.
 * The backend clears exactly these bytes when it picks @reason
 * (svm_exit_set()), the core copies exactly these to the run page: the
 * rest of the union is neither written nor cleared by an exit.
 *
 * Return: the member's size, a multiple of 8.
 */
static inline unsigned int axvcpu_exit_size(u32 reason)
{
	switch (reason) {
	case AXVCPU_EXIT_HYPERCALL:
		return sizeof_field(struct axvcpu_run, hypercall);
	case AXVCPU_EXIT_MMIO_READ:
	case AXVCPU_EXIT_MMIO_WRITE:
		return sizeof_field(struct axvcpu_run, mmio);
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		return sizeof_field(struct axvcpu_run, sysreg);
	case AXVCPU_EXIT_IO_READ:
	case AXVCPU_EXIT_IO_WRITE:
		return sizeof_field(struct axvcpu_run, io);
	case AXVCPU_EXIT_EXTERNAL_INTERRUPT:
		return sizeof_field(struct axvcpu_run, external_interrupt);
	case AXVCPU_EXIT_NESTED_PAGE_FAULT:
		return sizeof_field(struct axvcpu_run, npf);
	case AXVCPU_EXIT_CPU_UP:
		return sizeof_field(struct axvcpu_run, cpu_up);
	case AXVCPU_EXIT_CPU_DOWN:
		return sizeof_field(struct axvcpu_run, cpu_down);
	case AXVCPU_EXIT_SYSTEM_DOWN:
		return sizeof_field(struct axvcpu_run, system_down);
	case AXVCPU_EXIT_FAIL_ENTRY:
		return sizeof_field(struct axvcpu_run, fail_entry);
	case AXVCPU_EXIT_SEND_IPI:
		return sizeof_field(struct axvcpu_run, send_ipi);
	case AXVCPU_EXIT_INTERNAL_ERROR:
		return sizeof_field(struct axvcpu_run, internal);
	}
	return 0;
}

/* Interrupt vectors the core keeps pending bits for: 0 .. this - 1. */
#define AXVCPU_MAX_IRQ_VECTORS	256

/* Bits of &axvcpu_arch_ops.halt_wake_mask. */
#define AXVCPU_WAKE_IRQ		(1U << 0)	/* an interrupt ends the halt */
#define AXVCPU_WAKE_NMI		(1U << 1)	/* an NMI ends the halt */
#define AXVCPU_WAKE_NOW		(1U << 2)	/* the backend holds one already */

/* Access bits passed to axvcpu_vm_fault(); the same as the UAPI's. */
#define AXVCPU_FAULT_READ	AXVCPU_ACCESS_READ
#define AXVCPU_FAULT_WRITE	AXVCPU_ACCESS_WRITE
#define AXVCPU_FAULT_EXEC	AXVCPU_ACCESS_EXEC

/* Protection bits passed to &axvcpu_arch_ops.npt_map. */
#define AXVCPU_PROT_WRITE	(1U << 0)
#define AXVCPU_PROT_EXEC	(1U << 1)

/**
 * struct axvcpu_arch_ops - one hardware backend (the seed's AxArchVCpu and
 * AxArchPerCpu traits).
 *
 * Unless a member says otherwise it is called in process context, may
 * sleep, and returns 0 or a negative errno. "arch_vm" and "arch_vcpu" are
 * the backend's own objects, returned by @vm_create and @vcpu_create.
 *
 * @probe: check the hardware once at module load and fill @caps. Return
 *	-ENODEV (after one dmesg line naming the missing feature) when this
 *	backend cannot run here, -EBUSY when another hypervisor owns it.
 * @exit: undo what @probe allocated, at module unload.
 * @hardware_enable: turn virtualization on for the calling CPU (called on
 *	that CPU with migration disabled, from a CPU hotplug callback).
 *	-EBUSY when another hypervisor has turned it on already.
 * @hardware_disable: turn it off again on the calling CPU.
 * @vm_create: allocate the nested page table root of a new VM; returns
 *	the arch_vm or an ERR_PTR. @vm is the core's handle, for callbacks.
 * @vm_destroy: free the nested page tables (the core holds no page they
 *	point to, and no MMU notifier can call @npt_zap any more). May sleep
 *	and should yield on a large table.
 * @npt_prepare: allocate whatever the next @npt_map of @gpa needs (the
 *	intermediate tables down to its leaf table, which serves the whole
 *	2 MiB-aligned block around @gpa), or with @huge what @npt_map_huge
 *	of that block needs (down to the table above), so that neither need
 *	allocate.
 *	Called with the VM's memory mutex held, which serialises it with
 *	every other @npt_prepare and @npt_map; may sleep. -ENOMEM.
 * @npt_map: map @n consecutive 4 KiB guest frames from @gpa to the host
 *	physical addresses @hpa[0..n-1] with AXVCPU_PROT_* bits, replacing
 *	(and flushing) older mappings; the frames lie in one 2 MiB-aligned
 *	block of guest physical space. The core holds no reference on the
 *	frames afterwards: it calls @npt_zap before a frame can change.
 *	Called with the VM's memory mutex and its MMU spinlock held, after
 *	@npt_prepare for @gpa: must neither sleep nor allocate.
 * @npt_map_huge: map the 2 MiB-aligned block at @gpa to the physically
 *	contiguous, 2 MiB-aligned host frames at @hpa with one large
 *	mapping, under the same rules as @npt_map (prepared with @huge).
 *	-EEXIST when smaller mappings are in the way: the core maps 4 KiB
 *	frames instead. A later @npt_zap of any part of the block removes
 *	all of it.
 * @npt_zap: remove every mapping in [@gpa, @gpa + @size) and make sure no
 *	CPU can use one any longer (TLB flush, kicking CPUs running the VM)
 *	before returning. Called with the VM's MMU spinlock held, possibly
 *	from an MMU notifier that must not sleep, and concurrently with
 *	@npt_prepare: must neither sleep, allocate nor free table pages.
 *	Cost should follow what is mapped, not @size (the core zaps a
 *	gigabyte at a time and yields between calls where it may).
 * @npt_lookup: the host physical address of the frame @gpa (page
 *	aligned) is mapped to, for the core's reads of guest memory. Called
 *	with the VM's MMU spinlock held: must neither sleep nor allocate.
 *	Return: true when mapped.
 * @vcpu_create: allocate the hardware VCPU (VMCB, FPU area) in its reset
 *	state; returns the arch_vcpu or an ERR_PTR.
 * @vcpu_destroy: free it. The VCPU is not running anywhere.
 * @setup: the seed's set_entry + set_npt_root + setup: put the VCPU in
 *	the boot mode of @setup (validated by the backend: -EINVAL).
 * @run: enter the guest once and decode the exit into @run (exit_reason,
 *	the header fields and the union; AXVCPU_EXIT_NOTHING when handled in
 *	the kernel). @run is kernel memory private to the VCPU, never the
 *	run page user space maps: the backend may read back what it wrote,
 *	the core checks exit_reason once and only then copies the exit to the
 *	user's run page, which no one in the kernel reads back. RIP is
 *	already advanced past an instruction user space finishes.
 *	Returns 0, a negative errno for a transient failure (the VCPU stays
 *	usable, e.g. -ENOMEM when guest memory could not be pinned; -EINTR
 *	when pinning gave up for a fatal signal, which the core reports as
 *	exit INTR), or -EIO when the hardware state is lost (the VCPU becomes
 *	INVALID). Called by the bound thread with the VCPU lock held; may
 *	sleep outside its world switch. It may return with state still
 *	loaded and preemption disabled (KVM's vcpu_load, for the exits it
 *	handled in the kernel): the core then calls @run again or @put.
 * @put: end what @run left loaded, if anything: the core calls it before
 *	its loop does anything that may sleep (pending thread work, the
 *	in-kernel halt) and when the loop ends. Process context.
 * @complete_read: apply the value user space wrote for a read exit to
 *	guest state. @reason is the exit the core returned (IO_READ,
 *	SYSREG_READ, HYPERCALL, MMIO_READ), kept in kernel memory; @run is
 *	the user's run page, from which only the value field of that exit
 *	may be read, once (it can change under the kernel's feet). The core
 *	calls it at the next RUN, only when RIP is unchanged.
 * @get_rip: current guest instruction pointer.
 * @get_regs: fill &struct axvcpu_regs (the arch's register set).
 * @set_regs: load it (validated: -EINVAL).
 * @get_sregs: fill &struct axvcpu_sregs.
 * @set_sregs: load it, validated the way hardware would check it
 *	(-EINVAL instead of a failed world switch).
 * @set_cpuid: replace the CPUID table (@entries already copied into the
 *	kernel, @nent of them, at most AXVCPU_CPUID_MAX_ENTRIES).
 * @halt_wake_mask: for the HLT the last @run reported (exit HALT), which
 *	events could end it: AXVCPU_WAKE_IRQ when the guest takes interrupts,
 *	AXVCPU_WAKE_NMI when it takes NMIs, AXVCPU_WAKE_NOW when an event
 *	the backend has taken from the core already ends it (RUN enters the
 *	guest again at once). 0 means nothing can, and RUN returns the HALT
 *	exit instead of blocking (AXVCPU_OPT_HALT_IN_KERNEL).
 *	Called by the bound thread with the VCPU lock held.
 * @inject_exception: queue @exc (flags and reserved fields already
 *	checked by the core) for delivery at the next entry, after an event
 *	the last exit interrupted. -EINVAL for a vector or error code the
 *	architecture does not allow, -EBUSY while an earlier one is still
 *	queued. Called with the VCPU lock held, the VCPU set up and not
 *	running.
 *
 * The interrupt window: &struct axvcpu_run.request_interrupt_window of
 * @run holds what user space asked for at the start of this RUN. With it
 * set, @run reports AXVCPU_EXIT_IRQ_WINDOW_OPEN as soon as the guest can
 * take an interrupt (without entering when it can already) and injects
 * no interrupt meanwhile.
 */
struct axvcpu_arch_ops {
	int (*probe)(struct axvcpu_arch_caps *caps);
	void (*exit)(void);
	int (*hardware_enable)(void);
	void (*hardware_disable)(void);

	void *(*vm_create)(struct axvcpu_vm *vm);
	void (*vm_destroy)(void *arch_vm);
	int (*npt_prepare)(void *arch_vm, u64 gpa, bool huge);
	int (*npt_map)(void *arch_vm, u64 gpa, const u64 *hpa, unsigned int n, u32 prot);
	int (*npt_map_huge)(void *arch_vm, u64 gpa, u64 hpa, u32 prot);
	void (*npt_zap)(void *arch_vm, u64 gpa, u64 size);
	bool (*npt_lookup)(void *arch_vm, u64 gpa, u64 *hpa);

	void *(*vcpu_create)(struct axvcpu_vcpu *vcpu, void *arch_vm);
	void (*vcpu_destroy)(void *arch_vcpu);
	int (*setup)(void *arch_vcpu, const struct axvcpu_setup *setup);
	int (*run)(void *arch_vcpu, struct axvcpu_run *run);
	void (*put)(void *arch_vcpu);
	void (*complete_read)(void *arch_vcpu, u32 reason, const struct axvcpu_run *run);
	u64 (*get_rip)(void *arch_vcpu);
	void (*get_regs)(void *arch_vcpu, struct axvcpu_regs *regs);
	int (*set_regs)(void *arch_vcpu, const struct axvcpu_regs *regs);
	void (*get_sregs)(void *arch_vcpu, struct axvcpu_sregs *sregs);
	int (*set_sregs)(void *arch_vcpu, const struct axvcpu_sregs *sregs);
	int (*set_cpuid)(void *arch_vcpu, const struct axvcpu_cpuid_entry *entries,
			 u32 nent);
	u32 (*halt_wake_mask)(void *arch_vcpu);
	int (*inject_exception)(void *arch_vcpu, const struct axvcpu_exception *exc);
};

/* The backends built for this architecture, NULL-terminated, best first. */
extern const struct axvcpu_arch_ops *const axvcpu_arch_backends[];

/* ---- What the core offers backends ---------------------------------- */

/**
 * axvcpu_vm_fault() - resolve a nested page fault on guest RAM.
 * @vm:     the VM (from axvcpu_vcpu_vm()).
 * @gpa:    faulting guest physical address.
 * @access: AXVCPU_FAULT_* bits of the access.
 *
 * Finds the memory region, looks the page up through the owner's page
 * tables (no long-term pin, no RLIMIT_MEMLOCK charge: the page stays the
 * owner's ordinary memory, and an MMU notifier zaps the mapping before
 * the owner's mapping of it changes) and maps it through
 * &axvcpu_arch_ops.npt_prepare and &axvcpu_arch_ops.npt_map. Must run in
 * the VM owner's process context, preemptible.
 *
 * Return: 0 when mapped, or when an invalidation raced with the lookup and
 * nothing was mapped (the guest faults again); -ENOENT when @gpa is not
 * guest RAM (MMIO); -EACCES when the region forbids the access (read-only,
 * no-exec); -EFAULT when nothing (or nothing with the needed access) is
 * mapped at the region's host address any more; -EOPNOTSUPP when what is
 * mapped there may not back guest memory (a page-cache file, a device);
 * -ENOMEM; -EINTR when a fatal signal interrupted the lookup.
 */
int axvcpu_vm_fault(struct axvcpu_vm *vm, u64 gpa, u32 access);

/**
 * axvcpu_vm_read() - copy guest physical memory into a kernel buffer.
 * @vm:  the VM.
 * @gpa: first guest physical address.
 * @buf: destination.
 * @len: bytes; the range may cross pages but must lie in guest RAM.
 *
 * Goes through the owner's user mapping; process context only.
 * Return: 0, -ENOENT outside guest RAM, -EFAULT.
 */
int axvcpu_vm_read(struct axvcpu_vm *vm, u64 gpa, void *buf, size_t len);

/**
 * axvcpu_vm_mmu_lock() - hold off every change to @vm's nested mappings.
 * @vm: the VM.
 *
 * Until axvcpu_vm_mmu_unlock() no MMU notifier invalidation, zap or map of
 * @vm can run (it takes the VM's MMU spinlock): a frame the nested table
 * maps now stays the owner's current frame, and the backend may read it
 * through the kernel's direct map. The caller must not sleep meanwhile.
 */
void axvcpu_vm_mmu_lock(struct axvcpu_vm *vm);

/**
 * axvcpu_vm_mmu_unlock() - end axvcpu_vm_mmu_lock().
 * @vm: the VM.
 */
void axvcpu_vm_mmu_unlock(struct axvcpu_vm *vm);

/**
 * axvcpu_copy_frame() - copy bytes of a guest frame from its address in the
 * kernel's direct map (while axvcpu_vm_mmu_lock() or the VM's MMU lock
 * keeps the frame the owner's).
 * @dst: where to.
 * @src: direct-map address of the first byte.
 * @n:   bytes, within one page.
 *
 * An aligned 8-byte read, a page-table entry, is one load, as a hardware
 * walk reads it, and no call.
 */
static inline void axvcpu_copy_frame(void *dst, const void *src, unsigned int n)
{
	if (n == 8 && IS_ALIGNED((unsigned long)src, 8))
		*(u64 *)dst = READ_ONCE(*(const u64 *)src);
	else
		memcpy(dst, src, n);
}

/**
 * axvcpu_vm_write() - copy a kernel buffer into guest physical memory.
 * @vm:  the VM.
 * @gpa: first guest physical address.
 * @buf: source.
 * @len: bytes.
 *
 * Return: 0, -ENOENT outside guest RAM, -EACCES into a read-only region,
 * -EFAULT.
 */
int axvcpu_vm_write(struct axvcpu_vm *vm, u64 gpa, const void *buf, size_t len);

/**
 * axvcpu_vcpu_vm() - the VM a VCPU belongs to.
 * @vcpu: the core's VCPU handle given to &axvcpu_arch_ops.vcpu_create.
 */
struct axvcpu_vm *axvcpu_vcpu_vm(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_vcpu_id() - the id user space gave the VCPU (AXVCPU_CREATE_VCPU);
 * x86 reports it as the APIC id.
 * @vcpu: the core's VCPU handle.
 *
 * Return: the id, below AXVCPU_CAP_MAX_VCPUS.
 */
u32 axvcpu_vcpu_id(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_vcpu_data_page() - the VCPU's string I/O data page (mapping page 1).
 * @vcpu: the core's VCPU handle.
 */
void *axvcpu_vcpu_data_page(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_arch_caps() - the capabilities the chosen backend reported.
 */
const struct axvcpu_arch_caps *axvcpu_arch_caps(void);

/*
 * Events (kmod/event.c). Interrupts and NMIs are made pending by any
 * thread; the backend, in @run, looks at what is pending, takes what it
 * delivers with the _clear functions, and brackets the world switch with
 * axvcpu_guest_enter() and axvcpu_guest_exit().
 */

/**
 * axvcpu_vcpu_options() - the VCPU's AXVCPU_OPT_* options.
 * @vcpu: the core's VCPU handle.
 */
u32 axvcpu_vcpu_options(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_vcpu_irq_highest() - the highest pending interrupt vector.
 * @vcpu: the core's VCPU handle.
 *
 * Return: the vector, or -1 when none is pending.
 */
int axvcpu_vcpu_irq_highest(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_vcpu_irq_clear() - @vector is being delivered: no longer pending.
 * @vcpu:   the core's VCPU handle.
 * @vector: the vector.
 */
void axvcpu_vcpu_irq_clear(struct axvcpu_vcpu *vcpu, unsigned int vector);

/**
 * axvcpu_vcpu_nmi_pending() - an injected NMI waits for delivery.
 * @vcpu: the core's VCPU handle.
 */
bool axvcpu_vcpu_nmi_pending(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_vcpu_nmi_clear() - the pending NMI is being delivered.
 * @vcpu: the core's VCPU handle.
 */
void axvcpu_vcpu_nmi_clear(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_guest_enter() - called with interrupts off right before the
 * world switch.
 * @vcpu: the core's VCPU handle.
 *
 * Return: true to enter. False when a kick or a new event arrived since
 * RUN's loop called @run: do not enter, report exit NOTHING; the core
 * calls @run again, which looks at the pending events anew.
 */
bool axvcpu_guest_enter(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_guest_exit() - called with interrupts still off right after it.
 * @vcpu: the core's VCPU handle.
 */
void axvcpu_guest_exit(struct axvcpu_vcpu *vcpu);

/**
 * axvcpu_vm_ipi_in_kernel() - the VM was created with AXVCPU_VM_IPI_IN_KERNEL.
 * @vm: the VM.
 */
bool axvcpu_vm_ipi_in_kernel(struct axvcpu_vm *vm);

/**
 * axvcpu_vm_inject_interrupt() - make an interrupt pending on another VCPU
 * of the VM (an IPI delivered in the kernel).
 * @vm:      the VM.
 * @vcpu_id: the target's id.
 * @vector:  the vector.
 *
 * A vector pending already merges with it (as in an APIC's IRR). Process
 * context; may sleep briefly (the VM's VCPU table lock).
 * Return: 0; -ENOENT when no VCPU @vcpu_id is set up; -EINVAL for a vector
 * below &axvcpu_arch_caps.first_irq_vector.
 */
int axvcpu_vm_inject_interrupt(struct axvcpu_vm *vm, u32 vcpu_id, unsigned int vector);

#endif /* _AXVCPU_ARCH_H */
