/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * axvcpu: hardware virtual CPUs for user space, through /dev/axvcpu.
 *
 * This is the whole ABI between the module and user space. Three kinds of
 * file descriptor carry it:
 *
 *  - the system fd, from open("/dev/axvcpu");
 *  - a VM fd, from AXVCPU_CREATE_VM on the system fd;
 *  - a VCPU fd, from AXVCPU_CREATE_VCPU on a VM fd, which can also be
 *    mmap'd to reach &struct axvcpu_run (page 0) and the string I/O data
 *    page (page 1).
 *
 * Rules that hold for every structure below: the layout is fixed (explicit
 * padding, checked at compile time on both sides), every field named
 * ``pad`` or ``reserved`` must be zero on input (otherwise the ioctl fails
 * with -EINVAL) and is written as zero on output, and every fd the module
 * hands out is close-on-exec. Unknown ioctls fail with -ENOTTY, from any
 * process; the ioctls a VM or VCPU fd knows (and mmap of a VCPU fd) fail
 * with -EIO in any process but the one that created the VM.
 *
 * The generic parts (state machine, memory regions, the run structure and
 * its exit union) are the same on every architecture. The parts that are
 * not (register sets, boot modes, CPUID) sit in the section marked
 * "x86-64" below; AXVCPU_CAP_ARCH tells which one the module speaks.
 *
 * Documentation/api.rst describes every ioctl with its errors.
 */
#ifndef _UAPI_LINUX_AXVCPU_H
#define _UAPI_LINUX_AXVCPU_H

#include <linux/types.h>
#include <linux/ioctl.h>

/** AXVCPU_API_VERSION - returned by AXVCPU_GET_API_VERSION. */
#define AXVCPU_API_VERSION	1

/* Our own ioctl magic: 0xA7 is unassigned in ioctl-number.rst. */
#define AXVCPU_IO_MAGIC		0xA7

/* ------------------------------------------------------------------ */
/* System fd                                                           */
/* ------------------------------------------------------------------ */

/*
 * Capabilities, for &struct axvcpu_capability.cap. The numbers are stable.
 */
/** AXVCPU_CAP_ARCH - architecture of the register ABI, AXVCPU_ARCH_*. */
#define AXVCPU_CAP_ARCH			1
/** AXVCPU_CAP_BACKEND - hardware backend, AXVCPU_BACKEND_*; name set. */
#define AXVCPU_CAP_BACKEND		2
/** AXVCPU_CAP_MAX_VMS - VMs that may exist at once, system wide. */
#define AXVCPU_CAP_MAX_VMS		3
/** AXVCPU_CAP_MAX_VCPUS - VCPUs per VM; VCPU ids are 0 .. value - 1. */
#define AXVCPU_CAP_MAX_VCPUS		4
/** AXVCPU_CAP_MAX_MEM_REGIONS - memory slots per VM: 0 .. value - 1. */
#define AXVCPU_CAP_MAX_MEM_REGIONS	5
/** AXVCPU_CAP_GPA_BITS - guest physical address width in bits. */
#define AXVCPU_CAP_GPA_BITS		6
/** AXVCPU_CAP_NPT_LEVELS - levels of the nested (stage-2) page tables. */
#define AXVCPU_CAP_NPT_LEVELS		7
/** AXVCPU_CAP_HW_FEATURES - optional hardware features, AXVCPU_HWF_*. */
#define AXVCPU_CAP_HW_FEATURES		8
/** AXVCPU_CAP_NR_ASIDS - address space ids the hardware offers. */
#define AXVCPU_CAP_NR_ASIDS		9

/* Values of AXVCPU_CAP_ARCH. */
#define AXVCPU_ARCH_X86_64		1
#define AXVCPU_ARCH_ARM64		2
#define AXVCPU_ARCH_RISCV64		3

/* Values of AXVCPU_CAP_BACKEND. */
#define AXVCPU_BACKEND_SVM		1
#define AXVCPU_BACKEND_VMX		2
#define AXVCPU_BACKEND_ARM_VHE		3

