// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: guest image loaders. A flat image is copied as it is;
 * an x86 ELF32 or ELF64 executable is loaded segment by segment at the
 * segments' physical addresses; a Multiboot 1 kernel is an ELF file with
 * a Multiboot header in its first 8 KiB, loaded the same way.
 *
 * The files are untrusted input. Every offset and size is checked
 * against the buffer's length (with comparisons written so that they
 * cannot overflow) before anything is read, every field is read byte by
 * byte (the buffer has no alignment and the file is little-endian
 * whatever the host is), and the whole image is checked before the
 * first byte is written to guest memory: a loader that fails has
 * written nothing and left @img alone. That makes the loaders pure
 * functions of (buffer, memory layout), which tests/unit's fuzz target
 * checks.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "internal.h"

/* Multiboot 1 header (Multiboot Specification 0.6.96, 3.1). */
#define MB_HEADER_MAGIC		0x1BADB002U
#define MB_HEADER_SEARCH	8192	/* it lies within the first 8192 bytes */
#define MB_HEADER_ALIGN		4	/* 32-bit aligned */
#define MB_HEADER_SIZE		12	/* magic, flags, checksum */
/* Flag bits 0-15 are requirements: a loader that lacks one must refuse. */
#define MB_FLAG_PAGE_ALIGN	(1U << 0)	/* modules page-aligned: always done */
#define MB_FLAG_MEMORY_INFO	(1U << 1)	/* mem_* and mmap_*: always given */
#define MB_FLAG_VIDEO_MODE	(1U << 2)	/* a graphics mode: not offered */
#define MB_FLAGS_REQUIRED	0x0000ffffU
#define MB_FLAGS_OFFERED	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

/* Largest file axvcpu_load_file() reads: no guest RAM below 4 GiB is larger. */
#define LOAD_FILE_MAX		(4ULL << 30)

/* A PT_LOAD segment as read from either ELF class. */
struct elf_seg {
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t paddr;
	uint64_t vaddr;
};

/* A checked ELF executable: its class, entry and non-empty PT_LOADs by paddr. */
struct elf_image {
	int class;
	uint64_t entry;
	unsigned int nr;
	struct elf_seg segs[AXVCPU_IMAGE_MAX_SEGMENTS];
};

/* An @n-byte little-endian value at @p (n <= 8). */
static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Field @f of the structure type @type found at @p. */
#define FIELD(p, type, f) \
	get_le((const uint8_t *)(p) + offsetof(type, f), sizeof(((type *)0)->f))

/* An ELF header field of either class. */
#define EHDR(e, b, f) \
	((e) == ELFCLASS64 ? FIELD(b, Elf64_Ehdr, f) : FIELD(b, Elf32_Ehdr, f))
#define PHDR(e, b, f) \
	((e) == ELFCLASS64 ? FIELD(b, Elf64_Phdr, f) : FIELD(b, Elf32_Phdr, f))

/*
 * The class of an x86 ELF executable in @b (ELFCLASS32 for i386,
 * ELFCLASS64 for x86-64, little-endian, ET_EXEC), or 0 for anything else,
 * a buffer too short for its header included.
 */
static int elf_class(const uint8_t *b, size_t len)
{
	int class;

	if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG))
		return 0;
	class = b[EI_CLASS];
	if (class == ELFCLASS64) {
		if (len < sizeof(Elf64_Ehdr))
			return 0;
	} else if (class == ELFCLASS32) {
		if (len < sizeof(Elf32_Ehdr))
			return 0;
	} else {
		return 0;
	}
	if (b[EI_DATA] != ELFDATA2LSB || b[EI_VERSION] != EV_CURRENT)
		return 0;
	if (EHDR(class, b, e_type) != ET_EXEC)
		return 0;
	if (EHDR(class, b, e_machine) != (class == ELFCLASS64 ? EM_X86_64 : EM_386))
		return 0;
	return class;
}

/*
 * The flags of a valid Multiboot 1 header in @b: magic, then flags and a
 * checksum with magic + flags + checksum == 0 (mod 2^32), 4-aligned and
 * whole within the first 8192 bytes. Return: 0 or -ENOEXEC.
 */
static int mb_header_find(const uint8_t *b, size_t len, uint32_t *flags)
{
	size_t limit = len < MB_HEADER_SEARCH ? len : MB_HEADER_SEARCH;
	size_t off;

	for (off = 0; limit >= MB_HEADER_SIZE && off <= limit - MB_HEADER_SIZE;
	     off += MB_HEADER_ALIGN) {
		uint32_t magic = (uint32_t)get_le(b + off, 4);
		uint32_t f = (uint32_t)get_le(b + off + 4, 4);
		uint32_t sum = (uint32_t)get_le(b + off + 8, 4);

		if (magic == MB_HEADER_MAGIC && (uint32_t)(magic + f + sum) == 0) {
			*flags = f;
			return 0;
		}
	}
	return -ENOEXEC;
}

