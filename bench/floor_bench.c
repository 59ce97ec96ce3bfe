// SPDX-License-Identifier: MIT
/*
 * floor_bench: the cpuid workload on axvcpu_floor.ko (bench/floor/), the
 * bare VMRUN loop, with the same image and the same batch as the runners
 * (Documentation/performance.rst).
 *
 *   floor_bench [--quick] [--reps N] [--iters N]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
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

int main(int argc, char **argv)
{
	struct axvcpu_floor_run a;
	unsigned long n;
	unsigned int rep, tries = 0;
	uint64_t t0, t;
	int fd, ret;

	bench_parse("floor", argc, argv);
	bench_pin();
	if (!bench_opt.want[BENCH_CPUID])
		return 0;
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
	return 0;
}
