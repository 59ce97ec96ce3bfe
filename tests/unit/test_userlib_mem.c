// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user's guest memory tracker (userlib/mem.c) over plain host
 * memory: a tracker without a VM (axvcpu_mem_init() with NULL) makes no
 * ioctl, so regions, translation both ways and copies across regions are
 * checked here, under the sanitizers; and axvcpu_strerror()
 * (userlib/errors.c): its axvcpu messages, the C library's, unknown
 * numbers, and its per-thread buffer. The same tracker over a real VM is
 * the selftest userlib_helpers.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "axvcpu-user.h"
#include "tap.h"

#define MIB		(1ULL << 20)
#define PAGE		4096ULL

static void *map_pages(uint64_t size, int byte)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		tap_diag("mmap of %llu bytes failed", (unsigned long long)size);
		return NULL;
	}
	memset(p, byte, size);
	return p;
}

static void test_regions(void)
{
	struct axvcpu_guest_mem mem;
	void *a = NULL, *c = NULL, *b = map_pages(2 * MIB, 0x5a);
	unsigned int i, sorted = 1, zero = 1;
	uint64_t n;

	memset(&mem, 0xff, sizeof(mem));
	axvcpu_mem_init(&mem, NULL);
	tap_ok(mem.nr == 0 && mem.vm == NULL, "init: no region, no VM");

	tap_is(axvcpu_mem_alloc(&mem, 0, MIB, 0, &a), 0, "alloc 1 MiB at GPA 0");
	for (n = 0; a && n < MIB; n += PAGE / 2)
		zero &= ((unsigned char *)a)[n] == 0;
	tap_ok(a && zero, "the allocation is zeroed memory");
	tap_is(axvcpu_mem_map(&mem, MIB, 2 * MIB, AXVCPU_MEM_NOEXEC, b), 0,
	       "map the caller's 2 MiB at 1 MiB");
	tap_is(axvcpu_mem_alloc(&mem, 0x40000000, MIB, AXVCPU_MEM_READONLY, NULL), 0,
	       "alloc at 1 GiB without asking for the mapping");
	tap_is(axvcpu_mem_alloc(&mem, 0x10000000, MIB, 0, &c), 0, "alloc at 256 MiB");
	for (i = 1; i < mem.nr; i++)
		sorted &= mem.slots[i - 1].gpa < mem.slots[i].gpa;
	tap_ok(mem.nr == 4 && sorted, "four regions, sorted by GPA");
	tap_ok(mem.slots[0].slot == 0 && mem.slots[1].slot == 1 && mem.slots[2].slot == 3 &&
	       mem.slots[3].slot == 2, "slots numbered in allocation order, lowest free first");
	tap_ok(mem.slots[0].owned && !mem.slots[1].owned && mem.slots[1].hva == b &&
	       mem.slots[1].flags == AXVCPU_MEM_NOEXEC && mem.slots[3].flags == AXVCPU_MEM_READONLY,
	       "owned, hva and flags recorded");

	/* Overlaps, each way round. */
	tap_is(axvcpu_mem_alloc(&mem, 0, PAGE, 0, NULL), -EEXIST, "same start: -EEXIST");
	tap_is(axvcpu_mem_alloc(&mem, 0x80000, PAGE, 0, NULL), -EEXIST, "inside: -EEXIST");
	tap_is(axvcpu_mem_alloc(&mem, 0x0ff00000, 2 * MIB, 0, NULL), -EEXIST,
	       "straddling a start: -EEXIST");
	tap_is(axvcpu_mem_alloc(&mem, 0x100ff000, 2 * MIB, 0, NULL), -EEXIST,
	       "straddling an end: -EEXIST");
	tap_is(axvcpu_mem_map(&mem, 0x0f000000, 64 * MIB, 0, b), -EEXIST,
	       "covering a region: -EEXIST");
	tap_is(axvcpu_mem_alloc(&mem, 3 * MIB, PAGE, 0, NULL), 0,
	       "right after a region: no overlap");
	tap_is(axvcpu_mem_unmap(&mem, 3 * MIB), 0, "and unmapped again");

	/* Arguments. */
	tap_is(axvcpu_mem_alloc(&mem, 0x800, PAGE, 0, NULL), -EINVAL, "unaligned GPA: -EINVAL");
	tap_is(axvcpu_mem_alloc(&mem, 0x800000, 100, 0, NULL), -EINVAL, "unaligned size: -EINVAL");
	tap_is(axvcpu_mem_alloc(&mem, 0x800000, 0, 0, NULL), -EINVAL, "size 0: -EINVAL");
	tap_is(axvcpu_mem_alloc(&mem, 0xfffffffffffff000ULL, 2 * PAGE, 0, NULL), -EINVAL,
	       "a range past 2^64: -EINVAL");
	tap_is(axvcpu_mem_map(&mem, 0x800000, PAGE, 0, NULL), -EINVAL, "map of NULL: -EINVAL");
	tap_is(axvcpu_mem_map(&mem, 0x800000, PAGE, 0, (char *)b + 8), -EINVAL,
	       "map of an unaligned host address: -EINVAL");
	tap_is(mem.nr, 4, "failed calls left the tracker as it was");

	axvcpu_mem_release(&mem);
	tap_ok(mem.nr == 0 && mem.vm == NULL, "release: no region left");
	tap_ok(((unsigned char *)b)[0] == 0x5a, "release left the caller's memory mapped");
	munmap(b, 2 * MIB);
}

