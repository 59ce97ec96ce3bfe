// SPDX-License-Identifier: GPL-2.0
/*
 * Pure x86 ALU for the MMIO emulation: the result and the arithmetic
 * flags of ADD/OR/ADC/SBB/AND/SUB/XOR/CMP/TEST and BT/BTS/BTR/BTC, as the
 * CPU computes them. tests/unit/test_x86_alu.c compares every operation
 * and size with the host CPU running the same instruction.
 *
 * Flags the architecture leaves undefined:
 * - AND, OR, XOR, TEST: AF is cleared (what Intel and AMD CPUs do; the
 *   unit test checks it against the host).
 * - BT, BTS, BTR, BTC: only CF is written; ZF is kept (defined as
 *   unaffected by Intel) and OF, SF, AF, PF are kept too (what Intel
 *   CPUs do, checked against the host; AMD documents them as undefined).
 */
#include "x86_alu.h"

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* PF: set when the low byte of the result has an even number of ones. */
static bool parity_even(u64 res)
{
	u8 b = (u8)res;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* ZF, SF and PF of @res, at @size bytes. */
static u64 szp(u64 res, unsigned int size)
{
	u64 f = 0;

	if (!(res & size_mask(size)))
		f |= X86_RFLAGS_ZF;
	if (res & (1ULL << (size * 8 - 1)))
		f |= X86_RFLAGS_SF;
	if (parity_even(res))
		f |= X86_RFLAGS_PF;
	return f;
}

u64 x86_alu(unsigned int op, unsigned int size, u64 dst, u64 src, u64 *rflags)
{
	u64 mask, sign, res, f = 0, cf_in;
	unsigned int bit;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return dst;
	mask = size_mask(size);
	sign = 1ULL << (size * 8 - 1);
	dst &= mask;
	src &= mask;
	cf_in = *rflags & X86_RFLAGS_CF ? 1 : 0;

	switch (op) {
	case X86_OP_ADD:
	case X86_OP_ADC:
		if (op == X86_OP_ADD)
			cf_in = 0;
		res = (dst + src + cf_in) & mask;
		if (cf_in ? res <= dst : res < dst)
			f |= X86_RFLAGS_CF;
		if ((dst ^ res) & (src ^ res) & sign)
			f |= X86_RFLAGS_OF;
		f |= (dst ^ src ^ res) & X86_RFLAGS_AF;
		break;
	case X86_OP_SUB:
	case X86_OP_CMP:
	case X86_OP_SBB:
		if (op != X86_OP_SBB)
			cf_in = 0;
		res = (dst - src - cf_in) & mask;
		if (cf_in ? dst <= src : dst < src)
			f |= X86_RFLAGS_CF;
		if ((dst ^ src) & (dst ^ res) & sign)
			f |= X86_RFLAGS_OF;
		f |= (dst ^ src ^ res) & X86_RFLAGS_AF;
		break;
	case X86_OP_AND:
	case X86_OP_TEST:
		res = dst & src;
		break;
	case X86_OP_OR:
		res = dst | src;
		break;
	case X86_OP_XOR:
		res = dst ^ src;
		break;
	case X86_OP_BT:
	case X86_OP_BTS:
	case X86_OP_BTR:
	case X86_OP_BTC:
		/* No 8-bit form exists; size 1 works on 8 bits. */
		bit = (unsigned int)(src % (size * 8));
		*rflags &= ~X86_RFLAGS_CF;
		if (dst & (1ULL << bit))
			*rflags |= X86_RFLAGS_CF;
		if (op == X86_OP_BTS)
			return dst | (1ULL << bit);
		if (op == X86_OP_BTR)
			return dst & ~(1ULL << bit);
		if (op == X86_OP_BTC)
			return dst ^ (1ULL << bit);
		return dst;
	default:
		return dst;
	}

	f |= szp(res, size);
	*rflags = (*rflags & ~X86_RFLAGS_ARITH) | f;
	return res;
}
