/* SPDX-License-Identifier: MIT */
/*
 * Multiboot 1 (Multiboot Specification 0.6.96, section 3.3): what the
 * loader leaves in EAX and the information block EBX points to.
 */
#ifndef RT_MULTIBOOT_H
#define RT_MULTIBOOT_H

#include <stdint.h>

#define MB_BOOT_MAGIC		0x2badb002	/* EAX on entry */

/* struct multiboot_info.flags: which fields are valid. */
#define MB_INFO_MEMORY		(1U << 0)	/* mem_lower, mem_upper */
#define MB_INFO_BOOTDEV		(1U << 1)
#define MB_INFO_CMDLINE		(1U << 2)
#define MB_INFO_MODS		(1U << 3)	/* mods_count, mods_addr */
#define MB_INFO_MMAP		(1U << 6)	/* mmap_length, mmap_addr */
#define MB_INFO_LOADER_NAME	(1U << 9)

/* Addresses are 32-bit physical ones; the runtime maps them 1:1. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;		/* KiB from 0 */
	uint32_t mem_upper;		/* KiB from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;		/* bytes */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

struct multiboot_mod {
	uint32_t mod_start;
	uint32_t mod_end;		/* exclusive */
	uint32_t string;
	uint32_t reserved;
};

/* A memory map entry; @size does not count itself, the next is at +size+4. */
struct multiboot_mmap {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

#define MB_MMAP_AVAILABLE	1

/* Walk the memory map: for (e = mb_mmap_first(mbi); e; e = mb_mmap_next(mbi, e)) */
static inline struct multiboot_mmap *mb_mmap_first(const struct multiboot_info *mbi)
{
	if (!(mbi->flags & MB_INFO_MMAP) || mbi->mmap_length < sizeof(struct multiboot_mmap))
		return 0;
	return (struct multiboot_mmap *)(uintptr_t)mbi->mmap_addr;
}

static inline struct multiboot_mmap *mb_mmap_next(const struct multiboot_info *mbi,
						  struct multiboot_mmap *e)
{
	uintptr_t next = (uintptr_t)e + e->size + 4;

	if (e->size < 20 || next + sizeof(*e) > (uintptr_t)mbi->mmap_addr + mbi->mmap_length)
		return 0;
	return (struct multiboot_mmap *)next;
}

#endif /* RT_MULTIBOOT_H */
