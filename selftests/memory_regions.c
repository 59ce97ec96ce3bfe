// SPDX-License-Identifier: MIT
/*
 * memory_regions: SET_MEMORY_REGION validation; guest and host seeing the
 * same bytes both ways; a read-only region (reads work, a write exits as
 * NESTED_PAGE_FAULT with WRITE access) in real, protected and long mode;
 * a no-exec region; a region deleted while the VCPU is bound; guest
 * memory pinning and locking nothing (VmLck and VmPin stay put), so that
 * RLIMIT_MEMLOCK of 0 without CAP_IPC_LOCK does not stop a guest. What may
 * back a region and coherence with the VMM's mapping: guest_memory.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "guest.h"
#include "guest_modes.h"

#define PAGE		4096ULL
#define SLOT1_GPA	0x40000000ULL	/* 1 GiB: above slot 0, mapped by the guest */

/* ---- validation ----------------------------------------------------------- */

static int set_region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		      void *hva)
{
	struct axvcpu_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return test_ioctl(vm_fd, AXVCPU_SET_MEMORY_REGION, &r);
}

static void validation(void)
{
	struct axvcpu_sys sys;
	struct axvcpu_vm_handle vm;
	struct axvcpu_memory_region raw;
	uint64_t max_slots, gpa_bits;
	uint8_t *mem, *hole, *ro_map;
	int fd;

	TEST_ASSERT_OK(axvcpu_open(&sys, NULL));
	TEST_ASSERT_OK(axvcpu_check_cap(&sys, AXVCPU_CAP_MAX_MEM_REGIONS, &max_slots, NULL));
	TEST_ASSERT_OK(axvcpu_check_cap(&sys, AXVCPU_CAP_GPA_BITS, &gpa_bits, NULL));
	TEST_ASSERT_OK(axvcpu_vm_create(&sys, &vm));
	fd = vm.fd;
	mem = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));

	/* Alignment of each of the three addresses. */
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0x1001, PAGE, mem), -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0, PAGE + 1, mem), -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0, PAGE, mem + 8), -EINVAL);
	/* Slot, flags, reserved. */
	TEST_ASSERT_ERRNO(set_region(fd, max_slots, 0, 0, PAGE, mem), -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0xffffffff, 0, 0, PAGE, mem), -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 1U << 2, 0, PAGE, mem), -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 1U << 31, 0, PAGE, mem), -EINVAL);
	memset(&raw, 0, sizeof(raw));
	raw.size = PAGE;
	raw.userspace_addr = (uint64_t)(uintptr_t)mem;
	raw.reserved[3] = 1;
	TEST_ASSERT_ERRNO(test_ioctl(fd, AXVCPU_SET_MEMORY_REGION, &raw), -EINVAL);
	/* Beyond the guest physical address width, at or across the end. */
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 1ULL << gpa_bits, PAGE, mem), -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, (1ULL << gpa_bits) - PAGE, 2 * PAGE, mem),
			  -EINVAL);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, ~0ULL & ~(PAGE - 1), PAGE, mem), -EINVAL);
	/* The last page below the limit is fine. */
	TEST_ASSERT_OK(set_region(fd, 5, 0, (1ULL << gpa_bits) - PAGE, PAGE, mem));
	TEST_ASSERT_OK(set_region(fd, 5, 0, 0, 0, NULL));

	/* Backing memory that is not there, or not writable. */
	hole = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(hole != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(munmap(hole + PAGE, PAGE));
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0, 4 * PAGE, hole), -EFAULT);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0, PAGE, hole + PAGE), -EFAULT);
	ro_map = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro_map != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0, PAGE, ro_map), -EFAULT);
	TEST_ASSERT_OK(set_region(fd, 0, AXVCPU_MEM_READONLY, 0, PAGE, ro_map));
	TEST_ASSERT_OK(set_region(fd, 0, 0, 0, 0, NULL));

	/* Deleting an empty slot. */
	TEST_ASSERT_ERRNO(set_region(fd, 3, 0, 0, 0, NULL), -EINVAL);

	/* Overlaps: any intersection with another slot, and a busy slot. */
	TEST_ASSERT_OK(set_region(fd, 0, 0, 0x10000, 4 * PAGE, mem));
	TEST_ASSERT_ERRNO(set_region(fd, 1, 0, 0x10000, PAGE, mem + 4 * PAGE), -EEXIST);
	TEST_ASSERT_ERRNO(set_region(fd, 1, 0, 0xf000, 2 * PAGE, mem + 4 * PAGE), -EEXIST);
	TEST_ASSERT_ERRNO(set_region(fd, 1, 0, 0x13000, 2 * PAGE, mem + 4 * PAGE), -EEXIST);
	TEST_ASSERT_ERRNO(set_region(fd, 1, 0, 0x11000, PAGE, mem + 4 * PAGE), -EEXIST);
	TEST_ASSERT_ERRNO(set_region(fd, 1, 0, 0x8000, 16 * PAGE, mem), -EEXIST);
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0x20000, PAGE, mem + 4 * PAGE), -EEXIST);
	/* Touching is not overlapping. */
	TEST_ASSERT_OK(set_region(fd, 1, 0, 0xf000, PAGE, mem + 4 * PAGE));
	TEST_ASSERT_OK(set_region(fd, 2, 0, 0x14000, PAGE, mem + 5 * PAGE));
	/* The same host memory may back two slots. */
	TEST_ASSERT_OK(set_region(fd, 3, 0, 0x100000, 4 * PAGE, mem));

	/* Delete and add again, elsewhere and in place. */
	TEST_ASSERT_OK(set_region(fd, 0, 0, 0, 0, NULL));
	TEST_ASSERT_ERRNO(set_region(fd, 0, 0, 0, 0, NULL), -EINVAL);
	TEST_ASSERT_OK(set_region(fd, 0, 0, 0x10000, 4 * PAGE, mem));
	TEST_ASSERT_OK(set_region(fd, 0, 0, 0, 0, NULL));
	TEST_ASSERT_OK(set_region(fd, 0, AXVCPU_MEM_READONLY | AXVCPU_MEM_NOEXEC, 0x200000,
				  2 * PAGE, mem));

	axvcpu_vm_close(&vm);
	axvcpu_close(&sys);
}

