// SPDX-License-Identifier: MIT
/*
 * test=env [expect=KEY=VALUE,...]: axvcpu-run's --env options arrive as
 * one Multiboot module of "KEY=VALUE\n" lines. (Under QEMU: -initrd with
 * a file of such lines.)
 */
#include "mbtest.h"

#define PAGE_SIZE		4096

/* Whether @line (no newline) is one of the module's lines. */
static bool has_line(const char *mod, size_t size, const char *line)
{
	size_t len = strlen(line), pos = 0;

	while (pos < size) {
		size_t end = pos;

		while (end < size && mod[end] != '\n')
			end++;
		if (end - pos == len && !memcmp(mod + pos, line, len))
			return true;
		pos = end + 1;
	}
	return false;
}

void test_env(void)
{
	const struct multiboot_info *mbi = rt_mbi;
	const struct multiboot_mod *mod;
	const char *expect = arg_str("expect"), *data;
	char pair[128], what[160];
	uint64_t size;

	if (!check(mbi && (mbi->flags & MB_INFO_MODS) && mbi->mods_count == 1,
		   "env: exactly one module", "flags %#x, mods_count %u", mbi ? mbi->flags : 0,
		   mbi && (mbi->flags & MB_INFO_MODS) ? mbi->mods_count : 0))
		return;
	mod = (const struct multiboot_mod *)(uintptr_t)mbi->mods_addr;
	size = mod->mod_end - mod->mod_start;
	data = (const char *)(uintptr_t)mod->mod_start;
	printf("# module at [%#x, %#x), string \"%s\"\n", mod->mod_start, mod->mod_end,
	       mod->string ? (const char *)(uintptr_t)mod->string : "");

	check(mod->mod_end >= mod->mod_start && mmap_available(mod->mod_start, size),
	      "env: the module lies in available memory", "[%#x, %#x)", mod->mod_start,
	      mod->mod_end);
	check(!(mod->mod_start % PAGE_SIZE), "env: the module starts on a page",
	      "at %#x", mod->mod_start);
	check(!overlaps_image(mod->mod_start, size), "env: the module lies outside the image",
	      "[%#x, %#x)", mod->mod_start, mod->mod_end);
	check(size && data[size - 1] == '\n', "env: the module ends with a newline",
	      "%lu bytes", size);
	while (list_next(&expect, pair, sizeof(pair))) {
		snprintf(what, sizeof(what), "env: the module has the line %s", pair);
		check(has_line(data, size, pair), what, "not among its %lu bytes", size);
	}
}
