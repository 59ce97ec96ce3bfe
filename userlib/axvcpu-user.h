/* SPDX-License-Identifier: MIT */
/*
 * libaxvcpu-user: a thin C API over /dev/axvcpu, and what a VMM builds on
 * it: a run loop with callbacks, VCPU threads, a guest memory tracker,
 * image loaders and mode start helpers (Documentation/userlib.rst).
 *
 * Every function that can fail returns a negative errno (never sets errno
 * as its only report); handles are plain structs the caller may read.
 * The library allocates nothing the caller must free other than through
 * the matching axvcpu_*_close() call (or axvcpu_vm_free_memory(),
 * axvcpu_mem_release()).
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
 * @irq_window:  IRQ_WINDOW_OPEN (the VMM asked with
 *               run->request_interrupt_window).
 * @pre_run:     called before every RUN (a VMM's own interrupt model
 *               injects or asks for the window here); its non-zero return
 *               ends the loop like any callback's.
 * @other:       every exit whose own callback is NULL or that has none here
 *               (NESTED_PAGE_FAULT, FAIL_ENTRY, INTERNAL_ERROR,
 *               EXTERNAL_INTERRUPT, ...). When it is NULL
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
	axvcpu_exit_fn irq_window;
	axvcpu_exit_fn pre_run;
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

/* ---- errors ----------------------------------------------------------- */

/**
 * axvcpu_strerror() - a message for a value this library returned.
 * @err: a negative errno (a positive one is taken as its negation; 0 is
 *       "success").
 *
 * Errors that mean something particular here get a message saying so,
 * the axvcpu meaning first: -ENOENT "no /dev/axvcpu (is axvcpu.ko
 * loaded?), or no such file or guest memory region", -EPROTO API version
 * mismatch, -EBADFD the VCPU is not in the state the call needs, -EPERM
 * bound to another thread, -ENOEXEC not an image a loader knows, -ENOSPC,
 * -EEXIST, -EBUSY, -ENODEV, -ENOBUFS, -EOPNOTSUPP, -EIO, -EFAULT and
 * -EINTR likewise (Documentation/userlib.rst lists them). The rest get
 * the C library's description (strerrordesc_np()), or "unknown error N"
 * for a number it does not know.
 * Thread-safe: the string is static, or for "unknown error N" in a
 * buffer of the calling thread that the next such call in that thread
 * overwrites; it must not be freed.
 *
 * Return: the message, never NULL.
 */
const char *axvcpu_strerror(int err);

/* ---- guest memory ----------------------------------------------------- */

/** AXVCPU_GUEST_MEM_SLOTS - regions one struct axvcpu_guest_mem can track. */
#define AXVCPU_GUEST_MEM_SLOTS	32

/**
 * struct axvcpu_mem_slot - one guest memory region.
 * @slot:  its AXVCPU_SET_MEMORY_REGION slot.
 * @flags: AXVCPU_MEM_* flags.
 * @gpa:   first guest physical address.
 * @size:  bytes.
 * @hva:   the host mapping behind it.
 * @owned: the library mmap'd @hva (axvcpu_mem_alloc()) and munmaps it.
 */
struct axvcpu_mem_slot {
	uint32_t slot;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	int owned;
};

/**
 * struct axvcpu_guest_mem - the guest memory of a VM as the library knows
 * it, for the loaders and GPA <-> host pointer translation. Read-only to
 * the caller; change it only through axvcpu_mem_*(). The tracker assumes
 * it owns every memory slot of the VM: do not set regions of the same VM
 * with axvcpu_vm_set_memory() beside it.
 * @vm:    the VM, or NULL: the tracker then only tracks memory (no ioctl),
 *         for tests and for building images offline.
 * @nr:    regions in use.
 * @slots: the regions, sorted by @gpa (they never overlap).
 */
struct axvcpu_guest_mem {
	struct axvcpu_vm_handle *vm;
	unsigned int nr;
	struct axvcpu_mem_slot slots[AXVCPU_GUEST_MEM_SLOTS];
};