static void test_slots_full(void)
{
	struct axvcpu_guest_mem mem;
	unsigned int i, ok = 0;

	axvcpu_mem_init(&mem, NULL);
	for (i = 0; i < AXVCPU_GUEST_MEM_SLOTS; i++)
		ok += axvcpu_mem_alloc(&mem, (uint64_t)i * 2 * PAGE, PAGE, 0, NULL) == 0;
	tap_is(ok, AXVCPU_GUEST_MEM_SLOTS, "AXVCPU_GUEST_MEM_SLOTS regions fit");
	tap_is(axvcpu_mem_alloc(&mem, 0x10000000, PAGE, 0, NULL), -ENOSPC,
	       "one more: -ENOSPC");
	tap_is(axvcpu_mem_unmap(&mem, 6 * PAGE), 0, "unmap the fourth");
	tap_is(axvcpu_mem_alloc(&mem, 0x10000000, PAGE, 0, NULL), 0, "then one fits again");
	tap_ok(mem.slots[mem.nr - 1].gpa == 0x10000000 && mem.slots[mem.nr - 1].slot == 3,
	       "in the slot number the unmapped region had");
	axvcpu_mem_release(&mem);
}

static void test_translate_and_copy(void)
{
	struct axvcpu_guest_mem mem;
	unsigned char *lo = map_pages(MIB, 0x11), *hi = map_pages(MIB, 0x22);
	unsigned char *far = map_pages(MIB, 0x33);
	unsigned char buf[64], back[64], ref[64];
	uint64_t gpa = 0;
	unsigned int i;

	axvcpu_mem_init(&mem, NULL);
	axvcpu_mem_map(&mem, 0, MIB, 0, lo);
	axvcpu_mem_map(&mem, MIB, MIB, 0, hi);
	axvcpu_mem_map(&mem, 4 * MIB, MIB, 0, far);

	tap_ok(axvcpu_mem_gpa_to_hva(&mem, 0, 1) == lo, "GPA 0 is the first byte");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, MIB - 1, 1) == lo + MIB - 1,
	       "the last byte of a region");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, MIB - 16, 16) == lo + MIB - 16,
	       "a range ending at its region's end");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, MIB - 16, 17) == NULL,
	       "a range into the next region is not one pointer");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, MIB + 5, 0) == hi + 5, "length 0 counts as 1");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, 3 * MIB, 1) == NULL, "a gap: NULL");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, UINT64_MAX, UINT64_MAX) == NULL,
	       "a range past 2^64: NULL");

	tap_ok(axvcpu_mem_hva_to_gpa(&mem, hi + 0x1234, &gpa) == 0 && gpa == MIB + 0x1234,
	       "host to guest inside a region");
	tap_ok(axvcpu_mem_hva_to_gpa(&mem, far + MIB - 1, &gpa) == 0 && gpa == 5 * MIB - 1,
	       "host to guest on a region's last byte");
	tap_is(axvcpu_mem_hva_to_gpa(&mem, far + MIB, &gpa), -ENOENT,
	       "host address past a region: -ENOENT");
	tap_is(axvcpu_mem_hva_to_gpa(&mem, buf, &gpa), -ENOENT, "a host address elsewhere: -ENOENT");

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 3 + 1);
	tap_is(axvcpu_mem_write(&mem, MIB - 20, buf, sizeof(buf)), 0,
	       "write across two adjacent regions");
	tap_ok(!memcmp(lo + MIB - 20, buf, 20) && !memcmp(hi, buf + 20, sizeof(buf) - 20),
	       "the bytes landed in both mappings");
	memset(back, 0, sizeof(back));
	tap_ok(axvcpu_mem_read(&mem, MIB - 20, back, sizeof(back)) == 0 &&
	       !memcmp(back, buf, sizeof(buf)), "read them back across the boundary");

	memcpy(ref, hi + MIB - 10, sizeof(ref) > 10 ? 10 : sizeof(ref));
	tap_is(axvcpu_mem_write(&mem, 2 * MIB - 10, buf, sizeof(buf)), -EFAULT,
	       "a write running into a gap: -EFAULT");
	tap_ok(!memcmp(hi + MIB - 10, ref, 10), "and nothing of it was written");
	tap_is(axvcpu_mem_read(&mem, 3 * MIB, back, 1), -EFAULT, "a read in a gap: -EFAULT");
	tap_is(axvcpu_mem_write(&mem, UINT64_MAX - 3, buf, 8), -EFAULT,
	       "a write past 2^64: -EFAULT");
	tap_is(axvcpu_mem_write(&mem, 3 * MIB, buf, 0), 0, "a write of 0 bytes succeeds anywhere");

	tap_is(axvcpu_mem_fill(&mem, MIB - 8, 0xc3, 16), 0, "fill across the boundary");
	tap_ok(lo[MIB - 9] != 0xc3 && lo[MIB - 8] == 0xc3 && lo[MIB - 1] == 0xc3 &&
	       hi[0] == 0xc3 && hi[7] == 0xc3 && hi[8] != 0xc3, "exactly those 16 bytes");
	tap_is(axvcpu_mem_fill(&mem, 5 * MIB - 4, 0, 8), -EFAULT, "fill past the end: -EFAULT");
	tap_ok(far[MIB - 1] == 0x33, "and nothing filled");

	tap_is(axvcpu_mem_unmap(&mem, MIB + PAGE), -ENOENT,
	       "unmap of an address where no region starts: -ENOENT");
	tap_is(axvcpu_mem_unmap(&mem, MIB), 0, "unmap the middle region");
	tap_ok(axvcpu_mem_gpa_to_hva(&mem, MIB, 1) == NULL &&
	       axvcpu_mem_read(&mem, MIB - 20, back, sizeof(back)) == -EFAULT,
	       "its addresses are gone");
	tap_ok(hi[0] == 0xc3, "the caller's memory is still mapped after unmap");
	axvcpu_mem_release(&mem);
	munmap(lo, MIB);
	munmap(hi, MIB);
	munmap(far, MIB);
}

