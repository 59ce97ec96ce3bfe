// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: SETUP a VCPU in one of the boot modes, the way a
 * firmware or boot loader would leave a CPU there.
 *
 * What SETUP leaves (kmod/x86/x86_state.c, x86_boot_state()): every GPR
 * 0 except RSP = the stack given, RFLAGS = 0x2 (IF clear, so no
 * interrupt arrives before the guest enables them), CR0.ET|NE; real mode
 * with CS = entry >> 4 and the IVT at 0; protected mode with flat 4 GiB
 * segments (selectors 0x8 code, 0x10 data), paging off; long mode with
 * the kernel's identity map of the first 4 GiB (2 MiB pages) in CR3.
 * GDTR and IDTR have limit 0 outside real mode: the guest builds its own
 * tables before it reloads a segment register or takes an exception.
 */
#include <errno.h>
#include <string.h>

#include "axvcpu-user.h"

static int start(struct axvcpu_vcpu_handle *vcpu, uint32_t mode, uint64_t entry,
		 uint64_t stack, uint64_t page_table_gpa, uint32_t opts)
{
	struct axvcpu_setup setup;

	memset(&setup, 0, sizeof(setup));
	setup.entry = entry;
	setup.mode = mode;
	setup.flags = opts;
	setup.stack = stack;
	setup.page_table_gpa = page_table_gpa;
	return axvcpu_vcpu_setup(vcpu, &setup);
}

int axvcpu_vcpu_start_real(struct axvcpu_vcpu_handle *vcpu, uint64_t entry, uint32_t opts)
{
	return start(vcpu, AXVCPU_MODE_REAL, entry, 0, 0, opts);
}

int axvcpu_vcpu_start_protected(struct axvcpu_vcpu_handle *vcpu, uint64_t entry,
				uint64_t stack, uint32_t opts)
{
	return start(vcpu, AXVCPU_MODE_PROTECTED, entry, stack, 0, opts);
}

int axvcpu_vcpu_start_long(struct axvcpu_vcpu_handle *vcpu, uint64_t entry, uint64_t stack,
			   uint64_t page_table_gpa, uint32_t opts)
{
	return start(vcpu, AXVCPU_MODE_LONG, entry, stack, page_table_gpa, opts);
}

int axvcpu_vcpu_start_multiboot(struct axvcpu_vcpu_handle *vcpu, const struct axvcpu_image *img,
				uint64_t info_gpa, uint32_t opts)
{
	struct axvcpu_regs regs;
	int ret;

	/* Checked before SETUP, which cannot be undone: EIP and EBX are 32 bits. */
	if (img->entry > UINT32_MAX || info_gpa > UINT32_MAX)
		return -EINVAL;
	/* ESP is undefined at a Multiboot entry: the kernel sets its own. */
	ret = start(vcpu, AXVCPU_MODE_PROTECTED, img->entry, 0, 0, opts);
	if (ret)
		return ret;

	/* SETUP left every GPR 0 and RFLAGS 0x2: set them anyway, all of them. */
	memset(&regs, 0, sizeof(regs));
	regs.rax = AXVCPU_MULTIBOOT_BOOTLOADER_MAGIC;
	regs.rbx = info_gpa;
	regs.rip = img->entry;
	regs.rflags = 0x2;
	return axvcpu_vcpu_set_regs(vcpu, &regs);
}
