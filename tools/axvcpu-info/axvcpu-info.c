// SPDX-License-Identifier: MIT
/*
 * axvcpu-info: show what /dev/axvcpu offers: API version, run size and
 * every capability, decoded.
 *
 * Usage: axvcpu-info [DEVICE]     (default /dev/axvcpu)
 * Exit status: 0 on success, 1 when the device cannot be used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axvcpu-user.h"

#define DEFAULT_DEV "/dev/axvcpu"

/* Every capability the ABI defines, in the order the table shows them. */
static const struct {
	uint32_t cap;
	const char *label;
} caps[] = {
	{ AXVCPU_CAP_ARCH,		"architecture" },
	{ AXVCPU_CAP_BACKEND,		"backend" },
	{ AXVCPU_CAP_MAX_VMS,		"max VMs" },
	{ AXVCPU_CAP_MAX_VCPUS,		"max VCPUs per VM" },
	{ AXVCPU_CAP_MAX_MEM_REGIONS,	"max memory regions" },
	{ AXVCPU_CAP_GPA_BITS,		"guest phys. bits" },
	{ AXVCPU_CAP_NPT_LEVELS,	"nested paging" },
	{ AXVCPU_CAP_HW_FEATURES,	"hardware features" },
	{ AXVCPU_CAP_NR_ASIDS,		"ASIDs" },
};

/* One row of the table: "  label               value". */
static void row(const char *label, const char *value)
{
	printf("  %-20s %s\n", label, value);
}

/* Explain why @path could not be opened, in words a user can act on. */
static void explain_open_error(const char *path, int err)
{
	fprintf(stderr, "axvcpu-info: %s: %s\n", path, strerror(-err));
	switch (-err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		fprintf(stderr, "  the axvcpu module is not loaded: "
			"try 'insmod axvcpu.ko' (as root)\n");
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "  no permission: the node is root-only (0600) "
			"unless the module was loaded with dev_mode=...\n");
		break;
	case EPROTO:
		fprintf(stderr, "  the module speaks another API version than "
			"this tool (%d), or reported a nonsensical run size\n",
			AXVCPU_API_VERSION);
		break;
	default:
		break;
	}
}

/* Write "0x..: name name ..." for @features into @buf. */
static void format_hw_features(char *buf, size_t size, uint64_t features)
{
	uint64_t unknown = 0;
	unsigned int bit;
	size_t len;

	len = (size_t)snprintf(buf, size, "0x%" PRIx64 ":", features);
	for (bit = 0; bit < 64 && len < size; bit++) {
		const char *name;

		if (!(features & (1ULL << bit)))
			continue;
		name = axvcpu_hw_feature_name(bit);
		if (name)
			len += (size_t)snprintf(buf + len, size - len, " %s", name);
		else
			unknown |= 1ULL << bit;
	}
	if (len < size && !features)
		len += (size_t)snprintf(buf + len, size - len, " none");
	/* Bits newer than this tool: show them rather than hide them. */
	if (len < size && unknown)
		snprintf(buf + len, size - len, " (unknown bits %#" PRIx64 ")", unknown);
}

/* Write an address width @bits as "48 (256 TiB)": the space it spans. */
static void format_gpa_bits(char *buf, size_t size, uint64_t bits)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	if (bits >= 10 && bits < 70)
		/* 2^bits bytes = 2^(bits % 10) units of 2^(10 * k). */
		snprintf(buf, size, "%" PRIu64 " (%llu %s)", bits, 1ULL << (bits % 10),
			 units[bits / 10 - 1]);
	else
		snprintf(buf, size, "%" PRIu64, bits);
}

/* Print one capability's row. Return: 0, or a negative errno to give up. */
static int print_cap(struct axvcpu_sys *sys, uint32_t cap, const char *label)
{
	char name[16], value[160];
	uint64_t v;
	int ret;

	ret = axvcpu_check_cap(sys, cap, &v, name);
	if (ret == -EINVAL) {
		/* A module older than this tool: say so, keep going. */
		row(label, "- (not reported by this module)");
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "axvcpu-info: CHECK_CAP %s: %s\n", axvcpu_cap_name(cap),
			strerror(-ret));
		return ret;
	}

	switch (cap) {
	case AXVCPU_CAP_ARCH:
		snprintf(value, sizeof(value), "%s", axvcpu_arch_name(v));
		break;
	case AXVCPU_CAP_BACKEND:
		snprintf(value, sizeof(value), "%s (%s)", name, axvcpu_backend_name(v));
		break;
	case AXVCPU_CAP_GPA_BITS:
		format_gpa_bits(value, sizeof(value), v);
		break;
	case AXVCPU_CAP_NPT_LEVELS:
		snprintf(value, sizeof(value), "%" PRIu64 " levels", v);
		break;
	case AXVCPU_CAP_HW_FEATURES:
		format_hw_features(value, sizeof(value), v);
		break;
	default:
		snprintf(value, sizeof(value), "%" PRIu64, v);
		break;
	}
	row(label, value);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_DEV;
	struct axvcpu_sys sys;
	long page = sysconf(_SC_PAGESIZE);
	char value[96];
	unsigned int i;
	int ret;

	if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
		fprintf(argc > 2 ? stderr : stdout, "usage: %s [DEVICE]   (default %s)\n",
			argv[0], DEFAULT_DEV);
		return argc > 2 ? 1 : 0;
	}
	if (argc == 2)
		path = argv[1];

	ret = axvcpu_open(&sys, path);
	if (ret < 0) {
		explain_open_error(path, ret);
		return 1;
	}

	printf("axvcpu on %s\n", path);
	snprintf(value, sizeof(value), "%d", axvcpu_api_version(&sys));
	row("API version", value);
	snprintf(value, sizeof(value), "%zu bytes (%zu pages: run structure, data)",
		 sys.run_size, sys.run_size / (size_t)page);
	row("run size", value);

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		ret = print_cap(&sys, caps[i].cap, caps[i].label);
		if (ret < 0)
			break;
	}

	axvcpu_close(&sys);
	return ret < 0 ? 1 : 0;
}
