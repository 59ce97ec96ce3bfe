// SPDX-License-Identifier: MIT
/*
 * bench_sequence: make bench's guest side works, and nothing more (it
 * never judges a speed): bench/run.sh --quick runs every workload once
 * with a tiny count on /dev/axvcpu, on /dev/kvm and on the floor module,
 * and each must report a positive figure; the floor module refuses to
 * run while axvcpu or KVM holds SVM, and refuses bad arguments.
 *
 * The benchmark comes from the image's /bench (bench/, built by make),
 * KVM from /kvm/{irqbypass,ccp,kvm,kvm-amd}.ko; every case unloads what it
 * loaded, so no later test sees KVM or the floor.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/axvcpu.h>

#include "axvcpu_floor.h"
#include "test_util.h"

#define BENCH_RUN	"/bench/run.sh"
#define FLOOR_KO	"/bench/axvcpu_floor.ko"
#define FLOOR_MODULE	"axvcpu_floor"
/* KVM's ABI (linux/kvm.h): KVM_CREATE_VM is _IO(KVMIO = 0xAE, 0x01). */
#define KVM_CREATE_VM_IOCTL	0xAE01

/* Workloads run.sh measures on both sides; the floor "cpuid" and the touches. */
#define MAX_OPS		16

static void floor_load(void)
{
	int ret = load_module_file(FLOOR_KO, "");

	TEST_ASSERT(ret == 0 || ret == -EEXIST, "loading %s: %s", FLOOR_KO, test_errno_name(ret));
	TEST_ASSERT_OK(wait_for_path(AXVCPU_FLOOR_DEV, 5000));
}

/* A whole guest for the floor: CPUID (the counted exit), then the OUT that ends it. */
static const unsigned char floor_image[] = { 0x0f, 0xa2, 0xe6, 0xe0 };

static void floor_args(struct axvcpu_floor_run *a)
{
	memset(a, 0, sizeof(*a));
	a->image = (uintptr_t)floor_image;
	a->image_len = sizeof(floor_image);
	a->image_gpa = 0x1000;
	a->entry = 0x1000;
	a->count = 1;
	a->count_gpa = 0x500;
	a->done_port = 0xe0;
	a->ram_size = 0x10000;
}

/* AXVCPU_FLOOR_RUN of @a: 0 or a negative errno. */
static int floor_run(struct axvcpu_floor_run *a)
{
	int fd = TEST_ASSERT_SYSCALL(open(AXVCPU_FLOOR_DEV, O_RDWR | O_CLOEXEC));
	int ret = ioctl(fd, AXVCPU_FLOOR_RUN, a) ? -errno : 0;

	close(fd);
	return ret;
}

static void assert_floor_runs(void)
{
	struct axvcpu_floor_run a;

	floor_args(&a);
	TEST_ASSERT_OK(floor_run(&a));
	TEST_ASSERT_EQ(a.cpuid_exits, 1);
	TEST_ASSERT_EQ(a.exit_code, 0x7b);	/* IOIO: the OUT that ends it */
}

/* Lines of run.sh's output, and what they say. */
static char out[64 * 1024];

struct seen {
	char op[32];
	int sides;	/* bit 0 axvcpu, 1 kvm, 2 floor */
};

static void sequence_quick(void)
{
	char line[512], side[16], op[32], unit[16], *p;
	struct seen seen[MAX_OPS];
	unsigned int nr_seen = 0, nr_ops = 0, i, errors = 0;
	unsigned long n;
	unsigned long long value;
	size_t len = 0;
	int status, end_rc = -1, bit;
	bool floor_was_loaded = module_is_loaded(FLOOR_MODULE);
	FILE *f;

	kvm_modules_unload();
	/* The workloads, from the runner itself. */
	f = popen("/bench/axvcpu_bench --list", "r");
	TEST_ASSERT(f, "popen: %s", strerror(errno));
	while (nr_ops < MAX_OPS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		snprintf(seen[nr_ops].op, sizeof(seen[nr_ops].op), "%.31s", line);
		seen[nr_ops++].sides = 0;
	}
	TEST_ASSERT_EQ(pclose(f), 0);
	TEST_ASSERT_GE(nr_ops, 11);
	nr_seen = nr_ops;

	f = popen(BENCH_RUN " --quick 2>&1 </dev/null", "r");
	TEST_ASSERT(f, "popen: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (len + strlen(line) < sizeof(out))
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s", line);
		if ((p = strstr(line, "# AXVCPU-BENCH-ERROR ")))
			errors++;
		if ((p = strstr(line, "# AXVCPU-BENCH-END rc=")))
			end_rc = atoi(p + 22);
		p = strstr(line, "# AXVCPU-BENCH ");
		if (!p || sscanf(p + 15, "%15s %31s %lu %llu %15s", side, op, &n, &value, unit) != 5)
			continue;
		/* A result is positive, or it proves nothing. */
		if (!n || !value) {
			test_note("not a positive figure: %s", line);
			errors++;
		}
		bit = !strcmp(side, "axvcpu") ? 1 : !strcmp(side, "kvm") ? 2 :
		      !strcmp(side, "floor") ? 4 : 0;
		for (i = 0; i < nr_seen; i++)
			if (!strcmp(seen[i].op, op))
				seen[i].sides |= bit;
	}
	status = pclose(f);
	if (status || end_rc || errors)
		test_note("run.sh --quick said:\n%s", out);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run.sh exit status %#x",
		    status);
	TEST_ASSERT_EQ(end_rc, 0);
	TEST_ASSERT_EQ(errors, 0);
	for (i = 0; i < nr_seen; i++) {
		int want = !strcmp(seen[i].op, "cpuid") || !strncmp(seen[i].op, "touch", 5) ? 7 : 3;

		if (seen[i].sides != want)
			test_note("run.sh --quick said:\n%s", out);
		TEST_ASSERT(seen[i].sides == want, "%s: results from sides %#x, expected %#x",
			    seen[i].op, seen[i].sides, want);
	}
	/* It unloads what it loaded. */
	TEST_ASSERT(!kvm_modules_left(), "%s still loaded", kvm_modules_left());
	TEST_ASSERT_EQ(module_is_loaded(FLOOR_MODULE), floor_was_loaded);
}

