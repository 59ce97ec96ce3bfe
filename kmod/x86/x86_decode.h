/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure x86 instruction decoder (no kernel headers beyond pure.h): the
 * module uses it to emulate guest accesses to MMIO and string port I/O and
 * to find the length of intercepted instructions when the CPU does not
 * report the next RIP; tests/unit compiles the same file, checks it
 * against GNU as and fuzzes it.
 *
 * It decodes only what it knows and never guesses: an encoding outside
 * the forms listed in &enum x86_op is X86_OP_UNKNOWN (-EOPNOTSUPP), and
 * it never reads more than X86_INSN_MAX_LEN bytes, nor past @avail.
 * References: Intel SDM vol. 2 (chapter 2, instruction format; appendix
 * A, opcode map), AMD APM vol. 3 (chapter 1).
 */
#ifndef _AXVCPU_X86_DECODE_H
#define _AXVCPU_X86_DECODE_H

#include "pure.h"

/** X86_INSN_MAX_LEN - no x86 instruction is longer (#GP beyond it). */
#define X86_INSN_MAX_LEN	15

/* Segment registers, in the hardware's encoding (ModRM.reg of MOV Sreg). */
enum x86_seg {
	X86_SEG_ES = 0,
	X86_SEG_CS = 1,
	X86_SEG_SS = 2,
	X86_SEG_DS = 3,
	X86_SEG_FS = 4,
	X86_SEG_GS = 5,
};

/* Repeat prefixes. */
enum x86_rep {
	X86_REP_NONE = 0,
	X86_REP_REPE = 1,	/* F3: REP / REPE / REPZ */
	X86_REP_REPNE = 2,	/* F2: REPNE / REPNZ */
};

/**
 * enum x86_op - what the instruction does. Memory forms are what MMIO
 * emulation needs; the rest are the instructions SVM intercepts whose
 * length the backend needs when the CPU has no next-RIP save.
 */
enum x86_op {
	X86_OP_UNKNOWN = 0,
	/* data movement with a memory operand */
	X86_OP_MOV,		/* 88 89 8A 8B C6/0 C7/0 A0-A3 */
	X86_OP_MOVZX,		/* 0F B6, 0F B7 */
	X86_OP_MOVSX,		/* 0F BE, 0F BF, 63 (MOVSXD) */
	X86_OP_XCHG,		/* 86 87 (memory form; always locked) */
	X86_OP_MOVS,		/* A4 A5 */
	X86_OP_STOS,		/* AA AB */
	X86_OP_LODS,		/* AC AD */
	/* ALU with a memory operand: 00-3B (/r forms), 80/81/83 /0-/7 */
	X86_OP_ADD,
	X86_OP_OR,
	X86_OP_ADC,
	X86_OP_SBB,
	X86_OP_AND,
	X86_OP_SUB,
	X86_OP_XOR,
	X86_OP_CMP,
	X86_OP_TEST,		/* 84 85, F6/0 F7/0 */
	/* bit tests: 0F A3/AB/B3/BB (register offset), 0F BA /4-/7 (imm8) */
	X86_OP_BT,
	X86_OP_BTS,
	X86_OP_BTR,
	X86_OP_BTC,
	/* string port I/O */
	X86_OP_INS,		/* 6C 6D */
	X86_OP_OUTS,		/* 6E 6F */
	/* intercepted instructions, length only */
	X86_OP_IN,		/* E4 E5 EC ED */
	X86_OP_OUT,		/* E6 E7 EE EF */
	X86_OP_HLT,		/* F4 */
	X86_OP_CPUID,		/* 0F A2 */
	X86_OP_RDMSR,		/* 0F 32 */
	X86_OP_WRMSR,		/* 0F 30 */
	X86_OP_RDPMC,		/* 0F 33 */
	X86_OP_INVD,		/* 0F 08 */
	X86_OP_WBINVD,		/* 0F 09 */
	X86_OP_WBNOINVD,	/* F3 0F 09 */
	X86_OP_VMMCALL,		/* 0F 01 D9 */
	X86_OP_XSETBV,		/* 0F 01 D1 */
	/* intercepted and emulated: the source GPR in @reg, n in @cr */
	X86_OP_MOV_TO_CR,	/* 0F 22 /r */
	X86_OP_NR
};

/**
 * struct x86_mem_operand - a memory operand, as the address generation of
 * the instruction computes it (the caller adds the segment base).
 * @seg:       segment register after overrides and defaults (SS for a
 *             BP/SP base, DS otherwise; ES for the destination of MOVS,
 *             STOS and INS, which no override changes).
 * @base:      base register 0-15, or -1.
 * @index:     index register 0-15, or -1 (never RSP).
 * @scale:     1, 2, 4 or 8.
 * @rip_rel:   RIP-relative (64-bit mode, mod 00 rm 101): the offset is
 *             the RIP of the next instruction plus @disp.
 * @disp:      displacement, sign-extended (for A0-A3 the moffs, zero-
 *             extended to the address size).
 */
