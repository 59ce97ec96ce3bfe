// SPDX-License-Identifier: MIT
/*
 * axvcpu_bench: the benchmark's workloads on /dev/axvcpu, through
 * libaxvcpu-user, as any VMM would use it (Documentation/performance.rst).
 *
 *   axvcpu_bench [--quick] [--reps N] [--iters N] [--op NAME]...
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <axvcpu-user.h>

#include "bench.h"

/**
 * struct ax_vm - one VM with (at most) one VCPU in use.
 * @base:   what the driver sees.
 * @vm:     the VM.
 * @mem:    its guest memory.
 * @vcpu:   its VCPU 0 (@vcpus[0] for BENCH_VCPU_MEM).
 * @vcpus:  BENCH_VCPU_MEM's VCPUs, or NULL.
 * @nr_vcpus: their number.
 */
struct ax_vm {
	struct bench_vm base;
	struct axvcpu_vm_handle vm;
	struct axvcpu_guest_mem mem;
	struct axvcpu_vcpu_handle vcpu;
	struct axvcpu_vcpu_handle *vcpus;
	unsigned int nr_vcpus;
};

#define to_ax(v)	((struct ax_vm *)(v))

/* /dev/axvcpu, opened once as a VMM would. */
static struct axvcpu_sys ax_sys = { .fd = -1 };

static void check(int op, int ret, const char *what)
{
	if (ret < 0)
		bench_die(op, "%s: %s", what, axvcpu_strerror(ret));
}

static struct ax_vm *ax_vm_create(int op)
{
	struct ax_vm *g = calloc(1, sizeof(*g));
	unsigned int tries = 0;
	int ret;

	if (!g)
		bench_die(op, "out of memory");
	if (ax_sys.fd < 0)
		check(op, axvcpu_open(&ax_sys, NULL), "open /dev/axvcpu");
	/* The side that ran before may still hold SVM for a moment. */
	do
		ret = axvcpu_vm_create(&ax_sys, &g->vm);
	while (bench_retry_busy(ret, &tries));
	check(op, ret, "AXVCPU_CREATE_VM");
	axvcpu_mem_init(&g->mem, &g->vm);
	return g;
}

static struct bench_vm *ax_open(enum bench_op_id op)
{
	struct ax_vm *g = ax_vm_create(op);

	check(op, axvcpu_mem_alloc(&g->mem, 0, BENCH_RAM_SIZE, 0, &g->base.ram),
	      "guest RAM");
	bench_image_copy(g->base.ram);
	check(op, axvcpu_vcpu_create(&g->vm, 0, &g->vcpu), "AXVCPU_CREATE_VCPU");
	check(op, axvcpu_vcpu_start_protected(&g->vcpu, bench_entry_gpa(op), BENCH_STACK_TOP, 0),
	      "AXVCPU_SETUP");
	check(op, axvcpu_vcpu_bind(&g->vcpu), "AXVCPU_BIND");
	return &g->base;
}

static void ax_close(struct bench_vm *v)
{
	struct ax_vm *g = to_ax(v);
	unsigned int i;

	for (i = 0; i < g->nr_vcpus; i++)
		axvcpu_vcpu_close(&g->vcpus[i]);
	free(g->vcpus);
	if (g->vcpu.run)
		axvcpu_vcpu_close(&g->vcpu);
	axvcpu_mem_release(&g->mem);
	axvcpu_vm_close(&g->vm);
	free(g);
}

/* The exits a workload may end in, as the driver names them; 0: none. */
static const int ax_kinds[AXVCPU_EXIT_NR] = {
	[AXVCPU_EXIT_IO_WRITE]	 = BENCH_EXIT_IO_OUT,
	[AXVCPU_EXIT_IO_READ]	 = BENCH_EXIT_IO_IN,
	[AXVCPU_EXIT_MMIO_WRITE] = BENCH_EXIT_MMIO_WRITE,
	[AXVCPU_EXIT_MMIO_READ]	 = BENCH_EXIT_MMIO_READ,
	[AXVCPU_EXIT_HYPERCALL]	 = BENCH_EXIT_HYPERCALL,
};

static void ax_run(struct bench_vm *v, enum bench_op_id op, struct bench_exit *e)
{
	struct ax_vm *g = to_ax(v);
	struct axvcpu_run *run = g->vcpu.run;
	uint32_t reason;
	int ret;

	do {
		ret = axvcpu_vcpu_run(&g->vcpu);
		v->runs++;
	} while (ret == -EINTR);
	check(op, ret, "AXVCPU_RUN");
	reason = run->exit_reason;
	e->kind = reason < AXVCPU_EXIT_NR ? ax_kinds[reason] : 0;
	if (!e->kind)
		bench_die(op, "exit %s at RIP %#llx", axvcpu_exit_reason_name(reason),
			  (unsigned long long)run->rip);
	/* The union's member of another exit is never looked at. */
	e->port = run->io.port;
	e->addr = e->kind == BENCH_EXIT_HYPERCALL ? run->hypercall.nr : run->mmio.gpa;
}

static void ax_complete(struct bench_vm *v, uint64_t value)
{
	struct ax_vm *g = to_ax(v);

	switch (g->vcpu.run->exit_reason) {
	case AXVCPU_EXIT_IO_READ:
		axvcpu_complete_io_read(&g->vcpu, value);
		break;
	case AXVCPU_EXIT_MMIO_READ:
		axvcpu_complete_mmio_read(&g->vcpu, value);
		break;
	default:
		axvcpu_complete_hypercall(&g->vcpu, value);
		break;
	}
}

/* axvcpu keeps the interrupt pending until the guest can take it. */
static void ax_inject(struct bench_vm *v, enum bench_op_id op, unsigned int vector)
{
	check(op, axvcpu_vcpu_inject_interrupt(&to_ax(v)->vcpu, vector),
	      "AXVCPU_INJECT_INTERRUPT");
}

static void ax_map_touch(struct bench_vm *v, void *hva, size_t size)
{
	check(BENCH_TOUCH, axvcpu_mem_map(&to_ax(v)->mem, BENCH_TOUCH_GPA, size, 0, hva),
	      "touch region");
}

/* GET_STATS: every hardware exit the kernel handled without returning. */
static int64_t ax_kernel_exits(struct bench_vm *v)
{
	struct axvcpu_stats stats;

	check(-1, axvcpu_vcpu_get_stats(&to_ax(v)->vcpu, &stats), "AXVCPU_GET_STATS");
	return (int64_t)stats.exits[AXVCPU_EXIT_NOTHING];
}

static struct bench_vm *ax_open_empty(void)
{
	return &ax_vm_create(BENCH_VCPU_MEM)->base;
}

static void ax_add_vcpus(struct bench_vm *v, unsigned int n)
{
	struct ax_vm *g = to_ax(v);
	unsigned int i;

	g->vcpus = calloc(n, sizeof(*g->vcpus));
	if (!g->vcpus)
		bench_die(BENCH_VCPU_MEM, "out of memory");
	for (i = 0; i < n; i++) {
		check(BENCH_VCPU_MEM, axvcpu_vcpu_create(&g->vm, i, &g->vcpus[i]),
		      "AXVCPU_CREATE_VCPU");
		g->nr_vcpus = i + 1;
		check(BENCH_VCPU_MEM,
		      axvcpu_vcpu_start_protected(&g->vcpus[i], bench_entry_gpa(BENCH_CPUID),
						  BENCH_STACK_TOP, 0), "AXVCPU_SETUP");
	}
}

BENCH_BACKEND_MAIN(ax, "axvcpu")
