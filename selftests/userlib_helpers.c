// SPDX-License-Identifier: MIT
/*
 * userlib_helpers: libaxvcpu-user's helpers on a real VM, without the
 * guest framework (lib/guest.h), the way a VMM uses them.
 *
 *  - axvcpu_vm_create_flags(): an unknown flag is -EINVAL (no fd), 0 and
 *    AXVCPU_VM_IPI_IN_KERNEL create close-on-exec VM fds.
 *  - The guest memory tracker over a VM: regions registered with the
 *    kernel (the slot is taken there), an overlap -EEXIST before any
 *    ioctl, a region the kernel refuses leaves nothing behind,
 *    translation both ways, host writes and reads across two adjacent
 *    regions that a guest reads and writes across the same boundary,
 *    unmap and release giving the slots back to the kernel.
 *  - Each start helper runs guest code in its mode: real mode (16-bit
 *    code, CS from the entry, IF clear), protected mode (32-bit code,
 *    ESP, CR0.PE without PG, IF clear), long mode (a 64-bit immediate in
 *    RAX, RSP, paging on with CR3 the tables' address), and a Multiboot
 *    kernel loaded from an ELF32 file linked at 0xC0100000 for 1 MiB,
 *    started at its translated entry with EAX the magic, EBX the
 *    information block (which it reads), a zeroed bss and IF clear.
 *  - The run loop's pre_run callback (asks for the interrupt window) and
 *    irq_window callback (gets IRQ_WINDOW_OPEN after the guest's STI);
 *    pre_run's non-zero return ends the loop before RUN.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvcpu-user.h"
#include "test_util.h"

#define MIB		(1ULL << 20)
#define PAGE		4096ULL
#define RAM_SIZE	(4 * MIB)
#define CODE_GPA	0x1000ULL
#define STACK_TOP	0x8000ULL
#define PT_GPA		0x20000ULL
#define PORT_REPORT	0x82
#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_RFLAGS_IF	(1ULL << 9)

/* The Multiboot kernel: text linked at 0xC0100000, loaded at 1 MiB; bss above. */
#define MB_VIRT		0xc0100000ULL
#define MB_PHYS		0x100000ULL
#define MB_BSS		0x101000ULL
#define MB_BSS_SIZE	0x1000ULL
#define MB_CMDLINE	"console=ttyS0 userlib"

/*
 * The guest code, assembled for its mode and copied into guest memory as
 * data. Each reports values with an OUT of (E)AX to PORT_REPORT.
 */
asm(
"	.pushsection .rodata.userlib_helpers, \"a\"\n"
"	.code16\n"
"	.globl uh_real_start, uh_real_end\n"
"uh_real_start:\n"
"	mov $0x1234, %ax\n"		/* B8 34 12: only 16-bit code takes two bytes */
"	out %ax, $0x82\n"
"	mov %cs, %ax\n"
"	out %ax, $0x82\n"
"	pushf\n"
"	pop %ax\n"
"	out %ax, $0x82\n"
"	hlt\n"
"uh_real_end:\n"
"	.code32\n"
"	.globl uh_prot_start, uh_prot_end\n"
"uh_prot_start:\n"
"	mov $0x12345678, %eax\n"
"	out %eax, $0x82\n"
"	mov %esp, %eax\n"
"	out %eax, $0x82\n"
"	mov %cr0, %eax\n"
"	out %eax, $0x82\n"
"	pushf\n"
"	pop %eax\n"
"	out %eax, $0x82\n"
"	hlt\n"
"uh_prot_end:\n"
	/* The tracker case: read and write a dword across two regions. */
"	.globl uh_cross_start, uh_cross_end\n"
"uh_cross_start:\n"
"	mov 0xffffe, %eax\n"
"	out %eax, $0x82\n"
"	movl $0xcafebabe, 0xffffe\n"
"	hlt\n"
"uh_cross_end:\n"
	/* The run loop case: STI, then spin with interrupts on. */
"	.globl uh_window_start, uh_window_sti_done, uh_window_end\n"
"uh_window_start:\n"
"	sti\n"
"	nop\n"
"uh_window_sti_done:\n"
"	jmp uh_window_sti_done\n"
"uh_window_end:\n"
	/* The Multiboot kernel's text; it runs at its physical address. */
"	.globl uh_mb_start, uh_mb_end\n"
"uh_mb_start:\n"
"	mov $0x9000, %esp\n"		/* ESP is undefined at entry: its own stack */
"	out %eax, $0x82\n"		/* the magic */
"	mov %ebx, %eax\n"
"	out %eax, $0x82\n"		/* the information block */
"	mov (%ebx), %eax\n"
"	out %eax, $0x82\n"		/* its flags */
"	mov 8(%ebx), %eax\n"
"	out %eax, $0x82\n"		/* mem_upper */
"	mov 16(%ebx), %esi\n"
"	movzbl (%esi), %eax\n"
"	out %eax, $0x82\n"		/* the command line's first byte */
"	mov 0x101800, %eax\n"
"	out %eax, $0x82\n"		/* a bss dword */
"	pushf\n"
"	pop %eax\n"
"	out %eax, $0x82\n"
"	hlt\n"
"uh_mb_end:\n"
"	.code64\n"
"	.globl uh_long_start, uh_long_end\n"
"uh_long_start:\n"
"	movabs $0x1122334455667788, %rax\n"
"	mov %rsp, %rdi\n"
"	pushfq\n"
"	pop %rsi\n"
"	mov %cr0, %rdx\n"
"	mov %cr4, %rcx\n"
"	mov %cr3, %r8\n"
"	vmmcall\n"
"	hlt\n"
"uh_long_end:\n"
"	.popsection\n");

