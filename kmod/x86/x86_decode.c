// SPDX-License-Identifier: GPL-2.0
/*
 * Pure x86 instruction decoder: see x86_decode.h for the contract and
 * Documentation/design.rst ("Decoder") for what is decoded and refused.
 *
 * Every byte goes through dec_fetch(), the only place that reads @buf: it
 * stops at @avail (-EAGAIN) and at X86_INSN_MAX_LEN (-EINVAL), so no
 * path can read further. References: Intel SDM vol. 2, sections 2.1-2.2
 * (prefixes, ModRM, SIB, REX) and appendix A (opcode map); AMD APM vol. 3,
 * chapter 1.
 */
#include "x86_decode.h"

struct dec {
	const u8 *buf;
	unsigned int avail;
	unsigned int pos;
	struct x86_insn *insn;
	unsigned int mode;	/* 16, 32, 64 */
	u8 rex;			/* effective REX byte, 0 when none */
	bool opsz_pfx;		/* 66 */
	bool adsz_pfx;		/* 67 */
	int seg_pfx;		/* override, -1 when none (or ignored) */
	/* ModRM */
	u8 mod, reg, rm;
};

#define REX_W(d) (((d)->rex >> 3) & 1)
#define REX_R(d) (((d)->rex >> 2) & 1)
#define REX_X(d) (((d)->rex >> 1) & 1)
#define REX_B(d) ((d)->rex & 1)

static int dec_fetch(struct dec *d, u8 *out)
{
	if (d->pos >= X86_INSN_MAX_LEN)
		return -EINVAL;
	if (d->pos >= d->avail)
		return -EAGAIN;
	*out = d->buf[d->pos];
	d->insn->bytes[d->pos] = *out;
	d->pos++;
	d->insn->len = d->pos;
	return 0;
}

/* Little-endian field of @n bytes (1, 2, 4, 8), sign- or zero-extended. */
static int dec_field(struct dec *d, unsigned int n, bool sign, s64 *out)
{
	u64 v = 0;
	unsigned int i;
	int ret;
	u8 b;

	for (i = 0; i < n; i++) {
		ret = dec_fetch(d, &b);
		if (ret)
			return ret;
		v |= (u64)b << (8 * i);
	}
	if (sign && n < 8) {
		u64 m = 1ULL << (8 * n - 1);

		v = (v ^ m) - m;
	}
	*out = (s64)v;
	return 0;
}

static int dec_imm(struct dec *d, unsigned int n)
{
	d->insn->has_imm = true;
	return dec_field(d, n, true, &d->insn->imm);
}

/* The default segment, or the override where the mode honours it. */
static u8 dec_seg(struct dec *d, u8 def)
{
	return d->seg_pfx >= 0 ? (u8)d->seg_pfx : def;
}

/* 16-bit forms (SDM vol. 2, table 2-1). */
static const s8 modrm16_base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
static const s8 modrm16_index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };

/*
 * ModRM (and SIB, displacement) of a form whose r/m must be memory: a
 * register r/m (mod 3) is refused, since the operand this decoder serves
 * is a memory access and struct x86_insn has no second register.
 */