/**
 * axvcpu_mem_init() - start tracking the guest memory of @vm (none yet).
 * @mem: the tracker.
 * @vm:  the VM; may be NULL: the tracker then only tracks memory, for
 *       tests and for building images offline (nothing is registered with
 *       a kernel, everything else works the same).
 */
void axvcpu_mem_init(struct axvcpu_guest_mem *mem, struct axvcpu_vm_handle *vm);

/**
 * axvcpu_mem_alloc() - mmap @size bytes of anonymous memory (zeroed,
 * MAP_NORESERVE: pages arrive when touched) and register them at @gpa in
 * the lowest slot number the tracker does not use.
 * @mem:   the tracker.
 * @gpa:   guest physical address (page-aligned).
 * @size:  bytes (page-aligned, not 0).
 * @flags: AXVCPU_MEM_* flags.
 * @hva:   out, may be NULL: the mapping.
 *
 * Return: 0; -EINVAL (alignment, size 0, a range past 2^64); -EEXIST
 * (overlaps a tracked region); -ENOSPC (all AXVCPU_GUEST_MEM_SLOTS in
 * use); or the ioctl's or mmap's negative errno (-EINVAL for a slot
 * beyond AXVCPU_CAP_MAX_MEM_REGIONS or a range beyond the guest physical
 * width); nothing is left behind on failure.
 */
int axvcpu_mem_alloc(struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t size,
		     uint32_t flags, void **hva);

/**
 * axvcpu_mem_map() - like axvcpu_mem_alloc() for memory the caller owns
 * (anonymous, shmem/memfd or hugetlbfs; it stays the caller's to unmap,
 * after axvcpu_mem_unmap()).
 * @mem:   the tracker.
 * @gpa:   guest physical address (page-aligned).
 * @size:  bytes (page-aligned, not 0).
 * @flags: AXVCPU_MEM_* flags.
 * @hva:   the caller's mapping (page-aligned, @size bytes).
 *
 * Return: as axvcpu_mem_alloc(); -EINVAL also for a NULL or unaligned @hva.
 */
int axvcpu_mem_map(struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t size,
		   uint32_t flags, void *hva);

/**
 * axvcpu_mem_unmap() - delete the region that starts at @gpa (and munmap
 * it when the library allocated it).
 * @mem: the tracker.
 * @gpa: the first guest physical address of a region.
 *
 * Return: 0; -ENOENT when no region starts there; or the ioctl's errno,
 * and the region is still tracked and mapped then.
 */
int axvcpu_mem_unmap(struct axvcpu_guest_mem *mem, uint64_t gpa);

/**
 * axvcpu_mem_release() - axvcpu_mem_unmap() every region, for the end of
 * a VM's life: a region whose deletion fails (the VM fd closed already,
 * say) is forgotten and munmapped all the same; a guest that still ran
 * would fail its next touch of it cleanly (guest memory follows the
 * mapping). The tracker is empty afterwards and may be used again.
 * @mem: the tracker.
 */
void axvcpu_mem_release(struct axvcpu_guest_mem *mem);

/**
 * axvcpu_mem_gpa_to_hva() - the host address of guest physical @gpa.
 * @mem: the tracker.
 * @gpa: guest physical address.
 * @len: bytes the caller will touch from there (at least 1 is assumed).
 *
 * Return: the pointer, or NULL when [@gpa, @gpa + @len) is not inside one
 * region.
 */
void *axvcpu_mem_gpa_to_hva(const struct axvcpu_guest_mem *mem, uint64_t gpa, uint64_t len);

/**
 * axvcpu_mem_hva_to_gpa() - the guest physical address of host @hva.
 * @mem: the tracker.
 * @hva: a host address.
 * @gpa: out: the guest physical address.
 *
 * Return: 0 with *@gpa set, or -ENOENT when @hva is in no region.
 */