extern const char uh_real_start[], uh_real_end[], uh_prot_start[], uh_prot_end[];
extern const char uh_cross_start[], uh_cross_end[], uh_window_start[], uh_window_sti_done[];
extern const char uh_window_end[], uh_mb_start[], uh_mb_end[], uh_long_start[], uh_long_end[];

/* One VM with RAM at 0 (slot 0 of a tracker) and one VCPU in state CREATED. */
struct uh_vm {
	struct axvcpu_sys sys;
	struct axvcpu_vm_handle vm;
	struct axvcpu_guest_mem mem;
	struct axvcpu_vcpu_handle vcpu;
};

static void uh_open(struct uh_vm *v)
{
	int ret = axvcpu_open(&v->sys, NULL);

	TEST_ASSERT(ret == 0, "axvcpu_open: %s", axvcpu_strerror(ret));
	TEST_ASSERT_OK(axvcpu_vm_create(&v->sys, &v->vm));
	axvcpu_mem_init(&v->mem, &v->vm);
}

static void uh_create(struct uh_vm *v, const void *start, const void *end)
{
	uh_open(v);
	TEST_ASSERT_OK(axvcpu_mem_alloc(&v->mem, 0, RAM_SIZE, 0, NULL));
	if (start)
		TEST_ASSERT_OK(axvcpu_mem_write(&v->mem, CODE_GPA, start,
						(size_t)((const char *)end - (const char *)start)));
	TEST_ASSERT_OK(axvcpu_vcpu_create(&v->vm, 0, &v->vcpu));
}

static void uh_free(struct uh_vm *v)
{
	axvcpu_vcpu_close(&v->vcpu);
	axvcpu_mem_release(&v->mem);
	axvcpu_vm_close(&v->vm);
	axvcpu_close(&v->sys);
}

/* RUN once: the guest reports a @width-byte value with OUT to PORT_REPORT. */
static uint64_t uh_report(struct uh_vm *v, unsigned int width)
{
	struct axvcpu_run *run = v->vcpu.run;

	TEST_ASSERT_OK(axvcpu_vcpu_run(&v->vcpu));
	TEST_ASSERT(run->exit_reason == AXVCPU_EXIT_IO_WRITE, "exit %s at rip 0x%llx",
		    axvcpu_exit_reason_name(run->exit_reason), (unsigned long long)run->rip);
	TEST_ASSERT_EQ(run->io.port, PORT_REPORT);
	TEST_ASSERT_EQ(run->io.width, width);
	return run->io.data;
}

