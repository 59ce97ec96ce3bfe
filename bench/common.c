// SPDX-License-Identifier: MIT
/*
 * What every runner shares: the workload table, the command line, timing,
 * result lines, CPU pinning, touch memory and the kernel memory counter.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern const unsigned char bench_entry_cpuid[], bench_entry_pio_out[], bench_entry_pio_in[],
	bench_entry_mmio_write[], bench_entry_mmio_read[], bench_entry_hypercall[],
	bench_entry_irq[], bench_entry_first_exit[], bench_entry_touch[];

/*
 * Default counts: about a second per measurement for an exit under QEMU's
 * TCG (tens of microseconds each), less for what costs milliseconds.
 */
const struct bench_op bench_ops[BENCH_NR_OPS] = {
	[BENCH_CPUID]	   = { "cpuid",      bench_entry_cpuid,      20000, 100 },
	[BENCH_PIO_OUT]	   = { "pio_out",    bench_entry_pio_out,    10000, 100 },
	[BENCH_PIO_IN]	   = { "pio_in",     bench_entry_pio_in,     10000, 100 },
	[BENCH_MMIO_WRITE] = { "mmio_write", bench_entry_mmio_write, 10000, 100 },
	[BENCH_MMIO_READ]  = { "mmio_read",  bench_entry_mmio_read,  10000, 100 },
	[BENCH_HYPERCALL]  = { "hypercall",  bench_entry_hypercall,  10000, 100 },
	[BENCH_IRQ]	   = { "irq",        bench_entry_irq,        10000, 100 },
	[BENCH_VM_CYCLE]   = { "vm_cycle",   bench_entry_first_exit, 20,    2 },
	[BENCH_TOUCH]	   = { "touch",      bench_entry_touch,
			       BENCH_TOUCH_BYTES >> 12, BENCH_TOUCH_QUICK >> 12 },
	[BENCH_TOUCH_4K]   = { "touch_4k",   bench_entry_touch,
			       BENCH_TOUCH_BYTES >> 12, BENCH_TOUCH_QUICK >> 12 },
	[BENCH_VCPU_MEM]   = { "vcpu_mem",   NULL,
			       4 * BENCH_MEM_VCPUS_PER_VM, BENCH_MEM_VCPUS_QUICK },
};

static void usage(const char *prog)
{
	unsigned int i;

	fprintf(stderr, "usage: %s [--quick] [--reps N] [--iters N] [--op NAME]... | --list\n"
		"workloads:", prog);
	for (i = 0; i < BENCH_NR_OPS; i++)
		fprintf(stderr, " %s", bench_ops[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static unsigned long parse_count(const char *prog, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !v || v > 100000000UL)
		usage(prog);
	return v;
}

struct bench_opts bench_opt;

void bench_parse(const char *side, int argc, char **argv)
{
	struct bench_opts *o = &bench_opt;
	int i, any = 0;
	unsigned int j;

	o->side = side;
	o->reps = 5;
	o->iters = 0;
	o->quick = 0;
	memset(o->want, 0, sizeof(o->want));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (j = 0; j < BENCH_NR_OPS; j++)
				printf("%s\n", bench_ops[j].name);
			exit(0);
		} else if (!strcmp(argv[i], "--quick")) {
			o->quick = 1;
			o->reps = 1;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			o->reps = parse_count(argv[0], argv[++i]);
		} else if (!strcmp(argv[i], "--iters") && i + 1 < argc) {
			o->iters = parse_count(argv[0], argv[++i]);
		} else if (!strcmp(argv[i], "--op") && i + 1 < argc) {
			i++;
			for (j = 0; j < BENCH_NR_OPS; j++)
				if (!strcmp(argv[i], bench_ops[j].name))
					break;
			if (j == BENCH_NR_OPS)
				usage(argv[0]);
			o->want[j] = 1;
			any = 1;
		} else {
			usage(argv[0]);
		}
	}
	if (!any)
		for (j = 0; j < BENCH_NR_OPS; j++)
			o->want[j] = 1;
	/* Each line whole and in order beside the kernel's on the console. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

unsigned long bench_iters(enum bench_op_id op)
{
	if (bench_opt.quick)
		return bench_ops[op].quick;
	/* --iters sets the exit loops' counts; the others keep theirs. */
	if (bench_opt.iters && op <= BENCH_IRQ)
		return bench_opt.iters;
	return bench_ops[op].iters;
}

uint32_t bench_entry_gpa(enum bench_op_id op)
{
	return BENCH_CODE_GPA + (uint32_t)(bench_ops[op].entry - bench_guest_start);
}

