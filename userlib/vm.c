// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: VM fds and guest memory regions.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "internal.h"

int axvcpu_vm_create_flags(struct axvcpu_sys *sys, uint32_t flags, struct axvcpu_vm_handle *vm)
{
	struct axvcpu_create_vm args;
	int fd;

	/* The kernel checks @flags: a bit it does not know is -EINVAL. */
	memset(&args, 0, sizeof(args));
	args.flags = flags;
	vm->fd = -1;
	vm->sys = sys;

	/* The module creates the fd close-on-exec itself (DESIGN.md §3). */
	fd = xioctl(sys->fd, AXVCPU_CREATE_VM, &args);
	if (fd < 0)
		return fd;

	vm->fd = fd;
	return 0;
}

int axvcpu_vm_create(struct axvcpu_sys *sys, struct axvcpu_vm_handle *vm)
{
	return axvcpu_vm_create_flags(sys, 0, vm);
}

void axvcpu_vm_close(struct axvcpu_vm_handle *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

int axvcpu_vm_set_memory(struct axvcpu_vm_handle *vm, uint32_t slot, uint32_t flags,
			 uint64_t gpa, uint64_t size, void *hva)
{
	struct axvcpu_memory_region region;
	int ret;

	memset(&region, 0, sizeof(region));
	region.slot = slot;
	region.flags = flags;
	region.guest_phys_addr = gpa;
	region.size = size;
	region.userspace_addr = (uint64_t)(uintptr_t)hva;

	ret = xioctl(vm->fd, AXVCPU_SET_MEMORY_REGION, &region);
	return ret < 0 ? ret : 0;
}

int axvcpu_vm_alloc_memory(struct axvcpu_vm_handle *vm, uint32_t slot, uint32_t flags,
			   uint64_t gpa, uint64_t size, void **hva)
{
	void *mem;
	int ret;

	/* Size 0 would delete the slot, which is not an allocation. */
	if (size == 0 || size > SIZE_MAX)
		return -EINVAL;

	/*
	 * Private anonymous memory: the guest sees it as RAM. The module pins
	 * pages only when the guest touches them, so no MAP_POPULATE.
	 */
	mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;

	ret = axvcpu_vm_set_memory(vm, slot, flags, gpa, size, mem);
	if (ret < 0) {
		munmap(mem, (size_t)size);
		return ret;
	}

	*hva = mem;
	return 0;
}

int axvcpu_vm_free_memory(struct axvcpu_vm_handle *vm, uint32_t slot, void *hva,
			  uint64_t size)
{
	int ret;

	/* Delete the slot first: the module must stop using the pages. */
	ret = axvcpu_vm_set_memory(vm, slot, 0, 0, 0, NULL);
	if (ret < 0)
		return ret;

	if (munmap(hva, (size_t)size) < 0)
		return -errno;
	return 0;
}
