// SPDX-License-Identifier: MIT
/*
 * Host tests of kmod/x86/x86_state.c, the very file the module compiles:
 * boot states of each SETUP mode (every field) and SETUP's argument
 * checks, the identity map (decoded and walked for all of the 4 GiB), the
 * SET_REGS check, the VMCB segment attribute packing, and a deterministic
 * random loop over SETUP arguments. The SET_SREGS check has its own
 * program, test_x86_sregs.c.
 */
#include <stdint.h>
#include <string.h>

#include "x86_fixtures.h"

static struct axvcpu_segment seg_make(u64 base, u32 limit, u16 selector,
				      u8 type, u8 s, u8 db, u8 l, u8 g)
{
	struct axvcpu_segment seg;

	memset(&seg, 0, sizeof(seg));
	seg.base = base;
	seg.limit = limit;
	seg.selector = selector;
	seg.type = type;
	seg.present = 1;
	seg.s = s;
	seg.db = db;
	seg.l = l;
	seg.g = g;
	return seg;
}

static void seg_print(const char *what, const struct axvcpu_segment *s)
{
	tap_diag("  %s: base 0x%llx limit 0x%x sel 0x%x type %u p %u dpl %u db %u "
		 "s %u l %u g %u avl %u unusable %u pad %u", what,
		 (unsigned long long)s->base, s->limit, s->selector, s->type,
		 s->present, s->dpl, s->db, s->s, s->l, s->g, s->avl,
		 s->unusable, s->pad);
}

static void seg_is(const struct axvcpu_segment *got,
		   const struct axvcpu_segment *want, const char *name)
{
	if (!tap_ok(!memcmp(got, want, sizeof(*got)), "%s", name)) {
		seg_print("got ", got);
		seg_print("want", want);
	}
}

/* ---- Boot states ---------------------------------------------------- */

static void check_boot_common(const char *mode, const struct axvcpu_regs *r,
			      const struct axvcpu_regs *want_r,
			      const struct axvcpu_sregs *s,
			      const struct axvcpu_sregs *want)
{
	static const char *const names[] = { "cs", "ds", "es", "fs", "gs",
					     "ss", "tr", "ldt" };
	const struct axvcpu_segment *got_segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	const struct axvcpu_segment *want_segs[] = {
		&want->cs, &want->ds, &want->es, &want->fs, &want->gs,
		&want->ss, &want->tr, &want->ldt,
	};
	char name[64];
	size_t i;

	tap_is(r->rip, want_r->rip, "%s: RIP", mode);
	tap_is(r->rsp, want_r->rsp, "%s: RSP", mode);
	tap_is(r->rflags, 0x2, "%s: RFLAGS = 0x2", mode);
	tap_ok(!memcmp(r, want_r, sizeof(*r)), "%s: all other GPRs zero", mode);

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(name, sizeof(name), "%s: %s", mode, names[i]);
		seg_is(got_segs[i], want_segs[i], name);
	}
	tap_ok(s->gdt.base == want->gdt.base && s->gdt.limit == want->gdt.limit,
	       "%s: GDTR base 0x%llx limit 0x%x", mode,
	       (unsigned long long)s->gdt.base, s->gdt.limit);
	tap_ok(s->idt.base == want->idt.base && s->idt.limit == want->idt.limit,
	       "%s: IDTR base 0x%llx limit 0x%x", mode,
	       (unsigned long long)s->idt.base, s->idt.limit);
	tap_is(s->cr0, want->cr0, "%s: CR0", mode);
	tap_is(s->cr2, 0, "%s: CR2", mode);
	tap_is(s->cr3, want->cr3, "%s: CR3", mode);
	tap_is(s->cr4, want->cr4, "%s: CR4", mode);
	tap_is(s->cr8, 0, "%s: CR8", mode);
	tap_is(s->efer, want->efer, "%s: EFER", mode);
	tap_is(s->apic_base, 0xfee00800ULL, "%s: APIC base enabled at 0xfee00000",
	       mode);
	tap_ok(!memcmp(s, want, sizeof(*s)), "%s: whole sregs as expected", mode);
	tap_is(x86_sregs_check(s, &lim_typical), 0, "%s: passes the sregs check",
	       mode);
	tap_is(x86_regs_check(r), 0, "%s: passes the regs check", mode);
}