static void floor_refuses_while_axvcpu_has_a_vm(void)
{
	struct axvcpu_floor_run a;
	int sys_fd, vm_fd;

	floor_load();
	sys_fd = test_open_dev();
	vm_fd = test_create_vm(sys_fd);
	floor_args(&a);
	TEST_ASSERT_ERRNO(floor_run(&a), -EBUSY);
	close(vm_fd);
	close(sys_fd);
	/* SVM is free again: the floor runs, and gives it back to axvcpu. */
	assert_floor_runs();
	sys_fd = test_open_dev();
	vm_fd = test_create_vm(sys_fd);
	close(vm_fd);
	close(sys_fd);
	TEST_ASSERT_OK(delete_module_nonblock(FLOOR_MODULE));
}

static void floor_refuses_while_kvm_has_a_vm(void)
{
	struct axvcpu_floor_run a;
	int kvm_fd, kvm_vm;

	floor_load();
	kvm_modules_unload();
	TEST_ASSERT_OK(kvm_modules_load());
	kvm_fd = TEST_ASSERT_SYSCALL(open("/dev/kvm", O_RDWR | O_CLOEXEC));
	kvm_vm = TEST_ASSERT_SYSCALL(ioctl(kvm_fd, KVM_CREATE_VM_IOCTL, 0));
	floor_args(&a);
	TEST_ASSERT_ERRNO(floor_run(&a), -EBUSY);
	close(kvm_vm);
	close(kvm_fd);
	kvm_modules_unload();
	assert_floor_runs();
	TEST_ASSERT_OK(delete_module_nonblock(FLOOR_MODULE));
}

static void floor_rejects_bad_arguments(void)
{
	struct axvcpu_floor_run a;

	floor_load();
	floor_args(&a);
	a.reserved[3] = 1;
	TEST_ASSERT_ERRNO(floor_run(&a), -EINVAL);
	floor_args(&a);
	a.image_len = 0;
	TEST_ASSERT_ERRNO(floor_run(&a), -EINVAL);
	floor_args(&a);
	a.entry = a.image_gpa + a.image_len;
	TEST_ASSERT_ERRNO(floor_run(&a), -EINVAL);
	floor_args(&a);
	a.ram_size = 0x11000;
	TEST_ASSERT_ERRNO(floor_run(&a), -EINVAL);
	floor_args(&a);
	a.count = 0;
	TEST_ASSERT_ERRNO(floor_run(&a), -EINVAL);
	floor_args(&a);
	a.count_gpa = a.image_gpa;
	TEST_ASSERT_ERRNO(floor_run(&a), -EINVAL);
	floor_args(&a);
	a.image = 16;
	TEST_ASSERT_ERRNO(floor_run(&a), -EFAULT);
	/* Nothing was left switched on: it still runs. */
	assert_floor_runs();
	TEST_ASSERT_OK(delete_module_nonblock(FLOOR_MODULE));
}

static const struct test_case cases[] = {
	TEST_CASE(sequence_quick),
	TEST_CASE(floor_refuses_while_axvcpu_has_a_vm),
	TEST_CASE(floor_refuses_while_kvm_has_a_vm),
	TEST_CASE(floor_rejects_bad_arguments),
};

int main(void)
{
	const char *missing = kvm_modules_missing();
	int ret;

	if (access(BENCH_RUN, X_OK) || access(FLOOR_KO, R_OK))
		test_skip_all("%s or %s: %s (the benchmark is not in this image)", BENCH_RUN,
			      FLOOR_KO, strerror(errno));
	if (missing)
		test_skip_all("%s: %s (KVM modules not in this image)", missing, strerror(errno));

	ret = test_run_all(cases);
	kvm_modules_unload();
	if (module_is_loaded(FLOOR_MODULE)) {
		test_note("%s is still loaded", FLOOR_MODULE);
		delete_module_nonblock(FLOOR_MODULE);
		ret = KSFT_FAIL;
	}
	missing = kvm_modules_left();
	if (missing) {
		test_note("%s is still loaded", missing);
		ret = KSFT_FAIL;
	}
	return ret;
}
