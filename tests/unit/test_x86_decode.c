// SPDX-License-Identifier: MIT
/*
 * The instruction decoder (kmod/x86/x86_decode.c) against GNU as: the
 * cases come from gen_x86_decode.c, assembled by `as` and linked in
 * (gen_x86_decode.s, built in build/unit/). For each case the decoder
 * must agree on every field the generator knows; every truncation of a
 * case must give -EAGAIN. One point per family and mode; the first
 * mismatches are printed as diagnostics. Then hand-written negative
 * cases: the 15-byte limit, LOCK where the CPU raises #UD, encodings the
 * decoder refuses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86_decode.h"
#include "tap.h"

/* As written by gen_x86_decode.c (88 bytes of .long, then two .quad). */
struct gen_case {
	uint32_t off, len, mode, text, family;
	int32_t op, opsize, memsize, addrsize, reg, reg_high8, has_mem;
	int32_t seg, base, index, scale, rip_rel, has_imm, mem_read, mem_write;
	int32_t rep, lock;
	int64_t disp, imm;
	int32_t cr, pad;
};

_Static_assert(sizeof(struct gen_case) == 112, "layout of .gen_case");

extern const u8 gen_insn_start[];
extern const char gen_str_start[];
extern const struct gen_case gen_cases[], gen_cases_end[];

static unsigned int diag_budget = 40;

/* Compare one field; print the first mismatches. */
#define FIELD(got, want) do { \
	if ((int64_t)(got) != (int64_t)(want)) { \
		if (diag_budget) { \
			diag_budget--; \
			tap_diag("%s: %s = %lld, want %lld", \
				 gen_str_start + c->text, #got, \
				 (long long)(got), (long long)(want)); \
		} \
		ok = 0; \
	} \
} while (0)

static void dump_bytes(const struct gen_case *c)
{
	char hex[3 * X86_INSN_MAX_LEN + 1] = "";
	unsigned int i;

	for (i = 0; i < c->len && i < X86_INSN_MAX_LEN; i++)
		sprintf(hex + 3 * i, "%02x ", gen_insn_start[c->off + i]);
	tap_diag("  bytes: %s", hex);
}

static int check_case(const struct gen_case *c)
{
	const u8 *src = gen_insn_start + c->off;
	struct x86_insn insn;
	unsigned int avail;
	u8 *buf;
	int ok = 1, ret;

	if (c->len > X86_INSN_MAX_LEN) {
		tap_diag("%s: assembled to %u bytes", gen_str_start + c->text, c->len);
		return 0;
	}
	/* Exactly @len bytes on the heap: a read past them is an ASan error. */
	buf = malloc(c->len);
	memcpy(buf, src, c->len);
	ret = x86_decode(buf, c->len, c->mode, &insn);
	FIELD(ret, 0);
	if (ret) {
		dump_bytes(c);
		free(buf);
		return 0;
	}
	FIELD(insn.len, c->len);
	FIELD(insn.op, c->op);
	FIELD(insn.opsize, c->opsize);
	FIELD(insn.memsize, c->memsize);
	FIELD(insn.addrsize, c->addrsize);
	FIELD(insn.reg, c->reg);
	FIELD(insn.reg_high8, c->reg_high8);
	FIELD(insn.has_mem, c->has_mem);
	FIELD(insn.mem_read, c->mem_read);
	FIELD(insn.mem_write, c->mem_write);
	FIELD(insn.rep, c->rep);
	FIELD(insn.lock, c->lock);
	FIELD(insn.has_imm, c->has_imm);
	FIELD(insn.cr, c->cr);
	if (c->has_imm)
		FIELD(insn.imm, c->imm);
	if (c->has_mem) {
		FIELD(insn.mem.seg, c->seg);
		FIELD(insn.mem.base, c->base);
		FIELD(insn.mem.index, c->index);
		FIELD(insn.mem.scale, c->scale);
		FIELD(insn.mem.rip_rel, c->rip_rel);
		FIELD(insn.mem.disp, c->disp);
	}
	if (c->op == X86_OP_MOVS) {
		FIELD(insn.mem2.seg, X86_SEG_ES);
		FIELD(insn.mem2.base, 7);
		FIELD(insn.mem2.index, -1);
	}
	FIELD(memcmp(insn.bytes, src, c->len), 0);
	/* Every shorter fetch asks for more, having looked at all of it. */
	for (avail = 0; avail < c->len; avail++) {
		ret = x86_decode(buf, avail, c->mode, &insn);
		FIELD(ret, -EAGAIN);
		FIELD(insn.len, avail);
	}
	if (!ok)
		dump_bytes(c);
	free(buf);
	return ok;
}

