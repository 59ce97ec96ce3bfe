// SPDX-License-Identifier: MIT
/*
 * bench-report: the console logs of make bench's boots -> one table (on
 * stdout and in DIR/bench.txt), DIR/bench.json with the same figures and
 * the samples behind them, and DIR/bench.dat, the ratios gnuplot draws.
 *
 *   bench-report -o DIR [-m KEY=VALUE]... --boot NAME QEMU_CPU LOG...
 *
 * -m adds a top-level string to the JSON (qemu, host_cpu, commit, date).
 * Each boot's log holds the result lines of bench/bench.h. A figure is
 * the median over the measurements of the value per operation. Exit
 * status 1 when a log lacks a workload of a side, has an error line, or
 * its sequence did not end with rc=0 (everything found is written all
 * the same), 2 on a usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BOOTS	8
#define MAX_SAMPLES	64
#define MAX_INFO	64
#define MAX_META	8

enum side { AXVCPU, KVM, FLOOR, NR_SIDES };
static const char *const side_names[NR_SIDES] = { "axvcpu", "kvm", "floor" };

/* How each workload is shown. Must list bench.h's ops, in its order. */
enum kind { EXIT, MS_TOTAL, MS_EACH, KIB_EACH };

struct op_desc {
	const char *name;
	const char *label;
	enum kind kind;
	bool floor_own;		/* floor_bench measures this workload itself */
};

static const struct op_desc ops[] = {
	{ "cpuid",      "CPUID exit, handled in kernel",      EXIT, true },
	{ "pio_out",    "PIO write, exit to user",            EXIT, false },
	{ "pio_in",     "PIO read, exit + completion",        EXIT, false },
	{ "mmio_write", "MMIO write, exit to user",           EXIT, false },
	{ "mmio_read",  "MMIO read, exit + completion",       EXIT, false },
	{ "hypercall",  "hypercall (VMMCALL) to user",        EXIT, false },
	{ "irq",        "interrupt injection round trip",     EXIT, false },
	{ "vm_cycle",   "VM+VCPU create, run, destroy",       MS_EACH, false },
	{ "touch",      "first touch 256 MiB (host THP)",     MS_TOTAL, true },
	{ "touch_4k",   "first touch 256 MiB, 4 KiB pages",   MS_TOTAL, true },
	{ "vcpu_mem",   "kernel memory per VCPU",             KIB_EACH, false },
};
#define NR_OPS	(sizeof(ops) / sizeof(ops[0]))

static const char *const units[] = { "us", "ms", "ms", "KiB" };

/**
 * struct series - the measurements of one side's workload in one boot.
 * @n:       operations per measurement (the last one seen).
 * @nr:      measurements.
 * @per_op:  value per operation of each (ns, or bytes).
 */
struct series {
	unsigned long n;
	unsigned int nr;
	double per_op[MAX_SAMPLES];
};

struct boot {
	const char *name;
	const char *cpu;
	const char *log;
	char kernel[160];
	char cpu_model[160];
	char thp[160];
	int rounds;
	int end_rc;		/* -1: no end line */
	int errors;
	struct series s[NR_SIDES][NR_OPS];
	unsigned int nr_info;
	char info[MAX_INFO][160];
};

static struct boot boots[MAX_BOOTS];
static unsigned int nr_boots;
static const char *meta[MAX_META];
static unsigned int nr_meta;
static int failed;

static void usage(void)
{
	fprintf(stderr, "usage: bench-report -o DIR [-m KEY=VALUE]... --boot NAME QEMU_CPU LOG...\n");
	exit(2);
}

static int find_op(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_OPS; i++)
		if (!strcmp(ops[i].name, name))
			return (int)i;
	return -1;
}

static int find_side(const char *name)
{
	int i;

	for (i = 0; i < NR_SIDES; i++)
		if (!strcmp(side_names[i], name))
			return i;
	return -1;
}

static void copy_rest(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
	dst[strcspn(dst, "\r\n")] = 0;
}

