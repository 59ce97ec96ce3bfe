// SPDX-License-Identifier: MIT
/*
 * kmod/x86/x86_alu.c against the host CPU: for every operation and size,
 * the real instruction runs (inline asm, flags set with POPF before and
 * read with PUSHF after) on edge and random operands, with random input
 * flags, and the result and all six arithmetic flags must match, the
 * undefined ones included (x86_alu.c says what it writes for those; this
 * checks that the host agrees). One point per operation and size, over
 * all its operand pairs; the first mismatch is printed.
 */
#include <stdint.h>

#include "x86_alu.h"
#include "tap.h"

static u64 rng_state = 0x243f6a8885a308d3ULL;

static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * Run "insn src, dst" with the given input flags. The stack below RSP may
 * be the compiler's red zone: step over it before pushing.
 */
#define HOST_OP(insn, mod, d, s, fin, fout)				\
	asm volatile("lea -128(%%rsp), %%rsp\n\t"			\
		     "push %[fi]\n\t"					\
		     "popfq\n\t"					\
		     insn " %" mod "[sv], %" mod "[dv]\n\t"		\
		     "pushfq\n\t"					\
		     "pop %[fo]\n\t"					\
		     "lea 128(%%rsp), %%rsp"				\
		     : [dv] "+r"(d), [fo] "=&r"(fout)			\
		     : [sv] "r"(s), [fi] "r"(fin)			\
		     : "cc", "memory")

#define HOST_SIZES(insn, size, d, s, fin, fout)				\
	do {								\
		switch (size) {						\
		case 1: HOST_OP(insn "b", "b", d, s, fin, fout); break;	\
		case 2: HOST_OP(insn "w", "w", d, s, fin, fout); break;	\
		case 4: HOST_OP(insn "l", "k", d, s, fin, fout); break;	\
		default: HOST_OP(insn "q", "q", d, s, fin, fout); break; \
		}							\
	} while (0)

/* The host's result and flags of @op; false if the host has no such form. */
static bool host_alu(unsigned int op, unsigned int size, u64 dst, u64 src,
		     u64 fin, u64 *res, u64 *fout)
{
	u64 d = dst, s = src, fo = 0;

	switch (op) {
	case X86_OP_ADD: HOST_SIZES("add", size, d, s, fin, fo); break;
	case X86_OP_OR:  HOST_SIZES("or", size, d, s, fin, fo); break;
	case X86_OP_ADC: HOST_SIZES("adc", size, d, s, fin, fo); break;
	case X86_OP_SBB: HOST_SIZES("sbb", size, d, s, fin, fo); break;
	case X86_OP_AND: HOST_SIZES("and", size, d, s, fin, fo); break;
	case X86_OP_SUB: HOST_SIZES("sub", size, d, s, fin, fo); break;
	case X86_OP_XOR: HOST_SIZES("xor", size, d, s, fin, fo); break;
	case X86_OP_CMP: HOST_SIZES("cmp", size, d, s, fin, fo); break;
	case X86_OP_TEST: HOST_SIZES("test", size, d, s, fin, fo); break;
	default:
		/* The bit tests have no 8-bit form. */
		if (size == 1)
			return false;
		switch (op) {
		case X86_OP_BT:
			if (size == 2)
				HOST_OP("btw", "w", d, s, fin, fo);
			else if (size == 4)
				HOST_OP("btl", "k", d, s, fin, fo);
			else
				HOST_OP("btq", "q", d, s, fin, fo);
			break;
		case X86_OP_BTS:
			if (size == 2)
				HOST_OP("btsw", "w", d, s, fin, fo);
			else if (size == 4)
				HOST_OP("btsl", "k", d, s, fin, fo);
			else
				HOST_OP("btsq", "q", d, s, fin, fo);
			break;
		case X86_OP_BTR:
			if (size == 2)
				HOST_OP("btrw", "w", d, s, fin, fo);
			else if (size == 4)
				HOST_OP("btrl", "k", d, s, fin, fo);
			else
				HOST_OP("btrq", "q", d, s, fin, fo);
			break;
		case X86_OP_BTC:
			if (size == 2)
				HOST_OP("btcw", "w", d, s, fin, fo);
			else if (size == 4)
				HOST_OP("btcl", "k", d, s, fin, fo);
			else
				HOST_OP("btcq", "q", d, s, fin, fo);
			break;
		default:
			return false;
		}
	}
	*res = d;
	*fout = fo;
	return true;
}

static const unsigned int ops[] = {
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB,
	X86_OP_XOR, X86_OP_CMP, X86_OP_TEST, X86_OP_BT, X86_OP_BTS, X86_OP_BTR,
	X86_OP_BTC,
};

