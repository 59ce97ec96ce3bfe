// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user's image loaders (userlib/loader.c) over a tracker
 * without a VM: guest RAM is plain host memory (userlib_ram.h). Images
 * are built in memory (userlib_images.h), each in a buffer of exactly its
 * size, so that a read past the end is an AddressSanitizer report.
 *
 * Checked: probing; ELF64, ELF32 and Multiboot loads (segments by
 * p_paddr, bss zeroed, entry translated from a virtual address,
 * segments sorted); every -ENOEXEC and -EFAULT path, with guest memory
 * and the image description untouched after each failure; flat images
 * and axvcpu_load_file(). The Multiboot information block has its own
 * program, test_userlib_multiboot.c.
 *
 *   test_userlib_loader                  the TAP test
 *   test_userlib_loader --write-seeds D  write the fuzz target's seed
 *                                        inputs into directory D
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "tap.h"
#include "userlib_images.h"
#include "userlib_ram.h"

/* ---- probing ------------------------------------------------------------ */

static int probe_spec(const struct img_spec *sp)
{
	size_t len;
	uint8_t *b = img_build(sp, &len);
	int ret = axvcpu_image_probe(b, len);

	free(b);
	return ret;
}

static void test_probe(void)
{
	struct img_spec sp;
	uint8_t junk[100];
	unsigned int i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	sp = img_kernel(ELFCLASS64, 0);
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_ELF64, "probe: an x86-64 ELF64 executable");
	sp = img_kernel(ELFCLASS32, 0);
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_ELF32, "probe: an i386 ELF32 executable");
	sp = img_kernel(ELFCLASS32, 1);
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_MULTIBOOT, "probe: ELF32 with a Multiboot header");
	sp = img_kernel(ELFCLASS64, 1);
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_MULTIBOOT, "probe: ELF64 with a Multiboot header");
	tap_is(axvcpu_image_probe(junk, sizeof(junk)), AXVCPU_IMAGE_FLAT, "probe: other bytes are flat");
	tap_is(axvcpu_image_probe(NULL, 0), AXVCPU_IMAGE_FLAT, "probe: nothing is flat");
	tap_is(axvcpu_image_probe("\x7f" "ELF\x02", 5), AXVCPU_IMAGE_FLAT,
	       "probe: a truncated ELF header is flat");
	sp = img_kernel(ELFCLASS64, 0);
	sp.machine = EM_386;
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_FLAT, "probe: ELF64 for i386 is no x86-64 executable");
	sp = img_kernel(ELFCLASS32, 0);
	sp.type = ET_DYN;
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_FLAT, "probe: ET_DYN is no executable");
	sp = img_kernel(ELFCLASS32, 1);
	sp.mb_offset = 8192 - 12;
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_MULTIBOOT,
	       "probe: a Multiboot header ending at byte 8192 counts");
	sp.mb_offset = 8192 - 8;
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_ELF32,
	       "probe: one running past byte 8192 does not");
	sp.mb_offset = 0x102;
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_ELF32, "probe: a misaligned one does not");
	sp.mb_offset = 0;
	sp.mb_bad_sum = 1;
	tap_is(probe_spec(&sp), AXVCPU_IMAGE_ELF32, "probe: a bad checksum does not");
}

/* ---- loading ELF ---------------------------------------------------------- */

