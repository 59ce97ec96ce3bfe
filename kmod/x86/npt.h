/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 nested page tables (AMD NPT; the format is that of ordinary x86-64
 * long-mode tables). Only the table handling lives here: TLB flushing and
 * kicking CPUs belong to the backend that runs the guest.
 */
#ifndef _AXVCPU_X86_NPT_H
#define _AXVCPU_X86_NPT_H

#include <linux/types.h>

struct x86_npt;

/**
 * x86_npt_create() - allocate an empty nested page table.
 * @levels: 4, or 5 when the host runs 5-level paging (LA57).
 *
 * Table pages are charged to the calling task's memory cgroup.
 * Return: the table or ERR_PTR(-ENOMEM / -EINVAL).
 */
struct x86_npt *x86_npt_create(int levels);

/**
 * x86_npt_destroy() - free every table page (not the pages mapped).
 * @npt: table from x86_npt_create(), or NULL.
 *
 * May sleep (yields between tables).
 */
void x86_npt_destroy(struct x86_npt *npt);

/**
 * x86_npt_root_pa() - host physical address of the top-level table (nCR3).
 * @npt: the table.
 *
 * Return: the address, page aligned.
 */
u64 x86_npt_root_pa(const struct x86_npt *npt);

/**
 * x86_npt_prepare() - allocate the intermediate tables down to @gpa's leaf.
 * @npt:  the table.
 * @gpa:  guest physical address (page aligned).
 * @huge: for a 2 MiB leaf (x86_npt_map_huge()): stop at the level-2 table.
 *
 * May sleep; serialised with x86_npt_map() by the caller, safe against a
 * concurrent x86_npt_unmap() (a new table is zeroed before it is linked).
 * Return: 0, -ENOMEM, or -EINVAL when @gpa is beyond the table's reach.
 */
int x86_npt_prepare(struct x86_npt *npt, u64 gpa, bool huge);

/**
 * x86_npt_map() - map @n consecutive 4 KiB guest frames.
 * @npt:      the table.
 * @gpa:      guest physical address of the first (page aligned); all @n
 *            lie in the same 2 MiB-aligned block (one leaf table).
 * @hpa:      host physical address of each frame (page aligned).
 * @n:        frames, at least 1.
 * @prot:     AXVCPU_PROT_* bits from arch.h; readable is implied, user bit
 *            set (NPT walks are user accesses), cacheable write-back.
 * @replaced: out: set when a present leaf got another frame (a TLB may
 *            hold the old one); left alone otherwise.
 *
 * A leaf already mapping the same frame is left as it is (a region's rights
 * never change while it is mapped). Never allocates or sleeps: the tables
 * down to the leaf come from x86_npt_prepare(). Serialised by the caller
 * (the VM's memory locks); entries are written with single stores so a
 * concurrent hardware walk sees either the old or the new entry.
 * Return: 0, -ENOMEM when @gpa was not prepared, or -EINVAL for a range
 * beyond the table's reach or across a leaf table.
 */
int x86_npt_map(struct x86_npt *npt, u64 gpa, const u64 *hpa, unsigned int n, u32 prot,
		bool *replaced);

/**
 * x86_npt_map_huge() - map a 2 MiB guest block to a 2 MiB host frame.
 * @npt:      the table.
 * @gpa:      guest physical address, 2 MiB aligned.
 * @hpa:      host physical address, 2 MiB aligned (physically contiguous).
 * @prot:     AXVCPU_PROT_* bits, as for x86_npt_map().
 * @replaced: out: set when a 2 MiB leaf with another frame was replaced.
 *
 * Written only into an empty level-2 slot or over a 2 MiB leaf; the same
 * rules as x86_npt_map() otherwise (prepared with @huge, no allocation).
 * Return: 0; -EEXIST when the slot holds a table (map 4 KiB leaves
 * instead), -ENOMEM when not prepared, -EINVAL.
 */
int x86_npt_map_huge(struct x86_npt *npt, u64 gpa, u64 hpa, u32 prot, bool *replaced);

/**
 * x86_npt_unmap() - clear every leaf in [@gpa, @gpa + @size).
 * @npt:  the table.
 * @gpa:  first guest physical address (page aligned).
 * @size: bytes (page aligned).
 *
 * A 2 MiB leaf the range touches is cleared whole. Empty intermediate
 * tables are kept until x86_npt_destroy(); nothing is allocated or freed,
 * nothing sleeps. The caller must flush TLBs before
 * the frames that were mapped are reused.
 * Return: the number of leaves cleared.
 */
unsigned long x86_npt_unmap(struct x86_npt *npt, u64 gpa, u64 size);

/**
 * x86_npt_lookup() - the host physical address @gpa maps to, for tests
 * and debugging.
 * @npt: the table.
 * @gpa: guest physical address.
 * @hpa: out: host physical address of the frame (page aligned).
 * Return: true when mapped.
 */
bool x86_npt_lookup(const struct x86_npt *npt, u64 gpa, u64 *hpa);

#endif /* _AXVCPU_X86_NPT_H */
