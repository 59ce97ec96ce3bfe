// SPDX-License-Identifier: MIT
/*
 * libaxvcpu-user: printable names for the ABI's numbers, for tools, logs
 * and test diagnostics. The tables are indexed by the stable numbers of
 * uapi/linux/axvcpu.h; a gap or an out-of-range number gives "UNKNOWN"
 * (or NULL where the caller must tell "undefined" apart).
 */
#include <stddef.h>

#include "axvcpu-user.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const exit_names[] = {
	[AXVCPU_EXIT_NOTHING]		 = "NOTHING",
	[AXVCPU_EXIT_HYPERCALL]		 = "HYPERCALL",
	[AXVCPU_EXIT_MMIO_READ]		 = "MMIO_READ",
	[AXVCPU_EXIT_MMIO_WRITE]	 = "MMIO_WRITE",
	[AXVCPU_EXIT_SYSREG_READ]	 = "SYSREG_READ",
	[AXVCPU_EXIT_SYSREG_WRITE]	 = "SYSREG_WRITE",
	[AXVCPU_EXIT_IO_READ]		 = "IO_READ",
	[AXVCPU_EXIT_IO_WRITE]		 = "IO_WRITE",
	[AXVCPU_EXIT_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[AXVCPU_EXIT_NESTED_PAGE_FAULT]	 = "NESTED_PAGE_FAULT",
	[AXVCPU_EXIT_HALT]		 = "HALT",
	[AXVCPU_EXIT_CPU_UP]		 = "CPU_UP",
	[AXVCPU_EXIT_CPU_DOWN]		 = "CPU_DOWN",
	[AXVCPU_EXIT_SYSTEM_DOWN]	 = "SYSTEM_DOWN",
	[AXVCPU_EXIT_FAIL_ENTRY]	 = "FAIL_ENTRY",
	[AXVCPU_EXIT_SEND_IPI]		 = "SEND_IPI",
	[AXVCPU_EXIT_INTR]		 = "INTR",
	[AXVCPU_EXIT_INTERNAL_ERROR]	 = "INTERNAL_ERROR",
	[AXVCPU_EXIT_IRQ_WINDOW_OPEN]	 = "IRQ_WINDOW_OPEN",
};

/* Every exit reason must have a name: a new one breaks the build here. */
_Static_assert(ARRAY_SIZE(exit_names) == AXVCPU_EXIT_NR,
	       "exit_names[] does not cover every AXVCPU_EXIT_*");

static const char *const state_names[] = {
	[AXVCPU_STATE_INVALID]	= "INVALID",
	[AXVCPU_STATE_CREATED]	= "CREATED",
	[AXVCPU_STATE_FREE]	= "FREE",
	[AXVCPU_STATE_READY]	= "READY",
	[AXVCPU_STATE_RUNNING]	= "RUNNING",
	[AXVCPU_STATE_BLOCKED]	= "BLOCKED",
};

static const char *const cap_names[] = {
	[AXVCPU_CAP_ARCH]		= "ARCH",
	[AXVCPU_CAP_BACKEND]		= "BACKEND",
	[AXVCPU_CAP_MAX_VMS]		= "MAX_VMS",
	[AXVCPU_CAP_MAX_VCPUS]		= "MAX_VCPUS",
	[AXVCPU_CAP_MAX_MEM_REGIONS]	= "MAX_MEM_REGIONS",
	[AXVCPU_CAP_GPA_BITS]		= "GPA_BITS",
	[AXVCPU_CAP_NPT_LEVELS]		= "NPT_LEVELS",
	[AXVCPU_CAP_HW_FEATURES]	= "HW_FEATURES",
	[AXVCPU_CAP_NR_ASIDS]		= "NR_ASIDS",
};

static const char *const arch_names[] = {
	[AXVCPU_ARCH_X86_64]	= "x86_64",
	[AXVCPU_ARCH_ARM64]	= "arm64",
	[AXVCPU_ARCH_RISCV64]	= "riscv64",
};

static const char *const backend_names[] = {
	[AXVCPU_BACKEND_SVM]	 = "SVM",
	[AXVCPU_BACKEND_VMX]	 = "VMX",
	[AXVCPU_BACKEND_ARM_VHE] = "ARM_VHE",
};

/* Indexed by bit number of AXVCPU_CAP_HW_FEATURES. */
static const char *const hw_feature_names[] = {
	[0] = "nrips",		/* AXVCPU_HWF_SVM_NRIPS */
	[1] = "decode-assists",	/* AXVCPU_HWF_SVM_DECODE_ASSISTS */
	[2] = "vgif",		/* AXVCPU_HWF_SVM_VGIF */
	[3] = "flush-by-asid",	/* AXVCPU_HWF_SVM_FLUSH_BY_ASID */
	[4] = "vmcb-clean",	/* AXVCPU_HWF_SVM_VMCB_CLEAN */
	[5] = "lbrv",		/* AXVCPU_HWF_SVM_LBRV */
	[6] = "host-la57",	/* AXVCPU_HWF_HOST_LA57 */
};

_Static_assert((1ULL << (ARRAY_SIZE(hw_feature_names) - 1)) == AXVCPU_HWF_HOST_LA57,
	       "hw_feature_names[] does not end at the last AXVCPU_HWF_* bit");

/* Look @nr up in a sparse table of @n names; NULL when there is none. */
static const char *lookup(const char *const *names, size_t n, uint64_t nr)
{
	return nr < n ? names[nr] : NULL;
}

/* As lookup(), but never NULL: for printing. */
static const char *lookup_or_unknown(const char *const *names, size_t n, uint64_t nr)
{
	const char *name = lookup(names, n, nr);

	return name ? name : "UNKNOWN";
}

const char *axvcpu_exit_reason_name(uint32_t reason)
{
	return lookup_or_unknown(exit_names, ARRAY_SIZE(exit_names), reason);
}

const char *axvcpu_state_name(uint32_t state)
{
	return lookup_or_unknown(state_names, ARRAY_SIZE(state_names), state);
}

const char *axvcpu_cap_name(uint32_t cap)
{
	return lookup_or_unknown(cap_names, ARRAY_SIZE(cap_names), cap);
}

const char *axvcpu_arch_name(uint64_t arch)
{
	return lookup_or_unknown(arch_names, ARRAY_SIZE(arch_names), arch);
}

const char *axvcpu_backend_name(uint64_t backend)
{
	return lookup_or_unknown(backend_names, ARRAY_SIZE(backend_names), backend);
}

const char *axvcpu_hw_feature_name(unsigned int bit)
{
	return lookup(hw_feature_names, ARRAY_SIZE(hw_feature_names), bit);
}
