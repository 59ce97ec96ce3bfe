// SPDX-License-Identifier: MIT
/*
 * A program built by test_userlib_install.sh against an installed
 * libaxvcpu-user, with nothing but what pkg-config says: it includes
 * <axvcpu-user.h> (which includes <linux/axvcpu.h>) from the install and
 * calls into the library without /dev/axvcpu. One line per check, "PASS
 * name" or "FAIL name: why"; the script turns each into a TAP point.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <axvcpu-user.h>

static int failed;

static void check(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: %s\n", name, why);
		failed = 1;
	}
}

int main(void)
{
	static const unsigned char code[] = { 0xf4 };	/* hlt */
	struct axvcpu_guest_mem mem;
	struct axvcpu_image img;
	struct axvcpu_sys sys;
	unsigned char back = 0;
	int ret;

	ret = axvcpu_open(&sys, "/nonexistent/axvcpu");
	check(ret == -ENOENT && sys.fd == -1, "open_missing_device_is_enoent",
	      axvcpu_strerror(ret));
	check(strstr(axvcpu_strerror(ret), "/dev/axvcpu") != NULL, "strerror_names_the_device",
	      axvcpu_strerror(ret));
	check(!strcmp(axvcpu_strerror(-12345), "unknown error 12345"), "strerror_unknown_number",
	      axvcpu_strerror(-12345));
	check(!strcmp(axvcpu_exit_reason_name(AXVCPU_EXIT_HALT), "HALT"), "exit_reason_name",
	      axvcpu_exit_reason_name(AXVCPU_EXIT_HALT));

	axvcpu_mem_init(&mem, NULL);
	ret = axvcpu_mem_alloc(&mem, 0, 0x10000, 0, NULL);
	if (!ret)
		ret = axvcpu_load_flat(&mem, code, sizeof(code), 0x7c00, &img);
	if (!ret)
		ret = axvcpu_mem_read(&mem, 0x7c00, &back, 1);
	check(!ret && back == 0xf4 && img.format == AXVCPU_IMAGE_FLAT, "offline_tracker_loads_flat",
	      axvcpu_strerror(ret));
	axvcpu_mem_release(&mem);
	return failed;
}
