// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for kmod/x86/x86_walk.c: the input is an MMU state, a
 * linear address, an access kind, a segment and a fake guest-physical
 * memory whose entries the walker follows. Built with ASan and UBSan, so
 * a crash, an out-of-bounds read or undefined behaviour fails the run;
 * beyond that every result is checked against what the architecture
 * allows:
 * - a walk returns 0, -EFAULT or the read's own error, nothing else;
 * - a fault is #PF with CR2 = the linear address and an error code made
 *   only of defined bits, W/U/I matching the access, RSVD and PK only
 *   with P;
 * - a success lands in the frame of the last entry read, at the linear
 *   address's offset within a page size the mode has, below the
 *   physical-address width, with the leaf allowing the access;
 * - A/D stores happen only after success, one byte each, into an entry
 *   that was read, setting only A (and D) bits;
 * - a segment translation returns 0 or -EFAULT with #GP(0)/#SS(0) (#SS
 *   exactly for SS), and a success is 32-bit outside 64-bit mode and
 *   canonical in it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "x86_walk.h"
#include "x86_decode.h"

#define MEM_PAGES 16
#define MEM_SIZE (MEM_PAGES * 4096)

struct fake {
	u8 mem[MEM_SIZE];
	bool fold;		/* addresses above MEM_SIZE wrap into it */
	bool walk_done;
	unsigned int nreads;
	u64 read_gpa[8];
	unsigned int read_len[8];
	u64 last_entry;
	unsigned int last_len;
	unsigned int nwrites;
};

static struct fake fk;

static bool map(u64 gpa, unsigned int len, u64 *off)
{
	if (fk.fold)
		gpa %= MEM_SIZE;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return false;
	*off = gpa;
	return true;
}

static int f_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	u64 off;

	(void)ctx;
	if (len != 4 && len != 8)
		abort();		/* entries are 4 or 8 bytes */
	if (gpa & (len - 1))
		abort();		/* and naturally aligned */
	if (fk.nreads >= 8)
		abort();		/* at most PDPTE + 5 levels */
	fk.read_gpa[fk.nreads] = gpa;
	fk.read_len[fk.nreads] = len;
	fk.nreads++;
	if (!map(gpa, len, &off))
		return -ENOENT;
	memcpy(buf, fk.mem + off, len);
	fk.last_entry = 0;
	memcpy(&fk.last_entry, fk.mem + off, len);
	fk.last_len = len;
	return 0;
}

static int f_write(void *ctx, u64 gpa, const void *buf, unsigned int len)
{
	unsigned int i;
	u64 off;
	u8 old, new;
	bool was_read = false;

	(void)ctx;
	if (len != 1)
		abort();
	for (i = 0; i < fk.nreads; i++)
		was_read |= fk.read_gpa[i] == gpa;
	if (!was_read || !map(gpa, 1, &off))
		abort();
	old = fk.mem[off];
	new = *(const u8 *)buf;
	if ((old & ~new) || ((old ^ new) & ~0x60))
		abort();		/* only A (bit 5) and D (bit 6) get set */
	fk.mem[off] = new;
	fk.nwrites++;
	return 0;
}

static u64 take(const u8 **p, size_t *n, unsigned int bytes)
{
	u64 v = 0;

	if (bytes > *n)
		bytes = (unsigned int)*n;
	memcpy(&v, *p, bytes);
	*p += bytes;
	*n -= bytes;
	return v;
}

static bool canonical(u64 la, unsigned int vbits)
{
	return (u64)((s64)(la << (64 - vbits)) >> (64 - vbits)) == la;
}

