// SPDX-License-Identifier: MIT
/*
 * The host side of ucalls: recognise the exit, copy the guest's struct
 * out of guest memory, and turn guest assertions and exceptions into
 * failed TAP points that name the guest's file, line and values.
 */
#include <inttypes.h>
#include <stdio.h>

#include "guest.h"
#include "ucall.h"

static const char *const exception_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF",
	[5] = "#BR", [6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS",
	[11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
	[17] = "#AC", [18] = "#MC", [19] = "#XM", [21] = "#CP", [29] = "#VC",
	[30] = "#SX",
};

uint64_t get_ucall(struct guest_vcpu *vcpu, struct ucall *uc)
{
	struct axvcpu_run *run = vcpu->run;
	struct guest_vm *vm = vcpu->vm;
	uint64_t gpa;

	if (run->exit_reason != AXVCPU_EXIT_IO_WRITE || run->io.port != UCALL_PORT ||
	    run->io.width != 4 || run->io.count != 1)
		return UCALL_NONE;
	gpa = (uint32_t)run->io.data;
	TEST_ASSERT(gpa + sizeof(*uc) <= vm->ram_size,
		    "ucall struct at GPA 0x%" PRIx64 " outside RAM", gpa);
	if (uc)
		memcpy(uc, vm->ram + gpa, sizeof(*uc));
	return ((struct ucall *)(vm->ram + gpa))->cmd;
}

void ucall_check(const char *file, int line, const struct ucall *uc, uint64_t cmd)
{
	const char *name;

	if (uc->cmd == cmd)
		return;
	switch (uc->cmd) {
	case UCALL_ABORT:
		if (uc->has_values)
			test_fail_at(uc->file, (int)uc->line,
				     "guest assertion %s failed: got 0x%" PRIx64
				     " (%" PRId64 ") expected 0x%" PRIx64 " (%" PRId64 ")",
				     uc->expr, uc->args[0], (int64_t)uc->args[0],
				     uc->args[1], (int64_t)uc->args[1]);
		else
			test_fail_at(uc->file, (int)uc->line,
				     "guest assertion %s failed", uc->expr);
		break;
	case UCALL_EXCEPTION:
		name = uc->args[0] < 32 ? exception_names[uc->args[0]] : NULL;
		test_fail_at(file, line,
			     "unexpected guest exception %s (vector %" PRIu64 ") error code 0x%"
			     PRIx64 " at RIP 0x%" PRIx64 ", CR2 0x%" PRIx64,
			     name ? name : "?", uc->args[0], uc->args[1], uc->args[2],
			     uc->args[3]);
		break;
	default:
		test_fail_at(file, line, "ucall %" PRIu64 " (args 0x%" PRIx64 ", 0x%"
			     PRIx64 ") where %" PRIu64 " was expected",
			     uc->cmd, uc->args[0], uc->args[1], cmd);
	}
}

uint64_t __vcpu_run_ucall(const char *file, int line, struct guest_vcpu *vcpu,
			  struct ucall *out)
{
	struct ucall uc;
	int ret;

	ret = vcpu_run(vcpu);
	if (ret)
		test_fail_at(file, line, "RUN of VCPU %u failed: %d (%s), exit %s",
			     vcpu->id, ret, test_errno_name(ret),
			     axvcpu_exit_reason_name(vcpu->run->exit_reason));
	if (get_ucall(vcpu, &uc) == UCALL_NONE) {
		char desc[256];

		vcpu_describe_exit(vcpu, desc, sizeof(desc));
		test_fail_at(file, line, "VCPU %u: expected a ucall, got %s",
			     vcpu->id, desc);
	}
	if (uc.cmd == UCALL_ABORT || uc.cmd == UCALL_EXCEPTION || uc.cmd == UCALL_NONE ||
	    uc.cmd > UCALL_EXCEPTION)
		ucall_check(file, line, &uc, UCALL_SYNC);
	if (out)
		*out = uc;
	return uc.cmd;
}
