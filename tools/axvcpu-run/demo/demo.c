// SPDX-License-Identifier: MIT
/*
 * The demo guest of axvcpu-run (`make run` shows it): a Multiboot kernel
 * that runs in 64-bit mode on the runtime in rt/ and tries, one step at
 * a time, what the VMM offers:
 *
 *   1. the Multiboot information: command line, memory
 *   2. QEMU's fw_cfg: the CPU count
 *   3. hypercalls (VMMCALL): console write, host clock, an unknown number
 *   4. the MMIO test device: ID, scratch register, access counter
 *   5. local APIC timer interrupts, periodic
 *   6. a second CPU, started with INIT-SIPI-SIPI
 *
 * and then exits through the debug-exit port: code 0 (VMM status 1) when
 * every step worked, 1 (status 3) when one did not. Under plain QEMU,
 * steps 3 and 4 are skipped: it has neither.
 */
#include "rt.h"

#define VEC_TIMER		0x40
#define TIMER_TICKS		10
#define TIMER_PERIOD		(10 * 1000 * 1000 / 16)	/* 10 ms at 1 GHz / 16 */

static unsigned int failures;

/* Print a step's outcome; count it when it failed. */
static void __attribute__((format(printf, 2, 3))) step(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("  ^ FAILED\n");
		failures++;
	}
}

static void show_boot_info(void)
{
	const struct multiboot_info *mbi = rt_mbi;
	const char *loader = "?";

	if (!mbi) {
		step(false, "boot: not started by a Multiboot loader (EAX %#x)\n", rt_mb_magic);
		return;
	}
	if (mbi->flags & MB_INFO_LOADER_NAME)
		loader = (const char *)(uintptr_t)mbi->boot_loader_name;
	printf("boot: loaded by %s, command line \"%s\"\n", loader, rt_cmdline());
	step(mbi->flags & MB_INFO_MEMORY, "boot: %u KiB low memory, %u MiB above 1 MiB\n",
	     mbi->mem_lower, mbi->mem_upper / 1024);
}

static unsigned int count_cpus(void)
{
	unsigned int cpus;

	if (!fwcfg_present()) {
		step(false, "fw_cfg: no \"QEMU\" signature at port 0x510\n");
		return 1;
	}
	cpus = fwcfg_u16(FW_CFG_NB_CPUS);
	step(cpus >= 1, "fw_cfg: %u CPU(s)\n", cpus);
	return cpus ? cpus : 1;
}

static void try_hypercalls(void)
{
	static const char msg[] = "hypercall 1: this line went through VMMCALL, not the UART\n";
	uint64_t ret, t0, t1;

	ret = hypercall(HC_CONSOLE_WRITE, (uintptr_t)msg, sizeof(msg) - 1);
	step(ret == sizeof(msg) - 1, "hypercall 1: wrote %lu bytes\n", ret);
	t0 = hypercall(HC_CLOCK_NS, 0, 0);
	t1 = hypercall(HC_CLOCK_NS, 0, 0);
	step(t1 >= t0, "hypercall 2: host clock %lu ns, then %lu ns\n", t0, t1);
	ret = hypercall(99, 0, 0);
	step(ret == HC_ENOSYS, "hypercall 99 (unknown): returned %ld\n", (int64_t)ret);
}

static void try_test_device(void)
{
	static const uint64_t pattern = 0x1122334455667788ULL;
	uint64_t s = TESTDEV_BASE + TESTDEV_SCRATCH, before, after;
	uint32_t id;
	bool ok;

	before = mmio_read64(TESTDEV_BASE + TESTDEV_ACCESSES);
	id = mmio_read32(TESTDEV_BASE + TESTDEV_ID);
	step(id == TESTDEV_ID_VALUE, "test device: ID %#x (\"%.4s\")\n", id, (char *)&id);

	/* The same bytes back at every width. */
	mmio_write64(s, pattern);
	ok = mmio_read64(s) == pattern;
	mmio_write32(s, 0xcafef00d);
	ok = ok && mmio_read32(s) == 0xcafef00d;
	mmio_write16(s, 0xbeef);
	ok = ok && mmio_read16(s) == 0xbeef;
	mmio_write8(s, 0x5a);
	ok = ok && mmio_read8(s) == 0x5a;
	step(ok, "test device: scratch register round trips at widths 8, 4, 2, 1\n");

	/* 10 accesses since the first read of the counter, and this read. */
	after = mmio_read64(TESTDEV_BASE + TESTDEV_ACCESSES);
	step(after == before + 10, "test device: %lu accesses counted, %lu in this step\n",
	     after, after - before);
}

static volatile unsigned int ticks;

static void timer_tick(struct rt_frame *f)
{
	(void)f;
	ticks++;
	apic_eoi();
}

static void take_timer_ticks(void)
{
	idt_set_handler(VEC_TIMER, timer_tick);
	apic_timer_start(APIC_TIMER_PERIODIC | VEC_TIMER, APIC_DIV_16, TIMER_PERIOD);
	rt_spin_until(&ticks, TIMER_TICKS, RT_SPIN_TIMEOUT);
	apic_timer_stop();
	step(ticks >= TIMER_TICKS, "timer: %u periodic interrupts of 10 ms\n", ticks);
}

static volatile unsigned int ap_said_hello;

/* CPU 1, in 64-bit mode on its own stack; it halts when this returns. */
static void second_cpu(unsigned int apic_id)
{
	uint64_t rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	printf("cpu %u: up in 64-bit mode, stack at %#lx\n", apic_id, rsp);
	__atomic_store_n(&ap_said_hello, 1, __ATOMIC_RELEASE);
}

static void start_second_cpu(unsigned int cpus)
{
	if (cpus < 2) {
		printf("smp: only one CPU, no AP to start\n");
		return;
	}
	step(!smp_start_ap(1, second_cpu), "smp: CPU 1 started by INIT-SIPI-SIPI\n");
	step(rt_wait_count(&ap_said_hello, 1, 1000), "smp: CPU 1 reported back\n");
}

int main(void)
{
	unsigned int cpus;

	printf("axvcpu demo guest: 64-bit, APIC ID %u\n", apic_id());
	show_boot_info();
	cpus = count_cpus();
	if (under_axvcpu_run()) {
		try_hypercalls();
		try_test_device();
	} else {
		printf("not under axvcpu-run (nothing at %#lx): no hypercalls, no test device\n",
		       TESTDEV_BASE);
	}
	take_timer_ticks();
	start_second_cpu(cpus);

	if (failures)
		printf("demo: %u step(s) failed\n", failures);
	else
		printf("demo: all steps passed\n");
	return failures ? 1 : 0;
}
