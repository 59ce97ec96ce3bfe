/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's shared description (Documentation/performance.rst): the
 * guest's memory layout, ports and vectors, and the runners' common
 * helpers. One guest image (guest.S) holds every workload; the axvcpu
 * runner, the KVM runner and the floor module all load the same bytes at
 * BENCH_CODE_GPA and start at the workload's entry, in 32-bit protected
 * mode with flat segments and paging off, so every side runs identical
 * guest code.
 *
 * Result lines (one per measurement, on stdout, for bench/report.c):
 *   # AXVCPU-BENCH SIDE OP N VALUE UNIT
 * SIDE is axvcpu, kvm or floor; N the operations measured; VALUE their
 * total (UNIT ns, or bytes for memory). Notes for people and the report:
 *   # AXVCPU-BENCH-INFO SIDE KEY VALUE...
 * and an error, after which the runner exits non-zero:
 *   # AXVCPU-BENCH-ERROR SIDE OP message
 */
#ifndef BENCH_H
#define BENCH_H

/* Guest physical layout. The floor maps only the first BENCH_FLOOR_RAM. */
#define BENCH_RAM_SIZE		0x100000	/* RAM at GPA 0: 1 MiB */
#define BENCH_FLOOR_RAM		0x10000		/* what the cpuid loop needs */
#define BENCH_PARAM_GPA		0x500		/* struct bench_params */
#define BENCH_PARAM_COUNT	(BENCH_PARAM_GPA + 0)
#define BENCH_PARAM_TOUCH_BASE	(BENCH_PARAM_GPA + 4)
#define BENCH_PARAM_TOUCH_END	(BENCH_PARAM_GPA + 8)
#define BENCH_CODE_GPA		0x1000		/* the image */
#define BENCH_STACK_TOP		0xf000
#define BENCH_MMIO_GPA		0xd0000000	/* no memory there: MMIO */
#define BENCH_TOUCH_GPA		0x10000000	/* the first-touch region */

/* Ports: end of a batch, the PIO workloads, the interrupt handler's ack. */
#define BENCH_PORT_DONE		0xe0
#define BENCH_PORT_PIO		0xe1
#define BENCH_PORT_ACK		0xe2

#define BENCH_IRQ_VECTOR	0x30
/*
 * The hypercall: KVM_HC_MAP_GPA_RANGE (include/uapi/linux/kvm_para.h),
 * the one number KVM 6.1 hands to user space (KVM_CAP_EXIT_HYPERCALL),
 * with the arguments it checks (a page-aligned GPA, a page count) in RBX
 * and RCX, and for axvcpu's ABI in RDI and RSI as well.
 */
#define BENCH_HC_NR		12
#define BENCH_HC_GPA		0x1000
#define BENCH_HC_NPAGES		1

/* Offsets in the image of its descriptor tables and interrupt handler. */
#define BENCH_GDT_OFF		0x00
#define BENCH_GDT_DESC_OFF	0x18
#define BENCH_IDT_DESC_OFF	0x20
#define BENCH_HANDLER_OFF	0x30
#define BENCH_IDT_OFF		0x40
#define BENCH_ENTRIES_OFF	0x200

/* Flat selectors of the image's GDT (and of both runners' boot state). */
#define BENCH_SEL_CODE		0x08
#define BENCH_SEL_DATA		0x10

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* The image and its entries (guest.S). */
extern const unsigned char bench_guest_start[], bench_guest_end[];

/**
 * enum bench_op_id - the workloads, in the order they run and are reported.
 * @BENCH_CPUID:      CPUID loop, each exit handled in the kernel.
 * @BENCH_PIO_OUT:    OUT to a port: exit to user space and back.
 * @BENCH_PIO_IN:     IN from a port, completed with a value by user space.
 * @BENCH_MMIO_WRITE: 32-bit store to unbacked memory, decoded in the kernel.
 * @BENCH_MMIO_READ:  32-bit load from it, completed by user space.
 * @BENCH_HYPERCALL:  VMMCALL to user space.
 * @BENCH_IRQ:        interrupt injected by the host, acknowledged by the
 *                    guest's handler with an OUT.
 * @BENCH_VM_CYCLE:   VM and VCPU created, set up, run to the first exit,
 *                    destroyed.
 * @BENCH_TOUCH:      first touch of 256 MiB of guest memory, the mapping
 *                    as the host's THP policy makes it.
 * @BENCH_TOUCH_4K:   the same with MADV_NOHUGEPAGE: one 4 KiB page each.
 * @BENCH_VCPU_MEM:   kernel memory charged per VCPU.
 * @BENCH_NR_OPS:     their number.
 */
enum bench_op_id {
	BENCH_CPUID,
	BENCH_PIO_OUT,
	BENCH_PIO_IN,
	BENCH_MMIO_WRITE,
	BENCH_MMIO_READ,
	BENCH_HYPERCALL,
	BENCH_IRQ,
	BENCH_VM_CYCLE,
	BENCH_TOUCH,
	BENCH_TOUCH_4K,
	BENCH_VCPU_MEM,
	BENCH_NR_OPS
};