static void uh_expect_halt(struct uh_vm *v)
{
	struct axvcpu_run *run = v->vcpu.run;

	TEST_ASSERT_OK(axvcpu_vcpu_run(&v->vcpu));
	TEST_ASSERT(run->exit_reason == AXVCPU_EXIT_HALT, "exit %s, not HALT",
		    axvcpu_exit_reason_name(run->exit_reason));
}

/* ---- axvcpu_vm_create_flags() ------------------------------------------------ */

static void vm_create_flags(void)
{
	struct axvcpu_vm_handle vm = { .fd = 42 };
	struct axvcpu_sys sys;

	TEST_ASSERT_OK(axvcpu_open(&sys, NULL));
	TEST_ASSERT_ERRNO(axvcpu_vm_create_flags(&sys, 1U << 31, &vm), -EINVAL);
	TEST_ASSERT_EQ(vm.fd, -1);
	TEST_ASSERT_ERRNO(axvcpu_vm_create_flags(&sys, AXVCPU_VM_IPI_IN_KERNEL << 1, &vm),
			  -EINVAL);
	TEST_ASSERT_OK(axvcpu_vm_create_flags(&sys, AXVCPU_VM_IPI_IN_KERNEL, &vm));
	TEST_ASSERT_GE(vm.fd, 0);
	TEST_ASSERT(fd_is_cloexec(vm.fd), "the VM fd is not close-on-exec");
	TEST_ASSERT(vm.sys == &sys, "the handle does not name its system");
	axvcpu_vm_close(&vm);
	TEST_ASSERT_OK(axvcpu_vm_create_flags(&sys, 0, &vm));
	TEST_ASSERT(fd_is_cloexec(vm.fd), "the VM fd is not close-on-exec");
	axvcpu_vm_close(&vm);
	axvcpu_close(&sys);
}

/* ---- the tracker over a VM ------------------------------------------------------ */

