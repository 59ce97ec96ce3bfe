// SPDX-License-Identifier: GPL-2.0
/*
 * What reaches a VCPU from outside its RUN: interrupts and NMIs to
 * inject, kicks, and the in-kernel halt (state BLOCKED) they end.
 *
 * Producers (INJECT_INTERRUPT, INJECT_NMI and KICK from any thread of the
 * VM's process, another VCPU's IPI delivered in the kernel) set a bit and
 * then kick the VCPU: one that is in the guest gets a reschedule IPI,
 * whose physical interrupt forces it out (the backend intercepts physical
 * interrupts), and a blocked one is woken. The consumers are RUN's loop
 * (vcpu.c) and, at each entry, the backend, which takes the pending
 * events through the functions arch.h declares.
 *
 * The entry/kick handshake is KVM's vcpu->mode pattern. With interrupts
 * off, the entering VCPU publishes IN_GUEST and then reads its requests;
 * a producer sets its request and then reads the mode; a full barrier
 * sits between the two steps on each side. Either the VCPU sees the
 * request and does not enter, or the producer sees IN_GUEST and sends the
 * IPI, which stays pending while the entering CPU has interrupts off and
 * makes the guest exit as soon as it is entered. No request is lost and
 * no VCPU sleeps on one.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "axvcpu_drv.h"

/*
 * Force @vcpu to look at its requests: out of the guest if it is in it,
 * out of its sleep if it is blocked. A VCPU not in RUN finds the request
 * at its next entry.
 */
static void axvcpu_vcpu_kick(struct axvcpu_vcpu *vcpu, unsigned int req)
{
	int cpu;

	set_bit(req, &vcpu->requests);
	/* Request store before the mode load; pairs with axvcpu_guest_enter(). */
	smp_mb__after_atomic();
	/*
	 * With preemption off no CPU can go offline under us (that takes
	 * stop_machine()), so the IPI never targets an offline CPU. A CPU the
	 * VCPU has just left takes a harmless extra interrupt.
	 */
	preempt_disable();
	cpu = READ_ONCE(vcpu->cpu);
	if (READ_ONCE(vcpu->mode) == AXVCPU_IN_GUEST && cpu != smp_processor_id() &&
	    cpu_online(cpu))
		smp_send_reschedule(cpu);
	preempt_enable();
	/* wq_has_sleeper() carries the barrier that pairs with the sleeper's. */
	if (wq_has_sleeper(&vcpu->wait))
		wake_up_interruptible(&vcpu->wait);
}

/**
 * axvcpu_guest_enter() - the VCPU is about to enter the guest.
 * @vcpu: the VCPU, running on this CPU with interrupts off.
 *
 * Return: true to go on with the world switch; false when a request
 * arrived since RUN's loop last looked: the caller must not enter.
 */
bool axvcpu_guest_enter(struct axvcpu_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	/* Mode store before the request load; pairs with axvcpu_vcpu_kick(). */
	smp_store_mb(vcpu->mode, AXVCPU_IN_GUEST);
	if (READ_ONCE(vcpu->requests)) {
		WRITE_ONCE(vcpu->mode, AXVCPU_OUTSIDE_GUEST);
		return false;
	}
	return true;
}

/**
 * axvcpu_guest_exit() - the VCPU has left the guest (interrupts still off).
 * @vcpu: the VCPU.
 */
void axvcpu_guest_exit(struct axvcpu_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->mode, AXVCPU_OUTSIDE_GUEST);
}

u32 axvcpu_vcpu_options(struct axvcpu_vcpu *vcpu)
{
	return vcpu->options;
}

int axvcpu_vcpu_irq_highest(struct axvcpu_vcpu *vcpu)
{
	int v = find_last_bit(vcpu->irq_pending, AXVCPU_MAX_IRQ_VECTORS);

	return v < AXVCPU_MAX_IRQ_VECTORS ? v : -1;
}

