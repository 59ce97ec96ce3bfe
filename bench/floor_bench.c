// SPDX-License-Identifier: MIT
/*
 * floor_bench: the floors the runners' figures are set against
 * (Documentation/performance.rst): the cpuid workload on axvcpu_floor.ko
 * (bench/floor/), the bare VMRUN loop, with the same image and the same
 * batch as the runners; and the first-touch workloads in this process
 * alone, no VM, one byte written per page of memory mapped the same way.
 *
 *   floor_bench [--quick] [--reps N] [--iters N] [--op cpuid|touch|touch_4k]...
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "floor/axvcpu_floor.h"

/* One run of @count CPUIDs; -errno on failure with @a's exit code filled. */
static int floor_once(int fd, uint32_t count, struct axvcpu_floor_run *a)
{
	memset(a, 0, sizeof(*a));
	a->image = (uintptr_t)bench_guest_start;
	a->image_len = (uint32_t)bench_image_size();
	a->image_gpa = BENCH_CODE_GPA;
	a->entry = bench_entry_gpa(BENCH_CPUID);
	a->count = count;
	a->count_gpa = BENCH_PARAM_COUNT;
	a->done_port = BENCH_PORT_DONE;
	a->ram_size = BENCH_FLOOR_RAM;
	return ioctl(fd, AXVCPU_FLOOR_RUN, a) ? -errno : 0;
}

/*
 * What a first touch costs the host without a VM: the page faults of the
 * process itself (with THP, one 2 MiB page allocated and zeroed each).
 */
static void floor_touch(enum bench_op_id op)
{
	unsigned long pages = bench_iters(op), i;
	size_t size = pages << 12;
	volatile unsigned char *mem;
	unsigned int rep;
	uint64_t t0;

	for (rep = 0; rep < bench_opt.reps; rep++) {
		mem = bench_map_touch(size, op == BENCH_TOUCH_4K);
		t0 = bench_now_ns();
		for (i = 0; i < pages; i++)
			mem[i << 12] = 1;
		bench_result(op, pages, bench_now_ns() - t0, "ns");
		munmap((void *)mem, size);
	}
}

static void floor_cpuid(void)
{
	struct axvcpu_floor_run a;
	unsigned long n;
	unsigned int rep, tries = 0;
	uint64_t t0, t;
	int fd, ret;

	_Static_assert(BENCH_STACK_TOP <= BENCH_FLOOR_RAM, "the floor maps the stack");
	if (bench_image_size() > AXVCPU_FLOOR_MAX_IMAGE)
		bench_die(BENCH_CPUID, "image of %zu bytes", bench_image_size());
	n = bench_iters(BENCH_CPUID);
	fd = open(AXVCPU_FLOOR_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		bench_die(BENCH_CPUID, "open %s: %s (is axvcpu_floor.ko loaded?)",
			  AXVCPU_FLOOR_DEV, strerror(errno));
	/* A warm-up run, which also waits for the side before to let go of SVM. */
	do
		ret = floor_once(fd, 10, &a);
	while (bench_retry_busy(ret, &tries));
	if (ret)
		bench_die(BENCH_CPUID, "AXVCPU_FLOOR_RUN: %s (exit code %#llx)", strerror(-ret),
			  (unsigned long long)a.exit_code);
	for (rep = 0; rep < bench_opt.reps; rep++) {
		t0 = bench_now_ns();
		ret = floor_once(fd, (uint32_t)n, &a);
		t = bench_now_ns() - t0;
		if (ret)
			bench_die(BENCH_CPUID, "AXVCPU_FLOOR_RUN: %s (exit code %#llx)",
				  strerror(-ret), (unsigned long long)a.exit_code);
		if (a.cpuid_exits != n)
			bench_die(BENCH_CPUID, "%llu CPUID exits for %lu CPUIDs",
				  (unsigned long long)a.cpuid_exits, n);
		bench_result(BENCH_CPUID, n, t, "ns");
	}
	bench_info("interrupt_exits_per_op", "cpuid %.4f", (double)a.other_exits / n);
	close(fd);
}

int main(int argc, char **argv)
{
	bench_parse("floor", argc, argv);
	bench_pin();
	if (bench_opt.want[BENCH_CPUID])
		floor_cpuid();
	if (bench_opt.want[BENCH_TOUCH])
		floor_touch(BENCH_TOUCH);
	if (bench_opt.want[BENCH_TOUCH_4K])
		floor_touch(BENCH_TOUCH_4K);
	return 0;
}
