/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure x86 ALU (no kernel headers beyond pure.h): the result and the
 * arithmetic flags of the operations the MMIO emulation completes in the
 * kernel (a read-modify-write of MMIO, CMP/TEST against MMIO, the BT
 * family), computed as the CPU computes them. tests/unit checks every
 * operation and size against the host CPU executing the same instruction.
 */
#ifndef _AXVCPU_X86_ALU_H
#define _AXVCPU_X86_ALU_H

#include "pure.h"
#include "x86_decode.h"

/* RFLAGS bits the ALU reads or writes. */
#define X86_RFLAGS_CF	(1ULL << 0)
#define X86_RFLAGS_PF	(1ULL << 2)
#define X86_RFLAGS_AF	(1ULL << 4)
#define X86_RFLAGS_ZF	(1ULL << 6)
#define X86_RFLAGS_SF	(1ULL << 7)
#define X86_RFLAGS_DF	(1ULL << 10)
#define X86_RFLAGS_OF	(1ULL << 11)
#define X86_RFLAGS_ARITH (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | \
			  X86_RFLAGS_ZF | X86_RFLAGS_SF | X86_RFLAGS_OF)

/**
 * x86_alu() - one ALU operation on @size-byte operands.
 * @op:     X86_OP_ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, BT, BTS,
 *          BTR, BTC.
 * @size:   1, 2, 4 or 8.
 * @dst:    the destination operand (for the BT family the bit base).
 * @src:    the source operand (for the BT family the bit offset, already
 *          reduced modulo the operand width by the caller when the
 *          destination is a register or the offset an immediate).
 * @rflags: in: ADC and SBB read CF; out: the flags the instruction
 *          defines are updated, the others kept. Where the architecture
 *          leaves a flag undefined (AF after AND/OR/XOR/TEST, OF/SF/ZF/
 *          AF/PF after BT) the value hardware of both vendors leaves is
 *          written, or the flag is kept, as documented per operation:
 *          AND/OR/XOR/TEST clear AF; the BT family writes only CF and
 *          keeps the other five (Intel's behaviour, which the unit test
 *          checks against the host CPU, all six flags compared).
 *
 * Return: the result, truncated to @size (for CMP, TEST and BT the value
 * that would have been written; the caller writes nothing back). An @op
 * outside the list or a @size outside 1, 2, 4, 8 returns @dst unchanged
 * and leaves @rflags alone. The BT family has no 8-bit form; at size 1
 * it works on 8 bits.
 */
u64 x86_alu(unsigned int op, unsigned int size, u64 dst, u64 src, u64 *rflags);

#endif /* _AXVCPU_X86_ALU_H */