static void memory_tracker(void)
{
	uint8_t *lo = NULL, *hi = NULL, *spare;
	uint8_t pattern[16], back[16];
	uint64_t gpa = 0;
	unsigned int i, nr;
	struct uh_vm v;

	uh_open(&v);
	TEST_ASSERT_OK(axvcpu_mem_alloc(&v.mem, 0, MIB, 0, (void **)&lo));
	TEST_ASSERT_OK(axvcpu_mem_alloc(&v.mem, MIB, MIB, 0, (void **)&hi));
	TEST_ASSERT_EQ(v.mem.nr, 2);
	TEST_ASSERT(v.mem.vm == &v.vm, "the tracker does not name its VM");

	/* The kernel has both slots: setting slot 0 or 1 again is refused there. */
	spare = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(spare != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT_ERRNO(axvcpu_vm_set_memory(&v.vm, 0, 0, 0x40000000, PAGE, spare), -EEXIST);
	TEST_ASSERT_ERRNO(axvcpu_vm_set_memory(&v.vm, 1, 0, 0x40000000, PAGE, spare), -EEXIST);

	/* An overlap is the tracker's own -EEXIST; a refusal by the kernel leaves nothing. */
	TEST_ASSERT_ERRNO(axvcpu_mem_alloc(&v.mem, 0x80000, 2 * MIB, 0, NULL), -EEXIST);
	TEST_ASSERT_ERRNO(axvcpu_mem_alloc(&v.mem, 1ULL << 62, PAGE, 0, NULL), -EINVAL);
	TEST_ASSERT_ERRNO(axvcpu_mem_map(&v.mem, 0x40000000, PAGE, 0xff00, spare), -EINVAL);
	TEST_ASSERT_EQ(v.mem.nr, 2);
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 2, 0, 0x40000000, PAGE, spare));
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 2, 0, 0, 0, NULL));

	/* Translation both ways. */
	TEST_ASSERT(axvcpu_mem_gpa_to_hva(&v.mem, 0x1234, 4) == lo + 0x1234, "GPA 0x1234");
	TEST_ASSERT(axvcpu_mem_gpa_to_hva(&v.mem, MIB + 8, 8) == hi + 8, "GPA 1 MiB + 8");
	TEST_ASSERT(axvcpu_mem_gpa_to_hva(&v.mem, MIB - 2, 4) == NULL,
		    "a range across two regions is no single pointer");
	TEST_ASSERT_OK(axvcpu_mem_hva_to_gpa(&v.mem, hi + 0x10, &gpa));
	TEST_ASSERT_EQ(gpa, MIB + 0x10);
	TEST_ASSERT_ERRNO(axvcpu_mem_hva_to_gpa(&v.mem, spare, &gpa), -ENOENT);

	/* The host writes across the boundary; the guest reads the dword there. */
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(0xa0 + i);
	TEST_ASSERT_OK(axvcpu_mem_write(&v.mem, MIB - 8, pattern, sizeof(pattern)));
	TEST_ASSERT(!memcmp(lo + MIB - 8, pattern, 8) && !memcmp(hi, pattern + 8, 8),
		    "the bytes are not in both mappings");
	TEST_ASSERT_OK(axvcpu_mem_write(&v.mem, CODE_GPA, uh_cross_start,
					(size_t)(uh_cross_end - uh_cross_start)));
	TEST_ASSERT_OK(axvcpu_vcpu_create(&v.vm, 0, &v.vcpu));
	TEST_ASSERT_OK(axvcpu_vcpu_start_protected(&v.vcpu, CODE_GPA, STACK_TOP, 0));
	TEST_ASSERT_OK(axvcpu_vcpu_bind(&v.vcpu));
	TEST_ASSERT_EQ(uh_report(&v, 4), 0xa9a8a7a6U);
	/* And writes one back across it, which the host reads across it. */
	uh_expect_halt(&v);
	TEST_ASSERT_OK(axvcpu_mem_read(&v.mem, MIB - 2, back, 4));
	TEST_ASSERT_EQ(back[0] | back[1] << 8 | back[2] << 16 | (uint32_t)back[3] << 24,
		       0xcafebabeU);
	TEST_ASSERT_ERRNO(axvcpu_mem_read(&v.mem, 2 * MIB - 2, back, 4), -EFAULT);

	/* Unmap: the kernel's slot 1 is free again, the addresses are gone. */
	TEST_ASSERT_ERRNO(axvcpu_mem_unmap(&v.mem, MIB + PAGE), -ENOENT);
	TEST_ASSERT_OK(axvcpu_mem_unmap(&v.mem, MIB));
	TEST_ASSERT_EQ(v.mem.nr, 1);
	TEST_ASSERT(axvcpu_mem_gpa_to_hva(&v.mem, MIB, 1) == NULL, "1 MiB is still tracked");
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 1, 0, 0x40000000, PAGE, spare));
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 1, 0, 0, 0, NULL));

	/* The lowest free slot is reused; release gives every slot back. */
	TEST_ASSERT_OK(axvcpu_mem_alloc(&v.mem, 8 * MIB, MIB, AXVCPU_MEM_READONLY, NULL));
	nr = v.mem.nr;
	TEST_ASSERT_EQ(nr, 2);
	TEST_ASSERT_EQ(v.mem.slots[1].slot, 1);
	axvcpu_mem_release(&v.mem);
	TEST_ASSERT_EQ(v.mem.nr, 0);
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 0, 0, 0x40000000, PAGE, spare));
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 1, 0, 0x40001000, PAGE, spare + PAGE));
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 0, 0, 0, 0, NULL));
	TEST_ASSERT_OK(axvcpu_vm_set_memory(&v.vm, 1, 0, 0, 0, NULL));
	munmap(spare, 2 * PAGE);
	uh_free(&v);
}

/* ---- the start helpers --------------------------------------------------------- */

