// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction emulation of the SVM backend: what a #VMEXIT does not tell
 * and the kernel must read from the guest's own instruction stream.
 *
 *  - MMIO: a nested page fault on a guest physical address outside guest
 *    RAM. Neither QEMU model has decode assists, so the instruction is
 *    fetched at CS:RIP through the guest's segments and page tables
 *    (x86_seg_linear(), x86_walk()), decoded (x86_decode()) and turned
 *    into MMIO_READ / MMIO_WRITE exits; the kernel finishes it at the next
 *    RUN (loads, read-modify-write through x86_alu(), REP string steps).
 *  - String port I/O (INS/OUTS, with and without REP) through the data
 *    page (svm_strio.c): the decoder gives the segment, address size and
 *    operand.
 *  - The length of intercepted instructions when the CPU does not save
 *    the next RIP.
 *
 * Pending state (what the next RUN completes) lives in &svm_vcpu.emul,
 * never in the run page: user space only supplies values. RIP stays on
 * the instruction until it has completed, so the core's "RIP unchanged"
 * rule for completions applies to the whole instruction; REP forms move
 * RCX/RSI/RDI per element and RIP only after the last one, as the CPU
 * does, so an interrupt between elements re-executes the REP with the
 * count left. Documentation/api.rst ("MMIO and string I/O emulation")
 * lists every form and the completion rules.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/processor-flags.h>

#include "svm_emul.h"
#include "x86_alu.h"

/* EXITINFO1 of NPF (APM vol. 2, 15.25.6): what the faulting access was. */
#define SVM_NPF_FINAL_GPA	BIT_ULL(32)	/* the final guest physical address */
#define SVM_NPF_PAGE_TABLE	BIT_ULL(33)	/* a guest page-table access */

/* ---- Guest memory and translation ------------------------------------ */

/*
 * The walker's reads: -ENOENT (a page table outside RAM) is kept, any
 * other failure is the host's and is reported as -ENXIO to keep it apart
 * from the walker's own -EFAULT (a guest fault).
 */
static int svm_emul_read(struct svm_emul_ctx *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct axvcpu_vm *vm = axvcpu_vcpu_vm(ctx->v->vcpu);
	int ret;

	if (!ctx->nosleep)
		return axvcpu_vm_read(vm, gpa, buf, len);
	ret = svm_read_mapped(ctx->v, gpa, buf, len);
	if (ret == -EWOULDBLOCK)
		ctx->would_block = true;
	return ret;
}

static int svm_emul_walk_read(void *c, u64 gpa, void *buf, unsigned int len)
{
	struct svm_emul_ctx *ctx = c;
	int ret = svm_emul_read(ctx, gpa, buf, len);

	if (ret && ret != -ENOENT) {
		ctx->host_err = ret;
		return -ENXIO;
	}
	return ret;
}

static int svm_emul_walk_write(void *c, u64 gpa, const void *buf, unsigned int len)
{
	struct svm_emul_ctx *ctx = c;
	int ret;

	/* An accessed or dirty bit to set: only the sleeping path writes. */
	if (ctx->nosleep) {
		ctx->would_block = true;
		ctx->host_err = -EWOULDBLOCK;
		return -ENXIO;
	}
	ret = axvcpu_vm_write(axvcpu_vcpu_vm(ctx->v->vcpu), gpa, buf, len);

	if (ret && ret != -ENOENT) {
		ctx->host_err = ret;
		return -ENXIO;
	}
	return ret;
}

static const struct svm_vmcb_seg *svm_emul_vmcb_seg(struct svm_vcpu *v, unsigned int idx)
{
	struct svm_vmcb_save *save = &v->vmcb->save;

	switch (idx) {
	case X86_SEG_ES:
		return &save->es;
	case X86_SEG_CS:
		return &save->cs;
	case X86_SEG_SS:
		return &save->ss;
	case X86_SEG_FS:
		return &save->fs;
	case X86_SEG_GS:
		return &save->gs;
	default:
		return &save->ds;
	}
}