/* Bits of AXVCPU_CAP_HW_FEATURES (AMD SVM). */
#define AXVCPU_HWF_SVM_NRIPS		(1ULL << 0)	/* next-RIP save */
#define AXVCPU_HWF_SVM_DECODE_ASSISTS	(1ULL << 1)
#define AXVCPU_HWF_SVM_VGIF		(1ULL << 2)
#define AXVCPU_HWF_SVM_FLUSH_BY_ASID	(1ULL << 3)
#define AXVCPU_HWF_SVM_VMCB_CLEAN	(1ULL << 4)
#define AXVCPU_HWF_SVM_LBRV		(1ULL << 5)
#define AXVCPU_HWF_HOST_LA57		(1ULL << 6)	/* 5-level host paging */

/**
 * struct axvcpu_capability - argument of AXVCPU_CHECK_CAP.
 * @cap:      in: which capability, one of AXVCPU_CAP_*.
 * @pad:      must be zero.
 * @value:    out: the capability's value.
 * @name:     out: for AXVCPU_CAP_BACKEND, the backend's name ("svm"),
 *            NUL-terminated; zeroed for every other capability.
 * @reserved: must be zero.
 *
 * An unknown @cap fails with -EINVAL and leaves the structure untouched.
 */
struct axvcpu_capability {
	__u32 cap;
	__u32 pad;
	__u64 value;
	char name[16];
	__u64 reserved[4];
};

/* Flags of &struct axvcpu_create_vm. */
/**
 * AXVCPU_VM_IPI_IN_KERNEL - fixed IPIs a VCPU sends to VCPUs of its own
 * VM (x86: a write of the x2APIC ICR) are delivered by the kernel as if
 * AXVCPU_INJECT_INTERRUPT had been called on each target, instead of
 * exiting as SEND_IPI. INIT and STARTUP still exit (CPU_UP).
 */
#define AXVCPU_VM_IPI_IN_KERNEL	(1U << 0)

/**
 * struct axvcpu_create_vm - argument of AXVCPU_CREATE_VM.
 * @flags:    AXVCPU_VM_* bits; others must be zero.
 * @reserved: must be zero.
 */
struct axvcpu_create_vm {
	__u32 flags;
	__u32 reserved[7];
};

/** AXVCPU_GET_API_VERSION - returns AXVCPU_API_VERSION. */
#define AXVCPU_GET_API_VERSION	_IO(AXVCPU_IO_MAGIC, 0x00)
/** AXVCPU_CHECK_CAP - fills &struct axvcpu_capability.value. */
#define AXVCPU_CHECK_CAP	_IOWR(AXVCPU_IO_MAGIC, 0x01, struct axvcpu_capability)
/** AXVCPU_CREATE_VM - returns a new VM fd (close-on-exec). */
#define AXVCPU_CREATE_VM	_IOW(AXVCPU_IO_MAGIC, 0x02, struct axvcpu_create_vm)
/** AXVCPU_GET_RUN_SIZE - returns the bytes to mmap from a VCPU fd. */
#define AXVCPU_GET_RUN_SIZE	_IO(AXVCPU_IO_MAGIC, 0x03)

/* ------------------------------------------------------------------ */
/* VM fd                                                               */
/* ------------------------------------------------------------------ */

/* Flags of &struct axvcpu_memory_region. */
/** AXVCPU_MEM_READONLY - guest writes exit as NESTED_PAGE_FAULT. */
#define AXVCPU_MEM_READONLY	(1U << 0)
/** AXVCPU_MEM_NOEXEC - guest instruction fetches exit as NESTED_PAGE_FAULT. */
#define AXVCPU_MEM_NOEXEC	(1U << 1)

/**
 * struct axvcpu_memory_region - argument of AXVCPU_SET_MEMORY_REGION.
 * @slot:            0 .. AXVCPU_CAP_MAX_MEM_REGIONS - 1.
 * @flags:           AXVCPU_MEM_* bits; others must be zero.
 * @guest_phys_addr: first guest physical address, page aligned.
 * @size:            bytes, page aligned; 0 deletes the slot.
 * @userspace_addr:  start of the backing memory in the caller's address
 *                   space, page aligned, readable (and writable unless
 *                   AXVCPU_MEM_READONLY).
 * @reserved:        must be zero.
 *
 * Pages are pinned when the guest first touches them and charged to the
 * caller's RLIMIT_MEMLOCK; they are unpinned when the slot is deleted or
 * the VM is destroyed. A slot that already holds a region must be deleted
 * before it is set again.
 */