/* ---- coherence ------------------------------------------------------------ */

static void guest_coherence(void)
{
	volatile uint64_t *slot1 = (volatile uint64_t *)SLOT1_GPA;
	uint64_t i, sum = 0;

	/* The host filled 512 words of slot 1 before the first run. */
	for (i = 0; i < 512; i++)
		sum += slot1[i];
	GUEST_SYNC(sum);
	for (i = 0; i < 512; i++)
		slot1[i] = i * 3;
	GUEST_SYNC(0);
	/* The host changed a word since: the guest reads the new value. */
	GUEST_SYNC(slot1[7]);
}

static void coherence_both_ways(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_coherence);
	uint64_t *host = vm_add_memory(vm, 1, 0, SLOT1_GPA, 2ULL << 20);
	uint64_t i, sum = 0;

	for (i = 0; i < 512; i++) {
		host[i] = i * 0x1001 + 5;
		sum += host[i];
	}
	vcpu_expect_sync(vcpu, sum);
	vcpu_expect_sync(vcpu, 0);
	for (i = 0; i < 512; i++)
		TEST_ASSERT_EQ(host[i], i * 3);
	host[7] = 0xc0ffee;
	vcpu_expect_sync(vcpu, 0xc0ffee);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

/* ---- read-only and no-exec -------------------------------------------------- */

#define RO_VALUE	0x600dcafeU

/* Run the "ro" sequence: the read reports RO_VALUE, the write faults. */
static void check_ro_sequence(struct guest_vcpu *vcpu, int bits, const char *start,
			      const uint64_t *marks, uint64_t ro_gpa, const uint32_t *ro)
{
	struct axvcpu_run *run = vcpu->run;
	int i;

	vcpu_run_exit(vcpu, AXVCPU_EXIT_IO_WRITE);
	TEST_ASSERT_EQ(run->io.port, SNIP_PORT_REPORT);
	TEST_ASSERT_EQ(run->io.data, RO_VALUE);
	TEST_ASSERT_EQ(run->rip, snippet_rip(bits, start, marks[RM_READ_REPORT]));
	/* The write exits, and again at every retry; nothing is written. */
	for (i = 0; i < 2; i++) {
		vcpu_run_exit(vcpu, AXVCPU_EXIT_NESTED_PAGE_FAULT);
		TEST_ASSERT_EQ(run->npf.gpa, ro_gpa + SNIP_RO_WRITE_OFF);
		TEST_ASSERT(run->npf.access & AXVCPU_ACCESS_WRITE, "access 0x%x", run->npf.access);
		TEST_ASSERT(!(run->npf.access & AXVCPU_ACCESS_EXEC), "access 0x%x",
			    run->npf.access);
		TEST_ASSERT_EQ(run->rip, snippet_rip(bits, start, marks[RM_WRITE]));
		TEST_ASSERT_EQ(ro[SNIP_RO_WRITE_OFF / 4], 0);
	}
}

