/* SPDX-License-Identifier: MIT */
/*
 * libaxvcpu-user: a thin C API over /dev/axvcpu.
 *
 * Every function that can fail returns a negative errno (never sets errno
 * as its only report); handles are plain structs the caller may read.
 * The library allocates nothing the caller must free other than through
 * the matching axvcpu_*_close() call (or axvcpu_vm_free_memory()).
 */
#ifndef AXVCPU_USER_H
#define AXVCPU_USER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/axvcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct axvcpu_sys - an open /dev/axvcpu.
 * @fd:       the system fd.
 * @run_size: bytes to mmap per VCPU (AXVCPU_GET_RUN_SIZE).
 */
struct axvcpu_sys {
	int fd;
	size_t run_size;
};

/**
 * struct axvcpu_vm_handle - a VM.
 * @fd:  the VM fd.
 * @sys: the system it was created on.
 */
struct axvcpu_vm_handle {
	int fd;
	struct axvcpu_sys *sys;
};

/**
 * struct axvcpu_vcpu_handle - a VCPU with its mapped run structure.
 * @fd:   the VCPU fd.
 * @id:   its id in the VM.
 * @run:  page 0 of the mapping.
 * @data: page 1 of the mapping (string I/O data).
 * @map_size: bytes mapped.
 * @vm:   the VM it belongs to.
 */
struct axvcpu_vcpu_handle {
	int fd;
	uint32_t id;
	struct axvcpu_run *run;
	void *data;
	size_t map_size;
	struct axvcpu_vm_handle *vm;
};

/* ---- system -------------------------------------------------------- */

/**
 * axvcpu_open() - open /dev/axvcpu (or @path when not NULL), check the API
 * version and read the run size.
 * Return: 0, -ENOENT when the device is missing, -EPROTO on an API version
 * mismatch, or another negative errno.
 */
int axvcpu_open(struct axvcpu_sys *sys, const char *path);
/** axvcpu_close() - close the system fd. */
void axvcpu_close(struct axvcpu_sys *sys);
/** axvcpu_api_version() - AXVCPU_GET_API_VERSION, or a negative errno. */
int axvcpu_api_version(struct axvcpu_sys *sys);
/**
 * axvcpu_check_cap() - AXVCPU_CHECK_CAP.
 * @sys:   the system.
 * @cap:   AXVCPU_CAP_*.
 * @value: out: the value.
 * @name:  out, may be NULL: 16 bytes for the backend name.
 * Return: 0 or a negative errno (-EINVAL for an unknown capability).
 */
int axvcpu_check_cap(struct axvcpu_sys *sys, uint32_t cap, uint64_t *value, char *name);
/** axvcpu_run_size() - AXVCPU_GET_RUN_SIZE, or a negative errno. */
int axvcpu_run_size(struct axvcpu_sys *sys);
/** axvcpu_exit_reason_name() - "HYPERCALL", ...; "UNKNOWN" otherwise. */
const char *axvcpu_exit_reason_name(uint32_t reason);
/** axvcpu_state_name() - "CREATED", ...; "UNKNOWN" otherwise. */
const char *axvcpu_state_name(uint32_t state);
/** axvcpu_cap_name() - "ARCH", "BACKEND", ... for AXVCPU_CAP_*; "UNKNOWN" otherwise. */
const char *axvcpu_cap_name(uint32_t cap);
/** axvcpu_arch_name() - "x86_64", ... for AXVCPU_ARCH_*; "UNKNOWN" otherwise. */
const char *axvcpu_arch_name(uint64_t arch);
/** axvcpu_backend_name() - "SVM", ... for AXVCPU_BACKEND_*; "UNKNOWN" otherwise. */
const char *axvcpu_backend_name(uint64_t backend);
/**
 * axvcpu_hw_feature_name() - "nrips", "vgif", ... for bit @bit of
 * AXVCPU_CAP_HW_FEATURES.
 * Return: the name, or NULL when the ABI defines no such bit.
 */
