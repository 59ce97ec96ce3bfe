// SPDX-License-Identifier: MIT
/*
 * Selftest base library: TAP output, case runner, assertion back ends and
 * host helpers. See test_util.h for the rules the tests rely on.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "test_util.h"

/*
 * What a case's child process hands back beyond its exit status. It lives
 * in a MAP_SHARED page so it survives the child.
 */
struct case_result {
	char skip_reason[512];
};

static struct case_result *case_result;
/* True in a case's child process: failures end the case, not the program. */
static bool in_case;
/* A non-fatal failure happened in this case. */
static bool case_failed;
static bool header_printed;

/* Print "TAP version 13" once, before anything else reaches stdout. */
static void tap_header(void)
{
	if (header_printed)
		return;
	header_printed = true;
	/*
	 * Line buffering keeps our lines whole and in order beside the
	 * kernel's messages on a serial console, even when stdout is a pipe.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
}

/* Print @fmt as one or more "# " lines (a message may hold newlines). */
static void vnote(const char *fmt, va_list ap)
{
	char buf[2048];
	char *line, *next;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	tap_header();
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		printf("# %s\n", line);
	}
	fflush(stdout);
}

void test_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

void test_skip_all(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	if (in_case) {
		/* Inside a case this can only mean the case. */
		test_skip("%s", reason);
	}
	tap_header();
	printf("1..0 # SKIP %s\n", reason);
	fflush(stdout);
	exit(KSFT_SKIP);
}