/* A read-only region backed by a PROT_READ mapping holding RO_VALUE. */
static const uint32_t *add_ro_region(struct guest_vm *vm, uint64_t gpa)
{
	uint32_t *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	mem[SNIP_RO_READ_OFF / 4] = RO_VALUE;
	TEST_ASSERT_SYSCALL(mprotect(mem, 0x10000, PROT_READ));
	TEST_ASSERT_OK(vm_set_memory(vm, 1, AXVCPU_MEM_READONLY, gpa, 0x10000, mem));
	return mem;
}

static void readonly_snippet(uint32_t mode, int bits, const char *start, const char *end,
			     const uint64_t *marks)
{
	struct guest_vm *vm = vm_create_bare(SNIP_BARE_RAM);
	const uint32_t *ro = add_ro_region(vm, SNIP_RO_GPA);
	struct guest_vcpu *vcpu = vm_vcpu_add_snippet(vm, 0, mode, start, end);

	vcpu_bind(vcpu);
	check_ro_sequence(vcpu, bits, start, marks, SNIP_RO_GPA, ro);
	vm_free(vm);
}

static void readonly_real_mode(void)
{
	readonly_snippet(AXVCPU_MODE_REAL, 16, ro16_start, ro16_end, ro16_marks);
}

static void readonly_protected_mode(void)
{
	readonly_snippet(AXVCPU_MODE_PROTECTED, 32, ro32_start, ro32_end, ro32_marks);
}

static void guest_ro64(void)
{
	((void (*)(void))ro64_start)();
}

static void readonly_long_mode(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_ro64);
	const uint32_t *ro = add_ro_region(vm, SNIP_RO_GPA64);

	check_ro_sequence(vcpu, 64, ro64_start, ro64_marks, SNIP_RO_GPA64, ro);
	vm_free(vm);
}

#define NOEXEC_GPA	0x50000000ULL

static void guest_call_noexec(void)
{
	GUEST_SYNC(*(volatile uint8_t *)NOEXEC_GPA);
	((void (*)(void))NOEXEC_GPA)();
	GUEST_SYNC(1);
}

static void noexec_region(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_call_noexec);
	uint8_t *code = vm_add_memory(vm, 1, AXVCPU_MEM_NOEXEC, NOEXEC_GPA, PAGE);
	struct axvcpu_run *run = vcpu->run;

	code[0] = 0xc3;		/* RET */
	vcpu_expect_sync(vcpu, 0xc3);	/* readable */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_NESTED_PAGE_FAULT);
	TEST_ASSERT_EQ(run->npf.gpa, NOEXEC_GPA);
	TEST_ASSERT(run->npf.access & AXVCPU_ACCESS_EXEC, "access 0x%x", run->npf.access);
	TEST_ASSERT(!(run->npf.access & AXVCPU_ACCESS_WRITE), "access 0x%x", run->npf.access);
	TEST_ASSERT_EQ(run->rip, NOEXEC_GPA);

	/* The same page made executable: the call returns. */
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, 0, 0, NULL));
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, NOEXEC_GPA, PAGE, code));
	vcpu_expect_sync(vcpu, 1);
	vm_free(vm);
}

/* ---- deletion while bound ------------------------------------------------------ */

static void guest_read_slot1(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(SLOT1_GPA + 0x3000);

	for (;;)
		GUEST_SYNC(*p);
}

static void delete_while_bound(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_read_slot1);
	uint64_t *a = vm_add_memory(vm, 1, 0, SLOT1_GPA, 0x10000);
	uint64_t *b = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(b != MAP_FAILED, "mmap: %s", strerror(errno));
	a[0x3000 / 8] = 0xaaaa;
	b[0x3000 / 8] = 0xbbbb;
	vcpu_expect_sync(vcpu, 0xaaaa);
	vcpu_expect_sync(vcpu, 0xaaaa);

	/* Deleted: the next read finds no RAM there, an MMIO read. */
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, 0, 0, NULL));
	vcpu_run_exit(vcpu, AXVCPU_EXIT_MMIO_READ);
	TEST_ASSERT_EQ(vcpu->run->mmio.gpa, SLOT1_GPA + 0x3000);
	axvcpu_complete_mmio_read(&vcpu->h, 0xdead);
	vcpu_expect_sync(vcpu, 0xdead);

	/* Other memory in the same place: the next read sees it. */
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, 0x10000, b));
	vcpu_expect_sync(vcpu, 0xbbbb);
	vm_free(vm);
}