/* ---- axvcpu_strerror() -------------------------------------------------- */

static const char *thread_msg;
static char thread_copy[64];

static void *strerror_thread(void *arg)
{
	(void)arg;
	thread_msg = axvcpu_strerror(-77777);
	strncpy(thread_copy, thread_msg, sizeof(thread_copy) - 1);
	return NULL;
}

static int has(const char *s, const char *part)
{
	return s && strstr(s, part) != NULL;
}

static void test_strerror(void)
{
	const char *mine;
	pthread_t t;

	tap_ok(!strcmp(axvcpu_strerror(0), "success"), "0 is success");
	tap_ok(has(axvcpu_strerror(-ENOENT), "/dev/axvcpu") &&
	       has(axvcpu_strerror(-ENOENT), "axvcpu.ko"), "-ENOENT names the device and the module");
	tap_ok(axvcpu_strerror(ENOENT) == axvcpu_strerror(-ENOENT),
	       "a positive errno is taken as its negation");
	tap_ok(has(axvcpu_strerror(-EPROTO), "API version"), "-EPROTO: API version mismatch");
	tap_ok(has(axvcpu_strerror(-EBADFD), "state"), "-EBADFD: the VCPU's state");
	tap_ok(has(axvcpu_strerror(-EPERM), "another thread"), "-EPERM: bound to another thread");
	tap_ok(has(axvcpu_strerror(-ENOEXEC), "image"), "-ENOEXEC: not an image");
	tap_ok(has(axvcpu_strerror(-ENOSPC), "slot"), "-ENOSPC: slots or boot data");
	tap_ok(has(axvcpu_strerror(-EEXIST), "overlapping"), "-EEXIST: overlapping region");
	tap_ok(has(axvcpu_strerror(-EBUSY), "hypervisor"), "-EBUSY: another hypervisor");
	tap_ok(has(axvcpu_strerror(-ENODEV), "virtualization"), "-ENODEV: no usable SVM");
	tap_ok(!strcmp(axvcpu_strerror(-ETIMEDOUT), strerror(ETIMEDOUT)),
	       "others: the C library's text (-ETIMEDOUT)");
	mine = axvcpu_strerror(-99999);
	tap_ok(!strcmp(mine, "unknown error 99999"), "an unknown number: \"%s\"", mine);
	tap_ok(!strcmp(axvcpu_strerror(INT_MIN), "unknown error -2147483648"),
	       "INT_MIN has no negation: unknown");
	mine = axvcpu_strerror(-99999);
	pthread_create(&t, NULL, strerror_thread, NULL);
	pthread_join(t, NULL);
	tap_ok(thread_msg != mine && !strcmp(thread_copy, "unknown error 77777") &&
	       !strcmp(mine, "unknown error 99999"),
	       "each thread has its own buffer for unknown numbers");
}

int main(void)
{
	test_regions();
	test_slots_full();
	test_translate_and_copy();
	test_strerror();
	return tap_done();
}
