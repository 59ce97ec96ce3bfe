// SPDX-License-Identifier: MIT
/*
 * kmod/x86/x86_walk.c: segment checks (x86_seg_linear) in real,
 * virtual-8086, protected and 64-bit mode, and the page-table walk
 * (x86_walk) in every paging mode, on guest page tables built in a fake
 * guest-physical memory. Every fault kind is checked with its vector,
 * error code and CR2, and the accessed/dirty updates with the bytes they
 * leave in the tables.
 */
#include <stdint.h>

#include "x86_walk.h"
#include "x86_decode.h"
#include "tap.h"

#define CR0_PE	(1ULL << 0)
#define CR0_WP	(1ULL << 16)
#define CR0_PG	(1ULL << 31)
#define CR4_PSE	(1ULL << 4)
#define CR4_PAE	(1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_PKE	(1ULL << 22)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define RFLAGS_AC (1ULL << 18)
#define RFLAGS_VM (1ULL << 17)

#define P	(1ULL << 0)
#define RW	(1ULL << 1)
#define US	(1ULL << 2)
#define A	(1ULL << 5)
#define D	(1ULL << 6)
#define PS	(1ULL << 7)
#define NX	(1ULL << 63)

/* Fake guest memory: 1 MiB at GPA 0; everything else is not RAM. */
#define MEM_SIZE (1U << 20)
static u8 mem[MEM_SIZE];
static u64 next_page;
static unsigned int writes;

static int mem_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	(void)ctx;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -ENOENT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static int mem_write(void *ctx, u64 gpa, const void *buf, unsigned int len)
{
	(void)ctx;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -ENOENT;
	memcpy(mem + gpa, buf, len);
	writes++;
	return 0;
}

static const struct x86_mem_ops ops = { mem_read, mem_write, NULL };
static const struct x86_mem_ops ops_ro = { mem_read, NULL, NULL };

static void mem_reset(void)
{
	memset(mem, 0, sizeof(mem));
	next_page = 0x1000;
	writes = 0;
}

static u64 page(void)
{
	u64 p = next_page;

	next_page += 0x1000;
	return p;
}

static void set64(u64 gpa, u64 v)
{
	memcpy(mem + gpa, &v, 8);
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, mem + gpa, 8);
	return v;
}

static void set32(u64 gpa, u32 v)
{
	memcpy(mem + gpa, &v, 4);
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, mem + gpa, 4);
	return v;
}

static struct x86_mmu_state mmu;

/* One point: the walk succeeds with @want. */
static void ok_at(const struct x86_mem_ops *o, u64 la, u32 acc, u64 want,
		  const char *name, int line)
{
	struct x86_fault f = { 0 };
	u64 gpa = ~0ULL;
	int rc = x86_walk(&mmu, o, la, acc, &gpa, &f);

	if (!tap_ok(rc == 0 && gpa == want, "%s", name))
		tap_diag("line %d: rc %d gpa %#llx (want %#llx) vector %u ec %#x", line, rc,
			 (unsigned long long)gpa, (unsigned long long)want, f.vector,
			 f.error_code);
}

/* One point: the walk raises #PF with @ec and CR2 = @la. */
static void pf_at(u64 la, u32 acc, u32 ec, const char *name, int line)
{
	struct x86_fault f = { 0 };
	u64 gpa = 0;
	int rc = x86_walk(&mmu, &ops, la, acc, &gpa, &f);

	if (!tap_ok(rc == -EFAULT && f.vector == X86_VEC_PF && f.has_error &&
		    f.error_code == ec && f.cr2 == la, "%s", name))
		tap_diag("line %d: rc %d gpa %#llx vector %u ec %#x (want %#x) cr2 %#llx", line,
			 rc, (unsigned long long)gpa, f.vector, f.error_code, ec,
			 (unsigned long long)f.cr2);
}

#define WALK_OK(la, acc, want, name) ok_at(&ops, la, acc, want, name, __LINE__)
#define WALK_PF(la, acc, ec, name) pf_at(la, acc, ec, name, __LINE__)

#define R X86_ACC_READ
#define W X86_ACC_WRITE
#define X X86_ACC_FETCH
#define IMP X86_ACC_IMPLICIT

