// SPDX-License-Identifier: MIT
/*
 * axvcpu_run: the example VMM, /bin/axvcpu-run, end to end. Each case runs
 * it as a user would, on an image this program writes (flat binaries in
 * every start mode, a hand-made ELF64) or one the build made
 * (/images/demo.elf, the Multiboot test kernel /images/mbtest.elf with
 * one sub-test per case), and checks its output and exit status:
 * (V << 1) | 1 for debug-exit value V, 0 for a guest that halted for
 * good, 2 for a crash, 124 for --timeout, 125 when it could not run.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#define VMM		"/bin/axvcpu-run"
#define DEMO		"/images/demo.elf"
#define MBTEST		"/images/mbtest.elf"
#define OUT_SIZE	65536
#define RUN_TIMEOUT_S	50

#define STATUS_HALTED	0
#define STATUS_CRASH	2
#define STATUS_TIMEOUT	124
#define STATUS_ERROR	125
#define DEBUG_EXIT(v)	(((v) << 1) | 1)

static char out[OUT_SIZE];

/*
 * Run axvcpu-run with the NULL-terminated arguments after @input (bytes
 * for its stdin, or NULL for /dev/null); its stdout and stderr, merged,
 * land in out[]. Return: its exit status; the case fails if it is killed.
 */