size_t bench_image_size(void)
{
	return (size_t)(bench_guest_end - bench_guest_start);
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void bench_result(enum bench_op_id op, unsigned long n, uint64_t value, const char *unit)
{
	printf("# AXVCPU-BENCH %s %s %lu %llu %s\n", bench_opt.side, bench_ops[op].name, n,
	       (unsigned long long)value, unit);
}

void bench_info(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("# AXVCPU-BENCH-INFO %s %s ", bench_opt.side, key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void bench_die(int op, const char *fmt, ...)
{
	va_list ap;

	printf("# AXVCPU-BENCH-ERROR %s %s ", bench_opt.side,
	       op >= 0 && op < BENCH_NR_OPS ? bench_ops[op].name : "-");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

void bench_pin(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	long cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu > 0 ? cpu : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		bench_info("pin", "sched_setaffinity(CPU %ld): %s", cpu, strerror(errno));
	/* Root in the test guest; elsewhere the touch workloads may need it. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
}

int bench_retry_busy(int err, unsigned int *tries)
{
	const struct timespec wait = { 0, 10 * 1000 * 1000 };

	if (err != -EBUSY || ++*tries > 500)
		return 0;
	nanosleep(&wait, NULL);
	return 1;
}

void *bench_map_touch(size_t size, int no_thp)
{
	const size_t align = 2UL << 20;
	unsigned char *p, *start;
	size_t head;

	p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		bench_die(-1, "mmap of %zu bytes: %s", size + align, strerror(errno));
	start = (unsigned char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	head = (size_t)(start - p);
	if (head)
		munmap(p, head);
	munmap(start + size, align - head);
	if (no_thp && madvise(start, size, MADV_NOHUGEPAGE))
		bench_die(-1, "MADV_NOHUGEPAGE: %s", strerror(errno));
	return start;
}

/* The cgroup v2 path of this process ("0::/path" in /proc/self/cgroup). */
static int own_cgroup_file(char *buf, size_t size, const char *file)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		/* The root cgroup has no memory.stat. */
		found = strcmp(line + 3, "/") != 0;
		if (found)
			snprintf(buf, size, "/sys/fs/cgroup%s/%s", line + 3, file);
		break;
	}
	fclose(f);
	return found && access(buf, R_OK) == 0;
}

static int meminfo_kernel_kb(unsigned long long *kb)
{
	static const char *const keys[] = { "Slab:", "KernelStack:", "PageTables:" };
	char line[256];
	unsigned long long v;
	unsigned int i, seen = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	*kb = 0;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t len = strlen(keys[i]);

			if (!strncmp(line, keys[i], len) &&
			    sscanf(line + len, "%llu", &v) == 1) {
				*kb += v;
				seen++;
			}
		}
	}
	fclose(f);
	return seen == 3;
}

/*
 * The "kernel" line of memory.stat: every kernel page charged to the
 * cgroup (__GFP_ACCOUNT pages and slab), counted page by page. Reading
 * cpu.stat first flushes the cgroup's per-CPU statistics (rstat), which
 * memory.stat alone flushes only past a threshold; memory.current is no
 * better, it moves in batches of 64 pages precharged per CPU.
 */
static int memcg_kernel_bytes(unsigned long long *bytes)
{
	char path[600], line[256];
	int found = 0;
	FILE *f;

	if (!own_cgroup_file(path, sizeof(path), "cpu.stat"))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		;
	fclose(f);
	if (!own_cgroup_file(path, sizeof(path), "memory.stat"))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "kernel %llu", bytes) == 1;
	fclose(f);
	return found;
}

uint64_t bench_kernel_mem(const char **source)
{
	unsigned long long v;

	if (memcg_kernel_bytes(&v)) {
		if (source)
			*source = "memcg";
		return v;
	}
	if (!meminfo_kernel_kb(&v))
		bench_die(BENCH_VCPU_MEM, "neither memory.stat nor /proc/meminfo readable");
	if (source)
		*source = "meminfo";
	return v * 1024;
}

void bench_image_copy(void *ram)
{
	memcpy((unsigned char *)ram + BENCH_CODE_GPA, bench_guest_start, bench_image_size());
}

void bench_set_count(void *ram, uint32_t count)
{
	memcpy((unsigned char *)ram + BENCH_PARAM_COUNT, &count, sizeof(count));
}

void bench_set_touch(void *ram, uint32_t base, uint32_t end)
{
	memcpy((unsigned char *)ram + BENCH_PARAM_TOUCH_BASE, &base, sizeof(base));
	memcpy((unsigned char *)ram + BENCH_PARAM_TOUCH_END, &end, sizeof(end));
}