void test_skip(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	if (!in_case)
		test_skip_all("%s", reason);

	/* A skip after a non-fatal failure is still a failure. */
	if (case_failed) {
		test_note("skipping after a failure: %s", reason);
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	snprintf(case_result->skip_reason, sizeof(case_result->skip_reason), "%s", reason);
	fflush(stdout);
	_exit(KSFT_SKIP);
}

void test_report_failure(const char *file, int line, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	test_note("%s:%d: %s", file, line, msg);
	if (!in_case) {
		/* No case to fail: the whole program has failed. */
		printf("Bail out! failure outside a test case\n");
		fflush(stdout);
		exit(KSFT_FAIL);
	}
	case_failed = true;
}

void test_abort_case(void)
{
	fflush(stdout);
	if (!in_case)
		exit(KSFT_FAIL);
	_exit(KSFT_FAIL);
}

const char *test_errno_name(long err)
{
	static char buf[32];
	const char *name;

	if (err < 0)
		err = -err;
	name = err <= INT_MAX ? strerrorname_np((int)err) : NULL;
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E?%ld", err);
	return buf;
}

int test_val_cmp(struct test_val a, struct test_val b)
{
	if (a.neg != b.neg)
		return a.neg ? -1 : 1;
	/* Same sign: two's complement order matches unsigned order. */
	if (a.bits == b.bits)
		return 0;
	return a.bits < b.bits ? -1 : 1;
}

/* Format @v in decimal, with hex beside it when that helps to read it. */
static const char *format_val(char *buf, size_t size, struct test_val v)
{
	if (v.neg)
		snprintf(buf, size, "%lld", (long long)v.bits);
	else if (v.bits > 9)
		snprintf(buf, size, "%llu (%#llx)", v.bits, v.bits);
	else
		snprintf(buf, size, "%llu", v.bits);
	return buf;
}

void test_cmp_failed(const char *file, int line, const char *expr,
		     const char *op, struct test_val a, struct test_val b)
{
	char got[64], expected[64];
	bool eq = !strcmp(op, "==");

	test_report_failure(file, line, "%s: got %s expected %s%s%s", expr,
		     format_val(got, sizeof(got), a), eq ? "" : op, eq ? "" : " ",
		     format_val(expected, sizeof(expected), b));
}

/* Format a negative-errno-convention result: "-22 (-EINVAL)" or "3". */
static const char *format_ret(char *buf, size_t size, long ret)
{
	if (ret < 0)
		snprintf(buf, size, "%ld (-%s)", ret, test_errno_name(ret));
	else
		snprintf(buf, size, "%ld", ret);
	return buf;
}

void test_errno_failed(const char *file, int line, const char *expr,
		       long got, long expected)
{
	char g[64], e[64];

	test_report_failure(file, line, "%s: got %s expected %s", expr,
		     format_ret(g, sizeof(g), got), format_ret(e, sizeof(e), expected));
}

/* ---- the case runner ---------------------------------------------------- */

enum case_outcome { CASE_PASS, CASE_FAIL, CASE_SKIP };

/* Run @tc in a child process and turn how it ended into an outcome. */
static enum case_outcome run_case(const struct test_case *tc)
{
	unsigned int timeout = tc->timeout ? tc->timeout : TEST_DEFAULT_TIMEOUT;
	pid_t pid, parent;
	int status;

	case_result->skip_reason[0] = '\0';
	/* Buffered output would otherwise be printed by both processes. */
	fflush(stdout);
	fflush(stderr);

	parent = getpid();
	pid = fork();
	if (pid < 0) {
		test_note("%s: fork: %s", tc->name, strerror(errno));
		return CASE_FAIL;
	}
	if (pid == 0) {
		/*
		 * A program killed at the runner's timeout takes its case with
		 * it: an orphaned case would hold its VM into the next program.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(KSFT_FAIL);
		in_case = true;
		case_failed = false;
		alarm(timeout);
		tc->fn();
		fflush(stdout);
		_exit(case_failed ? KSFT_FAIL : KSFT_PASS);
	}

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			test_note("%s: waitpid: %s", tc->name, strerror(errno));
			return CASE_FAIL;
		}
	}

	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			test_note("%s: timed out after %u s", tc->name, timeout);
		else
			test_note("%s: killed by signal %d (%s)", tc->name,
				  WTERMSIG(status), strsignal(WTERMSIG(status)));
		return CASE_FAIL;
	}
	switch (WEXITSTATUS(status)) {
	case KSFT_PASS:
		return CASE_PASS;
	case KSFT_SKIP:
		/* A skip must say why; one without a reason is a bug. */
		if (case_result->skip_reason[0])
			return CASE_SKIP;
		test_note("%s: exited with the skip status but no reason", tc->name);
		return CASE_FAIL;
	case KSFT_FAIL:
		return CASE_FAIL;
	default:
		test_note("%s: exited with status %d", tc->name, WEXITSTATUS(status));
		return CASE_FAIL;
	}
}

int test_run_cases(const struct test_case *cases, unsigned int n)
{
	unsigned int i, pass = 0, fail = 0, skip = 0;

	case_result = mmap(NULL, sizeof(*case_result), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (case_result == MAP_FAILED) {
		tap_header();
		printf("Bail out! mmap: %s\n", strerror(errno));
		return KSFT_FAIL;
	}

	tap_header();
	printf("1..%u\n", n);
	for (i = 0; i < n; i++) {
		switch (run_case(&cases[i])) {
		case CASE_PASS:
			printf("ok %u - %s\n", i + 1, cases[i].name);
			pass++;
			break;
		case CASE_SKIP:
			printf("ok %u - %s # SKIP %s\n", i + 1, cases[i].name,
			       case_result->skip_reason);
			skip++;
			break;
		case CASE_FAIL:
			printf("not ok %u - %s\n", i + 1, cases[i].name);
			fail++;
			break;
		}
		fflush(stdout);
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	fflush(stdout);
	munmap(case_result, sizeof(*case_result));

	if (fail)
		return KSFT_FAIL;
	/* An empty plan tested nothing: that is not a pass either. */
	if (skip == n)
		return KSFT_SKIP;
	return KSFT_PASS;
}

/* ---- axvcpu fds ------------------------------------------------------- */

long test_ioctl(int fd, unsigned long req, void *arg)
{
	long ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

int __test_open_dev(const char *file, int line)
{
	int fd = open(AXVCPU_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		test_fail_at(file, line, "open(%s): %s (%s)%s", AXVCPU_DEV_PATH,
			     test_errno_name(err), strerror(err),
			     err == ENOENT ? "; is axvcpu.ko loaded?" : "");
	}
	return fd;
}

int __test_create_vm(const char *file, int line, int sys_fd)
{
	struct axvcpu_create_vm args;
	long fd;

	memset(&args, 0, sizeof(args));
	fd = test_ioctl(sys_fd, AXVCPU_CREATE_VM, &args);
	if (fd < 0)
		test_fail_at(file, line, "AXVCPU_CREATE_VM: %s (%s)",
			     test_errno_name(fd), strerror((int)-fd));
	return (int)fd;
}

bool __fd_is_cloexec(const char *file, int line, int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		test_fail_at(file, line, "fcntl(%d, F_GETFD): %s", fd, strerror(errno));
	return flags & FD_CLOEXEC;
}

long test_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* ---- host: files, CPUs, MSRs, modules -------------------------------- */

int read_text_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	if (size == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

bool check_svme_everywhere(bool set)
{
	int cpus[64], n, i;

	n = online_cpus(cpus, 64);
	TEST_ASSERT(n > 0 && n <= 64, "online CPUs: %d", n);
	for (i = 0; i < n; i++) {
		uint64_t efer;

		if (read_msr(cpus[i], MSR_EFER, &efer)) {
			test_note("cannot read EFER of CPU %d", cpus[i]);
			return false;
		}
		TEST_ASSERT(!!(efer & EFER_SVME) == set, "CPU %d: EFER 0x%llx, SVME expected %s",
			    cpus[i], (unsigned long long)efer, set ? "set" : "clear");
	}
	return true;
}

long __read_text_field(const char *file, int line, const char *path, const char *key)
{
	static char buf[16384];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	const char *p;
	long v = 0;
	int ret;

	pthread_mutex_lock(&lock);
	ret = read_text_file(path, buf, sizeof(buf));
	p = ret ? NULL : strstr(buf, key);
	if (p)
		v = strtol(p + strlen(key), NULL, 10);
	pthread_mutex_unlock(&lock);
	if (ret) {
		test_report_failure(file, line, "read %s: %s", path, strerror(-ret));
		test_abort_case();
	}
	return v;
}

long foll_pins_held(void)
{
	return read_text_field("/proc/vmstat", "nr_foll_pin_acquired ") -
	       read_text_field("/proc/vmstat", "nr_foll_pin_released ");
}

long self_pinned_kb(void)
{
	return read_text_field("/proc/self/status", "VmPin:") +
	       read_text_field("/proc/self/status", "VmLck:");
}

long module_refcnt(const char *name)
{
	char path[128], buf[32];
	int ret;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	ret = read_text_file(path, buf, sizeof(buf));
	return ret ? ret : strtol(buf, NULL, 10);
}

unsigned long test_env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

int write_text_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	/* sysfs takes the whole value in one write or none of it. */
	return (size_t)n == len ? 0 : -EIO;
}

int online_cpus(int *cpus, int max)
{
	char buf[1024], *p, *end;
	int count = 0, ret;

	ret = read_text_file("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (ret < 0)
		return ret;

	/* The format is a list of ranges: "0-3,5,7-8". */
	for (p = buf; *p; ) {
		long first, last, cpu;

		first = strtol(p, &end, 10);
		if (end == p || first < 0)
			return -EINVAL;
		last = first;
		p = end;
		if (*p == '-') {
			last = strtol(p + 1, &end, 10);
			if (end == p + 1 || last < first)
				return -EINVAL;
			p = end;
		}
		for (cpu = first; cpu <= last; cpu++) {
			if (count < max)
				cpus[count] = (int)cpu;
			count++;
		}
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return -EINVAL;
		else
			break;
	}
	return count;
}

/* "/sys/devices/system/cpu/cpuN/online" for @cpu. */
static void cpu_online_path(char *buf, size_t size, int cpu)
{
	snprintf(buf, size, "/sys/devices/system/cpu/cpu%d/online", cpu);
}

bool cpu_is_online(int cpu)
{
	int cpus[1024];
	int n, i;

	n = online_cpus(cpus, ARRAY_SIZE(cpus));
	for (i = 0; i < n && i < (int)ARRAY_SIZE(cpus); i++)
		if (cpus[i] == cpu)
			return true;
	return false;
}

bool cpu_hotplug_supported(int cpu)
{
	char path[128];

	cpu_online_path(path, sizeof(path), cpu);
	return access(path, F_OK) == 0;
}

int set_cpu_online(int cpu, bool online)
{
	char path[128];

	cpu_online_path(path, sizeof(path), cpu);
	return write_text_file(path, online ? "1" : "0");
}

bool cpuinfo_has_flag(const char *flag)
{
	size_t flag_len = strlen(flag);
	bool found = false;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *p;

		if (strncmp(line, "flags", 5) || !strchr(line, ':'))
			continue;
		/* Every CPU lists the same flags: the first line decides. */
		for (p = strchr(line, ':') + 1; *p; ) {
			size_t len;

			while (isspace((unsigned char)*p))
				p++;
			len = strcspn(p, " \t\n");
			if (len == flag_len && !strncmp(p, flag, len)) {
				found = true;
				break;
			}
			p += len;
		}
		break;
	}
	free(line);
	fclose(f);
	return found;
}

int read_msr(int cpu, uint32_t msr, uint64_t *value)
{
	char path[64];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The msr driver reads MSR number "offset", 8 bytes at a time. */
	n = pread(fd, value, sizeof(*value), msr);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == sizeof(*value) ? 0 : -EIO;
}

int delete_module_nonblock(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int load_module_file(const char *path, const char *params)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

bool module_is_loaded(const char *name)
{
	char path[128], state[32];

	/* initstate exists only for loadable modules, and says "live". */
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	if (read_text_file(path, state, sizeof(state)) < 0)
		return false;
	return !strcmp(state, "live");
}

int wait_for_path(const char *path, unsigned int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	unsigned int waited;

	for (waited = 0; ; waited += 10) {
		if (access(path, F_OK) == 0)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

const char *const kvm_module_files[KVM_NR_MODULES] = {
	"/kvm/irqbypass.ko", "/kvm/ccp.ko", "/kvm/kvm.ko", "/kvm/kvm-amd.ko",
};

/* Unload order: users first. */
static const char *const kvm_module_names[KVM_NR_MODULES] = {
	"kvm_amd", "kvm", "ccp", "irqbypass",
};

const char *kvm_modules_missing(void)
{
	unsigned int i;

	for (i = 0; i < KVM_NR_MODULES; i++)
		if (access(kvm_module_files[i], R_OK))
			return kvm_module_files[i];
	return NULL;
}

int kvm_modules_load(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < KVM_NR_MODULES; i++) {
		ret = load_module_file(kvm_module_files[i], "");
		if (ret && ret != -EEXIST) {
			test_note("loading %s: %s", kvm_module_files[i], test_errno_name(ret));
			return ret;
		}
	}
	return wait_for_path("/dev/kvm", 5000);
}

void kvm_modules_unload(void)
{
	unsigned int i;

	for (i = 0; i < KVM_NR_MODULES; i++)
		if (module_is_loaded(kvm_module_names[i]))
			delete_module_nonblock(kvm_module_names[i]);
}

const char *kvm_modules_left(void)
{
	unsigned int i;

	for (i = 0; i < KVM_NR_MODULES; i++)
		if (module_is_loaded(kvm_module_names[i]))
			return kvm_module_names[i];
	return NULL;
}