int axvcpu_mem_hva_to_gpa(const struct axvcpu_guest_mem *mem, const void *hva, uint64_t *gpa);

/**
 * axvcpu_mem_write() - copy @len bytes from @src to guest physical @gpa;
 * the range may cross from one region into an adjacent one. Read-only
 * regions (AXVCPU_MEM_READONLY is for the guest) are written like any
 * other.
 * @mem: the tracker.
 * @gpa: guest physical address.
 * @src: the bytes.
 * @len: their number (0 does nothing and succeeds).
 *
 * Return: 0, or -EFAULT when part of the range is no guest RAM (nothing
 * is copied then).
 */
int axvcpu_mem_write(const struct axvcpu_guest_mem *mem, uint64_t gpa, const void *src,
		     size_t len);

/**
 * axvcpu_mem_read() - copy @len bytes from guest physical @gpa to @dst,
 * across adjacent regions as axvcpu_mem_write() does.
 * @mem: the tracker.
 * @gpa: guest physical address.
 * @dst: where the bytes go.
 * @len: their number.
 *
 * Return: as axvcpu_mem_write().
 */
int axvcpu_mem_read(const struct axvcpu_guest_mem *mem, uint64_t gpa, void *dst, size_t len);

/**
 * axvcpu_mem_fill() - set @len bytes at guest physical @gpa to @byte.
 * @mem:  the tracker.
 * @gpa:  guest physical address.
 * @byte: the value (converted to unsigned char, as memset() does).
 * @len:  bytes.
 *
 * Return: as axvcpu_mem_write().
 */
int axvcpu_mem_fill(const struct axvcpu_guest_mem *mem, uint64_t gpa, int byte, size_t len);

/* ---- loading guest images ----------------------------------------------- */

/* Image formats (struct axvcpu_image.format). */
#define AXVCPU_IMAGE_FLAT	1	/* raw bytes at a caller-given address */
#define AXVCPU_IMAGE_ELF64	2	/* ELF64 x86-64 executable */
#define AXVCPU_IMAGE_ELF32	3	/* ELF32 i386 executable */
#define AXVCPU_IMAGE_MULTIBOOT	4	/* ELF32 or ELF64 with a Multiboot 1 header */

/** AXVCPU_IMAGE_MAX_SEGMENTS - loadable segments an image may have. */
#define AXVCPU_IMAGE_MAX_SEGMENTS	16

/** AXVCPU_MULTIBOOT_BOOTLOADER_MAGIC - EAX at a Multiboot 1 entry. */
#define AXVCPU_MULTIBOOT_BOOTLOADER_MAGIC	0x2BADB002U

/**
 * struct axvcpu_image_segment - one loaded piece of an image.
 * @gpa:    guest physical address (an ELF segment's p_paddr).
 * @filesz: bytes copied from the file.
 * @memsz:  bytes it occupies (the rest, the bss, is zeroed).
 */
struct axvcpu_image_segment {
	uint64_t gpa;
	uint64_t filesz;
	uint64_t memsz;
};

/**
 * struct axvcpu_image - what a loader put into guest memory.
 * @format:      AXVCPU_IMAGE_*.
 * @mode:        the AXVCPU_MODE_* the image expects to start in: REAL for
 *               a flat image unless the caller says otherwise, LONG for
 *               ELF64, PROTECTED for ELF32 and Multiboot.
 * @entry:       guest physical address of the first instruction.
 * @low:         lowest guest physical address loaded.
 * @high:        end (exclusive) of the highest byte loaded, bss included.
 * @nr_segments: entries used in @segments.
 * @segments:    the loaded segments.
 * @mb_flags:    the Multiboot header's flags (AXVCPU_IMAGE_MULTIBOOT only).
 */
struct axvcpu_image {
	uint32_t format;
	uint32_t mode;
	uint64_t entry;
	uint64_t low;
	uint64_t high;
	unsigned int nr_segments;
	struct axvcpu_image_segment segments[AXVCPU_IMAGE_MAX_SEGMENTS];
	uint32_t mb_flags;
};

