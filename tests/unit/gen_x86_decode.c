// SPDX-License-Identifier: MIT
/*
 * Generator of the decoder's test cases: writes GNU as source (Intel
 * syntax) to stdout. Each case is one instruction in section .gen_insn,
 * between two local labels, so the assembler itself gives the bytes and
 * the length; beside it, in section .gen_case, a record of what the
 * decoder must report (struct gen_case in test_x86_decode.c), written
 * from the operands chosen here, never from bytes. Only legacy prefixes
 * whose effect is known without an encoder (segment overrides, LOCK,
 * REP, a stray REX before a 66/67 the assembler emits) are written as
 * .byte; everything else (66, 67, REX, ModRM, SIB, displacement and
 * immediate sizes, moffs) is the assembler's choice.
 *
 * Deterministic (xorshift with a fixed seed): the number of cases and
 * their contents are the same on every run.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "x86_decode.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)(rng() % n);
}

static const char *const r64[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const r32[16] = {
	"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	"r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const r16[16] = {
	"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	"r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const r8_legacy[8] = {
	"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const r8_rex[16] = {
	"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	"r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };

/* What the decoder must say; mirrors struct gen_case in the test. */
struct want {
	int op, opsize, memsize, addrsize, reg, reg_high8, has_mem;
	int seg, base, index, scale, rip_rel, has_imm, mem_read, mem_write;
	int rep, lock;
	int64_t disp, imm;
	int cr;
};

/* The case being built. */
static struct want w;
static int mode;		/* 16, 32, 64 */
static char pfx[64];		/* .byte line of legacy prefixes, or "" */
static char mem_text[96];	/* e.g. "fs:[rax+rbx*4+0x10]" */
static int need_rex;		/* a register or base needs REX (64-bit) */
static unsigned int ncases;

