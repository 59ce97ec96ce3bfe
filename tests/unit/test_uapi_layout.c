// SPDX-License-Identifier: MIT
/*
 * The ABI in uapi/linux/axvcpu.h must not drift silently: every struct's
 * size, every field's offset and size, every ioctl number and every stable
 * constant is asserted at compile time (_Static_assert), so a drift breaks
 * the build. These are compile-time facts, not run-time checks: the file
 * is compiled by `make` (and so by `make check`) and never run, and it
 * gives no test point (Documentation/testing.rst).
 *
 * The numbers are written out by hand from the header as it was frozen;
 * they are the ABI, not something computed from the header.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>
#include <linux/axvcpu.h>

#define member_size(type, field) sizeof(((type *)0)->field)

/* One struct's total size. */
#define SIZE(tag, size)							\
	_Static_assert(sizeof(struct tag) == (size), "sizeof(struct " #tag ")")

/* One field: its offset and its size. */
#define FIELD(tag, field, off, size)					\
	_Static_assert(offsetof(struct tag, field) == (off) &&		\
		       member_size(struct tag, field) == (size),	\
		       #tag "." #field " offset and size")

/* One ioctl: magic, direction, number and argument size. */
#define IOCTL(cmd, dir, nr, size)					\
	_Static_assert(_IOC_TYPE(cmd) == AXVCPU_IO_MAGIC &&		\
		       _IOC_DIR(cmd) == (dir) &&			\
		       _IOC_NR(cmd) == (nr) &&				\
		       _IOC_SIZE(cmd) == (size), #cmd)

/* One stable constant. */
#define CONST(name, value) _Static_assert((name) == (value), #name)

SIZE(axvcpu_capability, 64);
FIELD(axvcpu_capability, cap, 0, 4);
FIELD(axvcpu_capability, pad, 4, 4);
FIELD(axvcpu_capability, value, 8, 8);
FIELD(axvcpu_capability, name, 16, 16);
FIELD(axvcpu_capability, reserved, 32, 32);

SIZE(axvcpu_create_vm, 32);
FIELD(axvcpu_create_vm, flags, 0, 4);
FIELD(axvcpu_create_vm, reserved, 4, 28);

SIZE(axvcpu_memory_region, 64);
FIELD(axvcpu_memory_region, slot, 0, 4);
FIELD(axvcpu_memory_region, flags, 4, 4);
FIELD(axvcpu_memory_region, guest_phys_addr, 8, 8);
FIELD(axvcpu_memory_region, size, 16, 8);
FIELD(axvcpu_memory_region, userspace_addr, 24, 8);
FIELD(axvcpu_memory_region, reserved, 32, 32);

SIZE(axvcpu_create_vcpu, 32);
FIELD(axvcpu_create_vcpu, id, 0, 4);
FIELD(axvcpu_create_vcpu, flags, 4, 4);
FIELD(axvcpu_create_vcpu, reserved, 8, 24);

SIZE(axvcpu_run, 4096);
FIELD(axvcpu_run, immediate_exit, 0, 1);
FIELD(axvcpu_run, request_interrupt_window, 1, 1);
FIELD(axvcpu_run, pad0, 2, 6);
FIELD(axvcpu_run, exit_reason, 8, 4);
FIELD(axvcpu_run, if_flag, 12, 1);
FIELD(axvcpu_run, ready_for_interrupt_injection, 13, 1);
FIELD(axvcpu_run, interrupt_shadow, 14, 1);
FIELD(axvcpu_run, pad1, 15, 1);
FIELD(axvcpu_run, rip, 16, 8);
FIELD(axvcpu_run, rflags, 24, 8);
FIELD(axvcpu_run, reserved0, 32, 32);

FIELD(axvcpu_run, hypercall.nr, 64, 8);
FIELD(axvcpu_run, hypercall.args, 72, 48);
FIELD(axvcpu_run, hypercall.ret, 120, 8);
FIELD(axvcpu_run, hypercall.cpl, 128, 1);
FIELD(axvcpu_run, hypercall.pad, 129, 7);

FIELD(axvcpu_run, mmio.gpa, 64, 8);
FIELD(axvcpu_run, mmio.width, 72, 1);
FIELD(axvcpu_run, mmio.reg, 73, 1);
FIELD(axvcpu_run, mmio.reg_width, 74, 1);
FIELD(axvcpu_run, mmio.sign_extend, 75, 1);
FIELD(axvcpu_run, mmio.pad, 76, 4);
FIELD(axvcpu_run, mmio.data, 80, 8);

FIELD(axvcpu_run, sysreg.addr, 64, 4);
FIELD(axvcpu_run, sysreg.pad, 68, 4);
FIELD(axvcpu_run, sysreg.data, 72, 8);

FIELD(axvcpu_run, io.port, 64, 2);
FIELD(axvcpu_run, io.width, 66, 1);
FIELD(axvcpu_run, io.pad, 67, 1);
FIELD(axvcpu_run, io.count, 68, 4);
FIELD(axvcpu_run, io.data, 72, 8);
FIELD(axvcpu_run, io.data_offset, 80, 8);

FIELD(axvcpu_run, external_interrupt.vector, 64, 4);
FIELD(axvcpu_run, external_interrupt.pad, 68, 4);

FIELD(axvcpu_run, npf.gpa, 64, 8);
FIELD(axvcpu_run, npf.access, 72, 4);
FIELD(axvcpu_run, npf.pad, 76, 4);
FIELD(axvcpu_run, npf.error_code, 80, 8);

FIELD(axvcpu_run, cpu_up.target, 64, 8);
FIELD(axvcpu_run, cpu_up.entry, 72, 8);
FIELD(axvcpu_run, cpu_up.arg, 80, 8);

FIELD(axvcpu_run, cpu_down.state, 64, 8);

FIELD(axvcpu_run, system_down.type, 64, 4);
FIELD(axvcpu_run, system_down.pad, 68, 4);

FIELD(axvcpu_run, fail_entry.hardware_reason, 64, 8);
FIELD(axvcpu_run, fail_entry.details, 72, 16);

FIELD(axvcpu_run, send_ipi.target_cpu, 64, 8);
FIELD(axvcpu_run, send_ipi.target_aux, 72, 8);
FIELD(axvcpu_run, send_ipi.to_all, 80, 1);
FIELD(axvcpu_run, send_ipi.to_self, 81, 1);
FIELD(axvcpu_run, send_ipi.vector, 82, 1);
FIELD(axvcpu_run, send_ipi.pad, 83, 5);

FIELD(axvcpu_run, internal.suberror, 64, 4);
FIELD(axvcpu_run, internal.insn_len, 68, 4);
FIELD(axvcpu_run, internal.code, 72, 8);
FIELD(axvcpu_run, internal.insn, 80, 16);

FIELD(axvcpu_run, padding, 64, 256);
FIELD(axvcpu_run, reserved, 320, 3776);

SIZE(axvcpu_setup, 64);
FIELD(axvcpu_setup, entry, 0, 8);
FIELD(axvcpu_setup, mode, 8, 4);
FIELD(axvcpu_setup, flags, 12, 4);
FIELD(axvcpu_setup, page_table_gpa, 16, 8);
FIELD(axvcpu_setup, stack, 24, 8);
FIELD(axvcpu_setup, reserved, 32, 32);

SIZE(axvcpu_options, 32);
FIELD(axvcpu_options, flags, 0, 4);
FIELD(axvcpu_options, pad, 4, 4);
FIELD(axvcpu_options, reserved, 8, 24);

SIZE(axvcpu_interrupt, 32);
FIELD(axvcpu_interrupt, vector, 0, 4);
FIELD(axvcpu_interrupt, flags, 4, 4);
FIELD(axvcpu_interrupt, reserved, 8, 24);

SIZE(axvcpu_exception, 32);
FIELD(axvcpu_exception, vector, 0, 4);
FIELD(axvcpu_exception, error_code, 4, 4);
FIELD(axvcpu_exception, flags, 8, 4);
FIELD(axvcpu_exception, pad, 12, 4);
FIELD(axvcpu_exception, reserved, 16, 16);

SIZE(axvcpu_stats, 384);
FIELD(axvcpu_stats, exits, 0, 256);
FIELD(axvcpu_stats, runs, 256, 8);
FIELD(axvcpu_stats, run_ns, 264, 8);
FIELD(axvcpu_stats, hw_exits, 272, 8);
FIELD(axvcpu_stats, reserved, 280, 104);

SIZE(axvcpu_regs, 144);
FIELD(axvcpu_regs, rax, 0, 8);
FIELD(axvcpu_regs, rcx, 8, 8);
FIELD(axvcpu_regs, rdx, 16, 8);
FIELD(axvcpu_regs, rbx, 24, 8);
FIELD(axvcpu_regs, rsp, 32, 8);
FIELD(axvcpu_regs, rbp, 40, 8);
FIELD(axvcpu_regs, rsi, 48, 8);
FIELD(axvcpu_regs, rdi, 56, 8);
FIELD(axvcpu_regs, r8, 64, 8);
FIELD(axvcpu_regs, r9, 72, 8);
FIELD(axvcpu_regs, r10, 80, 8);
FIELD(axvcpu_regs, r11, 88, 8);
FIELD(axvcpu_regs, r12, 96, 8);
FIELD(axvcpu_regs, r13, 104, 8);
FIELD(axvcpu_regs, r14, 112, 8);
FIELD(axvcpu_regs, r15, 120, 8);
FIELD(axvcpu_regs, rip, 128, 8);
FIELD(axvcpu_regs, rflags, 136, 8);

SIZE(axvcpu_segment, 24);
FIELD(axvcpu_segment, base, 0, 8);
FIELD(axvcpu_segment, limit, 8, 4);
FIELD(axvcpu_segment, selector, 12, 2);
FIELD(axvcpu_segment, type, 14, 1);
FIELD(axvcpu_segment, present, 15, 1);
FIELD(axvcpu_segment, dpl, 16, 1);
FIELD(axvcpu_segment, db, 17, 1);
FIELD(axvcpu_segment, s, 18, 1);
FIELD(axvcpu_segment, l, 19, 1);
FIELD(axvcpu_segment, g, 20, 1);
FIELD(axvcpu_segment, avl, 21, 1);
FIELD(axvcpu_segment, unusable, 22, 1);
FIELD(axvcpu_segment, pad, 23, 1);

SIZE(axvcpu_dtable, 16);
FIELD(axvcpu_dtable, base, 0, 8);
FIELD(axvcpu_dtable, limit, 8, 2);
FIELD(axvcpu_dtable, pad, 10, 6);

SIZE(axvcpu_sregs, 344);
FIELD(axvcpu_sregs, cs, 0, 24);
FIELD(axvcpu_sregs, ds, 24, 24);
FIELD(axvcpu_sregs, es, 48, 24);
FIELD(axvcpu_sregs, fs, 72, 24);
FIELD(axvcpu_sregs, gs, 96, 24);
FIELD(axvcpu_sregs, ss, 120, 24);
FIELD(axvcpu_sregs, tr, 144, 24);
FIELD(axvcpu_sregs, ldt, 168, 24);
FIELD(axvcpu_sregs, gdt, 192, 16);
FIELD(axvcpu_sregs, idt, 208, 16);
FIELD(axvcpu_sregs, cr0, 224, 8);
FIELD(axvcpu_sregs, cr2, 232, 8);
FIELD(axvcpu_sregs, cr3, 240, 8);
FIELD(axvcpu_sregs, cr4, 248, 8);
FIELD(axvcpu_sregs, cr8, 256, 8);
FIELD(axvcpu_sregs, efer, 264, 8);
FIELD(axvcpu_sregs, apic_base, 272, 8);
FIELD(axvcpu_sregs, reserved, 280, 64);

SIZE(axvcpu_cpuid_entry, 32);
FIELD(axvcpu_cpuid_entry, function, 0, 4);
FIELD(axvcpu_cpuid_entry, index, 4, 4);
FIELD(axvcpu_cpuid_entry, flags, 8, 4);
FIELD(axvcpu_cpuid_entry, eax, 12, 4);
FIELD(axvcpu_cpuid_entry, ebx, 16, 4);
FIELD(axvcpu_cpuid_entry, ecx, 20, 4);
FIELD(axvcpu_cpuid_entry, edx, 24, 4);
FIELD(axvcpu_cpuid_entry, pad, 28, 4);

/* The flexible array adds nothing to the size the ioctl encodes. */
SIZE(axvcpu_cpuid, 16);
FIELD(axvcpu_cpuid, nent, 0, 4);
FIELD(axvcpu_cpuid, flags, 4, 4);
FIELD(axvcpu_cpuid, reserved, 8, 8);
_Static_assert(offsetof(struct axvcpu_cpuid, entries) == 16,
       "axvcpu_cpuid.entries offset");

CONST(AXVCPU_IO_MAGIC, 0xA7);

IOCTL(AXVCPU_GET_API_VERSION, _IOC_NONE, 0x00, 0);
IOCTL(AXVCPU_CHECK_CAP, _IOC_READ | _IOC_WRITE, 0x01,
      sizeof(struct axvcpu_capability));
IOCTL(AXVCPU_CREATE_VM, _IOC_WRITE, 0x02, sizeof(struct axvcpu_create_vm));
IOCTL(AXVCPU_GET_RUN_SIZE, _IOC_NONE, 0x03, 0);

IOCTL(AXVCPU_SET_MEMORY_REGION, _IOC_WRITE, 0x10,
      sizeof(struct axvcpu_memory_region));
IOCTL(AXVCPU_CREATE_VCPU, _IOC_WRITE, 0x11,
      sizeof(struct axvcpu_create_vcpu));

IOCTL(AXVCPU_SETUP, _IOC_WRITE, 0x20, sizeof(struct axvcpu_setup));
IOCTL(AXVCPU_BIND, _IOC_NONE, 0x21, 0);
IOCTL(AXVCPU_UNBIND, _IOC_NONE, 0x22, 0);
IOCTL(AXVCPU_RUN, _IOC_NONE, 0x23, 0);
IOCTL(AXVCPU_GET_STATE, _IOC_NONE, 0x24, 0);
IOCTL(AXVCPU_GET_STATS, _IOC_READ, 0x25, sizeof(struct axvcpu_stats));
IOCTL(AXVCPU_SET_OPTIONS, _IOC_WRITE, 0x26, sizeof(struct axvcpu_options));
IOCTL(AXVCPU_INJECT_INTERRUPT, _IOC_WRITE, 0x27, sizeof(struct axvcpu_interrupt));
IOCTL(AXVCPU_INJECT_NMI, _IOC_NONE, 0x28, 0);
IOCTL(AXVCPU_INJECT_EXCEPTION, _IOC_WRITE, 0x29, sizeof(struct axvcpu_exception));
IOCTL(AXVCPU_KICK, _IOC_NONE, 0x2a, 0);

IOCTL(AXVCPU_GET_REGS, _IOC_READ, 0x30, sizeof(struct axvcpu_regs));
IOCTL(AXVCPU_SET_REGS, _IOC_WRITE, 0x31, sizeof(struct axvcpu_regs));
IOCTL(AXVCPU_GET_SREGS, _IOC_READ, 0x32, sizeof(struct axvcpu_sregs));
IOCTL(AXVCPU_SET_SREGS, _IOC_WRITE, 0x33, sizeof(struct axvcpu_sregs));
IOCTL(AXVCPU_SET_CPUID, _IOC_WRITE, 0x34, sizeof(struct axvcpu_cpuid));

/*
 * All ioctl numbers are distinct: two equal case labels do not compile.
 * Never called.
 */
static inline __attribute__((unused)) int ioctl_numbers_are_distinct(unsigned int cmd)
{
	switch (cmd) {
	case AXVCPU_GET_API_VERSION: case AXVCPU_CHECK_CAP:
	case AXVCPU_CREATE_VM: case AXVCPU_GET_RUN_SIZE:
	case AXVCPU_SET_MEMORY_REGION: case AXVCPU_CREATE_VCPU:
	case AXVCPU_SETUP: case AXVCPU_BIND: case AXVCPU_UNBIND:
	case AXVCPU_RUN: case AXVCPU_GET_STATE: case AXVCPU_GET_STATS:
	case AXVCPU_GET_REGS: case AXVCPU_SET_REGS: case AXVCPU_GET_SREGS:
	case AXVCPU_SET_SREGS: case AXVCPU_SET_CPUID:
		return 1;
	}
	return 0;
}

CONST(AXVCPU_API_VERSION, 1);

CONST(AXVCPU_CAP_ARCH, 1);
CONST(AXVCPU_CAP_BACKEND, 2);
CONST(AXVCPU_CAP_MAX_VMS, 3);
CONST(AXVCPU_CAP_MAX_VCPUS, 4);
CONST(AXVCPU_CAP_MAX_MEM_REGIONS, 5);
CONST(AXVCPU_CAP_GPA_BITS, 6);
CONST(AXVCPU_CAP_NPT_LEVELS, 7);
CONST(AXVCPU_CAP_HW_FEATURES, 8);
CONST(AXVCPU_CAP_NR_ASIDS, 9);

CONST(AXVCPU_ARCH_X86_64, 1);
CONST(AXVCPU_ARCH_ARM64, 2);
CONST(AXVCPU_ARCH_RISCV64, 3);
CONST(AXVCPU_BACKEND_SVM, 1);
CONST(AXVCPU_BACKEND_VMX, 2);
CONST(AXVCPU_BACKEND_ARM_VHE, 3);

CONST(AXVCPU_MEM_READONLY, 1);
CONST(AXVCPU_MEM_NOEXEC, 2);
CONST(AXVCPU_VM_IPI_IN_KERNEL, 1);
CONST(AXVCPU_OPT_HALT_IN_KERNEL, 1);
CONST(AXVCPU_OPT_EXTERNAL_INTR_EXITS, 2);
CONST(AXVCPU_HYPERCALL_CPU_DOWN, 0x41580001ULL);

CONST(AXVCPU_STATE_INVALID, 0);
CONST(AXVCPU_STATE_CREATED, 1);
CONST(AXVCPU_STATE_FREE, 2);
CONST(AXVCPU_STATE_READY, 3);
CONST(AXVCPU_STATE_RUNNING, 4);
CONST(AXVCPU_STATE_BLOCKED, 5);

CONST(AXVCPU_EXIT_NOTHING, 0);
CONST(AXVCPU_EXIT_HYPERCALL, 1);
CONST(AXVCPU_EXIT_MMIO_READ, 2);
CONST(AXVCPU_EXIT_MMIO_WRITE, 3);
CONST(AXVCPU_EXIT_SYSREG_READ, 4);
CONST(AXVCPU_EXIT_SYSREG_WRITE, 5);
CONST(AXVCPU_EXIT_IO_READ, 6);
CONST(AXVCPU_EXIT_IO_WRITE, 7);
CONST(AXVCPU_EXIT_EXTERNAL_INTERRUPT, 8);
CONST(AXVCPU_EXIT_NESTED_PAGE_FAULT, 9);
CONST(AXVCPU_EXIT_HALT, 10);
CONST(AXVCPU_EXIT_CPU_UP, 11);
CONST(AXVCPU_EXIT_CPU_DOWN, 12);
CONST(AXVCPU_EXIT_SYSTEM_DOWN, 13);
CONST(AXVCPU_EXIT_FAIL_ENTRY, 14);
CONST(AXVCPU_EXIT_SEND_IPI, 15);
CONST(AXVCPU_EXIT_INTR, 16);
CONST(AXVCPU_EXIT_INTERNAL_ERROR, 17);
CONST(AXVCPU_EXIT_IRQ_WINDOW_OPEN, 18);
CONST(AXVCPU_EXIT_NR, 19);
/* The stats array must have room for every exit reason. */
_Static_assert(member_size(struct axvcpu_stats, exits) / sizeof(__u64) >=
       AXVCPU_EXIT_NR, "stats.exits too small");

CONST(AXVCPU_ACCESS_READ, 1);
CONST(AXVCPU_ACCESS_WRITE, 2);
CONST(AXVCPU_ACCESS_EXEC, 4);
CONST(AXVCPU_ACCESS_USER, 8);
CONST(AXVCPU_SYSTEM_DOWN_SHUTDOWN, 1);
CONST(AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT, 2);
CONST(AXVCPU_SYSTEM_DOWN_RESET, 3);
CONST(AXVCPU_INTERNAL_EMULATION, 1);
CONST(AXVCPU_INTERNAL_UNKNOWN_EXIT, 2);
CONST(AXVCPU_MMIO_REG_AH, 16);
CONST(AXVCPU_MMIO_REG_CH, 17);
CONST(AXVCPU_MMIO_REG_DH, 18);
CONST(AXVCPU_MMIO_REG_BH, 19);
CONST(AXVCPU_MMIO_REG_NONE, 255);

CONST(AXVCPU_RUN_PAGE_OFFSET, 0);
CONST(AXVCPU_DATA_PAGE_OFFSET, 1);

CONST(AXVCPU_MODE_REAL, 1);
CONST(AXVCPU_MODE_PROTECTED, 2);
CONST(AXVCPU_MODE_LONG, 3);
CONST(AXVCPU_MODE_CUSTOM, 4);
CONST(AXVCPU_CPUID_FLAG_INDEX, 1);
CONST(AXVCPU_CPUID_MAX_ENTRIES, 256);

CONST(AXVCPU_HWF_SVM_NRIPS, 1ULL << 0);
CONST(AXVCPU_HWF_SVM_DECODE_ASSISTS, 1ULL << 1);
CONST(AXVCPU_HWF_SVM_VGIF, 1ULL << 2);
CONST(AXVCPU_HWF_SVM_FLUSH_BY_ASID, 1ULL << 3);
CONST(AXVCPU_HWF_SVM_VMCB_CLEAN, 1ULL << 4);
CONST(AXVCPU_HWF_SVM_LBRV, 1ULL << 5);
CONST(AXVCPU_HWF_HOST_LA57, 1ULL << 6);
