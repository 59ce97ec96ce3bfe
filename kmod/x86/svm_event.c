// SPDX-License-Identifier: GPL-2.0
/*
 * Events into the SVM guest: the interrupts and NMIs the core keeps
 * pending (kmod/event.c), exceptions queued by AXVCPU_INJECT_EXCEPTION,
 * and events an exit interrupted on their way in.
 *
 * Interrupts go in as the virtual interrupt (V_IRQ with the vector in
 * V_INTR_VECTOR, priority ignored): the CPU itself delivers it at the
 * first instruction boundary where RFLAGS.IF is set and no STI/MOV SS
 * shadow is in force, exactly as it would a physical one, and clears
 * V_IRQ when it takes it. One vector is offered at a time; it leaves the
 * core's bitmap when offered and stays the backend's (@virq) until an exit
 * shows it taken: V_IRQ clear and EXITINTINFO not reporting its delivery
 * cut short. With more vectors pending behind it, the guest's next IRET
 * (the end of the handler, as a rule) exits, so the next one follows: it
 * is offered there and the guest single-steps over that IRET, which then
 * runs (an intercept armed again would stop it at the same IRET forever).
 * EVENTINJ would need the VMM to find the window itself, and QEMU 7.2's
 * TCG delivers an EVENTINJ interrupt a second time, with IF clear, when
 * its vCPU is scheduled out before the guest's next exit.
 *
 * EVENTINJ carries, in this order, the event the last exit interrupted
 * (EXITINTINFO, re-queued by svm_events_exit()) or an exception the exit
 * handling raised; a queued exception; an NMI. The virtual interrupt
 * waits behind it by itself. What cannot go in yet gets a window:
 *
 * - user space's request_interrupt_window: V_IRQ with the VINTR intercept
 *   exits exactly when the guest could take an interrupt;
 * - an NMI waits while an earlier NMI's handler runs: the IRET intercept
 *   fires before the IRET that ends it, and if another NMI waits the
 *   guest single-steps over that IRET (our own RFLAGS.TF), so it exits
 *   right after it; an NMI in a shadow single-steps out of it too;
 * - an NMI behind the event this entry delivers gets a self-IPI, which
 *   makes the guest exit as soon as the delivery is done.
 */
#include <linux/smp.h>

#include "svm.h"

/* Reserved exception vectors (SDM vol. 3 table 6-1, APM table 8-1). */
#define SVM_EXC_RESERVED_VECTORS	(BIT(15) | GENMASK(27, 22) | BIT(31))
/* x86 exceptions that push an error code (SDM vol. 3 table 6-1). */
#define SVM_EXC_ERROR_VECTORS	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | \
				 BIT(14) | BIT(17) | BIT(21) | BIT(29) | BIT(30))

static bool svm_event_busy(struct svm_vcpu *v)
{
	return v->vmcb->control.event_inj & VMCB_EVENT_VALID;
}

static bool svm_shadow_bit(struct svm_vcpu *v)
{
	return v->vmcb->control.int_state & VMCB_INT_STATE_SHADOW;
}

/*
 * The shadow this VCPU steps out of lasts until its instruction has run:
 * QEMU 7.2 reports none at an exit (a nested page fault) in between.
 */
static bool svm_in_shadow(struct svm_vcpu *v)
{
	struct svm_events *e = &v->ev;

	if (e->step && e->step_shadow && v->vmcb->save.rip == e->step_rip)
		return true;
	return svm_shadow_bit(v);
}

/*
 * NMIs blocked by a handler still running. The IRET that ends it was
 * intercepted before it ran; once RIP is elsewhere it has run.
 */
static bool svm_nmi_blocked(struct svm_vcpu *v)
{
	struct svm_events *e = &v->ev;

	if (e->nmi_masked && e->iret_seen && v->vmcb->save.rip != e->iret_rip) {
		e->nmi_masked = false;
		e->iret_seen = false;
	}
	return e->nmi_masked;
}

