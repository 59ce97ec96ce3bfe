// SPDX-License-Identifier: MIT
/*
 * caps: every capability of CHECK_CAP answers with a value that fits the
 * machine (checked against CPUID and /proc/cpuinfo where the hardware
 * says), other fields of the answer are zero, and bad requests (unknown
 * capability, non-zero pad or reserved) fail with -EINVAL and leave the
 * caller's structure untouched.
 */
#include <cpuid.h>
#include <string.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "axvcpu-user.h"
#include "test_util.h"

/* Every AXVCPU_HWF_* bit the ABI defines. */
#define HWF_DEFINED (AXVCPU_HWF_SVM_NRIPS | AXVCPU_HWF_SVM_DECODE_ASSISTS |	\
		     AXVCPU_HWF_SVM_VGIF | AXVCPU_HWF_SVM_FLUSH_BY_ASID |	\
		     AXVCPU_HWF_SVM_VMCB_CLEAN | AXVCPU_HWF_SVM_LBRV |		\
		     AXVCPU_HWF_HOST_LA57)

/* CPUID Fn8000_000A: SVM revision, ASIDs (EBX), features (EDX), AMD APM vol. 3. */
#define CPUID_SVM_LEAF		0x8000000a
#define SVM_EDX_LBRV		(1u << 1)
#define SVM_EDX_NRIPS		(1u << 3)
#define SVM_EDX_VMCB_CLEAN	(1u << 5)
#define SVM_EDX_FLUSH_BY_ASID	(1u << 6)
#define SVM_EDX_DECODE_ASSISTS	(1u << 7)
#define SVM_EDX_VGIF		(1u << 16)

/* A byte no answer of the kernel contains, to see what it wrote. */
#define POISON			0x5a

/*
 * CHECK_CAP @cap with the name field poisoned, so that a kernel that
 * leaves it alone is caught; asserts success and that everything but
 * value and name comes back as sent.
 */
static struct axvcpu_capability check_cap(int fd, uint32_t cap)
{
	struct axvcpu_capability c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.cap = cap;
	c.value = 0x5a5a5a5a5a5a5a5aULL;
	memset(c.name, POISON, sizeof(c.name));
	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_CHECK_CAP, &c), 0);
	TEST_ASSERT_EQ(c.cap, cap);
	TEST_ASSERT_EQ(c.pad, 0);
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++)
		TEST_ASSERT_EQ(c.reserved[i], 0);
	return c;
}

/* check_cap() for a capability without a name: the name must be zeroed. */
static uint64_t check_cap_value(int fd, uint32_t cap)
{
	struct axvcpu_capability c = check_cap(fd, cap);
	unsigned int i;

	for (i = 0; i < sizeof(c.name); i++)
		TEST_ASSERT(c.name[i] == 0, "%s: name[%u] = %#x, expected zeroed",
			    axvcpu_cap_name(cap), i, (unsigned char)c.name[i]);
	return c.value;
}

static void arch_is_x86_64(void)
{
	int fd = test_open_dev();

	TEST_ASSERT_EQ(check_cap_value(fd, AXVCPU_CAP_ARCH), AXVCPU_ARCH_X86_64);
	close(fd);
}

static void backend_is_svm(void)
{
	struct axvcpu_capability c;
	struct axvcpu_sys sys;
	uint64_t value;
	char name[16];
	int fd = test_open_dev();

	c = check_cap(fd, AXVCPU_CAP_BACKEND);
	TEST_ASSERT_EQ(c.value, AXVCPU_BACKEND_SVM);
	TEST_ASSERT(!memcmp(c.name, "svm", 4), "name '%.16s'", c.name);
	/* The rest of the name is zeroed, not left as the caller's bytes. */
	TEST_ASSERT(!memchr(c.name, POISON, sizeof(c.name)), "name '%.16s' not cleared", c.name);
	close(fd);

	/* The library reports the same. */
	TEST_ASSERT_OK(axvcpu_open(&sys, NULL));
	TEST_ASSERT_OK(axvcpu_check_cap(&sys, AXVCPU_CAP_BACKEND, &value, name));
	TEST_ASSERT_EQ(value, AXVCPU_BACKEND_SVM);
	TEST_ASSERT(!strcmp(name, "svm"), "library name '%s'", name);
	axvcpu_close(&sys);
}

static void limits_are_usable(void)
{
	int fd = test_open_dev();

	TEST_ASSERT_GE(check_cap_value(fd, AXVCPU_CAP_MAX_VMS), 64);
	TEST_ASSERT_GE(check_cap_value(fd, AXVCPU_CAP_MAX_VCPUS), 4);
	TEST_ASSERT_GE(check_cap_value(fd, AXVCPU_CAP_MAX_MEM_REGIONS), 8);
	close(fd);
}

static void npt_levels_follow_host_paging(void)
{
	bool la57 = cpuinfo_has_flag("la57");
	int fd = test_open_dev();
	uint64_t levels = check_cap_value(fd, AXVCPU_CAP_NPT_LEVELS);

	test_note("host paging: %d levels (la57 %s in /proc/cpuinfo)", la57 ? 5 : 4,
		  la57 ? "set" : "clear");
	/* Linux clears la57 in cpuinfo when it does not run 5-level paging. */
	TEST_ASSERT_EQ(levels, la57 ? 5 : 4);
	close(fd);
}