const char *axvcpu_hw_feature_name(unsigned int bit);

/* ---- VM ------------------------------------------------------------ */

/** axvcpu_vm_create() - AXVCPU_CREATE_VM with no flags. */
int axvcpu_vm_create(struct axvcpu_sys *sys, struct axvcpu_vm_handle *vm);
/** axvcpu_vm_close() - close the VM fd (VCPU fds keep the VM alive). */
void axvcpu_vm_close(struct axvcpu_vm_handle *vm);
/**
 * axvcpu_vm_set_memory() - AXVCPU_SET_MEMORY_REGION.
 * @vm: the VM. @slot: slot. @flags: AXVCPU_MEM_*. @gpa: guest physical
 * address. @size: bytes (0 deletes). @hva: backing memory.
 */
int axvcpu_vm_set_memory(struct axvcpu_vm_handle *vm, uint32_t slot, uint32_t flags,
			 uint64_t gpa, uint64_t size, void *hva);
/**
 * axvcpu_vm_alloc_memory() - mmap anonymous memory of @size bytes and
 * register it at @gpa in @slot. @hva receives the mapping.
 */
int axvcpu_vm_alloc_memory(struct axvcpu_vm_handle *vm, uint32_t slot, uint32_t flags,
			   uint64_t gpa, uint64_t size, void **hva);
/**
 * axvcpu_vm_free_memory() - undo axvcpu_vm_alloc_memory(): delete @slot,
 * then munmap the @size bytes at @hva.
 */
int axvcpu_vm_free_memory(struct axvcpu_vm_handle *vm, uint32_t slot, void *hva,
			  uint64_t size);

/* ---- VCPU ---------------------------------------------------------- */

/** axvcpu_vcpu_create() - AXVCPU_CREATE_VCPU, then mmap the run pages. */
int axvcpu_vcpu_create(struct axvcpu_vm_handle *vm, uint32_t id,
		       struct axvcpu_vcpu_handle *vcpu);
/** axvcpu_vcpu_close() - unmap and close. */
void axvcpu_vcpu_close(struct axvcpu_vcpu_handle *vcpu);
/** axvcpu_vcpu_setup() - AXVCPU_SETUP. */
int axvcpu_vcpu_setup(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_setup *setup);
/** axvcpu_vcpu_bind() - AXVCPU_BIND (to the calling thread). */
int axvcpu_vcpu_bind(struct axvcpu_vcpu_handle *vcpu);
/** axvcpu_vcpu_unbind() - AXVCPU_UNBIND. */
int axvcpu_vcpu_unbind(struct axvcpu_vcpu_handle *vcpu);
/**
 * axvcpu_vcpu_run() - AXVCPU_RUN once. Return: 0 with run->exit_reason
 * set, -EINTR (exit_reason INTR), or another negative errno.
 */
int axvcpu_vcpu_run(struct axvcpu_vcpu_handle *vcpu);
/** axvcpu_vcpu_state() - AXVCPU_GET_STATE: the state or a negative errno. */
int axvcpu_vcpu_state(struct axvcpu_vcpu_handle *vcpu);
/** axvcpu_vcpu_get_regs() - AXVCPU_GET_REGS. */
int axvcpu_vcpu_get_regs(struct axvcpu_vcpu_handle *vcpu, struct axvcpu_regs *regs);
/** axvcpu_vcpu_set_regs() - AXVCPU_SET_REGS. */
int axvcpu_vcpu_set_regs(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_regs *regs);
/** axvcpu_vcpu_get_sregs() - AXVCPU_GET_SREGS. */
int axvcpu_vcpu_get_sregs(struct axvcpu_vcpu_handle *vcpu, struct axvcpu_sregs *sregs);
/** axvcpu_vcpu_set_sregs() - AXVCPU_SET_SREGS. */
int axvcpu_vcpu_set_sregs(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_sregs *sregs);
/** axvcpu_vcpu_set_cpuid() - AXVCPU_SET_CPUID with @nent @entries. */
int axvcpu_vcpu_set_cpuid(struct axvcpu_vcpu_handle *vcpu,
			  const struct axvcpu_cpuid_entry *entries, uint32_t nent);
