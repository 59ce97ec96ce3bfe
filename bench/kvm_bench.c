// SPDX-License-Identifier: MIT
/*
 * kvm_bench: the benchmark's workloads on /dev/kvm, over <linux/kvm.h>
 * alone, as a VMM with its interrupt controller in user space uses it
 * (Documentation/performance.rst): the same guest image and the same
 * protected-mode start as axvcpu_bench, KVM's supported CPUID table in
 * each VCPU, KVM_CAP_EXIT_HYPERCALL for the hypercall, KVM_INTERRUPT
 * at an interrupt window for the interrupt.
 *
 *   kvm_bench [--quick] [--reps N] [--iters N] [--op NAME]...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "bench.h"

_Static_assert(BENCH_HC_NR == KVM_HC_MAP_GPA_RANGE, "the hypercall KVM hands to user space");

/**
 * struct kvm_bvm - one VM.
 * @base:     what the driver sees.
 * @fd:       the VM fd.
 * @vcpu:     the fds of its VCPUs (VCPU 0 is the one that runs).
 * @run:      their mapped struct kvm_run.
 * @nr_vcpus: their number.
 * @stats_fd: VCPU 0's binary statistics (KVM_GET_STATS_FD), or -1.
 */
struct kvm_bvm {
	struct bench_vm base;
	int fd;
	int *vcpu;
	struct kvm_run **run;
	unsigned int nr_vcpus;
	int stats_fd;
};

#define to_kvm(v)	((struct kvm_bvm *)(v))

/* /dev/kvm and what every VM uses, read once. */
static int kvm_fd = -1;
static size_t run_size;
static struct kvm_cpuid2 *cpuid;
/* Offset of the "exits" counter in a VCPU's statistics data. */
static off_t exits_offset = -1;

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

static int check(int op, int ret, const char *what)
{
	if (ret < 0)
		bench_die(op, "%s: %s", what, strerror(-ret));
	return ret;
}