static void test_elf64(struct ram *r)
{
	struct img_spec sp = img_kernel(ELFCLASS64, 0);
	struct axvcpu_image img;
	int ret;

	/* The data segment first in the file: the image lists them by address. */
	sp.nr = 3;
	sp.segs[2] = sp.segs[0];
	sp.segs[0] = sp.segs[1];
	sp.segs[1] = (struct img_seg){ .type = PT_NOTE, .paddr = 0x200000, .filesz = 0x10,
				       .memsz = 0x10 };
	ram_fill(r, POISON);
	memset(&img, 0xee, sizeof(img));
	ret = load_spec(r, &sp, axvcpu_load_elf, &img);
	tap_is(ret, 0, "ELF64: loads");
	tap_ok(img.format == AXVCPU_IMAGE_ELF64 && img.mode == AXVCPU_MODE_LONG,
	       "ELF64: format ELF64, mode LONG");
	tap_is(img.entry, 0x100010, "ELF64: entry e_entry");
	tap_ok(img.low == 0x100000 && img.high == 0x105000, "ELF64: low and high, bss included");
	tap_ok(img.nr_segments == 2 && img.segments[0].gpa == 0x100000 &&
	       img.segments[0].filesz == 0x1800 && img.segments[1].gpa == 0x102000 &&
	       img.segments[1].filesz == 0x100 && img.segments[1].memsz == 0x3000 &&
	       img.mb_flags == 0, "ELF64: two PT_LOADs sorted by address, PT_NOTE skipped");
	tap_ok(has_pattern(r, 0x100000, 2, 0x1800) && has_pattern(r, 0x102000, 0, 0x100),
	       "ELF64: the file bytes at p_paddr");
	tap_ok(all_bytes(r, 0x102100, 0x2f00, 0), "ELF64: the bss is zeroed");
	tap_ok(all_bytes(r, 0x101800, 0x800, POISON) && all_bytes(r, 0xff000, 0x1000, POISON) &&
	       all_bytes(r, 0x105000, 0x100, POISON) && all_bytes(r, 0x200000, 0x10, POISON),
	       "ELF64: nothing written outside the segments");

	sp = img_higher_half(ELFCLASS64, 0);
	ram_fill(r, POISON);
	ret = load_spec(r, &sp, axvcpu_load_elf, &img);
	tap_ok(ret == 0 && img.entry == 0x10000c && img.low == 0x100000 && img.high == 0x103000 &&
	       has_pattern(r, 0x100000, 0, 0x1000) && all_bytes(r, 0x101080, 0xf80, 0),
	       "ELF64 at -2 GiB: loaded by p_paddr, entry translated to 0x10000c");

	sp = img_kernel(ELFCLASS64, 0);
	sp.entry = 0x200000;
	tap_ok(load_spec(r, &sp, axvcpu_load_elf, &img) == 0 && img.entry == 0x200000,
	       "ELF64: an entry in no segment is taken as it is");

	sp = img_kernel(ELFCLASS64, 0);
	sp.segs[0].paddr = sp.segs[0].vaddr = 0xff000;
	sp.segs[0].filesz = sp.segs[0].memsz = 0x2000;
	sp.segs[1].memsz = sp.segs[1].filesz;
	ram_fill(r, POISON);
	tap_ok(load_spec(r, &sp, axvcpu_load_elf, &img) == 0 &&
	       has_pattern(r, 0xff000, 0, 0x2000),
	       "ELF64: a segment across two adjacent regions");

	sp = img_kernel(ELFCLASS64, 0);
	sp.segs[1].paddr = 0x101800;	/* right after the first: touching is fine */
	tap_is(load_spec(r, &sp, axvcpu_load_elf, &img), 0, "ELF64: adjacent segments load");

	sp = img_kernel(ELFCLASS64, 0);
	sp.nr = 3;
	sp.segs[2] = (struct img_seg){ .paddr = 0x900000, .filesz = 0, .memsz = 0 };
	tap_ok(load_spec(r, &sp, axvcpu_load_elf, &img) == 0 && img.nr_segments == 2,
	       "ELF64: a PT_LOAD with p_memsz 0 is skipped, wherever it points");
}

