// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O of the SVM backend: INS and OUTS, with and without REP,
 * through the VCPU's data page. The decoder gives the segment, address
 * size and operand; one exit moves as many elements as fit in the data
 * page and are contiguous in guest memory. An INS is finished at the next
 * RUN (svm_emul_complete_ins()). The fetch, translation and completion
 * helpers are svm_emul.c's (svm_emul.h).
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/page.h>

#include "svm_emul.h"

/* ---- String port I/O -------------------------------------------------- */

/*
 * The guest memory of up to a data page of elements, translated page by
 * page: the linear page and its guest physical page, at most one per
 * page the elements touch (a data page of elements spans three at most,
 * four with a wrap of the address size).
 */
static int svm_emul_tlb_fill(struct svm_emul_ctx *ctx, struct svm_emul *e, u64 lin, u32 access)
{
	unsigned int i;
	u64 gpa;
	int ret;

	for (i = 0; i < e->tlb_n; i++)
		if (e->tlb_lin[i] == (lin & PAGE_MASK))
			return 0;
	if (e->tlb_n == ARRAY_SIZE(e->tlb_lin))
		return SVM_EMUL_RETRY;
	ret = svm_emul_walk(ctx, lin, access, &gpa);
	if (ret)
		return ret;
	if (!svm_emul_is_ram(ctx, gpa))
		return -ENOENT;
	e->tlb_lin[e->tlb_n] = lin & PAGE_MASK;
	e->tlb_gpa[e->tlb_n] = gpa & PAGE_MASK;
	e->tlb_n++;
	return 0;
}

static u64 svm_emul_tlb_gpa(const struct svm_emul *e, u64 lin)
{
	unsigned int i;

	for (i = 0; i < e->tlb_n; i++)
		if (e->tlb_lin[i] == (lin & PAGE_MASK))
			return e->tlb_gpa[i] | (lin & ~PAGE_MASK);
	return ~0ULL;
}