int axvcpu_image_probe(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t flags;
	int class = buf ? elf_class(b, len) : 0;

	if (!class)
		return AXVCPU_IMAGE_FLAT;
	if (!mb_header_find(b, len, &flags))
		return AXVCPU_IMAGE_MULTIBOOT;
	return class == ELFCLASS64 ? AXVCPU_IMAGE_ELF64 : AXVCPU_IMAGE_ELF32;
}

/*
 * Read the program header at @ph (inside the buffer) into @s and check
 * it against the file's @len. Return: 1 for a PT_LOAD with bytes to load,
 * 0 for an entry to skip, -ENOEXEC.
 */
static int elf_seg_read(int class, const uint8_t *ph, size_t len, struct elf_seg *s)
{
	/* An ELF32 file's addresses are 32 bits wide: its segments end at 4 GiB. */
	uint64_t top = class == ELFCLASS64 ? UINT64_MAX : UINT32_MAX;

	if (PHDR(class, ph, p_type) != PT_LOAD)
		return 0;
	s->offset = PHDR(class, ph, p_offset);
	s->filesz = PHDR(class, ph, p_filesz);
	s->memsz = PHDR(class, ph, p_memsz);
	s->paddr = PHDR(class, ph, p_paddr);
	s->vaddr = PHDR(class, ph, p_vaddr);

	if (s->filesz > s->memsz)
		return -ENOEXEC;
	/* Nothing to load (the table may keep empty entries). */
	if (s->memsz == 0)
		return 0;
	if (s->offset > len || s->filesz > len - s->offset)
		return -ENOEXEC;
	if (s->paddr > top || s->memsz - 1 > top - s->paddr)
		return -ENOEXEC;
	return 1;
}

/*
 * Check the ELF executable in @b as a whole and collect its segments,
 * sorted by physical address. Return: 0 or -ENOEXEC.
 */