static void start_real(void)
{
	struct axvcpu_sregs sregs;
	struct axvcpu_regs regs;
	struct uh_vm v;

	uh_create(&v, uh_real_start, uh_real_end);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_start_real(&v.vcpu, 0x100000, 0), -EINVAL);
	TEST_ASSERT_OK(axvcpu_vcpu_start_real(&v.vcpu, CODE_GPA, 0));
	TEST_ASSERT_ERRNO(axvcpu_vcpu_start_real(&v.vcpu, CODE_GPA, 0), -EBADFD);
	TEST_ASSERT_OK(axvcpu_vcpu_get_regs(&v.vcpu, &regs));
	TEST_ASSERT_EQ(regs.rip, 0);
	TEST_ASSERT_EQ(regs.rflags, 0x2);
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&v.vcpu, &sregs));
	TEST_ASSERT_EQ(sregs.cs.selector, CODE_GPA >> 4);
	TEST_ASSERT_EQ(sregs.cr0 & X86_CR0_PE, 0);
	TEST_ASSERT_OK(axvcpu_vcpu_bind(&v.vcpu));
	TEST_ASSERT_EQ(uh_report(&v, 2), 0x1234);
	TEST_ASSERT_EQ(uh_report(&v, 2), CODE_GPA >> 4);
	TEST_ASSERT_EQ(uh_report(&v, 2), 0x2);
	uh_expect_halt(&v);
	uh_free(&v);
}

static void start_protected(void)
{
	struct axvcpu_regs regs;
	struct uh_vm v;
	uint64_t cr0;

	uh_create(&v, uh_prot_start, uh_prot_end);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_start_protected(&v.vcpu, 1ULL << 32, STACK_TOP, 0), -EINVAL);
	/* The options reach SETUP: an unknown one is refused there. */
	TEST_ASSERT_ERRNO(axvcpu_vcpu_start_protected(&v.vcpu, CODE_GPA, STACK_TOP, 1U << 31),
			  -EINVAL);
	TEST_ASSERT_EQ(axvcpu_vcpu_state(&v.vcpu), AXVCPU_STATE_CREATED);
	TEST_ASSERT_OK(axvcpu_vcpu_start_protected(&v.vcpu, CODE_GPA, STACK_TOP, 0));
	TEST_ASSERT_OK(axvcpu_vcpu_get_regs(&v.vcpu, &regs));
	TEST_ASSERT_EQ(regs.rip, CODE_GPA);
	TEST_ASSERT_EQ(regs.rsp, STACK_TOP);
	TEST_ASSERT_EQ(regs.rflags, 0x2);
	TEST_ASSERT_OK(axvcpu_vcpu_bind(&v.vcpu));
	TEST_ASSERT_EQ(uh_report(&v, 4), 0x12345678);
	TEST_ASSERT_EQ(uh_report(&v, 4), STACK_TOP);
	cr0 = uh_report(&v, 4);
	TEST_ASSERT_EQ(cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE);
	TEST_ASSERT_EQ(uh_report(&v, 4), 0x2);
	uh_expect_halt(&v);
	uh_free(&v);
}

static void start_long(void)
{
	struct axvcpu_run *run;
	struct uh_vm v;

	uh_create(&v, uh_long_start, uh_long_end);
	TEST_ASSERT_ERRNO(axvcpu_vcpu_start_long(&v.vcpu, CODE_GPA, STACK_TOP, PT_GPA + 8, 0),
			  -EINVAL);
	TEST_ASSERT_OK(axvcpu_vcpu_start_long(&v.vcpu, CODE_GPA, STACK_TOP, PT_GPA, 0));
	TEST_ASSERT_OK(axvcpu_vcpu_bind(&v.vcpu));
	run = v.vcpu.run;
	TEST_ASSERT_OK(axvcpu_vcpu_run(&v.vcpu));
	TEST_ASSERT(run->exit_reason == AXVCPU_EXIT_HYPERCALL, "exit %s",
		    axvcpu_exit_reason_name(run->exit_reason));
	TEST_ASSERT_EQ(run->hypercall.nr, 0x1122334455667788ULL);
	TEST_ASSERT_EQ(run->hypercall.args[0], STACK_TOP);
	TEST_ASSERT_EQ(run->hypercall.args[1], 0x2);
	TEST_ASSERT_EQ(run->hypercall.args[2] & (X86_CR0_PE | X86_CR0_PG),
		       X86_CR0_PE | X86_CR0_PG);
	TEST_ASSERT_EQ(run->hypercall.args[3] & X86_CR4_PAE, X86_CR4_PAE);
	TEST_ASSERT_EQ(run->hypercall.args[4], PT_GPA);
	uh_expect_halt(&v);
	uh_free(&v);
}

