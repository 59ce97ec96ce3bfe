/* SPDX-License-Identifier: MIT */
/*
 * The selftests' guest framework, KVM-selftest style: guest code is
 * ordinary C in the (static, non-PIE) test binary.
 *
 * vm_create() opens /dev/axvcpu, creates a VM with RAM at GPA 0 (slot 0,
 * anonymous memory), copies the test binary's loaded segments into guest
 * RAM at GPA == their link address, and builds what 64-bit code needs:
 * page tables mapping the first 4 GiB 1:1 with 2 MiB pages, a GDT with
 * 64-bit code/data and one TSS per VCPU, an IDT of all 256 vectors whose
 * handlers report unexpected exceptions and interrupts through the ucall
 * port. Each VCPU gets its own stack and an exception stack (IST1, its
 * lower half IST2 for the NMI) at the top of RAM.
 *
 * So the guest can call any function of the binary and use its globals;
 * it sees its own copy of .data/.bss, taken at vm_create(), which
 * sync_global_to_guest()/sync_global_from_guest() copy to and fro.
 * Guest code must not call libc (its IFUNC choices and TLS belong to the
 * host) and must not use TLS.
 *
 * No special compiler flags are needed: the Makefile's -static links a
 * non-PIE executable at 0x400000 (vm_create() fails the case otherwise);
 * RIP-relative -fPIE code runs anywhere; the IDT gates use their own IST
 * stack, so an exception never writes into the interrupted code's red
 * zone; CET's ENDBR64 is a NOP where CET is off, as in the guest.
 *
 * Guest physical layout (everything in slot 0):
 *
 *   0x00001000  SNIPPET_GPA: real/protected-mode snippets (guest_modes.h)
 *   0x00010000  page tables of the custom 64-bit mode (6 pages)
 *   0x00020000  page tables the kernel writes for AXVCPU_MODE_LONG
 *   0x00030000  GDT, 0x31000 IDT, 0x32000 TSSes (128 bytes each)
 *   0x00400000  the test binary (text, rodata, data, bss)
 *   RAM top     per VCPU: 64 KiB stack, then 16 KiB exception stack
 */
#ifndef SELFTEST_GUEST_H
#define SELFTEST_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "axvcpu-user.h"
#include "test_util.h"
#include "ucall.h"

/** GUEST_RAM_SIZE - default RAM of a test VM (slot 0, GPA 0). */
#define GUEST_RAM_SIZE		(64ULL << 20)
/** GUEST_MAX_VCPUS - VCPUs a framework VM can hold (one TSS each). */
#define GUEST_MAX_VCPUS		8

#define GUEST_PAGE_SIZE		4096ULL
#define GUEST_SNIPPET_GPA	0x1000ULL
#define GUEST_SNIPPET_MAX	0xf000ULL
#define GUEST_PT_GPA		0x10000ULL
#define GUEST_KERNEL_PT_GPA	0x20000ULL
#define GUEST_GDT_GPA		0x30000ULL
#define GUEST_IDT_GPA		0x31000ULL
#define GUEST_TSS_GPA		0x32000ULL
#define GUEST_TSS_STRIDE	128ULL
/** GUEST_IDMAP_LIMIT - the custom mode's page tables map [0, 4 GiB). */
#define GUEST_IDMAP_LIMIT	(4ULL << 30)

#define GUEST_STACK_SIZE	0x10000ULL
#define GUEST_EXC_STACK_SIZE	0x4000ULL
/* IDT vectors: exceptions 0-31, interrupts 32-255. */
#define GUEST_NR_VECTORS	256
#define GUEST_VEC_NMI		2
/* Bytes between two interrupt stubs (guest_entry.c). */
#define GUEST_IRQ_STUB_SIZE	16