static void check_walk(const struct x86_mmu_state *mmu, bool with_write, u64 linear, u32 acc)
{
	struct x86_mem_ops ops = { f_read, with_write ? f_write : NULL, NULL };
	struct x86_fault f;
	u64 gpa = 0;
	bool user_acc = mmu->cpl == 3 && !(acc & X86_ACC_IMPLICIT);
	bool pae = mmu->cr4 & (1ULL << 5), lma = mmu->efer & (1ULL << 10);
	unsigned int maxphy = mmu->maxphyaddr < 32 || mmu->maxphyaddr > 52 ? 52 : mmu->maxphyaddr;
	int rc;

	fk.nreads = 0;
	fk.last_len = 0;
	fk.nwrites = 0;
	memset(&f, 0xa5, sizeof(f));
	rc = x86_walk(mmu, &ops, linear, acc, &gpa, &f);
	if (rc && fk.nwrites)
		abort();		/* A/D only after a successful walk */
	if (rc == -EFAULT) {
		u32 ec = f.error_code;

		if (f.vector != X86_VEC_PF || !f.has_error || f.cr2 != linear)
			abort();
		if (ec & ~0x3fU)
			abort();
		if (!!(ec & X86_PF_W) != !!(acc & X86_ACC_WRITE) ||
		    !!(ec & X86_PF_U) != user_acc)
			abort();
		if ((ec & X86_PF_I) && !(acc & X86_ACC_FETCH))
			abort();
		if ((ec & (X86_PF_RSVD | X86_PF_PK)) && !(ec & X86_PF_P))
			abort();
		return;
	}
	if (rc == -ENOENT)
		return;
	if (rc != 0)
		abort();

	if (!(mmu->cr0 & (1ULL << 31))) {
		if (gpa != (lma ? linear : (linear & 0xffffffffULL)) || fk.nreads)
			abort();
		return;
	}
	/* The leaf is the last entry read; the page offset is the linear's. */
	if (!fk.last_len || !(fk.last_entry & 1))
		abort();
	{
		static const unsigned int shifts[] = { 12, 21, 22, 30 };
		u64 e = fk.last_entry, frame_ok = 0;
		unsigned int i;

		for (i = 0; i < 4; i++) {
			unsigned int s = shifts[i];
			u64 pmask = (1ULL << s) - 1, want;

			if (fk.last_len == 4 && s != 12 && s != 22)
				continue;
			if (fk.last_len == 8 && s == 22)
				continue;
			if (fk.last_len == 4 && s == 22)
				want = (e & 0xffc00000ULL) | (((e >> 13) & 0xffULL) << 32);
			else
				want = e & 0x000ffffffffff000ULL & ~pmask;
			if ((gpa & ~pmask) == want && (gpa & pmask) == (linear & pmask))
				frame_ok = 1;
		}
		if (!frame_ok)
			abort();
		if (gpa >> (fk.last_len == 4 ? 40 : maxphy))
			abort();
		if (user_acc && !(e & 4))
			abort();
		if ((acc & X86_ACC_WRITE) && (user_acc || (mmu->cr0 & (1ULL << 16))) && !(e & 2))
			abort();
		if ((acc & X86_ACC_FETCH) && fk.last_len == 8 && pae &&
		    (mmu->efer & (1ULL << 11)) && (e >> 63))
			abort();
	}
}

static void check_seg(const struct x86_mmu_state *mmu, const struct axvcpu_segment *seg,
		      unsigned int idx, bool long64, u64 off, unsigned int len, u32 acc)
{
	struct x86_fault f;
	u64 la = 0;
	int rc;

	memset(&f, 0xa5, sizeof(f));
	rc = x86_seg_linear(mmu, seg, idx, long64, off, len, acc, &la, &f);
	if (rc == -EFAULT) {
		if (f.vector != (idx == X86_SEG_SS ? X86_VEC_SS : X86_VEC_GP) ||
		    !f.has_error || f.error_code)
			abort();
		return;
	}
	if (rc)
		abort();
	if (long64 && !canonical(la, mmu->cr4 & (1ULL << 12) ? 57 : 48))
		abort();
	if (!long64 && (la >> 32))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_mmu_state mmu;
	struct axvcpu_segment seg;
	const u8 *p = data;
	size_t n = size;
	u64 linear, cfg;
	u32 acc;
	unsigned int i;

	memset(&mmu, 0, sizeof(mmu));
	cfg = take(&p, &n, 8);
	/* Mostly the bits that matter, sometimes anything. */
	mmu.cr0 = (cfg & 1 ? take(&p, &n, 8) : 0) | (cfg & 2 ? 1ULL << 31 : 0) |
		  (cfg & 4 ? 1ULL << 16 : 0) | 1;
	mmu.cr4 = take(&p, &n, 4);
	mmu.efer = (cfg & 8 ? 1ULL << 10 : 0) | (cfg & 16 ? 1ULL << 11 : 0);
	if (mmu.efer & (1ULL << 10))
		mmu.cr4 |= 1ULL << 5;	/* long mode implies PAE */
	mmu.rflags = take(&p, &n, 4);
	mmu.cpl = (cfg >> 5) & 3;
	mmu.pkru = (u32)take(&p, &n, 4);
	mmu.maxphyaddr = (u8)take(&p, &n, 1);
	/* Point CR3 into the memory most of the time. */
	mmu.cr3 = take(&p, &n, 8);
	if (!(cfg & 128))
		mmu.cr3 %= MEM_SIZE;
	fk.fold = cfg & 256;
	linear = take(&p, &n, 8);
	acc = (u32)take(&p, &n, 1) & 0xf;
	memset(&seg, 0, sizeof(seg));
	i = n < sizeof(seg) ? (unsigned int)n : (unsigned int)sizeof(seg);
	memcpy(&seg, p, i);
	p += i;
	n -= i;
	/* The rest is guest memory (zero beyond the input). */
	memset(fk.mem, 0, sizeof(fk.mem));
	memcpy(fk.mem, p, n < MEM_SIZE ? n : MEM_SIZE);
	if (cfg & 512) {
		/* Make entries point into the memory: keep P, fold addresses. */
		for (i = 0; i + 8 <= MEM_SIZE; i += 8) {
			u64 e;

			memcpy(&e, fk.mem + i, 8);
			e = (e & ~0x000ffffffffff000ULL) | ((e % MEM_SIZE) & ~0xfffULL);
			memcpy(fk.mem + i, &e, 8);
		}
	}

	check_walk(&mmu, cfg & 1024, linear, acc);
	check_walk(&mmu, true, linear, acc);
	check_seg(&mmu, &seg, (cfg >> 11) % 6, cfg & (1ULL << 14), linear,
		  (unsigned int)((cfg >> 15) % 17), acc);
	return 0;
}