static void test_boot_real(void)
{
	struct axvcpu_setup setup = setup_of(AXVCPU_MODE_REAL, 0x12345, 0x7000, 0);
	struct axvcpu_regs r, want_r;
	struct axvcpu_sregs s, want;

	memset(&r, 0xa5, sizeof(r));
	memset(&s, 0xa5, sizeof(s));
	tap_is(x86_boot_state(&setup, &r, &s), 0, "real: accepted");

	memset(&want_r, 0, sizeof(want_r));
	want_r.rip = 0x5;
	want_r.rsp = 0x7000;
	want_r.rflags = 0x2;
	memset(&want, 0, sizeof(want));
	want.cs = seg_make(0x12340, 0xffff, 0x1234, 0xb, 1, 0, 0, 0);
	want.ds = seg_make(0, 0xffff, 0, 0x3, 1, 0, 0, 0);
	want.es = want.ds;
	want.fs = want.ds;
	want.gs = want.ds;
	want.ss = want.ds;
	want.tr = seg_make(0, 0xffff, 0, 0xb, 0, 0, 0, 0);
	want.ldt = seg_make(0, 0xffff, 0, 0x2, 0, 0, 0, 0);
	want.gdt.limit = 0xffff;
	want.idt.limit = 0xffff;
	want.cr0 = X86_CR0_ET | X86_CR0_NE;
	want.apic_base = 0xfee00800ULL;
	check_boot_common("real", &r, &want_r, &s, &want);
	tap_is(s.cs.base + r.rip, 0x12345, "real: CS.base + IP is the entry");
}

static void test_boot_protected(void)
{
	struct axvcpu_setup setup = setup_of(AXVCPU_MODE_PROTECTED, 0x100000,
					     0x200000, 0);
	struct axvcpu_regs r, want_r;
	struct axvcpu_sregs s, want;

	memset(&r, 0xa5, sizeof(r));
	memset(&s, 0xa5, sizeof(s));
	tap_is(x86_boot_state(&setup, &r, &s), 0, "protected: accepted");

	memset(&want_r, 0, sizeof(want_r));
	want_r.rip = 0x100000;
	want_r.rsp = 0x200000;
	want_r.rflags = 0x2;
	memset(&want, 0, sizeof(want));
	want.cs = seg_make(0, 0xffffffff, 0x8, 0xb, 1, 1, 0, 1);
	want.ds = seg_make(0, 0xffffffff, 0x10, 0x3, 1, 1, 0, 1);
	want.es = want.ds;
	want.fs = want.ds;
	want.gs = want.ds;
	want.ss = want.ds;
	want.tr = seg_make(0, 0xffff, 0, 0xb, 0, 0, 0, 0);
	want.ldt = seg_make(0, 0xffff, 0, 0x2, 0, 0, 0, 0);
	want.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	want.apic_base = 0xfee00800ULL;
	check_boot_common("protected", &r, &want_r, &s, &want);
}

static void test_boot_long(void)
{
	struct axvcpu_setup setup = setup_of(AXVCPU_MODE_LONG, 0x401000,
					     0x800000, 0x9000);
	struct axvcpu_regs r, want_r;
	struct axvcpu_sregs s, want;

	memset(&r, 0xa5, sizeof(r));
	memset(&s, 0xa5, sizeof(s));
	tap_is(x86_boot_state(&setup, &r, &s), 0, "long: accepted");

	memset(&want_r, 0, sizeof(want_r));
	want_r.rip = 0x401000;
	want_r.rsp = 0x800000;
	want_r.rflags = 0x2;
	memset(&want, 0, sizeof(want));
	want.cs = seg_make(0, 0xffffffff, 0x8, 0xb, 1, 0, 1, 1);
	want.ds = seg_make(0, 0xffffffff, 0x10, 0x3, 1, 1, 0, 1);
	want.es = want.ds;
	want.fs = want.ds;
	want.gs = want.ds;
	want.ss = want.ds;
	want.tr = seg_make(0, 0xffff, 0, 0xb, 0, 0, 0, 0);
	want.ldt = seg_make(0, 0xffff, 0, 0x2, 0, 0, 0, 0);
	want.cr0 = 0x80010033ULL;	/* PG WP NE ET MP PE */
	want.cr3 = 0x9000;
	want.cr4 = 0x620ULL;		/* OSXMMEXCPT OSFXSR PAE */
	want.efer = 0x500ULL;		/* LMA LME */
	want.apic_base = 0xfee00800ULL;
	check_boot_common("long", &r, &want_r, &s, &want);
	tap_is(x86_segment_attr_pack(&s.cs), 0xa9b, "long: CS attributes 0xa9b");
	tap_is(x86_segment_attr_pack(&s.ds), 0xc93, "long: DS attributes 0xc93");
	tap_is(x86_sregs_check(&s, &lim_no_la57), 0,
	       "long: passes with a 40-bit, no-LA57 CPU too");
}

