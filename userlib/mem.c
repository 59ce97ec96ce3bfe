// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: the guest memory tracker. It keeps the regions of one
 * VM sorted by guest physical address, registers them with
 * AXVCPU_SET_MEMORY_REGION, and translates and copies between guest
 * physical addresses and the host mappings behind them, for the loaders
 * and for VMMs. Without a VM (mem->vm NULL) it only tracks memory: the
 * host unit tests and tools building images offline use it that way.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "internal.h"

void axvcpu_mem_init(struct axvcpu_guest_mem *mem, struct axvcpu_vm_handle *vm)
{
	memset(mem, 0, sizeof(*mem));
	mem->vm = vm;
}

/* The lowest slot number no tracked region uses (nr < SLOTS: one exists). */
static uint32_t free_slot(const struct axvcpu_guest_mem *mem)
{
	uint32_t slot;
	unsigned int i;

	for (slot = 0;; slot++) {
		for (i = 0; i < mem->nr; i++)
			if (mem->slots[i].slot == slot)
				break;
		if (i == mem->nr)
			return slot;
	}
}

/*
 * Checks common to alloc and map. The kernel checks alignment too; the
 * tracker does it itself so that a tracker without a VM behaves the same.
 */
static int region_check(const struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t size,
			const void *hva)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	unsigned int i;

	if (size == 0 || size > SIZE_MAX || (gpa | size) & (page - 1) ||
	    (uintptr_t)hva & (page - 1))
		return -EINVAL;
	/* Written so that it cannot overflow: the end must not wrap past 2^64. */
	if (size - 1 > UINT64_MAX - gpa)
		return -EINVAL;
	for (i = 0; i < mem->nr; i++) {
		const struct axvcpu_mem_slot *s = &mem->slots[i];

		/* [gpa, gpa + size) and [s->gpa, s->gpa + s->size) intersect. */
		if (gpa - s->gpa < s->size || s->gpa - gpa < size)
			return -EEXIST;
	}
	if (mem->nr >= AXVCPU_GUEST_MEM_SLOTS)
		return -ENOSPC;
	return 0;
}

/* Register and insert a checked region, keeping the array sorted. */
static int region_add(struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t size,
		      uint32_t flags, void *hva, int owned)
{
	uint32_t slot = free_slot(mem);
	unsigned int i;
	int ret;

	if (mem->vm) {
		ret = axvcpu_vm_set_memory(mem->vm, slot, flags, gpa, size, hva);
		if (ret < 0)
			return ret;
	}

	for (i = mem->nr; i > 0 && mem->slots[i - 1].gpa > gpa; i--)
		mem->slots[i] = mem->slots[i - 1];
	mem->slots[i] = (struct axvcpu_mem_slot){
		.slot = slot, .flags = flags, .gpa = gpa, .size = size,
		.hva = hva, .owned = owned,
	};
	mem->nr++;
	return 0;
}

int axvcpu_mem_alloc(struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t size,
		     uint32_t flags, void **hva)
{
	void *p;
	int ret;

	ret = region_check(mem, gpa, size, NULL);
	if (ret)
		return ret;

	/* As axvcpu_vm_alloc_memory(): pages arrive when the guest touches them. */
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;

	ret = region_add(mem, gpa, size, flags, p, 1);
	if (ret) {
		munmap(p, (size_t)size);
		return ret;
	}
	if (hva)
		*hva = p;
	return 0;
}

int axvcpu_mem_map(struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t size,
		   uint32_t flags, void *hva)
{
	int ret;

	if (!hva)
		return -EINVAL;
	ret = region_check(mem, gpa, size, hva);
	if (ret)
		return ret;
	return region_add(mem, gpa, size, flags, hva, 0);
}

/* Delete region @i: the kernel's first (unless @force), then the mapping. */
static int region_del(struct axvcpu_guest_mem *mem, unsigned int i, int force)
{
	struct axvcpu_mem_slot *s = &mem->slots[i];
	int ret = 0;

	if (mem->vm) {
		ret = axvcpu_vm_set_memory(mem->vm, s->slot, 0, 0, 0, NULL);
		/*
		 * Keep tracking what the kernel still uses. Releasing goes on:
		 * guest memory follows the mapping, so after the munmap the
		 * guest's next touch fails cleanly instead.
		 */
		if (ret < 0 && !force)
			return ret;
	}
	if (s->owned)
		munmap(s->hva, (size_t)s->size);
	memmove(s, s + 1, (mem->nr - i - 1) * sizeof(*s));
	mem->nr--;
	return ret < 0 ? ret : 0;
}