static void gpa_bits_in_range(void)
{
	int fd = test_open_dev();
	uint64_t bits = check_cap_value(fd, AXVCPU_CAP_GPA_BITS);
	uint64_t levels = check_cap_value(fd, AXVCPU_CAP_NPT_LEVELS);

	/* Physical addresses are architecturally at most 52 bits wide. */
	TEST_ASSERT_GE(bits, 32);
	TEST_ASSERT_LE(bits, 52);
	/* And the nested table must reach them: 12 bits + 9 per level. */
	TEST_ASSERT_LE(bits, 12 + 9 * levels);
	close(fd);
}

static void nr_asids_fit_hardware(void)
{
	unsigned int eax, ebx, ecx, edx;
	int fd = test_open_dev();
	uint64_t asids = check_cap_value(fd, AXVCPU_CAP_NR_ASIDS);

	TEST_ASSERT(__get_cpuid(CPUID_SVM_LEAF, &eax, &ebx, &ecx, &edx),
		    "CPUID leaf %#x missing", CPUID_SVM_LEAF);
	test_note("CPUID %#x: revision %u, %u ASIDs, features %#x", CPUID_SVM_LEAF,
		  eax & 0xff, ebx, edx);
	TEST_ASSERT_GE(asids, 1);
	TEST_ASSERT_LE(asids, ebx);
	close(fd);
}

/* The AXVCPU_HWF_* bits the CPU's SVM feature word (and paging) implies. */
static uint64_t expected_hw_features(void)
{
	static const struct {
		uint32_t edx;
		uint64_t hwf;
	} map[] = {
		{ SVM_EDX_NRIPS,		AXVCPU_HWF_SVM_NRIPS },
		{ SVM_EDX_DECODE_ASSISTS,	AXVCPU_HWF_SVM_DECODE_ASSISTS },
		{ SVM_EDX_VGIF,			AXVCPU_HWF_SVM_VGIF },
		{ SVM_EDX_FLUSH_BY_ASID,	AXVCPU_HWF_SVM_FLUSH_BY_ASID },
		{ SVM_EDX_VMCB_CLEAN,		AXVCPU_HWF_SVM_VMCB_CLEAN },
		{ SVM_EDX_LBRV,			AXVCPU_HWF_SVM_LBRV },
	};
	unsigned int eax, ebx, ecx, edx, i;
	uint64_t hwf = 0;

	TEST_ASSERT(__get_cpuid(CPUID_SVM_LEAF, &eax, &ebx, &ecx, &edx),
		    "CPUID leaf %#x missing", CPUID_SVM_LEAF);
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (edx & map[i].edx)
			hwf |= map[i].hwf;
	if (cpuinfo_has_flag("la57"))
		hwf |= AXVCPU_HWF_HOST_LA57;
	return hwf;
}

static void hw_features_match_cpu(void)
{
	int fd = test_open_dev();
	uint64_t hwf = check_cap_value(fd, AXVCPU_CAP_HW_FEATURES);
	uint64_t expected = expected_hw_features();

	test_note("HW_FEATURES 0x%llx, CPUID and cpuinfo imply 0x%llx",
		  (unsigned long long)hwf, (unsigned long long)expected);
	TEST_ASSERT_EQ(hwf & ~HWF_DEFINED, 0);
	TEST_ASSERT_EQ(hwf & AXVCPU_HWF_HOST_LA57, expected & AXVCPU_HWF_HOST_LA57);
	TEST_ASSERT_EQ(hwf, expected);
	close(fd);
}

/* CHECK_CAP with @c must fail with -EINVAL and leave @c as it was. */
static void assert_cap_rejected(int fd, const struct axvcpu_capability *c)
{
	struct axvcpu_capability copy = *c;

	TEST_ASSERT_ERRNO(test_ioctl(fd, AXVCPU_CHECK_CAP, &copy), -EINVAL);
	TEST_ASSERT(!memcmp(&copy, c, sizeof(copy)), "cap %u: structure modified on error",
		    c->cap);
}

static void unknown_cap_is_einval(void)
{
	static const uint32_t unknown[] = { 0, 1000, 0x80000000u, UINT32_MAX };
	struct axvcpu_capability c;
	unsigned int i;
	int fd = test_open_dev();

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		memset(&c, 0, sizeof(c));
		c.cap = unknown[i];
		c.value = 0x1122334455667788ULL;
		memset(c.name, POISON, sizeof(c.name));
		assert_cap_rejected(fd, &c);
	}
	close(fd);
}

static void nonzero_pad_or_reserved_is_einval(void)
{
	struct axvcpu_capability c;
	unsigned int i;
	int fd = test_open_dev();

	memset(&c, 0, sizeof(c));
	c.cap = AXVCPU_CAP_ARCH;
	c.pad = 1;
	assert_cap_rejected(fd, &c);

	for (i = 0; i < ARRAY_SIZE(c.reserved); i++) {
		memset(&c, 0, sizeof(c));
		c.cap = AXVCPU_CAP_ARCH;
		c.reserved[i] = 1ULL << 63;
		assert_cap_rejected(fd, &c);
	}

	/* The same request with everything zero is fine. */
	TEST_ASSERT_EQ(check_cap_value(fd, AXVCPU_CAP_ARCH), AXVCPU_ARCH_X86_64);
	close(fd);
}

static const struct test_case cases[] = {
	TEST_CASE(arch_is_x86_64),
	TEST_CASE(backend_is_svm),
	TEST_CASE(limits_are_usable),
	TEST_CASE(npt_levels_follow_host_paging),
	TEST_CASE(gpa_bits_in_range),
	TEST_CASE(nr_asids_fit_hardware),
	TEST_CASE(hw_features_match_cpu),
	TEST_CASE(unknown_cap_is_einval),
	TEST_CASE(nonzero_pad_or_reserved_is_einval),
};

int main(void)
{
	return test_run_all(cases);
}