/**
 * svm_irq_window_open() - the guest could take an interrupt right now.
 * @v: the VCPU.
 *
 * Return: RFLAGS.IF set, no interrupt shadow, no event or interrupt on
 * its way in.
 */
bool svm_irq_window_open(struct svm_vcpu *v)
{
	return (v->vmcb->save.rflags & X86_RFLAGS_IF) && !svm_in_shadow(v) &&
	       !svm_event_busy(v) && !v->ev.exc_pending && !v->ev.virq_armed;
}

/* The guest stands at the IRET whose intercept was the last exit. */
static bool svm_at_iret(struct svm_vcpu *v)
{
	return v->ev.at_iret && v->vmcb->save.rip == v->ev.at_iret_rip;
}

/*
 * Exit after the next instruction: the window of an NMI waiting at an
 * IRET or in a shadow, or of an interrupt waiting in a shadow or behind
 * the one offered at an IRET, is right after it.
 */
static void svm_step_one(struct svm_vcpu *v)
{
	struct svm_events *e = &v->ev;
	u64 *rflags = &v->vmcb->save.rflags;

	if (e->step)
		return;
	e->step = true;
	e->step_shadow = svm_shadow_bit(v);
	e->step_rip = v->vmcb->save.rip;
	e->step_iret = e->iret_seen || svm_at_iret(v);
	e->step_guest_tf = *rflags & SVM_RFLAGS_TF;
	*rflags |= SVM_RFLAGS_TF;
}

/* The single step is over: the guest's own TF again. */
static void svm_step_end(struct svm_vcpu *v)
{
	struct svm_events *e = &v->ev;
	u64 *rflags = &v->vmcb->save.rflags;

	e->step = false;
	/* An IRET loaded RFLAGS from the guest's stack: TF is the guest's. */
	if (!e->step_iret && !e->step_guest_tf)
		*rflags &= ~SVM_RFLAGS_TF;
}

static void svm_inject_nmi(struct svm_vcpu *v)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	ctl->event_inj = VMCB_VEC_NMI | VMCB_EVENT_TYPE_NMI | VMCB_EVENT_VALID;
	ctl->event_inj_err = 0;
	axvcpu_vcpu_nmi_clear(v->vcpu);
	v->ev.nmi_masked = true;
	v->ev.iret_seen = false;
	ctl->intercept_misc1 |= VMCB_INTERCEPT1_IRET;
}

/* Offer @vector as the virtual interrupt; the CPU delivers it when it may. */
static void svm_offer_irq(struct svm_vcpu *v, unsigned int vector)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	ctl->int_ctl |= VMCB_INT_CTL_V_IRQ | VMCB_INT_CTL_V_IGN_TPR |
			VMCB_INT_CTL_V_INTR_PRIO_MASK;
	ctl->int_vector = vector;
}

/* A virtual interrupt intercepted instead of taken: VINTR exits then. */
static void svm_open_irq_window(struct svm_vcpu *v)
{
	svm_offer_irq(v, 0);
	v->vmcb->control.intercept_misc1 |= VMCB_INTERCEPT1_VINTR;
}

/* The guest exits as soon as the event of this entry is delivered. */
static void svm_exit_after_delivery(struct svm_vcpu *v)
{
	if (v->ev.self_ipi)
		return;
	v->ev.self_ipi = true;
	/* Pending while interrupts are off; taken right after VMRUN's delivery. */
	smp_send_reschedule(smp_processor_id());
}

/* NMI: deliver it now, or arrange the exit at which it can be. */
static void svm_enter_nmi(struct svm_vcpu *v)
{
	if (!svm_nmi_blocked(v)) {
		if (svm_event_busy(v))
			svm_exit_after_delivery(v);
		else if (svm_in_shadow(v))
			svm_step_one(v);
		else
			svm_inject_nmi(v);
		return;
	}
	/* Blocked: before its IRET the intercept waits for it; at it, step. */
	if (v->ev.iret_seen) {
		if (svm_event_busy(v))
			svm_exit_after_delivery(v);
		else
			svm_step_one(v);
	}
}

