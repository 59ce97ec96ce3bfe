// SPDX-License-Identifier: MIT
/*
 * mbtest.elf: a Multiboot kernel for axvcpu-run's selftest, run as
 *
 *   axvcpu-run [options] mbtest.elf -- test=<name> [key=value ...]
 *
 * The subtests and their arguments:
 *
 *   info       mem=<size>      the Multiboot information block
 *   env        expect=K=V,...  the --env module
 *   fwcfg      cpus=N mem=<size>
 *   uart       input=<bytes>   registers; the bytes given on stdin
 *   ports                      unassigned ports read all-ones
 *   hypercall                  VMMCALL numbers 1, 2 and unknown ones
 *   mmio                       the test device at 0xfeb00000
 *   timer                      local APIC timer modes
 *   apic                       local APIC registers, disable, x2APIC
 *   smp        cpus=N          AP start-up and IPIs of every kind
 *   cpuid      absent=a,b present=c    features (x2apic, tsc-deadline,
 *                              pcid, invpcid, svm)
 *   fault                      a triple fault (no "done" line)
 *   exit       code=N          exits with N (no "done" line)
 *
 * Sizes take K, M or G (bare numbers are MiB).
 *
 * Every subtest passes under plain QEMU as well (qemu-check.sh runs them
 * all), where some checks become skips: hypercall and mmio skip (neither
 * exists there); timer skips TSC-deadline and apic skips x2APIC (QEMU
 * 7.2's TCG offers neither); apic skips re-enabling through
 * IA32_APIC_BASE (QEMU's APIC stays off once disabled); env needs
 * -initrd and uart's input a pipe on stdin; fault ends QEMU -no-reboot
 * with status 0, where axvcpu-run reports a crash.
 */
#include "mbtest.h"

static unsigned int checks, passed, skipped;

bool check(bool ok, const char *what, const char *fmt, ...)
{
	char details[256];
	va_list ap;

	checks++;
	if (ok) {
		passed++;
		printf("ok %u - %s\n", checks, what);
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	printf("not ok %u - %s: %s\n", checks, what, details);
	return false;
}

void skip(const char *what, const char *why)
{
	checks++;
	passed++;
	skipped++;
	printf("ok %u - %s # SKIP %s\n", checks, what, why);
}

bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	return a < b + b_len && b < a + a_len;
}

bool overlaps_image(uint64_t start, uint64_t len)
{
	return overlaps(start, len, (uintptr_t)__image_start, __image_end - __image_start);
}

bool mmap_available(uint64_t start, uint64_t len)
{
	struct multiboot_mmap *e;

	for (e = mb_mmap_first(rt_mbi); e; e = mb_mmap_next(rt_mbi, e))
		if (e->type == MB_MMAP_AVAILABLE && start >= e->addr &&
		    start + len <= e->addr + e->len)
			return true;
	return false;
}

unsigned int cpus_arg(void)
{
	uint64_t n = arg_u64("cpus", 0);

	if (!n && fwcfg_present())
		n = fwcfg_u16(FW_CFG_NB_CPUS);
	return n ? (unsigned int)n : 1;
}

static const struct subtest {
	const char *name;
	void (*run)(void);
} subtests[] = {
	{ "info", test_info },
	{ "env", test_env },
	{ "fwcfg", test_fwcfg },
	{ "uart", test_uart },
	{ "ports", test_ports },
	{ "hypercall", test_hypercall },
	{ "mmio", test_mmio },
	{ "timer", test_timer },
	{ "apic", test_apic },
	{ "smp", test_smp },
	{ "cpuid", test_cpuid },
	{ "fault", test_fault },
	{ "exit", test_exit },
};

int main(void)
{
	const char *name = arg_str("test");
	unsigned int i;

	printf("# mbtest: %s\n", rt_cmdline());
	for (i = 0; name && i < sizeof(subtests) / sizeof(subtests[0]); i++)
		if (!strcmp(name, subtests[i].name))
			break;
	if (!name || i == sizeof(subtests) / sizeof(subtests[0]))
		check(false, "test= names a subtest", "test=%s", name ? name : "(none)");
	else
		subtests[i].run();

	if (skipped)
		printf("# %u skipped\n", skipped);
	printf("done %u/%u\n", passed, checks);
	return checks && passed == checks ? 0 : 1;
}