void svm_emul_init(struct svm_emul_ctx *ctx, struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_save *save = &v->vmcb->save;

	memset(ctx, 0, sizeof(*ctx));
	ctx->v = v;
	ctx->run = run;
	ctx->mmu.cr0 = save->cr0;
	ctx->mmu.cr3 = save->cr3;
	ctx->mmu.cr4 = save->cr4;
	ctx->mmu.efer = save->efer;
	ctx->mmu.rflags = save->rflags;
	ctx->mmu.cpl = save->cpl;
	/* Read after the exit (svm_run()); only used with guest CR4.PKE. */
	ctx->mmu.pkru = v->pkru;
	ctx->mmu.maxphyaddr = svm_host.limits.maxphyaddr;
	ctx->ops.read = svm_emul_walk_read;
	ctx->ops.write = svm_emul_walk_write;
	ctx->ops.ctx = ctx;
	ctx->long64 = (save->efer & X86_EFER_LMA) && (save->cs.attrib & SVM_SEG_ATTR_L);
	if (ctx->long64)
		ctx->code_bits = 64;
	else if ((save->cr0 & X86_CR0_PE) && !(save->rflags & X86_EFLAGS_VM) &&
		 (save->cs.attrib & SVM_SEG_ATTR_DB))
		ctx->code_bits = 32;
	else if (!(save->cr0 & X86_CR0_PE) && (save->cs.attrib & SVM_SEG_ATTR_DB))
		ctx->code_bits = 32;	/* real mode with a 32-bit CS cache */
	else
		ctx->code_bits = 16;
}

/* RIP after @len bytes: IP wraps at 64 KiB in 16-bit code, EIP at 4 GiB. */
static u64 svm_emul_rip_add(const struct svm_emul_ctx *ctx, u64 rip, u64 len)
{
	if (ctx->code_bits == 64)
		return rip + len;
	if (ctx->code_bits == 32)
		return (u32)(rip + len);
	return (u16)(rip + len);
}

static void svm_emul_inject(struct svm_emul_ctx *ctx, const struct x86_fault *f)
{
	if (f->vector == X86_VEC_PF)
		ctx->v->vmcb->save.cr2 = f->cr2;
	svm_inject_exception(ctx->v, f->vector, f->has_error, f->error_code);
}

void svm_emul_fail(struct svm_emul_ctx *ctx, const u8 *bytes, unsigned int len)
{
	struct axvcpu_run *run = ctx->run;

	svm_exit_set(run, AXVCPU_EXIT_INTERNAL_ERROR);
	run->internal.suberror = AXVCPU_INTERNAL_EMULATION;
	run->internal.code = ctx->v->vmcb->control.exit_code;
	len = min_t(unsigned int, len, sizeof(run->internal.insn));
	run->internal.insn_len = len;
	if (bytes)
		memcpy(run->internal.insn, bytes, len);
}

/*
 * Linear address to guest physical: 0, SVM_EMUL_FAULT (injected), or a
 * negative errno (-ENOENT: a page table outside guest RAM).
 */
int svm_emul_walk(struct svm_emul_ctx *ctx, u64 linear, u32 access, u64 *gpa)
{
	struct x86_fault fault;
	int ret;

	ret = x86_walk(&ctx->mmu, &ctx->ops, linear, access, gpa, &fault);
	if (ret == -EFAULT) {
		svm_emul_inject(ctx, &fault);
		return SVM_EMUL_FAULT;
	}
	if (ret == -ENXIO)
		return ctx->host_err;
	return ret;
}

/* seg:offset to linear with the segment checks: 0 or SVM_EMUL_FAULT. */
int svm_emul_linear(struct svm_emul_ctx *ctx, unsigned int seg, u64 offset,
			   unsigned int len, u32 access, u64 *linear)
{
	struct axvcpu_segment s;
	struct x86_fault fault;

	svm_seg_store(svm_emul_vmcb_seg(ctx->v, seg), &s);
	if (x86_seg_linear(&ctx->mmu, &s, seg, ctx->long64, offset, len, access,
			   linear, &fault)) {
		svm_emul_inject(ctx, &fault);
		return SVM_EMUL_FAULT;
	}
	return 0;
}

bool svm_emul_is_ram(struct svm_emul_ctx *ctx, u64 gpa)
{
	u8 b;

	return axvcpu_vm_read(axvcpu_vcpu_vm(ctx->v->vcpu), gpa, &b, 1) != -ENOENT;
}

/*
 * Fetch and decode the instruction at CS:RIP. Returns 0, SVM_EMUL_FAULT
 * (the fetch faulted where the instruction needed the bytes),
 * SVM_EMUL_FAIL (undecodable: INTERNAL_ERROR with the bytes fetched) or
 * a negative errno of the host.
 */