static void test_elf32(struct ram *r)
{
	struct img_spec sp = img_kernel(ELFCLASS32, 0);
	struct axvcpu_image img;
	int ret;

	ram_fill(r, POISON);
	ret = load_spec(r, &sp, axvcpu_load_elf, &img);
	tap_is(ret, 0, "ELF32: loads");
	tap_ok(img.format == AXVCPU_IMAGE_ELF32 && img.mode == AXVCPU_MODE_PROTECTED &&
	       img.entry == 0x100010 && img.low == 0x100000 && img.high == 0x105000 &&
	       img.nr_segments == 2, "ELF32: format ELF32, mode PROTECTED, entry, low, high");
	tap_ok(has_pattern(r, 0x100000, 0, 0x1800) && has_pattern(r, 0x102000, 1, 0x100) &&
	       all_bytes(r, 0x102100, 0x2f00, 0) && all_bytes(r, 0x105000, 0x100, POISON),
	       "ELF32: file bytes at p_paddr, bss zeroed, nothing beyond");

	sp = img_higher_half(ELFCLASS32, 0);
	ret = load_spec(r, &sp, axvcpu_load_elf, &img);
	tap_ok(ret == 0 && img.entry == 0x10000c && img.low == 0x100000,
	       "ELF32 at 0xC0100000: loaded by p_paddr, entry translated");

	sp = img_kernel(ELFCLASS32, 0);
	sp.segs[1].paddr = 0xfffff000;
	sp.segs[1].memsz = 0x2000;
	tap_is(load_spec(r, &sp, axvcpu_load_elf, &img), -ENOEXEC,
	       "ELF32: a segment past 4 GiB: -ENOEXEC");
}

/* One broken field of a valid ELF64 image: -ENOEXEC, nothing written. */
struct broken {
	const char *what;
	void (*breakit)(struct img_spec *sp, uint8_t *b, size_t len);
};

static void bad_magic(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	b[1] = 'e';
}

static void bad_class(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	b[EI_CLASS] = 3;
}

static void bad_data(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	b[EI_DATA] = ELFDATA2MSB;
}

static void bad_version(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	b[EI_VERSION] = 0;
}

static void bad_type(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_type = ET_REL;
}

static void bad_machine(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_machine = EM_AARCH64;
}

static void bad_phentsize(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_phentsize = sizeof(Elf64_Phdr) + 8;
}

static void no_phdr(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_phnum = 0;
}

static void phnum_xnum(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_phnum = PN_XNUM;
}

static void phoff_past_end(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp;
	((Elf64_Ehdr *)b)->e_phoff = len + 1;
}

static void phdrs_past_end(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp;
	((Elf64_Ehdr *)b)->e_phoff = len - sizeof(Elf64_Phdr) - 4;
}

static void phoff_wraps(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_phoff = UINT64_MAX - 0x10;
}

static void phnum_many(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	((Elf64_Ehdr *)b)->e_phnum = 0xfff0;
}

static Elf64_Phdr *phdr(uint8_t *b, unsigned int i)
{
	return (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr)) + i;
}

static void seg_offset_past_end(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp;
	phdr(b, 1)->p_offset = len + 0x10;
}

static void seg_bytes_past_end(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp;
	phdr(b, 1)->p_offset = len - 0x80;
}

static void seg_offset_wraps(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 0)->p_offset = UINT64_MAX - 0x100;
}

static void filesz_over_memsz(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 0)->p_memsz = phdr(b, 0)->p_filesz - 1;
}

static void filesz_over_memsz_zero(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 0)->p_memsz = 0;
}

static void overlapping(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 1)->p_paddr = 0x101800 - 1;
}

static void overlapping_same(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 1)->p_paddr = 0x100000;
}

static void no_pt_load(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 0)->p_type = PT_NOTE;
	phdr(b, 1)->p_type = PT_GNU_STACK;
}

static void paddr_wraps(struct img_spec *sp, uint8_t *b, size_t len)
{
	(void)sp, (void)len;
	phdr(b, 1)->p_paddr = UINT64_MAX - 0xfff;
}