/* GDT selectors. */
#define GUEST_SEL_CODE64	0x08
#define GUEST_SEL_DATA		0x10
#define GUEST_SEL_CODE32	0x18
/** GUEST_SEL_TSS() - the TSS selector of VCPU @id (16-byte descriptors). */
#define GUEST_SEL_TSS(id)	(0x20 + (id) * 16)
/* DPL 3 data and 64-bit code, after the TSSes; RPL 3 in the selectors. */
#define GUEST_SEL_USER_DATA	(GUEST_SEL_TSS(GUEST_MAX_VCPUS) | 3)
#define GUEST_SEL_USER_CODE64	((GUEST_SEL_TSS(GUEST_MAX_VCPUS) + 8) | 3)
#define GUEST_GDT_ENTRIES	(4 + 2 * GUEST_MAX_VCPUS + 2)

/* Architectural bits the tests use (the kernel's x86_state.h is not UAPI). */
#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_MP		(1ULL << 1)
#define X86_CR0_EM		(1ULL << 2)
#define X86_CR0_TS		(1ULL << 3)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_WP		(1ULL << 16)
#define X86_CR0_NW		(1ULL << 29)
#define X86_CR0_CD		(1ULL << 30)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define X86_CR4_OSXSAVE		(1ULL << 18)
#define X86_CR4_PKE		(1ULL << 22)
#define X86_EFER_SCE		(1ULL << 0)
#define X86_EFER_LME		(1ULL << 8)
#define X86_EFER_LMA		(1ULL << 10)
#define X86_EFER_NXE		(1ULL << 11)
#define X86_EFER_SVME		(1ULL << 12)
#define X86_RFLAGS_FIXED	(1ULL << 1)

/* XCR0 components. */
#define XFEATURE_X87		(1ULL << 0)
#define XFEATURE_SSE		(1ULL << 1)
#define XFEATURE_YMM		(1ULL << 2)

/**
 * struct guest_vcpu - one VCPU of a framework VM.
 * @h:    the library handle (fd, mapped run structure).
 * @run:  shortcut for h.run.
 * @vm:   the VM.
 * @id:   VCPU id.
 * @stack_top: top of its stack (GPA, 16-byte aligned).
 */
struct guest_vcpu {
	struct axvcpu_vcpu_handle h;
	struct axvcpu_run *run;
	struct guest_vm *vm;
	uint32_t id;
	uint64_t stack_top;
};

/**
 * struct guest_vm - a VM built by the framework.
 * @sys:      the open /dev/axvcpu.
 * @vm:       the VM handle (@vm.fd is -1 after vm_close_fd()).
 * @ram:      host mapping of slot 0.
 * @ram_size: bytes of slot 0, at GPA 0.
 * @vcpus:    VCPUs by id, NULL when absent.
 * @image:    the test binary was loaded and the 64-bit tables built.
 */
struct guest_vm {
	struct axvcpu_sys sys;
	struct axvcpu_vm_handle vm;
	uint8_t *ram;
	uint64_t ram_size;
	struct guest_vcpu *vcpus[GUEST_MAX_VCPUS];
	bool image;
};

/** typedef guest_code_t - a guest entry point: returning means GUEST_DONE(). */
typedef void (*guest_code_t)(void);

/* ---- VMs --------------------------------------------------------------- */

/**
 * vm_create() - a VM with RAM at GPA 0, the test binary loaded and the
 * 64-bit descriptor and page tables built. Any failure fails the case.
 * @ram_size: bytes of RAM (at least 16 MiB, 2 MiB aligned, below 4 GiB).
 *
 * Return: the VM.
 */
struct guest_vm *vm_create(uint64_t ram_size);

/**
 * vm_create_bare() - a VM with only RAM at GPA 0 (zeroed, nothing loaded):
 * for real/protected-mode snippets.
 * @ram_size: bytes of RAM.
 *
 * Return: the VM.
 */
struct guest_vm *vm_create_bare(uint64_t ram_size);

/**
 * vm_create_with_one_vcpu() - vm_create(GUEST_RAM_SIZE) plus VCPU 0 in
 * 64-bit mode at @guest_code, set up and bound to the calling thread.
 * @vcpu:       out: the VCPU.
 * @guest_code: where the guest starts.
 *
 * Return: the VM.
 */