int svm_emul_fetch(struct svm_emul_ctx *ctx, struct x86_insn *insn)
{
	struct svm_vmcb_save *save = &ctx->v->vmcb->save;
	u64 mask = ctx->code_bits == 64 ? ~0ULL : ctx->code_bits == 32 ? 0xffffffffULL : 0xffffULL;
	u64 lins[X86_INSN_MAX_LEN], gpa;
	struct axvcpu_segment cs;
	struct x86_fault fault, first_fault, seg_fault;
	bool faulted = false, seg_faulted = false;
	u8 buf[X86_INSN_MAX_LEN];
	unsigned int n, limit, chunk;
	int ret;

	svm_seg_store(&save->cs, &cs);
	/*
	 * The common case first: all fifteen bytes pass the segment checks
	 * and neither IP/EIP nor the linear address wraps, so one check
	 * covers them and they are linearly contiguous.
	 */
	if (mask - (save->rip & mask) >= X86_INSN_MAX_LEN - 1 &&
	    !x86_seg_linear(&ctx->mmu, &cs, X86_SEG_CS, ctx->long64, save->rip & mask,
			    X86_INSN_MAX_LEN, X86_ACC_FETCH, &lins[0], &seg_fault) &&
	    (ctx->long64 || lins[0] + X86_INSN_MAX_LEN - 1 <= 0xffffffffULL)) {
		for (limit = 1; limit < X86_INSN_MAX_LEN; limit++)
			lins[limit] = lins[0] + limit;
		goto checked;
	}
	/* Otherwise byte by byte: the limit may end mid-instruction. */
	for (limit = 0; limit < X86_INSN_MAX_LEN; limit++) {
		if (x86_seg_linear(&ctx->mmu, &cs, X86_SEG_CS, ctx->long64,
				   (save->rip + limit) & mask, 1, X86_ACC_FETCH, &lins[limit],
				   &seg_fault)) {
			seg_faulted = true;
			break;
		}
	}
checked:

	/*
	 * Then one walk and one copy per run of bytes that are linearly
	 * contiguous within a page (a wrap of IP or EIP starts a new run):
	 * an intercepted CPUID costs one guest memory read, not fifteen.
	 */
	for (n = 0; n < limit; n += chunk) {
		for (chunk = 1; n + chunk < limit; chunk++)
			if (lins[n + chunk] != lins[n] + chunk ||
			    ((lins[n] + chunk) & PAGE_MASK) != (lins[n] & PAGE_MASK))
				break;
		ret = x86_walk(&ctx->mmu, &ctx->ops, lins[n], X86_ACC_FETCH, &gpa, &fault);
		if (ctx->would_block)
			return -EWOULDBLOCK;
		if (ret == -EFAULT) {
			first_fault = fault;
			faulted = true;
			break;
		}
		if (ret == -ENXIO)
			return ctx->host_err;
		if (ret)
			break;		/* page table outside RAM */
		ret = svm_emul_read(ctx, gpa, &buf[n], chunk);
		if (ctx->would_block)
			return -EWOULDBLOCK;
		if (ret == -ENOENT)
			break;		/* code outside RAM: not ours to run */
		if (ret)
			return ret;
	}
	/* The segment's fault counts only where the bytes before it were read. */
	if (!faulted && seg_faulted && n == limit) {
		first_fault = seg_fault;
		faulted = true;
	}

	ret = x86_decode(buf, n, ctx->code_bits, insn);
	if (!ret)
		return 0;
	/*
	 * LOCK where it may not be: #UD. A CPU raises it before any access;
	 * QEMU 7.2's TCG performs a locked load from MMIO instead, and the
	 * nested page fault brings it here.
	 */
	if (ret == -EILSEQ) {
		svm_inject_exception(ctx->v, VMCB_VEC_UD, false, 0);
		return SVM_EMUL_FAULT;
	}
	if (ret == -EAGAIN && faulted) {
		svm_emul_inject(ctx, &first_fault);
		return SVM_EMUL_FAULT;
	}
	svm_emul_fail(ctx, buf, n);
	return SVM_EMUL_FAIL;
}

/* ---- Operands --------------------------------------------------------- */

u64 svm_emul_ea(struct svm_emul_ctx *ctx, const struct x86_insn *insn,
		       const struct x86_mem_operand *m)
{
	u64 ea = m->disp;

	if (m->base >= 0)
		ea += svm_gpr_read(ctx->v, m->base);
	if (m->index >= 0)
		ea += svm_gpr_read(ctx->v, m->index) * m->scale;
	if (m->rip_rel)
		ea += ctx->v->vmcb->save.rip + insn->len;
	return ea & svm_mask(insn->addrsize);
}

