// SPDX-License-Identifier: MIT
/*
 * test=hypercall: VMMCALL number 1 writes to the console, number 2 reads
 * the host's monotonic clock, any other number returns -1000 and the
 * guest goes on. Skipped under plain QEMU, where VMMCALL is #UD.
 */
#include "mbtest.h"

static const uint64_t unknown[] = {
	0, 3, 1000, 0x7fffffff, 0xffffffff, 0x100000001, 0xffffffffffffffff,
};

void test_hypercall(void)
{
	static const char msg[] = "# mbtest: this line went through hypercall 1\n";
	uint64_t ret, t0, t1, t2;
	char what[96];
	unsigned int i;

	if (!under_axvcpu_run()) {
		skip("hypercall", "not under axvcpu-run");
		return;
	}
	ret = hypercall(HC_CONSOLE_WRITE, (uintptr_t)msg, sizeof(msg) - 1);
	check_eq(ret, sizeof(msg) - 1, "hypercall: 1 (console write) returns the byte count");
	ret = hypercall(HC_CONSOLE_WRITE, (uintptr_t)msg, 0);
	check_eq(ret, 0, "hypercall: 1 with length 0 returns 0");

	t0 = hypercall(HC_CLOCK_NS, 0, 0);
	t1 = hypercall(HC_CLOCK_NS, 0, 0);
	rt_delay_ms(20);
	t2 = hypercall(HC_CLOCK_NS, 0, 0);
	check(t0 && t1 >= t0, "hypercall: 2 (clock) does not go backwards", "%lu, then %lu",
	      t0, t1);
	/* The VMM's APIC timer runs on the same clock: 20 ms passed for both. */
	check(t2 - t1 >= 10000000, "hypercall: 2 (clock) advances with the APIC timer",
	      "%lu ns over a 20 ms delay", t2 - t1);

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		snprintf(what, sizeof(what), "hypercall: unknown number %#lx returns -1000",
			 unknown[i]);
		ret = hypercall(unknown[i], 1, 2);
		check(ret == HC_ENOSYS, what, "returned %ld", (int64_t)ret);
	}
}