struct setup_case {
	const char *name;
	u32 mode;
	u64 entry, stack, pt;
	int expect;
};

static void test_boot_errors(void)
{
	static const struct setup_case cases[] = {
		{ "mode 0", 0, 0x1000, 0x1000, 0, -EINVAL },
		{ "mode CUSTOM", AXVCPU_MODE_CUSTOM, 0x1000, 0x1000, 0, -EINVAL },
		{ "mode 5", 5, 0x1000, 0x1000, 0, -EINVAL },
		{ "mode 0xffffffff", 0xffffffffU, 0x1000, 0x1000, 0, -EINVAL },
		{ "real: page_table_gpa set", AXVCPU_MODE_REAL, 0x1000, 0x1000,
		  0x1000, -EINVAL },
		{ "real: entry 0xfffff", AXVCPU_MODE_REAL, 0xfffff, 0, 0, 0 },
		{ "real: entry 1 MiB", AXVCPU_MODE_REAL, 0x100000, 0, 0, -EINVAL },
		{ "real: stack 0xffff", AXVCPU_MODE_REAL, 0, 0xffff, 0, 0 },
		{ "real: stack 0x10000", AXVCPU_MODE_REAL, 0, 0x10000, 0, -EINVAL },
		{ "protected: page_table_gpa set", AXVCPU_MODE_PROTECTED, 0x1000,
		  0x1000, 0x1000, -EINVAL },
		{ "protected: entry 0xffffffff", AXVCPU_MODE_PROTECTED,
		  0xffffffffULL, 0, 0, 0 },
		{ "protected: entry 4 GiB", AXVCPU_MODE_PROTECTED,
		  0x100000000ULL, 0, 0, -EINVAL },
		{ "protected: stack 4 GiB", AXVCPU_MODE_PROTECTED, 0,
		  0x100000000ULL, 0, -EINVAL },
		{ "long: page_table_gpa 0", AXVCPU_MODE_LONG, 0x1000, 0x1000, 0, 0 },
		{ "long: page_table_gpa misaligned", AXVCPU_MODE_LONG, 0x1000,
		  0x1000, 0x1800, -EINVAL },
		{ "long: page_table_gpa + 1", AXVCPU_MODE_LONG, 0x1000, 0x1000,
		  0x1001, -EINVAL },
		{ "long: tables end at 2^52", AXVCPU_MODE_LONG, 0x1000, 0x1000,
		  (1ULL << 52) - X86_IDMAP_BYTES, 0 },
		{ "long: tables cross 2^52", AXVCPU_MODE_LONG, 0x1000, 0x1000,
		  (1ULL << 52) - X86_IDMAP_BYTES + 0x1000, -EINVAL },
		{ "long: page_table_gpa 2^63", AXVCPU_MODE_LONG, 0x1000, 0x1000,
		  1ULL << 63, -EINVAL },
		{ "long: entry 4 GiB - 1", AXVCPU_MODE_LONG, 0xffffffffULL, 0,
		  0x1000, 0 },
		{ "long: entry 4 GiB (unmapped)", AXVCPU_MODE_LONG,
		  0x100000000ULL, 0, 0x1000, -EINVAL },
		{ "long: entry non-canonical", AXVCPU_MODE_LONG,
		  0x0000800000000000ULL, 0, 0x1000, -EINVAL },
		{ "long: stack 4 GiB", AXVCPU_MODE_LONG, 0x1000, 0x100000000ULL,
		  0x1000, 0 },
		{ "long: stack 4 GiB + 8", AXVCPU_MODE_LONG, 0x1000,
		  0x100000008ULL, 0x1000, -EINVAL },
	};
	struct axvcpu_regs r, r0;
	struct axvcpu_sregs s, s0;
	struct axvcpu_setup setup;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct setup_case *c = &cases[i];

		setup = setup_of(c->mode, c->entry, c->stack, c->pt);
		memset(&r, 0x5a, sizeof(r));
		memset(&s, 0x5a, sizeof(s));
		ret = x86_boot_state(&setup, &r, &s);
		if (c->expect) {
			memset(&r0, 0x5a, sizeof(r0));
			memset(&s0, 0x5a, sizeof(s0));
			tap_ok(ret == c->expect && !memcmp(&r, &r0, sizeof(r)) &&
			       !memcmp(&s, &s0, sizeof(s)),
			       "setup %s: %d, outputs untouched", c->name, ret);
		} else {
			tap_ok(ret == 0 && !x86_sregs_check(&s, &lim_wide),
			       "setup %s: accepted (%d), state valid", c->name, ret);
		}
	}

	/*
	 * The flags are the VCPU's options, which the core checks and keeps:
	 * they change nothing in the boot state.
	 */
	setup = setup_of(AXVCPU_MODE_LONG, 0x1000, 0x1000, 0x1000);
	tap_is(x86_boot_state(&setup, &r0, &s0), 0, "setup long: accepted");
	setup.flags = 0x80000003U;
	tap_ok(x86_boot_state(&setup, &r, &s) == 0 && !memcmp(&r, &r0, sizeof(r)) &&
	       !memcmp(&s, &s0, sizeof(s)), "setup flags leave the boot state alone");
	for (i = 0; i < ARRAY_SIZE(setup.reserved); i++) {
		setup = setup_of(AXVCPU_MODE_REAL, 0x1000, 0x1000, 0);
		setup.reserved[i] = 1ULL << (i * 16);
		tap_is(x86_boot_state(&setup, &r, &s), -EINVAL,
		       "setup reserved[%zu] non-zero", i);
	}
}

