/* SPDX-License-Identifier: MIT */
/*
 * The guest RAM the loader tests (test_userlib_loader.c,
 * test_userlib_multiboot.c) load into: a tracker without a VM over three
 * regions of plain host memory, poisoned, with readers and a snapshot
 * that proves a failed call wrote nothing.
 */
#ifndef AXVCPU_TESTS_USERLIB_RAM_H
#define AXVCPU_TESTS_USERLIB_RAM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvcpu-user.h"
#include "userlib_images.h"

#define MIB		(1ULL << 20)
#define PAGE		4096ULL
#define POISON		0xaa

/* Guest RAM of every test: [0, 1 MiB), [1 MiB, 4 MiB), [256 MiB, +1 MiB). */
#define RAM_HIGH_GPA	0x10000000ULL

struct ram {
	struct axvcpu_guest_mem mem;
	uint8_t *lo, *mid, *high;
};

static inline void ram_fill(struct ram *r, int byte)
{
	memset(r->lo, byte, MIB);
	memset(r->mid, byte, 3 * MIB);
	memset(r->high, byte, MIB);
}

static inline void ram_init(struct ram *r)
{
	axvcpu_mem_init(&r->mem, NULL);
	if (axvcpu_mem_alloc(&r->mem, 0, MIB, 0, (void **)&r->lo) ||
	    axvcpu_mem_alloc(&r->mem, MIB, 3 * MIB, 0, (void **)&r->mid) ||
	    axvcpu_mem_alloc(&r->mem, RAM_HIGH_GPA, MIB, 0, (void **)&r->high)) {
		printf("Bail out! cannot set up the test's guest memory\n");
		exit(1);
	}
	ram_fill(r, POISON);
}

/* A snapshot of all guest RAM, to prove a failed call wrote nothing. */
struct snap {
	uint8_t *b;
};

static inline struct snap snap_take(const struct ram *r)
{
	struct snap s = { .b = malloc(5 * MIB) };

	memcpy(s.b, r->lo, MIB);
	memcpy(s.b + MIB, r->mid, 3 * MIB);
	memcpy(s.b + 4 * MIB, r->high, MIB);
	return s;
}

static inline int snap_same(const struct ram *r, struct snap s)
{
	int same = !memcmp(s.b, r->lo, MIB) && !memcmp(s.b + MIB, r->mid, 3 * MIB) &&
		   !memcmp(s.b + 4 * MIB, r->high, MIB);

	free(s.b);
	return same;
}

static inline uint32_t rd32(const struct ram *r, uint64_t gpa)
{
	uint8_t b[4] = { 0 };

	axvcpu_mem_read(&r->mem, gpa, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t rd64(const struct ram *r, uint64_t gpa)
{
	return rd32(r, gpa) | (uint64_t)rd32(r, gpa + 4) << 32;
}

/* Whether guest bytes [gpa, gpa + n) are segment @i's file pattern. */
static inline int has_pattern(const struct ram *r, uint64_t gpa, unsigned int i, uint64_t n)
{
	uint8_t b;
	uint64_t k;

	for (k = 0; k < n; k++)
		if (axvcpu_mem_read(&r->mem, gpa + k, &b, 1) || b != img_pattern(i, k))
			return 0;
	return 1;
}

static inline int all_bytes(const struct ram *r, uint64_t gpa, uint64_t n, uint8_t v)
{
	uint8_t b;
	uint64_t k;

	for (k = 0; k < n; k++)
		if (axvcpu_mem_read(&r->mem, gpa + k, &b, 1) || b != v)
			return 0;
	return 1;
}

/* Load @sp with @fn into fresh RAM; *@ret the loader's result. */
static inline int load_spec(struct ram *r, const struct img_spec *sp,
		     int (*fn)(struct axvcpu_guest_mem *, const void *, size_t,
			       struct axvcpu_image *),
		     struct axvcpu_image *img)
{
	size_t len;
	uint8_t *b = img_build(sp, &len);
	int ret = fn(&r->mem, b, len, img);

	free(b);
	return ret;
}

#endif /* AXVCPU_TESTS_USERLIB_RAM_H */
