// SPDX-License-Identifier: MIT
/*
 * Host tests of x86_sregs_check() and the MOV-to-CR4 rules
 * (x86_cr4_write_check(), x86_cr4_write_flushes()) in kmod/x86/x86_state.c (the file the
 * module compiles): a table of named valid and invalid register sets, then
 * a deterministic random loop of mutated and random sets, where every set
 * the check accepts must satisfy the invariants of x86_fixtures.h, and
 * ASan/UBSan watch for anything worse.
 */
#include <stdint.h>
#include <string.h>

#include "x86_fixtures.h"

/* ---- SET_SREGS checks ----------------------------------------------- */

static void sregs_case(const char *name, const struct axvcpu_sregs *s,
		       const struct x86_cpu_limits *lim, int expect)
{
	int ret = x86_sregs_check(s, lim);

	tap_ok(ret == expect, "sregs %s: %s (got %d)", name,
	       expect ? "rejected" : "accepted", ret);
}

/*
 * CASE(name, base, lim, expect, statements): copy @base into `s`, apply
 * the statements to it, and check the verdict.
 */
#define CASE(name, base, lim, expect, ...)				\
	do {								\
		struct axvcpu_sregs s = (base);				\
		__VA_ARGS__;						\
		sregs_case(name, &s, lim, expect);			\
	} while (0)