/**
 * struct bench_op - a workload as the runners see it.
 * @name:  its name in result lines.
 * @entry: its first instruction in the image, or NULL (no guest code).
 * @iters: operations per measurement by default.
 * @quick: the same with --quick (make check: proves it works, nothing more).
 */
struct bench_op {
	const char *name;
	const unsigned char *entry;
	unsigned long iters;
	unsigned long quick;
};

extern const struct bench_op bench_ops[BENCH_NR_OPS];

/**
 * struct bench_opts - what the command line asked for.
 * @side:   "axvcpu", "kvm" or "floor", for result lines.
 * @reps:   measurements per workload.
 * @iters:  operations per measurement of the exit loops, 0 for their
 *          defaults.
 * @quick:  --quick: each workload's tiny count, one measurement.
 * @want:   the workloads to run (all unless --op was given).
 */
struct bench_opts {
	const char *side;
	unsigned int reps;
	unsigned long iters;
	int quick;
	int want[BENCH_NR_OPS];
};

/* The runner's options, set by bench_parse(). */
extern struct bench_opts bench_opt;

/*
 * VCPUs per VM for BENCH_VCPU_MEM (axvcpu allows 64 in one VM); the op's
 * count is a multiple of it, or BENCH_MEM_VCPUS_QUICK in one VM.
 */
#define BENCH_MEM_VCPUS_PER_VM	64
#define BENCH_MEM_VCPUS_QUICK	4

/* Bytes of guest memory the touch workloads write, one byte a page. */
#define BENCH_TOUCH_BYTES	(256UL << 20)
#define BENCH_TOUCH_QUICK	(4UL << 20)

/**
 * bench_parse() - read the command line every runner shares:
 * [--quick] [--reps N] [--iters N] [--op NAME]... (--op repeats; without
 * it every workload runs) into bench_opt; a bad one exits with a usage
 * message. --list prints the workloads' names, one a line, and exits.
 * @side: "axvcpu", "kvm" or "floor".
 * @argc: from main().
 * @argv: from main().
 */
void bench_parse(const char *side, int argc, char **argv);

/** bench_iters() - operations per measurement of workload @op. */
unsigned long bench_iters(enum bench_op_id op);

/** bench_entry_gpa() - guest physical address of workload @op's entry. */
uint32_t bench_entry_gpa(enum bench_op_id op);

/** bench_image_size() - bytes of the guest image. */
size_t bench_image_size(void);

/** bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/**
 * bench_result() - print a result line.
 * @op:    the workload.
 * @n:     operations measured.
 * @value: their total.
 * @unit:  "ns" or "bytes".
 */
void bench_result(enum bench_op_id op, unsigned long n, uint64_t value, const char *unit);

