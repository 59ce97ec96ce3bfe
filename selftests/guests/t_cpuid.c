// SPDX-License-Identifier: MIT
/*
 * test=cpuid [absent=a,b,...] [present=c,...]: the CPUID bits the VMM
 * may hide (axvcpu-run's --cpuid option), by name.
 */
#include "mbtest.h"

struct feature {
	const char *name;
	uint32_t leaf;
	int reg;		/* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	unsigned int bit;
};

static const struct feature features[] = {
	{ "pcid", 1, 2, 17 },
	{ "x2apic", 1, 2, 21 },
	{ "tsc-deadline", 1, 2, 24 },
	{ "invpcid", 7, 1, 10 },
	{ "svm", 0x80000001, 2, 2 },
};

#define NR_FEATURES		(sizeof(features) / sizeof(features[0]))

static bool has(const struct feature *f)
{
	uint32_t max = cpuid(f->leaf & 0x80000000, 0).eax;
	struct cpuid_regs r;
	uint32_t v[4];

	if (f->leaf > max)
		return false;
	r = cpuid(f->leaf, 0);
	v[0] = r.eax;
	v[1] = r.ebx;
	v[2] = r.ecx;
	v[3] = r.edx;
	return v[f->reg] >> f->bit & 1;
}

static const struct feature *lookup(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_FEATURES; i++)
		if (!strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

static void check_list(const char *list, bool want)
{
	static const char *const regs[] = { "EAX", "EBX", "ECX", "EDX" };
	const struct feature *f;
	char name[32], what[96];

	while (list_next(&list, name, sizeof(name))) {
		snprintf(what, sizeof(what), "cpuid: %s is %s", name, want ? "present" : "absent");
		f = lookup(name);
		if (!f)
			check(false, what, "unknown feature name");
		else
			check(has(f) == want, what, "CPUID.%#x:%s bit %u is %u", f->leaf,
			      regs[f->reg], f->bit, !want);
	}
}

void test_cpuid(void)
{
	unsigned int i;

	check(cpuid(0, 0).eax >= 1, "cpuid: leaf 0 reports leaf 1", "max leaf %#x",
	      cpuid(0, 0).eax);
	printf("#");
	for (i = 0; i < NR_FEATURES; i++)
		printf(" %s=%u", features[i].name, has(&features[i]));
	printf("\n");
	check_list(arg_str("absent"), false);
	check_list(arg_str("present"), true);
}
