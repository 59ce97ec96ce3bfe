// SPDX-License-Identifier: MIT
/*
 * The two subtests that end the VM without a "done" line:
 *
 *   test=fault      #UD with an IDT of limit 0: #UD cannot be delivered
 *                   (#GP), nor can #GP (#DF), nor #DF: a triple fault,
 *                   which the VMM must report as such
 *   test=exit code=N   writes N to the debug-exit port: status 2N+1
 */
#include "mbtest.h"

#define DEBUG_EXIT_PORT		0xf4

void test_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	printf("# fault: ud2 with an empty IDT: this is a triple fault\n");
	asm volatile("lidt %0; ud2" : : "m"(empty));
	check(false, "fault: the CPU does not go on after a triple fault", "it did");
}

void test_exit(void)
{
	unsigned int code = (unsigned int)arg_u64("code", 0);

	printf("# exit: writing %u to port %#x\n", code, DEBUG_EXIT_PORT);
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	check(false, "exit: the debug-exit port ends the VM", "still running");
}
