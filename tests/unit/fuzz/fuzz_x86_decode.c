// SPDX-License-Identifier: MIT
/*
 * libFuzzer target of the instruction decoder (kmod/x86/x86_decode.c).
 * Input: one byte choosing the mode (16/32/64), the rest are instruction
 * bytes. They are copied into a heap buffer of exactly their size, and
 * everything past X86_INSN_MAX_LEN is poisoned, so that a read past
 * @avail or past 15 bytes is an AddressSanitizer report; the invariants
 * of x86_decode.h are checked on every result (abort() on a violation).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "x86_decode.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int in(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

static int size_ok(unsigned int s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static void check_mem(const struct x86_mem_operand *m)
{
	CHECK(m->seg <= X86_SEG_GS);
	CHECK(in(m->base, -1, 15));
	CHECK(in(m->index, -1, 15) && m->index != 4);
	CHECK(size_ok(m->scale));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int modes[4] = { 16, 32, 64, 64 };
	struct x86_insn insn, again;
	unsigned int mode, avail;
	uint8_t *buf;
	int ret;

	if (size < 1)
		return 0;
	mode = modes[data[0] & 3];
	avail = size - 1;
	buf = malloc(avail ? avail : 1);
	memcpy(buf, data + 1, avail);
	if (avail > X86_INSN_MAX_LEN)
		ASAN_POISON_MEMORY_REGION(buf + X86_INSN_MAX_LEN, avail - X86_INSN_MAX_LEN);

	ret = x86_decode(buf, avail, mode, &insn);
	CHECK(insn.len <= X86_INSN_MAX_LEN && insn.len <= avail);
	CHECK(!memcmp(insn.bytes, buf, insn.len));
	if (ret) {
		CHECK(ret == -EOPNOTSUPP || ret == -EILSEQ || ret == -EAGAIN || ret == -EINVAL);
		CHECK(ret != -EAGAIN || insn.len == avail);
		CHECK(ret != -EINVAL || insn.len == X86_INSN_MAX_LEN);
		goto out;
	}
	CHECK(insn.len >= 1);
	CHECK(in(insn.op, 1, X86_OP_NR - 1));
	CHECK(strcmp(x86_op_name(insn.op), "unknown"));
	CHECK(size_ok(insn.opsize));
	CHECK(insn.addrsize == 2 || insn.addrsize == 4 || insn.addrsize == 8);
	CHECK(insn.rep <= X86_REP_REPNE);
	CHECK(in(insn.reg, -1, 15));
	CHECK(!insn.reg_high8 || in(insn.reg, 4, 7));
	CHECK(!insn.has_mem || size_ok(insn.memsize));
	CHECK(!insn.has_mem || insn.mem_read || insn.mem_write);
	CHECK(insn.has_mem || (!insn.mem_read && !insn.mem_write));
	CHECK(!insn.mem.rip_rel || (mode == 64 && insn.mem.base == -1));
	if (insn.has_mem)
		check_mem(&insn.mem);
	if (insn.op == X86_OP_MOVS)
		check_mem(&insn.mem2);

	/* The same bytes, exactly as many: the same result. */
	CHECK(x86_decode(buf, insn.len, mode, &again) == 0);
	CHECK(!memcmp(&insn, &again, sizeof(insn)));
	/* One byte fewer: it asks for more. */
	CHECK(x86_decode(buf, insn.len - 1, mode, &again) == -EAGAIN);
out:
	if (avail > X86_INSN_MAX_LEN)
		ASAN_UNPOISON_MEMORY_REGION(buf + X86_INSN_MAX_LEN, avail - X86_INSN_MAX_LEN);
	free(buf);
	return 0;
}