/** axvcpu_vcpu_get_stats() - AXVCPU_GET_STATS. */
int axvcpu_vcpu_get_stats(struct axvcpu_vcpu_handle *vcpu, struct axvcpu_stats *stats);
/** axvcpu_vcpu_set_options() - AXVCPU_SET_OPTIONS with AXVCPU_OPT_* @flags. */
int axvcpu_vcpu_set_options(struct axvcpu_vcpu_handle *vcpu, uint32_t flags);

/* ---- events: from any thread of the VM's process --------------------- */

/** axvcpu_vcpu_inject_interrupt() - AXVCPU_INJECT_INTERRUPT of @vector. */
int axvcpu_vcpu_inject_interrupt(struct axvcpu_vcpu_handle *vcpu, uint32_t vector);
/** axvcpu_vcpu_inject_nmi() - AXVCPU_INJECT_NMI. */
int axvcpu_vcpu_inject_nmi(struct axvcpu_vcpu_handle *vcpu);
/**
 * axvcpu_vcpu_inject_exception() - AXVCPU_INJECT_EXCEPTION of @vector with
 * @error_code (0 for a vector without one); under the VCPU lock.
 */
int axvcpu_vcpu_inject_exception(struct axvcpu_vcpu_handle *vcpu, uint32_t vector,
				 uint32_t error_code);
/** axvcpu_vcpu_kick() - AXVCPU_KICK: end the current or next RUN with INTR. */
int axvcpu_vcpu_kick(struct axvcpu_vcpu_handle *vcpu);

/* ---- completing read exits (the value is applied by the next RUN) ---- */

/** axvcpu_complete_io_read() - answer an IO_READ with @data. */
void axvcpu_complete_io_read(struct axvcpu_vcpu_handle *vcpu, uint64_t data);
/** axvcpu_complete_sysreg_read() - answer a SYSREG_READ with @data. */
void axvcpu_complete_sysreg_read(struct axvcpu_vcpu_handle *vcpu, uint64_t data);
/** axvcpu_complete_hypercall() - set a HYPERCALL's return value. */
void axvcpu_complete_hypercall(struct axvcpu_vcpu_handle *vcpu, uint64_t ret);
/** axvcpu_complete_mmio_read() - answer an MMIO_READ with @data. */
void axvcpu_complete_mmio_read(struct axvcpu_vcpu_handle *vcpu, uint64_t data);

/* ---- run loop and VCPU threads --------------------------------------- */

/**
 * typedef axvcpu_exit_fn - handles the exit in @vcpu->run.
 * @vcpu:   the VCPU, back from RUN.
 * @opaque: the caller's pointer given to the loop.
 *
 * Return: 0 to run the VCPU again (after completing a read exit with one of
 * the axvcpu_complete_*() calls); anything else ends the loop, which
 * returns that value: a positive value of the caller's choosing, or a
 * negative errno.
 */
typedef int (*axvcpu_exit_fn)(struct axvcpu_vcpu_handle *vcpu, void *opaque);

/**
 * struct axvcpu_exit_handlers - one callback per exit type; any may be NULL.
 * @io:          IO_READ and IO_WRITE.
 * @mmio:        MMIO_READ and MMIO_WRITE.
 * @sysreg:      SYSREG_READ and SYSREG_WRITE.
 * @hypercall:   HYPERCALL.
 * @halt:        HALT.
 * @send_ipi:    SEND_IPI.
 * @cpu_up:      CPU_UP.
 * @cpu_down:    CPU_DOWN.
 * @system_down: SYSTEM_DOWN.
 * @intr:        INTR (a signal, a KICK or immediate_exit ended RUN); when
 *               NULL the loop runs the VCPU again.
 * @other:       every exit whose own callback is NULL or that has none here
 *               (NESTED_PAGE_FAULT, FAIL_ENTRY, INTERNAL_ERROR,
 *               EXTERNAL_INTERRUPT, IRQ_WINDOW_OPEN, ...). When it is NULL
 *               too, such an exit ends the loop with AXVCPU_LOOP_UNHANDLED.
 */
