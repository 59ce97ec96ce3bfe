// SPDX-License-Identifier: MIT
/*
 * The workloads over a hypervisor API (struct bench_backend): the same
 * loops, checks and timing for /dev/axvcpu and /dev/kvm. Every
 * measurement times, in user space, a loop of N operations; the report
 * divides by N and takes the median of the measurements.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

/* Untimed rounds first: the code page's first fault, caches, branch history. */
#define BENCH_WARMUP	10

static const char *const exit_names[] = {
	[BENCH_EXIT_IO_OUT] = "IO_OUT", [BENCH_EXIT_IO_IN] = "IO_IN",
	[BENCH_EXIT_MMIO_WRITE] = "MMIO_WRITE", [BENCH_EXIT_MMIO_READ] = "MMIO_READ",
	[BENCH_EXIT_HYPERCALL] = "HYPERCALL", [BENCH_EXIT_IRQ_WINDOW] = "IRQ_WINDOW",
};

/* Run once and insist on exit @kind at @where (a port, a GPA, a number). */
static void run_expect(const struct bench_backend *b, struct bench_vm *vm, enum bench_op_id op,
		       int kind, uint64_t where)
{
	struct bench_exit e;
	uint64_t got;

	b->run(vm, op, &e);
	got = kind == BENCH_EXIT_IO_OUT || kind == BENCH_EXIT_IO_IN ? e.port : e.addr;
	if (e.kind != kind || got != where)
		bench_die(op, "exit %s at %#llx, expected %s at %#llx", exit_names[e.kind],
			  (unsigned long long)(e.kind == BENCH_EXIT_IO_OUT ||
					       e.kind == BENCH_EXIT_IO_IN ? e.port : e.addr),
			  exit_names[kind], (unsigned long long)where);
}

/* The exit each loop of the exit workloads makes, and where. */
static void expected_exit(enum bench_op_id op, int *kind, uint64_t *where)
{
	switch (op) {
	case BENCH_PIO_OUT:
		*kind = BENCH_EXIT_IO_OUT;
		*where = BENCH_PORT_PIO;
		break;
	case BENCH_PIO_IN:
		*kind = BENCH_EXIT_IO_IN;
		*where = BENCH_PORT_PIO;
		break;
	case BENCH_MMIO_WRITE:
		*kind = BENCH_EXIT_MMIO_WRITE;
		*where = BENCH_MMIO_GPA;
		break;
	case BENCH_MMIO_READ:
		*kind = BENCH_EXIT_MMIO_READ;
		*where = BENCH_MMIO_GPA;
		break;
	case BENCH_HYPERCALL:
		*kind = BENCH_EXIT_HYPERCALL;
		*where = BENCH_HC_NR;
		break;
	default:
		/* BENCH_IRQ: the handler's acknowledgement. */
		*kind = BENCH_EXIT_IO_OUT;
		*where = BENCH_PORT_ACK;
		break;
	}
}

/* One operation of an exit workload: RUN to its exit and complete it. */
static void exit_once(const struct bench_backend *b, struct bench_vm *vm, enum bench_op_id op,
		      int kind, uint64_t where, uint64_t i)
{
	if (op == BENCH_IRQ)
		b->inject(vm, op, BENCH_IRQ_VECTOR);
	run_expect(b, vm, op, kind, where);
	if (kind == BENCH_EXIT_IO_IN || kind == BENCH_EXIT_MMIO_READ ||
	    kind == BENCH_EXIT_HYPERCALL)
		b->complete(vm, i);
}

static void bench_exits(const struct bench_backend *b, enum bench_op_id op)
{
	unsigned long n = bench_iters(op), i, runs = 0;
	struct bench_vm *vm = b->open(op);
	uint64_t where, t0;
	unsigned int rep;
	int kind;

	expected_exit(op, &kind, &where);
	for (i = 0; i < BENCH_WARMUP; i++)
		exit_once(b, vm, op, kind, where, i);
	for (rep = 0; rep < bench_opt.reps; rep++) {
		runs = vm->runs;
		t0 = bench_now_ns();
		for (i = 0; i < n; i++)
			exit_once(b, vm, op, kind, where, i);
		bench_result(op, n, bench_now_ns() - t0, "ns");
	}
	/* The interrupt's round trip takes one RUN or more, by API. */
	bench_info("runs_per_op", "%s %.2f", bench_ops[op].name, (double)(vm->runs - runs) / n);
	b->close(vm);
}