static void kvm_init(int op)
{
	int nent = 64, ret;

	if (kvm_fd >= 0)
		return;
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		bench_die(op, "open /dev/kvm: %s", strerror(errno));
	if (ioctl(kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		bench_die(op, "KVM API version is not %d", KVM_API_VERSION);
	run_size = (size_t)check(op, xioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0),
				 "KVM_GET_VCPU_MMAP_SIZE");
	for (;;) {
		cpuid = realloc(cpuid, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			bench_die(op, "out of memory");
		cpuid->nent = nent;
		ret = xioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (ret != -E2BIG)
			break;
		nent *= 2;
	}
	check(op, ret, "KVM_GET_SUPPORTED_CPUID");
	ret = xioctl(kvm_fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_EXIT_HYPERCALL);
	if (ret < 0 || !(ret & (1 << KVM_HC_MAP_GPA_RANGE)))
		bench_die(op, "no KVM_CAP_EXIT_HYPERCALL for KVM_HC_MAP_GPA_RANGE");
}

static struct kvm_bvm *kvm_vm_create(int op)
{
	struct kvm_bvm *g;
	unsigned int tries = 0;
	int ret;

	kvm_init(op);
	g = calloc(1, sizeof(*g));
	if (!g)
		bench_die(op, "out of memory");
	g->stats_fd = -1;
	/* The side that ran before may still hold SVM for a moment. */
	do
		ret = xioctl(kvm_fd, KVM_CREATE_VM, 0);
	while (bench_retry_busy(ret, &tries));
	g->fd = check(op, ret, "KVM_CREATE_VM");
	return g;
}

/* Protected mode, flat segments, paging off: what AXVCPU_MODE_PROTECTED sets. */
static void kvm_vcpu_setup(int op, int fd, uint32_t entry)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = BENCH_SEL_CODE, .type = 0xb,
		.present = 1, .db = 1, .s = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	check(op, xioctl(fd, KVM_SET_CPUID2, cpuid), "KVM_SET_CPUID2");
	check(op, xioctl(fd, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
	data.selector = BENCH_SEL_DATA;
	data.type = 0x3;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	/* PE, ET, NE; caching on (the reset value has CD and NW). */
	sregs.cr0 = 0x31;
	sregs.cr4 = 0;
	sregs.efer = 0;
	check(op, xioctl(fd, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsp = BENCH_STACK_TOP;
	regs.rflags = 0x2;
	check(op, xioctl(fd, KVM_SET_REGS, &regs), "KVM_SET_REGS");
}

/* @n VCPUs, each set up to start at @entry. */
static void kvm_vcpus_create(int op, struct kvm_bvm *g, unsigned int n, uint32_t entry)
{
	unsigned int i;
	void *map;

	g->vcpu = calloc(n, sizeof(*g->vcpu));
	g->run = calloc(n, sizeof(*g->run));
	if (!g->vcpu || !g->run)
		bench_die(op, "out of memory");
	for (i = 0; i < n; i++) {
		g->vcpu[i] = check(op, xioctl(g->fd, KVM_CREATE_VCPU, (void *)(long)i),
				   "KVM_CREATE_VCPU");
		g->nr_vcpus = i + 1;
		map = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu[i], 0);
		if (map == MAP_FAILED)
			bench_die(op, "mmap of kvm_run: %s", strerror(errno));
		g->run[i] = map;
		kvm_vcpu_setup(op, g->vcpu[i], entry);
	}
}

static void kvm_add_vcpus(struct bench_vm *v, unsigned int n)
{
	kvm_vcpus_create(BENCH_VCPU_MEM, to_kvm(v), n, bench_entry_gpa(BENCH_CPUID));
}

/* Where "exits" lies in a VCPU's binary statistics (KVM_CAP_BINARY_STATS_FD). */
static off_t kvm_find_exits(int fd)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsize;
	off_t found = -1;
	uint32_t i;

	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -1;
	dsize = sizeof(*d) + h.name_size;
	d = malloc(dsize);
	for (i = 0; d && i < h.num_desc; i++) {
		if (pread(fd, d, dsize, h.desc_offset + (off_t)i * dsize) != (ssize_t)dsize)
			break;
		if (!strcmp(d->name, "exits")) {
			found = h.data_offset + d->offset;
			break;
		}
	}
	free(d);
	return found;
}

static struct bench_vm *kvm_open(enum bench_op_id op)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL, .args = { 1 << KVM_HC_MAP_GPA_RANGE },
	};
	struct kvm_userspace_memory_region mr;
	struct kvm_bvm *g = kvm_vm_create(op);

	if (op == BENCH_HYPERCALL)
		check(op, xioctl(g->fd, KVM_ENABLE_CAP, &cap), "KVM_CAP_EXIT_HYPERCALL");
	g->base.ram = mmap(NULL, BENCH_RAM_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g->base.ram == MAP_FAILED)
		bench_die(op, "guest RAM: %s", strerror(errno));
	mr = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = BENCH_RAM_SIZE,
		.userspace_addr = (uintptr_t)g->base.ram,
	};
	check(op, xioctl(g->fd, KVM_SET_USER_MEMORY_REGION, &mr), "KVM_SET_USER_MEMORY_REGION");
	bench_image_copy(g->base.ram);
	kvm_vcpus_create(op, g, 1, bench_entry_gpa(op));
	return &g->base;
}

static void kvm_close(struct bench_vm *v)
{
	struct kvm_bvm *g = to_kvm(v);
	unsigned int i;

	for (i = 0; i < g->nr_vcpus; i++) {
		if (g->run[i])
			munmap(g->run[i], run_size);
		close(g->vcpu[i]);
	}
	free(g->vcpu);
	free(g->run);
	if (g->stats_fd >= 0)
		close(g->stats_fd);
	close(g->fd);
	if (v->ram)
		munmap(v->ram, BENCH_RAM_SIZE);
	free(g);
}

