// SPDX-License-Identifier: GPL-2.0
/*
 * Host services for the backends (the seed's AxVCpuHal): guest memory.
 *
 * Guest RAM is the VM owner's anonymous (or file) memory. A guest frame is
 * pinned the first time the guest touches it (a nested page fault), with
 * FOLL_LONGTERM because it stays pinned for as long as it is mapped, and
 * charged to the owner's locked_vm, so RLIMIT_MEMLOCK bounds what a VM
 * can pin (CAP_IPC_LOCK lifts the bound, as for mlock). It is unpinned
 * when its region is deleted or the VM dies, always after the nested
 * mapping is gone and no CPU can use it any more.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <asm/io.h>

#include "axvcpu_drv.h"

/* Marks the frames of @vm->pinned that were pinned for writing. */
#define AXVCPU_XA_WRITABLE	XA_MARK_0

/**
 * axvcpu_vm_find_region() - the region holding @gpa, or NULL.
 * @vm:  the VM; mem_lock held.
 * @gpa: guest physical address.
 *
 * Return: the region, or NULL when @gpa is not guest RAM.
 */
struct axvcpu_mem_region *axvcpu_vm_find_region(struct axvcpu_vm *vm, u64 gpa)
{
	struct axvcpu_mem_region *r;
	int i;

