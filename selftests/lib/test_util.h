/* SPDX-License-Identifier: MIT */
/*
 * Selftest base library: TAP output, assertions that read like sentences,
 * and the host-side helpers every axvcpu selftest needs (device, VM fds,
 * MSRs, CPU hotplug, module load/unload).
 *
 * A test program is a table of cases run by test_run_cases(). Each case
 * runs in a child process, so a failed assertion, a crash or a timeout
 * ends only that case, every file descriptor the case opened is closed
 * when it ends, and the next case starts clean. Output is kselftest TAP:
 *
 *	TAP version 13
 *	1..3
 *	ok 1 - api_version
 *	# api_version.c:40: size == 2 * page: got 4096 (0x1000) expected 8192 (0x2000)
 *	not ok 2 - run_size
 *	ok 3 - msr # SKIP /dev/cpu/0/msr: No such file or directory
 *	# Totals: pass:1 fail:1 skip:1
 *
 * Exit status: KSFT_PASS (0) when nothing failed, KSFT_FAIL (1) when
 * anything failed, KSFT_SKIP (4) when every case was skipped. A failure
 * always changes the exit status.
 *
 * Error conventions: the library's functions and test_ioctl() return a
 * negative errno (TEST_ASSERT_OK, TEST_ASSERT_ERRNO); raw system calls
 * return -1 and set errno (TEST_ASSERT_SYSCALL, TEST_ASSERT_SYSCALL_FAILS).
 */
#ifndef SELFTEST_TEST_UTIL_H
#define SELFTEST_TEST_UTIL_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Exit statuses, as kselftest defines them. */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The device node and the module, as the runner loads them. */
#define AXVCPU_DEV_PATH		"/dev/axvcpu"
#define AXVCPU_MODULE_NAME	"axvcpu"

/*
 * TEST_DEFAULT_TIMEOUT - seconds a case may run before it is killed: well
 * below the runner's limit for a whole program (120 s), so that one hung
 * case is reported and the others still run.
 */
#define TEST_DEFAULT_TIMEOUT	30

/**
 * struct test_case - one TAP test point.
 * @name:    printed after "ok N - ".
 * @fn:      the body; returns normally to pass.
 * @timeout: seconds before the case is killed and fails; 0 means
 *           TEST_DEFAULT_TIMEOUT.
 */
struct test_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;
};

/** TEST_CASE() - a &struct test_case named after its function. */
#define TEST_CASE(func)	{ .name = #func, .fn = (func) }

/**
 * test_run_cases() - print the TAP header and plan, run every case in its
 * own child process, print the results and the totals.
 * @cases: the table.
 * @n:     entries in it.
 *
 * The caller must not hold axvcpu fds of its own while the cases run:
 * they would keep VMs and the module busy behind the cases' backs.
 * Return: the exit status for main() (KSFT_PASS, KSFT_FAIL or KSFT_SKIP).
 */
int test_run_cases(const struct test_case *cases, unsigned int n);

/** test_run_all() - test_run_cases() over a whole array. */
#define test_run_all(cases)	test_run_cases((cases), ARRAY_SIZE(cases))

/**
 * test_skip_all() - the program cannot test anything here: print the TAP
 * header, "1..0 # SKIP reason" and exit with KSFT_SKIP. Only before
 * test_run_cases().
 */
__attribute__((noreturn, format(printf, 1, 2)))
void test_skip_all(const char *fmt, ...);

/**
 * test_skip() - skip the running case with a reason ("ok N - name # SKIP
 * reason"). Outside a case it is test_skip_all().
 */
__attribute__((noreturn, format(printf, 1, 2)))
void test_skip(const char *fmt, ...);

/** test_note() - a "# ..." diagnostic line. */
__attribute__((format(printf, 1, 2)))
void test_note(const char *fmt, ...);

/**
 * test_report_failure() - print "# file:line: msg" and mark the running
 * case failed; it goes on until it ends or test_abort_case() is called.
 * Outside a case there is nothing to go on with: the program bails out
 * with KSFT_FAIL.
 */
__attribute__((format(printf, 3, 4)))
void test_report_failure(const char *file, int line, const char *fmt, ...);

/** test_abort_case() - end the running case now, as failed. */
__attribute__((noreturn))
void test_abort_case(void);