static const struct broken broken[] = {
	{ "bad magic", bad_magic },
	{ "an unknown EI_CLASS", bad_class },
	{ "big-endian", bad_data },
	{ "EI_VERSION 0", bad_version },
	{ "ET_REL", bad_type },
	{ "EM_AARCH64", bad_machine },
	{ "another e_phentsize", bad_phentsize },
	{ "e_phnum 0", no_phdr },
	{ "e_phnum PN_XNUM", phnum_xnum },
	{ "e_phoff past the end", phoff_past_end },
	{ "program headers running past the end", phdrs_past_end },
	{ "e_phoff + size wrapping past 2^64", phoff_wraps },
	{ "e_phnum larger than the file", phnum_many },
	{ "a segment's p_offset past the end", seg_offset_past_end },
	{ "a segment's file bytes past the end", seg_bytes_past_end },
	{ "p_offset + p_filesz wrapping past 2^64", seg_offset_wraps },
	{ "p_filesz > p_memsz", filesz_over_memsz },
	{ "p_filesz > p_memsz == 0", filesz_over_memsz_zero },
	{ "segments overlapping by a byte", overlapping },
	{ "segments at the same address", overlapping_same },
	{ "no PT_LOAD", no_pt_load },
	{ "p_paddr + p_memsz wrapping past 2^64", paddr_wraps },
};

static void test_enoexec(struct ram *r)
{
	struct axvcpu_image img, before;
	struct img_spec sp;
	unsigned int i, bad;
	uint8_t *b, *cut;
	size_t len, n;
	struct snap s;
	int ret;

	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		sp = img_kernel(ELFCLASS64, 0);
		b = img_build(&sp, &len);
		broken[i].breakit(&sp, b, len);
		memset(&img, 0x5c, sizeof(img));
		before = img;
		s = snap_take(r);
		ret = axvcpu_load_elf(&r->mem, b, len, &img);
		tap_ok(snap_same(r, s) && ret == -ENOEXEC && !memcmp(&img, &before, sizeof(img)),
		       "ELF64 with %s: -ENOEXEC, nothing written (got %d)", broken[i].what, ret);
		free(b);
	}

	sp = img_kernel(ELFCLASS64, 0);
	sp.nr = AXVCPU_IMAGE_MAX_SEGMENTS + 1;
	for (i = 0; i < sp.nr; i++)
		sp.segs[i] = (struct img_seg){ .paddr = 0x100000 + i * 0x1000, .filesz = 0x10,
					       .memsz = 0x100 };
	tap_is(load_spec(r, &sp, axvcpu_load_elf, &img), -ENOEXEC,
	       "ELF64 with %u segments: -ENOEXEC", AXVCPU_IMAGE_MAX_SEGMENTS + 1);
	sp.nr = AXVCPU_IMAGE_MAX_SEGMENTS;
	tap_ok(load_spec(r, &sp, axvcpu_load_elf, &img) == 0 &&
	       img.nr_segments == AXVCPU_IMAGE_MAX_SEGMENTS,
	       "ELF64 with %u segments loads", AXVCPU_IMAGE_MAX_SEGMENTS);

	/* Every prefix of each kind of image, in a buffer of exactly that size. */
	for (i = 0; i < 3; i++) {
		sp = i == 0 ? img_kernel(ELFCLASS64, 0) : img_kernel(ELFCLASS32, i == 2);
		b = img_build(&sp, &len);
		bad = 0;
		for (n = 0; n < len; n++) {
			cut = malloc(n ? n : 1);
			memcpy(cut, b, n);
			ret = i == 2 ? axvcpu_load_multiboot(&r->mem, cut, n, &img) :
				       axvcpu_load_elf(&r->mem, cut, n, &img);
			if (ret != -ENOEXEC && !bad++)
				tap_diag("prefix of %zu bytes: %d", n, ret);
			free(cut);
		}
		tap_ok(!bad, "every one of the %zu truncations of the %s image: -ENOEXEC", len,
		       i == 0 ? "ELF64" : i == 1 ? "ELF32" : "Multiboot");
		free(b);
	}
}