static void test_sregs_table(void)
{
	const struct axvcpu_sregs rm = boot_sregs(AXVCPU_MODE_REAL);
	const struct axvcpu_sregs pm = boot_sregs(AXVCPU_MODE_PROTECTED);
	const struct axvcpu_sregs lm = boot_sregs(AXVCPU_MODE_LONG);
	const struct x86_cpu_limits *t = &lim_typical;
	const int bad = -EINVAL;

	/* Valid combinations. */
	CASE("real boot state", rm, t, 0, (void)0);
	CASE("protected boot state", pm, t, 0, (void)0);
	CASE("long boot state", lm, t, 0, (void)0);
	CASE("long mode with CR4.LA57", lm, t, 0, s.cr4 |= X86_CR4_LA57);
	CASE("long mode with PCIDE", lm, t, 0, s.cr4 |= X86_CR4_PCIDE);
	CASE("long mode with EFER.NXE|SCE", lm, t, 0,
	     s.efer |= X86_EFER_NXE | X86_EFER_SCE);
	CASE("32-bit paging", pm, t, 0, s.cr0 |= X86_CR0_PG; s.cr3 = 0x1000);
	CASE("PAE paging, CR3 bits 31:5", pm, t, 0,
	     s.cr0 |= X86_CR0_PG; s.cr4 |= X86_CR4_PAE; s.cr3 = 0xffffffe0);
	CASE("LME set before paging (LMA clear), PAE on", pm, t, 0,
	     s.efer |= X86_EFER_LME; s.cr4 |= X86_CR4_PAE);
	CASE("compatibility mode CS (L=0, D=1)", lm, t, 0,
	     s.cs.l = 0; s.cs.db = 1);
	CASE("16-bit compatibility CS (L=0, D=0)", lm, t, 0, s.cs.l = 0);
	CASE("CR0.CD alone", lm, t, 0, s.cr0 |= X86_CR0_CD);
	CASE("CR0.CD|NW", lm, t, 0, s.cr0 |= X86_CR0_CD | X86_CR0_NW);
	CASE("CR0 with every defined bit", lm, t, 0,
	     s.cr0 |= X86_CR0_EM | X86_CR0_TS | X86_CR0_AM | X86_CR0_CD |
		      X86_CR0_NW);
	CASE("CR3 just below MAXPHYADDR", lm, t, 0, s.cr3 = (1ULL << 48) - 0x1000);
	CASE("CR8 = 15", lm, t, 0, s.cr8 = 15);
	CASE("CR2 any value", lm, t, 0, s.cr2 = ~0ULL);
	CASE("x2APIC enabled", lm, t, 0, s.apic_base = 0xfee00c00ULL);
	CASE("APIC disabled (0)", lm, t, 0, s.apic_base = 0);
	CASE("APIC base with BSP", lm, t, 0, s.apic_base = 0xfee00900ULL);
	CASE("unusable data segment", lm, t, 0, s.fs.unusable = 1; s.fs.present = 0);
	CASE("DPL 3, type 15, AVL", lm, t, 0,
	     s.gs.dpl = 3; s.gs.type = 15; s.gs.avl = 1);
	CASE("real mode with CR0.PE clear", rm, t, 0, (void)0);

	/* Reserved bits. */
	CASE("CR0 bit 32", lm, t, bad, s.cr0 |= 1ULL << 32);
	CASE("CR0 bit 63", lm, t, bad, s.cr0 |= 1ULL << 63);
	CASE("CR0 reserved bit 6", lm, t, bad, s.cr0 |= 1ULL << 6);
	CASE("CR0 reserved bit 17", lm, t, bad, s.cr0 |= 1ULL << 17);
	CASE("CR4 bit outside the mask (VMXE)", lm, t, bad, s.cr4 |= 1ULL << 13);
	CASE("CR4 bit 63", lm, t, bad, s.cr4 |= 1ULL << 63);
	CASE("CR4.LA57 on a CPU without it", lm, &lim_no_la57, bad,
	     s.cr4 |= X86_CR4_LA57);
	CASE("EFER bit outside the mask (FFXSR)", lm, t, bad, s.efer |= 1ULL << 14);
	CASE("EFER.SVME", lm, t, bad, s.efer |= X86_EFER_SVME);
	CASE("EFER.SVME even if the mask allows it", lm, &lim_with_svme, bad,
	     s.efer |= X86_EFER_SVME);
	CASE("CR3 bit at MAXPHYADDR (long)", lm, t, bad, s.cr3 |= 1ULL << 48);
	CASE("CR3 bit 63 (long)", lm, t, bad, s.cr3 |= 1ULL << 63);
	CASE("CR3 bit 40 on a 40-bit CPU", lm, &lim_no_la57, bad,
	     s.cr3 |= 1ULL << 40);
	CASE("CR3 bit 32 outside long mode", pm, t, bad,
	     s.cr0 |= X86_CR0_PG; s.cr3 = 1ULL << 32);
	CASE("CR8 = 16", lm, t, bad, s.cr8 = 16);
	CASE("APIC base reserved bit 0", lm, t, bad, s.apic_base |= 1);
	CASE("APIC base reserved bit 9", lm, t, bad, s.apic_base |= 1ULL << 9);
	CASE("APIC base above MAXPHYADDR", lm, t, bad, s.apic_base |= 1ULL << 48);
	CASE("x2APIC without APIC enable", lm, t, bad, s.apic_base = 0xfee00400ULL);

	/* Mode combinations. */
	CASE("CR0.PG without PE", lm, t, bad, s.cr0 &= ~X86_CR0_PE);
	CASE("CR0.PG without PE (legacy)", pm, t, bad,
	     s.cr0 = (s.cr0 | X86_CR0_PG) & ~X86_CR0_PE);
	CASE("CR0.NW without CD", lm, t, bad, s.cr0 |= X86_CR0_NW);
	CASE("LME+PG without PAE", lm, t, bad, s.cr4 &= ~X86_CR4_PAE);
	CASE("LME+PG with LMA clear", lm, t, bad, s.efer &= ~X86_EFER_LMA);
	CASE("LMA with PG clear", lm, t, bad, s.cr0 &= ~X86_CR0_PG; s.cs.l = 0);
	CASE("LMA without LME", lm, t, bad, s.efer &= ~X86_EFER_LME);
	CASE("LMA alone in real mode", rm, t, bad, s.efer |= X86_EFER_LMA);
	CASE("CS.L and CS.D in long mode", lm, t, bad, s.cs.db = 1);
	CASE("CS.L in protected mode", pm, t, bad, s.cs.l = 1; s.cs.db = 0);
	CASE("CS.L in real mode", rm, t, bad, s.cs.l = 1);
	CASE("CS.L with LME but paging off", pm, t, bad,
	     s.efer |= X86_EFER_LME; s.cr4 |= X86_CR4_PAE; s.cs.l = 1; s.cs.db = 0);
	CASE("LME before PAE, paging off (QEMU loses the host's CR0)", pm, t, bad,
	     s.efer |= X86_EFER_LME);
	CASE("LME before PAE in real mode", rm, t, bad, s.efer |= X86_EFER_LME);
	CASE("PCIDE outside long mode", pm, t, bad, s.cr4 |= X86_CR4_PCIDE);

	/* Field ranges and padding. */
	CASE("segment type 16", lm, t, bad, s.ds.type = 16);
	CASE("segment DPL 4", lm, t, bad, s.ss.dpl = 4);
	CASE("segment present = 2", lm, t, bad, s.es.present = 2);
	CASE("segment S = 2", lm, t, bad, s.fs.s = 2);
	CASE("segment L = 2 (data)", lm, t, bad, s.ds.l = 2);
	CASE("segment DB = 255", lm, t, bad, s.gs.db = 255);
	CASE("segment G = 2", lm, t, bad, s.cs.g = 2);
	CASE("segment AVL = 2 (TR)", lm, t, bad, s.tr.avl = 2);
	CASE("segment unusable = 2 (LDT)", lm, t, bad, s.ldt.unusable = 2);
	CASE("segment pad non-zero", lm, t, bad, s.ss.pad = 1);
	CASE("GDTR pad[0] non-zero", lm, t, bad, s.gdt.pad[0] = 1);
	CASE("IDTR pad[2] non-zero", lm, t, bad, s.idt.pad[2] = 0x8000);
	CASE("reserved[0] non-zero", lm, t, bad, s.reserved[0] = 1);
	CASE("reserved[7] non-zero", lm, t, bad, s.reserved[7] = 1ULL << 63);
}

