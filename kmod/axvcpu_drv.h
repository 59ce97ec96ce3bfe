/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal header of the generic core (main.c, vm.c, vcpu.c, hal.c,
 * percpu.c). Backends do not include it: they see the core through
 * arch.h only.
 */
#ifndef _AXVCPU_DRV_H
#define _AXVCPU_DRV_H

#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/axvcpu.h>

#include "arch.h"

/* Limits reported through AXVCPU_CHECK_CAP. */
#define AXVCPU_MAX_VMS		256
#define AXVCPU_MAX_VCPUS	64
#define AXVCPU_MAX_MEM_REGIONS	32

/* Bytes a VCPU fd maps: the run page and the string I/O data page. */
#define AXVCPU_RUN_PAGES	2

/* The backend chosen at load time (main.c). */
extern const struct axvcpu_arch_ops *axvcpu_ops;

/**
 * struct axvcpu_mem_region - one guest memory slot.
 * @gpa:   first guest physical address.
 * @size:  bytes; 0 when the slot is empty.
 * @hva:   first byte of the backing memory in the owner's address space.
 * @flags: AXVCPU_MEM_* bits.
 */
struct axvcpu_mem_region {
	u64 gpa;
	u64 size;
	unsigned long hva;
	u32 flags;
};

/**
 * struct axvcpu_vm - a VM: guest memory, nested page tables, VCPU table.
 * @ref:          one reference for the VM fd, one per VCPU.
 * @mm:           the creator's address space (mmgrab'd): guest memory
 *                lives there and only that process may run the VM.
 * @lock:         protects @vcpus.
 * @vcpus:        VCPUs by id; an entry is cleared when its fd closes.
 * @mem_lock:     serialises region changes and nested page faults (and
 *                so every npt_prepare); held to change @regions.
 * @mmu_lock:     spinlock held to change @regions and around every
 *                npt_map / npt_zap; the MMU notifier takes only this one.
 * @regions:      memory slots.
 * @mn:           MMU notifier on @mm (hal.c), registered with the first
 *                region.
 * @mn_registered: @mn is on @mm's list.
 * @mm_gone:      @mm's address space has been torn down (notifier release).
 * @mmu_seq:      bumped at the end of every invalidation (mmu_lock).
 * @mmu_in_progress: invalidations started and not yet ended (mmu_lock).
 * @flags:        AXVCPU_VM_* flags from CREATE_VM.
 * @fault_pages:  room for a 2 MiB block's pages, for nested page faults
 *                (mem_lock); allocated at the first fault that wants it.
 * @arch:         the backend's VM (nested page table root).
 */
struct axvcpu_vm {
	struct kref ref;
	struct mm_struct *mm;
	u32 flags;

	struct mutex lock;
	struct axvcpu_vcpu *vcpus[AXVCPU_MAX_VCPUS];

	struct mutex mem_lock;
	spinlock_t mmu_lock;
	struct axvcpu_mem_region regions[AXVCPU_MAX_MEM_REGIONS];
	struct mmu_notifier mn;
	bool mn_registered;
	bool mm_gone;
	unsigned long mmu_seq;
	unsigned long mmu_in_progress;
	struct page **fault_pages;

	void *arch;
};

/**
 * struct axvcpu_vcpu - a VCPU: the seed's AxVCpu.
 * @vm:           owning VM (a reference is held).
 * @id:           id in the VM.
 * @lock:         serialises the ioctls that touch VCPU state.
 * @state:        AXVCPU_STATE_*; written under @lock, read locklessly by
 *                GET_STATE and the RUN owner check.
 * @owner:        the thread BIND tied the VCPU to, NULL when unbound.
 * @run:          the run structure (page 0 of the mapping): user memory,
 *                written by the kernel, read only for the inputs
 *                (immediate_exit) and a completion's value.
 * @run_page:     its page.
 * @exit:         the backend's decoded exit, in kernel memory; copied to
 *                @run when RUN returns an exit.
 * @exit_page:    its page.
 * @data_page:    page 1 of the mapping (string I/O data).
 * @arch:         the backend's VCPU.
 * @pending_read: exit reason whose value user space is to supply, or 0.
 * @pending_rip:  guest RIP when that exit was returned.
 * @stats:        counters for AXVCPU_GET_STATS.
 * @stats_seq:    makes GET_STATS one snapshot; written under @lock (RUN).
 * @options:      AXVCPU_OPT_* bits; written under @lock.
 * @irq_pending:  interrupt vectors injected and not yet delivered (event.c;
 *                set by any thread, cleared by the backend in RUN).
 * @nmi_pending:  bit 0: an NMI is injected and not yet delivered.
 * @requests:     AXVCPU_REQ_* bits for RUN (event.c).
 * @mode:         AXVCPU_IN_GUEST while the VCPU may be in the guest.
 * @cpu:          the CPU it last entered the guest on.
 * @wait:         where a BLOCKED VCPU sleeps.
 */