/* Report a failure; a fatal one ends the case (the compiler knows). */
#define __TEST_FAIL(fatal, file, line, ...) do {			\
	test_report_failure(file, line, __VA_ARGS__);			\
	if (fatal)							\
		test_abort_case();					\
} while (0)

/** test_fail_at() - report a failure at @file:@line and end the case. */
#define test_fail_at(file, line, ...)	__TEST_FAIL(true, file, line, __VA_ARGS__)

/**
 * test_errno_name() - "EINVAL" for EINVAL or -EINVAL; "E?" plus the number
 * for values glibc has no name for.
 */
const char *test_errno_name(long err);

/* ---- assertions ------------------------------------------------------ */

/**
 * struct test_val - an integer of any type, kept exactly: compared
 * mathematically, whatever the signedness of the two sides.
 * @bits: the value converted to unsigned long long.
 * @neg:  the value is negative (its type is signed and it is below 0).
 */
struct test_val {
	unsigned long long bits;
	bool neg;
};

/* Whether @x has a signed integer type (pointers and others: no). */
#define test_is_signed(x) _Generic((x),				\
	char: (CHAR_MIN < 0), signed char: 1, short: 1, int: 1,	\
	long: 1, long long: 1, default: 0)

/*
 * A signed value converts to unsigned long long sign-extended, so its
 * sign is the top bit; an unsigned one is never negative. (A function, so
 * that the compiler does not warn about "unsigned < 0" in the macro.)
 */
static inline struct test_val test_val_make(unsigned long long bits, bool is_signed)
{
	return (struct test_val){ .bits = bits, .neg = is_signed && (long long)bits < 0 };
}

/* @x must be free of side effects: the macros below copy it first. */
#define TEST_VAL(x)	test_val_make((unsigned long long)(x), test_is_signed(x))

/** test_val_cmp() - -1, 0 or 1 as @a is below, equal to or above @b. */
int test_val_cmp(struct test_val a, struct test_val b);

/** test_cmp_failed() - report "expr: got A expected [op ]B". */
void test_cmp_failed(const char *file, int line, const char *expr,
		     const char *op, struct test_val a, struct test_val b);

/** test_errno_failed() - report "expr: got R (-ENAME) expected E (-ENAME)". */
void test_errno_failed(const char *file, int line, const char *expr,
		       long got, long expected);

#define __TEST_CMP(fatal, a, op, b) do {				\
	__auto_type __ta = (a);						\
	__auto_type __tb = (b);						\
	struct test_val __va = TEST_VAL(__ta);				\
	struct test_val __vb = TEST_VAL(__tb);				\
	if (!(test_val_cmp(__va, __vb) op 0)) {				\
		test_cmp_failed(__FILE__, __LINE__,			\
				#a " " #op " " #b, #op, __va, __vb);	\
		if (fatal)						\
			test_abort_case();				\
	}								\
} while (0)

/** TEST_ASSERT() - @cond must hold; otherwise fail with a printf message. */
#define TEST_ASSERT(cond, fmt, ...) do {				\
	if (!(cond))							\
		__TEST_FAIL(true, __FILE__, __LINE__, "%s: " fmt,	\
			    #cond, ##__VA_ARGS__);			\
} while (0)

/** TEST_EXPECT() - as TEST_ASSERT() but the case goes on (and fails). */
#define TEST_EXPECT(cond, fmt, ...) do {				\
	if (!(cond))							\
		__TEST_FAIL(false, __FILE__, __LINE__, "%s: " fmt,	\
			    #cond, ##__VA_ARGS__);			\
} while (0)

/*
 * Integer comparisons, exact across signedness, each side evaluated once:
 * "# file:line: a == b: got X expected Y".
 */
#define TEST_ASSERT_EQ(a, b)	__TEST_CMP(true, a, ==, b)
#define TEST_ASSERT_NE(a, b)	__TEST_CMP(true, a, !=, b)
#define TEST_ASSERT_LT(a, b)	__TEST_CMP(true, a, <, b)
#define TEST_ASSERT_LE(a, b)	__TEST_CMP(true, a, <=, b)
#define TEST_ASSERT_GT(a, b)	__TEST_CMP(true, a, >, b)
#define TEST_ASSERT_GE(a, b)	__TEST_CMP(true, a, >=, b)
#define TEST_EXPECT_EQ(a, b)	__TEST_CMP(false, a, ==, b)
#define TEST_EXPECT_NE(a, b)	__TEST_CMP(false, a, !=, b)
#define TEST_EXPECT_GE(a, b)	__TEST_CMP(false, a, >=, b)
#define TEST_EXPECT_LE(a, b)	__TEST_CMP(false, a, <=, b)