static void test_efault(struct ram *r)
{
	struct axvcpu_image img, before;
	struct img_spec sp;
	struct snap s;
	int ret;

	/* The first segment is fine; the second lies in the gap above 4 MiB. */
	sp = img_kernel(ELFCLASS64, 0);
	sp.segs[1].paddr = 0x800000;
	ram_fill(r, POISON);
	memset(&img, 0x77, sizeof(img));
	before = img;
	s = snap_take(r);
	ret = load_spec(r, &sp, axvcpu_load_elf, &img);
	tap_is(ret, -EFAULT, "a segment outside guest RAM: -EFAULT");
	tap_ok(snap_same(r, s) && !memcmp(&img, &before, sizeof(img)),
	       "and not even the good segment was written");

	sp = img_kernel(ELFCLASS64, 0);
	sp.segs[1].paddr = 4 * MIB - 0x1000;
	s = snap_take(r);
	ret = load_spec(r, &sp, axvcpu_load_elf, &img);
	tap_ok(snap_same(r, s) && ret == -EFAULT, "a bss running past the end of RAM: -EFAULT");
}

/* ---- Multiboot ------------------------------------------------------------- */

static void test_multiboot_load(struct ram *r)
{
	struct axvcpu_image img;
	struct img_spec sp;
	struct snap s;
	size_t len;
	uint8_t *b;
	int ret;

	sp = img_higher_half(ELFCLASS32, 1);
	ram_fill(r, POISON);
	ret = load_spec(r, &sp, axvcpu_load_multiboot, &img);
	tap_is(ret, 0, "Multiboot ELF32 with p_paddr != p_vaddr: loads");
	tap_ok(img.format == AXVCPU_IMAGE_MULTIBOOT && img.mode == AXVCPU_MODE_PROTECTED &&
	       img.mb_flags == 0x3, "Multiboot: format MULTIBOOT, mode PROTECTED, header flags");
	tap_is(img.entry, 0x10000c, "Multiboot: entry 0xC010000C translated to 0x10000C");
	tap_ok(has_pattern(r, 0x100000, 0, 0x1000) && has_pattern(r, 0x101000, 1, 0x80) &&
	       all_bytes(r, 0x101080, 0x2000 - 0x80, 0) && all_bytes(r, 0x103000, 0x10, POISON),
	       "Multiboot: segments at p_paddr, bss zeroed");

	sp.mb_aout = 1;
	ram_fill(r, POISON);
	ret = load_spec(r, &sp, axvcpu_load_multiboot, &img);
	tap_ok(ret == 0 && img.mb_flags == 0x10003 && img.entry == 0x10000c &&
	       has_pattern(r, 0x100000, 0, 0x1000),
	       "Multiboot with a.out fields (bit 16): loaded from the ELF headers all the same");

	sp = img_kernel(ELFCLASS64, 1);
	ret = load_spec(r, &sp, axvcpu_load_multiboot, &img);
	tap_ok(ret == 0 && img.format == AXVCPU_IMAGE_MULTIBOOT &&
	       img.mode == AXVCPU_MODE_PROTECTED && img.entry == 0x100010,
	       "Multiboot ELF64: loads, mode PROTECTED");

	sp = img_kernel(ELFCLASS64, 1);
	sp.entry = 0x100000000ULL;
	tap_is(load_spec(r, &sp, axvcpu_load_multiboot, &img), -ENOEXEC,
	       "Multiboot with an entry at 4 GiB: -ENOEXEC");

	sp = img_kernel(ELFCLASS32, 0);
	tap_is(load_spec(r, &sp, axvcpu_load_multiboot, &img), -ENOEXEC,
	       "Multiboot: an ELF file without the header: -ENOEXEC");
	sp = img_kernel(ELFCLASS32, 1);
	sp.mb_bad_sum = 0x100;
	tap_is(load_spec(r, &sp, axvcpu_load_multiboot, &img), -ENOEXEC,
	       "Multiboot: a bad checksum: -ENOEXEC");
	sp = img_kernel(ELFCLASS32, 1);
	sp.mb_offset = 8192;
	tap_is(load_spec(r, &sp, axvcpu_load_multiboot, &img), -ENOEXEC,
	       "Multiboot: the header at byte 8192: -ENOEXEC");
	sp = img_kernel(ELFCLASS32, 1);
	sp.mb_flags = 0x7;
	s = snap_take(r);
	ret = load_spec(r, &sp, axvcpu_load_multiboot, &img);
	tap_ok(snap_same(r, s) && ret == -ENOEXEC,
	       "Multiboot asking for a video mode (flag bit 2): -ENOEXEC, nothing written");
	sp.mb_flags = 0x23;
	tap_is(load_spec(r, &sp, axvcpu_load_multiboot, &img), -ENOEXEC,
	       "Multiboot with an unknown required flag (bit 5): -ENOEXEC");
	sp.mb_flags = 0x80000003;
	tap_is(load_spec(r, &sp, axvcpu_load_multiboot, &img), 0,
	       "Multiboot with an unknown optional flag (bit 31): loads");

	/* A valid header in a file that is no ELF (an a.out kludge kernel). */
	sp = img_kernel(ELFCLASS32, 1);
	b = img_build(&sp, &len);
	b[0] = 0;
	tap_is(axvcpu_load_multiboot(&r->mem, b, len, &img), -ENOEXEC,
	       "Multiboot header in a file that is no ELF: -ENOEXEC");
	tap_is(axvcpu_image_probe(b, len), AXVCPU_IMAGE_FLAT, "and such a file probes as flat");
	free(b);
	tap_is(axvcpu_load_multiboot(&r->mem, NULL, 0, &img), -ENOEXEC,
	       "Multiboot: no bytes at all: -ENOEXEC");
}