struct axvcpu_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 size;
	__u64 userspace_addr;
	__u64 reserved[4];
};

/**
 * struct axvcpu_create_vcpu - argument of AXVCPU_CREATE_VCPU.
 * @id:       VCPU id, 0 .. AXVCPU_CAP_MAX_VCPUS - 1, unique in the VM.
 * @flags:    must be zero.
 * @reserved: must be zero.
 */
struct axvcpu_create_vcpu {
	__u32 id;
	__u32 flags;
	__u64 reserved[3];
};

/** AXVCPU_SET_MEMORY_REGION - add or delete a guest memory region. */
#define AXVCPU_SET_MEMORY_REGION _IOW(AXVCPU_IO_MAGIC, 0x10, struct axvcpu_memory_region)
/** AXVCPU_CREATE_VCPU - returns a new VCPU fd in state CREATED. */
#define AXVCPU_CREATE_VCPU	_IOW(AXVCPU_IO_MAGIC, 0x11, struct axvcpu_create_vcpu)

/* ------------------------------------------------------------------ */
/* VCPU fd: state machine                                              */
/* ------------------------------------------------------------------ */

/*
 * VCPU states, as returned by AXVCPU_GET_STATE. The numbers are stable.
 *
 *            SETUP            BIND              RUN
 * CREATED ──────────▶ FREE ─────────▶ READY ─────────▶ RUNNING ──▶ READY
 *                      ▲                │
 *                      └──── UNBIND ────┘
 *
 * BLOCKED: in-kernel halt, until an interrupt or kick wakes the VCPU.
 * INVALID: an unrecoverable backend failure (RUN returned -EIO). GET_STATE,
 * GET_STATS and mmap still work; every other ioctl fails with -EBADFD;
 * close() frees the VCPU.
 * A call made in the wrong state fails with -EBADFD and changes nothing.
 */
#define AXVCPU_STATE_INVALID	0
#define AXVCPU_STATE_CREATED	1
#define AXVCPU_STATE_FREE	2
#define AXVCPU_STATE_READY	3
#define AXVCPU_STATE_RUNNING	4
#define AXVCPU_STATE_BLOCKED	5

/* ------------------------------------------------------------------ */
/* VCPU fd: the run structure                                          */
/* ------------------------------------------------------------------ */

/*
 * Exit reasons, in &struct axvcpu_run.exit_reason. The numbers are stable.
 * The comment says who finishes the exit; Documentation/api.rst has more.
 */
#define AXVCPU_EXIT_NOTHING		0  /* handled in kernel */
#define AXVCPU_EXIT_HYPERCALL		1  /* user writes ret -> RAX */
#define AXVCPU_EXIT_MMIO_READ		2  /* user writes data -> reg */
#define AXVCPU_EXIT_MMIO_WRITE		3
#define AXVCPU_EXIT_SYSREG_READ		4  /* user writes data -> EDX:EAX */
#define AXVCPU_EXIT_SYSREG_WRITE	5
#define AXVCPU_EXIT_IO_READ		6  /* user writes data -> AL/AX/EAX */
#define AXVCPU_EXIT_IO_WRITE		7
#define AXVCPU_EXIT_EXTERNAL_INTERRUPT	8
#define AXVCPU_EXIT_NESTED_PAGE_FAULT	9
#define AXVCPU_EXIT_HALT		10
#define AXVCPU_EXIT_CPU_UP		11
#define AXVCPU_EXIT_CPU_DOWN		12
#define AXVCPU_EXIT_SYSTEM_DOWN		13
#define AXVCPU_EXIT_FAIL_ENTRY		14
#define AXVCPU_EXIT_SEND_IPI		15
#define AXVCPU_EXIT_INTR		16  /* RUN returned -EINTR */
#define AXVCPU_EXIT_INTERNAL_ERROR	17
#define AXVCPU_EXIT_IRQ_WINDOW_OPEN	18 /* request_interrupt_window met */
/** AXVCPU_EXIT_NR - one past the last exit reason; sizes stats arrays. */
#define AXVCPU_EXIT_NR			19

/* Bits of &struct axvcpu_run.npf.access. */
#define AXVCPU_ACCESS_READ	(1U << 0)
#define AXVCPU_ACCESS_WRITE	(1U << 1)
#define AXVCPU_ACCESS_EXEC	(1U << 2)
#define AXVCPU_ACCESS_USER	(1U << 3)