/*
 * Where the @width bytes of memory operand @m are: their guest physical
 * address and whether it is guest RAM. @hint is EXITINFO2 for the operand
 * the CPU faulted on (~0 when unknown): it is used as is when the access
 * stays within one page. An access crossing a page boundary is one
 * access only when both halves are outside RAM and physically contiguous;
 * any other split is SVM_EMUL_FAIL (see api.rst).
 */
static int svm_emul_locate(struct svm_emul_ctx *ctx, const struct x86_insn *insn,
			   const struct x86_mem_operand *m, unsigned int width, u32 access,
			   u64 hint, u64 *gpa, bool *ram)
{
	u64 lin, lo, hi;
	int ret;

	ret = svm_emul_linear(ctx, m->seg, svm_emul_ea(ctx, insn, m), width, access, &lin);
	if (ret)
		return ret;
	if ((lin & ~PAGE_MASK) + width <= PAGE_SIZE) {
		if (hint != ~0ULL && (hint & ~PAGE_MASK) == (lin & ~PAGE_MASK)) {
			*gpa = hint;
			*ram = false;
			return 0;
		}
		ret = svm_emul_walk(ctx, lin, access, gpa);
		if (ret)
			return ret;
		*ram = svm_emul_is_ram(ctx, *gpa);
		return 0;
	}
	ret = svm_emul_walk(ctx, lin, access, &lo);
	if (ret)
		return ret;
	ret = svm_emul_walk(ctx, lin + width - 1, access, &hi);
	if (ret)
		return ret;
	*ram = svm_emul_is_ram(ctx, lo);
	if (*ram != svm_emul_is_ram(ctx, hi) || (!*ram && hi != lo + width - 1)) {
		svm_emul_fail(ctx, insn->bytes, insn->len);
		return SVM_EMUL_FAIL;
	}
	*gpa = lo;
	return 0;
}

/* The register operand's value (AH..BH for reg_high8), @bytes wide. */
static u64 svm_emul_reg_get(struct svm_vcpu *v, const struct x86_insn *insn, unsigned int bytes)
{
	if (insn->reg_high8)
		return (svm_gpr_read(v, insn->reg - 4) >> 8) & 0xff;
	return svm_gpr_read(v, insn->reg) & svm_mask(bytes);
}

/* Write the register operand as an instruction of @bytes operand size. */
static void svm_emul_reg_put(struct svm_vcpu *v, const struct x86_insn *insn, u64 val,
			     unsigned int bytes)
{
	u64 old;

	if (insn->reg_high8) {
		old = svm_gpr_read(v, insn->reg - 4);
		svm_gpr_write(v, insn->reg - 4, (old & ~0xff00ULL) | ((val & 0xff) << 8));
		return;
	}
	svm_gpr_write_width(v, insn->reg, val, bytes);
}

/* The MMIO_READ reg field: 0-15, AXVCPU_MMIO_REG_AH..BH, or NONE. */
static u8 svm_emul_abi_reg(const struct x86_insn *insn)
{
	if (insn->reg < 0)
		return AXVCPU_MMIO_REG_NONE;
	if (insn->reg_high8)
		return AXVCPU_MMIO_REG_AH + insn->reg - 4;
	return insn->reg;
}

/* The opcode byte, after legacy prefixes and REX. */
static u8 svm_emul_opcode(const struct svm_emul_ctx *ctx, const struct x86_insn *insn)
{
	unsigned int i;

	for (i = 0; i < insn->len; i++) {
		u8 b = insn->bytes[i];

		switch (b) {
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
			continue;
		}
		if (ctx->long64 && (b & 0xf0) == 0x40)
			continue;
		return b;
	}
	return 0;
}

/*
 * Does the instruction's memory operand come first (destination, or the
 * left side of CMP)? Every ALU form writing memory does; CMP with an
 * immediate or in its 38/39 form; TEST and the bit tests always.
 */
static bool svm_emul_mem_first(const struct svm_emul_ctx *ctx, const struct x86_insn *insn)
{
	switch (insn->op) {
	case X86_OP_CMP:
		return insn->has_imm || !(svm_emul_opcode(ctx, insn) & 2);
	case X86_OP_TEST:
	case X86_OP_BT:
	case X86_OP_BTS:
	case X86_OP_BTR:
	case X86_OP_BTC:
		return true;
	default:
		return insn->mem_write;
	}
}