/**
 * svm_events_enter() - put the next event into EVENTINJ, offer the next
 * interrupt, and open the windows of the rest.
 * @v:           the VCPU, about to be entered (interrupts off, after
 *               axvcpu_guest_enter()).
 * @want_window: user space asked for IRQ_WINDOW_OPEN (and the window is
 *               not open now: svm_run() has checked): open the window and
 *               offer no new interrupt.
 */
void svm_events_enter(struct svm_vcpu *v, bool want_window)
{
	struct svm_events *e = &v->ev;
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	int irq;

	e->self_ipi = false;
	if (e->exc_pending && !svm_event_busy(v)) {
		svm_inject_exception(v, e->exc_vector, e->exc_has_error, e->exc_error);
		e->exc_pending = false;
	}
	if (axvcpu_vcpu_nmi_pending(v->vcpu))
		svm_enter_nmi(v);

	/*
	 * QEMU 7.2's TCG drops the interrupt shadow VMRUN loads and would
	 * deliver a virtual interrupt before the shadowed instruction: an
	 * STI; HLT would then halt with its wake-up taken already. So the
	 * guest single-steps out of a shadow first; the interrupt (or the
	 * window) is offered at the exit after it.
	 */
	irq = axvcpu_vcpu_irq_highest(v->vcpu);
	e->virq_offered = false;
	if ((e->virq_armed || irq >= 0 || want_window) && svm_in_shadow(v)) {
		svm_step_one(v);
	} else {
		if (!e->virq_armed && irq >= 0 && !want_window) {
			axvcpu_vcpu_irq_clear(v->vcpu, irq);
			e->virq = irq;
			e->virq_armed = true;
			irq = axvcpu_vcpu_irq_highest(v->vcpu);
		}
		if (e->virq_armed) {
			svm_offer_irq(v, e->virq);
			e->virq_offered = true;
		} else if (want_window) {
			svm_open_irq_window(v);
		}
	}
	/*
	 * More behind the offered one: exit when its handler returns, or,
	 * at that IRET already, right after it.
	 */
	if (e->virq_offered && irq >= 0) {
		if (svm_at_iret(v))
			svm_step_one(v);
		else
			ctl->intercept_misc1 |= VMCB_INTERCEPT1_IRET;
	}
	e->injected = ctl->event_inj;
}

/**
 * svm_events_exit() - what the exit left of the events: re-queue the one
 * whose delivery it interrupted, close the interrupt window.
 * @v: the VCPU, after its exit.
 *
 * An exit can interrupt the delivery of an event (e.g. a nested page
 * fault on the guest's IDT or stack): EXITINTINFO reports it and it goes
 * in again at the next VMRUN. INTn, INT3 and INTO are not re-injected:
 * RIP still points at the instruction, which simply runs again. A VMRUN
 * the CPU refused delivered nothing: its event stays for the next one,
 * and so does the offered interrupt.
 */
