// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: messages for the negative errno values the library and
 * the module return. The errors that mean something particular to axvcpu
 * (api.rst lists them per ioctl) get a message saying what it usually is;
 * the others get the C library's description.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "axvcpu-user.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Several meanings share one errno (ENOENT is a missing device for
 * axvcpu_open(), a missing file for axvcpu_load_file(), no region for
 * axvcpu_mem_unmap()): each message names the axvcpu meaning first and
 * the others after it, so it is never wrong for the call that failed.
 */
static const struct {
	int err;
	const char *msg;
} axvcpu_errors[] = {
	{ ENOENT, "no /dev/axvcpu (is axvcpu.ko loaded?), or no such file or guest memory region" },
	{ EPROTO, "axvcpu API version mismatch between libaxvcpu-user and axvcpu.ko" },
	{ EBADFD, "the VCPU is not in the state this call needs (see AXVCPU_GET_STATE)" },
	{ EPERM, "the VCPU is bound to another thread, or operation not permitted" },
	{ ENOEXEC, "not a guest image this loader knows (bad or unsupported ELF or Multiboot file)" },
	{ ENOSPC, "no room: every memory slot is in use, or guest RAM below 4 GiB is too small for the boot data" },
	{ EEXIST, "already exists: overlapping memory region, slot or VCPU id in use, or an event already pending" },
	{ EBUSY, "busy: another hypervisor has turned hardware virtualization on, or the object is in use" },
	{ ENODEV, "no usable hardware virtualization (no SVM or nested paging, or disabled by firmware)" },
	{ ENOBUFS, "axvcpu limit reached (too many VMs)" },
	{ EDQUOT, "this process has as many VMs or VCPUs as axvcpu allows one process "
		  "(module parameters max_vms_per_process, max_vcpus_per_process)" },
	{ EOPNOTSUPP, "this memory cannot back guest RAM (page-cache file, device or axvcpu mapping)" },
	{ EIO, "the VM belongs to another process, or the VCPU failed (state INVALID)" },
	{ EFAULT, "bad address: outside guest RAM, or an unreadable buffer" },
	{ EINTR, "RUN interrupted (a signal, AXVCPU_KICK or immediate_exit)" },
};

/* "unknown error N", one buffer per thread: the result stays valid in it. */
static __thread char unknown_buf[32];

const char *axvcpu_strerror(int err)
{
	const char *msg;
	size_t i;

	if (err == 0)
		return "success";
	/* -INT_MIN does not exist: no errno is that large anyway. */
	if (err == INT_MIN)
		goto unknown;
	if (err < 0)
		err = -err;

	for (i = 0; i < ARRAY_SIZE(axvcpu_errors); i++)
		if (axvcpu_errors[i].err == err)
			return axvcpu_errors[i].msg;

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	/*
	 * strerror() may write a shared buffer for an unknown number;
	 * strerrordesc_np() only returns its static table's string, or NULL.
	 */
	msg = strerrordesc_np(err);
	if (msg)
		return msg;
#else
	(void)msg;
#endif
unknown:
	snprintf(unknown_buf, sizeof(unknown_buf), "unknown error %d", err);
	return unknown_buf;
}