/* A Multiboot ELF32 kernel: the text linked at MB_VIRT for MB_PHYS, a bss segment. */
static uint8_t *mb_kernel(size_t *len)
{
	size_t text = (size_t)(uh_mb_end - uh_mb_start), off = 0x100, total = off + text;
	uint8_t *b = calloc(1, total);
	Elf32_Ehdr *e = (Elf32_Ehdr *)b;
	Elf32_Phdr *ph = (Elf32_Phdr *)(b + sizeof(*e));
	uint32_t *mb = (uint32_t *)(b + sizeof(*e) + 2 * sizeof(*ph));

	TEST_ASSERT(b, "out of memory");
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS32;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_386;
	e->e_version = EV_CURRENT;
	e->e_entry = (uint32_t)MB_VIRT;
	e->e_phoff = sizeof(*e);
	e->e_ehsize = sizeof(*e);
	e->e_phentsize = sizeof(*ph);
	e->e_phnum = 2;
	ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = (uint32_t)off,
			      .p_vaddr = (uint32_t)MB_VIRT, .p_paddr = (uint32_t)MB_PHYS,
			      .p_filesz = (uint32_t)text, .p_memsz = (uint32_t)text,
			      .p_flags = PF_R | PF_X, .p_align = 16 };
	ph[1] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = (uint32_t)total,
			      .p_vaddr = (uint32_t)(MB_VIRT + MB_BSS - MB_PHYS),
			      .p_paddr = (uint32_t)MB_BSS, .p_memsz = (uint32_t)MB_BSS_SIZE,
			      .p_flags = PF_R | PF_W, .p_align = 16 };
	/* Magic, flags (page-aligned modules, memory information), checksum. */
	mb[0] = 0x1BADB002U;
	mb[1] = 0x3;
	mb[2] = 0U - mb[0] - mb[1];
	memcpy(b + off, uh_mb_start, text);
	*len = total;
	return b;
}

static void start_multiboot(void)
{
	static const uint8_t module_bytes[] = "module data";
	const struct axvcpu_multiboot_module mod = {
		.data = module_bytes, .size = sizeof(module_bytes), .cmdline = "mod0",
	};
	struct axvcpu_image img;
	struct axvcpu_regs regs;
	uint64_t info = 0;
	struct uh_vm v;
	uint8_t *file;
	size_t len;

	uh_create(&v, NULL, NULL);
	/* Whatever the bss held before, the loader zeroes it. */
	TEST_ASSERT_OK(axvcpu_mem_fill(&v.mem, 0, 0xff, RAM_SIZE));
	file = mb_kernel(&len);
	TEST_ASSERT_EQ(axvcpu_image_probe(file, len), AXVCPU_IMAGE_MULTIBOOT);
	TEST_ASSERT_OK(axvcpu_load_multiboot(&v.mem, file, len, &img));
	free(file);
	TEST_ASSERT_EQ(img.entry, MB_PHYS);
	TEST_ASSERT_EQ(img.high, MB_BSS + MB_BSS_SIZE);
	TEST_ASSERT_OK(axvcpu_multiboot_info(&v.mem, &img, MB_CMDLINE, &mod, 1, &info));
	TEST_ASSERT_GE(info, img.high);

	img.entry = 1ULL << 32;
	TEST_ASSERT_ERRNO(axvcpu_vcpu_start_multiboot(&v.vcpu, &img, info, 0), -EINVAL);
	TEST_ASSERT_EQ(axvcpu_vcpu_state(&v.vcpu), AXVCPU_STATE_CREATED);
	img.entry = MB_PHYS;
	TEST_ASSERT_OK(axvcpu_vcpu_start_multiboot(&v.vcpu, &img, info, 0));
	TEST_ASSERT_OK(axvcpu_vcpu_get_regs(&v.vcpu, &regs));
	TEST_ASSERT_EQ(regs.rax, AXVCPU_MULTIBOOT_BOOTLOADER_MAGIC);
	TEST_ASSERT_EQ(regs.rbx, info);
	TEST_ASSERT_EQ(regs.rip, MB_PHYS);
	TEST_ASSERT_EQ(regs.rflags, 0x2);
	TEST_ASSERT_EQ(regs.rcx | regs.rdx | regs.rsi | regs.rdi | regs.rsp | regs.rbp |
		       regs.r8 | regs.r15, 0);

	TEST_ASSERT_OK(axvcpu_vcpu_bind(&v.vcpu));
	TEST_ASSERT_EQ(uh_report(&v, 4), AXVCPU_MULTIBOOT_BOOTLOADER_MAGIC);
	TEST_ASSERT_EQ(uh_report(&v, 4), info);
	/* mem, cmdline, mods, mmap, boot loader name. */
	TEST_ASSERT_EQ(uh_report(&v, 4), 0x24d);
	TEST_ASSERT_EQ(uh_report(&v, 4), (RAM_SIZE - MIB) / 1024);
	TEST_ASSERT_EQ(uh_report(&v, 4), (uint8_t)MB_CMDLINE[0]);
	TEST_ASSERT_EQ(uh_report(&v, 4), 0);
	TEST_ASSERT_EQ(uh_report(&v, 4) & X86_RFLAGS_IF, 0);
	uh_expect_halt(&v);
	uh_free(&v);
}