struct guest_vm *vm_create_with_one_vcpu(struct guest_vcpu **vcpu, guest_code_t guest_code);

/**
 * vm_free() - close every VCPU, the VM and the system fd; unmap slot 0.
 * @vm: the VM.
 */
void vm_free(struct guest_vm *vm);

/**
 * vm_close_fd() - close only the VM fd (its VCPUs keep the VM alive).
 * @vm: the VM.
 */
void vm_close_fd(struct guest_vm *vm);

/**
 * vm_add_memory() - register fresh anonymous memory as a region; failing
 * fails the case.
 * @vm:    the VM.
 * @slot:  memory slot.
 * @flags: AXVCPU_MEM_* bits.
 * @gpa:   guest physical address.
 * @size:  bytes.
 *
 * Return: the host mapping.
 */
void *vm_add_memory(struct guest_vm *vm, uint32_t slot, uint32_t flags,
		    uint64_t gpa, uint64_t size);

/**
 * vm_set_memory() - AXVCPU_SET_MEMORY_REGION.
 * @vm:    the VM.
 * @slot:  memory slot.
 * @flags: AXVCPU_MEM_* bits.
 * @gpa:   guest physical address.
 * @size:  bytes; 0 deletes the slot.
 * @hva:   backing memory.
 *
 * Return: 0 or a negative errno.
 */
int vm_set_memory(struct guest_vm *vm, uint32_t slot, uint32_t flags,
		  uint64_t gpa, uint64_t size, void *hva);

/**
 * addr_gpa2hva() - host address of a guest physical address in slot 0;
 * one outside it fails the case.
 * @vm:  the VM.
 * @gpa: guest physical address.
 *
 * Return: the host address.
 */
void *addr_gpa2hva(struct guest_vm *vm, uint64_t gpa);

/**
 * sync_global_to_guest() - copy the host's value of a global into the
 * guest's copy of the binary.
 * @vm: the VM.
 * @g:  the global (an lvalue).
 */
#define sync_global_to_guest(vm, g)					\
	memcpy(addr_gpa2hva((vm), (uint64_t)(uintptr_t)&(g)), &(g), sizeof(g))

/**
 * sync_global_from_guest() - copy the guest's value of a global into the
 * host's.
 * @vm: the VM.
 * @g:  the global (an lvalue).
 */
#define sync_global_from_guest(vm, g)					\
	memcpy((void *)&(g), addr_gpa2hva((vm), (uint64_t)(uintptr_t)&(g)), sizeof(g))

/**
 * vm_check_cap() - AXVCPU_CHECK_CAP on the VM's system fd; failing fails
 * the case.
 * @vm:  the VM.
 * @cap: AXVCPU_CAP_*.
 *
 * Return: the capability's value.
 */
uint64_t vm_check_cap(struct guest_vm *vm, uint32_t cap);

/* ---- VCPUs ------------------------------------------------------------- */

/**
 * vm_vcpu_create() - AXVCPU_CREATE_VCPU and map the run pages; the VCPU
 * stays in state CREATED. Failing fails the case.
 * @vm: the VM.
 * @id: VCPU id, below GUEST_MAX_VCPUS.
 *
 * Return: the VCPU.
 */
struct guest_vcpu *vm_vcpu_create(struct guest_vm *vm, uint32_t id);

/**
 * vm_vcpu_add() - a VCPU in 64-bit mode through AXVCPU_MODE_CUSTOM: the
 * framework's GDT/IDT/TSS and page tables loaded with SET_SREGS, RIP at
 * the framework's entry, which calls @guest_code and then GUEST_DONE().
 * The VCPU is left in state FREE (call vcpu_bind() in the thread that
 * will run it).
 * @vm:         the VM, from vm_create().
 * @id:         VCPU id, below GUEST_MAX_VCPUS.
 * @guest_code: the guest function.
 *
 * Return: the VCPU.
 */