/*
 * Values of &struct axvcpu_run.mmio.reg beside the GPRs 0 (RAX) .. 15
 * (R15): the high byte registers, and "no register" (the value feeds an
 * ALU operation, a MOVS, or the exit is a write). Informational: the
 * kernel completes the read itself.
 */
#define AXVCPU_MMIO_REG_AH	16
#define AXVCPU_MMIO_REG_CH	17
#define AXVCPU_MMIO_REG_DH	18
#define AXVCPU_MMIO_REG_BH	19
#define AXVCPU_MMIO_REG_NONE	255

/*
 * &struct axvcpu_run.fail_entry.details[1] on x86: what became of the
 * VCPU's state. The kernel refuses to enter a state VMRUN would refuse
 * (one a guest instruction loaded without the fault the architecture
 * prescribes): the state is kept, for GET_SREGS to show and SET_SREGS to
 * mend. After a VMRUN that failed anyway the save area may hold the
 * host's values (QEMU's does): the VCPU is reset to its power-on state
 * instead, as after a triple fault.
 */
#define AXVCPU_FAIL_ENTRY_STATE_KEPT	1
#define AXVCPU_FAIL_ENTRY_STATE_RESET	2

/* Values of &struct axvcpu_run.system_down.type. */
#define AXVCPU_SYSTEM_DOWN_SHUTDOWN	1  /* orderly power-off request */
#define AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT	2
#define AXVCPU_SYSTEM_DOWN_RESET	3

/* Values of &struct axvcpu_run.internal.suberror. */
#define AXVCPU_INTERNAL_EMULATION	1  /* instruction cannot be emulated */
#define AXVCPU_INTERNAL_UNKNOWN_EXIT	2  /* hardware exit code not handled */

/**
 * struct axvcpu_run - the run structure, page 0 of a VCPU fd's mapping.
 * @immediate_exit:   in: when non-zero, RUN applies a pending completion
 *                    and returns -EINTR with exit INTR without entering
 *                    the guest.
 * @request_interrupt_window: in: when non-zero, RUN returns exit
 *                    IRQ_WINDOW_OPEN as soon as the guest can take an
 *                    interrupt (at once when it can already), before
 *                    injecting any pending interrupt.
 * @pad0:             zero.
 * @exit_reason:      out: AXVCPU_EXIT_*.
 * @if_flag:          out: guest RFLAGS.IF at the exit.
 * @ready_for_interrupt_injection: out: an interrupt could be injected now.
 * @interrupt_shadow: out: the guest is in an STI/MOV SS shadow.
 * @pad1:             zero.
 * @rip:              out: guest RIP after the exit (already advanced past
 *                    the exiting instruction where the exit is finished by
 *                    user space).
 * @rflags:           out: guest RFLAGS.
 * @reserved0:        zero.
 * @hypercall:        HYPERCALL: @nr from RAX, @args from RDI, RSI, RDX,
 *                    RCX, R8, R9; user space writes @ret, the next RUN
 *                    puts it in RAX. @cpl is the caller's privilege
 *                    level, always 0: a hypercall from CPL > 0 (guest
 *                    user space) does not exit, it returns -EPERM (-1)
 *                    in RAX. @pad is zero.
 * @mmio:             MMIO_READ / MMIO_WRITE: @gpa, @width in bytes (1, 2,
 *                    4, 8), destination @reg (x86 encoding 0=RAX..15=R15),
 *                    @reg_width, @sign_extend and @data.
 * @sysreg:           SYSREG_READ / SYSREG_WRITE: @addr (MSR index on
 *                    x86) and @data (EDX:EAX).
 * @io:               IO_READ / IO_WRITE: @port, @width (1, 2, 4), @count
 *                    (1 unless string I/O), @data for a single access, or
 *                    @data_offset into the mapping for string I/O.
 * @external_interrupt: EXTERNAL_INTERRUPT: host @vector.
 * @npf:              NESTED_PAGE_FAULT: @gpa, @access (AXVCPU_ACCESS_*)
 *                    and the hardware @error_code.
 * @cpu_up:           CPU_UP: @target (APIC id), @entry (GPA), @arg
 *                    (x86: the id of the VCPU that sent the STARTUP).
 * @cpu_down:         CPU_DOWN: @state (x86: RDI of the
 *                    AXVCPU_HYPERCALL_CPU_DOWN hypercall).
 * @system_down:      SYSTEM_DOWN: @type (AXVCPU_SYSTEM_DOWN_*).
 * @fail_entry:       FAIL_ENTRY: @hardware_reason (e.g. SVM's
 *                    VMEXIT_INVALID as a 64-bit value) and @details: on
 *                    x86 EXITINFO1, then AXVCPU_FAIL_ENTRY_STATE_*.
 * @send_ipi:         SEND_IPI: @target_cpu, @target_aux, @to_all,
 *                    @to_self, @vector. On x86 @target_cpu is the ICR's
 *                    destination (x2APIC id), @target_aux the ICR's low
 *                    32 bits (delivery and destination mode), @to_all
 *                    and @to_self follow the destination shorthand (all
 *                    including self sets both).
 * @internal:         INTERNAL_ERROR: @suberror (AXVCPU_INTERNAL_*), the
 *                    hardware exit @code, @insn_len bytes of @insn.
 * @padding:          sizes the union to 256 bytes.
 * @reserved:         zero; room for later fields (register sync block).
 *
 * A pending read completion (the ``data`` or ``ret`` user space wrote) is
 * applied at the start of the next RUN, before @immediate_exit is looked
 * at, and only when the guest RIP has not changed since the exit.
 *
 * The kernel writes the outputs when RUN returns and never trusts what it
 * finds here: it reads only @immediate_exit and, for a completion, the
 * value field of the exit it recorded itself. What user space (or another
 * thread or process holding the mapping) writes to the other fields
 * changes nothing in the kernel.
 */
