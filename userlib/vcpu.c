// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: VCPU fds, their mapped run structure, and the lifecycle
 * and register ioctls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "internal.h"

int axvcpu_vcpu_create(struct axvcpu_vm_handle *vm, uint32_t id,
		       struct axvcpu_vcpu_handle *vcpu)
{
	struct axvcpu_create_vcpu args;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = vm->sys->run_size;
	void *map;
	int fd, ret;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->fd = -1;

	/* run_size comes from axvcpu_open(); without it nothing is mappable. */
	if (size < sizeof(struct axvcpu_run))
		return -EINVAL;

	memset(&args, 0, sizeof(args));
	args.id = id;
	fd = xioctl(vm->fd, AXVCPU_CREATE_VCPU, &args);
	if (fd < 0)
		return fd;

	/* Shared: the kernel writes exits there and reads our completions. */
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}

	vcpu->fd = fd;
	vcpu->id = id;
	vcpu->run = map;
	/* Page 1 holds string I/O data when the module maps one. */
	if (size >= (AXVCPU_DATA_PAGE_OFFSET + 1) * page)
		vcpu->data = (char *)map + AXVCPU_DATA_PAGE_OFFSET * page;
	vcpu->map_size = size;
	vcpu->vm = vm;
	return 0;
}

void axvcpu_vcpu_close(struct axvcpu_vcpu_handle *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->map_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->data = NULL;
	vcpu->map_size = 0;
	vcpu->fd = -1;
}

/* An ioctl whose only result is success or a negative errno. */
static int vcpu_ioctl(struct axvcpu_vcpu_handle *vcpu, unsigned long req, void *arg)
{
	int ret = xioctl(vcpu->fd, req, arg);

	return ret < 0 ? ret : 0;
}

int axvcpu_vcpu_setup(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_setup *setup)
{
	return vcpu_ioctl(vcpu, AXVCPU_SETUP, (void *)setup);
}

int axvcpu_vcpu_bind(struct axvcpu_vcpu_handle *vcpu)
{
	return vcpu_ioctl(vcpu, AXVCPU_BIND, NULL);
}

int axvcpu_vcpu_unbind(struct axvcpu_vcpu_handle *vcpu)
{
	return vcpu_ioctl(vcpu, AXVCPU_UNBIND, NULL);
}

int axvcpu_vcpu_run(struct axvcpu_vcpu_handle *vcpu)
{
	return vcpu_ioctl(vcpu, AXVCPU_RUN, NULL);
}

int axvcpu_vcpu_state(struct axvcpu_vcpu_handle *vcpu)
{
	return xioctl(vcpu->fd, AXVCPU_GET_STATE, NULL);
}

int axvcpu_vcpu_get_regs(struct axvcpu_vcpu_handle *vcpu, struct axvcpu_regs *regs)
{
	return vcpu_ioctl(vcpu, AXVCPU_GET_REGS, regs);
}

int axvcpu_vcpu_set_regs(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_regs *regs)
{
	return vcpu_ioctl(vcpu, AXVCPU_SET_REGS, (void *)regs);
}

int axvcpu_vcpu_get_sregs(struct axvcpu_vcpu_handle *vcpu, struct axvcpu_sregs *sregs)
{
	return vcpu_ioctl(vcpu, AXVCPU_GET_SREGS, sregs);
}

int axvcpu_vcpu_set_sregs(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_sregs *sregs)
{
	return vcpu_ioctl(vcpu, AXVCPU_SET_SREGS, (void *)sregs);
}

int axvcpu_vcpu_set_cpuid(struct axvcpu_vcpu_handle *vcpu,
			  const struct axvcpu_cpuid_entry *entries, uint32_t nent)
{
	struct axvcpu_cpuid *table;
	size_t size;
	int ret;

	/*
	 * The module refuses more too; stopping here also bounds the
	 * allocation. Tests of the module's own limit use the raw ioctl.
	 */
	if (nent > AXVCPU_CPUID_MAX_ENTRIES)
		return -E2BIG;

	size = sizeof(*table) + (size_t)nent * sizeof(table->entries[0]);
	table = calloc(1, size);
	if (!table)
		return -ENOMEM;

	table->nent = nent;
	if (nent)
		memcpy(table->entries, entries, (size_t)nent * sizeof(entries[0]));

	ret = vcpu_ioctl(vcpu, AXVCPU_SET_CPUID, table);
	free(table);
	return ret;
}

int axvcpu_vcpu_get_stats(struct axvcpu_vcpu_handle *vcpu, struct axvcpu_stats *stats)
{
	return vcpu_ioctl(vcpu, AXVCPU_GET_STATS, stats);
}

int axvcpu_vcpu_set_options(struct axvcpu_vcpu_handle *vcpu, uint32_t flags)
{
	struct axvcpu_options opt = { .flags = flags };

	return vcpu_ioctl(vcpu, AXVCPU_SET_OPTIONS, &opt);
}

int axvcpu_vcpu_inject_interrupt(struct axvcpu_vcpu_handle *vcpu, uint32_t vector)
{
	struct axvcpu_interrupt irq = { .vector = vector };

	return vcpu_ioctl(vcpu, AXVCPU_INJECT_INTERRUPT, &irq);
}

int axvcpu_vcpu_inject_nmi(struct axvcpu_vcpu_handle *vcpu)
{
	return vcpu_ioctl(vcpu, AXVCPU_INJECT_NMI, NULL);
}

int axvcpu_vcpu_inject_exception(struct axvcpu_vcpu_handle *vcpu, uint32_t vector,
				 uint32_t error_code)
{
	struct axvcpu_exception exc = { .vector = vector, .error_code = error_code };

	return vcpu_ioctl(vcpu, AXVCPU_INJECT_EXCEPTION, &exc);
}

int axvcpu_vcpu_kick(struct axvcpu_vcpu_handle *vcpu)
{
	return vcpu_ioctl(vcpu, AXVCPU_KICK, NULL);
}

/*
 * Completions only store the value in the shared run page: the next RUN
 * applies it (DESIGN.md §3), so there is no system call here.
 */
void axvcpu_complete_io_read(struct axvcpu_vcpu_handle *vcpu, uint64_t data)
{
	vcpu->run->io.data = data;
}

void axvcpu_complete_sysreg_read(struct axvcpu_vcpu_handle *vcpu, uint64_t data)
{
	vcpu->run->sysreg.data = data;
}

void axvcpu_complete_hypercall(struct axvcpu_vcpu_handle *vcpu, uint64_t ret)
{
	vcpu->run->hypercall.ret = ret;
}

void axvcpu_complete_mmio_read(struct axvcpu_vcpu_handle *vcpu, uint64_t data)
{
	vcpu->run->mmio.data = data;
}