static int run_vmm(const char *input, ...)
{
	const char *argv[48] = { VMM };
	int to_child[2], from_child[2], status, argc = 1;
	size_t len = 0;
	time_t start;
	va_list ap;
	pid_t pid;
	ssize_t n;

	va_start(ap, input);
	while (argc < 47 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	TEST_ASSERT_SYSCALL(pipe(to_child));
	TEST_ASSERT_SYSCALL(pipe(from_child));
	pid = TEST_ASSERT_SYSCALL(fork());
	if (pid == 0) {
		dup2(to_child[0], STDIN_FILENO);
		dup2(from_child[1], STDOUT_FILENO);
		dup2(from_child[1], STDERR_FILENO);
		close(to_child[1]);
		close(from_child[0]);
		execv(VMM, (char **)argv);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (input)
		TEST_ASSERT_EQ(write(to_child[1], input, strlen(input)), (ssize_t)strlen(input));
	close(to_child[1]);

	start = time(NULL);
	while (len < sizeof(out) - 1 &&
	       (n = read(from_child[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		TEST_ASSERT(n > 0, "read: %s", strerror(errno));
		len += n;
		TEST_ASSERT(time(NULL) - start < RUN_TIMEOUT_S, "axvcpu-run still runs");
	}
	out[len] = '\0';
	close(from_child[0]);
	TEST_ASSERT_SYSCALL(waitpid(pid, &status, 0));
	test_note("axvcpu-run %s%s ...: %zu bytes of output", argc > 1 ? argv[1] : "",
		  argc > 2 ? " ..." : "", len);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		test_note("output:\n%s", out);
		test_fail_at(__FILE__, __LINE__, "axvcpu-run did not exit normally (0x%x)", status);
	}
	return WEXITSTATUS(status);
}

#define ASSERT_OUTPUT(needle) do {					\
	if (!strstr(out, (needle))) {					\
		test_note("output:\n%s", out);				\
		TEST_ASSERT(0, "no '%s' in the output", (needle));	\
	}								\
} while (0)

#define ASSERT_STATUS(got, want) do {					\
	int __got = (got);						\
	if (__got != (want))						\
		test_note("output:\n%s", out);				\
	TEST_ASSERT_EQ(__got, (want));					\
} while (0)

/* The count of row @name in the --stats table, or -1 when there is none. */
static long stats_count(const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n  %s ", name);
	p = strstr(out, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = TEST_ASSERT_SYSCALL(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));

	TEST_ASSERT_EQ(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void need_vmm(void)
{
	if (access(VMM, X_OK))
		test_fail_at(__FILE__, __LINE__, "%s is missing from the initramfs", VMM);
}

/* 16-bit: mov al,'A'; mov dx,0x3f8; out dx,al; mov al,7; out 0xf4,al */
static const uint8_t real_code[] = { 0xb0, 'A', 0xba, 0xf8, 0x03, 0xee, 0xb0, 7, 0xe6, 0xf4 };
/* 32/64-bit: mov al,C; mov dx,0x3f8 (66 prefix); out dx,al; mov al,V; out 0xf4,al */
#define WIDE_CODE(c, v) { 0xb0, (c), 0x66, 0xba, 0xf8, 0x03, 0xee, 0xb0, (v), 0xe6, 0xf4 }

static void flat_real_mode(void)
{
	need_vmm();
	write_file("/tmp/real.bin", real_code, sizeof(real_code));
	/* Loaded at the default 0x1000: CS = 0x100, IP = 0. */
	ASSERT_STATUS(run_vmm(NULL, "/tmp/real.bin", NULL), DEBUG_EXIT(7));
	ASSERT_OUTPUT("A");
	ASSERT_OUTPUT("the guest wrote 7 to the debug-exit port");
}

static void flat_protected_and_long_mode(void)
{
	static const uint8_t p[] = WIDE_CODE('P', 3), l[] = WIDE_CODE('L', 4);

	need_vmm();
	write_file("/tmp/prot.bin", p, sizeof(p));
	write_file("/tmp/long.bin", l, sizeof(l));
	ASSERT_STATUS(run_vmm(NULL, "--mode", "protected", "--entry", "0x100000",
			      "/tmp/prot.bin", NULL), DEBUG_EXIT(3));
	ASSERT_OUTPUT("P");
	ASSERT_STATUS(run_vmm(NULL, "--mode", "long", "--entry", "0x200000", "/tmp/long.bin",
			      NULL), DEBUG_EXIT(4));
	ASSERT_OUTPUT("L");
}

/* A minimal ELF64 executable: one PT_LOAD at 2 MiB (+ 4 KiB bss), 64-bit code. */
static void elf64_image(void)
{
	static const uint8_t code[] = WIDE_CODE('E', 9);
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[sizeof(code)];
	} img;

	need_vmm();
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = 0x200000 + offsetof(typeof(img), code);
	img.eh.e_phoff = offsetof(typeof(img), ph);
	img.eh.e_ehsize = sizeof(img.eh);
	img.eh.e_phentsize = sizeof(img.ph);
	img.eh.e_phnum = 1;
	img.ph.p_type = PT_LOAD;
	img.ph.p_flags = PF_R | PF_X;
	img.ph.p_vaddr = 0x200000;
	img.ph.p_paddr = 0x200000;
	img.ph.p_filesz = sizeof(img);
	img.ph.p_memsz = sizeof(img) + 4096;
	memcpy(img.code, code, sizeof(code));
	write_file("/tmp/e64.elf", &img, sizeof(img));

	ASSERT_STATUS(run_vmm(NULL, "--stats", "/tmp/e64.elf", NULL), DEBUG_EXIT(9));
	ASSERT_OUTPUT("E");
	/* --stats: two port writes reached the VMM. */
	ASSERT_OUTPUT("axvcpu-run: statistics (1 CPU)");
	TEST_ASSERT_EQ(stats_count("IO_WRITE"), 2);
	TEST_ASSERT_EQ(stats_count("RUN calls"), 2);
}

/*
 * 64-bit, at 0x200000: an unknown hypercall returns -1000, hypercall 1
 * prints "hcall" (5 bytes at 0x200030) and returns 5; debug-exit 5 when
 * both held, 6 otherwise.
 */
static void flat_hypercalls(void)
{
	static const uint8_t code[] = {
		0xb8, 0x45, 0x23, 0x01, 0x00,		/* mov eax, 0x12345 */
		0x0f, 0x01, 0xd9,			/* vmmcall */
		0x48, 0x3d, 0x18, 0xfc, 0xff, 0xff,	/* cmp rax, -1000 */
		0x75, 0x1c,				/* jne fail */
		0xbf, 0x30, 0x00, 0x20, 0x00,		/* mov edi, 0x200030 */
		0xbe, 0x05, 0x00, 0x00, 0x00,		/* mov esi, 5 */
		0xb8, 0x01, 0x00, 0x00, 0x00,		/* mov eax, 1 */
		0x0f, 0x01, 0xd9,			/* vmmcall */
		0x48, 0x83, 0xf8, 0x05,			/* cmp rax, 5 */
		0x75, 0x04,				/* jne fail */
		0xb0, 0x05, 0xe6, 0xf4,			/* out 0xf4, 5 */
		0xb0, 0x06, 0xe6, 0xf4,			/* fail: out 0xf4, 6 */
		'h', 'c', 'a', 'l', 'l',		/* at offset 0x30 */
	};

	need_vmm();
	TEST_ASSERT_EQ(sizeof(code), 0x30 + 5);
	write_file("/tmp/hcall.bin", code, sizeof(code));
	ASSERT_STATUS(run_vmm(NULL, "--mode", "long", "--entry", "0x200000", "/tmp/hcall.bin",
			      NULL), DEBUG_EXIT(5));
	ASSERT_OUTPUT("hcall");
}

/* 32-bit: debug-exit with CPUID.1:ECX bit 21, the x2APIC. */
static void cpuid_mask_hides_x2apic(void)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0x00, 0x00, 0x00,	/* mov eax, 1 */
		0x0f, 0xa2,			/* cpuid */
		0xc1, 0xe9, 0x15,		/* shr ecx, 21 */
		0x83, 0xe1, 0x01,		/* and ecx, 1 */
		0x89, 0xc8,			/* mov eax, ecx */
		0xe6, 0xf4,			/* out 0xf4, al */
	};

	need_vmm();
	write_file("/tmp/cpuid.bin", code, sizeof(code));
	/* The kernel offers the x2APIC by default... */
	ASSERT_STATUS(run_vmm(NULL, "--mode", "protected", "--entry", "0x100000",
			      "/tmp/cpuid.bin", NULL), DEBUG_EXIT(1));
	/* ...and the mask hides it, on every CPU's table. */
	ASSERT_STATUS(run_vmm(NULL, "--cpus", "2", "--mode", "protected", "--entry", "0x100000",
			      "--cpuid-mask", "x2apic,pcid", "/tmp/cpuid.bin", NULL),
		      DEBUG_EXIT(0));
}

static void guest_halts_for_good(void)
{
	static const uint8_t cli_hlt[] = { 0xfa, 0xf4 };

	need_vmm();
	write_file("/tmp/halt.bin", cli_hlt, sizeof(cli_hlt));
	ASSERT_STATUS(run_vmm(NULL, "/tmp/halt.bin", NULL), STATUS_HALTED);
	ASSERT_OUTPUT("every CPU halted with interrupts disabled");
}

static void timeout_stops_a_spinning_guest(void)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };	/* jmp $ */

	need_vmm();
	write_file("/tmp/spin.bin", spin, sizeof(spin));
	ASSERT_STATUS(run_vmm(NULL, "--timeout", "1", "--cpus", "2", "/tmp/spin.bin", NULL),
		      STATUS_TIMEOUT);
	ASSERT_OUTPUT("timeout");
}