static const u64 edges[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
	0x0f, 0x10, 0xf0, 0x8f, 0x3f, 0x40,
};

#define N_EDGES (sizeof(edges) / sizeof(edges[0]))
#define N_RANDOM 20000

static u64 size_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static void check(unsigned int op, unsigned int size)
{
	unsigned int i, n = 0, bad = 0;
	u64 mask = size_mask(size);

	for (i = 0; i < N_EDGES * N_EDGES * 2 + N_RANDOM; i++) {
		u64 d, s, fin, hres, hfl, fl, res;

		if (i < N_EDGES * N_EDGES * 2) {
			d = edges[(i / 2) % N_EDGES];
			s = edges[(i / 2) / N_EDGES];
		} else {
			d = rng();
			s = rng();
			/* Small values and near-equal pairs carry more edges. */
			if (i & 1)
				s = d + (rng() % 5) - 2;
			if (i & 2)
				d >>= rng() % 64;
		}
		d &= mask;
		s &= mask;
		if (op >= X86_OP_BT)
			s %= size * 8;	/* register form: the CPU reduces it too */
		/* Random arithmetic input flags; CF alternates on edges. */
		fin = 0x2 | (rng() & X86_RFLAGS_ARITH);
		if (i < N_EDGES * N_EDGES * 2)
			fin = (fin & ~X86_RFLAGS_CF) | (i & 1);
		if (!host_alu(op, size, d, s, fin, &hres, &hfl))
			return;
		/* CMP and TEST write nothing: their result is SUB's, AND's. */
		if (op == X86_OP_CMP || op == X86_OP_TEST) {
			u64 unused;

			host_alu(op == X86_OP_CMP ? X86_OP_SUB : X86_OP_AND, size,
				 d, s, fin, &hres, &unused);
		}
		fl = fin;
		res = x86_alu(op, size, d, s, &fl);
		n++;
		if (res != (hres & mask) || (fl & X86_RFLAGS_ARITH) != (hfl & X86_RFLAGS_ARITH) ||
		    (fl & ~X86_RFLAGS_ARITH) != (fin & ~X86_RFLAGS_ARITH)) {
			if (!bad)
				tap_diag("op %u size %u dst=%#llx src=%#llx flags=%#llx: got %#llx flags %#llx, host %#llx flags %#llx",
					 op, size, (unsigned long long)d,
					 (unsigned long long)s, (unsigned long long)fin,
					 (unsigned long long)res, (unsigned long long)fl,
					 (unsigned long long)(hres & mask),
					 (unsigned long long)(hfl & X86_RFLAGS_ARITH));
			bad++;
		}
	}
	tap_ok(n > 0 && bad == 0, "op %u size %u: %u operand pairs match the host (%u differ)",
	       op, size, n, bad);
}

/* What the host cannot check: sizes without an instruction, bad input. */
static void test_edges(void)
{
	u64 fl = X86_RFLAGS_ARITH;
	u64 r;

	r = x86_alu(X86_OP_BTS, 1, 0x01, 9, &fl);
	tap_ok(r == 0x03 && (fl & X86_RFLAGS_ARITH) == (X86_RFLAGS_ARITH & ~X86_RFLAGS_CF),
	       "BTS size 1 works on 8 bits (offset mod 8), only CF written");
	fl = 0;
	r = x86_alu(X86_OP_BT, 4, 0x80000000, 31 + 64, &fl);
	tap_ok(r == 0x80000000 && (fl & X86_RFLAGS_CF), "BT reduces an oversized offset modulo the width");
	fl = X86_RFLAGS_ZF;
	r = x86_alu(X86_OP_ADD, 3, 5, 6, &fl);
	tap_ok(r == 5 && fl == X86_RFLAGS_ZF, "size 3 is refused: dst back, flags untouched");
	fl = X86_RFLAGS_ZF;
	r = x86_alu(X86_OP_MOV, 4, 5, 6, &fl);
	tap_ok(r == 5 && fl == X86_RFLAGS_ZF, "a non-ALU op returns dst, flags untouched");
	fl = 0;
	r = x86_alu(X86_OP_ADD, 2, 0x1ffff, 0x10001, &fl);
	tap_ok(r == 0 && (fl & X86_RFLAGS_CF) && (fl & X86_RFLAGS_ZF),
	       "operands are truncated to the size first");
}

int main(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	unsigned int o, s;

	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (s = 0; s < 4; s++)
			check(ops[o], sizes[s]);
	test_edges();
	return tap_done();
}