static void test_no_paging(void)
{
	mem_reset();
	mmu = (struct x86_mmu_state){ .cr0 = CR0_PE, .maxphyaddr = 40 };
	WALK_OK(0x12345678, R, 0x12345678, "no paging: linear is physical");
	WALK_OK(0x112345678ULL, W, 0x12345678, "no paging outside long mode: low 32 bits");
	tap_is(writes, 0, "no paging: nothing written");
}

static void test_32bit(void)
{
	u64 pd, pt, la = 0x00403123;	/* PDE 1, PTE 3 */

	mem_reset();
	pd = page();
	pt = page();
	mmu = (struct x86_mmu_state){ .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = pd | 0x18,
				      .maxphyaddr = 40 };
	set32(pd + 1 * 4, pt | P | RW | US);
	set32(pt + 3 * 4, 0x00abc000 | P | US);
	WALK_OK(la, R, 0x00abc123, "32-bit: 4 KiB page");
	tap_ok(get32(pd + 4) & A, "32-bit: A set in the PDE");
	tap_ok((get32(pt + 12) & (A | D)) == A, "32-bit: A but not D set in the PTE of a read");
	mmu.cpl = 3;
	WALK_OK(la, R, 0x00abc123, "32-bit: CPL 3 reads a user page");
	WALK_PF(la, W, X86_PF_P | X86_PF_W | X86_PF_U, "32-bit: CPL 3 write to read-only: P|W|U");
	mmu.cpl = 0;
	WALK_PF(la, W, X86_PF_P | X86_PF_W, "32-bit: CPL 0 write to read-only with CR0.WP: P|W");
	WALK_PF(la, W | X, X86_PF_P | X86_PF_W, "32-bit: a write|fetch access is checked as a write too");
	mmu.cr0 &= ~CR0_WP;
	writes = 0;
	WALK_OK(la, W, 0x00abc123, "32-bit: CPL 0 write to read-only without CR0.WP");
	tap_ok((get32(pt + 12) & (A | D)) == (A | D) && writes == 1,
	       "32-bit: D set in the PTE of a write (one byte store)");
	mmu.cr0 |= CR0_WP;
	set32(pt + 3 * 4, 0x00abc000 | P | RW);
	mmu.cpl = 3;
	WALK_PF(la, R, X86_PF_P | X86_PF_U, "32-bit: CPL 3 read of a supervisor page: P|U");
	WALK_OK(la, R | IMP, 0x00abc123, "32-bit: implicit access at CPL 3 is supervisor");
	mmu.cpl = 0;
	WALK_PF(0x00803000, R, 0, "32-bit: PDE not present: error code 0");
	mmu.cpl = 3;
	WALK_PF(0x00404000, W, X86_PF_W | X86_PF_U, "32-bit: PTE not present, user write: W|U");
	mmu.cpl = 0;
	mmu.efer = EFER_NXE;
	WALK_PF(0x00404000, X, 0, "32-bit: fetch without SMEP: no I bit (NXE has no effect)");
	mmu.cr4 = CR4_SMEP;
	WALK_PF(0x00404000, X, X86_PF_I, "32-bit: fetch with SMEP: I");
	mmu.efer = 0;

	/* 4 MiB pages. */
	set32(pd + 2 * 4, pt | P | RW | PS);
	mmu.cr4 = 0;
	WALK_PF(0x00812345, R, 0, "32-bit: PS without CR4.PSE points to a table (empty)");
	set32(pd + 2 * 4, 0x01000000 | P | RW | PS);
	mmu.cr4 = CR4_PSE;
	WALK_OK(0x00912345, R, 0x01112345, "32-bit: 4 MiB page with CR4.PSE");
	set32(pd + 2 * 4, 0x01000000 | P | RW | PS | (0x12 << 13));
	WALK_OK(0x00912345, R, 0x1201112345ULL, "32-bit: PSE-36 bits 20:13 are PA 39:32");
	writes = 0;
	WALK_OK(0x00912345, W, 0x1201112345ULL, "32-bit: write through a 4 MiB page");
	tap_ok((get32(pd + 8) & (A | D)) == (A | D) && writes == 1, "32-bit: A|D set in the 4 MiB PDE");
	mmu.maxphyaddr = 36;
	WALK_PF(0x00912345, R, X86_PF_P | X86_PF_RSVD,
		"32-bit: PSE-36 bit above MAXPHYADDR 36: P|RSVD");
	mmu.maxphyaddr = 40;
	set32(pd + 2 * 4, 0x01000000 | P | RW | PS | (1U << 21));
	WALK_PF(0x00912345, R, X86_PF_P | X86_PF_RSVD, "32-bit: 4 MiB PDE bit 21: P|RSVD");
	set32(pd + 2 * 4, 0x01000000 | P | RW | PS | (1U << 12));
	WALK_OK(0x00912345, R, 0x01112345, "32-bit: 4 MiB PDE PAT bit is not address");
	WALK_OK(0x100403123ULL, R, 0x00abc123, "32-bit: only the low 32 bits of the linear address");
}

