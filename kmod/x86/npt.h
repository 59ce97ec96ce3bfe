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
 * @npt: the table.
 * @gpa: guest physical address (page aligned).
 *
 * May sleep; serialised with x86_npt_map() by the caller, safe against a
 * concurrent x86_npt_unmap() (a new table is zeroed before it is linked).
 * Return: 0, -ENOMEM, or -EINVAL when @gpa is beyond the table's reach.
 */
int x86_npt_prepare(struct x86_npt *npt, u64 gpa);

/**
 * x86_npt_map() - map one 4 KiB guest frame.
 * @npt:  the table.
 * @gpa:  guest physical address (page aligned).
 * @hpa:  host physical address (page aligned).
 * @prot: AXVCPU_PROT_* bits from arch.h; readable is implied, user bit set
 *        (NPT walks are user accesses), cacheable write-back.
 *
 * Replaces an existing leaf. Never allocates or sleeps: the tables down to
 * the leaf come from x86_npt_prepare(). Serialised by the caller (the VM's
 * memory locks); entries are written with single stores so a concurrent
 * hardware walk sees either the old or the new entry.
 * Return: 0, -ENOMEM when @gpa was not prepared, or -EINVAL when @gpa is
 * beyond the table's reach.
 */
int x86_npt_map(struct x86_npt *npt, u64 gpa, u64 hpa, u32 prot);

/**
 * x86_npt_unmap() - clear every leaf in [@gpa, @gpa + @size).
 * @npt:  the table.
 * @gpa:  first guest physical address (page aligned).
 * @size: bytes (page aligned).
 *
 * Empty intermediate tables are kept until x86_npt_destroy(); nothing is
 * allocated or freed, nothing sleeps. The caller must flush TLBs before
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