void axvcpu_vcpu_irq_clear(struct axvcpu_vcpu *vcpu, unsigned int vector)
{
	if (vector < AXVCPU_MAX_IRQ_VECTORS)
		clear_bit(vector, vcpu->irq_pending);
}

bool axvcpu_vcpu_nmi_pending(struct axvcpu_vcpu *vcpu)
{
	return test_bit(0, &vcpu->nmi_pending);
}

void axvcpu_vcpu_nmi_clear(struct axvcpu_vcpu *vcpu)
{
	clear_bit(0, &vcpu->nmi_pending);
}

/* Vectors the architecture lets user space inject as interrupts. */
static bool axvcpu_irq_vector_ok(unsigned int vector)
{
	const struct axvcpu_arch_caps *caps = axvcpu_arch_caps();

	return vector >= caps->first_irq_vector && vector < AXVCPU_MAX_IRQ_VECTORS;
}

/* Events may be queued once the backend has set the VCPU up. */
static bool axvcpu_vcpu_takes_events(struct axvcpu_vcpu *vcpu)
{
	u32 state = READ_ONCE(vcpu->state);

	return state != AXVCPU_STATE_CREATED && state != AXVCPU_STATE_INVALID;
}

/**
 * axvcpu_vcpu_inject_interrupt() - AXVCPU_INJECT_INTERRUPT; lockless, from
 * any thread of the VM's process.
 * @vcpu: the target.
 * @argp: &struct axvcpu_interrupt in user memory.
 *
 * Return: 0; -EFAULT; -EINVAL (vector, flags, reserved); -EBADFD before
 * SETUP or when INVALID; -EEXIST when the vector is pending already.
 */
long axvcpu_vcpu_inject_interrupt(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.flags || !axvcpu_zero_check(irq.reserved, sizeof(irq.reserved)) ||
	    !axvcpu_irq_vector_ok(irq.vector))
		return -EINVAL;
	if (!axvcpu_vcpu_takes_events(vcpu))
		return -EBADFD;
	if (test_and_set_bit(irq.vector, vcpu->irq_pending))
		return -EEXIST;
	axvcpu_vcpu_kick(vcpu, AXVCPU_REQ_EVENT);
	return 0;
}

/**
 * axvcpu_vcpu_inject_nmi() - AXVCPU_INJECT_NMI; lockless, any thread.
 * @vcpu: the target.
 *
 * Return: 0; -EBADFD before SETUP or when INVALID; -EEXIST when an NMI is
 * pending already (one NMI is latched, as on hardware).
 */
long axvcpu_vcpu_inject_nmi(struct axvcpu_vcpu *vcpu)
{
	if (!axvcpu_vcpu_takes_events(vcpu))
		return -EBADFD;
	if (test_and_set_bit(0, &vcpu->nmi_pending))
		return -EEXIST;
	axvcpu_vcpu_kick(vcpu, AXVCPU_REQ_EVENT);
	return 0;
}

/**
 * axvcpu_vcpu_kick_ioctl() - AXVCPU_KICK; lockless, any thread.
 * @vcpu: the VCPU to force out of RUN (or whose next RUN is to return at
 *        once).
 *
 * Return: 0; -EBADFD when INVALID.
 */
long axvcpu_vcpu_kick_ioctl(struct axvcpu_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->state) == AXVCPU_STATE_INVALID)
		return -EBADFD;
	axvcpu_vcpu_kick(vcpu, AXVCPU_REQ_KICK);
	return 0;
}

/**
 * axvcpu_vcpu_take_kick() - consume a pending kick.
 * @vcpu: the VCPU, in RUN.
 *
 * Return: true when one was pending: RUN is to return -EINTR.
 */
bool axvcpu_vcpu_take_kick(struct axvcpu_vcpu *vcpu)
{
	/* A plain load first: no locked operation when there is none. */
	return test_bit(AXVCPU_REQ_KICK, &vcpu->requests) &&
	       test_and_clear_bit(AXVCPU_REQ_KICK, &vcpu->requests);
}