static void kvm_run(struct bench_vm *v, enum bench_op_id op, struct bench_exit *e)
{
	struct kvm_bvm *g = to_kvm(v);
	struct kvm_run *run = g->run[0];
	int ret;

	do {
		ret = xioctl(g->vcpu[0], KVM_RUN, NULL);
		v->runs++;
	} while (ret == -EINTR || (!ret && run->exit_reason == KVM_EXIT_INTR));
	check(op, ret, "KVM_RUN");
	memset(e, 0, sizeof(*e));
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		e->kind = run->io.direction == KVM_EXIT_IO_OUT ? BENCH_EXIT_IO_OUT :
								 BENCH_EXIT_IO_IN;
		e->port = run->io.port;
		break;
	case KVM_EXIT_MMIO:
		e->kind = run->mmio.is_write ? BENCH_EXIT_MMIO_WRITE : BENCH_EXIT_MMIO_READ;
		e->addr = run->mmio.phys_addr;
		break;
	case KVM_EXIT_HYPERCALL:
		e->kind = BENCH_EXIT_HYPERCALL;
		e->addr = run->hypercall.nr;
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		e->kind = BENCH_EXIT_IRQ_WINDOW;
		break;
	default:
		bench_die(op, "KVM exit reason %u", run->exit_reason);
	}
}

static void kvm_complete(struct bench_vm *v, uint64_t value)
{
	struct kvm_run *run = to_kvm(v)->run[0];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		memcpy((char *)run + run->io.data_offset, &value, run->io.size);
		break;
	case KVM_EXIT_MMIO:
		memcpy(run->mmio.data, &value, run->mmio.len);
		break;
	default:
		run->hypercall.ret = value;
		break;
	}
}

/*
 * KVM_INTERRUPT with the irqchip in user space injects at the next entry
 * whatever the guest's state, so a VMM may only call it when KVM says the
 * guest is ready; otherwise it asks for the window and runs to it.
 */
static void kvm_inject(struct bench_vm *v, enum bench_op_id op, unsigned int vector)
{
	struct kvm_bvm *g = to_kvm(v);
	struct kvm_run *run = g->run[0];
	struct kvm_interrupt irq = { .irq = vector };
	struct bench_exit e;

	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		kvm_run(v, op, &e);
		run->request_interrupt_window = 0;
		if (e.kind != BENCH_EXIT_IRQ_WINDOW)
			bench_die(op, "exit %d instead of the interrupt window", e.kind);
	}
	check(op, xioctl(g->vcpu[0], KVM_INTERRUPT, &irq), "KVM_INTERRUPT");
}

static void kvm_map_touch(struct bench_vm *v, void *hva, size_t size)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 1, .guest_phys_addr = BENCH_TOUCH_GPA, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	check(BENCH_TOUCH, xioctl(to_kvm(v)->fd, KVM_SET_USER_MEMORY_REGION, &mr),
	      "touch region");
}

/* KVM counts every exit; those that reached user space were RUN calls. */
static int64_t kvm_kernel_exits(struct bench_vm *v)
{
	struct kvm_bvm *g = to_kvm(v);
	uint64_t exits;

	if (g->stats_fd < 0) {
		g->stats_fd = xioctl(g->vcpu[0], KVM_GET_STATS_FD, NULL);
		if (g->stats_fd < 0)
			return -1;
		exits_offset = kvm_find_exits(g->stats_fd);
	}
	if (exits_offset < 0 ||
	    pread(g->stats_fd, &exits, sizeof(exits), exits_offset) != sizeof(exits))
		return -1;
	return (int64_t)(exits - v->runs);
}

static struct bench_vm *kvm_open_empty(void)
{
	return &kvm_vm_create(BENCH_VCPU_MEM)->base;
}

BENCH_BACKEND_MAIN(kvm, "kvm")