struct x86_mem_operand {
	u8 seg;
	s8 base;
	s8 index;
	u8 scale;
	bool rip_rel;
	s64 disp;
};

/**
 * struct x86_insn - one decoded instruction.
 * @len:        bytes, 1 to X86_INSN_MAX_LEN.
 * @op:         &enum x86_op.
 * @opsize:     operand size in bytes (1, 2, 4, 8): of the operation and
 *              of its register operand (the destination's for MOVZX and
 *              MOVSX).
 * @memsize:    bytes accessed in memory per element (the source's for
 *              MOVZX/MOVSX; for BT forms with a register offset the
 *              operand size: the caller finds the byte from the offset).
 * @addrsize:   address size in bytes (2, 4, 8).
 * @rep:        &enum x86_rep.
 * @lock:       LOCK prefix present.
 * @has_mem:    @mem is used (ModRM with mod != 3, moffs, or the implicit
 *              operands of MOVS/STOS/LODS/INS/OUTS).
 * @mem_write:  the memory operand is written (stores, ALU with a memory
 *              destination but CMP/TEST/BT, XCHG, STOS, INS, the
 *              destination of MOVS).
 * @mem_read:   the memory operand is read (loads, every ALU form, XCHG,
 *              LODS, OUTS, the source of MOVS; BTS/BTR/BTC read and write).
 * @reg:        register operand 0-15 (ModRM.reg with REX.R, or AL/AX/EAX/
 *              RAX for A0-A3, AL..RAX for STOS/LODS, ModRM.rm with REX.B
 *              for MOV to CRn), -1 when none (an immediate source, MOVS,
 *              INS/OUTS).
 * @reg_high8:  @reg 4-7 names AH, CH, DH, BH (an 8-bit operand without a
 *              REX prefix).
 * @has_imm:    @imm is the source operand.
 * @imm:        immediate, sign-extended to 64 bits as the CPU extends it
 *              to @opsize (imm8 of 83 and 0F BA included).
 * @mem:        the memory operand; for MOVS its source (seg:rSI, the
 *              segment overridable), for STOS/INS ES:rDI, for LODS/OUTS
 *              seg:rSI (base 6 = rSI, 7 = rDI, no index, scale 1, disp 0).
 * @bytes:      the instruction's bytes (the first @len are valid).
 * @mem2:       MOVS only: its destination, ES:rDI (base 7); zero
 *              otherwise. (Added after the first agreement, at the end,
 *              so that no existing field moves.)
 * @cr:         MOV to CRn only: n (ModRM.reg with REX.R: 0, 2, 3, 4 or
 *              8; the others are #UD); -1 otherwise. (Added at the end.)
 */
struct x86_insn {
	u8 len;
	u8 op;
	u8 opsize;
	u8 memsize;
	u8 addrsize;
	u8 rep;
	bool lock;
	bool has_mem;
	bool mem_write;
	bool mem_read;
	s8 reg;
	bool reg_high8;
	bool has_imm;
	s64 imm;
	struct x86_mem_operand mem;
	u8 bytes[X86_INSN_MAX_LEN];
	struct x86_mem_operand mem2;
	s8 cr;
};

/**
 * x86_decode() - decode the instruction at the start of @buf.
 * @buf:       instruction bytes as fetched from CS:RIP.
 * @avail:     bytes available in @buf (the fetch may stop at an
 *             unmapped page); at most X86_INSN_MAX_LEN are read.
 * @code_bits: 16, 32 or 64: the default operand and address size of the
 *             code segment (CS.D, or CS.L in long mode; 16 in real and
 *             virtual-8086 mode).
 * @insn:      out: the instruction; on error only @len (bytes looked at)
 *             and @bytes are meaningful.
 *
 * Return: 0; -EILSEQ for a form this decoder knows with a LOCK prefix it
 * may not take (the CPU raises #UD); -EOPNOTSUPP for an encoding this
 * decoder does not know or another one the CPU would refuse (#UD, such as
 * a register form where only memory is valid); -EAGAIN when @avail ended
 * before the instruction did (the caller fetches more, or gives up);
 * -EINVAL for a @code_bits other than 16, 32 or 64, or an instruction
 * longer than X86_INSN_MAX_LEN (#GP on hardware).
 */
int x86_decode(const u8 *buf, unsigned int avail, unsigned int code_bits,
	       struct x86_insn *insn);

/**
 * x86_op_name() - "mov", "movzx", ... for diagnostics and tests.
 * @op: &enum x86_op.
 *
 * Return: a static string; "unknown" outside the enum.
 */
const char *x86_op_name(unsigned int op);

#endif /* _AXVCPU_X86_DECODE_H */
