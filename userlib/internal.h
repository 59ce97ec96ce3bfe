/* SPDX-License-Identifier: MIT */
/*
 * libaxvcpu-user: helpers shared by the library's own files only. Nothing
 * here is exported (the version script keeps only the public axvcpu_*
 * functions of axvcpu-user.h).
 */
#ifndef AXVCPU_USER_INTERNAL_H
#define AXVCPU_USER_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "axvcpu-user.h"

/* Shared between the library's files; never exported from the .so. */
#define AXVCPU_INTERNAL __attribute__((visibility("hidden")))

/**
 * xioctl() - ioctl() with the library's error convention.
 * @fd:  file descriptor.
 * @req: request number.
 * @arg: argument (pointer or integer, as the request wants).
 *
 * Return: the ioctl's non-negative result, or a negative errno. A bad fd
 * is reported by the kernel as -EBADF like any other error.
 */
static inline int xioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

/**
 * axvcpu_internal_ram_range() - whether [@gpa, @gpa + @len) is guest RAM
 * of @mem, possibly across adjacent regions (mem.c). Length 0 is.
 */
AXVCPU_INTERNAL int axvcpu_internal_ram_range(const struct axvcpu_guest_mem *mem, uint64_t gpa,
					      uint64_t len);

#endif /* AXVCPU_USER_INTERNAL_H */