struct axvcpu_run {
	/* in */
	__u8 immediate_exit;
	__u8 request_interrupt_window;
	__u8 pad0[6];
	/* out */
	__u32 exit_reason;
	__u8 if_flag;
	__u8 ready_for_interrupt_injection;
	__u8 interrupt_shadow;
	__u8 pad1;
	__u64 rip;
	__u64 rflags;
	__u64 reserved0[4];
	union {
		struct {
			__u64 nr;
			__u64 args[6];
			__u64 ret;
			__u8 cpl;
			__u8 pad[7];
		} hypercall;
		struct {
			__u64 gpa;
			__u8 width;
			__u8 reg;
			__u8 reg_width;
			__u8 sign_extend;
			__u32 pad;
			__u64 data;
		} mmio;
		struct {
			__u32 addr;
			__u32 pad;
			__u64 data;
		} sysreg;
		struct {
			__u16 port;
			__u8 width;
			__u8 pad;
			__u32 count;
			__u64 data;
			__u64 data_offset;
		} io;
		struct {
			__u32 vector;
			__u32 pad;
		} external_interrupt;
		struct {
			__u64 gpa;
			__u32 access;
			__u32 pad;
			__u64 error_code;
		} npf;
		struct {
			__u64 target;
			__u64 entry;
			__u64 arg;
		} cpu_up;
		struct {
			__u64 state;
		} cpu_down;
		struct {
			__u32 type;
			__u32 pad;
		} system_down;
		struct {
			__u64 hardware_reason;
			__u64 details[2];
		} fail_entry;
		struct {
			__u64 target_cpu;
			__u64 target_aux;
			__u8 to_all;
			__u8 to_self;
			__u8 vector;
			__u8 pad[5];
		} send_ipi;
		struct {
			__u32 suberror;
			__u32 insn_len;
			__u64 code;
			__u8 insn[16];
		} internal;
		__u8 padding[256];
	};
	__u64 reserved[472];
};

/* Offsets in a VCPU fd's mapping. */
/** AXVCPU_RUN_PAGE_OFFSET - page index of &struct axvcpu_run. */
#define AXVCPU_RUN_PAGE_OFFSET	0
/** AXVCPU_DATA_PAGE_OFFSET - page index of the string I/O data page. */
#define AXVCPU_DATA_PAGE_OFFSET	1

/* ------------------------------------------------------------------ */
/* VCPU fd: setup and statistics (generic)                             */
/* ------------------------------------------------------------------ */

