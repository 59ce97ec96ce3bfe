// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: the system fd (/dev/axvcpu) and its ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "internal.h"

/* The device node the module registers (a misc device). */
#define AXVCPU_DEV_PATH "/dev/axvcpu"

int axvcpu_open(struct axvcpu_sys *sys, const char *path)
{
	int fd, ret;

	sys->fd = -1;
	sys->run_size = 0;

	fd = open(path ? path : AXVCPU_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	ret = xioctl(fd, AXVCPU_GET_API_VERSION, NULL);
	if (ret < 0)
		goto out_close;
	/* A different version may lay out every structure differently. */
	if (ret != AXVCPU_API_VERSION) {
		ret = -EPROTO;
		goto out_close;
	}

	ret = xioctl(fd, AXVCPU_GET_RUN_SIZE, NULL);
	if (ret < 0)
		goto out_close;
	/* The run structure alone needs more than this: refuse nonsense. */
	if ((size_t)ret < sizeof(struct axvcpu_run)) {
		ret = -EPROTO;
		goto out_close;
	}

	sys->fd = fd;
	sys->run_size = (size_t)ret;
	return 0;

out_close:
	close(fd);
	return ret;
}

void axvcpu_close(struct axvcpu_sys *sys)
{
	if (sys->fd >= 0)
		close(sys->fd);
	sys->fd = -1;
	sys->run_size = 0;
}

int axvcpu_api_version(struct axvcpu_sys *sys)
{
	return xioctl(sys->fd, AXVCPU_GET_API_VERSION, NULL);
}

int axvcpu_run_size(struct axvcpu_sys *sys)
{
	return xioctl(sys->fd, AXVCPU_GET_RUN_SIZE, NULL);
}

int axvcpu_check_cap(struct axvcpu_sys *sys, uint32_t cap, uint64_t *value, char *name)
{
	struct axvcpu_capability c;
	int ret;

	/* pad and reserved must reach the kernel as zero. */
	memset(&c, 0, sizeof(c));
	c.cap = cap;

	ret = xioctl(sys->fd, AXVCPU_CHECK_CAP, &c);
	if (ret < 0)
		return ret;

	*value = c.value;
	if (name) {
		memcpy(name, c.name, sizeof(c.name));
		/* The kernel terminates it; do not let a caller overrun if not. */
		name[sizeof(c.name) - 1] = '\0';
	}
	return 0;
}