static void need_image(const char *path)
{
	need_vmm();
	if (access(path, R_OK))
		test_fail_at(__FILE__, __LINE__, "%s is missing from the initramfs", path);
}

/* Show the guest's own skips: what it could not reach here, and why. */
static void note_skips(void)
{
	const char *p = out, *skip, *bol;

	while ((skip = strstr(p, "# SKIP"))) {
		for (bol = skip; bol > out && bol[-1] != '\n'; bol--)
			;
		p = strchrnul(skip, '\n');
		test_note("guest: %.*s", (int)(p - bol), bol);
	}
}

/*
 * mbtest.elf's verdict: every check of the sub-test passed ("done P/P",
 * no "not ok") and it exited through debug-exit with 0 (status 1).
 */
static void assert_mbtest_passed(int status)
{
	unsigned int passed = 0, total = 0;
	const char *done = strstr(out, "\ndone ");

	if (status != DEBUG_EXIT(0) || strstr(out, "not ok") || !done)
		test_note("output:\n%s", out);
	TEST_ASSERT(done && sscanf(done, "\ndone %u/%u", &passed, &total) == 2,
		    "no 'done P/T' line");
	TEST_ASSERT(!strstr(out, "not ok"), "a check failed");
	TEST_ASSERT_GT(total, 0);
	TEST_ASSERT_EQ(passed, total);
	TEST_ASSERT_EQ(status, DEBUG_EXIT(0));
	test_note("%u checks passed", total);
	note_skips();
}