/* ---- Completion ------------------------------------------------------- */

/*
 * A string instruction moved @n elements: rSI and/or rDI move by the
 * element size in the direction of RFLAGS.DF (in the address size), and
 * with REP rCX counts down; the instruction completes (RIP moves on) when
 * it was not a REP or rCX reached zero.
 */
void svm_emul_string_done(struct svm_vcpu *v, const struct x86_insn *insn,
				 unsigned int width, u64 n, bool si, bool di, u64 next_rip)
{
	u64 mask = svm_mask(insn->addrsize);
	u64 step = n * width;
	u64 rcx;

	if (v->vmcb->save.rflags & X86_EFLAGS_DF)
		step = -step;
	if (si)
		svm_gpr_write_width(v, SVM_RSI, (svm_gpr_read(v, SVM_RSI) + step) & mask,
				    insn->addrsize);
	if (di)
		svm_gpr_write_width(v, SVM_RDI, (svm_gpr_read(v, SVM_RDI) + step) & mask,
				    insn->addrsize);
	if (insn->rep) {
		rcx = (svm_gpr_read(v, SVM_RCX) - n) & mask;
		svm_gpr_write_width(v, SVM_RCX, rcx, insn->addrsize);
		if (rcx)
			return;
	}
	svm_complete_insn(v, next_rip);
}

static bool svm_emul_is_string(const struct x86_insn *insn)
{
	return insn->op == X86_OP_MOVS || insn->op == X86_OP_STOS || insn->op == X86_OP_LODS;
}

/* Finish a memory instruction whose last MMIO access is done. */
static void svm_emul_finish(struct svm_vcpu *v, const struct x86_insn *insn, u64 next_rip)
{
	if (svm_emul_is_string(insn))
		svm_emul_string_done(v, insn, insn->memsize, 1, insn->op != X86_OP_STOS,
				     insn->op != X86_OP_LODS, next_rip);
	else
		svm_complete_insn(v, next_rip);
}

static void svm_emul_write_exit(struct axvcpu_run *run, u64 gpa, unsigned int width, u64 data)
{
	svm_exit_set(run, AXVCPU_EXIT_MMIO_WRITE);
	run->mmio.gpa = gpa;
	run->mmio.width = width;
	run->mmio.reg = AXVCPU_MMIO_REG_NONE;
	run->mmio.data = data & svm_mask(width);
}

static void svm_emul_read_exit(struct svm_vcpu *v, struct axvcpu_run *run, u64 gpa,
			       unsigned int width, u8 reg, u8 reg_width, bool sign_extend)
{
	svm_exit_set(run, AXVCPU_EXIT_MMIO_READ);
	run->mmio.gpa = gpa;
	run->mmio.width = width;
	run->mmio.reg = reg;
	run->mmio.reg_width = reg_width;
	run->mmio.sign_extend = sign_extend;
	v->read.reason = AXVCPU_EXIT_MMIO_READ;
	v->read.width = width;
	v->read.reg = reg;
	v->read.reg_width = reg_width;
	v->read.sign_extend = sign_extend;
	v->emul.rip = v->vmcb->save.rip;
}

/**
 * svm_emul_complete_mmio() - apply the value of an MMIO_READ (called by
 * svm_complete_read(), RIP unchanged since the exit).
 * @v:   the VCPU.
 * @val: the value user space supplied, @v->emul.width bytes used.
 *
 * Loads write the register; ALU forms compute the result and RFLAGS and,
 * when they write memory, leave the MMIO_WRITE half for svm_emul_resume();
 * XCHG does the same with the register's old value; a MOVS from MMIO
 * stores the element into RAM (or leaves the write for MMIO).
 */
