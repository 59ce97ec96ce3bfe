// SPDX-License-Identifier: GPL-2.0
/*
 * Host services for the backends (the seed's AxVCpuHal): guest memory.
 *
 * Guest RAM is the VM owner's ordinary memory, and the nested page table
 * is a secondary MMU of the owner's address space, the way KVM's is:
 *
 *  - A nested page fault looks the page up through the owner's page
 *    tables (get_user_pages(), no FOLL_LONGTERM), maps it, and drops the
 *    page reference again. Nothing stays pinned: the memory remains the
 *    process's, charged to its memory cgroup, and may be reclaimed,
 *    swapped, migrated, compacted or backed by transparent huge pages.
 *    There is no locked_vm charge because nothing is locked.
 *  - An MMU notifier on the owner's mm zaps the nested mappings of a
 *    host virtual range (and flushes every CPU running the VM) before
 *    the kernel changes or frees the pages behind it: munmap, mremap,
 *    MAP_FIXED, MADV_DONTNEED, reclaim, migration, COW. Guest, VMM and
 *    axvcpu_vm_read()/axvcpu_vm_write() therefore always see one set of
 *    frames. When the mm goes away (release) every mapping is zapped.
 *  - A fault racing with an invalidation must not install the frame the
 *    invalidation is taking away. An invalidation raises
 *    @mmu_in_progress at its start and bumps @mmu_seq at its end; a
 *    fault reads @mmu_seq before looking the page up and installs it
 *    only when, under @mmu_lock, no invalidation is in progress and
 *    @mmu_seq has not moved. Otherwise it installs nothing and the guest
 *    faults again.
 *  - Only anonymous, shmem/memfd and hugetlbfs memory may back guest RAM
 *    (axvcpu_backing_ok()), checked when a region is set and again each
 *    time a page is taken. A page-cache file mapping is refused: guest
 *    writes through the nested table would bypass the file system's
 *    dirty tracking and writeback.
 *
 * Locking: @mem_lock (a mutex) serialises region changes and faults, so
 * the backend's npt_prepare (which allocates) runs under it. @mmu_lock (a
 * spinlock) guards @regions against the notifier, which may be called
 * where it must not sleep, and every npt_map / npt_zap; neither sleeps.
 * Order: mem_lock, then the owner's mmap_lock, then mmu_lock.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>
#include <asm/io.h>

#include "axvcpu_drv.h"

/* The most guest memory one npt_zap covers before a blockable zap yields. */
#define AXVCPU_ZAP_CHUNK	(1ULL << 30)

/*
 * Fault-around: a nested page fault also maps the frames of its 2 MiB
 * block that the owner's page tables already hold, looked up in batches of
 * this many pages, with at most this many lookups per fault.
 */
#define AXVCPU_FAULT_AROUND_BLOCK	(2ULL << 20)
#define AXVCPU_FAULT_AROUND_BATCH	64

/**
 * axvcpu_vm_find_region() - the region holding @gpa, or NULL.
 * @vm:  the VM; mem_lock or mmu_lock held.
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

/**
 * axvcpu_backing_ok() - may @vma back guest memory?
 * @vma: a mapping of the owner's address space; its mmap_lock held.
 *
 * Anonymous private memory, shmem (tmpfs files, memfd, MAP_SHARED
 * anonymous memory) and hugetlbfs: memory with no backing store the
 * guest's writes would have to reach. Not page-cache file mappings (ext4,
 * ramfs, ...), device or PFN mappings, nor another axvcpu fd.
 *
 * Return: true when it may.
 */
bool axvcpu_backing_ok(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return false;
	if (vma_is_anonymous(vma) || is_vm_hugetlb_page(vma))
		return true;
	return vma->vm_file && shmem_mapping(vma->vm_file->f_mapping);
}

/*
 * Zap the nested mappings of [@gpa, @gpa + @size), a chunk at a time; a
 * caller that may sleep lets others run between chunks (the lock may be
 * dropped there, so the caller must not rely on @regions staying put).
 */
static void axvcpu_zap_gpa(struct axvcpu_vm *vm, u64 gpa, u64 size, bool may_block)
{
	while (size) {
		u64 chunk = min_t(u64, size, AXVCPU_ZAP_CHUNK);

		axvcpu_ops->npt_zap(vm->arch, gpa, chunk);
		gpa += chunk;
		size -= chunk;
		if (size && may_block)
			cond_resched_lock(&vm->mmu_lock);
	}
}