struct axvcpu_vcpu {
	struct axvcpu_vm *vm;
	u32 id;
	struct mutex lock;
	u32 state;
	struct pid *owner;
	struct axvcpu_run *run;
	struct page *run_page;
	struct axvcpu_run *exit;
	struct page *exit_page;
	struct page *data_page;
	void *arch;
	u32 pending_read;
	u64 pending_rip;
	struct axvcpu_stats stats;
	seqcount_mutex_t stats_seq;
	u32 options;
	unsigned long irq_pending[BITS_TO_LONGS(AXVCPU_MAX_IRQ_VECTORS)];
	unsigned long nmi_pending;
	unsigned long requests;
	int mode;
	int cpu;
	wait_queue_head_t wait;
};

/* Bits of &axvcpu_vcpu.requests. */
#define AXVCPU_REQ_KICK		0	/* RUN returns -EINTR */
#define AXVCPU_REQ_EVENT	1	/* an event was queued: look again */

/* Values of &axvcpu_vcpu.mode. */
#define AXVCPU_OUTSIDE_GUEST	0
#define AXVCPU_IN_GUEST		1

/* main.c */
const struct axvcpu_arch_caps *axvcpu_arch_caps(void);

/* percpu.c: hardware virtualization on every online CPU while VMs exist. */
int axvcpu_hw_get(void);
void axvcpu_hw_put(void);

/* vm.c */
/* limits.c: VMs and VCPUs per process (module parameters). */
enum axvcpu_limit {
	AXVCPU_LIMIT_VMS,
	AXVCPU_LIMIT_VCPUS,
	AXVCPU_LIMIT_NR,
};
int axvcpu_limit_charge(struct mm_struct *mm, enum axvcpu_limit what);
void axvcpu_limit_uncharge(struct mm_struct *mm, enum axvcpu_limit what);

int axvcpu_vm_create(const struct axvcpu_create_vm *arg);
void axvcpu_vm_put(struct axvcpu_vm *vm);
bool axvcpu_vm_owner_ok(const struct axvcpu_vm *vm);

/* hal.c: guest memory behind the regions. */
struct vm_area_struct;
struct axvcpu_mem_region *axvcpu_vm_find_region(struct axvcpu_vm *vm, u64 gpa);
bool axvcpu_backing_ok(struct vm_area_struct *vma);
void axvcpu_vm_zap_region(struct axvcpu_vm *vm, struct axvcpu_mem_region *r);
void axvcpu_vm_mem_init(struct axvcpu_vm *vm);
int axvcpu_vm_mem_track(struct axvcpu_vm *vm);
void axvcpu_vm_mem_destroy(struct axvcpu_vm *vm);

/* vcpu.c */
int axvcpu_vcpu_create(struct axvcpu_vm *vm, const struct axvcpu_create_vcpu *arg);

/* event.c: injection, kicks and the in-kernel halt. */
long axvcpu_vcpu_inject_interrupt(struct axvcpu_vcpu *vcpu, void __user *argp);
long axvcpu_vcpu_inject_nmi(struct axvcpu_vcpu *vcpu);
long axvcpu_vcpu_kick_ioctl(struct axvcpu_vcpu *vcpu);
bool axvcpu_vcpu_take_kick(struct axvcpu_vcpu *vcpu);
void axvcpu_vcpu_events_seen(struct axvcpu_vcpu *vcpu);
int axvcpu_vcpu_block(struct axvcpu_vcpu *vcpu, u32 mask);

/**
 * axvcpu_zero_check() - true when @len bytes at @p are all zero.
 * @p:   first byte.
 * @len: bytes.
 *
 * Used on every pad and reserved field of an ioctl argument.
 *
 * Return: true when every byte is zero.
 */
static inline bool axvcpu_zero_check(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

#endif /* _AXVCPU_DRV_H */