void svm_emul_complete_mmio(struct svm_vcpu *v, u64 val)
{
	struct svm_emul *e = &v->emul;
	const struct x86_insn *insn = &e->insn;
	struct svm_vmcb_save *save = &v->vmcb->save;
	u64 dst, src, res, rflags;

	e->pending = false;
	if (!e->active || save->rip != e->rip)
		return;
	e->active = false;
	val &= svm_mask(e->width);

	switch (insn->op) {
	case X86_OP_MOV:
	case X86_OP_MOVZX:
	case X86_OP_LODS:
		svm_emul_reg_put(v, insn, val, insn->opsize);
		break;
	case X86_OP_MOVSX:
		val = sign_extend64(val, e->width * 8 - 1);
		svm_emul_reg_put(v, insn, val, insn->opsize);
		break;
	case X86_OP_XCHG:
		e->wgpa = e->gpa;
		e->wwidth = e->width;
		e->wdata = svm_emul_reg_get(v, insn, insn->opsize);
		svm_emul_reg_put(v, insn, val, insn->opsize);
		e->pending = true;
		return;
	case X86_OP_MOVS:
		if (e->dst_ram) {
			/* Guest RAM took the element or refused it (read-only). */
			if (axvcpu_vm_write(axvcpu_vcpu_vm(v->vcpu), e->dst_gpa, &val, e->width))
				return;
			break;
		}
		e->wgpa = e->dst_gpa;
		e->wwidth = e->width;
		e->wdata = val;
		e->pending = true;
		return;
	default:
		/* The ALU forms and bit tests. */
		if (e->mem_first) {
			dst = val;
			src = insn->has_imm ? (u64)insn->imm : svm_emul_reg_get(v, insn, insn->opsize);
		} else {
			dst = svm_emul_reg_get(v, insn, insn->opsize);
			src = val;
		}
		src &= svm_mask(insn->opsize);
		if (insn->op >= X86_OP_BT && insn->op <= X86_OP_BTC)
			src &= insn->opsize * 8 - 1;
		rflags = save->rflags;
		res = x86_alu(insn->op, insn->opsize, dst, src, &rflags);
		save->rflags = rflags;
		if (insn->mem_write) {
			e->wgpa = e->gpa;
			e->wwidth = e->width;
			e->wdata = res;
			e->pending = true;
			return;
		}
		if (!e->mem_first && insn->op != X86_OP_CMP && insn->op != X86_OP_TEST)
			svm_emul_reg_put(v, insn, res, insn->opsize);
		break;
	}
	svm_emul_finish(v, insn, e->next_rip);
}

/**
 * svm_emul_pending() - a completed read left an MMIO write to report.
 * @v: the VCPU.
 *
 * Return: true when svm_emul_resume() must run instead of the guest.
 */
bool svm_emul_pending(struct svm_vcpu *v)
{
	return v->emul.pending;
}

/**
 * svm_emul_resume() - report the write half of a read-modify-write, an
 * XCHG or an MMIO-to-MMIO MOVS, and finish the instruction.
 * @v:   the VCPU.
 * @run: the exit to fill.
 *
 * Dropped (exit NOTHING) when RIP moved since the read (SET_REGS between
 * an immediate_exit and this RUN).
 */
void svm_emul_resume(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_emul *e = &v->emul;

	e->pending = false;
	if (v->vmcb->save.rip != e->rip)
		return;
	svm_emul_write_exit(run, e->wgpa, e->wwidth, e->wdata);
	svm_emul_finish(v, &e->insn, e->next_rip);
}

/* ---- MMIO ------------------------------------------------------------- */

static int svm_emul_movs(struct svm_emul_ctx *ctx, const struct x86_insn *insn, u64 next_rip)
{
	struct svm_vcpu *v = ctx->v;
	struct svm_emul *e = &v->emul;
	struct axvcpu_vm *vm = axvcpu_vcpu_vm(v->vcpu);
	unsigned int w = insn->memsize;
	u64 src, dst, val = 0;
	bool src_ram, dst_ram;
	int ret;

	ret = svm_emul_locate(ctx, insn, &insn->mem, w, X86_ACC_READ, ~0ULL, &src, &src_ram);
	if (ret)
		return ret;
	ret = svm_emul_locate(ctx, insn, &insn->mem2, w, X86_ACC_WRITE, ~0ULL, &dst, &dst_ram);
	if (ret)
		return ret;
	if (src_ram && dst_ram)
		return SVM_EMUL_RETRY;	/* both became RAM meanwhile */
	if (src_ram) {
		ret = axvcpu_vm_read(vm, src, &val, w);
		if (ret)
			return ret;
		svm_emul_write_exit(ctx->run, dst, w, val);
		svm_emul_finish(v, insn, next_rip);
		return 0;
	}
	e->dst_gpa = dst;
	e->dst_ram = dst_ram;
	e->gpa = src;
	e->width = w;
	svm_emul_read_exit(v, ctx->run, src, w, AXVCPU_MMIO_REG_NONE, 0, false);
	e->active = true;
	return 0;
}