static void emit(const char *family, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(const char *family, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	printf("\t.section .gen_str,\"a\"\n2:\t.asciz \"%s: %s%s%s\"\n",
	       family, pfx[0] ? pfx : "", pfx[0] ? "; " : "", text);
	printf("3:\t.asciz \"%d-bit %s\"\n", mode, family);
	printf("\t.section .gen_insn,\"ax\"\n\t.code%d\n0:", mode);
	if (pfx[0])
		printf("\t%s\n", pfx);
	printf("\t%s\n1:\n", text);
	printf("\t.section .gen_case,\"a\"\n");
	printf("\t.long 0b - gen_insn_start, 1b - 0b, %d, 2b - gen_str_start, 3b - gen_str_start\n",
	       mode);
	printf("\t.long %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d\n",
	       w.op, w.opsize, w.memsize, w.addrsize, w.reg, w.reg_high8,
	       w.has_mem, w.seg, w.base, w.index, w.scale, w.rip_rel,
	       w.has_imm, w.mem_read, w.mem_write, w.rep, w.lock);
	printf("\t.quad %" PRId64 ", %" PRId64 "\n", w.disp, w.imm);
	printf("\t.long %d, 0\n", w.cr);
	ncases++;
}

static const char *seg_name[6] = { "es", "cs", "ss", "ds", "fs", "gs" };
static const int seg_byte[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

static void pfx_add(int b)
{
	size_t n = strlen(pfx);

	snprintf(pfx + n, sizeof(pfx) - n, "%s0x%02x", n ? ", " : ".byte ", b);
}

/* A random displacement for a field of @bits, and sometimes none. */
static int64_t rnd_disp(int bits)
{
	switch (rnd(4)) {
	case 0: return (int8_t)rng();
	case 1: return bits == 16 ? (int16_t)rng() : (int32_t)rng();
	case 2: return (int64_t)rnd(16) - 8;
	default: return 0;
	}
}

static void append_disp(char *s, size_t size, int64_t disp, int first)
{
	size_t n = strlen(s);

	if (first)
		snprintf(s + n, size - n, "%" PRId64, disp);
	else if (disp < 0)
		snprintf(s + n, size - n, "-%" PRId64, -disp);
	else if (disp > 0)
		snprintf(s + n, size - n, "+%" PRId64, disp);
}

/*
 * A random memory operand with a random address size (67 or not) and a
 * random segment override (a .byte prefix). Fills w.mem*, w.addrsize and
 * mem_text; @sizeword is "byte ptr " etc.
 */
static void rnd_mem(const char *sizeword)
{
	int override = rnd(3) == 0 ? (int)rnd(6) : -1;
	char inner[80] = "";
	int def_ss = 0;

	w.has_mem = 1;
	w.base = -1;
	w.index = -1;
	w.scale = 1;
	w.rip_rel = 0;
	w.disp = 0;
	if (mode == 16)
		w.addrsize = rnd(4) ? 2 : 4;
	else if (mode == 32)
		w.addrsize = rnd(4) ? 4 : 2;
	else
		w.addrsize = rnd(4) ? 8 : 4;

	if (w.addrsize == 2) {
		static const char *const forms[8] = {
			"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx" };
		static const int base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
		static const int index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
		unsigned int f = rnd(9);

		if (f == 8) {
			/* absolute: the assembler picks the mode's address size */
			w.addrsize = mode == 16 ? 2 : mode / 8;
			w.disp = rnd(0x8000);
			append_disp(inner, sizeof(inner), w.disp, 1);
		} else {
			w.base = base[f];
			w.index = index[f];
			def_ss = w.base == 5;
			strcpy(inner, forms[f]);
			w.disp = rnd_disp(16);
			append_disp(inner, sizeof(inner), w.disp, 0);
		}
	} else {
		const char *const *names = w.addrsize == 8 ? r64 : r32;
		/* AH..BH cannot be encoded with a REX prefix */
		int nregs = mode == 64 && !w.reg_high8 ? 16 : 8;
		unsigned int f = rnd(mode == 64 ? 8 : 7);

		if (f == 0) {
			/* absolute: disp32 (SIB no-base in 64-bit mode) */
			w.addrsize = mode == 16 ? 2 : mode / 8;
			w.disp = rnd(mode == 16 ? 0x8000 : 0x80000000u);
			append_disp(inner, sizeof(inner), w.disp, 1);
		} else if (f == 7) {
			/* RIP-relative (64-bit address size only here) */
			w.addrsize = 8;
			w.rip_rel = 1;
			w.disp = (int32_t)rng();
			strcpy(inner, "rip");
			append_disp(inner, sizeof(inner), w.disp, 0);
		} else {
			int has_base = f != 1;
			int has_index = f == 1 || f >= 4;

			if (has_base) {
				w.base = rnd(nregs);
				strcpy(inner, names[w.base]);
				def_ss = w.base == 4 || w.base == 5;
			}
			if (has_index) {
				do
					w.index = rnd(nregs);
				while (w.index == 4);
				w.scale = 1 << rnd(4);
				snprintf(inner + strlen(inner), sizeof(inner) - strlen(inner),
					 "%s%s*%d", has_base ? "+" : "",
					 names[w.index], w.scale);
			}
			w.disp = has_base ? rnd_disp(32) : (int32_t)rng();
			append_disp(inner, sizeof(inner), w.disp, 0);
			if (!has_base && w.disp == 0)
				strcat(inner, "+0");
			if (w.base >= 8 || w.index >= 8)
				need_rex = 1;
		}
	}
	w.seg = def_ss ? X86_SEG_SS : X86_SEG_DS;
	if (override >= 0) {
		pfx_add(seg_byte[override]);
		if (mode != 64 || override >= 4)
			w.seg = override;
	}
	snprintf(mem_text, sizeof(mem_text), "%s[%s]", sizeword, inner);
}

static const char *sizeword(int size)
{
	switch (size) {
	case 1: return "byte ptr ";
	case 2: return "word ptr ";
	case 4: return "dword ptr ";
	default: return "qword ptr ";
	}
}

static int rnd_size(int with_byte)
{
	int n = (mode == 64 ? 4 : 3) - !with_byte;

	return (1 << (rnd(n) + !with_byte));
}

/* A random register of @size; sets w.reg / reg_high8 / need_rex. */
static const char *rnd_reg(int size)
{
	int nregs = mode == 64 ? 16 : 8;

	w.reg = rnd(nregs);
	w.reg_high8 = 0;
	if (w.reg >= 8)
		need_rex = 1;
	switch (size) {
	case 1:
		if (mode == 64 && (w.reg >= 8 || rnd(2))) {
			if (w.reg >= 4)
				need_rex = 1;
			return r8_rex[w.reg];
		}
		w.reg &= 7;
		w.reg_high8 = w.reg >= 4;
		return r8_legacy[w.reg];
	case 2: return r16[w.reg];
	case 4: return r32[w.reg];
	default: return r64[w.reg];
	}
}

/* Start a case: clear the record and the prefix text. */
static void begin(int op)
{
	memset(&w, 0, sizeof(w));
	w.op = op;
	w.reg = -1;
	w.base = -1;
	w.index = -1;
	w.scale = 1;
	w.cr = -1;
	pfx[0] = 0;
	mem_text[0] = 0;
	need_rex = 0;
}

/* Optionally a stray REX before the 66/67 that the assembler will emit:
 * it is cancelled by that legacy prefix. Only before .byte prefixes
 * are written, so it is the first byte. */
static void maybe_stray_rex(int size)
{
	if (mode == 64 && (size == 2 || w.addrsize == 4) && rnd(4) == 0 && !pfx[0])
		pfx_add(0x48 | rnd(8));
}

static void maybe_lock(int lockable)
{
	if (lockable && rnd(3) == 0) {
		pfx_add(0xf0);
		w.lock = 1;
	}
}

static const char *const alu_name[8] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const int alu_op[8] = {
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
	X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP };

static int64_t rnd_imm(int size)
{
	switch (size) {
	case 1: return (int8_t)rng();
	case 2: return rnd(2) ? (int8_t)rng() : (int16_t)rng();
	default: return rnd(2) ? (int8_t)rng() : (int32_t)rng();
	}
}

static void gen_mov(int n)
{
	while (n--) {
		int size = rnd_size(1), store = rnd(2);
		const char *reg;

		begin(X86_OP_MOV);
		w.opsize = w.memsize = size;
		reg = rnd_reg(size);
		rnd_mem(sizeword(size));
		maybe_stray_rex(size);
		w.mem_write = store;
		w.mem_read = !store;
		if (store)
			emit("mov store", "mov %s, %s", mem_text, reg);
		else
			emit("mov load", "mov %s, %s", reg, mem_text);
	}
}

static void gen_mov_imm(int n)
{
	while (n--) {
		int size = rnd_size(1);

		begin(X86_OP_MOV);
		w.opsize = w.memsize = size;
		rnd_mem(sizeword(size));
		maybe_stray_rex(size);
		w.mem_write = 1;
		w.has_imm = 1;
		w.imm = size == 1 ? (int8_t)rng() : size == 2 ? (int16_t)rng() : (int32_t)rng();
		emit("mov imm", "mov %s, %" PRId64, mem_text, w.imm);
	}
}

static void gen_alu(int n)
{
	while (n--) {
		int size = rnd_size(1), a = rnd(9), form = rnd(3);
		const char *reg = NULL;

		begin(a == 8 ? X86_OP_TEST : alu_op[a]);
		w.opsize = w.memsize = size;
		if (form != 2)
			reg = rnd_reg(size);
		rnd_mem(sizeword(size));
		maybe_stray_rex(size);
		w.mem_read = 1;
		if (a == 8) {
			if (form == 2) {
				w.has_imm = 1;
				w.imm = size == 1 ? (int8_t)rng() : size == 2 ? (int16_t)rng() : (int32_t)rng();
				emit("test imm", "test %s, %" PRId64, mem_text, w.imm);
			} else {
				emit("test reg", "test %s, %s", mem_text, reg);
			}
			continue;
		}
		if (form == 0) {
			w.mem_write = a != 7;
			maybe_lock(w.mem_write);
			emit("alu mem,reg", "%s %s, %s", alu_name[a], mem_text, reg);
		} else if (form == 1) {
			emit("alu reg,mem", "%s %s, %s", alu_name[a], reg, mem_text);
		} else {
			w.mem_write = a != 7;
			maybe_lock(w.mem_write);
			w.has_imm = 1;
			w.imm = rnd_imm(size);
			emit("alu mem,imm", "%s %s, %" PRId64, alu_name[a], mem_text, w.imm);
		}
	}
}

static void gen_movx(int n)
{
	while (n--) {
		int dst = rnd_size(0), src = dst == 2 ? 1 : 1 + rnd(2);
		int sx = rnd(2);
		const char *reg;

		begin(sx ? X86_OP_MOVSX : X86_OP_MOVZX);
		w.opsize = dst;
		w.memsize = src;
		reg = rnd_reg(dst);
		rnd_mem(sizeword(src));
		maybe_stray_rex(dst);
		w.mem_read = 1;
		emit("movzx/movsx", "%s %s, %s", sx ? "movsx" : "movzx", reg, mem_text);
	}
}

static void gen_movsxd(int n)
{
	if (mode != 64)
		return;
	while (n--) {
		int dst = 1 << (1 + rnd(3));
		const char *reg;

		begin(X86_OP_MOVSX);
		w.opsize = dst;
		w.memsize = dst == 8 ? 4 : dst;
		reg = rnd_reg(dst);
		rnd_mem("dword ptr ");
		maybe_stray_rex(dst);
		w.mem_read = 1;
		emit("movsxd", "movsxd %s, %s", reg, mem_text);
	}
}

static void gen_xchg(int n)
{
	while (n--) {
		int size = rnd_size(1);
		const char *reg;

		begin(X86_OP_XCHG);
		w.opsize = w.memsize = size;
		reg = rnd_reg(size);
		rnd_mem(sizeword(size));
		maybe_stray_rex(size);
		w.mem_read = w.mem_write = 1;
		maybe_lock(1);
		emit("xchg", "xchg %s, %s", mem_text, reg);
	}
}

static void gen_bt(int n)
{
	static const char *const name[4] = { "bt", "bts", "btr", "btc" };
	static const int op[4] = { X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC };

	while (n--) {
		int size = rnd_size(0), k = rnd(4), imm = rnd(2);
		const char *reg = NULL;

		begin(op[k]);
		w.opsize = w.memsize = size;
		if (!imm)
			reg = rnd_reg(size);
		rnd_mem(sizeword(size));
		maybe_stray_rex(size);
		w.mem_read = 1;
		w.mem_write = k != 0;
		maybe_lock(w.mem_write);
		if (imm) {
			unsigned int v = rnd(256);

			w.has_imm = 1;
			w.imm = (int8_t)v;
			emit("bt imm", "%s %s, %u", name[k], mem_text, v);
		} else {
			emit("bt reg", "%s %s, %s", name[k], mem_text, reg);
		}
	}
}

static void gen_string(int n)
{
	static const char *const name[5] = { "movs", "stos", "lods", "ins", "outs" };
	static const int op[5] = { X86_OP_MOVS, X86_OP_STOS, X86_OP_LODS, X86_OP_INS, X86_OP_OUTS };
	static const char sfx[4] = { 'b', 'w', 'd', 'q' };

	while (n--) {
		int k = rnd(5), s = rnd(k >= 3 ? 3 : mode == 64 ? 4 : 3);
		int size = 1 << s, override = rnd(3) ? -1 : (int)rnd(6);

		begin(op[k]);
		w.opsize = w.memsize = size;
		w.has_mem = 1;
		if (mode == 16)
			w.addrsize = 2;
		else
			w.addrsize = mode / 8;
		if (rnd(3) == 0) {
			pfx_add(0x67);
			w.addrsize = mode == 64 ? 4 : mode == 32 ? 2 : 4;
		}
		if (rnd(3) == 0) {
			w.rep = 1 + rnd(2);
			pfx_add(w.rep == 1 ? 0xf3 : 0xf2);
		}
		w.seg = X86_SEG_DS;
		if (override >= 0) {
			pfx_add(seg_byte[override]);
			if (mode != 64 || override >= 4)
				w.seg = override;
		}
		w.base = 6;
		if (k == 1 || k == 3) {
			w.seg = X86_SEG_ES;
			w.base = 7;
		}
		w.mem_read = k != 1 && k != 3;
		w.mem_write = k == 0 || k == 1 || k == 3;
		if (k == 1 || k == 2)
			w.reg = 0;
		emit("string", "%s%c", name[k], sfx[s]);
	}
	(void)seg_name;
}

static void gen_moffs(int n)
{
	while (n--) {
		int size = rnd_size(1), store = rnd(2), override = rnd(3) ? -1 : (int)rnd(6);
		const char *acc = size == 1 ? "al" : size == 2 ? "ax" : size == 4 ? "eax" : "rax";
		char addr[40];

		begin(X86_OP_MOV);
		w.opsize = w.memsize = size;
		w.reg = 0;
		w.has_mem = 1;
		w.seg = X86_SEG_DS;
		if (override >= 0) {
			pfx_add(seg_byte[override]);
			if (mode != 64 || override >= 4)
				w.seg = override;
		}
		w.mem_read = !store;
		w.mem_write = store;
		if (mode == 64) {
			w.addrsize = 8;
			w.disp = (int64_t)(rng() & ~(1ULL << 63));
			snprintf(addr, sizeof(addr), "%s[0x%" PRIx64 "]", sizeword(size), (uint64_t)w.disp);
			if (store)
				emit("moffs", "movabs %s, %s", addr, acc);
			else
				emit("moffs", "movabs %s, %s", acc, addr);
			continue;
		}
		w.addrsize = mode / 8;
		w.disp = mode == 16 ? rnd(0x10000) : (int64_t)(uint32_t)rng();
		snprintf(addr, sizeof(addr), "%sds:0x%" PRIx64, sizeword(size), (uint64_t)w.disp);
		if (store)
			emit("moffs", "mov %s, %s", addr, acc);
		else
			emit("moffs", "mov %s, %s", acc, addr);
	}
}

/* Intercepted instructions, length only, with random legal prefixes. */
static void gen_intercepts(int n)
{
	static const struct { const char *text; int op; } fixed[] = {
		{ "hlt", X86_OP_HLT }, { "cpuid", X86_OP_CPUID },
		{ "rdmsr", X86_OP_RDMSR }, { "wrmsr", X86_OP_WRMSR },
		{ "rdpmc", X86_OP_RDPMC }, { "invd", X86_OP_INVD },
		{ "wbinvd", X86_OP_WBINVD }, { "wbnoinvd", X86_OP_WBNOINVD },
		{ "vmmcall", X86_OP_VMMCALL }, { "xsetbv", X86_OP_XSETBV },
	};
	unsigned int nfixed = sizeof(fixed) / sizeof(fixed[0]);

	while (n--) {
		unsigned int k = rnd(nfixed + 4), i, np = rnd(4);
		int opsize = mode == 16 ? 2 : 4;

		begin(X86_OP_UNKNOWN);
		for (i = 0; i < np; i++)
			pfx_add(seg_byte[rnd(6)]);
		w.addrsize = mode == 16 ? 2 : mode / 8;
		w.opsize = opsize;
		if (rnd(4) == 0) {
			pfx_add(0x67);
			w.addrsize = mode == 64 ? 4 : mode == 32 ? 2 : 4;
		}
		if (k < nfixed) {
			w.op = fixed[k].op;
			if (w.op == X86_OP_WBNOINVD)
				w.rep = X86_REP_REPE;	/* its F3 */
			emit("intercepts", "%s", fixed[k].text);
			continue;
		}
		/* IN/OUT: AL, AX/EAX, imm8 port or DX */
		{
			int size = 1 << rnd(3), out = k & 1, dx = k & 2;
			const char *acc = size == 1 ? "al" : size == 2 ? "ax" : "eax";
			unsigned int port = rnd(256);
			char port_text[8];

			w.op = out ? X86_OP_OUT : X86_OP_IN;
			w.opsize = size;
			if (dx) {
				strcpy(port_text, "dx");
			} else {
				snprintf(port_text, sizeof(port_text), "%u", port);
				w.has_imm = 1;
				w.imm = port;
			}
			if (out)
				emit("in/out", "out %s, %s", port_text, acc);
			else
				emit("in/out", "in %s, %s", acc, port_text);
		}
	}
}

/* MOV to CRn from a GPR, with ignored segment prefixes. */
static void gen_mov_cr(int n)
{
	static const int crs[5] = { 0, 2, 3, 4, 8 };

	while (n--) {
		unsigned int i, np = rnd(3);

		begin(X86_OP_MOV_TO_CR);
		for (i = 0; i < np; i++)
			pfx_add(seg_byte[rnd(6)]);
		w.addrsize = mode == 16 ? 2 : mode / 8;
		w.opsize = mode == 64 ? 8 : 4;
		w.cr = crs[rnd(mode == 64 ? 5 : 4)];
		w.reg = rnd(mode == 64 ? 16 : 8);
		emit("mov to cr", "mov cr%d, %s", w.cr,
		     mode == 64 ? r64[w.reg] : r32[w.reg]);
	}
}

int main(void)
{
	static const int modes[3] = { 16, 32, 64 };
	int i;

	printf("# Generated by gen_x86_decode.c: do not edit.\n");
	printf("\t.intel_syntax noprefix\n");
	printf("\t.section .gen_insn,\"ax\"\n\t.globl gen_insn_start\ngen_insn_start:\n");
	printf("\t.section .gen_str,\"a\"\n\t.globl gen_str_start\ngen_str_start:\n");
	printf("\t.section .gen_case,\"a\"\n\t.balign 8\n\t.globl gen_cases\ngen_cases:\n");
	for (i = 0; i < 3; i++) {
		mode = modes[i];
		gen_mov(400);
		gen_mov_imm(200);
		gen_alu(600);
		gen_movx(200);
		gen_movsxd(150);
		gen_xchg(150);
		gen_bt(200);
		gen_string(200);
		gen_moffs(100);
		gen_intercepts(150);
		gen_mov_cr(60);
	}
	printf("\t.section .gen_case,\"a\"\n\t.globl gen_cases_end\ngen_cases_end:\n");
	printf("\t.section .note.GNU-stack,\"\",@progbits\n");
	fprintf(stderr, "gen_x86_decode: %u cases\n", ncases);
	return 0;
}
