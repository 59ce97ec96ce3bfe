// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user's Multiboot information block (userlib/multiboot.c) over
 * a tracker without a VM (userlib_ram.h), for a higher-half Multiboot
 * kernel loaded first: the block's fields, strings, modules and memory map
 * (legacy area cut out), where it is placed in guest RAM and -ENOSPC when
 * it does not fit, with guest memory untouched after a failure.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvcpu-user.h"
#include "tap.h"
#include "userlib_images.h"
#include "userlib_ram.h"

#define MBI_BITS	((1U << 0) | (1U << 3) | (1U << 6) | (1U << 9))
#define MBI_CMDLINE	(1U << 2)

struct mb_piece {
	uint64_t start, end;
};

/* The pieces of boot data a block points to: block, map, list, strings, modules. */
static unsigned int mb_pieces(const struct ram *r, uint64_t info, struct mb_piece *p)
{
	uint32_t flags = rd32(r, info), i, nr = rd32(r, info + 20), mods = rd32(r, info + 24);
	unsigned int n = 0;
	uint64_t s;

	p[n++] = (struct mb_piece){ info, info + 116 };
	p[n++] = (struct mb_piece){ rd32(r, info + 48), rd32(r, info + 48) + rd32(r, info + 44) };
	s = rd32(r, info + 64);
	p[n++] = (struct mb_piece){ s, s + sizeof("axvcpu-run") };
	if (flags & MBI_CMDLINE) {
		s = rd32(r, info + 16);
		for (i = 0; i < 4096 && rd32(r, s + i) & 0xff; i++)
			;
		p[n++] = (struct mb_piece){ s, s + i + 1 };
	}
	if (nr)
		p[n++] = (struct mb_piece){ mods, mods + 16ULL * nr };
	for (i = 0; i < nr && n < 60; i++)
		p[n++] = (struct mb_piece){ rd32(r, mods + 16 * i), rd32(r, mods + 16 * i + 4) };
	return n;
}

/* No piece in page 0, in the legacy area, in an image segment, or on another piece. */
static int mb_placed_well(const struct ram *r, uint64_t info, const struct axvcpu_image *img)
{
	struct mb_piece p[64];
	unsigned int n = mb_pieces(r, info, p), i, j;

	for (i = 0; i < n; i++) {
		if (p[i].start < PAGE || p[i].end > (1ULL << 32) || p[i].start > p[i].end)
			return 0;
		if (p[i].start < 0x100000 && p[i].end > 0x9fc00)
			return 0;
		if (p[i].start < (img->high + PAGE - 1) / PAGE * PAGE)
			return 0;
		for (j = 0; j < img->nr_segments; j++)
			if (p[i].start < img->segments[j].gpa + img->segments[j].memsz &&
			    img->segments[j].gpa < p[i].end)
				return 0;
		for (j = 0; j < i; j++)
			if (p[i].start < p[j].end && p[j].start < p[i].end)
				return 0;
	}
	return 1;
}

static int guest_str_is(const struct ram *r, uint64_t gpa, const char *want)
{
	size_t n = strlen(want) + 1;
	char *got = malloc(n);
	int same = got && !axvcpu_mem_read(&r->mem, gpa, got, n) && !memcmp(got, want, n);

	free(got);
	return same;
}

struct mmap_entry {
	uint64_t base, len;
	uint32_t type;
};

/* Whether the block's memory map is exactly @want, every size field 20. */
static int mmap_is(const struct ram *r, uint64_t info, const struct mmap_entry *want,
		   unsigned int n)
{
	uint64_t at = rd32(r, info + 48);
	unsigned int i;

	if (rd32(r, info + 44) != n * 24)
		return 0;
	for (i = 0; i < n; i++, at += 24) {
		if (rd32(r, at) != 20 || rd64(r, at + 4) != want[i].base ||
		    rd64(r, at + 12) != want[i].len || rd32(r, at + 20) != want[i].type) {
			tap_diag("mmap entry %u: base 0x%llx len 0x%llx type %u size %u", i,
				 (unsigned long long)rd64(r, at + 4),
				 (unsigned long long)rd64(r, at + 12), rd32(r, at + 20), rd32(r, at));
			return 0;
		}
	}
	return 1;
}

