// SPDX-License-Identifier: GPL-2.0
/*
 * VMs: the VM fd, its memory slots and its VCPU table.
 *
 * A VM belongs to the process that created it: guest memory is that
 * process's memory, so the VM keeps its mm (mmgrab) and refuses memory
 * and VCPU ioctls from any other address space (-EIO, as KVM does).
 * The VM lives until its fd and every VCPU fd are closed.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "axvcpu_drv.h"

static atomic_t axvcpu_nr_vms = ATOMIC_INIT(0);

/**
 * axvcpu_vm_owner_ok() - may the caller touch @vm's memory and VCPUs?
 * @vm: the VM.
 *
 * Return: true in the address space that created @vm.
 */
bool axvcpu_vm_owner_ok(const struct axvcpu_vm *vm)
{
	return current->mm == vm->mm;
}

static void axvcpu_vm_release_ref(struct kref *ref)
{
	struct axvcpu_vm *vm = container_of(ref, struct axvcpu_vm, ref);

	/*
	 * No VCPU is left to use the nested tables. The MMU notifier goes
	 * first, so that no invalidation walks the tables while they are
	 * freed; no page is held by them (hal.c).
	 */
	axvcpu_vm_mem_destroy(vm);
	axvcpu_ops->vm_destroy(vm->arch);
	axvcpu_limit_uncharge(vm->mm, AXVCPU_LIMIT_VMS);
	mmdrop(vm->mm);
	kfree(vm);
	axvcpu_hw_put();
	atomic_dec(&axvcpu_nr_vms);
}

/**
 * axvcpu_vm_put() - drop a reference to @vm; the last frees it.
 * @vm: the VM.
 */
void axvcpu_vm_put(struct axvcpu_vm *vm)
{
	kref_put(&vm->ref, axvcpu_vm_release_ref);
}

/*
 * Every page of [@hva, @hva + @size) must be mapped with the access the
 * guest will need (else -EFAULT), by memory that may back a guest (else
 * -EOPNOTSUPP, see axvcpu_backing_ok()): a region over a hole would
 * otherwise only fail when the guest first touches it, far from the ioctl
 * that caused it. The fault checks again: the mapping may change later.
 */
static int axvcpu_check_user_range(unsigned long hva, u64 size, bool write)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = hva, end = hva + size;
	struct vm_area_struct *vma;
	int ret = 0;

	if (!access_ok((void __user *)hva, size))
		return -EFAULT;
	mmap_read_lock(mm);
	while (addr < end) {
		vma = vma_lookup(mm, addr);
		if (!vma || !(vma->vm_flags & VM_READ) ||
		    (write && !(vma->vm_flags & VM_WRITE))) {
			ret = -EFAULT;
			break;
		}
		if (!axvcpu_backing_ok(vma)) {
			ret = -EOPNOTSUPP;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return ret;
}

static int axvcpu_vm_delete_region(struct axvcpu_vm *vm, u32 slot)
{
	struct axvcpu_mem_region *r = &vm->regions[slot];

	if (!r->size)
		return -EINVAL;
	/* Zap while the region is still visible to the MMU notifier. */
	spin_lock(&vm->mmu_lock);
	axvcpu_vm_zap_region(vm, r);
	memset(r, 0, sizeof(*r));
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static int axvcpu_vm_set_memory_region(struct axvcpu_vm *vm, void __user *argp)
{
	const u64 valid_flags = AXVCPU_MEM_READONLY | AXVCPU_MEM_NOEXEC;
	u64 gpa_limit = 1ULL << axvcpu_arch_caps()->gpa_bits;
	struct axvcpu_memory_region mem;
	struct axvcpu_mem_region *r;
	int i, ret;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	if (!axvcpu_zero_check(mem.reserved, sizeof(mem.reserved)) ||
	    (mem.flags & ~valid_flags) || mem.slot >= AXVCPU_MAX_MEM_REGIONS)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem.guest_phys_addr) || !PAGE_ALIGNED(mem.size) ||
	    !PAGE_ALIGNED(mem.userspace_addr))
		return -EINVAL;

	mutex_lock(&vm->mem_lock);
	if (!mem.size) {
		ret = axvcpu_vm_delete_region(vm, mem.slot);
		goto out;
	}
	ret = -EEXIST;
	if (vm->regions[mem.slot].size)
		goto out;
	/* Written so that an overflow cannot pass: compare sizes, not sums. */
	ret = -EINVAL;
	if (mem.guest_phys_addr >= gpa_limit ||
	    mem.size > gpa_limit - mem.guest_phys_addr ||
	    mem.userspace_addr + mem.size < mem.userspace_addr)
		goto out;
	for (i = 0; i < AXVCPU_MAX_MEM_REGIONS; i++) {
		r = &vm->regions[i];
		if (r->size && mem.guest_phys_addr < r->gpa + r->size &&
		    r->gpa < mem.guest_phys_addr + mem.size) {
			ret = -EEXIST;
			goto out;
		}
	}
	ret = axvcpu_check_user_range(mem.userspace_addr, mem.size,
				      !(mem.flags & AXVCPU_MEM_READONLY));
	if (ret)
		goto out;
	/* From the first region on, follow changes to the owner's mappings. */
	ret = axvcpu_vm_mem_track(vm);
	if (ret)
		goto out;

	r = &vm->regions[mem.slot];
	spin_lock(&vm->mmu_lock);
	r->gpa = mem.guest_phys_addr;
	r->size = mem.size;
	r->hva = mem.userspace_addr;
	r->flags = mem.flags;
	spin_unlock(&vm->mmu_lock);
out:
	mutex_unlock(&vm->mem_lock);
	return ret;
}