struct guest_vcpu *vm_vcpu_add(struct guest_vm *vm, uint32_t id, guest_code_t guest_code);

/**
 * vm_vcpu_add_long() - as vm_vcpu_add() but through AXVCPU_MODE_LONG: the
 * kernel writes its identity map at GUEST_KERNEL_PT_GPA and sets the
 * 64-bit state; the guest's entry enables SSE and loads the framework's
 * GDT, IDT and TSS itself before calling @guest_code.
 * @vm:         the VM, from vm_create().
 * @id:         VCPU id, below GUEST_MAX_VCPUS.
 * @guest_code: the guest function.
 *
 * Return: the VCPU, in state FREE.
 */
struct guest_vcpu *vm_vcpu_add_long(struct guest_vm *vm, uint32_t id, guest_code_t guest_code);

/**
 * vm_vcpu_add_snippet() - a VCPU running a real- or protected-mode code
 * snippet, copied to GUEST_SNIPPET_GPA and started there with a stack
 * below GUEST_SNIPPET_GPA + GUEST_SNIPPET_MAX.
 * @vm:    the VM.
 * @id:    VCPU id.
 * @mode:  AXVCPU_MODE_REAL or AXVCPU_MODE_PROTECTED.
 * @start: first byte of the snippet.
 * @end:   one past its last byte.
 *
 * Return: the VCPU, in state FREE.
 */
struct guest_vcpu *vm_vcpu_add_snippet(struct guest_vm *vm, uint32_t id, uint32_t mode,
				       const void *start, const void *end);

/**
 * vcpu_bind() - AXVCPU_BIND to the calling thread; failing fails the case.
 * @vcpu: the VCPU.
 */
void vcpu_bind(struct guest_vcpu *vcpu);

/**
 * vcpu_close() - unmap and close the VCPU fd; forget it in its VM.
 * @vcpu: the VCPU (freed).
 */
void vcpu_close(struct guest_vcpu *vcpu);

/**
 * vcpu_run() - AXVCPU_RUN once.
 * @vcpu: the VCPU.
 *
 * Return: 0 or a negative errno.
 */
int vcpu_run(struct guest_vcpu *vcpu);

/**
 * vcpu_state() - AXVCPU_GET_STATE; a failing ioctl fails the case.
 * @vcpu: the VCPU.
 *
 * Return: AXVCPU_STATE_*.
 */
uint32_t vcpu_state(struct guest_vcpu *vcpu);

/**
 * vcpu_regs_get() - AXVCPU_GET_REGS; a failing ioctl fails the case.
 * @vcpu: the VCPU.
 * @regs: out: the registers.
 */
void vcpu_regs_get(struct guest_vcpu *vcpu, struct axvcpu_regs *regs);

/**
 * vcpu_regs_set() - AXVCPU_SET_REGS; a failing ioctl fails the case.
 * @vcpu: the VCPU.
 * @regs: the registers.
 */
void vcpu_regs_set(struct guest_vcpu *vcpu, const struct axvcpu_regs *regs);

/**
 * vcpu_sregs_get() - AXVCPU_GET_SREGS; a failing ioctl fails the case.
 * @vcpu:  the VCPU.
 * @sregs: out: the system registers.
 */
void vcpu_sregs_get(struct guest_vcpu *vcpu, struct axvcpu_sregs *sregs);

/**
 * vcpu_sregs_set() - AXVCPU_SET_SREGS; a failing ioctl fails the case.
 * @vcpu:  the VCPU.
 * @sregs: the system registers.
 */
void vcpu_sregs_set(struct guest_vcpu *vcpu, const struct axvcpu_sregs *sregs);

/**
 * vcpu_stats_get() - AXVCPU_GET_STATS; a failing ioctl fails the case.
 * @vcpu:  the VCPU.
 * @stats: out: the counters.
 */
void vcpu_stats_get(struct guest_vcpu *vcpu, struct axvcpu_stats *stats);