static void test_generated(void)
{
	const char *families[64];
	unsigned int nfam = 0, f, total = 0;
	const struct gen_case *c;

	/* The families, in the order they first appear. */
	for (c = gen_cases; c < gen_cases_end; c++) {
		const char *name = gen_str_start + c->family;

		for (f = 0; f < nfam && strcmp(families[f], name); f++)
			;
		if (f == nfam && nfam < 64)
			families[nfam++] = name;
	}
	for (f = 0; f < nfam; f++) {
		unsigned int n = 0, bad = 0;

		for (c = gen_cases; c < gen_cases_end; c++) {
			if (strcmp(gen_str_start + c->family, families[f]))
				continue;
			n++;
			bad += !check_case(c);
		}
		total += n;
		tap_ok(!bad && n, "%s: %u cases from GNU as agree (%u differ)",
		       families[f], n, bad);
	}
	tap_ok(total == (unsigned int)(gen_cases_end - gen_cases),
	       "%u generated cases, all in a family", total);
}

struct neg {
	const char *name;
	unsigned int mode;
	unsigned int n;
	u8 b[20];
	int ret;
	unsigned int len;	/* insn.len expected; 0: not checked */
};

static const struct neg negs[] = {
	{ "16 prefixes: #GP past 15 bytes", 64, 16,
	  { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66 }, -EINVAL, 15 },
	{ "14 prefixes + 89 00: 16 bytes, #GP", 32, 16,
	  { 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
	    0x3e, 0x3e, 0x3e, 0x89, 0x00 }, -EINVAL, 15 },
	{ "13 prefixes + 89 00: exactly 15 bytes decode", 32, 15,
	  { 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
	    0x3e, 0x3e, 0x89, 0x00 }, 0, 15 },
	{ "disp32 + imm32 past 15 bytes", 64, 20,
	  { 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0xc7, 0x80, 1, 2, 3, 4,
	    5, 6, 7, 8 }, -EINVAL, 15 },
	{ "LOCK on a load (lock mov eax,[rax])", 64, 3, { 0xf0, 0x8b, 0x00 }, -EILSEQ, 3 },
	{ "LOCK on a store (lock mov [rax],eax)", 64, 3, { 0xf0, 0x89, 0x00 }, -EILSEQ, 3 },
	{ "LOCK on cmp [rax],eax", 64, 3, { 0xf0, 0x39, 0x00 }, -EILSEQ, 3 },
	{ "LOCK on add eax,[rax] (register destination)", 64, 3, { 0xf0, 0x03, 0x00 }, -EILSEQ, 3 },
	{ "LOCK on test [rax],eax", 64, 3, { 0xf0, 0x85, 0x00 }, -EILSEQ, 3 },
	{ "LOCK on bt [rax],eax", 64, 4, { 0xf0, 0x0f, 0xa3, 0x00 }, -EILSEQ, 4 },
	{ "LOCK on cpuid", 64, 3, { 0xf0, 0x0f, 0xa2 }, -EILSEQ, 3 },
	{ "LOCK on movsb", 64, 2, { 0xf0, 0xa4 }, -EILSEQ, 2 },
	{ "LOCK on mov cr4,rax", 64, 4, { 0xf0, 0x0f, 0x22, 0xe0 }, -EILSEQ, 4 },
	{ "mov cr1 is #UD", 64, 3, { 0x0f, 0x22, 0xc8 }, -EOPNOTSUPP, 3 },
	{ "mov cr5 is #UD", 32, 3, { 0x0f, 0x22, 0xe8 }, -EOPNOTSUPP, 3 },
	{ "mov cr12 (REX.R cr4) is #UD", 64, 4, { 0x44, 0x0f, 0x22, 0xe0 }, -EOPNOTSUPP, 4 },
	{ "LOCK on add [rax],eax is fine", 64, 3, { 0xf0, 0x01, 0x00 }, 0, 3 },
	{ "register form add eax,ecx refused", 64, 2, { 0x01, 0xc8 }, -EOPNOTSUPP, 2 },
	{ "register form mov eax,ecx refused", 32, 2, { 0x89, 0xc8 }, -EOPNOTSUPP, 2 },
	{ "ud2 unknown", 64, 2, { 0x0f, 0x0b }, -EOPNOTSUPP, 2 },
	{ "nop unknown", 64, 1, { 0x90 }, -EOPNOTSUPP, 1 },
	{ "syscall unknown", 64, 2, { 0x0f, 0x05 }, -EOPNOTSUPP, 2 },
	{ "0F 01 D8 (VMRUN) unknown", 64, 3, { 0x0f, 0x01, 0xd8 }, -EOPNOTSUPP, 3 },
	{ "C6 /1 unknown", 64, 3, { 0xc6, 0x08, 0x00 }, -EOPNOTSUPP, 0 },
	{ "F7 /2 (NOT) unknown", 64, 2, { 0xf7, 0x10 }, -EOPNOTSUPP, 0 },
	{ "0F BA /0 unknown", 64, 4, { 0x0f, 0xba, 0x00, 0x01 }, -EOPNOTSUPP, 0 },
	{ "63 is ARPL in 32-bit mode", 32, 2, { 0x63, 0x00 }, -EOPNOTSUPP, 1 },
	{ "40 is INC in 32-bit mode", 32, 3, { 0x40, 0x89, 0x00 }, -EOPNOTSUPP, 1 },
	{ "82 unknown", 32, 3, { 0x82, 0x00, 0x01 }, -EOPNOTSUPP, 1 },
	{ "code_bits 8", 8, 1, { 0xf4 }, -EINVAL, 0 },
	{ "code_bits 0", 0, 1, { 0xf4 }, -EINVAL, 0 },
	{ "empty buffer", 64, 0, { 0 }, -EAGAIN, 0 },
	{ "prefixes only", 64, 3, { 0x66, 0x67, 0x48 }, -EAGAIN, 3 },
};

