// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: the Multiboot 1 information block a loader hands the
 * kernel in EBX (Multiboot Specification 0.6.96, 3.3): memory sizes, the
 * command line, modules, a memory map and the boot loader's name.
 *
 * Everything is placed first and written afterwards, so a call that fails
 * has written nothing. The structures are written byte by byte in
 * little-endian order (the memory map's entries have 64-bit fields at
 * 4-byte offsets, which a C struct would pad).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "axvcpu-user.h"
#include "internal.h"

/* Flags of the information block. */
#define MBI_FLAG_MEM		(1U << 0)	/* mem_lower, mem_upper */
#define MBI_FLAG_CMDLINE	(1U << 2)
#define MBI_FLAG_MODS		(1U << 3)	/* mods_count, mods_addr */
#define MBI_FLAG_MMAP		(1U << 6)	/* mmap_length, mmap_addr */
#define MBI_FLAG_LOADER_NAME	(1U << 9)

/* Byte offsets in the information block (116 bytes up to color_info). */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		116

/* A module entry: mod_start, mod_end (exclusive), string, reserved. */
#define MB_MOD_SIZE		16
/* A memory map entry: size (20, not counting itself), base, length, type. */
#define MB_MMAP_ENTRY_SIZE	24
#define MB_MMAP_SIZE_FIELD	20
#define MB_MEMORY_AVAILABLE	1
#define MB_MEMORY_RESERVED	2

#define MB_LOADER_NAME		"axvcpu-run"

#define PAGE_SIZE_4K		4096ULL
#define SZ_4G			(1ULL << 32)

/*
 * The PC's legacy area: the EBDA's last KiB below 640 KiB and the BIOS
 * ROM at the top of the first MiB are reserved, the VGA and option-ROM
 * area between them is no memory at all.
 */
#define EBDA_START		0x9fc00ULL
#define VGA_START		0xa0000ULL
#define BIOS_START		0xf0000ULL
#define HIGH_MEMORY		0x100000ULL

/* Each region can be cut into five pieces by the four boundaries above. */
#define MAP_MAX			(AXVCPU_GUEST_MEM_SLOTS * 5)

/* A piece of the memory map: [start, end) of one type. */
struct mb_range {
	uint64_t start;
	uint64_t end;
	uint32_t type;
};

struct mb_map {
	unsigned int nr;
	struct mb_range r[MAP_MAX];
};

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	while (n--) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
}

/* Append [start, end), merged with the last piece when they touch. */
static void map_add(struct mb_map *m, uint64_t start, uint64_t end, uint32_t type)
{
	struct mb_range *last = m->nr ? &m->r[m->nr - 1] : NULL;

	if (start >= end)
		return;
	if (last && last->end == start && last->type == type) {
		last->end = end;
		return;
	}
	m->r[m->nr++] = (struct mb_range){ .start = start, .end = end, .type = type };
}

/*
 * The memory map of the tracker's regions (sorted by address): read-only
 * regions are reserved, the rest available, cut around the legacy area.
 */
static void map_build(const struct axvcpu_guest_mem *mem, struct mb_map *m)
{
	static const struct {
		uint64_t start, end;
		int type;		/* 0: not memory, left out */
	} legacy[] = {
		{ EBDA_START, VGA_START, MB_MEMORY_RESERVED },
		{ VGA_START, BIOS_START, 0 },
		{ BIOS_START, HIGH_MEMORY, MB_MEMORY_RESERVED },
	};
	unsigned int i, j;

	m->nr = 0;
	for (i = 0; i < mem->nr; i++) {
		const struct axvcpu_mem_slot *s = &mem->slots[i];
		uint32_t type = s->flags & AXVCPU_MEM_READONLY ? MB_MEMORY_RESERVED :
				MB_MEMORY_AVAILABLE;
		uint64_t pos = s->gpa, end = s->gpa + s->size;

		for (j = 0; j < sizeof(legacy) / sizeof(legacy[0]) && pos < end; j++) {
			uint64_t cut = legacy[j].end < end ? legacy[j].end : end;

			if (pos >= legacy[j].end)
				continue;
			/* Up to the legacy piece as the region is, then the piece. */
			if (pos < legacy[j].start) {
				uint64_t to = legacy[j].start < end ? legacy[j].start : end;

				map_add(m, pos, to, type);
				pos = to;
			}
			if (pos < cut && legacy[j].type)
				map_add(m, pos, cut, (uint32_t)legacy[j].type);
			if (pos < cut)
				pos = cut;
		}
		map_add(m, pos, end, type);
	}
}