/* ---- Identity map --------------------------------------------------- */

static u64 get_entry(const u8 *buf, size_t page, size_t index)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | buf[page * 4096 + index * 8 + i];
	return v;
}

/*
 * A software 4-level walk over the six pages at @pt_gpa, as a CPU in long
 * mode would do it. Tables must lie inside the block; returns the physical
 * address or ~0 when not mapped (or when a table points elsewhere).
 */
static u64 walk(const u8 *buf, u64 pt_gpa, u64 va)
{
	u64 table = pt_gpa;
	int level;

	for (level = 4; level >= 2; level--) {
		u64 page = (table - pt_gpa) / 4096;
		u64 e;

		if (table < pt_gpa || page >= X86_IDMAP_PAGES)
			return ~0ULL;
		e = get_entry(buf, page, (va >> (12 + 9 * (level - 1))) & 511);
		if (!(e & 1))
			return ~0ULL;
		if (level == 2) {
			if (!(e & 0x80))
				return ~0ULL;	/* the map has no 4 KiB tables */
			return (e & 0x000fffffffe00000ULL) | (va & 0x1fffff);
		}
		if (e & 0x80)
			return ~0ULL;		/* no 1 GiB pages either */
		table = e & 0x000ffffffffff000ULL;
	}
	return ~0ULL;
}