static int svm_emul_do_mmio(struct svm_emul_ctx *ctx, u64 exit_gpa, bool write)
{
	struct svm_vcpu *v = ctx->v;
	struct svm_emul *e = &v->emul;
	struct x86_insn *insn = &e->insn;
	u64 next_rip, gpa, data;
	unsigned int w;
	bool ram;
	int ret;

	ret = svm_emul_fetch(ctx, insn);
	if (ret)
		return ret;
	next_rip = svm_emul_rip_add(ctx, v->vmcb->save.rip, insn->len);
	e->next_rip = next_rip;
	w = insn->memsize;

	if (!insn->has_mem || insn->op == X86_OP_INS || insn->op == X86_OP_OUTS) {
		svm_emul_fail(ctx, insn->bytes, insn->len);
		return SVM_EMUL_FAIL;
	}
	if (svm_emul_is_string(insn) && insn->rep &&
	    !(svm_gpr_read(v, SVM_RCX) & svm_mask(insn->addrsize))) {
		svm_complete_insn(v, next_rip);		/* no element left */
		return 0;
	}
	if (insn->op == X86_OP_MOVS)
		return svm_emul_movs(ctx, insn, next_rip);

	ret = svm_emul_locate(ctx, insn, &insn->mem, w,
			      insn->mem_write ? X86_ACC_WRITE : X86_ACC_READ,
			      exit_gpa, &gpa, &ram);
	if (ret)
		return ret;
	if (ram)
		return SVM_EMUL_RETRY;
	/* A write fault on a form that only reads (or vice versa): not ours. */
	if (write != insn->mem_write && !insn->mem_read) {
		svm_emul_fail(ctx, insn->bytes, insn->len);
		return SVM_EMUL_FAIL;
	}

	e->gpa = gpa;
	e->width = w;
	switch (insn->op) {
	case X86_OP_MOV:
	case X86_OP_STOS:
		if (insn->mem_write) {
			if (insn->op == X86_OP_STOS)
				data = svm_gpr_read(v, SVM_RAX);
			else if (insn->has_imm)
				data = insn->imm;
			else
				data = svm_emul_reg_get(v, insn, w);
			svm_emul_write_exit(ctx->run, gpa, w, data);
			svm_emul_finish(v, insn, next_rip);
			return 0;
		}
		fallthrough;
	case X86_OP_MOVZX:
	case X86_OP_MOVSX:
	case X86_OP_LODS:
		svm_emul_read_exit(v, ctx->run, gpa, w, svm_emul_abi_reg(insn), insn->opsize,
				   insn->op == X86_OP_MOVSX);
		break;
	case X86_OP_XCHG:
		svm_emul_read_exit(v, ctx->run, gpa, w, svm_emul_abi_reg(insn), insn->opsize,
				   false);
		break;
	case X86_OP_ADD:
	case X86_OP_OR:
	case X86_OP_ADC:
	case X86_OP_SBB:
	case X86_OP_AND:
	case X86_OP_SUB:
	case X86_OP_XOR:
	case X86_OP_CMP:
	case X86_OP_TEST:
	case X86_OP_BT:
	case X86_OP_BTS:
	case X86_OP_BTR:
	case X86_OP_BTC:
		e->mem_first = svm_emul_mem_first(ctx, insn);
		svm_emul_read_exit(v, ctx->run, gpa, w, AXVCPU_MMIO_REG_NONE, 0, false);
		break;
	default:
		svm_emul_fail(ctx, insn->bytes, insn->len);
		return SVM_EMUL_FAIL;
	}
	e->active = true;
	return 0;
}

/* Map the helpers' results to what svm_handle_exit() returns. */
int svm_emul_result(struct svm_vcpu *v, struct axvcpu_run *run, int ret)
{
	if (ret == SVM_EMUL_RETRY) {
		/*
		 * The hardware faulted on MMIO where the guest's page tables
		 * now say RAM: its TLB holds a translation the guest changed
		 * without invalidating it. The CPU may drop such an entry at
		 * any time; drop it now, or the retry would fault the same
		 * way for ever.
		 */
		svm_flush_guest_tlb(v);
	}
	if (ret == SVM_EMUL_FAULT || ret == SVM_EMUL_RETRY) {
		run->exit_reason = AXVCPU_EXIT_NOTHING;
		return 0;
	}
	if (ret == SVM_EMUL_FAIL)
		return 0;
	if (ret == -ENOENT) {
		/* A guest page table outside RAM: nothing to emulate through. */
		svm_exit_set(run, AXVCPU_EXIT_INTERNAL_ERROR);
		run->internal.suberror = AXVCPU_INTERNAL_EMULATION;
		run->internal.code = v->vmcb->control.exit_code;
		return 0;
	}
	return ret;
}