static void parse_result(struct boot *b, const char *p)
{
	char side[16], op[32], unit[16];
	unsigned long n;
	unsigned long long value;
	struct series *s;
	int si, oi;

	if (sscanf(p, "%15s %31s %lu %llu %15s", side, op, &n, &value, unit) != 5 || !n)
		return;
	si = find_side(side);
	oi = find_op(op);
	if (si < 0 || oi < 0)
		return;
	s = &b->s[si][oi];
	if (s->nr < MAX_SAMPLES) {
		s->per_op[s->nr++] = (double)value / (double)n;
		s->n = n;
	}
}

/* Whether @a and @b start with the same @n space-separated words. */
static int same_words(const char *a, const char *b, int n)
{
	for (; *a && *a == *b; a++, b++)
		if (*a == ' ' && --n == 0)
			return 1;
	return (!*a || *a == ' ') && (!*b || *b == ' ') && n == 1;
}

static void parse_info(struct boot *b, const char *p)
{
	char line[160];

	copy_rest(line, sizeof(line), p);
	if (!strncmp(line, "guest kernel ", 13))
		copy_rest(b->kernel, sizeof(b->kernel), line + 13);
	else if (!strncmp(line, "guest cpu_model ", 16))
		copy_rest(b->cpu_model, sizeof(b->cpu_model), line + 16);
	else if (!strncmp(line, "guest thp ", 10))
		copy_rest(b->thp, sizeof(b->thp), line + 10);
	else if (!strncmp(line, "guest round ", 12))
		return;
	/*
	 * The runners repeat their notes every round: keep the last of each
	 * side, key and workload (the first three words).
	 */
	for (unsigned int i = 0; i < b->nr_info; i++) {
		if (same_words(b->info[i], line, 3)) {
			strcpy(b->info[i], line);
			return;
		}
	}
	if (b->nr_info < MAX_INFO)
		strcpy(b->info[b->nr_info++], line);
}

