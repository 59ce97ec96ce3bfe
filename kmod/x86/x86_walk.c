// SPDX-License-Identifier: GPL-2.0
/*
 * Pure guest address translation: segment checks (logical to linear) and
 * the guest's own page-table walk (linear to guest physical) in every
 * paging mode, reporting the fault the guest would take. See x86_walk.h
 * for the contract and Documentation/design.rst, "Guest address
 * translation", for what is and is not emulated.
 */
#include "x86_walk.h"
#include "x86_decode.h"

/* Control-register bits the translation reads (local: no x86_state.h). */
#define WALK_CR0_PE	(1ULL << 0)
#define WALK_CR0_WP	(1ULL << 16)
#define WALK_CR0_PG	(1ULL << 31)
#define WALK_CR4_PSE	(1ULL << 4)
#define WALK_CR4_PAE	(1ULL << 5)
#define WALK_CR4_LA57	(1ULL << 12)
#define WALK_CR4_SMEP	(1ULL << 20)
#define WALK_CR4_SMAP	(1ULL << 21)
#define WALK_CR4_PKE	(1ULL << 22)
#define WALK_EFER_LMA	(1ULL << 10)
#define WALK_EFER_NXE	(1ULL << 11)
#define WALK_RFLAGS_AC	(1ULL << 18)
#define WALK_RFLAGS_VM	(1ULL << 17)

/* Page-table entry bits. */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_NX		(1ULL << 63)