static void test_identity_map_at(u64 pt_gpa)
{
	static u8 buf[X86_IDMAP_BYTES];
	unsigned int present = 0, bad_flags = 0, bad_map = 0, bad_high = 0;
	size_t page, i;
	u64 va;

	memset(buf, 0xa5, sizeof(buf));
	x86_identity_map_build(pt_gpa, buf);

	tap_is(get_entry(buf, 0, 0), (pt_gpa + 0x1000) | 0x23,
	       "idmap@0x%llx: PML4[0] -> PDPT, P RW A",
	       (unsigned long long)pt_gpa);
	for (i = 0; i < 4; i++)
		tap_is(get_entry(buf, 1, i), (pt_gpa + (2 + i) * 0x1000) | 0x23,
		       "idmap@0x%llx: PDPT[%zu] -> PD %zu, P RW A",
		       (unsigned long long)pt_gpa, i, i);

	/* Count every non-zero entry and check the leaves' exact bits. */
	for (page = 0; page < X86_IDMAP_PAGES; page++) {
		for (i = 0; i < 512; i++) {
			u64 e = get_entry(buf, page, i);

			if (!e)
				continue;
			present++;
			if (page >= 2 &&
			    e != ((((page - 2) * 512 + i) << 21) | 0xe3))
				bad_flags++;
		}
	}
	tap_is(present, 1 + 4 + 4 * 512,
	       "idmap@0x%llx: exactly 1 + 4 + 2048 entries present, rest zero",
	       (unsigned long long)pt_gpa);
	tap_is(bad_flags, 0,
	       "idmap@0x%llx: PD entries are 2 MiB pages P RW A D PS, no US/NX",
	       (unsigned long long)pt_gpa);

	/* Walk every 2 MiB page of 4 GiB, at its first and last byte. */
	for (va = 0; va < (1ULL << 32); va += 1ULL << 21) {
		if (walk(buf, pt_gpa, va) != va)
			bad_map++;
		if (walk(buf, pt_gpa, va + 0x1fffff) != va + 0x1fffff)
			bad_map++;
	}
	tap_is(bad_map, 0, "idmap@0x%llx: all 2048 2 MiB pages of 4 GiB map 1:1",
	       (unsigned long long)pt_gpa);

	/* Nothing above 4 GiB: sample each GiB up to 512 GiB and beyond. */
	for (va = 1ULL << 32; va < (1ULL << 39); va += 1ULL << 30)
		if (walk(buf, pt_gpa, va) != ~0ULL)
			bad_high++;
	if (walk(buf, pt_gpa, 1ULL << 39) != ~0ULL)
		bad_high++;
	if (walk(buf, pt_gpa, 0x00007fffffe00000ULL) != ~0ULL)
		bad_high++;
	if (walk(buf, pt_gpa, 0xffffffff80000000ULL) != ~0ULL)
		bad_high++;
	tap_is(bad_high, 0, "idmap@0x%llx: nothing mapped at or above 4 GiB",
	       (unsigned long long)pt_gpa);
}

static void test_identity_map(void)
{
	test_identity_map_at(0x9000);
	test_identity_map_at(0);
	test_identity_map_at((1ULL << 52) - X86_IDMAP_BYTES);
}

/* ---- SET_REGS checks ------------------------------------------------ */

static void test_regs(void)
{
	static const struct {
		const char *name;
		u64 rflags;
		int expect;
	} cases[] = {
		{ "RFLAGS 0x2", 0x2, 0 },
		{ "RFLAGS IF", 0x202, 0 },
		{ "RFLAGS every defined bit", 0x3f7fd7ULL, 0 },
		{ "RFLAGS bit 1 clear", 0x0, -EINVAL },
		{ "RFLAGS IF without bit 1", 0x200, -EINVAL },
		{ "RFLAGS bit 3", 0xa, -EINVAL },
		{ "RFLAGS bit 5", 0x22, -EINVAL },
		{ "RFLAGS bit 15", 0x8002, -EINVAL },
		{ "RFLAGS bit 22", 0x400002, -EINVAL },
		{ "RFLAGS bit 32", 0x100000002ULL, -EINVAL },
		{ "RFLAGS bit 63", 0x8000000000000002ULL, -EINVAL },
	};
	struct axvcpu_regs r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&r, 0xff, sizeof(r));
		r.rflags = cases[i].rflags;
		tap_is(x86_regs_check(&r), cases[i].expect, "regs %s",
		       cases[i].name);
	}
}

/* ---- Segment attributes ---------------------------------------------- */

