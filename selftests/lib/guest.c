// SPDX-License-Identifier: MIT
/*
 * The host side of the guest framework: VMs with the test binary loaded
 * at its link address, the 64-bit tables, VCPUs in the SETUP modes, and
 * thin wrappers that fail the case when an ioctl that must work does not.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "guest_modes.h"

extern guest_exception_handler_t guest_exception_handlers[GUEST_NR_VECTORS];

/* ---- memory ------------------------------------------------------------ */

int vm_set_memory(struct guest_vm *vm, uint32_t slot, uint32_t flags,
		  uint64_t gpa, uint64_t size, void *hva)
{
	return axvcpu_vm_set_memory(&vm->vm, slot, flags, gpa, size, hva);
}

void *vm_add_memory(struct guest_vm *vm, uint32_t slot, uint32_t flags,
		    uint64_t gpa, uint64_t size)
{
	void *hva;
	int ret;

	/* NORESERVE: big regions cost only what the guest touches. */
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(hva != MAP_FAILED, "mmap of %" PRIu64 " bytes: %s", size, strerror(errno));
	ret = vm_set_memory(vm, slot, flags, gpa, size, hva);
	TEST_ASSERT(ret == 0, "SET_MEMORY_REGION slot %u gpa 0x%" PRIx64 " size 0x%" PRIx64
		    ": %s", slot, gpa, size, test_errno_name(ret));
	return hva;
}

void *addr_gpa2hva(struct guest_vm *vm, uint64_t gpa)
{
	TEST_ASSERT(gpa < vm->ram_size, "GPA 0x%" PRIx64 " is not in slot 0", gpa);
	return vm->ram + gpa;
}

uint64_t vm_check_cap(struct guest_vm *vm, uint32_t cap)
{
	uint64_t value;

	TEST_ASSERT_OK(axvcpu_check_cap(&vm->sys, cap, &value, NULL));
	return value;
}

/* ---- building a VM ----------------------------------------------------- */

/* The lowest stack of any VCPU: nothing loaded may reach it. */
static uint64_t vm_stacks_bottom(struct guest_vm *vm)
{
	return vm->ram_size - GUEST_MAX_VCPUS * (GUEST_STACK_SIZE + GUEST_EXC_STACK_SIZE);
}

/*
 * Copy every PT_LOAD segment of the running binary into guest RAM at its
 * virtual address. The binary is static and not position independent, so
 * that address is where the host runs it too, and the copy is taken from
 * the host's own memory: .data and .bss as they are now.
 */
static void vm_load_image(struct guest_vm *vm)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long i, n = getauxval(AT_PHNUM);
	uintptr_t self = (uintptr_t)&vm_load_image;
	bool self_found = false;

	TEST_ASSERT(ph && n, "no program headers in the auxiliary vector");
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		TEST_ASSERT(ph[i].p_vaddr >= GUEST_SNIPPET_GPA + GUEST_SNIPPET_MAX &&
			    ph[i].p_vaddr + ph[i].p_memsz <= vm_stacks_bottom(vm),
			    "segment [0x%" PRIx64 ", +0x%" PRIx64 ") does not fit guest RAM",
			    (uint64_t)ph[i].p_vaddr, (uint64_t)ph[i].p_memsz);
		memcpy(vm->ram + ph[i].p_vaddr, (const void *)ph[i].p_vaddr, ph[i].p_memsz);
		if (self >= ph[i].p_vaddr && self < ph[i].p_vaddr + ph[i].p_memsz)
			self_found = true;
	}
	/* A PIE would run elsewhere than it links: guest pointers would lie. */
	TEST_ASSERT(self_found, "the test binary must be static and non-PIE");
}

/* Page tables at GUEST_PT_GPA: PML4, PDPT, four PDs of 2 MiB pages. */
static void vm_build_page_tables(struct guest_vm *vm)
{
	uint64_t *pml4 = addr_gpa2hva(vm, GUEST_PT_GPA);
	uint64_t *pdpt = addr_gpa2hva(vm, GUEST_PT_GPA + 0x1000);
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PT_GPA + 0x2000);
	unsigned int i;

	pml4[0] = (GUEST_PT_GPA + 0x1000) | 0x3;		/* P | RW */
	for (i = 0; i < 4; i++)
		pdpt[i] = (GUEST_PT_GPA + 0x2000 + i * 0x1000) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* P | RW | PS */
}

