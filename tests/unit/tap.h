/* SPDX-License-Identifier: MIT */
/*
 * A tiny TAP (Test Anything Protocol, version 13) producer for the host
 * unit tests. Each test program prints one stream:
 *
 *	TAP version 13
 *	ok 1 - name
 *	not ok 2 - name
 *	#   at file.c:42: got = 0x1 (1), want = 0x2 (2)
 *	1..2
 *
 * The plan goes last unless tap_plan() printed it first (TAP allows both),
 * so programs with computed numbers of points need no counting ahead.
 * tap_done() returns the exit status: non-zero when any point failed or
 * the number of points differs from a plan given up front. Diagnostics
 * start with '#', so a harness counting "ok" / "not ok" lines sees only
 * the points.
 */
#ifndef AXVCPU_TESTS_TAP_H
#define AXVCPU_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static unsigned int tap_points;
static unsigned int tap_failures;
static int tap_planned = -1;
static int tap_started;

static inline void tap_start(void)
{
	if (!tap_started) {
		tap_started = 1;
		printf("TAP version 13\n");
	}
}

/* Announce the number of points up front (optional). */
static inline void tap_plan(unsigned int n)
{
	tap_start();
	tap_planned = (int)n;
	printf("1..%u\n", n);
}

/* A diagnostic line ("# ..."); never counted as a point. */
static inline __attribute__((format(printf, 1, 2))) void tap_diag(const char *fmt, ...)
{
	va_list ap;

	tap_start();
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int tap_vpoint(int pass, const char *fmt, va_list ap)
{
	tap_start();
	tap_points++;
	printf("%s %u - ", pass ? "ok" : "not ok", tap_points);
	vprintf(fmt, ap);
	putchar('\n');
	if (!pass)
		tap_failures++;
	return pass;
}

static inline __attribute__((format(printf, 5, 6)))
int tap_ok_at(int pass, const char *file, int line, const char *expr,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vpoint(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   at %s:%d: %s is false\n", file, line, expr);
	fflush(stdout);
	return pass;
}

static inline __attribute__((format(printf, 7, 8)))
int tap_is_at(uint64_t got, uint64_t want, const char *got_expr,
	      const char *want_expr, const char *file, int line,
	      const char *fmt, ...)
{
	int pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vpoint(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   at %s:%d: %s = 0x%" PRIx64 " (%" PRIu64 "), want %s = 0x%"
		       PRIx64 " (%" PRIu64 ")\n", file, line, got_expr, got, got,
		       want_expr, want, want);
	fflush(stdout);
	return pass;
}

/* tap_ok(cond, "name %d", ...): one point, passing when @cond is true. */
#define tap_ok(cond, ...) \
	tap_ok_at(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

/* tap_is(got, want, "name", ...): one point comparing two integers. */
#define tap_is(got, want, ...) \
	tap_is_at((uint64_t)(got), (uint64_t)(want), #got, #want, __FILE__, \
		  __LINE__, __VA_ARGS__)

/* Print the trailing plan if none was given; return the exit status. */
static inline int tap_done(void)
{
	tap_start();
	if (tap_planned < 0) {
		printf("1..%u\n", tap_points);
	} else if ((unsigned int)tap_planned != tap_points) {
		printf("# planned %d points but ran %u\n", tap_planned, tap_points);
		return 1;
	}
	if (tap_failures)
		printf("# %u of %u points failed\n", tap_failures, tap_points);
	fflush(stdout);
	return tap_failures ? 1 : 0;
}

#endif /* AXVCPU_TESTS_TAP_H */