/**
 * axvcpu_vm_zap_region() - remove every nested mapping of a region.
 * @vm: the VM; mem_lock and mmu_lock held.
 * @r:  the region, still in @vm->regions (so that a concurrent
 *      invalidation of its host range still finds it).
 *
 * May drop and retake mmu_lock between chunks; no fault can map into @r
 * meanwhile because mem_lock is held.
 */
void axvcpu_vm_zap_region(struct axvcpu_vm *vm, struct axvcpu_mem_region *r)
{
	axvcpu_zap_gpa(vm, r->gpa, r->size, true);
}

/*
 * Zap every guest frame backed by host virtual [@start, @end). mmu_lock
 * held. The regions are read afresh at each step: a blockable zap may drop
 * the lock, and a region that changed meanwhile was zapped by whoever
 * changed it.
 */
static void axvcpu_zap_hva(struct axvcpu_vm *vm, unsigned long start,
			   unsigned long end, bool may_block)
{
	struct axvcpu_mem_region *r;
	unsigned long first, last;
	int i;

	for (i = 0; i < AXVCPU_MAX_MEM_REGIONS; i++) {
		r = &vm->regions[i];
		if (!r->size || end <= r->hva || start >= r->hva + r->size)
			continue;
		first = max(start, r->hva);
		last = min_t(unsigned long, end, r->hva + r->size);
		axvcpu_zap_gpa(vm, r->gpa + (first - r->hva), last - first, may_block);
	}
}

static int axvcpu_mn_invalidate_range_start(struct mmu_notifier *mn,
					    const struct mmu_notifier_range *range)
{
	struct axvcpu_vm *vm = container_of(mn, struct axvcpu_vm, mn);

	/* A spinlock, and a zap that neither sleeps nor allocates: fine in
	 * a non-blockable invalidation too; only yielding is left out. */
	spin_lock(&vm->mmu_lock);
	vm->mmu_in_progress++;
	axvcpu_zap_hva(vm, range->start, range->end, mmu_notifier_range_blockable(range));
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static void axvcpu_mn_invalidate_range_end(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct axvcpu_vm *vm = container_of(mn, struct axvcpu_vm, mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	/*
	 * mmu_notifier_register() holds all of the mm's locks (mmap_lock,
	 * i_mmap and anon_vma locks), so no invalidation is in flight across
	 * it: every end seen here had its start seen here.
	 */
	vm->mmu_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/* The owner's address space is going away: no guest frame stays mapped. */
static void axvcpu_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct axvcpu_vm *vm = container_of(mn, struct axvcpu_vm, mn);

	spin_lock(&vm->mmu_lock);
	vm->mm_gone = true;
	vm->mmu_seq++;
	axvcpu_zap_hva(vm, 0, ULONG_MAX, true);
	spin_unlock(&vm->mmu_lock);
}

static const struct mmu_notifier_ops axvcpu_mn_ops = {
	.invalidate_range_start	= axvcpu_mn_invalidate_range_start,
	.invalidate_range_end	= axvcpu_mn_invalidate_range_end,
	.release		= axvcpu_mn_release,
};

/**
 * axvcpu_vm_mem_init() - initialise the memory part of a new VM.
 * @vm: the VM.
 */
void axvcpu_vm_mem_init(struct axvcpu_vm *vm)
{
	mutex_init(&vm->mem_lock);
	spin_lock_init(&vm->mmu_lock);
	vm->mn.ops = &axvcpu_mn_ops;
}

/**
 * axvcpu_vm_mem_track() - follow the owner's address space from now on.
 * @vm: the VM; mem_lock held, called by the owner before its first region
 *      is published.
 *
 * Return: 0, or -ENOMEM / -EINTR from mmu_notifier_register().
 */
int axvcpu_vm_mem_track(struct axvcpu_vm *vm)
{
	int ret;

	if (vm->mn_registered)
		return 0;
	ret = mmu_notifier_register(&vm->mn, vm->mm);
	if (!ret)
		vm->mn_registered = true;
	return ret;
}

/**
 * axvcpu_vm_mem_destroy() - stop following the owner's address space.
 * @vm: the dying VM, before its nested tables are freed; its fault
 *      buffer goes too.
 *
 * Unregistering runs the release callback when the mm is still alive and
 * waits for callbacks in flight, so none touches the tables afterwards.
 */
void axvcpu_vm_mem_destroy(struct axvcpu_vm *vm)
{
	if (vm->mn_registered)
		mmu_notifier_unregister(&vm->mn, vm->mm);
	vm->mn_registered = false;
	kvfree(vm->fault_pages);
	vm->fault_pages = NULL;
}

/*
 * Take a reference to the page behind @hva in the owner's address space,
 * checking what backs it on the way. The reference only lives until the
 * frame is in the nested table.
 */
static int axvcpu_get_page(struct mm_struct *mm, unsigned long hva, bool write,
			   struct page **pagep, unsigned long *vm_start, unsigned long *vm_end)
{
	struct vm_area_struct *vma;
	long got;
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, hva);
	ret = -EFAULT;
	if (!vma)
		goto out;
	ret = -EOPNOTSUPP;
	if (!axvcpu_backing_ok(vma))
		goto out;
	/* The mapping checked here bounds the fault-around. */
	*vm_start = vma->vm_start;
	*vm_end = vma->vm_end;
	got = get_user_pages(hva, 1, write ? FOLL_WRITE : 0, pagep, NULL);
	ret = got == 1 ? 0 : got < 0 ? got : -EFAULT;
out:
	mmap_read_unlock(mm);
	return ret;
}

/* Drop page references, one atomic operation per folio (a huge page's share one). */
static void axvcpu_put_pages(struct page **pages, unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i < n; i += k) {
		struct folio *folio = page_folio(pages[i]);

		for (k = 1; i + k < n && page_folio(pages[i + k]) == folio; k++)
			;
		folio_put_refs(folio, k);
	}
}