/**
 * vcpu_assert_snippet_rip() - the last exit's RIP, and the one GET_REGS
 * reports, are mark @mark of a guest_modes.S sequence; otherwise fail.
 * @vcpu:  the VCPU.
 * @bits:  16, 32 or 64: which copy of the sequence runs.
 * @start: the sequence's start label.
 * @mark:  the mark's offset from @start.
 */
void vcpu_assert_snippet_rip(struct guest_vcpu *vcpu, int bits, const char *start,
			     uint64_t mark);

/**
 * vcpu_assert_exit() - the last RUN ended with @reason; otherwise fail the
 * case naming both exits (and, for a ucall abort, the guest's report).
 * @vcpu:   the VCPU.
 * @reason: AXVCPU_EXIT_*.
 */
#define vcpu_assert_exit(vcpu, reason)					\
	__vcpu_assert_exit(__FILE__, __LINE__, (vcpu), (reason))
void __vcpu_assert_exit(const char *file, int line, struct guest_vcpu *vcpu,
			uint32_t reason);

/**
 * vcpu_describe_exit() - "IO_WRITE (7) rip 0x1004: port 0x80 width 1 ..."
 * for the last exit.
 * @vcpu: the VCPU.
 * @buf:  out: the text, NUL-terminated.
 * @size: bytes of @buf.
 */
void vcpu_describe_exit(struct guest_vcpu *vcpu, char *buf, size_t size);

/**
 * vcpu_run_exit() - RUN once, require success (0) and exit @reason.
 * @vcpu:   the VCPU.
 * @reason: AXVCPU_EXIT_*.
 */
#define vcpu_run_exit(vcpu, reason) do {				\
	TEST_ASSERT_OK(vcpu_run(vcpu));					\
	__vcpu_assert_exit(__FILE__, __LINE__, (vcpu), (reason));	\
} while (0)

/* ---- guest-side helpers ------------------------------------------------ */

/**
 * struct guest_exc_frame - what the exception entry saved, lowest address
 * first: the pushed GPRs, vector and error code, then the CPU's frame.
 * @r15:        R15 of the interrupted code (restored on return).
 * @r14:        R14 of the interrupted code (restored on return).
 * @r13:        R13 of the interrupted code (restored on return).
 * @r12:        R12 of the interrupted code (restored on return).
 * @r11:        R11 of the interrupted code (restored on return).
 * @r10:        R10 of the interrupted code (restored on return).
 * @r9:         R9 of the interrupted code (restored on return).
 * @r8:         R8 of the interrupted code (restored on return).
 * @rdi:        RDI of the interrupted code (restored on return).
 * @rsi:        RSI of the interrupted code (restored on return).
 * @rbp:        RBP of the interrupted code (restored on return).
 * @rbx:        RBX of the interrupted code (restored on return).
 * @rdx:        RDX of the interrupted code (restored on return).
 * @rcx:        RCX of the interrupted code (restored on return).
 * @rax:        RAX of the interrupted code (restored on return).
 * @vector:     the exception vector.
 * @error_code: the CPU's error code, 0 for vectors without one.
 * @rip:        where the guest resumes; a handler may change it.
 * @cs:         CPU frame: code selector.
 * @rflags:     CPU frame: RFLAGS.
 * @rsp:        CPU frame: stack pointer of the interrupted code.
 * @ss:         CPU frame: stack selector.
 */
struct guest_exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * A guest exception handler: called in the guest with the saved frame,
 * it returns to resume the interrupted code at frame->rip.
 */
typedef void (*guest_exception_handler_t)(struct guest_exc_frame *frame);

/**
 * vm_enable_user_mode() - set the U/S bit in every entry of the
 * framework's page tables (before the guest runs), so that guest code can
 * run at CPL 3 through GUEST_SEL_USER_CODE64/GUEST_SEL_USER_DATA.
 * @vm: the VM, from vm_create().
 */
void vm_enable_user_mode(struct guest_vm *vm);

