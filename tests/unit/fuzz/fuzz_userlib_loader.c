// SPDX-License-Identifier: MIT
/*
 * libFuzzer target of libaxvcpu-user's image loaders (userlib/loader.c)
 * and the Multiboot information block (userlib/multiboot.c), over a
 * tracker without a VM. Input: one byte choosing the call (0 ELF, 1
 * Multiboot, 2 probe and load what it says, as axvcpu_load_file() does),
 * the rest is the file, copied into a heap buffer of exactly its size so
 * that a read past it is an AddressSanitizer report.
 *
 * Invariants (abort() on a violation): only 0, -ENOEXEC or -EFAULT; a
 * failure writes no guest memory and leaves the image description alone;
 * a success agrees with the probe, has 1..16 sorted, disjoint segments in
 * RAM with filesz <= memsz and a zeroed bss, low/high matching them; the
 * information block for it is 0 or -ENOSPC, and when written lies above
 * the image, in RAM, below 4 GiB and out of page 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "axvcpu-user.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define MIB		(1ULL << 20)
/* Guest RAM: [0, 1 MiB) and [1 MiB, 2 MiB) adjacent, [4 GiB, +64 KiB) above 4 GiB. */
#define RAM_LOW		(2 * MIB)
#define RAM_ABOVE_4G	(1ULL << 32)
#define RAM_ABOVE_SIZE	0x10000ULL

static struct axvcpu_guest_mem mem;
static uint8_t *ram_lo, *ram_mid, *ram_above;

static void ram_setup(void)
{
	if (mem.nr)
		return;
	axvcpu_mem_init(&mem, NULL);
	CHECK(!axvcpu_mem_alloc(&mem, 0, MIB, 0, (void **)&ram_lo));
	CHECK(!axvcpu_mem_alloc(&mem, MIB, MIB, 0, (void **)&ram_mid));
	CHECK(!axvcpu_mem_alloc(&mem, RAM_ABOVE_4G, RAM_ABOVE_SIZE, 0, (void **)&ram_above));
}

/* All guest RAM is zero between runs: a run may only change it on success. */
static int ram_is_zero(void)
{
	static const uint8_t zero[4096];
	uint64_t off;

	for (off = 0; off < MIB; off += sizeof(zero))
		if (memcmp(ram_lo + off, zero, sizeof(zero)) ||
		    memcmp(ram_mid + off, zero, sizeof(zero)))
			return 0;
	for (off = 0; off < RAM_ABOVE_SIZE; off += sizeof(zero))
		if (memcmp(ram_above + off, zero, sizeof(zero)))
			return 0;
	return 1;
}

static void ram_clear(void)
{
	memset(ram_lo, 0, MIB);
	memset(ram_mid, 0, MIB);
	memset(ram_above, 0, RAM_ABOVE_SIZE);
}

static void check_image(const struct axvcpu_image *img, int probe)
{
	static const uint8_t zero[4096];
	uint8_t chunk[sizeof(zero)];
	uint64_t high = 0, n;
	unsigned int i;
	uint8_t b;

	CHECK(img->nr_segments >= 1 && img->nr_segments <= AXVCPU_IMAGE_MAX_SEGMENTS);
	if (img->format == AXVCPU_IMAGE_MULTIBOOT) {
		CHECK(probe == AXVCPU_IMAGE_MULTIBOOT && img->mode == AXVCPU_MODE_PROTECTED);
		CHECK(img->entry <= UINT32_MAX);
	} else {
		CHECK(img->format == AXVCPU_IMAGE_ELF64 || img->format == AXVCPU_IMAGE_ELF32);
		CHECK((uint32_t)probe == img->format || probe == AXVCPU_IMAGE_MULTIBOOT);
		CHECK(img->mode == (img->format == AXVCPU_IMAGE_ELF64 ? AXVCPU_MODE_LONG :
				    AXVCPU_MODE_PROTECTED));
		CHECK(img->mb_flags == 0);
	}
	CHECK(img->low == img->segments[0].gpa);
	for (i = 0; i < img->nr_segments; i++) {
		const struct axvcpu_image_segment *s = &img->segments[i];
		uint64_t k;

		CHECK(s->memsz > 0 && s->filesz <= s->memsz);
		CHECK(i == 0 || s->gpa >= img->segments[i - 1].gpa + img->segments[i - 1].memsz);
		CHECK(axvcpu_mem_read(&mem, s->gpa, &b, 1) == 0);
		CHECK(axvcpu_mem_read(&mem, s->gpa + s->memsz - 1, &b, 1) == 0);
		for (k = s->filesz; k < s->memsz; k += n) {
			n = s->memsz - k < sizeof(chunk) ? s->memsz - k : sizeof(chunk);
			CHECK(axvcpu_mem_read(&mem, s->gpa + k, chunk, n) == 0);
			CHECK(!memcmp(chunk, zero, n));
		}
		high = s->gpa + s->memsz;
	}
	CHECK(img->high == high);
}

static void check_info(const struct axvcpu_image *img, const uint8_t *data, size_t size)
{
	struct axvcpu_multiboot_module mod = {
		.data = data, .size = size < 3000 ? size : 3000, .cmdline = "mod",
	};
	uint64_t info = 0;
	uint8_t block[116];
	int ret;

	ret = axvcpu_multiboot_info(&mem, img, "console=ttyS0", &mod, 1, &info);
	CHECK(ret == 0 || ret == -ENOSPC);
	if (ret)
		return;
	CHECK(info >= img->high && info >= 4096 && info + sizeof(block) <= RAM_ABOVE_4G);
	CHECK(axvcpu_mem_read(&mem, info, block, sizeof(block)) == 0);
	/* mem, cmdline, mods, mmap, loader name; one module. */
	CHECK(block[0] == 0x4d && block[1] == 0x02 && block[20] == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct axvcpu_image img, before;
	uint8_t *buf;
	size_t len;
	int op, probe, ret;

	if (size < 1)
		return 0;
	ram_setup();
	op = data[0] % 3;
	len = size - 1;
	buf = malloc(len ? len : 1);
	memcpy(buf, data + 1, len);

	probe = axvcpu_image_probe(buf, len);
	CHECK(probe >= AXVCPU_IMAGE_FLAT && probe <= AXVCPU_IMAGE_MULTIBOOT);
	memset(&img, 0xa5, sizeof(img));
	before = img;
	if (op == 0 || (op == 2 && (probe == AXVCPU_IMAGE_ELF64 || probe == AXVCPU_IMAGE_ELF32)))
		ret = axvcpu_load_elf(&mem, buf, len, &img);
	else if (op == 1 || probe == AXVCPU_IMAGE_MULTIBOOT)
		ret = axvcpu_load_multiboot(&mem, buf, len, &img);
	else
		ret = axvcpu_load_flat(&mem, buf, len, 0x1000, &img);

	if (ret) {
		CHECK(ret == -ENOEXEC || ret == -EFAULT);
		CHECK(!memcmp(&img, &before, sizeof(img)));
		CHECK(ram_is_zero());
	} else if (img.format == AXVCPU_IMAGE_FLAT) {
		CHECK(op == 2 && probe == AXVCPU_IMAGE_FLAT && img.high == 0x1000 + len);
		ram_clear();
	} else {
		check_image(&img, probe);
		check_info(&img, buf, len);
		ram_clear();
	}
	free(buf);
	return 0;
}
