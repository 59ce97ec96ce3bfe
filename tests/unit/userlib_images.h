/* SPDX-License-Identifier: MIT */
/*
 * Guest images built in memory for the loader tests and the fuzz
 * target's seeds: ELF32/ELF64 executables with chosen program headers,
 * optionally with a Multiboot 1 header, each segment's file bytes a known
 * pattern. The builder writes exactly what the spec says, nothing more,
 * so that each test can break one field.
 */
#ifndef AXVCPU_TESTS_USERLIB_IMAGES_H
#define AXVCPU_TESTS_USERLIB_IMAGES_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IMG_MAX_SEGS		20
#define MB_MAGIC		0x1BADB002U

/**
 * struct img_seg - one program header.
 * @type:   p_type (PT_LOAD unless set otherwise; 0 means PT_LOAD).
 * @vaddr:  p_vaddr.
 * @paddr:  p_paddr.
 * @filesz: p_filesz (that many pattern bytes are stored in the file).
 * @memsz:  p_memsz.
 * @offset: p_offset when @raw_offset is set; otherwise the builder's.
 * @raw_offset: use @offset as it is, store no bytes.
 */
struct img_seg {
	uint32_t type;
	uint64_t vaddr, paddr, filesz, memsz;
	uint64_t offset;
	int raw_offset;
};

/**
 * struct img_spec - an ELF image to build.
 * @class:      ELFCLASS32 or ELFCLASS64.
 * @machine:    e_machine (0: EM_386 / EM_X86_64 as the class wants).
 * @type:       e_type (0: ET_EXEC).
 * @entry:      e_entry.
 * @nr:         program headers.
 * @segs:       them.
 * @mb:         write a Multiboot header.
 * @mb_flags:   its flags.
 * @mb_bad_sum: added to its checksum (non-zero breaks it).
 * @mb_offset:  its file offset (0: right after the program headers).
 * @mb_aout:    with flag bit 16, a.out fields pointing nowhere useful.
 * @pad:        bytes of zeros appended at the end of the file.
 */
struct img_spec {
	int class;
	uint16_t machine, type;
	uint64_t entry;
	unsigned int nr;
	struct img_seg segs[IMG_MAX_SEGS];
	int mb;
	uint32_t mb_flags;
	uint32_t mb_bad_sum;
	size_t mb_offset;
	int mb_aout;
	size_t pad;
};

/* The file byte @k of segment @i: a pattern the tests can predict. */
static inline uint8_t img_pattern(unsigned int i, uint64_t k)
{
	return (uint8_t)(0x41 + i * 29 + k * 7 + (k >> 8));
}