/*
 * The part of @gpa's 2 MiB block a fault may map beside it: within the
 * region and within the mapping axvcpu_get_page() checked.
 */
static void axvcpu_fault_block(const struct axvcpu_mem_region *r, u64 gpa,
			       unsigned long vm_start, unsigned long vm_end, u64 *lo, u64 *hi)
{
	*lo = max(gpa & ~(AXVCPU_FAULT_AROUND_BLOCK - 1), r->gpa);
	if (vm_start > r->hva)
		*lo = max(*lo, r->gpa + (vm_start - r->hva));
	*hi = min((gpa & ~(AXVCPU_FAULT_AROUND_BLOCK - 1)) + AXVCPU_FAULT_AROUND_BLOCK,
		  r->gpa + r->size);
	if (vm_end < r->hva + r->size)
		*hi = min(*hi, r->gpa + (vm_end - r->hva));
}

/*
 * A 2 MiB mapping for the whole block of a fault, where the owner's page
 * tables hold all of it, already, as one physically contiguous, aligned
 * frame (a transparent or hugetlb huge page: the first touch of a 2 MiB
 * range of anonymous memory usually makes one). One nested entry then
 * stands for 512 faults, and for 512 TLB entries on hardware.
 * get_user_pages_fast_only() takes only present pages (writable ones for
 * a writable region) and faults nothing in. The invalidation protocol is
 * the faulting frame's: the notifier zaps the whole block when any of it
 * changes.
 *
 * Return: 0 when the block is mapped (or an invalidation raced and the
 * guest faults again), 1 when it cannot be mapped so (4 KiB frames then),
 * or -ENOMEM.
 */
