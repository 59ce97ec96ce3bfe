/* SPDX-License-Identifier: MIT */
/*
 * libaxvcpu-user: helpers shared by the library's own files only. Nothing
 * here is exported (the version script keeps only the public axvcpu_*
 * functions of axvcpu-user.h).
 */
#ifndef AXVCPU_USER_INTERNAL_H
#define AXVCPU_USER_INTERNAL_H

#include <errno.h>
#include <sys/ioctl.h>

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

#endif /* AXVCPU_USER_INTERNAL_H */