/**
 * guest_enter_user() - from guest CPL 0, continue at CPL 3 in @fn, which
 * must not return, on the current stack (below the caller's frame), with
 * IOPL 3 so that ucalls (port I/O) still work. Needs vm_enable_user_mode().
 * @fn: the guest function.
 */
__attribute__((noreturn)) void guest_enter_user(guest_code_t fn);

/**
 * vm_install_exception_handler() - in the guest's copy of the binary,
 * route an exception or interrupt vector to a handler (before the guest
 * runs). Every IDT gate is an interrupt gate (RFLAGS.IF clear in the
 * handler); a vector without a handler reports UCALL_EXCEPTION.
 * @vm:      the VM, from vm_create().
 * @vector:  0..255.
 * @handler: guest function.
 */
void vm_install_exception_handler(struct guest_vm *vm, unsigned int vector,
				  guest_exception_handler_t handler);

/** guest_cpuid() - CPUID leaf @leaf, subleaf @sub (guest or host). */
static inline void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			       uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/** guest_outb() - OUT of one byte @v to @port, from guest code. */
static inline void guest_outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

/** guest_outw() - OUT of a 16-bit @v to @port, from guest code. */
static inline void guest_outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

/** guest_outl() - OUT of a 32-bit @v to @port, from guest code. */
static inline void guest_outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

/**
 * guest_vmmcall() - VMMCALL, the hypercall.
 * @nr: hypercall number, in RAX.
 * @a0: first argument, in RDI.
 * @a1: in RSI.
 * @a2: in RDX.
 * @a3: in RCX.
 * @a4: in R8.
 * @a5: in R9.
 *
 * Return: RAX afterwards.
 */
static inline uint64_t guest_vmmcall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
				     uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r8 asm("r8") = a4;
	register uint64_t r9 asm("r9") = a5;
	uint64_t ret;

	asm volatile("vmmcall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "c"(a3), "r"(r8), "r"(r9)
		     : "memory");
	return ret;
}

/** guest_rdmsr() - RDMSR @msr: EDX:EAX. */
static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/** guest_wrmsr() - WRMSR @msr with @v in EDX:EAX. */
static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

/**
 * guest_vcpu_id() - the id of the VCPU running this guest code: the
 * framework gives VCPU id N the TSS selector GUEST_SEL_TSS(N).
 */
static inline uint64_t guest_vcpu_id(void)
{
	uint16_t tr;

	asm volatile("str %0" : "=r"(tr));
	return (tr - GUEST_SEL_TSS(0)) / 16;
}

/** guest_halt() - HLT once. */
static inline void guest_halt(void)
{
	asm volatile("hlt" : : : "memory");
}

/** guest_read_cr4() - CR4 of the guest. */
static inline uint64_t guest_read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/** guest_xgetbv() - XCR @idx (needs CR4.OSXSAVE). */
static inline uint64_t guest_xgetbv(uint32_t idx)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * guest_xcr0 - XCR0 the guest entry wrote (0 without XSAVE). Where the CPU
 * does not intercept XSETBV (QEMU 7.2) the kernel learns it only from the
 * XCR0 it reads back at the next exit; vcpu_fpu.c also copes with one that
 * puts its own value back at the next entry.
 */
extern uint64_t guest_xcr0;

/*
 * The 64-bit entries (guest_entry.c): guest_entry_custom for state loaded
 * with SET_SREGS, guest_entry_long for SETUP's LONG mode. Both pop the
 * guest function and the VCPU id from the stack the host prepared.
 */
extern const char guest_entry_custom[];
extern const char guest_entry_long[];
/*
 * Addresses of the exception stubs of vectors 0-31, for the IDT; the stub
 * of interrupt vector N (32-255) is at guest_irq_stubs + (N - 32) *
 * GUEST_IRQ_STUB_SIZE.
 */
extern const uint64_t guest_exc_stubs[32];
extern const char guest_irq_stubs[];

#endif /* SELFTEST_GUEST_H */