static u64 flip_one_of(u64 v, u64 interesting)
{
	/* Half the time a bit the checks care about, else any bit. */
	if ((rng() & 1) && interesting) {
		u64 bit;

		do
			bit = 1ULL << (rng() % 64);
		while (!(bit & interesting));
		return v ^ bit;
	}
	return v ^ (1ULL << (rng() % 64));
}

static void mutate(struct axvcpu_sregs *s)
{
	struct axvcpu_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	struct axvcpu_segment *seg = segs[rng() % ARRAY_SIZE(segs)];
	u8 *fields[] = {
		&seg->type, &seg->present, &seg->dpl, &seg->db, &seg->s,
		&seg->l, &seg->g, &seg->avl, &seg->unusable, &seg->pad,
	};

	switch (rng() % 10) {
	case 0:
		s->cr0 = flip_one_of(s->cr0, X86_CR0_PE | X86_CR0_PG |
				     X86_CR0_NW | X86_CR0_CD);
		break;
	case 1:
		s->cr4 = flip_one_of(s->cr4, X86_CR4_PAE | X86_CR4_LA57 |
				     X86_CR4_PCIDE);
		break;
	case 2:
		s->efer = flip_one_of(s->efer, X86_EFER_LME | X86_EFER_LMA |
				      X86_EFER_SVME | X86_EFER_NXE);
		break;
	case 3:
		s->cr3 = flip_one_of(s->cr3, 0xffff0000ffffffffULL);
		break;
	case 4:
		s->cs.l ^= 1;
		break;
	case 5:
		s->cs.db ^= 1;
		break;
	case 6:
		/* One of the byte fields of a segment, a small value. */
		*fields[rng() % ARRAY_SIZE(fields)] = rng() % 5;
		break;
	case 7:
		s->cr8 = rng() % 20;
		break;
	case 8:
		s->apic_base = flip_one_of(s->apic_base, 0xf00ULL);
		break;
	default:
		if (rng() % 8 == 0)
			s->reserved[rng() % ARRAY_SIZE(s->reserved)] = rng();
		else if (rng() % 2)
			s->gdt.pad[rng() % 3] = (u16)rng();
		else
			s->cr2 = rng();
		break;
	}
}