static void test_pae(void)
{
	u64 pdpt, pd, pt, la = 0x40603123;	/* PDPTE 1, PDE 3, PTE 3 */
	u64 before;

	mem_reset();
	pdpt = page();
	pd = page();
	pt = page();
	mmu = (struct x86_mmu_state){ .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr4 = CR4_PAE,
				      .cr3 = pdpt, .maxphyaddr = 40 };
	set64(pdpt + 8, pd | P);
	set64(pd + 3 * 8, pt | P | RW | US);
	set64(pt + 3 * 8, 0x123456000ULL | P | RW | US);
	WALK_OK(la, W, 0x123456123ULL, "PAE: 4 KiB page above 4 GiB");
	tap_ok(get64(pdpt + 8) == (pd | P), "PAE: the PDPTE gets no A bit");
	tap_ok((get64(pt + 24) & (A | D)) == (A | D), "PAE: A|D in the PTE of a write");
	WALK_PF(0x00003000, R, 0, "PAE: PDPTE not present");
	set64(pdpt + 8, pd | P | RW);
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "PAE: PDPTE reserved bit 1: P|RSVD (see design.rst)");
	set64(pdpt + 8, pd | P | (1ULL << 45));
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "PAE: PDPTE address above MAXPHYADDR: P|RSVD");
	set64(pdpt + 8, pd | P);
	set64(pt + 3 * 8, 0x123456000ULL | P | RW | US | NX);
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "PAE: NX bit without EFER.NXE is reserved");
	mmu.efer = EFER_NXE;
	WALK_OK(la, R, 0x123456123ULL, "PAE: NX page readable with EFER.NXE");
	WALK_PF(la, X, X86_PF_P | X86_PF_I, "PAE: fetch from an NX page: P|I");
	WALK_PF(0x40000000, X, X86_PF_I, "PAE: not-present fetch with NXE: I");
	set64(pt + 3 * 8, 0x123456000ULL | P | RW | US | (1ULL << 62));
	mmu.maxphyaddr = 52;
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "PAE: PTE bit 62 is reserved in legacy PAE");
	/* 2 MiB pages. */
	set64(pd + 4 * 8, 0x7fe00000ULL | P | RW | PS);
	WALK_OK(0x40812345, R, 0x7fe12345ULL, "PAE: 2 MiB page");
	set64(pd + 4 * 8, 0x7fe00000ULL | P | RW | PS | (1ULL << 13));
	WALK_PF(0x40812345, R, X86_PF_P | X86_PF_RSVD, "PAE: 2 MiB page bit 13: P|RSVD");
	set64(pd + 4 * 8, 0x7fe00000ULL | P | RW | PS | (1ULL << 12));
	WALK_OK(0x40812345, R, 0x7fe12345ULL, "PAE: 2 MiB PAT bit is not address");
	before = get64(pd + 5 * 8);
	set64(pd + 5 * 8, pt | P | RW);
	set64(pt + 0, 0x5000 | P);
	before = get64(pd + 5 * 8);
	writes = 0;
	WALK_PF(0x40a00000, W, X86_PF_P | X86_PF_W, "PAE: write to read-only with WP");
	tap_ok(writes == 0 && get64(pd + 5 * 8) == before, "PAE: a failed walk sets no A bit");
}