/* Places pieces of boot data one after the other in available memory. */
struct mb_placer {
	const struct mb_map *map;
	unsigned int i;
	uint64_t pos;
};

/*
 * Place @size bytes at an @align-aligned address at or above the last
 * piece, inside one available range and below 4 GiB (a piece of size 0
 * still needs an address below the range's end).
 * Return: 0 with *@gpa set, or -ENOSPC.
 */
static int place(struct mb_placer *p, uint64_t size, uint64_t align, uint64_t *gpa)
{
	for (; p->i < p->map->nr; p->i++) {
		const struct mb_range *r = &p->map->r[p->i];
		uint64_t start = p->pos > r->start ? p->pos : r->start;
		uint64_t end = r->end < SZ_4G ? r->end : SZ_4G;

		if (r->type != MB_MEMORY_AVAILABLE || start >= SZ_4G)
			continue;
		start = (start + align - 1) & ~(align - 1);
		if (start < end && size <= end - start) {
			*gpa = start;
			p->pos = start + size;
			return 0;
		}
	}
	return -ENOSPC;
}

/* @s, or "" for NULL (a module without a string gets an empty one). */
static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int axvcpu_multiboot_info(struct axvcpu_guest_mem *mem, const struct axvcpu_image *img,
			  const char *cmdline, const struct axvcpu_multiboot_module *mods,
			  unsigned int nr_mods, uint64_t *info_gpa)
{
	uint64_t info, mmap, mods_gpa = 0, cmdline_gpa = 0, name_gpa;
	uint8_t block[MBI_SIZE], entries[MAP_MAX * MB_MMAP_ENTRY_SIZE];
	uint64_t *mod_gpa = NULL, *mod_str = NULL;
	struct mb_placer p;
	uint8_t *list = NULL;
	struct mb_map map;
	uint32_t flags;
	unsigned int i;
	uint64_t lower = 0, upper = 0;
	int ret;

	if (nr_mods && !mods)
		return -EINVAL;
	for (i = 0; i < nr_mods; i++)
		if (mods[i].size && !mods[i].data)
			return -EINVAL;

	map_build(mem, &map);

	/* Above the image, page-aligned, never in page 0. */
	if (img->high > SZ_4G)
		return -ENOSPC;
	p = (struct mb_placer){ .map = &map, .i = 0,
				.pos = (img->high + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1) };
	if (p.pos < PAGE_SIZE_4K)
		p.pos = PAGE_SIZE_4K;

	ret = place(&p, MBI_SIZE, 8, &info);
	if (!ret)
		ret = place(&p, (uint64_t)map.nr * MB_MMAP_ENTRY_SIZE, 8, &mmap);
	if (!ret && nr_mods)
		ret = place(&p, (uint64_t)nr_mods * MB_MOD_SIZE, 8, &mods_gpa);
	if (!ret && cmdline)
		ret = place(&p, strlen(cmdline) + 1, 1, &cmdline_gpa);
	if (!ret)
		ret = place(&p, sizeof(MB_LOADER_NAME), 1, &name_gpa);
	if (ret)
		return ret;

	if (nr_mods) {
		/* The module list fits below 4 GiB: nr_mods is bounded now. */
		mod_gpa = calloc(nr_mods, sizeof(*mod_gpa));
		mod_str = calloc(nr_mods, sizeof(*mod_str));
		list = calloc(nr_mods, MB_MOD_SIZE);
		if (!mod_gpa || !mod_str || !list) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < nr_mods && !ret; i++)
		ret = place(&p, strlen(str_or_empty(mods[i].cmdline)) + 1, 1, &mod_str[i]);
	/* Page-aligned starts, whether or not the kernel asked (flag bit 0). */
	for (i = 0; i < nr_mods && !ret; i++)
		ret = place(&p, mods[i].size, PAGE_SIZE_4K, &mod_gpa[i]);
	if (ret)
		goto out;

	/* Sizes in KiB: conventional memory from 0, extended from 1 MiB. */
	for (i = 0; i < map.nr; i++) {
		const struct mb_range *r = &map.r[i];

		if (r->type != MB_MEMORY_AVAILABLE)
			continue;
		/* The map is cut at EBDA_START: at most 639 KiB. */
		if (r->start == 0)
			lower = r->end;
		if (r->start == HIGH_MEMORY)
			upper = r->end - HIGH_MEMORY;
	}
	upper /= 1024;
	if (upper > UINT32_MAX)
		upper = UINT32_MAX;

	flags = MBI_FLAG_MEM | MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME;
	if (cmdline)
		flags |= MBI_FLAG_CMDLINE;
	memset(block, 0, sizeof(block));
	put_le(block + MBI_FLAGS, flags, 4);
	put_le(block + MBI_MEM_LOWER, lower / 1024, 4);
	put_le(block + MBI_MEM_UPPER, upper, 4);
	put_le(block + MBI_CMDLINE, cmdline_gpa, 4);
	put_le(block + MBI_MODS_COUNT, nr_mods, 4);
	put_le(block + MBI_MODS_ADDR, mods_gpa, 4);
	put_le(block + MBI_MMAP_LENGTH, (uint64_t)map.nr * MB_MMAP_ENTRY_SIZE, 4);
	put_le(block + MBI_MMAP_ADDR, mmap, 4);
	put_le(block + MBI_LOADER_NAME, name_gpa, 4);

	for (i = 0; i < map.nr; i++) {
		uint8_t *e = entries + i * MB_MMAP_ENTRY_SIZE;

		put_le(e, MB_MMAP_SIZE_FIELD, 4);
		put_le(e + 4, map.r[i].start, 8);
		put_le(e + 12, map.r[i].end - map.r[i].start, 8);
		put_le(e + 20, map.r[i].type, 4);
	}
	for (i = 0; i < nr_mods; i++) {
		uint8_t *e = list + i * MB_MOD_SIZE;

		put_le(e, mod_gpa[i], 4);
		put_le(e + 4, mod_gpa[i] + mods[i].size, 4);
		put_le(e + 8, mod_str[i], 4);
		put_le(e + 12, 0, 4);
	}

	/* Every piece was placed in RAM: these cannot fail on an unchanged tracker. */
	ret = axvcpu_mem_write(mem, info, block, sizeof(block));
	if (!ret)
		ret = axvcpu_mem_write(mem, mmap, entries, (size_t)map.nr * MB_MMAP_ENTRY_SIZE);
	if (!ret && nr_mods)
		ret = axvcpu_mem_write(mem, mods_gpa, list, (size_t)nr_mods * MB_MOD_SIZE);
	if (!ret && cmdline)
		ret = axvcpu_mem_write(mem, cmdline_gpa, cmdline, strlen(cmdline) + 1);
	if (!ret)
		ret = axvcpu_mem_write(mem, name_gpa, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	for (i = 0; i < nr_mods && !ret; i++) {
		const char *s = str_or_empty(mods[i].cmdline);

		ret = axvcpu_mem_write(mem, mod_str[i], s, strlen(s) + 1);
		if (!ret && mods[i].size)
			ret = axvcpu_mem_write(mem, mod_gpa[i], mods[i].data, mods[i].size);
	}
	if (!ret)
		*info_gpa = info;
out:
	free(list);
	free(mod_str);
	free(mod_gpa);
	return ret;
}