static void test_attr(void)
{
	unsigned int a, bad_round = 0, bad_range = 0, bad_other = 0;
	struct axvcpu_segment seg, orig;

	for (a = 0; a < 4096; a++) {
		memset(&seg, 0x77, sizeof(seg));
		orig = seg;
		x86_segment_attr_unpack((u16)a, &seg);
		if (x86_segment_attr_pack(&seg) != a)
			bad_round++;
		if (seg.type > 15 || seg.s > 1 || seg.dpl > 3 || seg.present > 1 ||
		    seg.avl > 1 || seg.l > 1 || seg.db > 1 || seg.g > 1)
			bad_range++;
		if (seg.base != orig.base || seg.limit != orig.limit ||
		    seg.selector != orig.selector ||
		    seg.unusable != orig.unusable || seg.pad != orig.pad)
			bad_other++;
	}
	tap_is(bad_round, 0, "attr: pack(unpack(a)) == a for all 4096 values");
	tap_is(bad_range, 0, "attr: unpack yields in-range fields");
	tap_is(bad_other, 0, "attr: unpack leaves base/limit/selector/unusable");

	memset(&seg, 0, sizeof(seg));
	seg.type = 0xb;
	tap_is(x86_segment_attr_pack(&seg), 0x00b, "attr: type in bits 3:0");
	memset(&seg, 0, sizeof(seg));
	seg.s = 1;
	tap_is(x86_segment_attr_pack(&seg), 0x010, "attr: S in bit 4");
	memset(&seg, 0, sizeof(seg));
	seg.dpl = 3;
	tap_is(x86_segment_attr_pack(&seg), 0x060, "attr: DPL in bits 6:5");
	memset(&seg, 0, sizeof(seg));
	seg.present = 1;
	tap_is(x86_segment_attr_pack(&seg), 0x080, "attr: P in bit 7");
	memset(&seg, 0, sizeof(seg));
	seg.avl = 1;
	tap_is(x86_segment_attr_pack(&seg), 0x100, "attr: AVL in bit 8");
	memset(&seg, 0, sizeof(seg));
	seg.l = 1;
	tap_is(x86_segment_attr_pack(&seg), 0x200, "attr: L in bit 9");
	memset(&seg, 0, sizeof(seg));
	seg.db = 1;
	tap_is(x86_segment_attr_pack(&seg), 0x400, "attr: DB in bit 10");
	memset(&seg, 0, sizeof(seg));
	seg.g = 1;
	tap_is(x86_segment_attr_pack(&seg), 0x800, "attr: G in bit 11");

	/* Out-of-range fields are masked, never spilled into a neighbour. */
	memset(&seg, 0xff, sizeof(seg));
	tap_is(x86_segment_attr_pack(&seg), 0xfff, "attr: all-ones fields give 0xfff");
	memset(&seg, 0, sizeof(seg));
	seg.type = 0x10;
	seg.dpl = 4;
	seg.s = 2;
	seg.unusable = 1;
	tap_is(x86_segment_attr_pack(&seg), 0, "attr: overflowing bits are masked");
}

/* ---- Random setups ------------------------------------------------- */

static void test_random_setups(void)
{
	unsigned long n, accepted = 0, bad = 0;
	const unsigned long iterations = 100000;

	for (n = 0; n < iterations; n++) {
		struct axvcpu_setup setup;
		struct axvcpu_regs r;
		struct axvcpu_sregs s;
		u64 pick = rng();

		memset(&setup, 0, sizeof(setup));
		setup.mode = (u32)(pick % 6);
		/* Log-uniform magnitudes reach every boundary of every mode. */
		setup.entry = rng_magnitude();
		setup.stack = rng_magnitude();
		setup.page_table_gpa = (pick & 0x100) ? rng_magnitude() :
				       (pick & 0x200) ? 0 :
				       rng_magnitude() & ~0xfffULL;
		if (pick % 64 == 0)
			setup.flags = (u32)rng();
		if (pick % 64 == 1)
			setup.reserved[rng() % 4] = rng() | 1;

		if (x86_boot_state(&setup, &r, &s))
			continue;
		accepted++;
		if (x86_sregs_check(&s, &lim_wide) || x86_regs_check(&r) ||
		    sregs_broken_invariant(&s, &lim_wide) ||
		    r.rsp != setup.stack) {
			if (bad++ < 5)
				tap_diag("setup mode %u entry 0x%llx stack 0x%llx "
					 "pt 0x%llx gave an invalid state",
					 setup.mode,
					 (unsigned long long)setup.entry,
					 (unsigned long long)setup.stack,
					 (unsigned long long)setup.page_table_gpa);
		}
	}
	tap_is(bad, 0, "random setups: every accepted one yields a valid state "
	       "(%lu accepted of %lu)", accepted, iterations);
	tap_ok(accepted > iterations / 50,
	       "random setups: accepted path exercised (over 2%%)");
}

int main(void)
{
	test_boot_real();
	test_boot_protected();
	test_boot_long();
	test_boot_errors();
	test_identity_map();
	test_regs();
	test_attr();
	test_random_setups();
	return tap_done();
}