/* 4-level long-mode tables for @la: every level with @upper, leaf @leaf. */
static u64 lm_map(u64 cr3_table, unsigned int levels, u64 la, u64 upper, u64 leaf)
{
	u64 table = cr3_table, e;
	unsigned int l;

	for (l = levels; l > 1; l--) {
		u64 slot = table + ((la >> (12 + 9 * (l - 1))) & 511) * 8;

		e = get64(slot);
		if (!(e & P)) {
			e = page() | upper;
			set64(slot, e);
		}
		table = e & 0x000ffffffffff000ULL;
	}
	set64(table + ((la >> 12) & 511) * 8, leaf);
	return table + ((la >> 12) & 511) * 8;
}

static void test_long(void)
{
	u64 pml4, la = 0xffff800012345678ULL, leaf, e;

	mem_reset();
	pml4 = page();
	mmu = (struct x86_mmu_state){ .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr4 = CR4_PAE,
				      .efer = EFER_LME | EFER_LMA | EFER_NXE, .cr3 = pml4,
				      .maxphyaddr = 40 };
	leaf = lm_map(pml4, 4, la, P | RW | US, 0xabcdef000ULL | P | RW | US);
	writes = 0;
	WALK_OK(la, W, 0xabcdef678ULL, "4-level: 4 KiB page at a high canonical address");
	tap_ok((get64(leaf) & (A | D)) == (A | D) && writes == 4, "4-level: A in 4 entries, D in the leaf");
	writes = 0;
	WALK_OK(la, W, 0xabcdef678ULL, "4-level: again");
	tap_is(writes, 0, "4-level: nothing written when A/D are already set");
	set64(leaf, 0xabcdef000ULL | P | RW | US);
	ok_at(&ops_ro, la, W, 0xabcdef678ULL, "4-level: walk without ops->write", __LINE__);
	tap_ok(!(get64(leaf) & (A | D)), "4-level: no ops->write, no A/D");

	/* Reserved bits. */
	set64(leaf, 0xabcdef000ULL | P | RW | US | (1ULL << 45));
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "4-level: leaf address bit 45 > MAXPHYADDR 40: P|RSVD");
	set64(leaf, 0xabcdef000ULL | P | RW | US | (0x7fULL << 52));
	WALK_OK(la, R, 0xabcdef678ULL, "4-level: bits 58:52 are ignored, not reserved");
	e = get64(pml4 + 256 * 8);
	set64(pml4 + 256 * 8, e | PS);
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "4-level: PS in a PML4E: P|RSVD");
	set64(pml4 + 256 * 8, e);
	mmu.efer &= ~EFER_NXE;
	set64(leaf, 0xabcdef000ULL | P | RW | US | NX);
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "4-level: NX without NXE: P|RSVD");
	mmu.efer |= EFER_NXE;
	mmu.cpl = 3;
	WALK_PF(la, X, X86_PF_P | X86_PF_U | X86_PF_I, "4-level: user fetch from NX: P|U|I");
	mmu.cpl = 0;

	/* U/S and R/W accumulate over levels; NX at an upper level. */
	set64(leaf, 0xabcdef000ULL | P | RW | US);
	set64(pml4 + 256 * 8, (e & ~US));
	mmu.cpl = 3;
	WALK_PF(la, R, X86_PF_P | X86_PF_U, "4-level: U clear in the PML4E only: P|U");
	set64(pml4 + 256 * 8, (e & ~RW));
	WALK_PF(la, W, X86_PF_P | X86_PF_W | X86_PF_U, "4-level: R/W clear in the PML4E only: P|W|U");
	set64(pml4 + 256 * 8, e | NX);
	WALK_PF(la, X, X86_PF_P | X86_PF_U | X86_PF_I, "4-level: NX in the PML4E only: P|U|I");
	set64(pml4 + 256 * 8, e);
	mmu.cpl = 0;

	/* SMEP and SMAP on a user page. */
	WALK_OK(la, X, 0xabcdef678ULL, "4-level: supervisor fetch of a user page without SMEP");
	mmu.cr4 |= CR4_SMEP;
	WALK_PF(la, X, X86_PF_P | X86_PF_I, "4-level: SMEP: supervisor fetch of a user page: P|I");
	WALK_OK(la, R, 0xabcdef678ULL, "4-level: SMEP does not stop data reads");
	mmu.cr4 |= CR4_SMAP;
	WALK_PF(la, R, X86_PF_P, "4-level: SMAP: supervisor read of a user page, AC=0: P");
	WALK_PF(la, W, X86_PF_P | X86_PF_W, "4-level: SMAP: supervisor write, AC=0: P|W");
	mmu.rflags = RFLAGS_AC;
	WALK_OK(la, W, 0xabcdef678ULL, "4-level: SMAP lifted by RFLAGS.AC at CPL 0");
	WALK_PF(la, R | IMP, X86_PF_P, "4-level: SMAP: implicit access ignores RFLAGS.AC: P");
	mmu.cpl = 3;
	WALK_PF(la, R | IMP, X86_PF_P, "4-level: SMAP: implicit access at CPL 3 (no U bit): P");
	WALK_OK(la, R, 0xabcdef678ULL, "4-level: SMAP does not apply to user accesses");
	mmu.cpl = 0;
	mmu.rflags = 0;
	mmu.cr4 &= ~(CR4_SMEP | CR4_SMAP);

	/* Protection keys: key 5 in the leaf. */
	set64(leaf, 0xabcdef000ULL | P | RW | US | (5ULL << 59));
	mmu.pkru = 1U << 10;	/* AD for key 5 */
	mmu.cpl = 3;
	WALK_OK(la, R, 0xabcdef678ULL, "PKU: PKRU ignored without CR4.PKE");
	mmu.cr4 |= CR4_PKE;
	WALK_PF(la, R, X86_PF_P | X86_PF_U | X86_PF_PK, "PKU: AD, user read: P|U|PK");
	WALK_OK(la, X, 0xabcdef678ULL, "PKU: fetches are not subject to keys");
	mmu.pkru = 1U << 11;	/* WD for key 5 */
	WALK_OK(la, R, 0xabcdef678ULL, "PKU: WD allows reads");
	WALK_PF(la, W, X86_PF_P | X86_PF_W | X86_PF_U | X86_PF_PK, "PKU: WD, user write: P|W|U|PK");
	mmu.cpl = 0;
	WALK_PF(la, W, X86_PF_P | X86_PF_W | X86_PF_PK, "PKU: WD, supervisor write with WP: P|W|PK");
	mmu.cr0 &= ~CR0_WP;
	WALK_OK(la, W, 0xabcdef678ULL, "PKU: WD, supervisor write without WP");
	mmu.cr0 |= CR0_WP;
	mmu.pkru = 0xfffffffc;	/* everything but key 0 denied */
	set64(leaf, 0xabcdef000ULL | P | RW | US);
	WALK_OK(la, R, 0xabcdef678ULL, "PKU: key 0 allowed");
	set64(leaf, 0xabcdef000ULL | P | RW | (5ULL << 59));
	mmu.pkru = 1U << 10;
	WALK_OK(la, R, 0xabcdef678ULL, "PKU: supervisor pages are not subject to PKRU");
	mmu.cr4 &= ~CR4_PKE;
	mmu.pkru = 0;

	/* Large pages. */
	{
		u64 la1g = 0x0000004080000123ULL;	/* PML4 0, PDPT 258 */
		u64 pdpt = page();

		set64(pml4 + 0, pdpt | P | RW | US);
		set64(pdpt + 258 * 8, 0x40000000ULL * 3 | P | RW | PS);
		WALK_OK(la1g, R, 0xc0000123ULL, "4-level: 1 GiB page");
		set64(pdpt + 258 * 8, 0x40000000ULL * 3 | P | RW | PS | (1ULL << 29));
		WALK_PF(la1g, R, X86_PF_P | X86_PF_RSVD, "4-level: 1 GiB page bit 29: P|RSVD");
		set64(pdpt + 258 * 8, 0x40000000ULL * 3 | P | RW | PS | (1ULL << 12));
		WALK_OK(la1g, R, 0xc0000123ULL, "4-level: 1 GiB PAT bit is not address");
		{
			u64 pd = page();

			set64(pdpt + 1 * 8, pd | P | RW);
			set64(pd + 7 * 8, 0x3fe00000ULL | P | RW | PS);
			writes = 0;
			WALK_OK(0x40e54321ULL, W, 0x3fe54321ULL, "4-level: 2 MiB page");
			tap_ok((get64(pd + 56) & (A | D)) == (A | D) && !(get64(pdpt + 8) & D),
			       "4-level: D only in the 2 MiB leaf");
		}
	}

	/* Table outside guest RAM. */
	set64(pml4 + 8, 0x80000000ULL | P | RW);
	{
		struct x86_fault f;
		u64 gpa;

		tap_is(x86_walk(&mmu, &ops, 0x0000008000000000ULL, R, &gpa, &f), -ENOENT,
		       "4-level: a table outside guest RAM is the read's error");
	}

	/* CR3 low bits (PCD, PWT, PCID) are not address. */
	mmu.cr3 = pml4 | 0x18;
	WALK_OK(la, R, 0xabcdef678ULL, "4-level: CR3 flag bits ignored");
}