/* A code or data segment descriptor (flat, 4 KiB granular). */
static uint64_t gdt_segment(uint8_t type, bool l, bool db)
{
	return 0xffffULL |			/* limit 15:0 */
	       ((uint64_t)type << 40) |
	       (1ULL << 44) |			/* S: code/data */
	       (1ULL << 47) |			/* P */
	       (0xfULL << 48) |			/* limit 19:16 */
	       ((uint64_t)l << 53) | ((uint64_t)db << 54) |
	       (1ULL << 55);			/* G */
}

static void vm_build_descriptor_tables(struct guest_vm *vm)
{
	uint64_t *gdt = addr_gpa2hva(vm, GUEST_GDT_GPA);
	uint64_t *idt = addr_gpa2hva(vm, GUEST_IDT_GPA);
	unsigned int i;

	gdt[GUEST_SEL_CODE64 / 8] = gdt_segment(0xb, true, false);
	gdt[GUEST_SEL_DATA / 8] = gdt_segment(0x3, false, true);
	gdt[GUEST_SEL_CODE32 / 8] = gdt_segment(0xb, false, true);
	gdt[GUEST_SEL_USER_DATA / 8] = gdt_segment(0x3, false, true) | (3ULL << 45);
	gdt[GUEST_SEL_USER_CODE64 / 8] = gdt_segment(0xb, true, false) | (3ULL << 45);

	for (i = 0; i < GUEST_MAX_VCPUS; i++) {
		uint64_t base = GUEST_TSS_GPA + i * GUEST_TSS_STRIDE;
		uint64_t exc_top = vm->ram_size - i * (GUEST_STACK_SIZE + GUEST_EXC_STACK_SIZE);
		uint8_t *tss = addr_gpa2hva(vm, base);

		/* 64-bit TSS, available (type 9): ltr marks it busy. */
		gdt[GUEST_SEL_TSS(i) / 8] = 0x67 | ((base & 0xffffff) << 16) |
					    (0x9ULL << 40) | (1ULL << 47) |
					    ((base >> 24) & 0xff) << 56;
		gdt[GUEST_SEL_TSS(i) / 8 + 1] = base >> 32;
		/*
		 * IST1 at offset 0x24, IST2 (the NMI's: the lower half) at
		 * 0x2c; no I/O bitmap (offset past the limit).
		 */
		memcpy(tss + 0x24, &exc_top, 8);
		exc_top -= GUEST_EXC_STACK_SIZE / 2;
		memcpy(tss + 0x2c, &exc_top, 8);
		tss[0x66] = 104;
	}

	for (i = 0; i < GUEST_NR_VECTORS; i++) {
		uint64_t off = i < 32 ? guest_exc_stubs[i] :
			       (uint64_t)(uintptr_t)guest_irq_stubs + (i - 32) * GUEST_IRQ_STUB_SIZE;
		uint64_t ist = i == GUEST_VEC_NMI ? 2 : 1;

		idt[2 * i] = (off & 0xffff) | ((uint64_t)GUEST_SEL_CODE64 << 16) |
			     (ist << 32) |		/* IST1, IST2 for the NMI */
			     (0x8eULL << 40) |		/* P, DPL 0, interrupt gate */
			     ((off >> 16) & 0xffff) << 48;
		idt[2 * i + 1] = off >> 32;
	}
}

struct guest_vm *vm_create_bare(uint64_t ram_size)
{
	struct guest_vm *vm = calloc(1, sizeof(*vm));
	int ret;

	TEST_ASSERT(vm, "out of memory");
	ret = axvcpu_open(&vm->sys, NULL);
	TEST_ASSERT(ret == 0, "open %s: %s", AXVCPU_DEV_PATH, test_errno_name(ret));
	TEST_ASSERT_OK(axvcpu_vm_create(&vm->sys, &vm->vm));
	vm->ram = vm_add_memory(vm, 0, 0, 0, ram_size);
	vm->ram_size = ram_size;
	return vm;
}

struct guest_vm *vm_create(uint64_t ram_size)
{
	struct guest_vm *vm;

	TEST_ASSERT(ram_size >= (16ULL << 20) && !(ram_size & ((2ULL << 20) - 1)) &&
		    ram_size <= GUEST_IDMAP_LIMIT, "bad RAM size 0x%" PRIx64, ram_size);
	vm = vm_create_bare(ram_size);
	vm_load_image(vm);
	vm_build_page_tables(vm);
	vm_build_descriptor_tables(vm);
	vm->image = true;
	return vm;
}