static int axvcpu_fault_huge(struct axvcpu_vm *vm, const struct axvcpu_mem_region *r,
			     u64 block, u32 prot, unsigned long seq)
{
	const unsigned int n = AXVCPU_FAULT_AROUND_BLOCK >> PAGE_SHIFT;
	unsigned long hva = r->hva + (block - r->gpa), pfn;
	unsigned int gup = (prot & AXVCPU_PROT_WRITE) ? FOLL_WRITE : 0;
	struct page **pages;
	int got, i, ret = 1;

	/* Guest and host must agree on the 2 MiB boundaries. */
	if (!IS_ALIGNED(hva, AXVCPU_FAULT_AROUND_BLOCK))
		return 1;
	if (!vm->fault_pages) {
		vm->fault_pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL_ACCOUNT);
		if (!vm->fault_pages)
			return 1;
	}
	pages = vm->fault_pages;
	got = get_user_pages_fast_only(hva, n, gup, pages);
	if (got < 0)
		return 1;
	if (got < n)
		goto out;
	pfn = page_to_pfn(pages[0]);
	if (!IS_ALIGNED(pfn, n))
		goto out;
	for (i = 1; i < n; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			goto out;

	ret = axvcpu_ops->npt_prepare(vm->arch, block, true);
	if (ret)
		goto out;
	spin_lock(&vm->mmu_lock);
	if (vm->mm_gone || vm->mmu_in_progress || vm->mmu_seq != seq)
		ret = 0;	/* the frames may be going away: fault again */
	else
		ret = axvcpu_ops->npt_map_huge(vm->arch, block, PFN_PHYS(pfn), prot);
	spin_unlock(&vm->mmu_lock);
	/* Smaller mappings are in the way: go on with 4 KiB frames. */
	if (ret == -EEXIST)
		ret = 1;
out:
	axvcpu_put_pages(pages, got);
	return ret;
}

/*
 * Map what the owner's page tables hold already after the frame a fault
 * just mapped, in 4 KiB frames: [@lo, @hi) is the rest of the fault's
 * block (axvcpu_fault_block()) past that frame, when no 2 MiB mapping
 * could be made (pages the VMM touched itself, a huge page split since, a
 * region not aligned to 2 MiB). Nothing is faulted in or allocated here:
 * get_user_pages_fast_only() takes only present pages (writable ones for
 * a writable region: a frame still shared copy-on-write is left to its
 * own fault) and stops at the first it cannot take, and so does this
 * walk: on a first touch of 4 KiB pages, where the next page is not there
 * yet, a fault costs one failed lookup more, not a scan of the pages
 * before it (which earlier faults mapped already).
 *
 * No mmap_lock is held: whatever changes the owner's mapping of a page
 * after @seq was read (the mapping itself replaced, the page reclaimed or
 * migrated) runs the MMU notifier first, which moves mmu_seq or shows an
 * invalidation in progress, and then nothing is installed, exactly as for
 * the faulting frame. mem_lock is held (npt_prepare of the faulting frame
 * covered the block's leaf table).
 */
static void axvcpu_fault_around(struct axvcpu_vm *vm, const struct axvcpu_mem_region *r,
				u64 lo, u64 hi, u32 prot, unsigned long seq)
{
	unsigned int gup = (prot & AXVCPU_PROT_WRITE) ? FOLL_WRITE : 0;
	struct page *pages[AXVCPU_FAULT_AROUND_BATCH];
	u64 hpa[AXVCPU_FAULT_AROUND_BATCH];
	unsigned int n;
	int got, i;
	bool ok;

	for (; lo < hi; lo += (u64)got << PAGE_SHIFT) {
		n = min_t(u64, (hi - lo) >> PAGE_SHIFT, AXVCPU_FAULT_AROUND_BATCH);
		got = get_user_pages_fast_only(r->hva + (lo - r->gpa), n, gup, pages);
		if (got <= 0)
			return;
		for (i = 0; i < got; i++)
			hpa[i] = page_to_phys(pages[i]);
		spin_lock(&vm->mmu_lock);
		ok = !vm->mm_gone && !vm->mmu_in_progress && vm->mmu_seq == seq;
		if (ok)
			ok = !axvcpu_ops->npt_map(vm->arch, lo, hpa, got, prot);
		spin_unlock(&vm->mmu_lock);
		axvcpu_put_pages(pages, got);
		/* A hole ended the batch: the page there is not present. */
		if (!ok || got < n)
			return;
	}
}