static void test_la57(void)
{
	u64 pml5, pml4, la = 0x00ff812345678000ULL | 0x9a;	/* PML5 index 0xff */

	mem_reset();
	pml5 = page();
	mmu = (struct x86_mmu_state){ .cr0 = CR0_PE | CR0_PG, .cr4 = CR4_PAE | CR4_LA57,
				      .efer = EFER_LME | EFER_LMA, .cr3 = pml5,
				      .maxphyaddr = 52 };
	lm_map(pml5, 5, la, P | RW, 0x000fffff00000000ULL | 0x12000 | P | RW);
	WALK_OK(la, R, 0x000fffff0001209aULL, "5-level: bits 56:48 select the PML5E; 52-bit PA");
	tap_ok(get64(pml5 + 0xff * 8) & A, "5-level: A set in the PML5E");
	pml4 = get64(pml5 + 0xff * 8) & 0x000ffffffffff000ULL;
	set64(pml5 + 0xff * 8, pml4 | P | RW | PS);
	WALK_PF(la, R, X86_PF_P | X86_PF_RSVD, "5-level: PS in a PML5E: P|RSVD");
	set64(pml5 + 0xff * 8, 0);
	WALK_PF(la, W, X86_PF_W, "5-level: PML5E not present: W");
	mmu.cr4 &= ~CR4_LA57;
	mmu.cr3 = pml4;	/* the PML4 of the 5-level walk as a 4-level root */
	WALK_OK(0xffff812345678000ULL | 0x9a, R, 0x000fffff0001209aULL,
		"4-level from the same tables: bits 47:0 only");
}