#define RUN_MBTEST(input, ...) assert_mbtest_passed(run_vmm((input), __VA_ARGS__, NULL))

static void demo_guest(void)
{
	need_image(DEMO);
	ASSERT_STATUS(run_vmm(NULL, "--cpus", "2", "--stats", DEMO, NULL), DEBUG_EXIT(0));
	ASSERT_OUTPUT("axvcpu demo guest");
	ASSERT_OUTPUT("cpu 1: up in 64-bit mode");
	ASSERT_OUTPUT("demo: all steps passed");
	ASSERT_OUTPUT("HYPERCALL");
	ASSERT_OUTPUT("MMIO_READ");
	TEST_ASSERT(!strstr(out, "FAILED"), "a demo step failed");
}

static void multiboot_info(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, MBTEST, "--", "test=info", "mem=256M");
	/* RAM above 4 GiB: the memory map has two RAM ranges. */
	RUN_MBTEST(NULL, "--mem", "5G", MBTEST, "--", "test=info", "mem=5G");
	/* The command line is "<image name> <guest args>". */
	ASSERT_OUTPUT("# mbtest: " MBTEST " test=info mem=5G");
}

static void multiboot_env_module(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, "--env", "FOO=bar", "--env", "N=3", MBTEST, "--", "test=env",
	       "expect=FOO=bar,N=3");
}

static void fw_cfg(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, "--cpus", "4", "--mem", "512M", MBTEST, "--", "test=fwcfg", "cpus=4",
	       "mem=512M");
	/* A wrong expectation fails: the checks can fail. */
	ASSERT_STATUS(run_vmm(NULL, "--mem", "256M", MBTEST, "--", "test=fwcfg", "mem=512M",
			      NULL), DEBUG_EXIT(1));
	ASSERT_OUTPUT("not ok");
}

static void uart(void)
{
	need_image(MBTEST);
	RUN_MBTEST("hello", MBTEST, "--", "test=uart", "input=hello");
}

static void unassigned_ports(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, MBTEST, "--", "test=ports");
}

static void hypercalls(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, MBTEST, "--", "test=hypercall");
	TEST_ASSERT(!strstr(out, "# SKIP"), "hypercalls were skipped");
}

static void mmio_test_device(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, MBTEST, "--", "test=mmio");
	TEST_ASSERT(!strstr(out, "# SKIP"), "the test device was not found");
}

static void apic_timer(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, MBTEST, "--", "test=timer");
	/* axvcpu-run offers the TSC-deadline mode on every host. */
	TEST_ASSERT(!strstr(out, "# SKIP"), "a timer mode was skipped");
}

static void apic_registers(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, MBTEST, "--", "test=apic");
	/* The same without the x2APIC in CPUID: xAPIC only. */
	RUN_MBTEST(NULL, "--cpuid-mask", "x2apic", MBTEST, "--", "test=apic");
}

static void smp_start_and_ipis(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, "--cpus", "2", MBTEST, "--", "test=smp", "cpus=2");
	RUN_MBTEST(NULL, "--cpus", "6", MBTEST, "--", "test=smp", "cpus=6");
	/* One CPU fewer than the guest wants: a check fails. */
	ASSERT_STATUS(run_vmm(NULL, "--cpus", "2", MBTEST, "--", "test=smp", "cpus=3", NULL),
		      DEBUG_EXIT(1));
	ASSERT_OUTPUT("not ok");
}

static void cpuid_features(void)
{
	need_image(MBTEST);
	RUN_MBTEST(NULL, "--cpuid-mask", "x2apic,tsc-deadline,pcid,invpcid,svm", MBTEST, "--",
	       "test=cpuid", "absent=x2apic,tsc-deadline,pcid,invpcid,svm");
	RUN_MBTEST(NULL, MBTEST, "--", "test=cpuid", "present=x2apic", "absent=svm");
}