void svm_events_exit(struct svm_vcpu *v)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;
	struct svm_events *e = &v->ev;
	u32 info = ctl->exit_int_info;
	u32 type = info & VMCB_EVENT_TYPE_MASK;
	u8 vector = info & VMCB_EVENT_VECTOR_MASK;
	bool cut_short;

	e->at_iret = false;
	/*
	 * QEMU 7.2's TCG reports an interrupt whose delivery was cut short
	 * as an exception of its vector; no exception has a vector above 31.
	 */
	if (type == VMCB_EVENT_TYPE_EXCEPTION && vector >= 32) {
		type = VMCB_EVENT_TYPE_INTR;
		info = (info & ~VMCB_EVENT_TYPE_MASK & ~VMCB_EVENT_HAS_ERROR) | type;
	}
	cut_short = (info & VMCB_EVENT_VALID) && type == VMCB_EVENT_TYPE_INTR;

	/*
	 * The offered interrupt was taken unless V_IRQ is still up or its
	 * delivery was cut short (it is offered again, not re-injected).
	 */
	if (e->virq_offered && !(ctl->int_ctl & VMCB_INT_CTL_V_IRQ) &&
	    !(cut_short && vector == e->virq))
		e->virq_armed = false;
	if (e->virq_armed && cut_short && vector == e->virq)
		info = 0;
	ctl->int_ctl &= ~(VMCB_INT_CTL_V_IRQ | VMCB_INT_CTL_V_IGN_TPR |
			  VMCB_INT_CTL_V_INTR_PRIO_MASK);
	ctl->intercept_misc1 &= ~VMCB_INTERCEPT1_VINTR;
	if (!e->nmi_masked)
		ctl->intercept_misc1 &= ~VMCB_INTERCEPT1_IRET;

	if (ctl->exit_code == VMCB_EXIT_INVALID) {
		ctl->event_inj = v->ev.injected;
		return;
	}
	ctl->event_inj = 0;
	ctl->event_inj_err = 0;
	if (!(info & VMCB_EVENT_VALID))
		return;
	if (type == VMCB_EVENT_TYPE_SOFT_INT)
		return;
	if (type == VMCB_EVENT_TYPE_EXCEPTION &&
	    (vector == VMCB_VEC_BP || vector == VMCB_VEC_OF))
		return;
	ctl->event_inj = info;
	ctl->event_inj_err = type == VMCB_EVENT_TYPE_INTR ? 0 : ctl->exit_int_info_err;
}

/**
 * svm_event_iret() - the IRET intercept: the guest is about to return
 * from its NMI handler (NMIs unmask once the IRET has run), or from the
 * handler of an interrupt with more waiting (svm_events_enter() offers
 * the next).
 * @v: the VCPU.
 */
void svm_event_iret(struct svm_vcpu *v)
{
	v->vmcb->control.intercept_misc1 &= ~VMCB_INTERCEPT1_IRET;
	v->ev.at_iret = true;
	v->ev.at_iret_rip = v->vmcb->save.rip;
	if (v->ev.nmi_masked && !v->ev.iret_seen) {
		v->ev.iret_seen = true;
		v->ev.iret_rip = v->vmcb->save.rip;
	}
}

/**
 * svm_event_step_trap() - a #DB exit: is it the single step we set?
 * @v: the VCPU.
 *
 * Return: true when the #DB was ours alone and must not reach the guest;
 * false when the guest is to see it (its own TF or breakpoint too).
 */
bool svm_event_step_trap(struct svm_vcpu *v)
{
	struct svm_vmcb_save *save = &v->vmcb->save;

	if (!v->ev.step || !(save->dr6 & SVM_DR6_BS))
		return false;
	svm_step_end(v);
	if (v->ev.step_guest_tf || (save->dr6 & SVM_DR6_TRAP_BITS))
		return false;
	save->dr6 &= ~SVM_DR6_BS;
	return true;
}

/**
 * svm_event_insn_trap() - an intercepted instruction was completed by the
 * kernel: does the single-step trap follow it?
 * @v: the VCPU.
 *
 * Our own single step ends with it (the kernel completed the step), so
 * only the guest's TF counts.
 * Return: true when the guest single-steps.
 */
bool svm_event_insn_trap(struct svm_vcpu *v)
{
	if (v->ev.step) {
		svm_step_end(v);
		return v->ev.step_guest_tf;
	}
	return v->vmcb->save.rflags & SVM_RFLAGS_TF;
}

/**
 * svm_guest_rflags() - RFLAGS as the guest has them (without our TF).
 * @v: the VCPU.
 *
 * Return: the guest's RFLAGS.
 */