/**
 * struct axvcpu_setup - argument of AXVCPU_SETUP.
 * @entry:    guest address of the first instruction. In real mode the
 *            VCPU starts at CS = @entry >> 4 (base @entry & ~0xf), IP =
 *            @entry & 0xf; elsewhere RIP = @entry.
 * @mode:     boot mode, one of AXVCPU_MODE_* of the architecture.
 * @flags:    AXVCPU_OPT_* bits (the VCPU's options, as
 *            AXVCPU_SET_OPTIONS sets them later); others must be zero.
 * @page_table_gpa: for AXVCPU_MODE_LONG, the guest physical address of
 *            six free, page-aligned pages of RAM where the kernel writes
 *            an identity map of the first 4 GiB; zero otherwise.
 * @stack:    initial stack pointer (RSP on x86).
 * @reserved: must be zero.
 */
struct axvcpu_setup {
	__u64 entry;
	__u32 mode;
	__u32 flags;
	__u64 page_table_gpa;
	__u64 stack;
	__u64 reserved[4];
};

/**
 * struct axvcpu_stats - argument of AXVCPU_GET_STATS.
 * @exits:     exits returned to user space, per AXVCPU_EXIT_* reason
 *             (NOTHING counts exits handled entirely in the kernel).
 * @runs:      successful RUN calls.
 * @run_ns:    nanoseconds spent inside RUN.
 * @hw_exits:  hardware exits of any kind (in kernel or not).
 * @reserved:  zero.
 */
struct axvcpu_stats {
	__u64 exits[32];
	__u64 runs;
	__u64 run_ns;
	__u64 hw_exits;
	__u64 reserved[13];
};

/* VCPU options: &struct axvcpu_setup.flags, &struct axvcpu_options.flags. */
/**
 * AXVCPU_OPT_HALT_IN_KERNEL - a guest HLT that an interrupt or NMI could
 * end parks the VCPU in state BLOCKED inside RUN until one is injected
 * (from any thread), a KICK or a signal; HLT that nothing can end
 * (interrupts disabled, NMIs blocked) still returns exit HALT. Without
 * the option every HLT returns exit HALT.
 */
#define AXVCPU_OPT_HALT_IN_KERNEL	(1U << 0)
/**
 * AXVCPU_OPT_EXTERNAL_INTR_EXITS - a host interrupt that forced the guest
 * out returns exit EXTERNAL_INTERRUPT (after the host has handled it)
 * instead of being absorbed in the kernel.
 */
#define AXVCPU_OPT_EXTERNAL_INTR_EXITS	(1U << 1)

/**
 * struct axvcpu_options - argument of AXVCPU_SET_OPTIONS.
 * @flags:    AXVCPU_OPT_* bits; others must be zero.
 * @pad:      must be zero.
 * @reserved: must be zero.
 */
struct axvcpu_options {
	__u32 flags;
	__u32 pad;
	__u64 reserved[3];
};

/**
 * struct axvcpu_interrupt - argument of AXVCPU_INJECT_INTERRUPT.
 * @vector:   32 .. 255 on x86; others fail with -EINVAL.
 * @flags:    must be zero.
 * @reserved: must be zero.
 *
 * The interrupt is delivered at an entry where the guest can take it;
 * until then it is pending. Several vectors may be pending at once and
 * the highest goes first (as an APIC's IRR). Injecting a vector that is
 * pending already fails with -EEXIST, so that nothing is merged silently.
 */
struct axvcpu_interrupt {
	__u32 vector;
	__u32 flags;
	__u64 reserved[3];
};

/**
 * struct axvcpu_exception - argument of AXVCPU_INJECT_EXCEPTION.
 * @vector:     0 .. 31 on x86 except 2 (NMI: use AXVCPU_INJECT_NMI) and
 *              the reserved 15, 22-27 and 31.
 * @error_code: pushed when the vector has one (x86: 8, 10-14, 17, 21,
 *              29, 30), must be zero otherwise.
 * @flags:      must be zero.
 * @pad:        must be zero.
 * @reserved:   must be zero.
 */