static inline void img_put(uint8_t *p, uint64_t v, size_t n)
{
	while (n--) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * Build @sp into a malloc'd buffer of exactly its size (*@len), so that a
 * read past the end is an AddressSanitizer report. Layout: ELF header,
 * program headers, Multiboot header, segment bytes (16-aligned).
 */
static inline uint8_t *img_build(const struct img_spec *sp, size_t *len)
{
	int is64 = sp->class == ELFCLASS64;
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t off = ehsize + sp->nr * phsize, mb_off = 0, total, data[IMG_MAX_SEGS];
	unsigned int i;
	uint8_t *b;

	if (sp->mb) {
		mb_off = sp->mb_offset ? sp->mb_offset : (off + 3) & ~(size_t)3;
		off = mb_off + (sp->mb_aout ? 32 : 12);
	}
	for (i = 0; i < sp->nr; i++) {
		off = (off + 15) & ~(size_t)15;
		data[i] = off;
		if (!sp->segs[i].raw_offset)
			off += sp->segs[i].filesz;
	}
	total = off + sp->pad;
	b = calloc(1, total ? total : 1);
	if (!b)
		abort();

	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = (uint8_t)sp->class;
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	if (is64) {
		Elf64_Ehdr *e = (Elf64_Ehdr *)b;

		e->e_type = sp->type ? sp->type : ET_EXEC;
		e->e_machine = sp->machine ? sp->machine : EM_X86_64;
		e->e_version = EV_CURRENT;
		e->e_entry = sp->entry;
		e->e_phoff = ehsize;
		e->e_ehsize = (uint16_t)ehsize;
		e->e_phentsize = (uint16_t)phsize;
		e->e_phnum = (uint16_t)sp->nr;
	} else {
		Elf32_Ehdr *e = (Elf32_Ehdr *)b;

		e->e_type = sp->type ? sp->type : ET_EXEC;
		e->e_machine = sp->machine ? sp->machine : EM_386;
		e->e_version = EV_CURRENT;
		e->e_entry = (uint32_t)sp->entry;
		e->e_phoff = (uint32_t)ehsize;
		e->e_ehsize = (uint16_t)ehsize;
		e->e_phentsize = (uint16_t)phsize;
		e->e_phnum = (uint16_t)sp->nr;
	}
	for (i = 0; i < sp->nr; i++) {
		const struct img_seg *s = &sp->segs[i];
		uint64_t offset = s->raw_offset ? s->offset : data[i];
		uint8_t *ph = b + ehsize + i * phsize;
		uint64_t k;

		if (is64) {
			Elf64_Phdr p = {
				.p_type = s->type ? s->type : PT_LOAD, .p_flags = PF_R | PF_X,
				.p_offset = offset, .p_vaddr = s->vaddr, .p_paddr = s->paddr,
				.p_filesz = s->filesz, .p_memsz = s->memsz, .p_align = 16,
			};
			memcpy(ph, &p, sizeof(p));
		} else {
			Elf32_Phdr p = {
				.p_type = s->type ? s->type : PT_LOAD, .p_flags = PF_R | PF_X,
				.p_offset = (uint32_t)offset, .p_vaddr = (uint32_t)s->vaddr,
				.p_paddr = (uint32_t)s->paddr, .p_filesz = (uint32_t)s->filesz,
				.p_memsz = (uint32_t)s->memsz, .p_align = 16,
			};
			memcpy(ph, &p, sizeof(p));
		}
		if (!s->raw_offset)
			for (k = 0; k < s->filesz; k++)
				b[data[i] + k] = img_pattern(i, k);
	}
	if (sp->mb) {
		uint32_t flags = sp->mb_flags | (sp->mb_aout ? 1U << 16 : 0);

		img_put(b + mb_off, MB_MAGIC, 4);
		img_put(b + mb_off + 4, flags, 4);
		img_put(b + mb_off + 8, (uint32_t)(0U - MB_MAGIC - flags) + sp->mb_bad_sum, 4);
		if (sp->mb_aout) {
			/* header_addr, load_addr, load_end, bss_end, entry: unused. */
			img_put(b + mb_off + 12, 0xdead0000, 4);
			img_put(b + mb_off + 16, 0xdead0000, 4);
			img_put(b + mb_off + 20, 0xdeadf000, 4);
			img_put(b + mb_off + 24, 0xdeadf000, 4);
			img_put(b + mb_off + 28, 0xdead0010, 4);
		}
	}
	*len = total;
	return b;
}

/* The usual test kernel: text at 1 MiB, data with bss above it. */
static inline struct img_spec img_kernel(int class, int mb)
{
	struct img_spec sp = {
		.class = class,
		.entry = 0x100010,
		.nr = 2,
		.segs = {
			{ .vaddr = 0x100000, .paddr = 0x100000, .filesz = 0x1800, .memsz = 0x1800 },
			{ .vaddr = 0x102000, .paddr = 0x102000, .filesz = 0x100, .memsz = 0x3000 },
		},
		.mb = mb,
		.mb_flags = mb ? 0x3 : 0,
	};
	return sp;
}

/* A higher-half kernel: virtual 0xC0100000 (32-bit) or -2 GiB (64-bit), physical 1 MiB. */
static inline struct img_spec img_higher_half(int class, int mb)
{
	uint64_t base = class == ELFCLASS64 ? 0xffffffff80100000ULL : 0xc0100000ULL;
	struct img_spec sp = {
		.class = class,
		.entry = base + 0xc,
		.nr = 2,
		.segs = {
			{ .vaddr = base, .paddr = 0x100000, .filesz = 0x1000, .memsz = 0x1000 },
			{ .vaddr = base + 0x1000, .paddr = 0x101000, .filesz = 0x80, .memsz = 0x2000 },
		},
		.mb = mb,
		.mb_flags = mb ? 0x3 : 0,
	};
	return sp;
}

#endif /* AXVCPU_TESTS_USERLIB_IMAGES_H */