struct axvcpu_exit_handlers {
	axvcpu_exit_fn io;
	axvcpu_exit_fn mmio;
	axvcpu_exit_fn sysreg;
	axvcpu_exit_fn hypercall;
	axvcpu_exit_fn halt;
	axvcpu_exit_fn send_ipi;
	axvcpu_exit_fn cpu_up;
	axvcpu_exit_fn cpu_down;
	axvcpu_exit_fn system_down;
	axvcpu_exit_fn intr;
	axvcpu_exit_fn other;
};

/* What the loop returns for an exit no callback takes; run->exit_reason says which. */
#define AXVCPU_LOOP_UNHANDLED	1

/**
 * axvcpu_vcpu_run_loop() - RUN @vcpu (bound to the calling thread) again
 * and again, handing each exit to its callback in @h.
 * @vcpu:   the VCPU.
 * @h:      the callbacks.
 * @opaque: passed to every callback.
 * @stop:   when not NULL, the loop returns 0 once *@stop is non-zero, seen
 *          before each RUN and whenever RUN returns -EINTR (so a KICK
 *          after setting it ends the loop promptly).
 *
 * Return: 0 when stopped; a callback's non-zero return;
 * AXVCPU_LOOP_UNHANDLED; or RUN's negative errno other than -EINTR.
 */
int axvcpu_vcpu_run_loop(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_exit_handlers *h,
			 void *opaque, const volatile int *stop);

/**
 * struct axvcpu_vcpu_thread - a VCPU run by axvcpu_vcpu_run_loop() in a
 * thread of its own. Filled by axvcpu_vcpu_thread_start(); read-only to
 * the caller.
 * @vcpu:     the VCPU.
 * @handlers: its callbacks (must outlive the thread).
 * @opaque:   passed to them.
 * @thread:   the thread.
 * @stop:     set by axvcpu_vcpu_thread_stop().
 * @result:   the loop's return value, or the BIND error.
 * @started:  the thread exists and has not been joined.
 */
struct axvcpu_vcpu_thread {
	struct axvcpu_vcpu_handle *vcpu;
	const struct axvcpu_exit_handlers *handlers;
	void *opaque;
	pthread_t thread;
	volatile int stop;
	int result;
	int started;
};

/**
 * axvcpu_vcpu_thread_start() - start a thread that binds @vcpu, runs the
 * loop with @handlers and unbinds it when the loop ends. @vcpu must not be
 * bound to another thread (unbind it first).
 * @t:        the thread's state, kept by the caller until joined.
 * @vcpu:     the VCPU.
 * @handlers: the callbacks, called in the new thread.
 * @opaque:   passed to them.
 *
 * Return: 0 or a negative errno from pthread_create().
 */
int axvcpu_vcpu_thread_start(struct axvcpu_vcpu_thread *t, struct axvcpu_vcpu_handle *vcpu,
			     const struct axvcpu_exit_handlers *handlers, void *opaque);

/**
 * axvcpu_vcpu_thread_stop() - ask the loop to end and KICK the VCPU, so a
 * RUN in progress (in the guest or blocked in HLT) returns at once. A kick
 * that finds the loop over already ends the VCPU's next RUN instead.
 * @t: a started thread.
 *
 * Return: 0 or the KICK's negative errno.
 */
int axvcpu_vcpu_thread_stop(struct axvcpu_vcpu_thread *t);

/**
 * axvcpu_vcpu_thread_join() - wait for the thread to end.
 * @t: a started thread.
 *
 * Return: the loop's result (see axvcpu_vcpu_run_loop()); -EINVAL when
 * @t was not started or is joined already.
 */
int axvcpu_vcpu_thread_join(struct axvcpu_vcpu_thread *t);

#ifdef __cplusplus
}
#endif

#endif /* AXVCPU_USER_H */