static void test_random_sregs(void)
{
	const struct x86_cpu_limits *lims[] = {
		&lim_typical, &lim_no_la57, &lim_with_svme,
	};
	struct axvcpu_sregs bases[3];
	unsigned long n, accepted = 0, rejected = 0, broken = 0, other_ret = 0;
	const unsigned long iterations = 200000;

	bases[0] = boot_sregs(AXVCPU_MODE_REAL);
	bases[1] = boot_sregs(AXVCPU_MODE_PROTECTED);
	bases[2] = boot_sregs(AXVCPU_MODE_LONG);

	for (n = 0; n < iterations; n++) {
		const struct x86_cpu_limits *lim = lims[rng() % ARRAY_SIZE(lims)];
		struct axvcpu_sregs s;
		const char *why;
		int k, ret;

		if (n % 16 == 0) {
			/* Entirely random bytes now and then. */
			u8 *p = (u8 *)&s;
			size_t i;

			for (i = 0; i < sizeof(s); i++)
				p[i] = (u8)rng();
		} else {
			s = bases[rng() % ARRAY_SIZE(bases)];
			for (k = (int)(rng() % 4); k >= 0; k--)
				mutate(&s);
		}

		ret = x86_sregs_check(&s, lim);
		if (ret == 0) {
			accepted++;
			why = sregs_broken_invariant(&s, lim);
			if (!why && !x86_entry_state_valid(s.cr0, s.cr3, s.cr4, s.efer,
							   s.cs.l && s.cs.db, lim))
				why = "x86_entry_state_valid() refuses it";
			if (why) {
				if (broken++ < 5)
					tap_diag("accepted state breaks \"%s\" "
						 "(iteration %lu)", why, n);
			}
		} else if (ret == -EINVAL) {
			rejected++;
		} else {
			other_ret++;
		}
	}
	tap_is(broken, 0, "random sregs: no accepted state breaks an invariant "
	       "(%lu accepted, %lu rejected of %lu)", accepted, rejected,
	       iterations);
	tap_is(other_ret, 0, "random sregs: the check returns only 0 or -EINVAL");
	tap_ok(accepted > iterations / 10 && rejected > iterations / 10,
	       "random sregs: both verdicts are well exercised");
}

/* ---- MOV to CR4 ------------------------------------------------------ */

#define CR4_LONG	(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)
#define EFER_LONG	(X86_EFER_LME | X86_EFER_LMA)

static void cr4_case(const char *name, u64 cr4, u64 old, u64 efer, u64 cr3, int expect)
{
	int ret = x86_cr4_write_check(cr4, old, efer, cr3, &lim_typical);

	tap_ok(ret == expect, "mov cr4 %s: %s (got %d)", name,
	       expect ? "#GP" : "loaded", ret);
}