struct guest_vm *vm_create_with_one_vcpu(struct guest_vcpu **vcpu, guest_code_t guest_code)
{
	struct guest_vm *vm = vm_create(GUEST_RAM_SIZE);

	*vcpu = vm_vcpu_add(vm, 0, guest_code);
	vcpu_bind(*vcpu);
	return vm;
}

void vm_close_fd(struct guest_vm *vm)
{
	axvcpu_vm_close(&vm->vm);
	vm->vm.fd = -1;
}

void vm_free(struct guest_vm *vm)
{
	unsigned int i;

	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_close(vm->vcpus[i]);
	if (vm->vm.fd >= 0)
		vm_close_fd(vm);
	axvcpu_close(&vm->sys);
	munmap(vm->ram, vm->ram_size);
	free(vm);
}

void vm_enable_user_mode(struct guest_vm *vm)
{
	uint64_t *pml4 = addr_gpa2hva(vm, GUEST_PT_GPA);
	uint64_t *pdpt = addr_gpa2hva(vm, GUEST_PT_GPA + 0x1000);
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PT_GPA + 0x2000);
	unsigned int i;

	TEST_ASSERT(vm->image, "vm_enable_user_mode() needs vm_create()");
	pml4[0] |= 0x4;
	for (i = 0; i < 4; i++)
		pdpt[i] |= 0x4;
	for (i = 0; i < 4 * 512; i++)
		pd[i] |= 0x4;
}

void vm_install_exception_handler(struct guest_vm *vm, unsigned int vector,
				  guest_exception_handler_t handler)
{
	guest_exception_handler_t *table =
		addr_gpa2hva(vm, (uint64_t)(uintptr_t)guest_exception_handlers);

	TEST_ASSERT(vm->image && vector < GUEST_NR_VECTORS, "vector %u", vector);
	table[vector] = handler;
}

/* ---- VCPUs ------------------------------------------------------------- */

struct guest_vcpu *vm_vcpu_create(struct guest_vm *vm, uint32_t id)
{
	struct guest_vcpu *vcpu;

	TEST_ASSERT(id < GUEST_MAX_VCPUS && !vm->vcpus[id], "VCPU id %u", id);
	vcpu = calloc(1, sizeof(*vcpu));
	TEST_ASSERT(vcpu, "out of memory");
	TEST_ASSERT_OK(axvcpu_vcpu_create(&vm->vm, id, &vcpu->h));
	vcpu->run = vcpu->h.run;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->stack_top = vm->ram_size - id * (GUEST_STACK_SIZE + GUEST_EXC_STACK_SIZE) -
			  GUEST_EXC_STACK_SIZE;
	vm->vcpus[id] = vcpu;
	return vcpu;
}

/*
 * The entries pop the guest function and the VCPU id from the stack;
 * returns the RSP to start with.
 */
static uint64_t vcpu_push_entry_args(struct guest_vcpu *vcpu, guest_code_t guest_code)
{
	uint64_t *slot = addr_gpa2hva(vcpu->vm, vcpu->stack_top - 32);

	slot[0] = (uint64_t)(uintptr_t)guest_code;
	slot[1] = vcpu->id;
	return vcpu->stack_top - 32;
}

static void vcpu_do_setup(struct guest_vcpu *vcpu, uint32_t mode, uint64_t entry,
			  uint64_t stack, uint64_t pt_gpa)
{
	struct axvcpu_setup setup = {
		.entry = entry,
		.mode = mode,
		.page_table_gpa = pt_gpa,
		.stack = stack,
	};
	int ret = axvcpu_vcpu_setup(&vcpu->h, &setup);

	TEST_ASSERT(ret == 0, "SETUP mode %u entry 0x%" PRIx64 ": %s", mode, entry,
		    test_errno_name(ret));
}

static void segment_flat(struct axvcpu_segment *s, uint16_t sel, uint8_t type, bool l, bool db)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

struct guest_vcpu *vm_vcpu_add(struct guest_vm *vm, uint32_t id, guest_code_t guest_code)
{
	struct guest_vcpu *vcpu;
	struct axvcpu_sregs s;
	struct axvcpu_regs r;

	TEST_ASSERT(vm->image, "vm_vcpu_add() needs vm_create()");
	vcpu = vm_vcpu_create(vm, id);

