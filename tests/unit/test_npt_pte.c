// SPDX-License-Identifier: MIT
/*
 * The pure half of the nested page tables (kmod/x86/npt_pte.h): index
 * math, reach and entry encoding, exactly as kmod/x86/npt.c uses them.
 * The table memory management in npt.c needs the kernel's page allocator
 * and is exercised by the selftests in QEMU instead.
 */
#include <stdint.h>

#include "npt_pte.h"
#include "tap.h"

/* Build a guest physical address from its five indices and page offset. */
static u64 gpa_of(unsigned int i5, unsigned int i4, unsigned int i3,
		  unsigned int i2, unsigned int i1, unsigned int off)
{
	return (u64)i5 << 48 | (u64)i4 << 39 | (u64)i3 << 30 |
	       (u64)i2 << 21 | (u64)i1 << 12 | off;
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void test_geometry(void)
{
	tap_is(x86_npt_shift(1), 12, "a level-1 entry covers 4 KiB");
	tap_is(x86_npt_shift(2), 21, "a level-2 entry covers 2 MiB");
	tap_is(x86_npt_shift(3), 30, "a level-3 entry covers 1 GiB");
	tap_is(x86_npt_shift(4), 39, "a level-4 entry covers 512 GiB");
	tap_is(x86_npt_shift(5), 48, "a level-5 entry covers 256 TiB");
	tap_is(x86_npt_gpa_bits(4), 48, "4 levels reach 48 bits of GPA");
	tap_is(x86_npt_gpa_bits(5), 57, "5 levels reach 57 bits of GPA");
	tap_is(X86_NPT_ENTRIES * 8, 4096, "a table is one 4 KiB page");
}

static void test_index(void)
{
	unsigned int n, bad = 0;
	int level;

	tap_is(x86_npt_index(0, 4), 0, "GPA 0 uses PML4 index 0");
	tap_is(x86_npt_index(0xfffULL, 1), 0, "the page offset does not index");
	tap_is(x86_npt_index(0x1000ULL, 1), 1, "4 KiB selects PT index 1");
	tap_is(x86_npt_index(0x200000ULL, 2), 1, "2 MiB selects PD index 1");
	tap_is(x86_npt_index(0x200000ULL, 1), 0, "2 MiB is PT index 0");
	tap_is(x86_npt_index(0x40000000ULL, 3), 1, "1 GiB selects PDPT index 1");
	tap_is(x86_npt_index(0xfee00000ULL, 3), 3, "the APIC page: PDPT index 3");
	tap_is(x86_npt_index(0xfee00000ULL, 2), 0x1f7, "the APIC page: PD index 0x1f7");
	tap_is(x86_npt_index(0xfee00000ULL, 1), 0, "the APIC page: PT index 0");
	tap_is(x86_npt_index(0x00007ffffffff000ULL, 4), 255,
	       "top of the lower 47-bit half: PML4 index 255");
	tap_is(x86_npt_index(0x0000fffffffff000ULL, 4), 511,
	       "top of 48 bits: PML4 index 511");
	tap_is(x86_npt_index(0x0000fffffffff000ULL, 5), 0,
	       "48 bits stay in PML5 index 0");
	tap_is(x86_npt_index(0x01fffffffffff000ULL, 5), 511,
	       "top of 57 bits: PML5 index 511");
	tap_is(x86_npt_index(1ULL << 48, 5), 1, "2^48 selects PML5 index 1");
	tap_is(x86_npt_index(1ULL << 48, 4), 0, "2^48 is PML4 index 0");

	/* Every index field decodes to what built it, for random GPAs. */
	for (n = 0; n < 100000; n++) {
		unsigned int idx[6];
		u64 gpa;

		for (level = 1; level <= 5; level++)
			idx[level] = rng() % X86_NPT_ENTRIES;
		gpa = gpa_of(idx[5], idx[4], idx[3], idx[2], idx[1],
			     rng() % 4096);
		for (level = 1; level <= 5; level++)
			if (x86_npt_index(gpa, level) != idx[level])
				bad++;
	}
	tap_is(bad, 0, "100000 random GPAs decode into their five indices");
}

static void test_entries(void)
{
	const u64 hpa = 0x000ffffffffff000ULL;
	const u64 flags_rx = X86_NPT_P | X86_NPT_US | X86_NPT_A | X86_NPT_D;
	u64 e;

	tap_is(x86_npt_leaf(0x123456000ULL, false, false),
	       0x123456000ULL | flags_rx | X86_NPT_NX,
	       "read-only no-exec leaf: P US A D NX");
	tap_is(x86_npt_leaf(0x123456000ULL, true, false),
	       0x123456000ULL | flags_rx | X86_NPT_RW | X86_NPT_NX,
	       "writable no-exec leaf: P RW US A D NX");
	tap_is(x86_npt_leaf(0x123456000ULL, false, true),
	       0x123456000ULL | flags_rx,
	       "read-only executable leaf: P US A D, no NX");
	tap_is(x86_npt_leaf(0x123456000ULL, true, true),
	       0x123456000ULL | flags_rx | X86_NPT_RW,
	       "writable executable leaf: P RW US A D");
	tap_is(x86_npt_leaf(0x123456000ULL, true, true), 0x0000000123456067ULL,
	       "writable executable leaf is 0x...067");

	e = x86_npt_leaf(hpa, true, true);
	tap_is(x86_npt_entry_pa(e), hpa, "a leaf keeps all 40 frame bits 51:12");
	e = x86_npt_leaf(0xfff0000000000fffULL, true, true);
	tap_is(x86_npt_entry_pa(e), 0, "address bits outside 51:12 are dropped");
	tap_is(e & 0x7ff0000000000f98ULL, 0,
	       "no PWT/PCD/PS/G/PAT or software bits leak into a leaf");

	e = x86_npt_table_entry(0x5000ULL);
	tap_is(e, 0x5000ULL | X86_NPT_P | X86_NPT_RW | X86_NPT_US | X86_NPT_A,
	       "table entry: P RW US A");
	tap_ok(!(e & X86_NPT_NX), "a table entry never has NX");
	tap_is(x86_npt_entry_pa(e), 0x5000, "table entry points at its table");

	e = x86_npt_leaf_huge(0x40200000ULL, true, false);
	tap_is(e, 0x40200000ULL | flags_rx | X86_NPT_RW | X86_NPT_NX | X86_NPT_PS,
	       "writable no-exec 2 MiB leaf: P RW US A D PS NX");
	tap_is(x86_npt_entry_pa(x86_npt_leaf_huge(0x403ff000ULL, false, true)), 0x40200000ULL,
	       "a 2 MiB leaf keeps only frame bits 51:21 (no PAT bit 12, nothing in 20:13)");
	tap_ok(x86_npt_is_huge(e), "a 2 MiB leaf is huge");
	tap_ok(!x86_npt_is_huge(x86_npt_table_entry(0x5000ULL)), "a table entry is not huge");
	tap_ok(!x86_npt_is_huge(X86_NPT_PS), "PS without P is not a leaf");

	tap_ok(x86_npt_present(x86_npt_leaf(0, false, false)),
	       "a leaf of frame 0 is present");
	tap_ok(!x86_npt_present(0), "an empty entry is absent");
	tap_ok(!x86_npt_present(X86_NPT_NX | X86_NPT_RW | 0x1000ULL),
	       "P clear means absent whatever else is set");
}

int main(void)
{
	test_geometry();
	test_index();
	test_entries();
	return tap_done();
}