/* Copy element bytes between guest memory and @buf, page by page. */
static int svm_emul_tlb_copy(struct svm_vcpu *v, const struct svm_emul *e, u64 lin,
			     u8 *buf, unsigned int len, bool to_guest)
{
	struct axvcpu_vm *vm = axvcpu_vcpu_vm(v->vcpu);
	unsigned int chunk;
	u64 gpa;
	int ret;

	while (len) {
		chunk = min_t(u64, len, PAGE_SIZE - (lin & ~PAGE_MASK));
		gpa = svm_emul_tlb_gpa(e, lin);
		if (gpa == ~0ULL)
			return -ENOENT;
		ret = to_guest ? axvcpu_vm_write(vm, gpa, buf, chunk) :
				 axvcpu_vm_read(vm, gpa, buf, chunk);
		if (ret)
			return ret;
		lin += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Translate the elements of a string I/O, at most @max, in the order the
 * instruction accesses them; store each element's linear address rule in
 * @e (tlb) and return how many can be done: a fault on the first element
 * is injected (SVM_EMUL_FAULT), one on a later element ends the batch
 * before it (the instruction faults there when it gets there).
 */
static int svm_emul_string_map(struct svm_emul_ctx *ctx, struct svm_emul *e,
			       const struct x86_insn *insn, unsigned int width, u64 max,
			       u32 access, u64 *count)
{
	struct svm_vcpu *v = ctx->v;
	const struct x86_mem_operand *m = &insn->mem;
	u64 mask = svm_mask(insn->addrsize);
	u64 off = svm_emul_ea(ctx, insn, m);
	bool down = v->vmcb->save.rflags & X86_EFLAGS_DF;
	struct { u64 cr2; u32 inj, err; } saved;
	u64 i, lin;
	int ret;

	e->tlb_n = 0;
	for (i = 0; i < max; i++) {
		saved.cr2 = v->vmcb->save.cr2;
		saved.inj = v->vmcb->control.event_inj;
		saved.err = v->vmcb->control.event_inj_err;
		ret = svm_emul_linear(ctx, m->seg, off, width, access, &lin);
		if (!ret) {
			ret = svm_emul_tlb_fill(ctx, e, lin, access);
			if (!ret)
				ret = svm_emul_tlb_fill(ctx, e, lin + width - 1, access);
		}
		if (ret) {
			if (i == 0)
				return ret;
			/* A later element: no fault yet, the batch ends here. */
			v->vmcb->save.cr2 = saved.cr2;
			v->vmcb->control.event_inj = saved.inj;
			v->vmcb->control.event_inj_err = saved.err;
			break;
		}
		if (i == 0)
			e->lin0 = lin;
		/* Elements must follow each other in linear space. */
		if (i && lin != e->lin0 + (down ? -(s64)(i * width) : (s64)(i * width)))
			break;
		off = (down ? off - width : off + width) & mask;
	}
	*count = i;
	return 0;
}

/* Elements between the data page and guest memory, in the guest's order. */
static int svm_emul_string_copy(struct svm_vcpu *v, const struct svm_emul *e, u8 *data,
				bool to_guest)
{
	u64 lin = e->lin0, i;
	int ret;

	if (!(v->vmcb->save.rflags & X86_EFLAGS_DF))
		return svm_emul_tlb_copy(v, e, lin, data, e->count * e->width, to_guest);
	for (i = 0; i < e->count; i++) {
		ret = svm_emul_tlb_copy(v, e, lin - i * e->width, data + i * e->width,
					e->width, to_guest);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * svm_emul_complete_ins() - the data page of an INS exit goes to guest
 * memory (called by svm_complete_read(), RIP unchanged since the exit).
 * @v: the VCPU.
 *
 * The elements go where the exit translated them; a region that became
 * read-only or went away meanwhile drops them, and the instruction still
 * completes (as a device write lost on a bus).
 */
void svm_emul_complete_ins(struct svm_vcpu *v)
{
	struct svm_emul *e = &v->emul;
	u8 buf[64];
	const u8 *data = axvcpu_vcpu_data_page(v->vcpu);
	u8 *copy;

	if (!e->active || v->vmcb->save.rip != e->rip || e->insn.op != X86_OP_INS)
		return;
	e->active = false;
	/*
	 * The data page is user memory too: take one snapshot, so that the
	 * guest gets exactly one value per element.
	 */
	copy = e->count * e->width <= sizeof(buf) ? buf : kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (copy) {
		memcpy(copy, data, e->count * e->width);
		svm_emul_string_copy(v, e, copy, true);
		if (copy != buf)
			kfree(copy);
	}
	svm_emul_string_done(v, &e->insn, e->width, e->count, false, true, e->next_rip);
}

/**
 * svm_emul_string_io() - an IOIO intercept of INS or OUTS.
 * @v:   the VCPU.
 * @run: the exit to fill.
 *
 * One exit moves as many elements as the data page holds (and rCX asks
 * for, with REP), as far as they follow each other in guest memory.
 * OUTS copies them into the data page and exits IO_WRITE; INS exits
 * IO_READ and the next RUN copies the data page into guest memory
 * (svm_emul_complete_ins()). With REP the instruction stays at RIP until
 * rCX reaches zero.
 * Return: 0 with @run filled, or a host errno.
 */
int svm_emul_string_io(struct svm_vcpu *v, struct axvcpu_run *run)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	struct svm_emul *e = &v->emul;
	struct x86_insn *insn = &e->insn;
	u64 info = ctl->exit_info_1;
	unsigned int width = (info & VMCB_IOIO_SZ32) ? 4 : (info & VMCB_IOIO_SZ16) ? 2 : 1;
	bool in = info & VMCB_IOIO_IN;
	struct svm_emul_ctx ctx;
	u64 count, max;
	u8 *data;
	int ret;

	e->active = false;
	e->pending = false;
	svm_emul_init(&ctx, v, run);
	ret = svm_emul_fetch(&ctx, insn);
	if (ret)
		return svm_emul_result(v, run, ret);
	if (insn->op != (in ? X86_OP_INS : X86_OP_OUTS) || insn->memsize != width) {
		svm_emul_fail(&ctx, insn->bytes, insn->len);
		return 0;
	}
	/* EXITINFO2 is the next RIP, with or without next-RIP save. */
	e->next_rip = ctl->exit_info_2;
	max = PAGE_SIZE / width;
	if (insn->rep) {
		count = svm_gpr_read(v, SVM_RCX) & svm_mask(insn->addrsize);
		if (!count) {
			svm_complete_insn(v, e->next_rip);
			return 0;
		}
		max = min(max, count);
	} else {
		max = 1;
	}
	ret = svm_emul_string_map(&ctx, e, insn, width, max,
				  in ? X86_ACC_WRITE : X86_ACC_READ, &count);
	if (ret == -ENOENT || ret == SVM_EMUL_RETRY) {
		/* String I/O to or from MMIO (or a page table there). */
		svm_emul_fail(&ctx, insn->bytes, insn->len);
		return 0;
	}
	if (ret)
		return svm_emul_result(v, run, ret);

	data = axvcpu_vcpu_data_page(v->vcpu);
	svm_exit_set(run, in ? AXVCPU_EXIT_IO_READ : AXVCPU_EXIT_IO_WRITE);
	run->io.port = info >> VMCB_IOIO_PORT_SHIFT;
	run->io.width = width;
	run->io.count = count;
	run->io.data_offset = AXVCPU_DATA_PAGE_OFFSET * PAGE_SIZE;
	e->width = width;
	e->count = count;
	if (in) {
		v->read.reason = AXVCPU_EXIT_IO_READ;
		v->read.width = width;
		e->rip = v->vmcb->save.rip;
		e->active = true;
		return 0;
	}
	ret = svm_emul_string_copy(v, e, data, false);
	if (ret)
		return ret;
	svm_emul_string_done(v, insn, width, count, true, false, e->next_rip);
	return 0;
}