	/* Start from the reset state so fields not set here stay valid. */
	vcpu_sregs_get(vcpu, &s);
	segment_flat(&s.cs, GUEST_SEL_CODE64, 0xb, true, false);
	segment_flat(&s.ds, GUEST_SEL_DATA, 0x3, false, true);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.base = GUEST_TSS_GPA + id * GUEST_TSS_STRIDE;
	s.tr.limit = 0x67;
	s.tr.selector = GUEST_SEL_TSS(id);
	s.tr.type = 0xb;			/* busy 64-bit TSS */
	s.tr.present = 1;
	s.gdt.base = GUEST_GDT_GPA;
	s.gdt.limit = GUEST_GDT_ENTRIES * 8 - 1;
	s.idt.base = GUEST_IDT_GPA;
	s.idt.limit = GUEST_NR_VECTORS * 16 - 1;
	s.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	s.cr2 = 0;
	s.cr3 = GUEST_PT_GPA;
	s.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s.efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA;
	vcpu_sregs_set(vcpu, &s);

	memset(&r, 0, sizeof(r));
	r.rip = (uint64_t)(uintptr_t)guest_entry_custom;
	r.rsp = vcpu_push_entry_args(vcpu, guest_code);
	r.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(vcpu, &r);

	vcpu_do_setup(vcpu, AXVCPU_MODE_CUSTOM, r.rip, r.rsp, 0);
	return vcpu;
}

struct guest_vcpu *vm_vcpu_add_long(struct guest_vm *vm, uint32_t id, guest_code_t guest_code)
{
	struct guest_vcpu *vcpu;

	TEST_ASSERT(vm->image, "vm_vcpu_add_long() needs vm_create()");
	vcpu = vm_vcpu_create(vm, id);
	vcpu_do_setup(vcpu, AXVCPU_MODE_LONG, (uint64_t)(uintptr_t)guest_entry_long,
		      vcpu_push_entry_args(vcpu, guest_code), GUEST_KERNEL_PT_GPA);
	return vcpu;
}

struct guest_vcpu *vm_vcpu_add_snippet(struct guest_vm *vm, uint32_t id, uint32_t mode,
				       const void *start, const void *end)
{
	size_t len = (const uint8_t *)end - (const uint8_t *)start;
	struct guest_vcpu *vcpu;

	/* Leave at least 4 KiB of stack below GUEST_SNIPPET_GPA + GUEST_SNIPPET_MAX. */
	TEST_ASSERT(len <= GUEST_SNIPPET_MAX - 0x1000, "snippet of %zu bytes", len);
	memcpy(addr_gpa2hva(vm, GUEST_SNIPPET_GPA), start, len);
	vcpu = vm_vcpu_create(vm, id);
	vcpu_do_setup(vcpu, mode, GUEST_SNIPPET_GPA, GUEST_SNIPPET_GPA + GUEST_SNIPPET_MAX - 0x10,
		      0);
	return vcpu;
}

void vcpu_bind(struct guest_vcpu *vcpu)
{
	int ret = axvcpu_vcpu_bind(&vcpu->h);

	TEST_ASSERT(ret == 0, "BIND VCPU %u: %s", vcpu->id, test_errno_name(ret));
}

void vcpu_close(struct guest_vcpu *vcpu)
{
	vcpu->vm->vcpus[vcpu->id] = NULL;
	axvcpu_vcpu_close(&vcpu->h);
	free(vcpu);
}

int vcpu_run(struct guest_vcpu *vcpu)
{
	return axvcpu_vcpu_run(&vcpu->h);
}

uint32_t vcpu_state(struct guest_vcpu *vcpu)
{
	return (uint32_t)TEST_ASSERT_OK(axvcpu_vcpu_state(&vcpu->h));
}

void vcpu_regs_get(struct guest_vcpu *vcpu, struct axvcpu_regs *regs)
{
	TEST_ASSERT_OK(axvcpu_vcpu_get_regs(&vcpu->h, regs));
}

void vcpu_regs_set(struct guest_vcpu *vcpu, const struct axvcpu_regs *regs)
{
	TEST_ASSERT_OK(axvcpu_vcpu_set_regs(&vcpu->h, regs));
}

void vcpu_sregs_get(struct guest_vcpu *vcpu, struct axvcpu_sregs *sregs)
{
	TEST_ASSERT_OK(axvcpu_vcpu_get_sregs(&vcpu->h, sregs));
}