/* ---- the run loop's pre_run and irq_window ------------------------------------------ */

struct window_counts {
	int pre_runs, windows, stop_before_run;
	uint64_t rip;
	uint8_t if_flag;
};

static int on_pre_run(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct window_counts *n = opaque;

	n->pre_runs++;
	if (n->stop_before_run)
		return 9;
	h->run->request_interrupt_window = 1;
	return 0;
}

static int on_irq_window(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct window_counts *n = opaque;

	n->windows++;
	n->rip = h->run->rip;
	n->if_flag = h->run->if_flag;
	h->run->request_interrupt_window = 0;
	return 7;
}

static void run_loop_pre_run_irq_window(void)
{
	const struct axvcpu_exit_handlers h = {
		.pre_run = on_pre_run, .irq_window = on_irq_window,
	};
	struct window_counts n = { 0 };
	struct axvcpu_stats st;
	struct uh_vm v;

	uh_create(&v, uh_window_start, uh_window_end);
	TEST_ASSERT_OK(axvcpu_vcpu_start_protected(&v.vcpu, CODE_GPA, STACK_TOP, 0));
	TEST_ASSERT_OK(axvcpu_vcpu_bind(&v.vcpu));
	TEST_ASSERT_EQ(axvcpu_vcpu_run_loop(&v.vcpu, &h, &n, NULL), 7);
	TEST_ASSERT_EQ(n.pre_runs, 1);
	TEST_ASSERT_EQ(n.windows, 1);
	TEST_ASSERT_EQ(n.rip, CODE_GPA + (uint64_t)(uh_window_sti_done - uh_window_start));
	TEST_ASSERT_EQ(n.if_flag, 1);

	/* pre_run's non-zero return ends the loop before another RUN. */
	TEST_ASSERT_OK(axvcpu_vcpu_get_stats(&v.vcpu, &st));
	n.stop_before_run = 1;
	TEST_ASSERT_EQ(axvcpu_vcpu_run_loop(&v.vcpu, &h, &n, NULL), 9);
	TEST_ASSERT_EQ(n.pre_runs, 2);
	{
		uint64_t runs = st.runs;

		TEST_ASSERT_OK(axvcpu_vcpu_get_stats(&v.vcpu, &st));
		TEST_ASSERT_EQ(st.runs, runs);
	}
	uh_free(&v);
}

static const struct test_case cases[] = {
	TEST_CASE(vm_create_flags),
	TEST_CASE(memory_tracker),
	TEST_CASE(start_real),
	TEST_CASE(start_protected),
	TEST_CASE(start_long),
	TEST_CASE(start_multiboot),
	TEST_CASE(run_loop_pre_run_irq_window),
};

int main(void)
{
	return test_run_all(cases);
}