/**
 * axvcpu_vcpu_events_seen() - RUN's loop is about to enter the guest and
 * the backend will look at every event pending now; a later one makes
 * axvcpu_guest_enter() refuse.
 * @vcpu: the VCPU, in RUN.
 */
void axvcpu_vcpu_events_seen(struct axvcpu_vcpu *vcpu)
{
	/*
	 * Nothing to clear, nothing to order: an event queued after this
	 * load sets the bit, which axvcpu_guest_enter() then sees (or the
	 * producer sees IN_GUEST and kicks).
	 */
	if (!test_bit(AXVCPU_REQ_EVENT, &vcpu->requests))
		return;
	clear_bit(AXVCPU_REQ_EVENT, &vcpu->requests);
	/* The clear before the backend's loads of the pending bits. */
	smp_mb__after_atomic();
}

/* Would a HLT with @mask (AXVCPU_WAKE_*) end now? */
static bool axvcpu_halt_ends(struct axvcpu_vcpu *vcpu, u32 mask)
{
	if (test_bit(AXVCPU_REQ_KICK, &vcpu->requests))
		return true;
	if ((mask & AXVCPU_WAKE_NMI) && axvcpu_vcpu_nmi_pending(vcpu))
		return true;
	return (mask & AXVCPU_WAKE_IRQ) && axvcpu_vcpu_irq_highest(vcpu) >= 0;
}

/**
 * axvcpu_vcpu_block() - the in-kernel halt: sleep in state BLOCKED until
 * an event the guest can take, a kick or a signal.
 * @vcpu: the VCPU, in RUN, with its guest halted.
 * @mask: AXVCPU_WAKE_* bits from &axvcpu_arch_ops.halt_wake_mask, not 0.
 *
 * Return: 0 when an event or a kick ended the halt (RUN's loop goes on
 * and sees which); -EINTR for a signal.
 */
int axvcpu_vcpu_block(struct axvcpu_vcpu *vcpu, u32 mask)
{
	int ret;

	WRITE_ONCE(vcpu->state, AXVCPU_STATE_BLOCKED);
	ret = wait_event_interruptible(vcpu->wait, axvcpu_halt_ends(vcpu, mask));
	WRITE_ONCE(vcpu->state, AXVCPU_STATE_RUNNING);
	return ret ? -EINTR : 0;
}

/**
 * axvcpu_vm_inject_interrupt() - make @vector pending on VCPU @vcpu_id.
 * @vm:      the VM.
 * @vcpu_id: the target's id.
 * @vector:  the vector.
 *
 * As AXVCPU_INJECT_INTERRUPT, except that a vector pending already merges
 * with the new one, as in an interrupt controller's request register.
 * Return: 0; -ENOENT when no such VCPU exists (or it is not set up);
 * -EINVAL for a vector the architecture does not inject.
 */
int axvcpu_vm_inject_interrupt(struct axvcpu_vm *vm, u32 vcpu_id, unsigned int vector)
{
	struct axvcpu_vcpu *vcpu;
	int ret = -ENOENT;

	if (!axvcpu_irq_vector_ok(vector))
		return -EINVAL;
	if (vcpu_id >= AXVCPU_MAX_VCPUS)
		return -ENOENT;
	/* vm->lock keeps the target from being freed (release clears the slot). */
	mutex_lock(&vm->lock);
	vcpu = vm->vcpus[vcpu_id];
	if (vcpu && axvcpu_vcpu_takes_events(vcpu)) {
		set_bit(vector, vcpu->irq_pending);
		axvcpu_vcpu_kick(vcpu, AXVCPU_REQ_EVENT);
		ret = 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

bool axvcpu_vm_ipi_in_kernel(struct axvcpu_vm *vm)
{
	return vm->flags & AXVCPU_VM_IPI_IN_KERNEL;
}