void vcpu_sregs_set(struct guest_vcpu *vcpu, const struct axvcpu_sregs *sregs)
{
	TEST_ASSERT_OK(axvcpu_vcpu_set_sregs(&vcpu->h, sregs));
}

void vcpu_stats_get(struct guest_vcpu *vcpu, struct axvcpu_stats *stats)
{
	TEST_ASSERT_OK(axvcpu_vcpu_get_stats(&vcpu->h, stats));
}

/* ---- exits ------------------------------------------------------------- */

void vcpu_describe_exit(struct guest_vcpu *vcpu, char *buf, size_t size)
{
	struct axvcpu_run *run = vcpu->run;
	const char *name = axvcpu_exit_reason_name(run->exit_reason);
	int n;

	/*
	 * No framework guest runs in the upper half: a RIP there is a host
	 * address, i.e. the VMCB came back holding host state.
	 */
	n = snprintf(buf, size, "%s (%u) rip 0x%llx%s", name, run->exit_reason,
		     (unsigned long long)run->rip,
		     run->rip >> 47 ? " (upper half: host state in the guest's registers?)" : "");
	if (n < 0 || (size_t)n >= size)
		return;
	buf += n;
	size -= n;
	switch (run->exit_reason) {
	case AXVCPU_EXIT_IO_READ:
	case AXVCPU_EXIT_IO_WRITE:
		snprintf(buf, size, ": port 0x%x width %u count %u data 0x%llx",
			 run->io.port, run->io.width, run->io.count,
			 (unsigned long long)run->io.data);
		break;
	case AXVCPU_EXIT_HYPERCALL:
		snprintf(buf, size, ": nr 0x%llx args 0x%llx 0x%llx",
			 (unsigned long long)run->hypercall.nr,
			 (unsigned long long)run->hypercall.args[0],
			 (unsigned long long)run->hypercall.args[1]);
		break;
	case AXVCPU_EXIT_SYSREG_READ:
	case AXVCPU_EXIT_SYSREG_WRITE:
		snprintf(buf, size, ": addr 0x%x data 0x%llx", run->sysreg.addr,
			 (unsigned long long)run->sysreg.data);
		break;
	case AXVCPU_EXIT_MMIO_READ:
	case AXVCPU_EXIT_MMIO_WRITE:
		snprintf(buf, size, ": gpa 0x%llx width %u data 0x%llx",
			 (unsigned long long)run->mmio.gpa, run->mmio.width,
			 (unsigned long long)run->mmio.data);
		break;
	case AXVCPU_EXIT_NESTED_PAGE_FAULT:
		snprintf(buf, size, ": gpa 0x%llx access 0x%x error code 0x%llx",
			 (unsigned long long)run->npf.gpa, run->npf.access,
			 (unsigned long long)run->npf.error_code);
		break;
	case AXVCPU_EXIT_SYSTEM_DOWN:
		snprintf(buf, size, ": type %u", run->system_down.type);
		break;
	case AXVCPU_EXIT_FAIL_ENTRY:
		snprintf(buf, size, ": hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_reason);
		break;
	case AXVCPU_EXIT_INTERNAL_ERROR:
		snprintf(buf, size, ": suberror %u code 0x%llx insn_len %u",
			 run->internal.suberror, (unsigned long long)run->internal.code,
			 run->internal.insn_len);
		break;
	}
}

void __vcpu_assert_exit(const char *file, int line, struct guest_vcpu *vcpu, uint32_t reason)
{
	struct ucall uc;
	char desc[256];
	uint64_t cmd;

	if (vcpu->run->exit_reason == reason)
		return;
	/* A guest that failed an assertion should say so, not "wrong exit". */
	cmd = get_ucall(vcpu, &uc);
	if (cmd == UCALL_ABORT || cmd == UCALL_EXCEPTION)
		ucall_check(file, line, &uc, UCALL_NONE);
	vcpu_describe_exit(vcpu, desc, sizeof(desc));
	test_fail_at(file, line, "VCPU %u: exit %s, expected %s", vcpu->id, desc,
		     axvcpu_exit_reason_name(reason));
}

void vcpu_assert_snippet_rip(struct guest_vcpu *vcpu, int bits, const char *start,
			     uint64_t mark)
{
	uint64_t want = snippet_rip(bits, start, mark);
	struct axvcpu_regs regs;

	TEST_ASSERT_EQ(vcpu->run->rip, want);
	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT_EQ(regs.rip, want);
}