struct axvcpu_exception {
	__u32 vector;
	__u32 error_code;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/** AXVCPU_SETUP - CREATED -> FREE: set entry, boot mode, nested paging. */
#define AXVCPU_SETUP		_IOW(AXVCPU_IO_MAGIC, 0x20, struct axvcpu_setup)
/** AXVCPU_BIND - FREE -> READY: tie the VCPU to the calling thread. */
#define AXVCPU_BIND		_IO(AXVCPU_IO_MAGIC, 0x21)
/** AXVCPU_UNBIND - READY -> FREE. */
#define AXVCPU_UNBIND		_IO(AXVCPU_IO_MAGIC, 0x22)
/** AXVCPU_RUN - READY -> RUNNING -> READY: run until the next exit. */
#define AXVCPU_RUN		_IO(AXVCPU_IO_MAGIC, 0x23)
/** AXVCPU_GET_STATE - returns the state, AXVCPU_STATE_*. */
#define AXVCPU_GET_STATE	_IO(AXVCPU_IO_MAGIC, 0x24)
/** AXVCPU_GET_STATS - fills &struct axvcpu_stats (one consistent snapshot). */
#define AXVCPU_GET_STATS	_IOR(AXVCPU_IO_MAGIC, 0x25, struct axvcpu_stats)
/** AXVCPU_SET_OPTIONS - set the VCPU's AXVCPU_OPT_* options (FREE or READY). */
#define AXVCPU_SET_OPTIONS	_IOW(AXVCPU_IO_MAGIC, 0x26, struct axvcpu_options)
/**
 * AXVCPU_INJECT_INTERRUPT - make an interrupt pending; from any thread of
 * the VM's process, in any state after SETUP; wakes a BLOCKED VCPU.
 */
#define AXVCPU_INJECT_INTERRUPT	_IOW(AXVCPU_IO_MAGIC, 0x27, struct axvcpu_interrupt)
/**
 * AXVCPU_INJECT_NMI - make an NMI pending (-EEXIST when one is pending
 * already); from any thread of the VM's process, in any state after SETUP.
 */
#define AXVCPU_INJECT_NMI	_IO(AXVCPU_IO_MAGIC, 0x28)
/**
 * AXVCPU_INJECT_EXCEPTION - deliver an exception at the next entry (FREE or
 * READY; -EBUSY while an earlier one is still queued).
 */
#define AXVCPU_INJECT_EXCEPTION	_IOW(AXVCPU_IO_MAGIC, 0x29, struct axvcpu_exception)
/**
 * AXVCPU_KICK - make the VCPU's current RUN (or, when none is in progress,
 * its next one) return -EINTR with exit INTR; from any thread of the VM's
 * process.
 */
#define AXVCPU_KICK		_IO(AXVCPU_IO_MAGIC, 0x2a)

/* ------------------------------------------------------------------ */
/* x86-64 (AXVCPU_ARCH_X86_64)                                         */
/* ------------------------------------------------------------------ */

/**
 * AXVCPU_HYPERCALL_CPU_DOWN - x86: VMMCALL with this RAX turns the calling
 * CPU off: exit CPU_DOWN with @state = RDI instead of HYPERCALL. RAX
 * values 0x41580000 .. 0x4158ffff are the kernel's; any other exits as
 * HYPERCALL.
 */
#define AXVCPU_HYPERCALL_CPU_DOWN	0x41580001ULL

/* Boot modes of &struct axvcpu_setup.mode on x86-64. */
/** AXVCPU_MODE_REAL - real mode, CS:IP from @entry, other segments 0. */
#define AXVCPU_MODE_REAL	1
/** AXVCPU_MODE_PROTECTED - 32-bit protected mode, flat 4 GiB segments, no paging. */
#define AXVCPU_MODE_PROTECTED	2
/** AXVCPU_MODE_LONG - 64-bit mode, kernel-built identity map (2 MiB pages). */
#define AXVCPU_MODE_LONG	3
/** AXVCPU_MODE_CUSTOM - keep the registers set with SET_SREGS/SET_REGS. */
#define AXVCPU_MODE_CUSTOM	4

/**
 * struct axvcpu_regs - general purpose registers (x86-64).
 * @rax: .. @r15: the sixteen GPRs, in the hardware encoding order.
 * @rip:    instruction pointer.
 * @rflags: flags; bit 1 must be set and reserved bits clear.
 */
struct axvcpu_regs {
	__u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/**
 * struct axvcpu_segment - one segment register (x86-64).
 * @base:     segment base.
 * @limit:    byte-granular limit (already scaled when @g is set).
 * @selector: visible selector.
 * @type:     descriptor type field (4 bits).
 * @present:  P bit.
 * @dpl:      descriptor privilege level.
 * @db:       D/B bit.
 * @s:        S bit (code/data when set, system when clear).
 * @l:        L bit (64-bit code segment).
 * @g:        granularity bit.
 * @avl:      available bit.
 * @unusable: the segment register holds a null/unusable segment.
 * @pad:      zero.
 */
struct axvcpu_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 present, dpl, db, s, l, g, avl;
	__u8 unusable;
	__u8 pad;
};

/**
 * struct axvcpu_dtable - a descriptor table register (GDTR, IDTR).
 * @base:  linear base.
 * @limit: limit (16 bits used).
 * @pad:   zero.
 */
struct axvcpu_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];
};