/* ---- segments ---- */

static struct axvcpu_segment seg(u64 base, u32 limit, u8 type, u8 db)
{
	return (struct axvcpu_segment){ .base = base, .limit = limit, .type = type,
					.present = 1, .s = 1, .db = db };
}

static void lin_ok(const struct axvcpu_segment *s, unsigned int idx, bool l64, u64 off,
		   unsigned int len, u32 acc, u64 want, const char *name, int line)
{
	struct x86_fault f = { 0 };
	u64 la = ~0ULL;
	int rc = x86_seg_linear(&mmu, s, idx, l64, off, len, acc, &la, &f);

	if (!tap_ok(rc == 0 && la == want, "%s", name))
		tap_diag("line %d: rc %d linear %#llx (want %#llx) vector %u", line, rc,
			 (unsigned long long)la, (unsigned long long)want, f.vector);
}

static void lin_fault(const struct axvcpu_segment *s, unsigned int idx, bool l64, u64 off,
		      unsigned int len, u32 acc, u8 vec, const char *name, int line)
{
	struct x86_fault f = { 0 };
	u64 la = 0;
	int rc = x86_seg_linear(&mmu, s, idx, l64, off, len, acc, &la, &f);

	if (!tap_ok(rc == -EFAULT && f.vector == vec && f.has_error && f.error_code == 0,
		    "%s", name))
		tap_diag("line %d: rc %d linear %#llx vector %u (want %u) ec %#x", line, rc,
			 (unsigned long long)la, f.vector, vec, f.error_code);
}

#define LIN_OK(s, idx, l64, off, len, acc, want, name) \
	lin_ok(&(s), idx, l64, off, len, acc, want, name, __LINE__)
#define LIN_GP(s, idx, l64, off, len, acc, name) \
	lin_fault(&(s), idx, l64, off, len, acc, X86_VEC_GP, name, __LINE__)
