/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal header of the SVM instruction emulation: svm_emul.c (fetch,
 * translation, operands, MMIO, instruction lengths) and svm_strio.c
 * (string port I/O) share these. Nothing else includes it.
 */
#ifndef _AXVCPU_X86_SVM_EMUL_H
#define _AXVCPU_X86_SVM_EMUL_H

#include "svm.h"
#include "x86_decode.h"
#include "x86_walk.h"

/* Internal results of the emulation helpers (negative: a host errno). */
enum svm_emul_res {
	SVM_EMUL_OK = 0,
	SVM_EMUL_FAULT,		/* an exception was injected: exit NOTHING */
	SVM_EMUL_FAIL,		/* run->internal filled: INTERNAL_ERROR */
	SVM_EMUL_RETRY,		/* nothing to emulate: re-enter the guest */
};

/**
 * struct svm_emul_ctx - what one emulation needs from the VCPU.
 * @v:         the VCPU.
 * @run:       the exit being filled.
 * @mmu:       the guest's paging state, for x86_walk().
 * @ops:       guest physical memory for the walker.
 * @host_err:  an error of axvcpu_vm_read() seen by the walker.
 * @nosleep:   the caller may not sleep (the VCPU is held) and holds
 *             axvcpu_vm_mmu_lock(): guest memory is read only where the
 *             nested table maps it (svm_read_mapped()), never written.
 * @would_block: with @nosleep, an access needed the sleeping path; the
 *             fetch stopped before anything took effect.
 * @long64:    64-bit mode.
 * @code_bits: 16, 32 or 64 (default operand/address size of CS).
 */
struct svm_emul_ctx {
	struct svm_vcpu *v;
	struct axvcpu_run *run;
	struct x86_mmu_state mmu;
	struct x86_mem_ops ops;
	int host_err;
	bool nosleep;
	bool would_block;
	bool long64;
	unsigned int code_bits;
};

static inline u64 svm_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (bytes * 8)) - 1;
}

/* svm_emul.c */
u64 svm_emul_ea(struct svm_emul_ctx *ctx, const struct x86_insn *insn,
		const struct x86_mem_operand *m);
void svm_emul_fail(struct svm_emul_ctx *ctx, const u8 *bytes, unsigned int len);
int svm_emul_fetch(struct svm_emul_ctx *ctx, struct x86_insn *insn);
void svm_emul_init(struct svm_emul_ctx *ctx, struct svm_vcpu *v, struct axvcpu_run *run);
bool svm_emul_is_ram(struct svm_emul_ctx *ctx, u64 gpa);
int svm_emul_linear(struct svm_emul_ctx *ctx, unsigned int seg, u64 offset,
		    unsigned int len, u32 access, u64 *linear);
int svm_emul_result(struct svm_vcpu *v, struct axvcpu_run *run, int ret);
void svm_emul_string_done(struct svm_vcpu *v, const struct x86_insn *insn,
			  unsigned int width, u64 n, bool si, bool di, u64 next_rip);
int svm_emul_walk(struct svm_emul_ctx *ctx, u64 linear, u32 access, u64 *gpa);

#endif /* _AXVCPU_X86_SVM_EMUL_H */