/**
 * TEST_ASSERT_ERRNO() - @expr (negative-errno convention) returns exactly
 * @err, e.g. TEST_ASSERT_ERRNO(test_ioctl(fd, 0, NULL), -ENOTTY).
 */
#define TEST_ASSERT_ERRNO(expr, err) do {				\
	long __r = (long)(expr);					\
	long __e = (long)(err);						\
	if (__r != __e) {						\
		test_errno_failed(__FILE__, __LINE__, #expr, __r, __e);	\
		test_abort_case();					\
	}								\
} while (0)

/**
 * TEST_ASSERT_OK() - @expr (negative-errno convention) succeeds, i.e.
 * returns >= 0; the macro's value is that result.
 */
#define TEST_ASSERT_OK(expr) ({						\
	long __r = (long)(expr);					\
	if (__r < 0)							\
		test_fail_at(__FILE__, __LINE__,			\
			     "%s: got %ld (-%s: %s) expected >= 0",	\
			     #expr, __r, test_errno_name(__r),		\
			     strerror((int)-__r));			\
	__r;								\
})

/**
 * TEST_ASSERT_SYSCALL() - @expr (a system call: -1 and errno on error)
 * succeeds; the macro's value is its result.
 */
#define TEST_ASSERT_SYSCALL(expr) ({					\
	long __r;							\
	errno = 0;							\
	__r = (long)(expr);						\
	if (__r == -1)							\
		test_fail_at(__FILE__, __LINE__,			\
			     "%s: failed with %s (%s)", #expr,		\
			     test_errno_name(errno), strerror(errno));	\
	__r;								\
})

/**
 * TEST_ASSERT_SYSCALL_FAILS() - @expr (a system call) returns -1 with
 * errno @err (positive, e.g. EACCES).
 */
#define TEST_ASSERT_SYSCALL_FAILS(expr, err) do {			\
	long __r;							\
	int __err;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__err = errno;							\
	if (__r != -1)							\
		test_fail_at(__FILE__, __LINE__,			\
			     "%s: got %ld expected -1 (%s)", #expr,	\
			     __r, test_errno_name(err));		\
	else if (__err != (err))					\
		test_fail_at(__FILE__, __LINE__,			\
			     "%s: got errno %s (%s) expected %s", #expr,\
			     test_errno_name(__err), strerror(__err),	\
			     test_errno_name(err));			\
} while (0)

/* ---- axvcpu fds ------------------------------------------------------- */

/**
 * test_ioctl() - ioctl() with the negative-errno convention.
 * Return: the ioctl's result, or -errno.
 */
long test_ioctl(int fd, unsigned long req, void *arg);

/**
 * test_open_dev() - open /dev/axvcpu read-write, close-on-exec. A missing
 * or unopenable device fails the case (the runner loads the module first).
 * Return: the system fd.
 */
#define test_open_dev()		__test_open_dev(__FILE__, __LINE__)
int __test_open_dev(const char *file, int line);

/**
 * test_create_vm() - AXVCPU_CREATE_VM with no flags on @sys_fd; failing
 * fails the case.
 * Return: the VM fd.
 */
#define test_create_vm(sys_fd)	__test_create_vm(__FILE__, __LINE__, (sys_fd))
int __test_create_vm(const char *file, int line, int sys_fd);

/**
 * fd_is_cloexec() - whether FD_CLOEXEC is set on @fd. An invalid @fd
 * fails the case.
 */
#define fd_is_cloexec(fd)	__fd_is_cloexec(__FILE__, __LINE__, (fd))
bool __fd_is_cloexec(const char *file, int line, int fd);

/** test_page_size() - the page size in bytes. */
long test_page_size(void);

/* ---- host: files, CPUs, MSRs, modules -------------------------------- */

/**
 * read_text_file() - read up to @size - 1 bytes of @path into @buf,
 * NUL-terminated, trailing newline removed.
 * Return: 0 or a negative errno.
 */
int read_text_file(const char *path, char *buf, size_t size);

/** write_text_file() - write @text to @path. Return: 0 or a negative errno. */
int write_text_file(const char *path, const char *text);