static int dec_modrm_mem(struct dec *d)
{
	struct x86_insn *insn = d->insn;
	struct x86_mem_operand *m = &insn->mem;
	int ret;
	u8 b;

	ret = dec_fetch(d, &b);
	if (ret)
		return ret;
	d->mod = b >> 6;
	d->reg = ((b >> 3) & 7) | REX_R(d) << 3;
	d->rm = b & 7;
	if (d->mod == 3)
		return -EOPNOTSUPP;

	insn->has_mem = true;
	m->base = -1;
	m->index = -1;
	m->scale = 1;
	m->disp = 0;

	if (insn->addrsize == 2) {
		if (d->mod == 0 && d->rm == 6) {
			ret = dec_field(d, 2, true, &m->disp);
		} else {
			m->base = modrm16_base[d->rm];
			m->index = modrm16_index[d->rm];
			if (d->mod == 1)
				ret = dec_field(d, 1, true, &m->disp);
			else if (d->mod == 2)
				ret = dec_field(d, 2, true, &m->disp);
		}
		if (ret)
			return ret;
		m->seg = dec_seg(d, m->base == 5 ? X86_SEG_SS : X86_SEG_DS);
		return 0;
	}

	if (d->rm == 4) {
		u8 sib, idx;

		ret = dec_fetch(d, &sib);
		if (ret)
			return ret;
		m->scale = 1 << (sib >> 6);
		idx = ((sib >> 3) & 7) | REX_X(d) << 3;
		m->index = idx == 4 ? -1 : (s8)idx;
		if ((sib & 7) == 5 && d->mod == 0) {
			m->base = -1;
			ret = dec_field(d, 4, true, &m->disp);
			if (ret)
				return ret;
		} else {
			m->base = (sib & 7) | REX_B(d) << 3;
		}
	} else if (d->rm == 5 && d->mod == 0) {
		/* disp32: RIP-relative in 64-bit mode, absolute otherwise. */
		m->rip_rel = d->mode == 64;
		ret = dec_field(d, 4, true, &m->disp);
		if (ret)
			return ret;
	} else {
		m->base = d->rm | REX_B(d) << 3;
	}
	if (d->mod == 1)
		ret = dec_field(d, 1, true, &m->disp);
	else if (d->mod == 2)
		ret = dec_field(d, 4, true, &m->disp);
	if (ret)
		return ret;
	/* rSP and rBP bases (not r12, r13) default to SS. */
	m->seg = dec_seg(d, m->base == 4 || m->base == 5 ? X86_SEG_SS : X86_SEG_DS);
	return 0;
}

/* The register operand is ModRM.reg; set its size-dependent flags. */
static void dec_set_reg(struct dec *d, unsigned int size)
{
	d->insn->reg = d->reg;
	d->insn->reg_high8 = size == 1 && !d->rex && d->reg >= 4 && d->reg <= 7;
}

/* String operands: rSI (source, overridable) and rDI (ES). */
static void dec_str_operand(struct x86_mem_operand *m, u8 seg, s8 base)
{
	m->seg = seg;
	m->base = base;
	m->index = -1;
	m->scale = 1;
	m->disp = 0;
}

static const u8 alu_ops[8] = {
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
	X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
};

static const u8 bt_ops[4] = { X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC };

/* The operations LOCK may prefix: those writing their memory operand. */
static bool dec_lockable(const struct x86_insn *insn)
{
	switch (insn->op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB:
	case X86_OP_AND: case X86_OP_SUB: case X86_OP_XOR:
	case X86_OP_XCHG: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		return insn->has_mem && insn->mem_write;
	default:
		return false;
	}
}