static void test_negative(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(negs) / sizeof(negs[0]); i++) {
		const struct neg *t = &negs[i];
		struct x86_insn insn;
		u8 *buf = malloc(t->n ? t->n : 1);
		int ret;

		memcpy(buf, t->b, t->n);
		ret = x86_decode(buf, t->n, t->mode, &insn);
		tap_is(ret, t->ret, "%s: returns %d", t->name, t->ret);
		tap_is(t->len ? insn.len : 0, t->len, "%s: length %u", t->name, t->len);
		free(buf);
	}
}

/* Hand-checked details the generator cannot express through as. */
static void test_details(void)
{
	struct x86_insn insn;
	static const u8 rex_then_66[] = { 0x48, 0x66, 0x89, 0x08 };
	static const u8 w_beats_66[] = { 0x66, 0x48, 0x89, 0x08 };
	static const u8 cs_cpuid[] = { 0x2e, 0x0f, 0xa2 };
	static const u8 wbnoinvd[] = { 0xf3, 0x0f, 0x09 };
	static const u8 c7_w[] = { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff };
	static const u8 c7_66[] = { 0x66, 0xc7, 0x00, 0x34, 0x12 };
	static const u8 ss64[] = { 0x36, 0x89, 0x00 };
	static const u8 fs64[] = { 0x64, 0x89, 0x04, 0x24 };
	static const u8 r12[] = { 0x41, 0x89, 0x04, 0x24 };
	static const u8 r13[] = { 0x41, 0x89, 0x45, 0x00 };
	static const u8 abs32[] = { 0x89, 0x05, 0x78, 0x56, 0x34, 0x12 };
	static const u8 moffs67[] = { 0x67, 0xa1, 0xf0, 0xde, 0xbc, 0x9a };
	static const u8 sib_r12_index[] = { 0x42, 0x89, 0x04, 0x20 };
	static const u8 movsxd32[] = { 0x63, 0x00 };
	static const u8 spl[] = { 0x40, 0x88, 0x20 };
	static const u8 ah[] = { 0x88, 0x20 };
	static const u8 stos_fs[] = { 0x64, 0xf3, 0xaa };
	static const u8 cr4_mod0[] = { 0x0f, 0x22, 0x21, 0x90 };
	static const u8 cr4_66w[] = { 0x66, 0x49, 0x0f, 0x22, 0xe7 };

	tap_is(x86_decode(rex_then_66, 4, 64, &insn), 0, "48 66 89 08 decodes");
	tap_is(insn.opsize, 2, "a REX before 66 is ignored: 16-bit store");
	tap_is(x86_decode(w_beats_66, 4, 64, &insn), 0, "66 48 89 08 decodes");
	tap_is(insn.opsize, 8, "REX.W beats 66");
	tap_is(x86_decode(cs_cpuid, 3, 64, &insn), 0, "2E 0F A2 decodes");
	tap_ok(insn.op == X86_OP_CPUID && insn.len == 3, "CS-prefixed CPUID is 3 bytes");
	tap_is(x86_decode(wbnoinvd, 3, 32, &insn), 0, "F3 0F 09 decodes");
	tap_is(insn.op, X86_OP_WBNOINVD, "F3 0F 09 is WBNOINVD");
	tap_is(x86_decode(wbnoinvd + 1, 2, 32, &insn), 0, "0F 09 decodes");
	tap_is(insn.op, X86_OP_WBINVD, "0F 09 is WBINVD");
	tap_is(x86_decode(c7_w, 7, 64, &insn), 0, "48 C7 /0 imm32 decodes");
	tap_ok(insn.len == 7 && insn.opsize == 8 && insn.imm == -1,
	       "REX.W C7 takes imm32 sign-extended to 64 bits");
	tap_is(x86_decode(c7_66, 5, 64, &insn), 0, "66 C7 /0 imm16 decodes");
	tap_ok(insn.len == 5 && insn.opsize == 2 && insn.imm == 0x1234, "66 C7 takes imm16");
	tap_is(x86_decode(ss64, 3, 64, &insn), 0, "36 89 00 decodes");
	tap_ok(insn.len == 3 && insn.mem.seg == X86_SEG_DS,
	       "SS override ignored in 64-bit mode but counted");
	tap_is(x86_decode(ss64, 3, 32, &insn), 0, "36 89 00 decodes in 32-bit mode");
	tap_is(insn.mem.seg, X86_SEG_SS, "SS override honoured in 32-bit mode");
	tap_is(x86_decode(fs64, 4, 64, &insn), 0, "64 89 04 24 decodes");
	tap_ok(insn.mem.seg == X86_SEG_FS && insn.mem.base == 4,
	       "FS override kept in 64-bit mode over the SS default of RSP");
	tap_is(x86_decode(r12, 4, 64, &insn), 0, "[r12] decodes");
	tap_ok(insn.mem.base == 12 && insn.mem.seg == X86_SEG_DS, "r12 base defaults to DS");
	tap_is(x86_decode(r13, 4, 64, &insn), 0, "[r13+0] decodes");
	tap_ok(insn.mem.base == 13 && insn.mem.seg == X86_SEG_DS, "r13 base defaults to DS");
	tap_is(x86_decode(abs32, 6, 32, &insn), 0, "32-bit mod 00 rm 101 decodes");
	tap_ok(!insn.mem.rip_rel && insn.mem.base == -1 && insn.mem.disp == 0x12345678,
	       "in 32-bit mode mod 00 rm 101 is disp32 absolute");
	tap_is(x86_decode(abs32, 6, 64, &insn), 0, "64-bit mod 00 rm 101 decodes");
	tap_ok(insn.mem.rip_rel && insn.mem.base == -1, "in 64-bit mode it is RIP-relative");
	tap_is(x86_decode(moffs67, 6, 64, &insn), 0, "67 A1 moffs32 decodes");
	tap_ok(insn.len == 6 && insn.addrsize == 4 && insn.mem.disp == 0x9abcdef0,
	       "67 A1 in 64-bit mode: 4-byte moffs, zero-extended");
	tap_is(x86_decode(sib_r12_index, 4, 64, &insn), 0, "REX.X SIB index 100 decodes");
	tap_is(insn.mem.index, 12, "SIB index 100 with REX.X is r12, not none");
	tap_is(x86_decode(movsxd32, 2, 64, &insn), 0, "63 without REX.W decodes");
	tap_ok(insn.op == X86_OP_MOVSX && insn.opsize == 4 && insn.memsize == 4,
	       "MOVSXD without REX.W: 32-bit load");
	tap_is(x86_decode(spl, 3, 64, &insn), 0, "40 88 20 decodes");
	tap_ok(insn.reg == 4 && !insn.reg_high8, "register 4 with REX is SPL");
	tap_is(x86_decode(ah, 2, 64, &insn), 0, "88 20 decodes");
	tap_ok(insn.reg == 4 && insn.reg_high8, "register 4 without REX is AH");
	tap_is(x86_decode(stos_fs, 3, 32, &insn), 0, "64 F3 AA decodes");
	tap_ok(insn.mem.seg == X86_SEG_ES && insn.rep == X86_REP_REPE,
	       "STOS destination stays ES under an FS override");
	tap_is(x86_decode(cr4_mod0, 4, 64, &insn), 0, "0F 22 21 (mod 00) decodes");
	tap_ok(insn.op == X86_OP_MOV_TO_CR && insn.len == 3 && insn.cr == 4 &&
	       insn.reg == 1 && !insn.has_mem,
	       "MOV to CR ignores mod: register form, no SIB or displacement");
	tap_is(x86_decode(cr4_66w, 5, 64, &insn), 0, "66 49 0F 22 E7 decodes");
	tap_ok(insn.cr == 4 && insn.reg == 15 && insn.opsize == 8,
	       "MOV to CR4 from r15: 66 ignored, 64-bit operand");
	tap_is(x86_decode(cr4_66w, 5, 32, &insn), -EOPNOTSUPP,
	       "49 is DEC outside 64-bit mode");
	tap_ok(insn.cr == -1, "a failed decode leaves cr at -1");
	tap_ok(!strcmp(x86_op_name(X86_OP_XSETBV), "xsetbv") &&
	       !strcmp(x86_op_name(X86_OP_NR), "unknown") &&
	       !strcmp(x86_op_name(1000), "unknown"), "x86_op_name");
}

int main(void)
{
	test_generated();
	test_negative();
	test_details();
	return tap_done();
}