static void test_cr4_write(void)
{
	const int gp = -EINVAL;

	cr4_case("long mode sets PGE", CR4_LONG | X86_CR4_PGE, CR4_LONG, EFER_LONG, 0x1000, 0);
	cr4_case("long mode clears PAE", X86_CR4_OSFXSR, CR4_LONG, EFER_LONG, 0x1000, gp);
	cr4_case("LME before paging, PAE cleared (axvcpu's rule)", 0, X86_CR4_PAE,
		 X86_EFER_LME, 0, gp);
	cr4_case("LME before paging, PAE kept", X86_CR4_PAE | X86_CR4_PGE, X86_CR4_PAE,
		 X86_EFER_LME, 0, 0);
	cr4_case("legacy mode clears PAE", 0, X86_CR4_PAE, 0, 0, 0);
	cr4_case("long mode toggles LA57", CR4_LONG | X86_CR4_LA57, CR4_LONG, EFER_LONG, 0, gp);
	cr4_case("legacy mode sets LA57", X86_CR4_LA57, 0, 0, 0, 0);
	cr4_case("PCIDE outside long mode", X86_CR4_PAE | X86_CR4_PCIDE, X86_CR4_PAE,
		 X86_EFER_LME, 0, gp);
	cr4_case("PCIDE set with CR3[11:0] != 0", CR4_LONG | X86_CR4_PCIDE, CR4_LONG,
		 EFER_LONG, 0x1001, gp);
	cr4_case("PCIDE set with CR3[11:0] = 0", CR4_LONG | X86_CR4_PCIDE, CR4_LONG,
		 EFER_LONG, 0x1000, 0);
	cr4_case("PCIDE kept with a PCID in CR3", CR4_LONG | X86_CR4_PCIDE | X86_CR4_PGE,
		 CR4_LONG | X86_CR4_PCIDE, EFER_LONG, 0x1005, 0);
	cr4_case("VMXE (bit 13) is reserved", CR4_LONG | (1ULL << 13), CR4_LONG,
		 EFER_LONG, 0, gp);
	cr4_case("bit 63 is reserved", X86_CR4_PAE | (1ULL << 63), X86_CR4_PAE, 0, 0, gp);

	/* The entry check: what guest MOVs may leave that VMRUN refuses. */
	tap_ok(x86_entry_state_valid(X86_CR0_PE | X86_CR0_PG, 0x1000, CR4_LONG,
				     EFER_LONG | X86_EFER_SVME, false, &lim_typical),
	       "entry: long mode with SVME");
	tap_ok(!x86_entry_state_valid(X86_CR0_PE | X86_CR0_PG | X86_CR0_NW, 0x1000, CR4_LONG,
				      EFER_LONG, false, &lim_typical),
	       "entry: CR0.NW without CD refused");
	tap_ok(!x86_entry_state_valid(X86_CR0_PE | X86_CR0_PG | (1ULL << 32), 0x1000, CR4_LONG,
				      EFER_LONG, false, &lim_typical),
	       "entry: CR0[32] refused");
	tap_ok(!x86_entry_state_valid(X86_CR0_PE | X86_CR0_PG, 0x1000 | (1ULL << 62), CR4_LONG,
				      EFER_LONG, false, &lim_typical),
	       "entry: CR3 beyond the width in long mode refused");
	tap_ok(x86_entry_state_valid(X86_CR0_PE, 0, 0, 0, true, &lim_typical),
	       "entry: CS.L with D outside long mode is not looked at");
	tap_ok(!x86_entry_state_valid(X86_CR0_PE | X86_CR0_PG, 0x1000, CR4_LONG,
				      EFER_LONG, true, &lim_typical),
	       "entry: CS.L with D in long mode refused");
	tap_ok(!x86_entry_state_valid(X86_CR0_PE, 0, 1ULL << 13, 0, false, &lim_typical),
	       "entry: CR4.VMXE refused");
	tap_ok(!x86_entry_state_valid(X86_CR0_PE, 0, 0, 1ULL << 2, false, &lim_typical),
	       "entry: EFER reserved bit refused");

	tap_ok(x86_cr4_write_flushes(CR4_LONG, CR4_LONG | X86_CR4_PGE),
	       "mov cr4: clearing PGE flushes");
	tap_ok(x86_cr4_write_flushes(X86_CR4_PSE, 0), "mov cr4: setting PSE flushes");
	tap_ok(x86_cr4_write_flushes(CR4_LONG, CR4_LONG | X86_CR4_PCIDE),
	       "mov cr4: clearing PCIDE flushes");
	tap_ok(!x86_cr4_write_flushes(CR4_LONG | X86_CR4_PCIDE, CR4_LONG),
	       "mov cr4: setting PCIDE does not flush");
	tap_ok(!x86_cr4_write_flushes(CR4_LONG, CR4_LONG | X86_CR4_OSXSAVE),
	       "mov cr4: OSXSAVE does not flush");
}

int main(void)
{
	test_sregs_table();
	test_cr4_write();
	test_random_sregs();
	return tap_done();
}