/* ---- flat images and files --------------------------------------------------- */

static void test_flat(struct ram *r)
{
	struct axvcpu_image img;
	uint8_t code[300];
	unsigned int i;
	struct snap s;
	int ret;

	for (i = 0; i < sizeof(code); i++)
		code[i] = img_pattern(3, i);
	ram_fill(r, POISON);
	tap_ok(axvcpu_load_flat(&r->mem, code, sizeof(code), 0x7c00, &img) == 0 &&
	       img.format == AXVCPU_IMAGE_FLAT && img.mode == AXVCPU_MODE_REAL &&
	       img.entry == 0x7c00 && img.low == 0x7c00 && img.high == 0x7c00 + sizeof(code) &&
	       img.nr_segments == 1 && img.segments[0].memsz == sizeof(code) &&
	       has_pattern(r, 0x7c00, 3, sizeof(code)),
	       "flat: copied at the address given, mode REAL, entry there");
	tap_ok(axvcpu_load_flat(&r->mem, code, sizeof(code), MIB - 100, &img) == 0 &&
	       has_pattern(r, MIB - 100, 3, sizeof(code)), "flat: across two regions");
	s = snap_take(r);
	ret = axvcpu_load_flat(&r->mem, code, sizeof(code), 4 * MIB - 100, &img);
	tap_ok(snap_same(r, s) && ret == -EFAULT, "flat: past the end of RAM: -EFAULT, nothing written");
	tap_is(axvcpu_load_flat(&r->mem, code, 0, 0x7c00, &img), -ENOEXEC,
	       "flat: an empty image: -ENOEXEC");
}