/**
 * axvcpu_image_probe() - the format of the image in @buf.
 * @buf: the file's bytes.
 * @len: their number.
 *
 * Return: AXVCPU_IMAGE_MULTIBOOT when a valid Multiboot 1 header (magic,
 * checksum) is in the first 8192 bytes, 4-aligned, of an ELF file;
 * AXVCPU_IMAGE_ELF64 / ELF32 for other x86 ELF executables;
 * AXVCPU_IMAGE_FLAT otherwise. Never fails.
 */
int axvcpu_image_probe(const void *buf, size_t len);

/**
 * DOC: loaders
 *
 * The loaders read untrusted files: every offset and size is checked
 * against @len before it is used, and the whole image is checked before
 * anything is written. A loader that fails has written nothing to guest
 * memory and has not touched @img. They work on a tracker without a VM
 * as well (axvcpu_mem_init() with NULL).
 */

/**
 * axvcpu_load_flat() - copy @len bytes of @buf to guest physical @gpa.
 * @mem: the guest memory.
 * @buf: the image.
 * @len: its bytes.
 * @gpa: where it goes.
 * @img: out: format FLAT, mode REAL, entry = low = @gpa, high = @gpa +
 *       @len, one segment.
 *
 * Return: 0; -ENOEXEC for @len 0 (an empty file is no image); -EFAULT
 * when the range is not guest RAM.
 */
int axvcpu_load_flat(struct axvcpu_guest_mem *mem, const void *buf, size_t len, uint64_t gpa,
		     struct axvcpu_image *img);

/**
 * axvcpu_load_elf() - load an x86 ELF32 (EM_386) or ELF64 (EM_X86_64)
 * little-endian ET_EXEC file: every PT_LOAD segment at its p_paddr, its
 * bss (p_memsz beyond p_filesz) zeroed; PT_LOAD entries with p_memsz 0
 * and other program headers are skipped. The entry is e_entry, translated
 * to a physical address (e_entry - p_vaddr + p_paddr) when it lies inside
 * a segment's [p_vaddr, p_vaddr + p_memsz), else taken as it is.
 * @mem: the guest memory.
 * @buf: the file's bytes.
 * @len: their number.
 * @img: out: format ELF64 (mode LONG) or ELF32 (mode PROTECTED), entry,
 *       the segments sorted by address, low and high.
 *
 * Return: 0; -ENOEXEC (not an x86 ELF executable, a header truncated, a
 * program header table outside @buf or with another e_phentsize, no
 * loadable segment, a segment whose file bytes lie outside @buf, filesz
 * > memsz, an address range past 2^64 (ELF32: past 4 GiB), overlapping
 * segments, more than AXVCPU_IMAGE_MAX_SEGMENTS); -EFAULT (a segment
 * outside guest RAM).
 */
int axvcpu_load_elf(struct axvcpu_guest_mem *mem, const void *buf, size_t len,
		    struct axvcpu_image *img);

/**
 * axvcpu_load_multiboot() - load a Multiboot 1 kernel given as an ELF
 * file (usually ELF32 whose segments may hold 64-bit code) as
 * axvcpu_load_elf() does, by p_paddr; the header's a.out address fields
 * (flag bit 16) are not used.
 * @mem: the guest memory.
 * @buf: the file's bytes.
 * @len: their number.
 * @img: out: as axvcpu_load_elf() fills it, with format MULTIBOOT, mode
 *       PROTECTED and @mb_flags the header's flags.
 *
 * Requirements the loader meets: flag bit 0 (modules page-aligned:
 * always) and bit 1 (memory information: always).
 * Return: as axvcpu_load_elf(); -ENOEXEC as well without a valid
 * Multiboot header (magic 0x1BADB002, magic + flags + checksum == 0,
 * 4-aligned, within the first 8192 bytes), with header flags among bits
 * 0-15 that ask for what the loader does not offer (bit 2, a video mode,
 * and every bit above it), and for an entry at or above 4 GiB.
 */
