/* SPDX-License-Identifier: MIT */
/*
 * ucall: how 64-bit guest code in a selftest talks to the host side.
 *
 * The guest fills a &struct ucall in its own memory (on its stack) and
 * writes the struct's guest physical address with a 32-bit OUT to
 * UCALL_PORT. The host sees an IO_WRITE exit on that port, reads the
 * struct back from guest memory and acts on ->cmd. Guest RAM is mapped
 * 1:1 (GVA == GPA) and lies below 4 GiB, so 32 bits of address suffice.
 *
 * The guest's strings (file names, expressions) are in the test binary,
 * loaded into the guest at its link address: the same pointer names the
 * same bytes on the host, so the host prints them without copying.
 *
 * Real- and protected-mode snippets do not use this: they report values
 * in registers on SNIPPET_REPORT_PORT (see guest_modes.h).
 */
#ifndef SELFTEST_UCALL_H
#define SELFTEST_UCALL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * UCALL_PORT - the I/O port of ucalls. Nothing else in a test VM uses it
 * (tests pick their own ports below 0x100 for the exits they check).
 */
#define UCALL_PORT		0xe9f0

/** UCALL_MAX_ARGS - values a ucall carries besides its command. */
#define UCALL_MAX_ARGS		4

/**
 * enum ucall_cmd - what a ucall asks the host for.
 * @UCALL_NONE:      not a ucall (the exit was something else).
 * @UCALL_SYNC:      a checkpoint with up to UCALL_MAX_ARGS values.
 * @UCALL_DONE:      the guest function returned or called GUEST_DONE().
 * @UCALL_ABORT:     a GUEST_ASSERT*() failed: file, line, expression and
 *                   (for the comparison forms) both values.
 * @UCALL_EXCEPTION: an exception without an installed handler: vector,
 *                   error code, RIP, CR2 in args[0..3].
 */
enum ucall_cmd {
	UCALL_NONE = 0,
	UCALL_SYNC,
	UCALL_DONE,
	UCALL_ABORT,
	UCALL_EXCEPTION,
};

/**
 * struct ucall - one guest-to-host call, in guest memory.
 * @cmd:   enum ucall_cmd.
 * @args:  values; for UCALL_ABORT args[0] and args[1] are the two sides
 *         of a failed comparison.
 * @file:  UCALL_ABORT: __FILE__ of the assertion.
 * @expr:  UCALL_ABORT: the assertion's text.
 * @line:  UCALL_ABORT: __LINE__.
 * @has_values: UCALL_ABORT: args[0] and args[1] are meaningful.
 */
struct ucall {
	uint64_t cmd;
	uint64_t args[UCALL_MAX_ARGS];
	const char *file;
	const char *expr;
	uint64_t line;
	uint64_t has_values;
};

/* ---- guest side ------------------------------------------------------ */

/**
 * guest_ucall() - send one ucall to the host and wait until it resumes
 * the guest.
 * @cmd: enum ucall_cmd.
 * @a0:  first argument.
 * @a1:  second argument.
 * @a2:  third argument.
 * @a3:  fourth argument.
 */
void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

/**
 * guest_assert_fail() - report a failed guest assertion (UCALL_ABORT).
 * Never returns: a host that resumes the guest gets the report again.
 * @file:       __FILE__ of the assertion.
 * @line:       __LINE__ of the assertion.
 * @expr:       its text.
 * @a:          left side of a failed comparison.
 * @b:          right side.
 * @has_values: @a and @b are meaningful.
 */
__attribute__((noreturn))
void guest_assert_fail(const char *file, uint64_t line, const char *expr,
		       uint64_t a, uint64_t b, bool has_values);

/** GUEST_SYNC() - checkpoint carrying one value. */
#define GUEST_SYNC(x)		guest_ucall(UCALL_SYNC, (uint64_t)(x), 0, 0, 0)
/** GUEST_SYNC2() - checkpoint carrying two values. */
#define GUEST_SYNC2(x, y)	guest_ucall(UCALL_SYNC, (uint64_t)(x), (uint64_t)(y), 0, 0)
/** GUEST_DONE() - the guest finished; the host should not resume it. */
#define GUEST_DONE()		guest_ucall(UCALL_DONE, 0, 0, 0, 0)

/** GUEST_ASSERT() - @cond must hold in the guest. */
#define GUEST_ASSERT(cond) do {						\
	if (!(cond))							\
		guest_assert_fail(__FILE__, __LINE__, #cond, 0, 0, false); \
} while (0)

/* Two-sided comparisons carry both values (as 64-bit integers). */
#define __GUEST_ASSERT_CMP(a, op, b) do {				\
	uint64_t __ga = (uint64_t)(a);					\
	uint64_t __gb = (uint64_t)(b);					\
	if (!(__ga op __gb))						\
		guest_assert_fail(__FILE__, __LINE__,			\
				  #a " " #op " " #b, __ga, __gb, true);	\
} while (0)

#define GUEST_ASSERT_EQ(a, b)	__GUEST_ASSERT_CMP(a, ==, b)
#define GUEST_ASSERT_NE(a, b)	__GUEST_ASSERT_CMP(a, !=, b)

/* ---- host side ------------------------------------------------------- */

struct guest_vcpu;

/**
 * get_ucall() - decode the VCPU's last exit as a ucall.
 * @vcpu: the VCPU, just back from RUN.
 * @uc:   out, may be NULL: the guest's struct, copied from guest memory.
 * Return: the command, or UCALL_NONE when the exit was not a ucall.
 */
uint64_t get_ucall(struct guest_vcpu *vcpu, struct ucall *uc);

/**
 * vcpu_run_ucall() - RUN once and require a ucall. A failed guest
 * assertion or an unhandled guest exception fails the case with the
 * guest's file, line and values; any other exit fails it with the exit.
 * @vcpu: the VCPU (bound to the calling thread).
 * @uc:   out, may be NULL: the ucall.
 * Return: UCALL_SYNC or UCALL_DONE.
 */
#define vcpu_run_ucall(vcpu, uc) __vcpu_run_ucall(__FILE__, __LINE__, (vcpu), (uc))
uint64_t __vcpu_run_ucall(const char *file, int line, struct guest_vcpu *vcpu,
			  struct ucall *uc);

/**
 * ucall_check() - fail the case unless a ucall is the expected command;
 * aborts and exceptions are reported with the guest's details.
 * @file: source file to name for other mismatches.
 * @line: line to name for other mismatches.
 * @uc:   the ucall.
 * @cmd:  the command expected.
 */
void ucall_check(const char *file, int line, const struct ucall *uc, uint64_t cmd);

/**
 * vcpu_expect_sync() - RUN once and require GUEST_SYNC(@value).
 * @vcpu:  the VCPU.
 * @value: the first argument the guest must have passed.
 */
#define vcpu_expect_sync(vcpu, value) do {				\
	struct ucall __uc;						\
	__vcpu_run_ucall(__FILE__, __LINE__, (vcpu), &__uc);		\
	ucall_check(__FILE__, __LINE__, &__uc, UCALL_SYNC);		\
	TEST_ASSERT_EQ(__uc.args[0], (uint64_t)(value));		\
} while (0)

/** vcpu_expect_done() - RUN once and require GUEST_DONE(). */
#define vcpu_expect_done(vcpu) do {					\
	struct ucall __uc;						\
	__vcpu_run_ucall(__FILE__, __LINE__, (vcpu), &__uc);		\
	ucall_check(__FILE__, __LINE__, &__uc, UCALL_DONE);		\
} while (0)

#endif /* SELFTEST_UCALL_H */
