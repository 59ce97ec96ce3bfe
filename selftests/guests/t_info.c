// SPDX-License-Identifier: MIT
/*
 * test=info [mem=<size>]: the Multiboot information block, as the
 * specification (3.3) and the pc's memory layout want it.
 */
#include "mbtest.h"

#define LEGACY_START		0xa0000UL	/* VGA and ROMs, up to 1 MiB */
#define HIGH_MEMORY		0x100000UL
#define SLACK			(4UL << 20)	/* firmware may keep a few MiB */
#define LOW_RAM_MAX		0xc0000000UL	/* RAM below the PCI hole, at least */

static void check_memory_sizes(const struct multiboot_info *mbi)
{
	uint64_t mem, low, top = HIGH_MEMORY + (uint64_t)mbi->mem_upper * 1024;

	printf("# mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	check(mbi->mem_lower > 0 && mbi->mem_lower <= 640, "info: mem_lower is at most 640 KiB",
	      "%u KiB", mbi->mem_lower);
	if (!arg_size("mem", &mem)) {
		skip("info: mem_upper matches mem=", "no mem= argument");
		return;
	}
	/* Up to mem=, or to the PCI hole, which leaves at least 3 GiB below. */
	low = mem < LOW_RAM_MAX ? mem : LOW_RAM_MAX;
	check(top <= mem && top + SLACK >= low, "info: mem_upper matches mem=",
	      "mem_upper %u KiB ends at %#lx, mem= %#lx", mbi->mem_upper, top, mem);
	check(mmap_available(HIGH_MEMORY, top - HIGH_MEMORY),
	      "info: the memory map has mem_upper's range available", "[%#lx, %#lx)",
	      HIGH_MEMORY, top);
}

/* The first word names the image: a path whose last part starts "mbtest". */
static bool names_image(const char *word, size_t len)
{
	size_t base = len;

	while (base && word[base - 1] != '/')
		base--;
	return len - base >= 6 && !memcmp(word + base, "mbtest", 6);
}

static bool has_word(const char *s, const char *word)
{
	size_t len = strlen(word);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, word, len) && (s[len] == ' ' || !s[len]))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

static void check_cmdline(const struct multiboot_info *mbi)
{
	const char *cmd = (const char *)(uintptr_t)mbi->cmdline, *args;
	size_t name_len;

	if (!check(mbi->flags & MB_INFO_CMDLINE, "info: a command line is given",
		   "flags %#x", mbi->flags))
		return;
	check(!overlaps_image(mbi->cmdline, strlen(cmd) + 1),
	      "info: the command line lies outside the image", "at %#x", mbi->cmdline);
	for (name_len = 0; cmd[name_len] && cmd[name_len] != ' '; name_len++)
		;
	check(names_image(cmd, name_len), "info: the command line begins with the image name",
	      "\"%s\"", cmd);
	for (args = cmd + name_len; *args == ' '; args++)
		;
	check(has_word(args, "test=info"), "info: the arguments follow the image name",
	      "\"%s\"", cmd);
}

static void check_mmap(const struct multiboot_info *mbi)
{
	struct multiboot_mmap *e;
	uint64_t available = 0, mem;
	unsigned int n = 0;
	bool sizes_ok = true, hole_ok = true;

	if (!check(mbi->flags & MB_INFO_MMAP, "info: a memory map is given", "flags %#x",
		   mbi->flags))
		return;
	check(!overlaps_image(mbi->mmap_addr, mbi->mmap_length),
	      "info: the memory map lies outside the image", "at %#x", mbi->mmap_addr);
	for (e = mb_mmap_first(mbi); e; e = mb_mmap_next(mbi, e)) {
		printf("# mmap [%#lx, %#lx) type %u\n", e->addr, e->addr + e->len, e->type);
		n++;
		sizes_ok = sizes_ok && e->size >= 20;
		if (e->type != MB_MMAP_AVAILABLE)
			continue;
		available += e->len;
		if (overlaps(e->addr, e->len, LEGACY_START, HIGH_MEMORY - LEGACY_START))
			hole_ok = false;
	}
	check(n > 0 && sizes_ok, "info: the memory map's entries are well-formed",
	      "%u entries, length %u", n, mbi->mmap_length);
	check(hole_ok, "info: the memory map keeps 640 KiB..1 MiB unavailable", "%s",
	      "an available range overlaps it");
	check(mmap_available((uintptr_t)__image_start, __image_end - __image_start),
	      "info: the image lies in available memory", "[%p, %p)", __image_start,
	      __image_end);
	if (arg_size("mem", &mem))
		check(available <= mem && available + SLACK >= mem,
		      "info: the available memory adds up to mem=", "%#lx available, mem= %#lx",
		      available, mem);
	else
		skip("info: the available memory adds up to mem=", "no mem= argument");
}

void test_info(void)
{
	const struct multiboot_info *mbi = (const struct multiboot_info *)(uintptr_t)rt_mb_info;
	const char *name;

	/* Without the magic, EBX means nothing (and rt_mbi is NULL). */
	if (!check_eq(rt_mb_magic, MB_BOOT_MAGIC, "info: EAX holds the Multiboot magic"))
		return;
	if (!check(rt_mb_info >= 0x1000, "info: EBX is not in page 0", "EBX %#x", rt_mb_info))
		return;
	check(!overlaps_image(rt_mb_info, sizeof(*mbi)),
	      "info: the information block lies outside the image", "EBX %#x, image [%p, %p)",
	      rt_mb_info, __image_start, __image_end);
	if (check(mbi->flags & MB_INFO_MEMORY, "info: flags has mem_lower/mem_upper",
		  "flags %#x", mbi->flags))
		check_memory_sizes(mbi);
	check_cmdline(mbi);
	check_mmap(mbi);
	if (mbi->flags & MB_INFO_LOADER_NAME) {
		name = (const char *)(uintptr_t)mbi->boot_loader_name;
		check(mbi->boot_loader_name && name[0], "info: the boot loader has a name",
		      "at %#x", mbi->boot_loader_name);
		printf("# boot loader: %s\n", name);
	} else {
		skip("info: the boot loader has a name", "flags bit 9 clear");
	}
}
