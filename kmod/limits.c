// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process limits: how many VMs and VCPUs one address space may own at
 * once, so that a user who may open /dev/axvcpu cannot take the whole
 * system-wide VM table or pin the kernel's memory with VCPUs. The memory
 * itself is charged elsewhere: every allocation of a VM or VCPU is
 * GFP_KERNEL_ACCOUNT (the caller's memory cgroup), and guest RAM is the
 * process's own memory (hal.c), so nothing is pinned or locked.
 *
 * A VM counts against the address space that created it (&axvcpu_vm.mm,
 * held by mmgrab() for the VM's life, so the key cannot be reused while
 * it is counted); its VCPUs count against the same one.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "axvcpu_drv.h"

static unsigned int max_vms_per_process = 16;
module_param(max_vms_per_process, uint, 0644);
MODULE_PARM_DESC(max_vms_per_process, "VMs one process may have at once (default 16)");

static unsigned int max_vcpus_per_process = 256;
module_param(max_vcpus_per_process, uint, 0644);
MODULE_PARM_DESC(max_vcpus_per_process, "VCPUs one process may have at once (default 256)");

/**
 * struct axvcpu_owner - what one address space owns.
 * @node:   on axvcpu_owners.
 * @mm:     the address space (not referenced here: its VMs hold it).
 * @count:  VMs and VCPUs, indexed by enum axvcpu_limit.
 */
struct axvcpu_owner {
	struct list_head node;
	struct mm_struct *mm;
	unsigned int count[AXVCPU_LIMIT_NR];
};

static LIST_HEAD(axvcpu_owners);
static DEFINE_MUTEX(axvcpu_owners_lock);

static unsigned int axvcpu_limit_max(enum axvcpu_limit what)
{
	return what == AXVCPU_LIMIT_VMS ? READ_ONCE(max_vms_per_process) :
					  READ_ONCE(max_vcpus_per_process);
}

static struct axvcpu_owner *axvcpu_owner_find(struct mm_struct *mm)
{
	struct axvcpu_owner *o;

	list_for_each_entry(o, &axvcpu_owners, node)
		if (o->mm == mm)
			return o;
	return NULL;
}

/**
 * axvcpu_limit_charge() - count one more VM or VCPU for @mm.
 * @mm:   the owning address space.
 * @what: AXVCPU_LIMIT_VMS or AXVCPU_LIMIT_VCPUS.
 *
 * Return: 0; -EDQUOT when @mm has as many as its limit allows already (a quota:
 * -ENOSPC and -ENOBUFS mean other limits of CREATE_VM);
 * -ENOMEM.
 */
int axvcpu_limit_charge(struct mm_struct *mm, enum axvcpu_limit what)
{
	struct axvcpu_owner *o;
	int ret = 0;

	mutex_lock(&axvcpu_owners_lock);
	o = axvcpu_owner_find(mm);
	if (!o) {
		o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
		if (!o) {
			ret = -ENOMEM;
			goto out;
		}
		o->mm = mm;
		list_add(&o->node, &axvcpu_owners);
	}
	if (o->count[what] >= axvcpu_limit_max(what)) {
		ret = -EDQUOT;
		if (!o->count[AXVCPU_LIMIT_VMS] && !o->count[AXVCPU_LIMIT_VCPUS]) {
			list_del(&o->node);
			kfree(o);
		}
		goto out;
	}
	o->count[what]++;
out:
	mutex_unlock(&axvcpu_owners_lock);
	return ret;
}

/**
 * axvcpu_limit_uncharge() - a VM or VCPU of @mm is gone.
 * @mm:   the owning address space.
 * @what: as charged.
 */
void axvcpu_limit_uncharge(struct mm_struct *mm, enum axvcpu_limit what)
{
	struct axvcpu_owner *o;

	mutex_lock(&axvcpu_owners_lock);
	o = axvcpu_owner_find(mm);
	if (!WARN_ON_ONCE(!o || !o->count[what])) {
		o->count[what]--;
		if (!o->count[AXVCPU_LIMIT_VMS] && !o->count[AXVCPU_LIMIT_VCPUS]) {
			list_del(&o->node);
			kfree(o);
		}
	}
	mutex_unlock(&axvcpu_owners_lock);
}