static void guest_exit_code_and_crash(void)
{
	need_image(MBTEST);
	ASSERT_STATUS(run_vmm(NULL, MBTEST, "--", "test=exit", "code=5", NULL), DEBUG_EXIT(5));
	ASSERT_OUTPUT("the guest wrote 5 to the debug-exit port");
	ASSERT_STATUS(run_vmm(NULL, MBTEST, "--", "test=fault", NULL), STATUS_CRASH);
	ASSERT_OUTPUT("triple-faulted");
}

static void bad_command_lines(void)
{
	need_vmm();
	write_file("/tmp/real.bin", real_code, sizeof(real_code));
	ASSERT_STATUS(run_vmm(NULL, NULL), STATUS_ERROR);
	ASSERT_OUTPUT("Usage: axvcpu-run");
	ASSERT_STATUS(run_vmm(NULL, "--bogus", "/tmp/real.bin", NULL), STATUS_ERROR);
	ASSERT_STATUS(run_vmm(NULL, "/nonexistent.elf", NULL), STATUS_ERROR);
	ASSERT_OUTPUT("cannot load /nonexistent.elf");
	ASSERT_STATUS(run_vmm(NULL, "--device", "/nonexistent", "/tmp/real.bin", NULL),
		      STATUS_ERROR);
	ASSERT_OUTPUT("axvcpu.ko");
	ASSERT_STATUS(run_vmm(NULL, "--cpuid-mask", "x2apic,warp-drive", "/tmp/real.bin", NULL),
		      STATUS_ERROR);
	ASSERT_OUTPUT("unknown CPUID feature 'warp-drive'");
	ASSERT_STATUS(run_vmm(NULL, "--cpus", "0", "/tmp/real.bin", NULL), STATUS_ERROR);
	ASSERT_STATUS(run_vmm(NULL, "--mem", "12x", "/tmp/real.bin", NULL), STATUS_ERROR);
	ASSERT_STATUS(run_vmm(NULL, "--env", "NOEQUALS", "/tmp/real.bin", NULL), STATUS_ERROR);
	ASSERT_STATUS(run_vmm(NULL, "--mode", "unreal", "/tmp/real.bin", NULL), STATUS_ERROR);
	/* A flat image loaded beyond RAM. */
	ASSERT_STATUS(run_vmm(NULL, "--mem", "16M", "--entry", "0x2000000", "/tmp/real.bin",
			      NULL), STATUS_ERROR);
	ASSERT_OUTPUT("cannot load");
	ASSERT_STATUS(run_vmm(NULL, "-h", NULL), 0);
	ASSERT_OUTPUT("--cpuid-mask");
}

static const struct test_case cases[] = {
	TEST_CASE(flat_real_mode),
	TEST_CASE(flat_protected_and_long_mode),
	TEST_CASE(elf64_image),
	TEST_CASE(flat_hypercalls),
	TEST_CASE(cpuid_mask_hides_x2apic),
	TEST_CASE(guest_halts_for_good),
	TEST_CASE(timeout_stops_a_spinning_guest),
	{ .name = "demo_guest", .fn = demo_guest, .timeout = 60 },
	{ .name = "multiboot_info", .fn = multiboot_info, .timeout = 60 },
	{ .name = "multiboot_env_module", .fn = multiboot_env_module, .timeout = 60 },
	{ .name = "fw_cfg", .fn = fw_cfg, .timeout = 60 },
	{ .name = "uart", .fn = uart, .timeout = 60 },
	{ .name = "unassigned_ports", .fn = unassigned_ports, .timeout = 60 },
	{ .name = "hypercalls", .fn = hypercalls, .timeout = 60 },
	{ .name = "mmio_test_device", .fn = mmio_test_device, .timeout = 60 },
	{ .name = "apic_timer", .fn = apic_timer, .timeout = 60 },
	{ .name = "apic_registers", .fn = apic_registers, .timeout = 60 },
	{ .name = "smp_start_and_ipis", .fn = smp_start_and_ipis, .timeout = 100 },
	{ .name = "cpuid_features", .fn = cpuid_features, .timeout = 60 },
	{ .name = "guest_exit_code_and_crash", .fn = guest_exit_code_and_crash, .timeout = 60 },
	{ .name = "bad_command_lines", .fn = bad_command_lines, .timeout = 60 },
};

int main(void)
{
	return test_run_all(cases);
}
