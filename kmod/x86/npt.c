// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables (AMD NPT, APM vol 2 15.25): a 4- or 5-level x86-64
 * page table per VM, translating guest physical to host physical
 * addresses with 4 KiB and 2 MiB leaves.
 *
 * Why it looks the way it does:
 *
 *  - The depth follows the host: the hardware walks the nested table in
 *    the host's paging mode, so with CR4.LA57 set in the host it expects
 *    five levels (the rule KVM's get_npt_level() encodes as well).
 *  - 4 KiB leaves, and 2 MiB leaves (level 2, PS) where the host maps a
 *    whole aligned 2 MiB of the region with one physically contiguous
 *    frame (a transparent or hugetlb huge page): the core decides, from
 *    the pages it took. A 2 MiB leaf is only ever written into an empty
 *    level-2 slot and a 4 KiB map under it is a no-op (it covers the
 *    frame already); a zap that touches any part of it clears all of it,
 *    which a secondary MMU may always do. Once a slot holds a table it
 *    stays one (tables are not freed before destroy), so that part of the
 *    guest goes on with 4 KiB leaves.
 *  - Allocation and mapping are two steps: x86_npt_prepare() allocates
 *    the path to a leaf where it may sleep, x86_npt_map() only writes the
 *    leaf, so it can run under the VM's MMU spinlock. Unmapping never
 *    allocates or frees, so it can run in a non-blockable MMU notifier.
 *  - Table pages are charged to the caller's memory cgroup
 *    (GFP_KERNEL_ACCOUNT): a VM must not be able to grow unaccounted
 *    kernel memory by touching a sparse guest address space.
 *  - Empty intermediate tables are kept until destroy. The walker then
 *    never races with a table being freed under it, so unmapping needs no
 *    RCU or deferred free, and a guest that comes back to the same range
 *    does not allocate again.
 *  - Every entry is written with one WRITE_ONCE: a CPU walking the table
 *    in guest mode sees either the old or the new entry, never a torn one.
 */
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "arch.h"
#include "npt.h"
#include "npt_pte.h"

/**
 * struct x86_npt - one nested page table.
 * @root:   the top-level table page (its address is nCR3).
 * @levels: 4 or 5.
 */
struct x86_npt {
	struct page *root;
	int levels;
};

static u64 *npt_table(u64 entry)
{
	return __va(x86_npt_entry_pa(entry));
}

static u64 *npt_root(const struct x86_npt *npt)
{
	return page_address(npt->root);
}

static bool npt_in_reach(const struct x86_npt *npt, u64 gpa)
{
	return !(gpa >> x86_npt_gpa_bits(npt->levels));
}

struct x86_npt *x86_npt_create(int levels)
{
	struct x86_npt *npt;

	if (levels != 4 && levels != 5)
		return ERR_PTR(-EINVAL);

	npt = kzalloc(sizeof(*npt), GFP_KERNEL_ACCOUNT);
	if (!npt)
		return ERR_PTR(-ENOMEM);

	npt->root = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!npt->root) {
		kfree(npt);
		return ERR_PTR(-ENOMEM);
	}
	npt->levels = levels;
	return npt;
}

/*
 * Recursion is bounded by the depth (at most five frames) and each frame
 * is small, so the plain recursive form is the clearest one.
 */
static void npt_free_table(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < X86_NPT_ENTRIES; i++) {
			u64 entry = table[i];

			/* A 2 MiB leaf points at a guest frame, not a table. */
			if (x86_npt_present(entry) && !(level == 2 && x86_npt_is_huge(entry)))
				npt_free_table(npt_table(entry), level - 1);
			/* A big guest has many tables: let others run. */
			if (level == 2)
				cond_resched();
		}
	}
	/* Level-1 entries point at guest frames, which belong to the core. */
	free_page((unsigned long)table);
}

void x86_npt_destroy(struct x86_npt *npt)
{
	if (!npt)
		return;
	npt_free_table(npt_root(npt), npt->levels);
	kfree(npt);
}

u64 x86_npt_root_pa(const struct x86_npt *npt)
{
	return page_to_phys(npt->root);
}

/*
 * The slot of the entry for @gpa at @stop (1: the 4 KiB leaf, 2: the
 * level-2 entry), creating missing intermediate tables on the way down
 * when @alloc. NULL when a table is missing and not allowed, or cannot
 * be, allocated, or when a 2 MiB leaf covers @gpa above @stop (then *@huge
 * is set); the tables created before that stay (they are empty and freed
 * at destroy).
 */
static u64 *npt_slot(struct x86_npt *npt, u64 gpa, int stop, bool alloc, bool *huge)
{
	u64 *table = npt_root(npt);
	int level;

	*huge = false;
	for (level = npt->levels; level > stop; level--) {
		u64 *slot = &table[x86_npt_index(gpa, level)];
		u64 entry = READ_ONCE(*slot);

		if (level == 2 && x86_npt_is_huge(entry)) {
			*huge = true;
			return NULL;
		}
		if (!x86_npt_present(entry)) {
			struct page *page;

			if (!alloc)
				return NULL;
			page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!page)
				return NULL;
			entry = x86_npt_table_entry(page_to_phys(page));
			/*
			 * The zeroed table must be visible before the entry
			 * that lets a walker reach it (a no-op on x86's
			 * ordered stores, but it states the requirement).
			 */
			smp_wmb();
			WRITE_ONCE(*slot, entry);
		}
		table = npt_table(entry);
	}
	return &table[x86_npt_index(gpa, stop)];
}