/**
 * read_text_field() - the number after the first @key in the text file
 * @path (up to 16 KiB of it), as in /proc/vmstat ("nr_mlock ") or
 * /proc/self/status ("VmPin:"). A missing key reads as 0; an unreadable
 * file fails the case.
 */
#define read_text_field(path, key)	__read_text_field(__FILE__, __LINE__, (path), (key))
long __read_text_field(const char *file, int line, const char *path, const char *key);

/** foll_pins_held() - pages pinned on the host now (/proc/vmstat). */
long foll_pins_held(void);

/** self_pinned_kb() - VmPin + VmLck of this process, in kB. */
long self_pinned_kb(void);

/** module_refcnt() - /sys/module/@name/refcnt, or a negative errno. */
long module_refcnt(const char *name);

/** test_env_ul() - the environment variable @name as a number, or @def. */
unsigned long test_env_ul(const char *name, unsigned long def);

/**
 * online_cpus() - the online CPUs from /sys/devices/system/cpu/online.
 * @cpus: out: their numbers, ascending.
 * @max:  room in @cpus.
 * Return: how many (possibly more than @max, of which @max were stored),
 * or a negative errno.
 */
int online_cpus(int *cpus, int max);

/** cpu_is_online() - whether CPU @cpu is online now. */
bool cpu_is_online(int cpu);

/**
 * cpu_hotplug_supported() - whether /sys/devices/system/cpu/cpu@cpu/online
 * exists (the boot CPU usually has none).
 */
bool cpu_hotplug_supported(int cpu);

/**
 * set_cpu_online() - take CPU @cpu offline or bring it online through
 * sysfs. Return: 0 or a negative errno.
 */
int set_cpu_online(int cpu, bool online);

/** cpuinfo_has_flag() - whether the first "flags" line of /proc/cpuinfo has @flag. */
bool cpuinfo_has_flag(const char *flag);

/* MSR_EFER and its SVME bit (AMD APM vol. 2, 3.1.7). */
#define MSR_EFER		0xc0000080u
#define EFER_SVME		(1ULL << 12)

/**
 * read_msr() - read MSR @msr of CPU @cpu through /dev/cpu/@cpu/msr (the
 * msr driver). Return: 0 or a negative errno.
 */
int read_msr(int cpu, uint32_t msr, uint64_t *value);

/**
 * check_svme_everywhere() - EFER.SVME on every online CPU must be @set
 * (it is while any VM exists); a CPU where it is not fails the case.
 * Return: true when every CPU was checked, false when an EFER could not be
 * read (no msr driver); the caller decides whether that is a skip.
 */
bool check_svme_everywhere(bool set);

/**
 * delete_module_nonblock() - delete_module(@name, O_NONBLOCK), what rmmod
 * does. Return: 0 or a negative errno (-EWOULDBLOCK while in use).
 */
int delete_module_nonblock(const char *name);

/**
 * load_module_file() - finit_module() of the file @path with @params
 * ("" for none). Return: 0 or a negative errno.
 */
int load_module_file(const char *path, const char *params);

/** module_is_loaded() - whether /sys/module/@name exists. */
bool module_is_loaded(const char *name);

/**
 * wait_for_path() - wait up to @timeout_ms for @path to exist (devtmpfs
 * creates device nodes asynchronously). Return: 0 or -ETIMEDOUT.
 */
int wait_for_path(const char *path, unsigned int timeout_ms);

/*
 * KVM of the guest's kernel, from the image (/kvm/, see mkinitramfs.sh),
 * for the tests that run beside it: kvm_module_files in load order.
 */
#define KVM_NR_MODULES	4
extern const char *const kvm_module_files[KVM_NR_MODULES];

/** kvm_modules_missing() - the first KVM module file not in the image, or NULL. */
const char *kvm_modules_missing(void);

/**
 * kvm_modules_load() - load irqbypass, ccp, kvm and kvm-amd (those loaded
 * already stay) and wait for /dev/kvm. Return: 0 or a negative errno
 * (the failing file is named in a note).
 */
int kvm_modules_load(void);

/** kvm_modules_unload() - unload whichever of them is loaded, users first. */
void kvm_modules_unload(void);

/** kvm_modules_left() - the first of them still loaded, or NULL. */
const char *kvm_modules_left(void);

#endif /* SELFTEST_TEST_UTIL_H */