/* Two-byte opcodes (0F xx). */
static int dec_0f(struct dec *d, unsigned int opsize, unsigned int rep_last)
{
	struct x86_insn *insn = d->insn;
	int ret;
	u8 op, b;

	ret = dec_fetch(d, &op);
	if (ret)
		return ret;

	switch (op) {
	case 0x08: insn->op = X86_OP_INVD; return 0;
	case 0x09:
		insn->op = rep_last == 0xf3 ? X86_OP_WBNOINVD : X86_OP_WBINVD;
		return 0;
	case 0x30: insn->op = X86_OP_WRMSR; return 0;
	case 0x32: insn->op = X86_OP_RDMSR; return 0;
	case 0x33: insn->op = X86_OP_RDPMC; return 0;
	case 0xa2: insn->op = X86_OP_CPUID; return 0;
	case 0x01:
		ret = dec_fetch(d, &b);
		if (ret)
			return ret;
		if (b == 0xd9)
			insn->op = X86_OP_VMMCALL;
		else if (b == 0xd1)
			insn->op = X86_OP_XSETBV;
		else
			return -EOPNOTSUPP;
		return 0;
	case 0x22:
		/*
		 * MOV to CRn: ModRM's mod is ignored (always a register form,
		 * no SIB or displacement), and so are 66 and REX.W: the
		 * operand is 64-bit in 64-bit mode, 32-bit otherwise.
		 */
		ret = dec_fetch(d, &b);
		if (ret)
			return ret;
		insn->cr = ((b >> 3) & 7) | REX_R(d) << 3;
		if (insn->cr != 0 && insn->cr != 2 && insn->cr != 3 &&
		    insn->cr != 4 && insn->cr != 8)
			return -EOPNOTSUPP;
		insn->reg = (b & 7) | REX_B(d) << 3;
		insn->opsize = d->mode == 64 ? 8 : 4;
		insn->op = X86_OP_MOV_TO_CR;
		return 0;
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		insn->opsize = opsize;
		insn->memsize = op & 1 ? 2 : 1;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		insn->op = op < 0xb8 ? X86_OP_MOVZX : X86_OP_MOVSX;
		insn->mem_read = true;
		dec_set_reg(d, opsize);
		return 0;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		insn->opsize = opsize;
		insn->memsize = opsize;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		insn->op = bt_ops[(op >> 3) & 3];
		insn->mem_read = true;
		insn->mem_write = insn->op != X86_OP_BT;
		dec_set_reg(d, opsize);
		return 0;
	case 0xba:
		insn->opsize = opsize;
		insn->memsize = opsize;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		if ((d->reg & 7) < 4)
			return -EOPNOTSUPP;
		ret = dec_imm(d, 1);
		if (ret)
			return ret;
		insn->op = bt_ops[d->reg & 3];
		insn->mem_read = true;
		insn->mem_write = insn->op != X86_OP_BT;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int dec_opcode(struct dec *d, u8 op, unsigned int opsize,
		      unsigned int rep_last)
{
	struct x86_insn *insn = d->insn;
	unsigned int size, iosize;
	int ret;
	s64 v;

	/* Sizes of byte / word-dword-qword forms (low bit of most opcodes). */
	size = op & 1 ? opsize : 1;
	iosize = op & 1 ? (opsize == 8 ? 4 : opsize) : 1;

	if (op < 0x40 && (op & 7) < 4) {
		/* ALU /r: 0 Eb,Gb; 1 Ev,Gv; 2 Gb,Eb; 3 Gv,Ev */
		insn->opsize = size;
		insn->memsize = size;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		insn->op = alu_ops[op >> 3];
		insn->mem_read = true;
		insn->mem_write = !(op & 2) && insn->op != X86_OP_CMP;
		dec_set_reg(d, size);
		return 0;
	}

	switch (op) {
	case 0x63:
		if (d->mode != 64)
			return -EOPNOTSUPP;	/* ARPL */
		insn->opsize = opsize;
		insn->memsize = opsize == 8 ? 4 : opsize;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		insn->op = X86_OP_MOVSX;
		insn->mem_read = true;
		dec_set_reg(d, opsize);
		return 0;
	case 0x84: case 0x85:
	case 0x86: case 0x87:
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		size = op & 1 ? opsize : 1;
		insn->opsize = size;
		insn->memsize = size;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		if (op <= 0x85) {
			insn->op = X86_OP_TEST;
			insn->mem_read = true;
		} else if (op <= 0x87) {
			insn->op = X86_OP_XCHG;
			insn->mem_read = true;
			insn->mem_write = true;
		} else {
			insn->op = X86_OP_MOV;
			insn->mem_write = op <= 0x89;
			insn->mem_read = op >= 0x8a;
		}
		dec_set_reg(d, size);
		return 0;
	case 0x80: case 0x81: case 0x83:
		size = op == 0x80 ? 1 : opsize;
		insn->opsize = size;
		insn->memsize = size;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		ret = dec_imm(d, op == 0x81 ? (size == 2 ? 2 : 4) : 1);
		if (ret)
			return ret;
		insn->op = alu_ops[d->reg & 7];
		insn->mem_read = true;
		insn->mem_write = insn->op != X86_OP_CMP;
		insn->reg = -1;
		return 0;
	case 0xc6: case 0xc7: case 0xf6: case 0xf7:
		insn->opsize = size;
		insn->memsize = size;
		ret = dec_modrm_mem(d);
		if (ret)
			return ret;
		if (d->reg & 7)
			return -EOPNOTSUPP;
		ret = dec_imm(d, size == 1 ? 1 : size == 2 ? 2 : 4);
		if (ret)
			return ret;
		insn->reg = -1;
		if (op <= 0xc7) {
			insn->op = X86_OP_MOV;
			insn->mem_write = true;
		} else {
			insn->op = X86_OP_TEST;
			insn->mem_read = true;
		}
		return 0;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		insn->opsize = size;
		insn->memsize = size;
		ret = dec_field(d, insn->addrsize, false, &v);
		if (ret)
			return ret;
		insn->op = X86_OP_MOV;
		insn->has_mem = true;
		insn->mem.seg = dec_seg(d, X86_SEG_DS);
		insn->mem.base = -1;
		insn->mem.index = -1;
		insn->mem.scale = 1;
		insn->mem.disp = v;
		insn->mem_read = op <= 0xa1;
		insn->mem_write = op >= 0xa2;
		insn->reg = 0;
		return 0;
	case 0xa4: case 0xa5:	/* MOVS */
	case 0xaa: case 0xab:	/* STOS */
	case 0xac: case 0xad:	/* LODS */
	case 0x6c: case 0x6d:	/* INS */
	case 0x6e: case 0x6f:	/* OUTS */
		if (op < 0x70)
			size = iosize;
		insn->opsize = size;
		insn->memsize = size;
		insn->has_mem = true;
		switch (op & ~1) {
		case 0xa4:
			insn->op = X86_OP_MOVS;
			insn->mem_read = true;
			insn->mem_write = true;
			dec_str_operand(&insn->mem, dec_seg(d, X86_SEG_DS), 6);
			dec_str_operand(&insn->mem2, X86_SEG_ES, 7);
			break;
		case 0xaa:
			insn->op = X86_OP_STOS;
			insn->mem_write = true;
			insn->reg = 0;
			dec_str_operand(&insn->mem, X86_SEG_ES, 7);
			break;
		case 0xac:
			insn->op = X86_OP_LODS;
			insn->mem_read = true;
			insn->reg = 0;
			dec_str_operand(&insn->mem, dec_seg(d, X86_SEG_DS), 6);
			break;
		case 0x6c:
			insn->op = X86_OP_INS;
			insn->mem_write = true;
			dec_str_operand(&insn->mem, X86_SEG_ES, 7);
			break;
		default:
			insn->op = X86_OP_OUTS;
			insn->mem_read = true;
			dec_str_operand(&insn->mem, dec_seg(d, X86_SEG_DS), 6);
			break;
		}
		return 0;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		if (!(op & 8)) {
			/* the port: imm8, zero-extended */
			ret = dec_field(d, 1, false, &insn->imm);
			if (ret)
				return ret;
			insn->has_imm = true;
		}
		insn->opsize = iosize;
		insn->op = op & 2 ? X86_OP_OUT : X86_OP_IN;
		return 0;
	case 0xf4:
		insn->op = X86_OP_HLT;
		return 0;
	case 0x0f:
		return dec_0f(d, opsize, rep_last);
	default:
		return -EOPNOTSUPP;
	}
}

int x86_decode(const u8 *buf, unsigned int avail, unsigned int code_bits,
	       struct x86_insn *insn)
{
	struct dec d = {
		.buf = buf, .avail = avail, .insn = insn, .mode = code_bits,
		.seg_pfx = -1,
	};
	unsigned int rep_last = 0, opsize;
	int ret;
	u8 b;

	memset(insn, 0, sizeof(*insn));
	insn->reg = -1;
	insn->mem.base = -1;
	insn->mem.index = -1;
	insn->mem2.base = -1;
	insn->mem2.index = -1;
	insn->cr = -1;
	if (code_bits != 16 && code_bits != 32 && code_bits != 64)
		return -EINVAL;

	/*
	 * Legacy prefixes in any order; a REX counts only as the last byte
	 * before the opcode (a legacy prefix after it cancels it).
	 */
	for (;;) {
		ret = dec_fetch(&d, &b);
		if (ret)
			goto fail;
		if (code_bits == 64 && (b & 0xf0) == 0x40) {
			d.rex = b;
			continue;
		}
		switch (b) {
		case 0x66: d.opsz_pfx = true; break;
		case 0x67: d.adsz_pfx = true; break;
		case 0xf0: insn->lock = true; break;
		case 0xf2: insn->rep = X86_REP_REPNE; rep_last = b; break;
		case 0xf3: insn->rep = X86_REP_REPE; rep_last = b; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* In 64-bit mode ES/CS/SS/DS overrides are ignored. */
			d.seg_pfx = code_bits == 64 ? -1 : (b >> 3) & 3;
			break;
		case 0x64: d.seg_pfx = X86_SEG_FS; break;
		case 0x65: d.seg_pfx = X86_SEG_GS; break;
		default:
			goto opcode;
		}
		d.rex = 0;
	}

opcode:
	if (code_bits == 64) {
		opsize = REX_W(&d) ? 8 : d.opsz_pfx ? 2 : 4;
		insn->addrsize = d.adsz_pfx ? 4 : 8;
	} else {
		opsize = (code_bits == 16) != d.opsz_pfx ? 2 : 4;
		insn->addrsize = (code_bits == 16) != d.adsz_pfx ? 2 : 4;
	}
	insn->opsize = opsize;

	ret = dec_opcode(&d, b, opsize, rep_last);
	if (ret)
		goto fail;
	if (insn->lock && !dec_lockable(insn)) {
		ret = -EILSEQ;		/* #UD */
		goto fail;
	}
	return 0;

fail:
	insn->op = X86_OP_UNKNOWN;
	insn->cr = -1;
	return ret;
}

static const char *const op_names[X86_OP_NR] = {
	[X86_OP_UNKNOWN] = "unknown",
	[X86_OP_MOV] = "mov",
	[X86_OP_MOVZX] = "movzx",
	[X86_OP_MOVSX] = "movsx",
	[X86_OP_XCHG] = "xchg",
	[X86_OP_MOVS] = "movs",
	[X86_OP_STOS] = "stos",
	[X86_OP_LODS] = "lods",
	[X86_OP_ADD] = "add",
	[X86_OP_OR] = "or",
	[X86_OP_ADC] = "adc",
	[X86_OP_SBB] = "sbb",
	[X86_OP_AND] = "and",
	[X86_OP_SUB] = "sub",
	[X86_OP_XOR] = "xor",
	[X86_OP_CMP] = "cmp",
	[X86_OP_TEST] = "test",
	[X86_OP_BT] = "bt",
	[X86_OP_BTS] = "bts",
	[X86_OP_BTR] = "btr",
	[X86_OP_BTC] = "btc",
	[X86_OP_INS] = "ins",
	[X86_OP_OUTS] = "outs",
	[X86_OP_IN] = "in",
	[X86_OP_OUT] = "out",
	[X86_OP_HLT] = "hlt",
	[X86_OP_CPUID] = "cpuid",
	[X86_OP_RDMSR] = "rdmsr",
	[X86_OP_WRMSR] = "wrmsr",
	[X86_OP_RDPMC] = "rdpmc",
	[X86_OP_INVD] = "invd",
	[X86_OP_WBINVD] = "wbinvd",
	[X86_OP_WBNOINVD] = "wbnoinvd",
	[X86_OP_VMMCALL] = "vmmcall",
	[X86_OP_XSETBV] = "xsetbv",
	[X86_OP_MOV_TO_CR] = "mov to cr",
};

const char *x86_op_name(unsigned int op)
{
	if (op >= X86_OP_NR || !op_names[op])
		return "unknown";
	return op_names[op];
}