int x86_npt_prepare(struct x86_npt *npt, u64 gpa, bool huge)
{
	bool covered;

	if (!PAGE_ALIGNED(gpa) || !npt_in_reach(npt, gpa))
		return -EINVAL;
	/* Under a 2 MiB leaf nothing needs a table. */
	if (npt_slot(npt, gpa, huge ? 2 : 1, true, &covered) || covered)
		return 0;
	return -ENOMEM;
}

int x86_npt_map(struct x86_npt *npt, u64 gpa, const u64 *hpa, unsigned int n, u32 prot,
		bool *replaced)
{
	unsigned int i;
	bool huge;
	u64 *slot;

	if (!PAGE_ALIGNED(gpa) || !n || x86_npt_index(gpa, 1) + n > X86_NPT_ENTRIES ||
	    !npt_in_reach(npt, gpa) || (prot & ~(AXVCPU_PROT_WRITE | AXVCPU_PROT_EXEC)))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!PAGE_ALIGNED(hpa[i]) || (hpa[i] & ~X86_NPT_ADDR_MASK))
			return -EINVAL;

	/* Intermediate tables are never freed before destroy: prepared stays. */
	slot = npt_slot(npt, gpa, 1, false, &huge);
	/* A 2 MiB leaf maps these frames already (the notifier keeps it so). */
	if (huge)
		return 0;
	if (!slot)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		u64 old = READ_ONCE(slot[i]);

		if (x86_npt_present(old)) {
			if (x86_npt_entry_pa(old) == hpa[i])
				continue;
			*replaced = true;
		}
		WRITE_ONCE(slot[i], x86_npt_leaf(hpa[i], prot & AXVCPU_PROT_WRITE,
						 prot & AXVCPU_PROT_EXEC));
	}
	return 0;
}

int x86_npt_map_huge(struct x86_npt *npt, u64 gpa, u64 hpa, u32 prot, bool *replaced)
{
	u64 old, *slot;
	bool huge;

	if (!IS_ALIGNED(gpa, X86_NPT_HUGE_SIZE) || !IS_ALIGNED(hpa, X86_NPT_HUGE_SIZE) ||
	    (hpa & ~X86_NPT_ADDR_MASK) || !npt_in_reach(npt, gpa) ||
	    (prot & ~(AXVCPU_PROT_WRITE | AXVCPU_PROT_EXEC)))
		return -EINVAL;
	slot = npt_slot(npt, gpa, 2, false, &huge);
	if (!slot)
		return huge ? 0 : -ENOMEM;
	old = READ_ONCE(*slot);
	if (x86_npt_present(old)) {
		/* A table: this 2 MiB goes on with 4 KiB leaves. */
		if (!x86_npt_is_huge(old))
			return -EEXIST;
		if (x86_npt_entry_pa(old) == hpa)
			return 0;
		*replaced = true;
	}
	WRITE_ONCE(*slot, x86_npt_leaf_huge(hpa, prot & AXVCPU_PROT_WRITE,
					    prot & AXVCPU_PROT_EXEC));
	return 0;
}

/*
 * Clears the leaves of [@start, @end) below @table, which sits at @level.
 * Absent subtrees are skipped whole, so the cost follows the tables that
 * exist rather than the size of the range.
 */
static unsigned long npt_unmap_range(u64 *table, int level, u64 start, u64 end)
{
	u64 span = 1ULL << x86_npt_shift(level);
	unsigned long cleared = 0;
	u64 addr = start;

	while (addr < end) {
		/* Cannot overflow: addr is below the reach, at most 2^57. */
		u64 next = (addr & ~(span - 1)) + span;
		u64 *slot = &table[x86_npt_index(addr, level)];
		u64 entry = READ_ONCE(*slot);

		if (next > end)
			next = end;
		if (x86_npt_present(entry)) {
			/* A 2 MiB leaf goes whole, even when the range covers part of it. */
			if (level == 1 || (level == 2 && x86_npt_is_huge(entry))) {
				WRITE_ONCE(*slot, 0);
				cleared++;
			} else {
				cleared += npt_unmap_range(npt_table(entry),
							   level - 1, addr, next);
			}
		}
		addr = next;
	}
	return cleared;
}

unsigned long x86_npt_unmap(struct x86_npt *npt, u64 gpa, u64 size)
{
	u64 reach = 1ULL << x86_npt_gpa_bits(npt->levels);
	u64 end = gpa + size;

	if (gpa >= reach || !size)
		return 0;
	/* Written so that a wrapping gpa + size is caught, not optimised out. */
	if (end < gpa || end > reach)
		end = reach;
	return npt_unmap_range(npt_root(npt), npt->levels, gpa, end);
}

bool x86_npt_lookup(const struct x86_npt *npt, u64 gpa, u64 *hpa)
{
	u64 *table = npt_root(npt);
	u64 entry;
	int level;

	if (!npt_in_reach(npt, gpa))
		return false;

	for (level = npt->levels; level > 1; level--) {
		entry = READ_ONCE(table[x86_npt_index(gpa, level)]);
		if (!x86_npt_present(entry))
			return false;
		if (level == 2 && x86_npt_is_huge(entry)) {
			*hpa = x86_npt_entry_pa(entry) + (gpa & (X86_NPT_HUGE_SIZE - 1) & PAGE_MASK);
			return true;
		}
		table = npt_table(entry);
	}
	entry = READ_ONCE(table[x86_npt_index(gpa, 1)]);
	if (!x86_npt_present(entry))
		return false;
	*hpa = x86_npt_entry_pa(entry);
	return true;
}
