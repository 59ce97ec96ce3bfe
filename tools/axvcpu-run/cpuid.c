// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: the guest's CPUID, and --cpuid-mask, which hides features so
 * that one binary can play several CPU models.
 *
 * The kernel answers CPUID from the host's values, filtered to what it
 * virtualizes (Documentation/api.rst, AXVCPU_SET_CPUID). axvcpu-run asks
 * it for those answers once, by running CPUID; HLT in a throw-away VM for
 * every leaf and sub-leaf, adds what its own devices offer (the APIC
 * timer's TSC-deadline mode, emulated here whatever the host has), clears
 * the bits --cpuid-mask names, and gives each VCPU that table with its
 * own APIC id. The values the CPU computes at run time (OSXSAVE, OSPKE,
 * the XSAVE size) the kernel still fills in from the guest's state.
 */
#define _GNU_SOURCE	/* strchrnul() */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

enum { EAX, EBX, ECX, EDX };

static const struct feature {
	const char *name;
	uint32_t function;
	uint32_t index;
	unsigned int reg;
	unsigned int bit;
} features[] = {
	{ "pcid",		1, 0, ECX, 17 },
	{ "x2apic",		1, 0, ECX, 21 },
	{ "tsc-deadline",	1, 0, ECX, 24 },
	{ "xsave",		1, 0, ECX, 26 },
	{ "avx",		1, 0, ECX, 28 },
	{ "rdrand",		1, 0, ECX, 30 },
	{ "hypervisor",		1, 0, ECX, 31 },
	{ "fsgsbase",		7, 0, EBX, 0 },
	{ "avx2",		7, 0, EBX, 5 },
	{ "smep",		7, 0, EBX, 7 },
	{ "invpcid",		7, 0, EBX, 10 },
	{ "smap",		7, 0, EBX, 20 },
	{ "pku",		7, 0, ECX, 3 },
	{ "la57",		7, 0, ECX, 16 },
	{ "svm",		0x80000001, 0, ECX, 2 },
	{ "nx",			0x80000001, 0, EDX, 20 },
	{ "pdpe1gb",		0x80000001, 0, EDX, 26 },
	{ "rdtscp",		0x80000001, 0, EDX, 27 },
};

/** cpuid_list_features() - the names --cpuid-mask knows, one line. */
void cpuid_list_features(FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		fprintf(f, "%s%s", i ? " " : "", features[i].name);
	fputc('\n', f);
}

/* The throw-away VM that asks the kernel. */
struct probe {
	struct axvcpu_vm_handle vm;
	struct axvcpu_vcpu_handle vcpu;
	void *ram;
	struct axvcpu_cpuid_entry *table;
	unsigned int nent;
};

#define PROBE_RAM	0x10000ULL
#define PROBE_CODE	0x1000ULL

/* One CPUID through the guest; @flags is AXVCPU_CPUID_FLAG_INDEX or 0. */
static int probe_leaf(struct probe *p, uint32_t fn, uint32_t idx, uint32_t flags,
		      struct axvcpu_cpuid_entry **out)
{
	struct axvcpu_cpuid_entry *e;
	struct axvcpu_regs regs;
	int ret;

	if (p->nent >= AXVCPU_CPUID_MAX_ENTRIES)
		return -E2BIG;
	ret = axvcpu_vcpu_get_regs(&p->vcpu, &regs);
	if (ret)
		return ret;
	regs.rax = fn;
	regs.rcx = idx;
	regs.rip = PROBE_CODE;
	ret = axvcpu_vcpu_set_regs(&p->vcpu, &regs);
	if (!ret)
		ret = axvcpu_vcpu_run(&p->vcpu);
	if (!ret && p->vcpu.run->exit_reason != AXVCPU_EXIT_HALT)
		ret = -EIO;
	if (!ret)
		ret = axvcpu_vcpu_get_regs(&p->vcpu, &regs);
	if (ret)
		return ret;

	e = &p->table[p->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	e->eax = regs.rax;
	e->ebx = regs.rbx;
	e->ecx = regs.rcx;
	e->edx = regs.rdx;
	if (out)
		*out = e;
	return 0;
}

/* Every sub-leaf of @fn the CPU describes, in the leaf's own way. */
static int probe_function(struct probe *p, uint32_t fn)
{
	struct axvcpu_cpuid_entry *e;
	uint64_t xsave_mask;
	uint32_t i, n;
	int ret;

	switch (fn) {
	case 4:
	case 0x8000001d:	/* cache levels, until type 0 */
		for (i = 0; i < 16; i++) {
			ret = probe_leaf(p, fn, i, AXVCPU_CPUID_FLAG_INDEX, &e);
			if (ret || !(e->eax & 0x1f))
				return ret;
		}
		return 0;
	case 7:
		ret = probe_leaf(p, fn, 0, AXVCPU_CPUID_FLAG_INDEX, &e);
		n = ret ? 0 : e->eax;
		for (i = 1; !ret && i <= n && i < 8; i++)
			ret = probe_leaf(p, fn, i, AXVCPU_CPUID_FLAG_INDEX, NULL);
		return ret;
	case 0xb:
	case 0x1f:		/* topology levels, until level type 0 */
		for (i = 0; i < 8; i++) {
			ret = probe_leaf(p, fn, i, AXVCPU_CPUID_FLAG_INDEX, &e);
			if (ret || !((e->ecx >> 8) & 0xff))
				return ret;
		}
		return 0;
	case 0xd:
		ret = probe_leaf(p, fn, 0, AXVCPU_CPUID_FLAG_INDEX, &e);
		if (ret)
			return ret;
		xsave_mask = e->eax | ((uint64_t)e->edx << 32);
		ret = probe_leaf(p, fn, 1, AXVCPU_CPUID_FLAG_INDEX, NULL);
		for (i = 2; !ret && i < 64; i++)
			if (xsave_mask & (1ULL << i))
				ret = probe_leaf(p, fn, i, AXVCPU_CPUID_FLAG_INDEX, NULL);
		return ret;
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x80000020:	/* a few sub-leaves each */
		for (i = 0, ret = 0; !ret && i < 4; i++)
			ret = probe_leaf(p, fn, i, AXVCPU_CPUID_FLAG_INDEX, NULL);
		return ret;
	default:
		return probe_leaf(p, fn, 0, 0, NULL);
	}
}

static int probe_range(struct probe *p, uint32_t base, uint32_t span)
{
	struct axvcpu_cpuid_entry *e;
	uint32_t fn, max;
	int ret;

	ret = probe_leaf(p, base, 0, 0, &e);
	if (ret)
		return ret;
	max = e->eax;
	if (max < base || max - base >= span)
		max = base + span - 1;
	for (fn = base + 1; !ret && fn <= max; fn++)
		ret = probe_function(p, fn);
	return ret;
}

/* The kernel's own answers, for every basic and extended leaf. */
static int probe_kernel_cpuid(struct vmm *vmm, struct probe *p)
{
	static const uint8_t code[] = { 0x0f, 0xa2, 0xf4 };	/* cpuid; hlt */
	int ret;

	ret = axvcpu_vm_create(&vmm->sys, &p->vm);
	if (ret)
		return ret;
	ret = axvcpu_vm_alloc_memory(&p->vm, 0, 0, 0, PROBE_RAM, &p->ram);
	if (ret)
		goto out_vm;
	memcpy((uint8_t *)p->ram + PROBE_CODE, code, sizeof(code));
	ret = axvcpu_vcpu_create(&p->vm, 0, &p->vcpu);
	if (ret)
		goto out_mem;
	ret = axvcpu_vcpu_start_protected(&p->vcpu, PROBE_CODE, PROBE_RAM, 0);
	if (!ret)
		ret = axvcpu_vcpu_bind(&p->vcpu);
	if (!ret)
		ret = probe_range(p, 0, 0x40);
	if (!ret)
		ret = probe_range(p, 0x80000000, 0x40);
	axvcpu_vcpu_close(&p->vcpu);
out_mem:
	axvcpu_vm_free_memory(&p->vm, 0, p->ram, PROBE_RAM);
out_vm:
	axvcpu_vm_close(&p->vm);
	return ret;
}

static const struct feature *feature_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (strlen(features[i].name) == len && !strncmp(features[i].name, name, len))
			return &features[i];
	return NULL;
}

/* Set or clear feature @f in every entry of the table that holds it. */
static void feature_set(struct vmm *vmm, const struct feature *f, bool on)
{
	unsigned int i;

	for (i = 0; i < vmm->cpuid_nent; i++) {
		struct axvcpu_cpuid_entry *e = &vmm->cpuid[i];
		uint32_t *r[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

		if (e->function != f->function || e->index != f->index)
			continue;
		if (on)
			*r[f->reg] |= 1U << f->bit;
		else
			*r[f->reg] &= ~(1U << f->bit);
	}
}

/**
 * cpuid_build() - the CPUID table of the VM: the kernel's answers, plus
 * what axvcpu-run's devices offer, minus the comma-separated features of
 * @mask.
 * @vmm:  the VM (vmm->sys open).
 * @mask: e.g. "x2apic,tsc-deadline", or NULL.
 *
 * Return: 0, -EINVAL for an unknown name (reported), or the probe's error.
 */
int cpuid_build(struct vmm *vmm, const char *mask)
{
	struct probe p;
	const char *s, *end;
	const struct feature *f;
	int ret;

	for (s = mask ? mask : ""; *s; s = *end ? end + 1 : end) {
		end = strchrnul(s, ',');
		if (end != s && !feature_find(s, end - s)) {
			fprintf(stderr, "axvcpu-run: unknown CPUID feature '%.*s'; known: ",
				(int)(end - s), s);
			cpuid_list_features(stderr);
			return -EINVAL;
		}
	}

	memset(&p, 0, sizeof(p));
	p.table = calloc(AXVCPU_CPUID_MAX_ENTRIES, sizeof(*p.table));
	if (!p.table)
		return -ENOMEM;
	ret = probe_kernel_cpuid(vmm, &p);
	if (ret) {
		free(p.table);
		return ret;
	}
	vmm->cpuid = p.table;
	vmm->cpuid_nent = p.nent;

	/* lapic.c runs the TSC-deadline timer on the host's clock. */
	feature_set(vmm, feature_find("tsc-deadline", strlen("tsc-deadline")), true);
	for (s = mask ? mask : ""; *s; s = *end ? end + 1 : end) {
		end = strchrnul(s, ',');
		f = feature_find(s, end - s);
		if (f)
			feature_set(vmm, f, false);
	}
	return 0;
}

/**
 * cpuid_apply() - give @cpu the VM's table with its own APIC id (leaf 1
 * EBX[31:24], leaves 0xB/0x1F EDX, leaf 0x8000001E EAX).
 * Return: 0 or SET_CPUID's negative errno.
 */
int cpuid_apply(struct cpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct axvcpu_cpuid_entry *t;
	unsigned int i;
	int ret;

	t = calloc(vmm->cpuid_nent, sizeof(*t));
	if (!t)
		return -ENOMEM;
	memcpy(t, vmm->cpuid, vmm->cpuid_nent * sizeof(*t));
	for (i = 0; i < vmm->cpuid_nent; i++) {
		switch (t[i].function) {
		case 1:
			t[i].ebx = (t[i].ebx & 0x00ffffff) | (cpu->id << 24);
			break;
		case 0xb:
		case 0x1f:
			t[i].edx = cpu->id;
			break;
		case 0x8000001e:
			t[i].eax = cpu->id;
			break;
		}
	}
	ret = axvcpu_vcpu_set_cpuid(&cpu->h, t, vmm->cpuid_nent);
	free(t);
	return ret;
}