/* Bits [hi:lo] set (hi >= lo, hi <= 63). */
static inline u64 bits(unsigned int hi, unsigned int lo)
{
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

static int seg_fault(struct x86_fault *fault, unsigned int seg_idx)
{
	fault->vector = seg_idx == X86_SEG_SS ? X86_VEC_SS : X86_VEC_GP;
	fault->has_error = true;
	fault->error_code = 0;
	fault->cr2 = 0;
	return -EFAULT;
}

static bool canonical(u64 la, unsigned int vbits)
{
	s64 ext = (s64)(la << (64 - vbits)) >> (64 - vbits);

	return (u64)ext == la;
}

int x86_seg_linear(const struct x86_mmu_state *mmu, const struct axvcpu_segment *seg,
		   unsigned int seg_idx, bool long64, u64 offset, unsigned int len,
		   u32 access, u64 *linear, struct x86_fault *fault)
{
	u64 last, lo, hi;
	bool code;

	if (len == 0)
		len = 1;

	if (long64) {
		/*
		 * 64-bit mode: no limits nor types; only FS and GS have a
		 * base. Every byte of the access must be canonical.
		 */
		unsigned int vbits = mmu->cr4 & WALK_CR4_LA57 ? 57 : 48;
		u64 la = offset;

		if (seg_idx == X86_SEG_FS || seg_idx == X86_SEG_GS)
			la += seg->base;
		if (!canonical(la, vbits) || !canonical(la + len - 1, vbits))
			return seg_fault(fault, seg_idx);
		*linear = la;
		return 0;
	}

	last = offset + len - 1;
	if (!(mmu->cr0 & WALK_CR0_PE) || (mmu->rflags & WALK_RFLAGS_VM)) {
		/*
		 * Real and virtual-8086 mode: the cached base and limit
		 * apply (a real-mode limit other than 0xffff is "unreal"
		 * mode); attributes are not checked.
		 */
		if (last > seg->limit || last < offset)
			return seg_fault(fault, seg_idx);
		*linear = (seg->base + offset) & 0xffffffffULL;
		return 0;
	}

	/* Protected (or compatibility) mode. */
	if (seg->unusable || !seg->present || !seg->s)
		return seg_fault(fault, seg_idx);
	code = seg->type & 0x8;
	if (access & X86_ACC_FETCH) {
		if (!code)
			return seg_fault(fault, seg_idx);
	} else if (code) {
		/* Code segments are never writable; read needs type bit 1. */
		if ((access & X86_ACC_WRITE) || !(seg->type & 0x2))
			return seg_fault(fault, seg_idx);
	} else if ((access & X86_ACC_WRITE) && !(seg->type & 0x2)) {
		return seg_fault(fault, seg_idx);
	}

	if (!code && (seg->type & 0x4)) {
		/* Expand-down: valid offsets are limit+1 .. 0xffff or 4G-1. */
		lo = (u64)seg->limit + 1;
		hi = seg->db ? 0xffffffffULL : 0xffffULL;
	} else {
		lo = 0;
		hi = seg->limit;
	}
	if (offset < lo || last > hi || last < offset)
		return seg_fault(fault, seg_idx);
	*linear = (seg->base + offset) & 0xffffffffULL;
	return 0;
}

static int pf(struct x86_fault *fault, u64 linear, u32 error_code)
{
	fault->vector = X86_VEC_PF;
	fault->has_error = true;
	fault->error_code = error_code;
	fault->cr2 = linear;
	return -EFAULT;
}

/* One entry used by the walk, for the A/D updates after success. */
struct walk_step {
	u64 gpa;
	u64 pte;
};

#define WALK_MAX_LEVELS 5

static int read_pte(const struct x86_mem_ops *ops, u64 gpa, unsigned int size, u64 *pte)
{
	u32 v32;
	int rc;

	if (size == 4) {
		rc = ops->read(ops->ctx, gpa, &v32, 4);
		*pte = v32;
	} else {
		rc = ops->read(ops->ctx, gpa, pte, 8);
	}
	return rc;
}

int x86_walk(const struct x86_mmu_state *mmu, const struct x86_mem_ops *ops,
	     u64 linear, u32 access, u64 *gpa, struct x86_fault *fault)
{
	struct walk_step steps[WALK_MAX_LEVELS];
	unsigned int nsteps = 0, level, shift, pte_size;
	unsigned int maxphy = mmu->maxphyaddr;
	bool nxe = mmu->efer & WALK_EFER_NXE;
	bool pae = mmu->cr4 & WALK_CR4_PAE;
	bool lma = mmu->efer & WALK_EFER_LMA;
	bool write = access & X86_ACC_WRITE;
	bool fetch = access & X86_ACC_FETCH;
	bool user_acc = mmu->cpl == 3 && !(access & X86_ACC_IMPLICIT);
	bool user = true, writable = true, nx = false;
	u64 table, rsvd, addr_mask, pte = 0, la, page_mask, out;
	u32 ec = 0;
	unsigned int i;
	int rc;

	if (!(mmu->cr0 & WALK_CR0_PG)) {
		*gpa = lma ? linear : linear & 0xffffffffULL;
		return 0;
	}

	/* A width outside what the architecture allows means "all 52". */
	if (maxphy < 32 || maxphy > 52)
		maxphy = 52;

	if (write)
		ec |= X86_PF_W;
	if (user_acc)
		ec |= X86_PF_U;
	/* I/D is defined only with SMEP or no-execute (PAE paging + NXE). */
	if (fetch && ((mmu->cr4 & WALK_CR4_SMEP) || (pae && nxe)))
		ec |= X86_PF_I;

	if (!pae) {
		/* 32-bit paging: 4-byte entries, two levels. */
		la = linear & 0xffffffffULL;
		pte_size = 4;
		level = 2;
		table = mmu->cr3 & 0xfffff000ULL;
		addr_mask = 0xfffff000ULL;
		rsvd = 0;
	} else if (!lma) {
		/*
		 * PAE: the four PDPTEs are read from CR3 at every walk (see
		 * design.rst: hardware loads them at MOV CR3 and, on Intel,
		 * faults a bad one with #GP there; a bad one seen here is a
		 * reserved-bit #PF, as on AMD CPUs that read them on use).
		 */
		u64 pdpte_gpa;

		la = linear & 0xffffffffULL;
		pdpte_gpa = (mmu->cr3 & 0xffffffe0ULL) + ((la >> 30) & 3) * 8;
		rc = read_pte(ops, pdpte_gpa, 8, &pte);
		if (rc)
			return rc;
		if (!(pte & PTE_P))
			return pf(fault, linear, ec);
		if (pte & (bits(63, maxphy) | bits(2, 1) | bits(8, 5)))
			return pf(fault, linear, ec | X86_PF_P | X86_PF_RSVD);
		pte_size = 8;
		level = 2;
		addr_mask = bits(51, 12);
		table = pte & addr_mask;
		rsvd = bits(62, maxphy) | (nxe ? 0 : PTE_NX);
	} else {
		bool la57 = mmu->cr4 & WALK_CR4_LA57;

		la = linear & bits(la57 ? 56 : 47, 0);
		pte_size = 8;
		level = la57 ? 5 : 4;
		addr_mask = bits(51, 12);
		table = mmu->cr3 & bits(maxphy - 1, 12);
		rsvd = (maxphy < 52 ? bits(51, maxphy) : 0) | (nxe ? 0 : PTE_NX);
	}

	for (;;) {
		unsigned int idx_bits = pte_size == 4 ? 10 : 9;
		u64 entry_gpa, lrsvd = rsvd;
		bool leaf;

		shift = 12 + idx_bits * (level - 1);
		entry_gpa = table + ((la >> shift) & ((1ULL << idx_bits) - 1)) * pte_size;
		rc = read_pte(ops, entry_gpa, pte_size, &pte);
		if (rc)
			return rc;
		if (!(pte & PTE_P))
			return pf(fault, linear, ec);

		leaf = level == 1;
		if (level >= 2 && (pte & PTE_PS)) {
			if (pte_size == 4) {
				leaf = mmu->cr4 & WALK_CR4_PSE;
			} else if (level == 4 || level == 5) {
				lrsvd |= PTE_PS;	/* no 512 GiB pages */
			} else {
				/* 2 MiB (PAE, long mode) or 1 GiB (long mode). */
				leaf = true;
			}
		}
		if (leaf && level > 1) {
			if (pte_size == 4) {
				/* PSE-36: bits 20:13 are PA 39:32 up to MAXPHYADDR. */
				unsigned int m = maxphy > 40 ? 40 : maxphy;

				lrsvd |= bits(21, 13 + (m - 32));
			} else {
				/* Large page: frame bits below the page are reserved, PAT is bit 12. */
				lrsvd |= bits(shift - 1, 13);
			}
		}
		if (pte & lrsvd)
			return pf(fault, linear, ec | X86_PF_P | X86_PF_RSVD);

		user = user && (pte & PTE_US);
		writable = writable && (pte & PTE_RW);
		if (nxe && pte_size == 8)
			nx = nx || (pte & PTE_NX);
		steps[nsteps].gpa = entry_gpa;
		steps[nsteps].pte = pte;
		nsteps++;

		if (leaf)
			break;
		table = pte & addr_mask;
		level--;
	}

	/*
	 * Permissions, as the CPU checks them once the leaf is found. Each
	 * kind in @access is checked (a data access is a read or a write;
	 * no kind at all counts as a read).
	 */
	{
		bool data = (access & (X86_ACC_READ | X86_ACC_WRITE)) || !fetch;
		bool wp = mmu->cr0 & WALK_CR0_WP;
		bool deny = false;

		if (user_acc) {
			if (!user || (write && !writable) || (fetch && nx))
				deny = true;
		} else {
			bool ac = (mmu->rflags & WALK_RFLAGS_AC) && mmu->cpl < 3 &&
				  !(access & X86_ACC_IMPLICIT);

			if (fetch && (nx || (user && (mmu->cr4 & WALK_CR4_SMEP))))
				deny = true;
			if (write && wp && !writable)
				deny = true;
			if (data && user && (mmu->cr4 & WALK_CR4_SMAP) && !ac)
				deny = true;
		}

		/* Protection keys: 4/5-level paging, user pages, data accesses. */
		if (lma && (mmu->cr4 & WALK_CR4_PKE) && user && data) {
			unsigned int key = (pte >> 59) & 0xf;
			bool ad = mmu->pkru & (1U << (2 * key));
			bool wd = mmu->pkru & (1U << (2 * key + 1));

			if (ad || (write && wd && (user_acc || wp))) {
				deny = true;
				ec |= X86_PF_PK;
			}
		}
		if (deny)
			return pf(fault, linear, ec | X86_PF_P);
	}

	page_mask = (1ULL << shift) - 1;
	if (pte_size == 4 && shift == 22) {
		unsigned int m = maxphy > 40 ? 40 : maxphy;

		out = (pte & 0xffc00000ULL) |
		      ((((pte >> 13) & 0xffULL) << 32) & bits(m - 1, 0));
	} else {
		out = pte & addr_mask & ~page_mask;
	}
	*gpa = out | (la & page_mask);

	/*
	 * Accessed bits in every entry used, dirty in the leaf of a write:
	 * only the low byte (bits 5 and 6) is stored, so that a concurrent
	 * change to the rest of the entry is not undone. Not atomic (the
	 * ops have no compare-exchange): see design.rst.
	 */
	if (ops->write) {
		for (i = 0; i < nsteps; i++) {
			u8 old = (u8)steps[i].pte, new = old | PTE_A;

			if (i == nsteps - 1 && write)
				new |= PTE_D;
			if (new != old)
				ops->write(ops->ctx, steps[i].gpa, &new, 1);
		}
	}
	return 0;
}