/** bench_info() - print a note: "# AXVCPU-BENCH-INFO SIDE KEY ..." */
void bench_info(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** bench_die() - print an error line for @op (-1: none) and exit 1. */
void bench_die(int op, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/**
 * bench_pin() - pin the calling thread to the highest online CPU, so that
 * no migration disturbs a measurement, and lift RLIMIT_MEMLOCK.
 */
void bench_pin(void);

/**
 * bench_retry_busy() - whether to try again an operation that failed with
 * @err: -EBUSY (SVM still held by the side that ran before; its VMs die
 * with its process a moment after it exits) for up to 5 s.
 * @tries: a counter the caller keeps, 0 at first.
 *
 * Return: true after sleeping 10 ms; false when @err is another error or
 * the time is up.
 */
int bench_retry_busy(int err, unsigned int *tries);

/**
 * bench_map_touch() - anonymous memory for a touch workload, not yet
 * touched, aligned to 2 MiB so that THP applies to all of it or none.
 * @size:   bytes.
 * @no_thp: MADV_NOHUGEPAGE it.
 *
 * Return: the mapping; exits on failure.
 */
void *bench_map_touch(size_t size, int no_thp);

/**
 * bench_kernel_mem() - kernel memory charged so far: the "kernel" field of
 * the calling process's memory cgroup's memory.stat when it has one
 * (cgroup v2, memory controller on), else /proc/meminfo's Slab +
 * KernelStack + PageTables (system wide, and blind to pages taken
 * straight from the page allocator).
 * @source: out, may be NULL: "memcg" or "meminfo".
 *
 * Return: bytes; exits when neither can be read.
 */
uint64_t bench_kernel_mem(const char **source);

/** bench_image_copy() - the image into guest RAM @ram (host view of GPA 0). */
void bench_image_copy(void *ram);

/**
 * bench_set_count() - the batch size the cpuid workload reads
 * (BENCH_PARAM_COUNT) in guest RAM @ram.
 */
void bench_set_count(void *ram, uint32_t count);

/** bench_set_touch() - the range [@base, @end) the touch workloads write. */
void bench_set_touch(void *ram, uint32_t base, uint32_t end);

/* ---- The runners over a hypervisor API (driver.c) -------------------- */

/**
 * enum bench_exit_kind - an exit to user space, as both APIs report it.
 * @BENCH_EXIT_IO_OUT:     OUT; @port.
 * @BENCH_EXIT_IO_IN:      IN; @port; complete it with a value.
 * @BENCH_EXIT_MMIO_WRITE: store; @addr.
 * @BENCH_EXIT_MMIO_READ:  load; @addr; complete it with a value.
 * @BENCH_EXIT_HYPERCALL:  VMMCALL; @addr is its number; complete it.
 * @BENCH_EXIT_IRQ_WINDOW: the guest can take an interrupt (asked for).
 */
enum bench_exit_kind {
	BENCH_EXIT_IO_OUT = 1,
	BENCH_EXIT_IO_IN,
	BENCH_EXIT_MMIO_WRITE,
	BENCH_EXIT_MMIO_READ,
	BENCH_EXIT_HYPERCALL,
	BENCH_EXIT_IRQ_WINDOW,
};

/**
 * struct bench_exit - the exit a backend's run() returned.
 * @kind: an enum bench_exit_kind.
 * @port: the I/O port.
 * @addr: the MMIO guest physical address, or the hypercall number.
 */
struct bench_exit {
	int kind;
	uint32_t port;
	uint64_t addr;
};

/**
 * struct bench_vm - a VM as the driver sees it; a backend's own state
 * follows it in a larger struct.
 * @ram:  host view of its guest RAM at GPA 0 (NULL for bench_backend's
 *        open_empty()).
 * @runs: RUN calls made on its VCPU.
 */
struct bench_vm {
	void *ram;
	unsigned long runs;
};

/**
 * struct bench_backend - a hypervisor API. Every call exits through
 * bench_die() on a failure, naming the workload.
 * @open:         a VM with BENCH_RAM_SIZE of RAM at GPA 0 holding the
 *                image, and one VCPU set up in protected mode at the
 *                entry of @op, ready to RUN from the calling thread.
 *                An -EBUSY from VM creation is retried
 *                (bench_retry_busy()).
 * @close:        destroy it, freeing everything.
 * @run:          RUN once (again after an interruption by a signal) and
 *                decode the exit; any exit not in enum bench_exit_kind
 *                is fatal.
 * @complete:     give the last IN, MMIO read or hypercall @value.
 * @inject:       deliver interrupt @vector the way a VMM with its
 *                interrupt controller in user space must: at once where
 *                the API queues it, or after running to an interrupt
 *                window.
 * @map_touch:    add @size bytes at @hva as guest memory at
 *                BENCH_TOUCH_GPA.
 * @kernel_exits: exits the kernel handled by itself so far, or -1 when
 *                the API does not count them.
 * @open_empty:   a VM with neither RAM nor VCPUs, for BENCH_VCPU_MEM.
 * @add_vcpus:    create @n VCPUs (ids from 0) in it and set each up as
 *                @open does, RUN excepted.
 */
struct bench_backend {
	struct bench_vm *(*open)(enum bench_op_id op);
	void (*close)(struct bench_vm *vm);
	void (*run)(struct bench_vm *vm, enum bench_op_id op, struct bench_exit *e);
	void (*complete)(struct bench_vm *vm, uint64_t value);
	void (*inject)(struct bench_vm *vm, enum bench_op_id op, unsigned int vector);
	void (*map_touch)(struct bench_vm *vm, void *hva, size_t size);
	int64_t (*kernel_exits)(struct bench_vm *vm);
	struct bench_vm *(*open_empty)(void);
	void (*add_vcpus)(struct bench_vm *vm, unsigned int n);
};

/**
 * bench_main() - the runner's main(): parse the command line, pin, run
 * the wanted workloads @o->reps times each over @b, print the results.
 * @b:    the backend.
 * @side: its name in result lines.
 * @argc: from main().
 * @argv: from main().
 *
 * Return: 0 (failures exit through bench_die()).
 */
int bench_main(const struct bench_backend *b, const char *side, int argc, char **argv);

/**
 * BENCH_BACKEND_MAIN() - a runner's backend table, from its functions
 * @p_open() .. @p_add_vcpus(), and its main(), which hands it to
 * bench_main() as @side.
 */
#define BENCH_BACKEND_MAIN(p, side)					\
	static const struct bench_backend p##_backend = {		\
		.open = p##_open, .close = p##_close, .run = p##_run,	\
		.complete = p##_complete, .inject = p##_inject,		\
		.map_touch = p##_map_touch,				\
		.kernel_exits = p##_kernel_exits,			\
		.open_empty = p##_open_empty,				\
		.add_vcpus = p##_add_vcpus,				\
	};								\
	int main(int argc, char **argv)					\
	{								\
		return bench_main(&p##_backend, (side), argc, argv);	\
	}

#endif /* __ASSEMBLER__ */

#endif /* BENCH_H */
