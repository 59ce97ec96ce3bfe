/* SPDX-License-Identifier: MIT */
/*
 * Shared fixtures of the x86 state tests: CPU limit tables, boot states,
 * a deterministic random generator and the invariants every register set
 * accepted by x86_sregs_check() must satisfy.
 */
#ifndef AXVCPU_TESTS_X86_FIXTURES_H
#define AXVCPU_TESTS_X86_FIXTURES_H

#include <string.h>

#include "x86_state.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* CR4 bits a typical AMD host lets a guest set (no VMXE/SMXE, bit 15). */
#define CR4_TYPICAL ((0x1fffULL & ~(1ULL << 13)) | (1ULL << 16) | \
		     (1ULL << 17) | (1ULL << 18) | (1ULL << 20) | \
		     (1ULL << 21) | (1ULL << 22))

static const struct x86_cpu_limits lim_typical = {
	.efer_mask = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
	.cr4_mask = CR4_TYPICAL,
	.maxphyaddr = 48,
};

static const struct x86_cpu_limits lim_no_la57 = {
	.efer_mask = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
	.cr4_mask = CR4_TYPICAL & ~X86_CR4_LA57,
	.maxphyaddr = 40,
};

/* The widest physical address space x86-64 defines. */
static const struct x86_cpu_limits lim_wide = {
	.efer_mask = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
	.cr4_mask = CR4_TYPICAL,
	.maxphyaddr = 52,
};

/* A careless limits table that lets SVME through: the check must not. */
static const struct x86_cpu_limits lim_with_svme = {
	.efer_mask = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA |
		     X86_EFER_NXE | X86_EFER_SVME,
	.cr4_mask = CR4_TYPICAL,
	.maxphyaddr = 48,
};

/* A SETUP argument with everything else zero. */
static inline struct axvcpu_setup setup_of(u32 mode, u64 entry, u64 stack,
					   u64 pt)
{
	struct axvcpu_setup s;

	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.entry = entry;
	s.stack = stack;
	s.page_table_gpa = pt;
	return s;
}

/* The boot state of @mode, a known-valid base to mutate. */
static inline struct axvcpu_sregs boot_sregs(u32 mode)
{
	struct axvcpu_setup setup = setup_of(mode, 0x1000, 0x8000,
					     mode == AXVCPU_MODE_LONG ? 0x10000 : 0);
	struct axvcpu_sregs s;
	struct axvcpu_regs r;

	memset(&s, 0, sizeof(s));
	if (x86_boot_state(&setup, &r, &s))
		tap_diag("boot state of mode %u failed", mode);
	return s;
}

/* Deterministic random numbers: a failure reproduces on every run. */
static u64 rng_state = 0x243f6a8885a308d3ULL;

static inline u64 rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A random value of random bit length (0 to 64 bits). */
static inline u64 rng_magnitude(void)
{
	unsigned int bits = (unsigned int)(rng() % 65);

	return bits ? rng() >> (64 - bits) : 0;
}

/*
 * What an accepted register set must satisfy, written as plain invariants
 * (independently of the code under test). Returns the first broken one.
 */
static inline const char *
sregs_broken_invariant(const struct axvcpu_sregs *s,
		       const struct x86_cpu_limits *lim)
{
	const struct axvcpu_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	int pg = !!(s->cr0 & X86_CR0_PG), pe = !!(s->cr0 & X86_CR0_PE);
	int lme = !!(s->efer & X86_EFER_LME), lma = !!(s->efer & X86_EFER_LMA);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		const struct axvcpu_segment *g = segs[i];

		if (g->type > 15 || g->present > 1 || g->dpl > 3 || g->db > 1 ||
		    g->s > 1 || g->l > 1 || g->g > 1 || g->avl > 1 ||
		    g->unusable > 1 || g->pad)
			return "segment field out of range";
	}
	for (i = 0; i < 3; i++)
		if (s->gdt.pad[i] || s->idt.pad[i])
			return "dtable pad";
	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return "reserved";
	if (s->cr0 >> 32)
		return "CR0 high bits";
	if (s->cr0 & 0x1ffaffc0ULL)	/* bits 28:19, 17, 15:6 */
		return "CR0 low reserved bits";
	if (pg && !pe)
		return "PG without PE";
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return "NW without CD";
	if (s->cr4 & ~lim->cr4_mask)
		return "CR4 outside mask";
	if ((s->efer & ~lim->efer_mask) || (s->efer & X86_EFER_SVME))
		return "EFER outside mask";
	if (lma != (lme && pg))
		return "LMA != LME && PG";
	if (lme && pg && !(s->cr4 & X86_CR4_PAE))
		return "long mode without PAE";
	/* Not architectural: QEMU 7.2 loses the host's CR0 (x86_state.c). */
	if (lme && !(s->cr4 & X86_CR4_PAE))
		return "LME without PAE";
	if (lma && s->cs.l && s->cs.db)
		return "CS.L and CS.D";
	if (!lma && s->cs.l)
		return "CS.L outside long mode";
	if (lma && lim->maxphyaddr < 64 && (s->cr3 >> lim->maxphyaddr))
		return "CR3 above MAXPHYADDR";
	if (!lma && (s->cr3 >> 32))
		return "CR3 above 32 bits outside long mode";
	if (s->cr8 > 15)
		return "CR8";
	if ((s->apic_base & 0x2ffULL) ||
	    (lim->maxphyaddr < 64 && (s->apic_base >> lim->maxphyaddr)))
		return "APIC base reserved bits";
	return NULL;
}

#endif /* AXVCPU_TESTS_X86_FIXTURES_H */