static int write_file(const char *path, const void *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ok = fd >= 0 && write(fd, b, len) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_load_file(struct ram *r)
{
	char dir[] = "/tmp/axvcpu-loader-XXXXXX", path[64];
	struct axvcpu_image img;
	struct img_spec sp;
	size_t len;
	uint8_t *b;
	int ok;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/image", dir);

	sp = img_higher_half(ELFCLASS32, 1);
	b = img_build(&sp, &len);
	ok = write_file(path, b, len);
	free(b);
	tap_ok(ok && axvcpu_load_file(&r->mem, path, 0x8000, &img) == 0 &&
	       img.format == AXVCPU_IMAGE_MULTIBOOT && img.entry == 0x10000c,
	       "load_file: a Multiboot kernel is loaded as one");
	sp = img_kernel(ELFCLASS64, 0);
	b = img_build(&sp, &len);
	ok = write_file(path, b, len);
	free(b);
	tap_ok(ok && axvcpu_load_file(&r->mem, path, 0x8000, &img) == 0 &&
	       img.format == AXVCPU_IMAGE_ELF64, "load_file: an ELF64 executable as ELF64");
	ok = write_file(path, "\xf4\xeb\xfd", 3);
	tap_ok(ok && axvcpu_load_file(&r->mem, path, 0x8000, &img) == 0 &&
	       img.format == AXVCPU_IMAGE_FLAT && img.entry == 0x8000 &&
	       rd32(r, 0x8000) == ((uint32_t)POISON << 24 | 0xfdebf4), "load_file: other bytes flat at flat_gpa");
	ok = write_file(path, "", 0);
	tap_is(axvcpu_load_file(&r->mem, path, 0x8000, &img), -ENOEXEC,
	       "load_file: an empty file: -ENOEXEC");
	unlink(path);
	tap_is(axvcpu_load_file(&r->mem, path, 0x8000, &img), -ENOENT,
	       "load_file: a missing file: -ENOENT");
	tap_is(axvcpu_load_file(&r->mem, dir, 0x8000, &img), -EISDIR,
	       "load_file: a directory: -EISDIR");
	rmdir(dir);
}

/* ---- seeds for the fuzz target ------------------------------------------------------ */

/* fuzz_userlib_loader's input: one byte choosing the call, then the image. */
static int write_seed(const char *dir, const char *name, uint8_t op, const struct img_spec *sp)
{
	char path[512];
	size_t len;
	uint8_t *b = img_build(sp, &len), *in = malloc(len + 1);
	int ok;

	in[0] = op;
	memcpy(in + 1, b, len);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ok = write_file(path, in, len + 1);
	free(in);
	free(b);
	return ok;
}

static int write_seeds(const char *dir)
{
	struct img_spec k64 = img_kernel(ELFCLASS64, 0), k32 = img_kernel(ELFCLASS32, 0);
	struct img_spec mb = img_higher_half(ELFCLASS32, 1), hh = img_higher_half(ELFCLASS64, 0);
	struct img_spec mb64 = img_kernel(ELFCLASS64, 1);
	int ok = 1;

	/* Small segments: the fuzzer's RAM is small, and mutations stay cheap. */
	k64.segs[0].filesz = k64.segs[0].memsz = 0x40;
	k32.segs[0].filesz = k32.segs[0].memsz = 0x40;
	mb64.segs[0].filesz = mb64.segs[0].memsz = 0x40;
	mb.segs[0].filesz = 0x40;
	hh.segs[0].filesz = 0x40;
	mb.mb_aout = 1;
	ok &= write_seed(dir, "elf64", 0, &k64);
	ok &= write_seed(dir, "elf32", 0, &k32);
	ok &= write_seed(dir, "elf64-higher-half", 0, &hh);
	ok &= write_seed(dir, "multiboot32", 1, &mb);
	ok &= write_seed(dir, "multiboot64", 1, &mb64);
	ok &= write_seed(dir, "probe-multiboot32", 2, &mb);
	ok &= write_seed(dir, "probe-elf32", 2, &k32);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct ram r;

	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);

	ram_init(&r);
	test_probe();
	test_elf64(&r);
	test_elf32(&r);
	test_enoexec(&r);
	test_efault(&r);
	test_multiboot_load(&r);
	test_flat(&r);
	test_load_file(&r);
	axvcpu_mem_release(&r.mem);
	return tap_done();
}