/* CPUID: batches of n exits the kernel handles, each ended by one OUT. */
static void bench_cpuid(const struct bench_backend *b)
{
	unsigned long n = bench_iters(BENCH_CPUID);
	struct bench_vm *vm = b->open(BENCH_CPUID);
	int64_t k0 = 0, k1 = 0;
	unsigned int rep;
	uint64_t t0;

	bench_set_count(vm->ram, BENCH_WARMUP);
	run_expect(b, vm, BENCH_CPUID, BENCH_EXIT_IO_OUT, BENCH_PORT_DONE);
	bench_set_count(vm->ram, (uint32_t)n);
	for (rep = 0; rep < bench_opt.reps; rep++) {
		k0 = b->kernel_exits(vm);
		t0 = bench_now_ns();
		run_expect(b, vm, BENCH_CPUID, BENCH_EXIT_IO_OUT, BENCH_PORT_DONE);
		bench_result(BENCH_CPUID, n, bench_now_ns() - t0, "ns");
		k1 = b->kernel_exits(vm);
		/* Each CPUID must have exited: the counter proves it where there is one. */
		if (k0 >= 0 && (uint64_t)(k1 - k0) < n)
			bench_die(BENCH_CPUID, "%lld exits handled in the kernel for %lu CPUIDs",
				  (long long)(k1 - k0), n);
	}
	if (k1 >= 0)
		bench_info("kernel_exits_per_op", "cpuid %.3f", (double)(k1 - k0) / n);
	b->close(vm);
}

/* Create, set up, run to the first exit and destroy, n times. */
static void bench_vm_cycle(const struct bench_backend *b)
{
	unsigned long n = bench_iters(BENCH_VM_CYCLE), i;
	struct bench_vm *vm;
	unsigned int rep;
	uint64_t t0;

	/* Warm up the allocators and the module's first-VM paths. */
	vm = b->open(BENCH_VM_CYCLE);
	run_expect(b, vm, BENCH_VM_CYCLE, BENCH_EXIT_IO_OUT, BENCH_PORT_DONE);
	b->close(vm);
	for (rep = 0; rep < bench_opt.reps; rep++) {
		t0 = bench_now_ns();
		for (i = 0; i < n; i++) {
			vm = b->open(BENCH_VM_CYCLE);
			run_expect(b, vm, BENCH_VM_CYCLE, BENCH_EXIT_IO_OUT, BENCH_PORT_DONE);
			b->close(vm);
		}
		bench_result(BENCH_VM_CYCLE, n, bench_now_ns() - t0, "ns");
	}
}

/* First touch of fresh memory, one byte a page: n pages a measurement. */
static void bench_touch(const struct bench_backend *b, enum bench_op_id op)
{
	unsigned long pages = bench_iters(op);
	size_t size = pages << 12;
	struct bench_vm *vm;
	unsigned int rep;
	int64_t k0;
	uint64_t t0;
	void *mem;

	for (rep = 0; rep < bench_opt.reps; rep++) {
		vm = b->open(op);
		mem = bench_map_touch(size, op == BENCH_TOUCH_4K);
		b->map_touch(vm, mem, size);
		bench_set_touch(vm->ram, BENCH_TOUCH_GPA, BENCH_TOUCH_GPA + size);
		k0 = b->kernel_exits(vm);
		t0 = bench_now_ns();
		run_expect(b, vm, op, BENCH_EXIT_IO_OUT, BENCH_PORT_DONE);
		bench_result(op, pages, bench_now_ns() - t0, "ns");
		if (k0 >= 0)
			bench_info("kernel_exits_per_op", "%s %.3f", bench_ops[op].name,
				   (double)(b->kernel_exits(vm) - k0) / pages);
		b->close(vm);
		munmap(mem, size);
	}
}

/* Memory charged per VCPU: VMs of 64 VCPUs, each VM's own cost left out. */
static void bench_vcpu_mem(const struct bench_backend *b)
{
	unsigned long n = bench_iters(BENCH_VCPU_MEM);
	unsigned int per_vm = n < BENCH_MEM_VCPUS_PER_VM ? n : BENCH_MEM_VCPUS_PER_VM;
	unsigned int nr_vms = n / per_vm, rep, i;
	struct bench_vm **vms = calloc(nr_vms, sizeof(*vms));
	const char *source = "";
	uint64_t before, total;

	if (!vms)
		bench_die(BENCH_VCPU_MEM, "out of memory");
	for (rep = 0; rep < bench_opt.reps; rep++) {
		total = 0;
		for (i = 0; i < nr_vms; i++) {
			vms[i] = b->open_empty();
			before = bench_kernel_mem(&source);
			b->add_vcpus(vms[i], per_vm);
			total += bench_kernel_mem(&source) - before;
		}
		bench_result(BENCH_VCPU_MEM, (unsigned long)nr_vms * per_vm, total, "bytes");
		for (i = 0; i < nr_vms; i++)
			b->close(vms[i]);
	}
	bench_info("vcpu_mem_source", "%s", source);
	free(vms);
}

int bench_main(const struct bench_backend *b, const char *side, int argc, char **argv)
{
	unsigned int op;

	bench_parse(side, argc, argv);
	bench_pin();
	for (op = 0; op < BENCH_NR_OPS; op++) {
		if (!bench_opt.want[op])
			continue;
		switch (op) {
		case BENCH_CPUID:
			bench_cpuid(b);
			break;
		case BENCH_VM_CYCLE:
			bench_vm_cycle(b);
			break;
		case BENCH_TOUCH:
		case BENCH_TOUCH_4K:
			bench_touch(b, op);
			break;
		case BENCH_VCPU_MEM:
			bench_vcpu_mem(b);
			break;
		default:
			bench_exits(b, op);
			break;
		}
	}
	return 0;
}