int axvcpu_mem_unmap(struct axvcpu_guest_mem *mem, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < mem->nr; i++)
		if (mem->slots[i].gpa == gpa)
			return region_del(mem, i, 0);
	return -ENOENT;
}

void axvcpu_mem_release(struct axvcpu_guest_mem *mem)
{
	while (mem->nr)
		region_del(mem, mem->nr - 1, 1);
}

void *axvcpu_mem_gpa_to_hva(const struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	if (len == 0)
		len = 1;
	for (i = 0; i < mem->nr; i++) {
		const struct axvcpu_mem_slot *s = &mem->slots[i];
		uint64_t off = gpa - s->gpa;

		/* gpa >= s->gpa (else off wraps above size) and the end fits. */
		if (off < s->size && len <= s->size - off)
			return (char *)s->hva + off;
	}
	return NULL;
}

int axvcpu_mem_hva_to_gpa(const struct axvcpu_guest_mem *mem, const void *hva, uint64_t *gpa)
{
	uintptr_t p = (uintptr_t)hva;
	unsigned int i;

	for (i = 0; i < mem->nr; i++) {
		const struct axvcpu_mem_slot *s = &mem->slots[i];
		uintptr_t off = p - (uintptr_t)s->hva;

		if (off < s->size) {
			*gpa = s->gpa + off;
			return 0;
		}
	}
	return -ENOENT;
}

/* The array is sorted, so a range across regions is a walk along it. */
int axvcpu_internal_ram_range(const struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	if (len == 0)
		return 1;
	if (len - 1 > UINT64_MAX - gpa)
		return 0;
	for (i = 0; i < mem->nr; i++) {
		const struct axvcpu_mem_slot *s = &mem->slots[i];
		uint64_t off = gpa - s->gpa;

		if (off >= s->size)
			continue;
		if (len <= s->size - off)
			return 1;
		/* Go on in the next region, which must start right here. */
		len -= s->size - off;
		gpa = s->gpa + s->size;
	}
	return 0;
}

/* What to do with each piece of a checked range. */
enum mem_op { MEM_WRITE, MEM_READ, MEM_FILL };

static int mem_copy(const struct axvcpu_guest_mem *mem, uint64_t gpa, void *buf, int byte,
		    size_t len, enum mem_op op)
{
	unsigned int i;

	/* All or nothing: nothing is copied when part of it is not RAM. */
	if (!axvcpu_internal_ram_range(mem, gpa, len))
		return -EFAULT;

	for (i = 0; i < mem->nr && len; i++) {
		const struct axvcpu_mem_slot *s = &mem->slots[i];
		uint64_t off = gpa - s->gpa;
		size_t n;
		char *p;

		if (off >= s->size)
			continue;
		n = s->size - off < len ? (size_t)(s->size - off) : len;
		p = (char *)s->hva + off;
		if (op == MEM_WRITE) {
			memcpy(p, buf, n);
		} else if (op == MEM_READ) {
			memcpy(buf, p, n);
		} else {
			memset(p, byte, n);
		}
		if (buf)
			buf = (char *)buf + n;
		len -= n;
		gpa += n;
	}
	return 0;
}

int axvcpu_mem_write(const struct axvcpu_guest_mem *mem, uint64_t gpa, const void *src,
		     size_t len)
{
	return mem_copy(mem, gpa, (void *)src, 0, len, MEM_WRITE);
}

int axvcpu_mem_read(const struct axvcpu_guest_mem *mem, uint64_t gpa, void *dst, size_t len)
{
	return mem_copy(mem, gpa, dst, 0, len, MEM_READ);
}

int axvcpu_mem_fill(const struct axvcpu_guest_mem *mem, uint64_t gpa, int byte, size_t len)
{
	return mem_copy(mem, gpa, NULL, byte, len, MEM_FILL);
}