static void test_multiboot_info(struct ram *r)
{
	static const struct mmap_entry want[] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
		{ 0x100000, 0x300000, 1 }, { RAM_HIGH_GPA, MIB, 1 }, { 0x20000000, 0x10000, 2 },
	};
	uint8_t initrd[5000];
	struct axvcpu_multiboot_module mods[3] = {
		{ .data = initrd, .size = sizeof(initrd), .cmdline = "initrd root=/dev/ram0" },
		{ .data = "abc", .size = 3, .cmdline = NULL },
		{ .data = NULL, .size = 0, .cmdline = "empty" },
	};
	struct axvcpu_multiboot_module big = { .size = 2 * MIB, .cmdline = "big" };
	const char *cmdline = "console=ttyS0 quiet";
	struct axvcpu_image img;
	struct img_spec sp = img_higher_half(ELFCLASS32, 1);
	uint64_t info = 0, list, m;
	unsigned int i, ok;
	struct snap s;
	int ret;

	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = img_pattern(5, i);
	ram_fill(r, POISON);
	/* A read-only region (ROM): in the map as reserved, never used. */
	axvcpu_mem_alloc(&r->mem, 0x20000000, 0x10000, AXVCPU_MEM_READONLY, NULL);
	load_spec(r, &sp, axvcpu_load_multiboot, &img);
	s = snap_take(r);
	ret = axvcpu_multiboot_info(&r->mem, &img, cmdline, mods, 3, &info);
	tap_is(ret, 0, "info: written");
	tap_ok(info >= img.high && info % 8 == 0 && info < (1ULL << 32),
	       "info: the block at or above the image's end (0x%llx)", (unsigned long long)info);
	tap_is(rd32(r, info), MBI_BITS | MBI_CMDLINE,
	       "info: flags mem, cmdline, mods, mmap, boot loader name");
	tap_is(rd32(r, info + 4), 639, "info: mem_lower 639 KiB (RAM covers 0 - 0xA0000)");
	tap_is(rd32(r, info + 8), 3072, "info: mem_upper 3 MiB contiguous from 1 MiB");
	tap_ok(guest_str_is(r, rd32(r, info + 16), cmdline), "info: the command line");
	tap_ok(guest_str_is(r, rd32(r, info + 64), "axvcpu-run"), "info: boot loader name");
	tap_is(rd32(r, info + 20), 3, "info: mods_count 3");
	list = rd32(r, info + 24);
	ok = 1;
	for (i = 0; i < 3; i++) {
		uint64_t start = rd32(r, list + 16 * i), end = rd32(r, list + 16 * i + 4);

		ok &= start % PAGE == 0 && end - start == mods[i].size && rd32(r, list + 16 * i + 12) == 0;
		ok &= guest_str_is(r, rd32(r, list + 16 * i + 8),
				   mods[i].cmdline ? mods[i].cmdline : "");
	}
	tap_ok(ok, "info: modules page-aligned, mod_end exclusive, their strings (\"\" for NULL)");
	m = rd32(r, list);
	for (i = 0, ok = 1; i < sizeof(initrd); i++) {
		uint8_t byte = 0;

		axvcpu_mem_read(&r->mem, m + i, &byte, 1);
		ok &= byte == initrd[i];
	}
	tap_ok(ok && (rd32(r, rd32(r, list + 16)) & 0xffffff) == ('a' | 'b' << 8 | 'c' << 16),
	       "info: the modules' bytes");
	tap_ok(mmap_is(r, info, want, sizeof(want) / sizeof(want[0])),
	       "info: memory map: RAM, EBDA and BIOS reserved, VGA hole left out, ROM reserved");
	tap_ok(mb_placed_well(r, info, &img),
	       "info: no piece in page 0, the legacy area, a segment or another piece");
	{
		/* Only the pieces changed: everything below the image's end is as it was. */
		uint8_t *now = malloc(img.high);

		axvcpu_mem_read(&r->mem, 0, now, img.high);
		tap_ok(!memcmp(now, s.b, img.high), "info: nothing written below the image's end");
		free(now);
		free(s.b);
	}
	axvcpu_mem_unmap(&r->mem, 0x20000000);

	/* No command line, no modules. */
	ret = axvcpu_multiboot_info(&r->mem, &img, NULL, NULL, 0, &info);
	tap_ok(ret == 0 && rd32(r, info) == MBI_BITS && rd32(r, info + 16) == 0 &&
	       rd32(r, info + 20) == 0 && rd32(r, info + 24) == 0 && mb_placed_well(r, info, &img),
	       "info without command line or modules: flag bit 2 clear, mods_count 0");

	/* An image ending just below the EBDA: the data goes past the legacy area. */
	img = (struct axvcpu_image){ .format = AXVCPU_IMAGE_FLAT, .high = 0x9f000,
				     .nr_segments = 1, .segments = { { 0x8000, 0x97000, 0x97000 } } };
	ret = axvcpu_multiboot_info(&r->mem, &img, cmdline, mods, 3, &info);
	tap_ok(ret == 0 && mb_placed_well(r, info, &img) && info == 0x9f000,
	       "info after a low image: the block below the EBDA, the rest above 1 MiB");

	img = (struct axvcpu_image){ .format = AXVCPU_IMAGE_FLAT };
	ret = axvcpu_multiboot_info(&r->mem, &img, NULL, NULL, 0, &info);
	tap_ok(ret == 0 && info == PAGE, "info for an image ending at 0: not in page 0");

	/* No room: a 2 MiB module fits in no RAM region above the image. */
	img = (struct axvcpu_image){ .high = 4 * MIB - PAGE };
	big.data = calloc(1, big.size);
	s = snap_take(r);
	ret = axvcpu_multiboot_info(&r->mem, &img, cmdline, &big, 1, &info);
	tap_ok(ret == -ENOSPC, "info: a module that does not fit: -ENOSPC (got %d)", ret);
	tap_ok(snap_same(r, s), "and nothing was written");
	free((void *)big.data);
	img.high = (1ULL << 32) + PAGE;
	tap_is(axvcpu_multiboot_info(&r->mem, &img, NULL, NULL, 0, &info), -ENOSPC,
	       "info: an image above 4 GiB leaves no room below it: -ENOSPC");
	img.high = RAM_HIGH_GPA + MIB;
	tap_is(axvcpu_multiboot_info(&r->mem, &img, NULL, NULL, 0, &info), -ENOSPC,
	       "info: no RAM above the image: -ENOSPC");
	img.high = 0;
	tap_is(axvcpu_multiboot_info(&r->mem, &img, NULL, NULL, 1, &info), -EINVAL,
	       "info: modules NULL with nr_mods 1: -EINVAL");
	mods[2].size = 10;
	tap_is(axvcpu_multiboot_info(&r->mem, &img, NULL, mods, 3, &info), -EINVAL,
	       "info: a module with a size and no data: -EINVAL");
}