static void parse_log(struct boot *b)
{
	char line[1024];
	const char *p;
	FILE *f = fopen(b->log, "r");

	b->end_rc = -1;
	if (!f) {
		fprintf(stderr, "bench-report: %s: %s\n", b->log, strerror(errno));
		failed = 1;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		/* A marker may follow output that lacked its newline. */
		if ((p = strstr(line, "# AXVCPU-BENCH "))) {
			parse_result(b, p + 15);
		} else if ((p = strstr(line, "# AXVCPU-BENCH-INFO "))) {
			parse_info(b, p + 20);
		} else if ((p = strstr(line, "# AXVCPU-BENCH-ERROR "))) {
			fprintf(stderr, "bench-report: %s: %s", b->name, p);
			b->errors++;
		} else if ((p = strstr(line, "# AXVCPU-BENCH-BEGIN rounds="))) {
			b->rounds = atoi(p + 28);
		} else if ((p = strstr(line, "# AXVCPU-BENCH-END rc="))) {
			b->end_rc = atoi(p + 22);
		}
	}
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* @v (per operation, ns or bytes) in the unit of workload @op. */
static double in_unit(double v, const struct series *s, unsigned int op)
{
	switch (ops[op].kind) {
	case EXIT:
		return v / 1e3;
	case MS_EACH:
		return v / 1e6;
	case MS_TOTAL:
		return v * (double)s->n / 1e6;
	default:
		return v / 1024;
	}
}

/*
 * The median of @s in the unit of its workload (@lowest: the smallest
 * measurement instead); negative when there is none.
 */
static double stat(const struct series *s, unsigned int op, int lowest)
{
	double v[MAX_SAMPLES];

	if (!s->nr)
		return -1;
	memcpy(v, s->per_op, s->nr * sizeof(v[0]));
	qsort(v, s->nr, sizeof(v[0]), cmp_double);
	if (lowest)
		return in_unit(v[0], s, op);
	return in_unit(s->nr % 2 ? v[s->nr / 2] : (v[s->nr / 2 - 1] + v[s->nr / 2]) / 2, s, op);
}

static double figure(const struct series *s, unsigned int op)
{
	return stat(s, op, 0);
}

/*
 * The floor of an exit: the bare world switch, the floor's CPUID; of a
 * first touch: the same touch without a VM. -1 for the rest.
 */
static double floor_of(const struct boot *b, unsigned int op)
{
	if (ops[op].kind == EXIT)
		return figure(&b->s[FLOOR][0], 0);
	return ops[op].floor_own ? figure(&b->s[FLOOR][op], op) : -1;
}

static void check_boot(struct boot *b)
{
	unsigned int op;
	int side;

	if (b->end_rc != 0) {
		fprintf(stderr, "bench-report: %s: the sequence %s\n", b->name,
			b->end_rc < 0 ? "did not finish" : "failed");
		failed = 1;
	}
	if (b->errors)
		failed = 1;
	for (op = 0; op < NR_OPS; op++)
		for (side = 0; side < NR_SIDES; side++) {
			if (side == FLOOR && !ops[op].floor_own)
				continue;
			if (!b->s[side][op].nr) {
				fprintf(stderr, "bench-report: %s: no %s result for %s\n", b->name,
					side_names[side], ops[op].name);
				failed = 1;
			}
		}
}

static void put_num(FILE *f, double v, int width)
{
	if (v < 0)
		fprintf(f, "%*s", width, "-");
	else if (v >= 1000)
		fprintf(f, "%*.0f", width, v);
	else if (v >= 10)
		fprintf(f, "%*.1f", width, v);
	else
		fprintf(f, "%*.2f", width, v);
}

static void put_ratio(FILE *f, double a, double b, int width)
{
	if (a < 0 || b <= 0)
		fprintf(f, "%*s", width, "-");
	else
		fprintf(f, "%*.2f", width, a / b);
}

static void write_table(FILE *f)
{
	unsigned int i, op;
	char iters[32];

	fprintf(f, "%-5s %-34s %-3s %9s %9s %7s %8s %7s %7s %12s\n", "cpu", "operation", "",
		"axvcpu", "KVM", "ax/KVM", "floor", "ax/fl", "KVM/fl", "iterations");
	for (i = 0; i < nr_boots; i++) {
		const struct boot *b = &boots[i];

		for (op = 0; op < NR_OPS; op++) {
			double ax = figure(&b->s[AXVCPU][op], op);
			double kvm = figure(&b->s[KVM][op], op);
			double fl = floor_of(b, op);
			const struct series *s = &b->s[AXVCPU][op];

			snprintf(iters, sizeof(iters), "%lux%u", s->n, s->nr);
			fprintf(f, "%-5s %-34s %-3s ", b->name, ops[op].label, units[ops[op].kind]);
			put_num(f, ax, 9);
			put_num(f, kvm, 10);
			put_ratio(f, ax, kvm, 8);
			put_num(f, fl, 9);
			put_ratio(f, ax, fl, 8);
			put_ratio(f, kvm, fl, 8);
			fprintf(f, " %12s\n", iters);
		}
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (v < 0)
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static void json_series(FILE *f, const struct boot *b, int side, unsigned int op)
{
	const struct series *s = &b->s[side][op];
	unsigned int i;

	if (!s->nr) {
		fprintf(f, "null");
		return;
	}
	fprintf(f, "{\"median\": ");
	json_num(f, figure(s, op));
	/* On a shared machine the fastest measurement says how noisy the rest were. */
	fprintf(f, ", \"min\": ");
	json_num(f, stat(s, op, 1));
	fprintf(f, ", \"ops_per_measurement\": %lu, \"per_op_raw\": [", s->n);
	for (i = 0; i < s->nr; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", s->per_op[i]);
	fprintf(f, "]}");
}

static void json_ratio(FILE *f, const char *key, double a, double b)
{
	fprintf(f, ", \"%s\": ", key);
	json_num(f, a < 0 || b <= 0 ? -1 : a / b);
}

static void write_json(FILE *f)
{
	unsigned int i, op, k;

	fprintf(f, "{\n  \"note\": \"measured under QEMU TCG: only ratios within one boot mean anything\",\n");
	fprintf(f, "  \"figure\": \"median over the measurements of the time (or memory) per operation\",\n");
	for (k = 0; k < nr_meta; k++) {
		const char *eq = strchr(meta[k], '=');

		fprintf(f, "  \"%.*s\": ", (int)(eq - meta[k]), meta[k]);
		json_str(f, eq + 1);
		fprintf(f, ",\n");
	}
	fprintf(f, "  \"boots\": [\n");
	for (i = 0; i < nr_boots; i++) {
		const struct boot *b = &boots[i];

		fprintf(f, "    {\"name\": ");
		json_str(f, b->name);
		fprintf(f, ", \"qemu_cpu\": ");
		json_str(f, b->cpu);
		fprintf(f, ", \"cpu_model\": ");
		json_str(f, b->cpu_model);
		fprintf(f, ", \"kernel\": ");
		json_str(f, b->kernel);
		fprintf(f, ", \"thp\": ");
		json_str(f, b->thp);
		fprintf(f, ", \"rounds\": %d,\n     \"ops\": [\n", b->rounds);
		for (op = 0; op < NR_OPS; op++) {
			double ax = figure(&b->s[AXVCPU][op], op);
			double kvm = figure(&b->s[KVM][op], op);
			double fl = floor_of(b, op);

			fprintf(f, "      {\"op\": \"%s\", \"label\": ", ops[op].name);
			json_str(f, ops[op].label);
			fprintf(f, ", \"unit\": \"%s\",\n       \"axvcpu\": ", units[ops[op].kind]);
			json_series(f, b, AXVCPU, op);
			fprintf(f, ",\n       \"kvm\": ");
			json_series(f, b, KVM, op);
			fprintf(f, ",\n       \"floor\": ");
			if (ops[op].floor_own)
				json_series(f, b, FLOOR, op);
			else
				json_num(f, fl);
			fprintf(f, ",\n       ");
			fprintf(f, "\"axvcpu_over_kvm\": ");
			json_num(f, ax < 0 || kvm <= 0 ? -1 : ax / kvm);
			json_ratio(f, "axvcpu_over_floor", ax, fl);
			json_ratio(f, "kvm_over_floor", kvm, fl);
			fprintf(f, "}%s\n", op + 1 < NR_OPS ? "," : "");
		}
		fprintf(f, "     ],\n     \"notes\": [");
		for (k = 0; k < b->nr_info; k++) {
			fprintf(f, "%s", k ? ", " : "");
			json_str(f, b->info[k]);
		}
		fprintf(f, "]}%s\n", i + 1 < nr_boots ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

/* gnuplot's data: a row per workload, a column of axvcpu/KVM per boot. */
static void write_dat(FILE *f)
{
	unsigned int i, op;

	/* The header row names the columns (gnuplot's columnheader). */
	fprintf(f, "operation");
	for (i = 0; i < nr_boots; i++)
		fprintf(f, " %s", boots[i].name);
	fprintf(f, "\n");
	for (op = 0; op < NR_OPS; op++) {
		fprintf(f, "\"%s\"", ops[op].label);
		for (i = 0; i < nr_boots; i++) {
			double ax = figure(&boots[i].s[AXVCPU][op], op);
			double kvm = figure(&boots[i].s[KVM][op], op);

			if (ax < 0 || kvm <= 0)
				fprintf(f, " NaN");
			else
				fprintf(f, " %.4f", ax / kvm);
		}
		fprintf(f, "\n");
	}
}

static FILE *out_file(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench-report: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	unsigned int i;
	int a;
	FILE *f;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-o") && a + 1 < argc) {
			dir = argv[++a];
		} else if (!strcmp(argv[a], "-m") && a + 1 < argc && strchr(argv[a + 1], '=') &&
			   nr_meta < MAX_META) {
			meta[nr_meta++] = argv[++a];
		} else if (!strcmp(argv[a], "--boot") && a + 3 < argc && nr_boots < MAX_BOOTS) {
			boots[nr_boots].name = argv[a + 1];
			boots[nr_boots].cpu = argv[a + 2];
			boots[nr_boots].log = argv[a + 3];
			nr_boots++;
			a += 3;
		} else {
			usage();
		}
	}
	if (!dir || !nr_boots)
		usage();
	for (i = 0; i < nr_boots; i++) {
		parse_log(&boots[i]);
		check_boot(&boots[i]);
	}
	write_table(stdout);
	f = out_file(dir, "bench.txt");
	write_table(f);
	fclose(f);
	f = out_file(dir, "bench.json");
	write_json(f);
	fclose(f);
	f = out_file(dir, "bench.dat");
	write_dat(f);
	fclose(f);
	return failed;
}