static long axvcpu_vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct axvcpu_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	struct axvcpu_create_vcpu create;

	/* An ioctl a VM fd does not know is -ENOTTY, whoever asks. */
	if (cmd != AXVCPU_SET_MEMORY_REGION && cmd != AXVCPU_CREATE_VCPU)
		return -ENOTTY;
	if (!axvcpu_vm_owner_ok(vm))
		return -EIO;

	switch (cmd) {
	case AXVCPU_SET_MEMORY_REGION:
		return axvcpu_vm_set_memory_region(vm, argp);
	case AXVCPU_CREATE_VCPU:
		if (copy_from_user(&create, argp, sizeof(create)))
			return -EFAULT;
		return axvcpu_vcpu_create(vm, &create);
	default:
		return -ENOTTY;
	}
}

static int axvcpu_vm_release(struct inode *inode, struct file *file)
{
	axvcpu_vm_put(file->private_data);
	return 0;
}

static const struct file_operations axvcpu_vm_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= axvcpu_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= axvcpu_vm_release,
	.llseek		= noop_llseek,
};

/**
 * axvcpu_vm_create() - AXVCPU_CREATE_VM: a VM with no memory and no VCPUs.
 * @arg: the ioctl argument, already copied in.
 *
 * Return: the new VM fd; -EINVAL for unknown flags or reserved bits; -ENOBUFS
 * when AXVCPU_MAX_VMS exist; -EBUSY when another hypervisor holds the
 * hardware; -ENODEV when firmware disabled it on a CPU; -ENOSPC when the
 * kernel has no CPU hotplug state left for the per-CPU enable; -EDQUOT when
 * the calling process has max_vms_per_process VMs already; -ENOMEM.
 */
int axvcpu_vm_create(const struct axvcpu_create_vm *arg)
{
	struct axvcpu_vm *vm;
	int ret;

	if ((arg->flags & ~AXVCPU_VM_IPI_IN_KERNEL) ||
	    !axvcpu_zero_check(arg->reserved, sizeof(arg->reserved)))
		return -EINVAL;
	/*
	 * Take a slot only if one is free: a count raised first and checked
	 * after would let creators that are about to fail make a racing one
	 * fail too, with room left.
	 */
	if (!atomic_add_unless(&axvcpu_nr_vms, 1, AXVCPU_MAX_VMS))
		return -ENOBUFS;
	ret = axvcpu_limit_charge(current->mm, AXVCPU_LIMIT_VMS);
	if (ret)
		goto err_count;
	ret = axvcpu_hw_get();
	if (ret)
		goto err_limit;

	ret = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto err_hw;
	kref_init(&vm->ref);
	vm->flags = arg->flags;
	mutex_init(&vm->lock);
	axvcpu_vm_mem_init(vm);
	vm->mm = current->mm;
	mmgrab(vm->mm);

	vm->arch = axvcpu_ops->vm_create(vm);
	if (IS_ERR(vm->arch)) {
		ret = PTR_ERR(vm->arch);
		goto err_free;
	}

	ret = anon_inode_getfd("axvcpu-vm", &axvcpu_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_arch;
	return ret;

err_arch:
	axvcpu_ops->vm_destroy(vm->arch);
err_free:
	mmdrop(vm->mm);
	kfree(vm);
err_hw:
	axvcpu_hw_put();
err_limit:
	axvcpu_limit_uncharge(current->mm, AXVCPU_LIMIT_VMS);
err_count:
	atomic_dec(&axvcpu_nr_vms);
	return ret;
}