int axvcpu_vm_fault(struct axvcpu_vm *vm, u64 gpa, u32 access)
{
	unsigned long hva, seq, vm_start = 0, vm_end = 0;
	struct axvcpu_mem_region *r;
	struct page *page;
	u32 prot = 0;
	u64 hpa, lo, hi;
	bool write;
	int ret;

	/* Lookups go through the owner's page tables: only it may fault. */
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
	write = !(r->flags & AXVCPU_MEM_READONLY);
	hva = r->hva + ((gpa & PAGE_MASK) - r->gpa);
	gpa &= PAGE_MASK;
	if (write)
		prot |= AXVCPU_PROT_WRITE;
	if (!(r->flags & AXVCPU_MEM_NOEXEC))
		prot |= AXVCPU_PROT_EXEC;

	/* Read before the lookup; pairs with the update under mmu_lock. */
	seq = READ_ONCE(vm->mmu_seq);
	smp_rmb();

	/*
	 * A writable region takes the page for writing (breaking COW) even
	 * on a read fault, so that the writable nested entry points at the
	 * frame the VMM sees.
	 */
	ret = axvcpu_get_page(vm->mm, hva, write, &page, &vm_start, &vm_end);
	if (ret)
		goto out;

	/*
	 * The whole 2 MiB block at once where the host holds it as one frame:
	 * only worth a look when the faulting page is part of a huge page.
	 */
	axvcpu_fault_block(r, gpa, vm_start, vm_end, &lo, &hi);
	if (hi - lo == AXVCPU_FAULT_AROUND_BLOCK && PageCompound(page)) {
		ret = axvcpu_fault_huge(vm, r, lo, prot, seq);
		if (ret <= 0)
			goto out_put;
	}

	ret = axvcpu_ops->npt_prepare(vm->arch, gpa, false);
	if (ret)
		goto out_put;
	hpa = page_to_phys(page);
	spin_lock(&vm->mmu_lock);
	if (vm->mm_gone)
		ret = -EFAULT;
	else if (vm->mmu_in_progress || vm->mmu_seq != seq)
		ret = 1;	/* the frame may be going away: fault again */
	else
		ret = axvcpu_ops->npt_map(vm->arch, gpa, &hpa, 1, prot);
	spin_unlock(&vm->mmu_lock);
	/* The notifier, not a reference, keeps the mapping valid now. */
	put_page(page);
	if (!ret)
		axvcpu_fault_around(vm, r, gpa + PAGE_SIZE, hi, prot, seq);
	else if (ret == 1)
		ret = 0;
	goto out;
out_put:
	put_page(page);
out:
	mutex_unlock(&vm->mem_lock);
	return ret;
}

/*
 * Reads of guest RAM the nested table maps already (the instruction at
 * RIP and the guest page tables the hardware walked to fetch it, for
 * one): from the frame itself, through the kernel's direct map, under
 * @mmu_lock. The notifier zaps a mapping under that lock before the
 * frame can change or be freed, so while the lock is held a present leaf
 * names a frame that is the owner's and stays so: the same bytes the
 * guest and the VMM see, without the mutex, the region search and the
 * user copy of the path below. False when a page of the range is not
 * mapped (never touched by the guest, or zapped): the caller takes the
 * path below.
 */
static bool axvcpu_vm_read_mapped(struct axvcpu_vm *vm, u64 gpa, void *buf, size_t len)
{
	bool ok = true;
	size_t chunk;
	u64 hpa;
	u8 *src;

	spin_lock(&vm->mmu_lock);
	while (len) {
		if (!axvcpu_ops->npt_lookup(vm->arch, gpa & PAGE_MASK, &hpa)) {
			ok = false;
			break;
		}
		chunk = min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
		src = (u8 *)__va(hpa) + offset_in_page(gpa);
		axvcpu_copy_frame(buf, src, chunk);
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	spin_unlock(&vm->mmu_lock);
	return ok;
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
	if (!axvcpu_vm_owner_ok(vm))
		return -EFAULT;
	if (axvcpu_vm_read_mapped(vm, gpa, buf, len))
		return 0;
	return axvcpu_vm_copy(vm, gpa, buf, len, false);
}

void axvcpu_vm_mmu_lock(struct axvcpu_vm *vm)
{
	spin_lock(&vm->mmu_lock);
}

void axvcpu_vm_mmu_unlock(struct axvcpu_vm *vm)
{
	spin_unlock(&vm->mmu_lock);
}

int axvcpu_vm_write(struct axvcpu_vm *vm, u64 gpa, const void *buf, size_t len)
{
	return axvcpu_vm_copy(vm, gpa, (void *)buf, len, true);
}