/* ---- pinning and RLIMIT_MEMLOCK ---------------------------------------------- */

#define BIG_GPA		(1ULL << 30)
#define BIG_SIZE	(1ULL << 30)
#define BIG_STRIDE	(64ULL << 20)

/*
 * Phase 0 touches one page of the big region, phase 1 sixteen others.
 * Both run the very same code on the same stack, through the same guest
 * page-table pages (one page directory covers the region), so whatever
 * else the guest pins is pinned by the end of phase 0: the difference
 * between the phases is exactly the sixteen pages.
 */
static const struct {
	uint64_t first;
	uint64_t n;
} phases[2] = { { 0, 1 }, { PAGE, 16 } };

static void guest_touch_phases(void)
{
	volatile uint8_t *big = (volatile uint8_t *)BIG_GPA;
	uint64_t p, i;

	for (p = 0; p < 2; p++) {
		for (i = 0; i < phases[p].n; i++)
			big[phases[p].first + i * BIG_STRIDE] = (uint8_t)(p + 1);
		GUEST_SYNC(p);
	}
}

/* A line of /proc/self/status, in kB. */
static uint64_t status_kb(const char *key)
{
	char line[256], name[64];
	uint64_t kb = 0, v;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "r");

	TEST_ASSERT(f, "/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %" SCNu64, name, &v) == 2 && !strcmp(name, key)) {
			kb = v;
			found = true;
		}
	fclose(f);
	TEST_ASSERT(found, "no %s in /proc/self/status", key);
	return kb;
}

/*
 * Guest memory is looked up, mapped and let go on each nested fault (the
 * MMU notifier keeps the mapping honest): nothing is pinned or locked, so
 * neither VmLck nor VmPin moves, however much the guest touches.
 */
static void touch_pins_nothing(void)
{
	uint64_t lck = status_kb("VmLck"), pin = status_kb("VmPin");
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_touch_phases);
	uint8_t *big = vm_add_memory(vm, 1, 0, BIG_GPA, BIG_SIZE);
	uint64_t i;

	vcpu_expect_sync(vcpu, 0);
	vcpu_expect_sync(vcpu, 1);
	for (i = 0; i < 16; i++)
		TEST_ASSERT_EQ(big[PAGE + i * BIG_STRIDE], 2);
	TEST_ASSERT_EQ(big[0], 1);
	TEST_ASSERT_EQ(status_kb("VmLck"), lck);
	TEST_ASSERT_EQ(status_kb("VmPin"), pin);
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, 0, 0, NULL));
	vm_free(vm);
	TEST_ASSERT_EQ(status_kb("VmLck"), lck);
	TEST_ASSERT_EQ(status_kb("VmPin"), pin);
}

/* Drop CAP_IPC_LOCK (effective and permitted): RLIMIT_MEMLOCK applies. */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	TEST_ASSERT_SYSCALL(syscall(SYS_capget, &hdr, data));
	data[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1U << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].inheritable &= ~(1U << (CAP_IPC_LOCK % 32));
	TEST_ASSERT_SYSCALL(syscall(SYS_capset, &hdr, data));
}

/*
 * Nothing is locked, so RLIMIT_MEMLOCK does not bound guest memory (the
 * memory cgroup does, as for any of the process's memory): with no
 * CAP_IPC_LOCK and a limit of 0 the guest still touches all it wants.
 */
static void memlock_limit_irrelevant(void)
{
	struct rlimit zero = { 0, 0 };
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;

	drop_ipc_lock();
	TEST_ASSERT_SYSCALL(setrlimit(RLIMIT_MEMLOCK, &zero));
	vm = vm_create_with_one_vcpu(&vcpu, guest_touch_phases);
	vm_add_memory(vm, 1, 0, BIG_GPA, BIG_SIZE);
	vcpu_expect_sync(vcpu, 0);
	vcpu_expect_sync(vcpu, 1);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(validation),
	TEST_CASE(coherence_both_ways),
	TEST_CASE(readonly_real_mode),
	TEST_CASE(readonly_protected_mode),
	TEST_CASE(readonly_long_mode),
	TEST_CASE(noexec_region),
	TEST_CASE(delete_while_bound),
	TEST_CASE(touch_pins_nothing),
	TEST_CASE(memlock_limit_irrelevant),
};

int main(void)
{
	return test_run_all(cases);
}