	for (i = 0; i < AXVCPU_MAX_MEM_REGIONS; i++) {
		r = &vm->regions[i];
		if (r->size && gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

/*
 * Give back @pages of @mm's locked_vm. account_locked_vm() would also ask
 * capable(CAP_IPC_LOCK), which only an increase needs and which an LSM
 * would audit as a denial for an unprivileged caller.
 */
static void axvcpu_uncharge(struct mm_struct *mm, unsigned long pages)
{
	mmap_write_lock(mm);
	__account_locked_vm(mm, pages, false, current, false);
	mmap_write_unlock(mm);
}

/**
 * axvcpu_vm_unpin_range() - unmap and unpin every guest frame in a range.
 * @vm:   the VM; mem_lock held.
 * @gpa:  first guest physical address.
 * @size: bytes.
 * @zap:  remove the nested mappings first. Only a dying VM, which has no
 *        VCPU left and has freed its nested tables already, passes false.
 *
 * The backend's npt_zap returns only when no CPU can use the old
 * translations, so the pages can be released right after it.
 */
void axvcpu_vm_unpin_range(struct axvcpu_vm *vm, u64 gpa, u64 size, bool zap)
{
	unsigned long first = gpa >> PAGE_SHIFT;
	unsigned long last = (gpa + size - 1) >> PAGE_SHIFT;
	unsigned long gfn, n = 0;
	struct page *page;

	if (xa_empty(&vm->pinned))
		return;
	if (zap)
		axvcpu_ops->npt_zap(vm->arch, gpa, size);

	xa_for_each_range(&vm->pinned, gfn, page, first, last) {
		/* A writable frame may hold guest writes: release it dirty. */
		bool dirty = xa_get_mark(&vm->pinned, gfn, AXVCPU_XA_WRITABLE);

		xa_erase(&vm->pinned, gfn);
		unpin_user_pages_dirty_lock(&page, 1, dirty);
		n++;
	}
	vm->pinned_pages -= n;
	/* A dying owner no longer has a locked_vm worth correcting. */
	if (n && mmget_not_zero(vm->mm)) {
		axvcpu_uncharge(vm->mm, n);
		mmput(vm->mm);
	}
}

static int axvcpu_pin_frame(struct axvcpu_vm *vm, struct axvcpu_mem_region *r,
			    u64 gpa, struct page **pagep)
{
	unsigned long hva = r->hva + ((gpa & PAGE_MASK) - r->gpa);
	unsigned int gup = FOLL_LONGTERM;
	struct page *page;
	int ret;

	if (!(r->flags & AXVCPU_MEM_READONLY))
		gup |= FOLL_WRITE;

	ret = account_locked_vm(vm->mm, 1, true);
	if (ret)
		return ret;
	ret = pin_user_pages_fast(hva, 1, gup, &page);
	if (ret != 1) {
		ret = ret < 0 ? ret : -EFAULT;
		goto err_account;
	}
	ret = xa_err(xa_store(&vm->pinned, gpa >> PAGE_SHIFT, page, GFP_KERNEL_ACCOUNT));
	if (ret)
		goto err_unpin;
	if (gup & FOLL_WRITE)
		xa_set_mark(&vm->pinned, gpa >> PAGE_SHIFT, AXVCPU_XA_WRITABLE);
	vm->pinned_pages++;
	*pagep = page;
	return 0;

err_unpin:
	unpin_user_page(page);
err_account:
	axvcpu_uncharge(vm->mm, 1);
	return ret;
}

int axvcpu_vm_fault(struct axvcpu_vm *vm, u64 gpa, u32 access)
{
	struct axvcpu_mem_region *r;
	struct page *page;
	u32 prot = 0;
	int ret;

	/* Pinning goes through the owner's page tables: only it may fault. */
	if (!axvcpu_vm_owner_ok(vm))
		return -EFAULT;

	mutex_lock(&vm->mem_lock);
	r = axvcpu_vm_find_region(vm, gpa);
	ret = -ENOENT;
	if (!r)
		goto out;
	ret = -EACCES;
	if (((access & AXVCPU_FAULT_WRITE) && (r->flags & AXVCPU_MEM_READONLY)) ||
	    ((access & AXVCPU_FAULT_EXEC) && (r->flags & AXVCPU_MEM_NOEXEC)))
		goto out;

	page = xa_load(&vm->pinned, gpa >> PAGE_SHIFT);
	if (!page) {
		ret = axvcpu_pin_frame(vm, r, gpa, &page);
		if (ret)
			goto out;
	}
	if (!(r->flags & AXVCPU_MEM_READONLY))
		prot |= AXVCPU_PROT_WRITE;
	if (!(r->flags & AXVCPU_MEM_NOEXEC))
		prot |= AXVCPU_PROT_EXEC;
	ret = axvcpu_ops->npt_map(vm->arch, gpa & PAGE_MASK, page_to_phys(page), prot);
out:
	mutex_unlock(&vm->mem_lock);
	return ret;
}

/*
 * Copies between the kernel and guest memory go through the owner's user
 * mapping, a page at a time so that a range may span regions.
 */
static int axvcpu_vm_copy(struct axvcpu_vm *vm, u64 gpa, void *buf, size_t len,
			  bool write)
{
	struct axvcpu_mem_region *r;
	unsigned long hva;
	size_t chunk;
	int ret = 0;

	if (!axvcpu_vm_owner_ok(vm))
		return -EFAULT;

	mutex_lock(&vm->mem_lock);
	while (len) {
		r = axvcpu_vm_find_region(vm, gpa);
		if (!r) {
			ret = -ENOENT;
			break;
		}
		if (write && (r->flags & AXVCPU_MEM_READONLY)) {
			ret = -EACCES;
			break;
		}
		chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		hva = r->hva + (gpa - r->gpa);
		if (write ? copy_to_user((void __user *)hva, buf, chunk) :
			    copy_from_user(buf, (void __user *)hva, chunk)) {
			ret = -EFAULT;
			break;
		}
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	mutex_unlock(&vm->mem_lock);
	return ret;
}

int axvcpu_vm_read(struct axvcpu_vm *vm, u64 gpa, void *buf, size_t len)
{
	return axvcpu_vm_copy(vm, gpa, buf, len, false);
}

int axvcpu_vm_write(struct axvcpu_vm *vm, u64 gpa, const void *buf, size_t len)
{
	return axvcpu_vm_copy(vm, gpa, (void *)buf, len, true);
}