u64 svm_guest_rflags(struct svm_vcpu *v)
{
	u64 rflags = v->vmcb->save.rflags;

	if (v->ev.step && !v->ev.step_guest_tf)
		rflags &= ~SVM_RFLAGS_TF;
	return rflags;
}

/**
 * svm_set_guest_rflags() - user space loads RFLAGS; a single step of ours
 * stays on, over the guest's new TF.
 * @v:      the VCPU.
 * @rflags: the new RFLAGS (validated).
 */
void svm_set_guest_rflags(struct svm_vcpu *v, u64 rflags)
{
	if (v->ev.step) {
		v->ev.step_guest_tf = rflags & SVM_RFLAGS_TF;
		rflags |= SVM_RFLAGS_TF;
	}
	v->vmcb->save.rflags = rflags;
}

/**
 * svm_events_reset() - forget every event of the backend (VCPU reset).
 * @v: the VCPU.
 */
void svm_events_reset(struct svm_vcpu *v)
{
	struct svm_vmcb_control *ctl = &v->vmcb->control;

	memset(&v->ev, 0, sizeof(v->ev));
	ctl->event_inj = 0;
	ctl->event_inj_err = 0;
	ctl->int_state = 0;
	ctl->int_ctl &= ~(VMCB_INT_CTL_V_IRQ | VMCB_INT_CTL_V_IGN_TPR |
			  VMCB_INT_CTL_V_INTR_PRIO_MASK);
	ctl->intercept_misc1 &= ~(VMCB_INTERCEPT1_VINTR | VMCB_INTERCEPT1_IRET);
}

/**
 * svm_halt_wake_mask() - &axvcpu_arch_ops.halt_wake_mask: what could end
 * the HLT just reported.
 * @arch_vcpu: the VCPU.
 *
 * Return: AXVCPU_WAKE_IRQ when guest RFLAGS.IF is set, with
 * AXVCPU_WAKE_NOW when an interrupt offered already waits for it;
 * AXVCPU_WAKE_NMI unless the guest is in an NMI handler.
 */
u32 svm_halt_wake_mask(void *arch_vcpu)
{
	struct svm_vcpu *v = arch_vcpu;
	u32 mask = 0;

	if (v->vmcb->save.rflags & X86_RFLAGS_IF) {
		mask |= AXVCPU_WAKE_IRQ;
		/* An interrupt offered and not taken (an STI; HLT shadow). */
		if (v->ev.virq_armed)
			mask |= AXVCPU_WAKE_NOW;
	}
	if (!svm_nmi_blocked(v))
		mask |= AXVCPU_WAKE_NMI;
	return mask;
}

/**
 * svm_queue_exception() - &axvcpu_arch_ops.inject_exception.
 * @arch_vcpu: the VCPU.
 * @exc:       the exception (flags and reserved fields checked by the core).
 *
 * Return: 0; -EINVAL for vector 2 (NMI), a reserved vector (15, 22-27,
 * 31), a vector above 31, or an error code on a vector that has none;
 * -EBUSY when one is queued already.
 */
int svm_queue_exception(void *arch_vcpu, const struct axvcpu_exception *exc)
{
	struct svm_vcpu *v = arch_vcpu;
	struct svm_events *e = &v->ev;
	bool has_error;

	if (exc->vector > 31 || exc->vector == VMCB_VEC_NMI ||
	    (SVM_EXC_RESERVED_VECTORS & BIT(exc->vector)))
		return -EINVAL;
	has_error = SVM_EXC_ERROR_VECTORS & BIT(exc->vector);
	if (!has_error && exc->error_code)
		return -EINVAL;
	if (e->exc_pending)
		return -EBUSY;
	e->exc_pending = true;
	e->exc_vector = exc->vector;
	e->exc_has_error = has_error;
	e->exc_error = exc->error_code;
	return 0;
}