/**
 * struct axvcpu_sregs - system registers (x86-64).
 * @cs: @ds: @es: @fs: @gs: @ss: @tr: @ldt: segment registers.
 * @gdt: @idt: descriptor tables.
 * @cr0: @cr2: @cr3: @cr4: @cr8: control registers.
 * @efer: EFER; SVME/VMXE are hidden from the guest and must be clear.
 * @apic_base: IA32_APIC_BASE as the guest sees it.
 * @reserved: zero.
 *
 * SET_SREGS checks the combination as hardware would (CR0.PG without
 * CR0.PE, EFER.LME with CR0.PG but without CR4.PAE, reserved bits, a
 * 64-bit CS outside long mode, ...) and fails with -EINVAL instead of
 * letting the next VMRUN fail.
 */
struct axvcpu_sregs {
	struct axvcpu_segment cs, ds, es, fs, gs, ss;
	struct axvcpu_segment tr, ldt;
	struct axvcpu_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 reserved[8];
};

/* Flags of &struct axvcpu_cpuid_entry. */
/** AXVCPU_CPUID_FLAG_INDEX - the entry matches only its @index (ECX). */
#define AXVCPU_CPUID_FLAG_INDEX	(1U << 0)

/** AXVCPU_CPUID_MAX_ENTRIES - most entries SET_CPUID accepts. */
#define AXVCPU_CPUID_MAX_ENTRIES	256

/**
 * struct axvcpu_cpuid_entry - one CPUID leaf (x86-64).
 * @function: EAX input.
 * @index:    ECX input, used when AXVCPU_CPUID_FLAG_INDEX is set.
 * @flags:    AXVCPU_CPUID_FLAG_* bits.
 * @eax: @ebx: @ecx: @edx: the answer.
 * @pad:      zero.
 */
struct axvcpu_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 pad;
};

/**
 * struct axvcpu_cpuid - argument of AXVCPU_SET_CPUID.
 * @nent:     number of @entries, at most AXVCPU_CPUID_MAX_ENTRIES; 0
 *            goes back to filtered host values.
 * @flags:    must be zero.
 * @reserved: must be zero.
 * @entries:  the table. A CPUID the table does not answer returns zeros
 *            (as hardware does above the highest leaf).
 */
struct axvcpu_cpuid {
	__u32 nent;
	__u32 flags;
	__u64 reserved;
	struct axvcpu_cpuid_entry entries[];
};

/** AXVCPU_GET_REGS - read &struct axvcpu_regs. */
#define AXVCPU_GET_REGS		_IOR(AXVCPU_IO_MAGIC, 0x30, struct axvcpu_regs)
/** AXVCPU_SET_REGS - write &struct axvcpu_regs. */
#define AXVCPU_SET_REGS		_IOW(AXVCPU_IO_MAGIC, 0x31, struct axvcpu_regs)
/** AXVCPU_GET_SREGS - read &struct axvcpu_sregs. */
#define AXVCPU_GET_SREGS	_IOR(AXVCPU_IO_MAGIC, 0x32, struct axvcpu_sregs)
/** AXVCPU_SET_SREGS - write &struct axvcpu_sregs (validated). */
#define AXVCPU_SET_SREGS	_IOW(AXVCPU_IO_MAGIC, 0x33, struct axvcpu_sregs)
/** AXVCPU_SET_CPUID - set the table the in-kernel CPUID handler uses. */
#define AXVCPU_SET_CPUID	_IOW(AXVCPU_IO_MAGIC, 0x34, struct axvcpu_cpuid)

#endif /* _UAPI_LINUX_AXVCPU_H */