/* Other layouts: the map and the sizes follow what RAM there is. */
static void test_multiboot_layouts(void)
{
	static const struct mmap_entry partial[] = {
		{ 0, 0x80000, 1 }, { 0x9f000, 0xc00, 1 }, { 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x8000, 2 }, { 0x200000, 0x200000, 1 },
	};
	struct ram r = { 0 };
	struct axvcpu_image img = { .high = 0 };
	uint64_t info = 0;

	axvcpu_mem_init(&r.mem, NULL);
	axvcpu_mem_alloc(&r.mem, 0, 0x80000, 0, NULL);
	axvcpu_mem_alloc(&r.mem, 0x9f000, 0xf8000 - 0x9f000, 0, NULL);
	axvcpu_mem_alloc(&r.mem, 0x200000, 0x200000, 0, NULL);
	tap_ok(axvcpu_multiboot_info(&r.mem, &img, NULL, NULL, 0, &info) == 0 &&
	       rd32(&r, info + 4) == 512 && rd32(&r, info + 8) == 0 &&
	       mmap_is(&r, info, partial, sizeof(partial) / sizeof(partial[0])),
	       "info: 512 KiB low, none at 1 MiB, a region across the legacy area cut up");
	axvcpu_mem_release(&r.mem);

	axvcpu_mem_init(&r.mem, NULL);
	axvcpu_mem_alloc(&r.mem, MIB, 8 * MIB, 0, NULL);
	axvcpu_mem_alloc(&r.mem, 9 * MIB, 7 * MIB, 0, NULL);
	tap_ok(axvcpu_multiboot_info(&r.mem, &img, NULL, NULL, 0, &info) == 0 &&
	       info == MIB && rd32(&r, info + 4) == 0 && rd32(&r, info + 8) == 15 * 1024,
	       "info: no RAM at 0: mem_lower 0; two adjacent regions count as one for mem_upper");
	axvcpu_mem_release(&r.mem);
}

int main(void)
{
	struct ram r;

	ram_init(&r);
	test_multiboot_info(&r);
	test_multiboot_layouts();
	axvcpu_mem_release(&r.mem);
	return tap_done();
}
