// SPDX-License-Identifier: MIT
/*
 * What only axvcpu-run offers: the test device at 0xfeb00000 and
 * hypercalls. Under plain QEMU that address is unassigned (it reads 0 or
 * all-ones) and VMMCALL raises #UD, so the device's ID register, read
 * once at boot, decides whether either may be used.
 */
#include "rt.h"

static bool present;

void axvcpu_run_probe(void)
{
	present = mmio_read32(TESTDEV_BASE + TESTDEV_ID) == TESTDEV_ID_VALUE;
}

bool under_axvcpu_run(void)
{
	return present;
}

/* VMMCALL: number in RAX, arguments in RDI, RSI, ...; the result in RAX. */
uint64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	asm volatile("vmmcall" : "+a"(nr), "+D"(a0), "+S"(a1) : : "rdx", "rcx", "r8", "r9",
		     "memory");
	return nr;
}