int axvcpu_load_multiboot(struct axvcpu_guest_mem *mem, const void *buf, size_t len,
			  struct axvcpu_image *img);

/**
 * axvcpu_load_file() - read @path, probe it (axvcpu_image_probe()) and
 * load it with the matching loader (a flat image at @flat_gpa).
 * @mem:      the guest memory.
 * @path:     the file.
 * @flat_gpa: where a flat image goes.
 * @img:      out: as the loader fills it.
 *
 * Return: as the loader; or -errno from opening or reading the file;
 * -EFBIG for a file of 4 GiB or more; -ENOMEM.
 */
int axvcpu_load_file(struct axvcpu_guest_mem *mem, const char *path, uint64_t flat_gpa,
		     struct axvcpu_image *img);

/**
 * struct axvcpu_multiboot_module - one Multiboot module.
 * @data:    its bytes (copied into guest memory).
 * @size:    their number.
 * @cmdline: its string (may be NULL: empty).
 */
struct axvcpu_multiboot_module {
	const void *data;
	size_t size;
	const char *cmdline;
};

/**
 * axvcpu_multiboot_info() - write a Multiboot 1 information block for
 * @img into guest memory.
 * @mem:     the guest memory.
 * @img:     the loaded image (only @img->high is used).
 * @cmdline: the kernel's command line (may be NULL: flag bit 2 clear).
 * @mods:    the modules (may be NULL when @nr_mods is 0).
 * @nr_mods: their number.
 * @info_gpa: out: the block's guest physical address (EBX at entry).
 *
 * The block has flags bit 0 (mem_lower: KiB of RAM from 0, at most 639
 * as the last KiB below 640 is the EBDA's; mem_upper: KiB of RAM
 * contiguous from 1 MiB), bit 2 with @cmdline, bit 3 (mods_count =
 * @nr_mods, mods_addr; entries mod_start, mod_end (exclusive), string,
 * 0), bit 6 (the memory map) and bit 9 (boot loader name "axvcpu-run").
 * The memory map lists the tracker's regions, merged where they touch:
 * type 1 (available) for RAM, type 2 (reserved) for AXVCPU_MEM_READONLY
 * regions and for [0x9fc00, 0xa0000) and [0xf0000, 0x100000) where RAM
 * covers them; [0xa0000, 0xf0000) is left out.
 *
 * Everything (block, map, module list, strings, module data, each module
 * page-aligned) goes into available RAM at or above @img->high rounded up
 * to a page, below 4 GiB, never into page 0, so never into a loaded
 * segment; in that order, upwards, skipping what does not fit.
 *
 * Return: 0; -ENOSPC when it does not fit (nothing is written then);
 * -EINVAL for modules NULL with @nr_mods > 0 or a module whose data is
 * NULL with a size; -ENOMEM.
 */
int axvcpu_multiboot_info(struct axvcpu_guest_mem *mem, const struct axvcpu_image *img,
			  const char *cmdline, const struct axvcpu_multiboot_module *mods,
			  unsigned int nr_mods, uint64_t *info_gpa);

/* ---- starting a VCPU in a mode ------------------------------------------- */

/**
 * DOC: start helpers
 *
 * Each helper is one AXVCPU_SETUP of a VCPU in state CREATED (it leaves
 * it FREE: bind it next); the kernel sets every GPR to 0 but RSP, RFLAGS
 * to 0x2 (IF clear), CR0.ET|NE, GDTR/IDTR limit 0 outside real mode.
 * @opts are the VCPU's AXVCPU_OPT_* options. Return: 0, or SETUP's
 * negative errno (-EBADFD not CREATED, -EINVAL a bad address for the
 * mode, ...).
 */

