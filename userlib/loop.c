// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: the run loop with one callback per exit type, and a
 * VCPU in a thread of its own running that loop.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "axvcpu-user.h"

/* The callback for @reason, or NULL. */
static axvcpu_exit_fn exit_handler(const struct axvcpu_exit_handlers *h, uint32_t reason)
{
	axvcpu_exit_fn fn = NULL;

	switch (reason) {
	case AXVCPU_EXIT_IO_READ:
	case AXVCPU_EXIT_IO_WRITE:
		fn = h->io;
		break;
	case AXVCPU_EXIT_MMIO_READ:
	case AXVCPU_EXIT_MMIO_WRITE:
		fn = h->mmio;
		break;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		fn = h->sysreg;
		break;
	case AXVCPU_EXIT_HYPERCALL:
		fn = h->hypercall;
		break;
	case AXVCPU_EXIT_HALT:
		fn = h->halt;
		break;
	case AXVCPU_EXIT_SEND_IPI:
		fn = h->send_ipi;
		break;
	case AXVCPU_EXIT_CPU_UP:
		fn = h->cpu_up;
		break;
	case AXVCPU_EXIT_CPU_DOWN:
		fn = h->cpu_down;
		break;
	case AXVCPU_EXIT_SYSTEM_DOWN:
		fn = h->system_down;
		break;
	case AXVCPU_EXIT_INTR:
		fn = h->intr;
		break;
	case AXVCPU_EXIT_IRQ_WINDOW_OPEN:
		fn = h->irq_window;
		break;
	}
	return fn ? fn : h->other;
}

int axvcpu_vcpu_run_loop(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_exit_handlers *h,
			 void *opaque, const volatile int *stop)
{
	axvcpu_exit_fn fn;
	int ret;

	for (;;) {
		if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
			return 0;
		if (h->pre_run) {
			ret = h->pre_run(vcpu, opaque);
			if (ret)
				return ret;
		}
		ret = axvcpu_vcpu_run(vcpu);
		if (ret == -EINTR) {
			/* A signal, a KICK or immediate_exit: exit INTR. */
			if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
				return 0;
		} else if (ret < 0) {
			return ret;
		}
		fn = exit_handler(h, vcpu->run->exit_reason);
		if (!fn) {
			/* INTR without a handler: just run on. */
			if (vcpu->run->exit_reason == AXVCPU_EXIT_INTR)
				continue;
			return AXVCPU_LOOP_UNHANDLED;
		}
		ret = fn(vcpu, opaque);
		if (ret)
			return ret;
	}
}

static void *vcpu_thread_fn(void *arg)
{
	struct axvcpu_vcpu_thread *t = arg;
	int ret;

	ret = axvcpu_vcpu_bind(t->vcpu);
	if (!ret) {
		ret = axvcpu_vcpu_run_loop(t->vcpu, t->handlers, t->opaque, &t->stop);
		/* The VCPU may be bound again elsewhere once the loop is over. */
		axvcpu_vcpu_unbind(t->vcpu);
	}
	t->result = ret;
	return NULL;
}

int axvcpu_vcpu_thread_start(struct axvcpu_vcpu_thread *t, struct axvcpu_vcpu_handle *vcpu,
			     const struct axvcpu_exit_handlers *handlers, void *opaque)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->handlers = handlers;
	t->opaque = opaque;
	ret = pthread_create(&t->thread, NULL, vcpu_thread_fn, t);
	if (ret)
		return -ret;
	t->started = 1;
	return 0;
}

int axvcpu_vcpu_thread_stop(struct axvcpu_vcpu_thread *t)
{
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	/* The store before the kick: the loop sees it when RUN returns. */
	return axvcpu_vcpu_kick(t->vcpu);
}

int axvcpu_vcpu_thread_join(struct axvcpu_vcpu_thread *t)
{
	int ret;

	if (!t->started)
		return -EINVAL;
	ret = pthread_join(t->thread, NULL);
	if (ret)
		return -ret;
	t->started = 0;
	return t->result;
}