/**
 * svm_emul_mmio() - a nested page fault outside guest RAM.
 * @v:   the VCPU.
 * @run: the exit to fill.
 * @gpa: EXITINFO2, the faulting guest physical address.
 * @err: EXITINFO1.
 *
 * A fault of the guest's own page walk on non-RAM (a page table placed
 * in MMIO) and an instruction fetch are not data accesses: they stay
 * NESTED_PAGE_FAULT exits. Everything else is decoded and emulated.
 * Return: 0 with @run filled, or a host errno (RIP unchanged).
 */
int svm_emul_mmio(struct svm_vcpu *v, struct axvcpu_run *run, u64 gpa, u64 err)
{
	struct svm_emul_ctx ctx;

	v->emul.active = false;
	v->emul.pending = false;
	svm_emul_init(&ctx, v, run);
	return svm_emul_result(v, run, svm_emul_do_mmio(&ctx, gpa, err & VMCB_NPF_WRITE));
}

/**
 * svm_emul_npf_is_data() - may this nested page fault be MMIO?
 * @err: EXITINFO1 of the NPF.
 *
 * Return: false for instruction fetches and faults on the guest's own
 * page tables (EXITINFO1 bit 33).
 */
bool svm_emul_npf_is_data(u64 err)
{
	return !(err & VMCB_NPF_FETCH) && !(err & SVM_NPF_PAGE_TABLE);
}

/* ---- Instruction length ---------------------------------------------- */

/**
 * svm_insn_next_rip() - where the intercepted instruction at RIP ends,
 * for CPUs without next-RIP save: fetched and decoded, so prefixes count
 * and RIP wraps by the code segment's size.
 * @v:    the VCPU.
 * @run:  the exit, filled with INTERNAL_ERROR when the bytes at RIP are
 *        not the instruction the intercept names.
 * @op:   the expected &enum x86_op (WBINVD also accepts WBNOINVD and
 *        INVD: all three are no-ops here, and QEMU reports INVD as WBINVD).
 * @insn: out: the instruction (its operands, for the emulated ones).
 * @next: out: the RIP after the instruction.
 *
 * Return: 0; SVM_EMUL_FAULT or SVM_EMUL_FAIL (positive: @run or the
 * guest's pending event already says what happens), or a host errno.
 */
int svm_insn_next_rip(struct svm_vcpu *v, struct axvcpu_run *run, unsigned int op,
		      struct x86_insn *insn, u64 *next)
{
	struct svm_emul_ctx ctx;
	int ret;

	svm_emul_init(&ctx, v, run);
	/*
	 * Held (svm_vcpu_hold()), the fetch may not sleep: it reads what the
	 * nested table maps (the guest just ran the instruction, so that is
	 * nearly always all of it). Otherwise it stops before any effect, and
	 * runs again after the hold has ended.
	 */
	ctx.nosleep = v->held;
	if (ctx.nosleep) {
		/* One lock for the walk and the bytes (svm_read_mapped()). */
		axvcpu_vm_mmu_lock(axvcpu_vcpu_vm(v->vcpu));
		ret = svm_emul_fetch(&ctx, insn);
		axvcpu_vm_mmu_unlock(axvcpu_vcpu_vm(v->vcpu));
	} else {
		ret = svm_emul_fetch(&ctx, insn);
	}
	if (ctx.would_block) {
		svm_vcpu_put(v);
		svm_emul_init(&ctx, v, run);
		ret = svm_emul_fetch(&ctx, insn);
	}
	if (ret == -ENOENT) {
		svm_emul_fail(&ctx, NULL, 0);
		return SVM_EMUL_FAIL;
	}
	if (ret)
		return ret;
	if (insn->op != op &&
	    !(op == X86_OP_WBINVD && (insn->op == X86_OP_WBNOINVD || insn->op == X86_OP_INVD))) {
		svm_emul_fail(&ctx, insn->bytes, insn->len);
		return SVM_EMUL_FAIL;
	}
	*next = svm_emul_rip_add(&ctx, v->vmcb->save.rip, insn->len);
	return 0;
}