/**
 * axvcpu_vcpu_start_real() - SETUP @vcpu in real mode at @entry (CS =
 * @entry >> 4, IP = @entry & 0xf; an AP after STARTUP: @entry = vector
 * << 12), SS:SP = 0:0. RFLAGS is 0x2 (IF clear).
 * @vcpu:  a VCPU in state CREATED.
 * @entry: the first instruction, below 1 MiB.
 * @opts:  AXVCPU_OPT_* options.
 *
 * Return: 0 or SETUP's negative errno.
 */
int axvcpu_vcpu_start_real(struct axvcpu_vcpu_handle *vcpu, uint64_t entry, uint32_t opts);

/**
 * axvcpu_vcpu_start_protected() - SETUP @vcpu in 32-bit flat protected
 * mode (flat 4 GiB segments, CS 0x8, data 0x10), paging off, IF clear.
 * @vcpu:  a VCPU in state CREATED.
 * @entry: EIP, below 4 GiB.
 * @stack: ESP, below 4 GiB.
 * @opts:  AXVCPU_OPT_* options.
 *
 * Return: 0 or SETUP's negative errno.
 */
int axvcpu_vcpu_start_protected(struct axvcpu_vcpu_handle *vcpu, uint64_t entry,
				uint64_t stack, uint32_t opts);

/**
 * axvcpu_vcpu_start_long() - SETUP @vcpu in 64-bit mode with the kernel's
 * identity map of the first 4 GiB (2 MiB pages), IF clear.
 * @vcpu:           a VCPU in state CREATED.
 * @entry:          RIP, below 4 GiB (the only memory mapped).
 * @stack:          RSP, at most 4 GiB.
 * @page_table_gpa: six free, page-aligned pages of guest RAM the kernel
 *                  writes the tables into (CR3).
 * @opts:           AXVCPU_OPT_* options.
 *
 * Return: 0 or SETUP's negative errno (-ENOENT when the tables are not in
 * guest RAM).
 */
int axvcpu_vcpu_start_long(struct axvcpu_vcpu_handle *vcpu, uint64_t entry, uint64_t stack,
			   uint64_t page_table_gpa, uint32_t opts);

/**
 * axvcpu_vcpu_start_multiboot() - SETUP @vcpu as a Multiboot 1 loader
 * leaves it: 32-bit flat protected mode, paging off, IF clear, EIP =
 * @img->entry, EAX = AXVCPU_MULTIBOOT_BOOTLOADER_MAGIC, EBX = @info_gpa,
 * other GPRs 0 (ESP too: the kernel sets up its own stack), RFLAGS 0x2.
 * SETUP, then SET_REGS.
 * @vcpu:     a VCPU in state CREATED.
 * @img:      the image axvcpu_load_multiboot() loaded.
 * @info_gpa: the block axvcpu_multiboot_info() wrote.
 * @opts:     AXVCPU_OPT_* options.
 *
 * Return: 0; -EINVAL (before SETUP) when @img->entry or @info_gpa is not
 * below 4 GiB; SETUP's errno; SET_REGS's errno, which leaves the VCPU
 * FREE in protected mode at the entry with EAX and EBX 0.
 */
int axvcpu_vcpu_start_multiboot(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_image *img,
				uint64_t info_gpa, uint32_t opts);

/**
 * axvcpu_vm_create_flags() - AXVCPU_CREATE_VM with AXVCPU_VM_* @flags
 * (AXVCPU_VM_IPI_IN_KERNEL).
 * @sys:   the system.
 * @flags: AXVCPU_VM_* bits.
 * @vm:    out: the VM (@vm->fd is -1 on failure).
 *
 * Return: 0, -EINVAL for an unknown flag, or CREATE_VM's other errors.
 */
int axvcpu_vm_create_flags(struct axvcpu_sys *sys, uint32_t flags, struct axvcpu_vm_handle *vm);

#ifdef __cplusplus
}
#endif

#endif /* AXVCPU_USER_H */