static int elf_parse(const uint8_t *b, size_t len, struct elf_image *e)
{
	int class = elf_class(b, len);
	uint64_t phoff, phentsize, phnum, i;
	unsigned int j;
	int ret;

	if (!class)
		return -ENOEXEC;
	memset(e, 0, sizeof(*e));
	e->class = class;
	e->entry = EHDR(class, b, e_entry);
	phoff = EHDR(class, b, e_phoff);
	phentsize = EHDR(class, b, e_phentsize);
	phnum = EHDR(class, b, e_phnum);

	if (phentsize != (class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return -ENOEXEC;
	/* PN_XNUM would keep the real number in section 0: not for a kernel. */
	if (phnum == 0 || phnum == PN_XNUM)
		return -ENOEXEC;
	if (phoff > len || phnum > (len - phoff) / phentsize)
		return -ENOEXEC;

	for (i = 0; i < phnum; i++) {
		struct elf_seg s;

		ret = elf_seg_read(class, b + phoff + i * phentsize, len, &s);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (e->nr == AXVCPU_IMAGE_MAX_SEGMENTS)
			return -ENOEXEC;
		/* Insertion by p_paddr: at most 16 entries. */
		for (j = e->nr; j > 0 && e->segs[j - 1].paddr > s.paddr; j--)
			e->segs[j] = e->segs[j - 1];
		e->segs[j] = s;
		e->nr++;
	}
	if (e->nr == 0)
		return -ENOEXEC;

	/* Sorted: only neighbours can overlap. */
	for (j = 1; j < e->nr; j++) {
		const struct elf_seg *p = &e->segs[j - 1];

		if (e->segs[j].paddr - p->paddr < p->memsz)
			return -ENOEXEC;
	}

	/* A virtual entry (a higher-half kernel's) becomes the physical one. */
	for (j = 0; j < e->nr; j++) {
		const struct elf_seg *s = &e->segs[j];

		if (e->entry - s->vaddr < s->memsz) {
			e->entry = e->entry - s->vaddr + s->paddr;
			break;
		}
	}
	return 0;
}

/*
 * Copy the checked image into guest memory: every segment must be RAM
 * (checked for all before the first is written), the bss zeroed.
 * Return: 0 or -EFAULT.
 */
static int elf_load(struct axvcpu_guest_mem *mem, const uint8_t *b, const struct elf_image *e,
		    struct axvcpu_image *img)
{
	struct axvcpu_image out;
	unsigned int i;
	int ret;

	for (i = 0; i < e->nr; i++) {
		const struct elf_seg *s = &e->segs[i];

		if (s->memsz > SIZE_MAX ||
		    !axvcpu_internal_ram_range(mem, s->paddr, s->memsz))
			return -EFAULT;
	}

	memset(&out, 0, sizeof(out));
	for (i = 0; i < e->nr; i++) {
		const struct elf_seg *s = &e->segs[i];

		ret = axvcpu_mem_write(mem, s->paddr, b + s->offset, (size_t)s->filesz);
		if (!ret)
			ret = axvcpu_mem_fill(mem, s->paddr + s->filesz, 0,
					      (size_t)(s->memsz - s->filesz));
		/* Checked above: only a tracker changed meanwhile gets here. */
		if (ret)
			return ret;
		out.segments[i] = (struct axvcpu_image_segment){
			.gpa = s->paddr, .filesz = s->filesz, .memsz = s->memsz,
		};
	}
	out.nr_segments = e->nr;
	out.format = e->class == ELFCLASS64 ? AXVCPU_IMAGE_ELF64 : AXVCPU_IMAGE_ELF32;
	out.mode = e->class == ELFCLASS64 ? AXVCPU_MODE_LONG : AXVCPU_MODE_PROTECTED;
	out.entry = e->entry;
	out.low = e->segs[0].paddr;
	out.high = e->segs[e->nr - 1].paddr + e->segs[e->nr - 1].memsz;
	*img = out;
	return 0;
}

int axvcpu_load_flat(struct axvcpu_guest_mem *mem, const void *buf, size_t len, uint64_t gpa,
		     struct axvcpu_image *img)
{
	struct axvcpu_image out;
	int ret;

	/* An empty file is no image: refuse it rather than run whatever is there. */
	if (len == 0)
		return -ENOEXEC;
	ret = axvcpu_mem_write(mem, gpa, buf, len);
	if (ret)
		return ret;

	memset(&out, 0, sizeof(out));
	out.format = AXVCPU_IMAGE_FLAT;
	out.mode = AXVCPU_MODE_REAL;
	out.entry = gpa;
	out.low = gpa;
	out.high = gpa + len;
	out.nr_segments = 1;
	out.segments[0] = (struct axvcpu_image_segment){ .gpa = gpa, .filesz = len, .memsz = len };
	*img = out;
	return 0;
}

int axvcpu_load_elf(struct axvcpu_guest_mem *mem, const void *buf, size_t len,
		    struct axvcpu_image *img)
{
	struct elf_image e;
	int ret;

	if (!buf)
		return -ENOEXEC;
	ret = elf_parse(buf, len, &e);
	if (ret)
		return ret;
	return elf_load(mem, buf, &e, img);
}

int axvcpu_load_multiboot(struct axvcpu_guest_mem *mem, const void *buf, size_t len,
			  struct axvcpu_image *img)
{
	struct elf_image e;
	uint32_t flags;
	int ret;

	if (!buf)
		return -ENOEXEC;
	ret = mb_header_find(buf, len, &flags);
	if (ret)
		return ret;
	/* A requirement the loader does not meet: the kernel would misbehave. */
	if (flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_OFFERED)
		return -ENOEXEC;
	/*
	 * ELF only: the a.out kludge's addresses (flag bit 16) describe the
	 * same bytes for loaders without ELF support and are not used.
	 */
	ret = elf_parse(buf, len, &e);
	if (ret)
		return ret;
	/* The entry runs in 32-bit protected mode. */
	if (e.entry > UINT32_MAX)
		return -ENOEXEC;
	ret = elf_load(mem, buf, &e, img);
	if (ret)
		return ret;
	img->format = AXVCPU_IMAGE_MULTIBOOT;
	img->mode = AXVCPU_MODE_PROTECTED;
	img->mb_flags = flags;
	return 0;
}

/*
 * Read all of @fd into a buffer of its own (not mmap: a file truncated
 * under a mapping would raise SIGBUS in the loader).
 */
static int read_all(int fd, uint8_t **bufp, size_t *lenp)
{
	size_t cap = 0, len = 0;
	uint8_t *buf = NULL, *nbuf;
	struct stat st;
	ssize_t n;

	/* A regular file's size as the first guess; pipes start small. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size >= LOAD_FILE_MAX)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}
	if (cap < 4096)
		cap = 4096;

	for (;;) {
		if (len == cap || !buf) {
			if (buf) {
				if (cap >= LOAD_FILE_MAX) {
					free(buf);
					return -EFBIG;
				}
				cap *= 2;
			}
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			free(buf);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int axvcpu_load_file(struct axvcpu_guest_mem *mem, const char *path, uint64_t flat_gpa,
		     struct axvcpu_image *img)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_all(fd, &buf, &len);
	close(fd);
	if (ret)
		return ret;

	switch (axvcpu_image_probe(buf, len)) {
	case AXVCPU_IMAGE_MULTIBOOT:
		ret = axvcpu_load_multiboot(mem, buf, len, img);
		break;
	case AXVCPU_IMAGE_ELF64:
	case AXVCPU_IMAGE_ELF32:
		ret = axvcpu_load_elf(mem, buf, len, img);
		break;
	default:
		ret = axvcpu_load_flat(mem, buf, len, flat_gpa, img);
		break;
	}
	free(buf);
	return ret;
}