#define LIN_SS(s, idx, l64, off, len, acc, name) \
	lin_fault(&(s), idx, l64, off, len, acc, X86_VEC_SS, name, __LINE__)

static void test_segments(void)
{
	struct axvcpu_segment s;

	/* Real mode. */
	mmu = (struct x86_mmu_state){ 0 };
	s = seg(0x1234 << 4, 0xffff, 3, 0);
	LIN_OK(s, X86_SEG_DS, false, 0x10, 2, R, 0x12350, "real: base (selector << 4) + offset");
	LIN_OK(s, X86_SEG_DS, false, 0xfffe, 2, W, 0x2233e, "real: last word within 0xffff");
	LIN_GP(s, X86_SEG_DS, false, 0xffff, 2, R, "real: word at 0xffff crosses the limit: #GP");
	LIN_SS(s, X86_SEG_SS, false, 0xffff, 2, W, "real: SS access crossing the limit: #SS");
	s = seg(0xffff0, 0xffff, 3, 0);
	LIN_OK(s, X86_SEG_DS, false, 0xfff0, 1, R, 0x0010ffe0, "real: FFFF:FFF0 is above 1 MiB (A20 on)");
	s = seg(0xfffffff0ULL, 0xffffffff, 3, 0);
	LIN_OK(s, X86_SEG_DS, false, 0x20, 4, R, 0x10, "real (unreal base): wraps at 32 bits");
	s = seg(0x1000, 0xffff, 0, 0);
	s.unusable = 1;
	LIN_OK(s, X86_SEG_DS, false, 0x10, 1, W, 0x1010, "real: attributes are not checked");
	mmu.cr0 = CR0_PE;
	mmu.rflags = RFLAGS_VM;
	LIN_OK(s, X86_SEG_ES, false, 0x10, 1, W, 0x1010, "virtual-8086: as real mode");
	LIN_GP(s, X86_SEG_ES, false, 0x10000, 1, R, "virtual-8086: limit 0xffff");
	mmu.rflags = 0;

	/* Protected mode, expand-up. */
	s = seg(0x100000, 0xfff, 3, 1);	/* read/write data, accessed */
	LIN_OK(s, X86_SEG_DS, false, 0xffc, 4, W, 0x100ffc, "protected: dword ending at the limit");
	LIN_GP(s, X86_SEG_DS, false, 0xffd, 4, R, "protected: dword crossing the limit: #GP");
	LIN_GP(s, X86_SEG_DS, false, 0x1000, 1, R, "protected: byte past the limit: #GP");
	LIN_SS(s, X86_SEG_SS, false, 0x1000, 1, R, "protected: SS past the limit: #SS");
	s = seg(0xfffff000ULL, 0xffffffff, 3, 1);
	LIN_OK(s, X86_SEG_DS, false, 0x2000, 4, R, 0x1000, "protected: base + offset wraps at 32 bits");
	LIN_GP(s, X86_SEG_DS, false, 0xfffffffeULL, 4, R, "protected: access past 4 GiB - 1: #GP");

	/* Expand-down. */
	s = seg(0, 0xfff, 7, 0);	/* expand-down r/w, 16-bit */
	LIN_GP(s, X86_SEG_DS, false, 0xfff, 1, R, "expand-down: offset at the limit: #GP");
	LIN_OK(s, X86_SEG_DS, false, 0x1000, 1, R, 0x1000, "expand-down: limit + 1 is valid");
	LIN_OK(s, X86_SEG_DS, false, 0xfffc, 4, R, 0xfffc, "expand-down 16-bit: up to 0xffff");
	LIN_GP(s, X86_SEG_DS, false, 0xfffe, 4, R, "expand-down 16-bit: past 0xffff: #GP");
	LIN_SS(s, X86_SEG_SS, false, 0xffe, 4, W, "expand-down SS: crossing limit + 1: #SS");
	s = seg(0, 0xfff, 7, 1);	/* big expand-down */
	LIN_OK(s, X86_SEG_DS, false, 0x10000, 4, R, 0x10000, "expand-down big (D/B): above 0xffff");
	LIN_OK(s, X86_SEG_DS, false, 0xfffffffcULL, 4, R, 0xfffffffcULL, "expand-down big: up to 4 GiB - 1");
	LIN_GP(s, X86_SEG_DS, false, 0xfffffffdULL, 4, R, "expand-down big: past 4 GiB - 1: #GP");

	/* Types. */
	s = seg(0, 0xffffffff, 1, 1);	/* read-only data */
	LIN_OK(s, X86_SEG_DS, false, 0x10, 4, R, 0x10, "read-only data: read");
	LIN_GP(s, X86_SEG_DS, false, 0x10, 4, W, "read-only data: write: #GP");
	LIN_SS(s, X86_SEG_SS, false, 0x10, 4, W, "read-only SS: write: #SS");
	LIN_GP(s, X86_SEG_DS, false, 0x10, 1, X, "data segment: fetch: #GP");
	s = seg(0, 0xffffffff, 0xb, 1);	/* execute/read code */
	LIN_OK(s, X86_SEG_CS, false, 0x10, 1, X, 0x10, "code: fetch");
	LIN_OK(s, X86_SEG_CS, false, 0x10, 4, R, 0x10, "readable code: read");
	LIN_GP(s, X86_SEG_CS, false, 0x10, 4, W, "code: write: #GP");
	s = seg(0, 0xffffffff, 0x9, 1);	/* execute-only code */
	LIN_GP(s, X86_SEG_CS, false, 0x10, 4, R, "execute-only code: read: #GP");
	s = seg(0, 0xffffffff, 3, 1);
	s.unusable = 1;
	LIN_GP(s, X86_SEG_ES, false, 0x10, 1, R, "protected: unusable (null) segment: #GP");
	LIN_SS(s, X86_SEG_SS, false, 0x10, 1, R, "protected: unusable SS: #SS");
	s.unusable = 0;
	s.s = 0;
	LIN_GP(s, X86_SEG_DS, false, 0x10, 1, R, "protected: system descriptor: #GP");

	/* 64-bit mode. */
	mmu = (struct x86_mmu_state){ .cr0 = CR0_PE | CR0_PG, .cr4 = CR4_PAE,
				      .efer = EFER_LME | EFER_LMA };
	s = seg(0x1000, 0x10, 1, 0);
	s.unusable = 1;
	LIN_OK(s, X86_SEG_DS, true, 0x12345678ULL, 8, W, 0x12345678ULL,
	       "64-bit: DS base, limit, type and usability ignored");
	s = seg(0x7fff00000000ULL, 0, 0, 0);
	LIN_OK(s, X86_SEG_FS, true, 0x10, 8, R, 0x7fff00000010ULL, "64-bit: FS base added");
	LIN_OK(s, X86_SEG_GS, true, 0x10, 8, R, 0x7fff00000010ULL, "64-bit: GS base added");
	LIN_GP(s, X86_SEG_GS, true, 0x100000000ULL, 1, R, "64-bit: GS base + offset non-canonical: #GP");
	s = seg(0, 0, 0, 0);
	LIN_OK(s, X86_SEG_DS, true, 0xffff800000000000ULL, 8, R, 0xffff800000000000ULL,
	       "64-bit: lowest negative canonical address");
	LIN_GP(s, X86_SEG_DS, true, 0x0000800000000000ULL, 1, R, "64-bit: non-canonical: #GP");
	LIN_SS(s, X86_SEG_SS, true, 0x0000800000000000ULL, 1, R, "64-bit: non-canonical stack: #SS");
	LIN_GP(s, X86_SEG_DS, true, 0x00007ffffffffffeULL, 4, R,
	       "64-bit: access crossing into non-canonical: #GP");
	mmu.cr4 |= CR4_LA57;
	LIN_OK(s, X86_SEG_DS, true, 0x0000800000000000ULL, 1, R, 0x0000800000000000ULL,
	       "LA57: 57-bit canonical");
	LIN_GP(s, X86_SEG_DS, true, 0x0100000000000000ULL, 1, R, "LA57: bit 56 not extended: #GP");
	LIN_SS(s, X86_SEG_SS, true, 0x00fffffffffffffcULL, 8, R, "LA57: stack access crossing: #SS");
}

int main(void)
{
	test_no_paging();
	test_32bit();
	test_pae();
	test_long();
	test_la57();
	test_segments();
	return tap_done();
}
