/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arithmetic of nested page-table entries (AMD NPT uses the ordinary
 * x86-64 long-mode format): index extraction, reach, entry encoding. Pure,
 * so that npt.c and tests/unit/test_npt_pte.c share the very same code;
 * the table memory itself is managed by npt.c.
 *
 * Levels are numbered as the hardware walks them bottom-up: 1 is the
 * table of 4 KiB leaves (PT), 2 the PD, 3 the PDPT, 4 the PML4, 5 the PML5.
 */
#ifndef _AXVCPU_X86_NPT_PTE_H
#define _AXVCPU_X86_NPT_PTE_H

#include "pure.h"

/* Entry bits (AMD APM vol 2, 5.4 "Page-Translation-Table Entry Fields"). */
#define X86_NPT_P	(1ULL << 0)	/* present */
#define X86_NPT_RW	(1ULL << 1)	/* writable */
#define X86_NPT_US	(1ULL << 2)	/* user */
#define X86_NPT_A	(1ULL << 5)	/* accessed */
#define X86_NPT_D	(1ULL << 6)	/* dirty (leaves only) */
#define X86_NPT_PS	(1ULL << 7)	/* page size: a level-2 leaf maps 2 MiB */
#define X86_NPT_NX	(1ULL << 63)	/* no execute, needs host EFER.NXE */
/** X86_NPT_ADDR_MASK - physical address bits 51:12 of an entry. */
#define X86_NPT_ADDR_MASK 0x000ffffffffff000ULL

/** X86_NPT_ENTRIES - entries per 4 KiB table. */
#define X86_NPT_ENTRIES	512

/**
 * x86_npt_shift() - log2 of the bytes one entry of @level covers.
 * @level: 1 (4 KiB leaves) .. 5.
 *
 * Return: 12 for level 1, then 9 more per level.
 */
static inline unsigned int x86_npt_shift(int level)
{
	return 12 + 9 * (level - 1);
}

/**
 * x86_npt_index() - index into the table of @level that @gpa selects.
 * @gpa:   guest physical address.
 * @level: 1 .. 5.
 *
 * Return: 0 .. 511.
 */
static inline unsigned int x86_npt_index(u64 gpa, int level)
{
	return (gpa >> x86_npt_shift(level)) & (X86_NPT_ENTRIES - 1);
}

/**
 * x86_npt_gpa_bits() - guest physical address bits a table reaches.
 * @levels: 4 or 5.
 *
 * Return: 48 for 4 levels, 57 for 5.
 */
static inline unsigned int x86_npt_gpa_bits(int levels)
{
	return x86_npt_shift(levels + 1);
}

/**
 * x86_npt_leaf() - a present 4 KiB leaf entry.
 * @hpa:   host physical address of the frame (bits 51:12 are used).
 * @write: the guest may write.
 * @exec:  the guest may execute.
 *
 * US is always set because the hardware treats every nested walk as a
 * user access; without it nothing would be reachable. A and D are preset
 * because nothing reads them back (there is no dirty logging), and setting
 * them up front spares the walker a locked update on the first access.
 * PWT/PCD/PAT stay clear: host PAT entry 0, write-back in Linux.
 *
 * Return: the entry.
 */
static inline u64 x86_npt_leaf(u64 hpa, bool write, bool exec)
{
	u64 e = (hpa & X86_NPT_ADDR_MASK) | X86_NPT_P | X86_NPT_US |
		X86_NPT_A | X86_NPT_D;

	if (write)
		e |= X86_NPT_RW;
	if (!exec)
		e |= X86_NPT_NX;
	return e;
}

/** X86_NPT_HUGE_SIZE - bytes a level-2 leaf maps. */
#define X86_NPT_HUGE_SIZE	(1ULL << 21)

/**
 * x86_npt_leaf_huge() - a present level-2 leaf mapping 2 MiB.
 * @hpa:   host physical address of the 2 MiB frame (bits 51:21 are used;
 *         bits 20:13 are reserved in such an entry and bit 12 would be
 *         its PAT bit, so both stay clear).
 * @write: the guest may write.
 * @exec:  the guest may execute.
 *
 * As x86_npt_leaf() otherwise, with PS set.
 *
 * Return: the entry.
 */
static inline u64 x86_npt_leaf_huge(u64 hpa, bool write, bool exec)
{
	return x86_npt_leaf(hpa & ~(X86_NPT_HUGE_SIZE - 1), write, exec) | X86_NPT_PS;
}

/**
 * x86_npt_is_huge() - whether a level-2 entry is a 2 MiB leaf.
 * @entry: a level-2 entry.
 *
 * Return: true when present with PS set.
 */
static inline bool x86_npt_is_huge(u64 entry)
{
	return (entry & (X86_NPT_P | X86_NPT_PS)) == (X86_NPT_P | X86_NPT_PS);
}

/**
 * x86_npt_table_entry() - a non-leaf entry pointing at a lower table.
 * @table_pa: host physical address of the lower table (4 KiB aligned).
 *
 * Fully permissive (P, RW, US, no NX): the effective rights are those of
 * the leaf, so one intermediate entry serves leaves of any protection.
 *
 * Return: the entry.
 */
static inline u64 x86_npt_table_entry(u64 table_pa)
{
	return (table_pa & X86_NPT_ADDR_MASK) | X86_NPT_P | X86_NPT_RW |
	       X86_NPT_US | X86_NPT_A;
}

/**
 * x86_npt_entry_pa() - the physical address an entry points to.
 * @entry: a table or leaf entry.
 *
 * Return: bits 51:12 of @entry.
 */
static inline u64 x86_npt_entry_pa(u64 entry)
{
	return entry & X86_NPT_ADDR_MASK;
}

/**
 * x86_npt_present() - whether an entry is present.
 * @entry: a table or leaf entry.
 *
 * Return: true when the P bit is set.
 */
static inline bool x86_npt_present(u64 entry)
{
	return entry & X86_NPT_P;
}

#endif /* _AXVCPU_X86_NPT_PTE_H */
