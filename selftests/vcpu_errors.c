// SPDX-License-Identifier: MIT
/*
 * vcpu_errors: the error paths of CREATE_VCPU, SET_CPUID, SETUP and RUN,
 * each with the errno Documentation/api.rst gives it, and each leaving
 * the VCPU (and the VM) as it was: -EINVAL for bad ids, flags, reserved
 * fields, modes and table sizes, -EEXIST for an id in use, -ENOENT and
 * -EACCES for SETUP page tables outside writable guest RAM, -EFAULT for
 * bad pointers and for guest RAM whose backing memory is gone.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define BARE_RAM	0x100000ULL

static long create_vcpu(struct guest_vm *vm, const struct axvcpu_create_vcpu *c)
{
	return test_ioctl(vm->vm.fd, AXVCPU_CREATE_VCPU, (void *)c);
}

static void create_vcpu_errors(void)
{
	struct guest_vm *vm = vm_create_bare(BARE_RAM);
	uint64_t max = vm_check_cap(vm, AXVCPU_CAP_MAX_VCPUS);
	struct axvcpu_create_vcpu c;
	long fd, fd2;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.id = max;
	TEST_ASSERT_ERRNO(create_vcpu(vm, &c), -EINVAL);
	c.id = UINT32_MAX;
	TEST_ASSERT_ERRNO(create_vcpu(vm, &c), -EINVAL);
	c.id = 0;
	c.flags = 1;
	TEST_ASSERT_ERRNO(create_vcpu(vm, &c), -EINVAL);
	c.flags = 0;
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++) {
		c.reserved[i] = 1ULL << 63;
		TEST_ASSERT_ERRNO(create_vcpu(vm, &c), -EINVAL);
		c.reserved[i] = 0;
	}
	TEST_ASSERT_ERRNO(test_ioctl(vm->vm.fd, AXVCPU_CREATE_VCPU, NULL), -EFAULT);

	/* The highest id works; an id in use does not, until its fd closes. */
	c.id = max - 1;
	fd = TEST_ASSERT_OK(create_vcpu(vm, &c));
	TEST_ASSERT_ERRNO(create_vcpu(vm, &c), -EEXIST);
	c.id = 0;
	fd2 = TEST_ASSERT_OK(create_vcpu(vm, &c));
	TEST_ASSERT_ERRNO(create_vcpu(vm, &c), -EEXIST);
	TEST_ASSERT_EQ(test_ioctl(fd, AXVCPU_GET_STATE, NULL), AXVCPU_STATE_CREATED);
	TEST_ASSERT_SYSCALL(close(fd));
	c.id = max - 1;
	fd = TEST_ASSERT_OK(create_vcpu(vm, &c));
	TEST_ASSERT_SYSCALL(close(fd));
	TEST_ASSERT_SYSCALL(close(fd2));
	vm_free(vm);
}

/* SET_CPUID with @nent entries from @e (NULL: zeros); the ioctl's result. */
static long set_cpuid(struct guest_vcpu *vcpu, uint32_t nent, uint32_t flags,
		      uint64_t reserved, const struct axvcpu_cpuid_entry *e)
{
	size_t n = nent > AXVCPU_CPUID_MAX_ENTRIES + 1 ? 1 : nent;
	struct axvcpu_cpuid *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	long ret;

	TEST_ASSERT(c, "calloc");
	c->nent = nent;
	c->flags = flags;
	c->reserved = reserved;
	if (e)
		memcpy(c->entries, e, n * sizeof(*e));
	ret = test_ioctl(vcpu->h.fd, AXVCPU_SET_CPUID, c);
	free(c);
	return ret;
}

static void set_cpuid_errors(void)
{
	struct guest_vm *vm = vm_create_bare(BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_create(vm, 0);
	struct axvcpu_cpuid_entry e = { .function = 0, .eax = 1 };
	long page = test_page_size();
	struct axvcpu_cpuid *hdr;
	uint8_t *map;

	TEST_ASSERT_ERRNO(set_cpuid(vcpu, AXVCPU_CPUID_MAX_ENTRIES + 1, 0, 0, NULL), -EINVAL);
	TEST_ASSERT_ERRNO(set_cpuid(vcpu, UINT32_MAX, 0, 0, NULL), -EINVAL);
	TEST_ASSERT_ERRNO(set_cpuid(vcpu, 1, 1, 0, &e), -EINVAL);
	TEST_ASSERT_ERRNO(set_cpuid(vcpu, 1, 0, 1, &e), -EINVAL);
	e.flags = 2;
	TEST_ASSERT_ERRNO(set_cpuid(vcpu, 1, 0, 0, &e), -EINVAL);
	e.flags = AXVCPU_CPUID_FLAG_INDEX;
	e.pad = 1;
	TEST_ASSERT_ERRNO(set_cpuid(vcpu, 1, 0, 0, &e), -EINVAL);
	e.pad = 0;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_SET_CPUID, NULL), -EFAULT);

	/* A header whose entries run into an unreadable page. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(map != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(mprotect(map + page, page, PROT_NONE));
	hdr = (struct axvcpu_cpuid *)(map + page - sizeof(*hdr) - sizeof(e));
	memset(hdr, 0, sizeof(*hdr) + sizeof(e));
	hdr->nent = 2;
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_SET_CPUID, hdr), -EFAULT);
	/* One entry fits before the hole: accepted. */
	hdr->nent = 1;
	TEST_ASSERT_OK(test_ioctl(vcpu->h.fd, AXVCPU_SET_CPUID, hdr));
	munmap(map, 2 * page);

	/* Valid tables: full size, and empty (back to host values). */
	{
		struct axvcpu_cpuid_entry *many = calloc(AXVCPU_CPUID_MAX_ENTRIES, sizeof(*many));
		unsigned int i;

		TEST_ASSERT(many, "calloc");
		for (i = 0; i < AXVCPU_CPUID_MAX_ENTRIES; i++)
			many[i].function = i;
		TEST_ASSERT_OK(set_cpuid(vcpu, AXVCPU_CPUID_MAX_ENTRIES, 0, 0, many));
		free(many);
	}
	TEST_ASSERT_OK(set_cpuid(vcpu, 0, 0, 0, NULL));
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_CREATED);
	vm_free(vm);
}

static void setup_errors(void)
{
	struct guest_vm *vm = vm_create_bare(BARE_RAM);
	struct guest_vcpu *vcpu = vm_vcpu_create(vm, 0);
	struct axvcpu_setup s;
	unsigned int i;

#define EXPECT_SETUP(err) do {						\
	TEST_ASSERT_ERRNO(axvcpu_vcpu_setup(&vcpu->h, &s), err);	\
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_CREATED);		\
} while (0)

	memset(&s, 0, sizeof(s));
	EXPECT_SETUP(-EINVAL);			/* mode 0 */
	s.mode = 99;
	EXPECT_SETUP(-EINVAL);
	s.mode = AXVCPU_MODE_REAL;
	s.flags = 1U << 2;		/* the first bit no AXVCPU_OPT_* uses */
	EXPECT_SETUP(-EINVAL);
	s.flags = 0x80000000U;
	EXPECT_SETUP(-EINVAL);
	s.flags = 0;
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++) {
		s.reserved[i] = 1;
		EXPECT_SETUP(-EINVAL);
		s.reserved[i] = 0;
	}
	s.mode = AXVCPU_MODE_CUSTOM;
	s.page_table_gpa = 0x10000;		/* LONG only */
	EXPECT_SETUP(-EINVAL);

	/* LONG: six writable pages of guest RAM for the identity map. */
	s.mode = AXVCPU_MODE_LONG;
	s.entry = 0x1000;
	s.page_table_gpa = 0x10800;		/* not page aligned */
	EXPECT_SETUP(-EINVAL);
	s.page_table_gpa = 0x80000000ULL;	/* no RAM there */
	EXPECT_SETUP(-ENOENT);
	s.page_table_gpa = BARE_RAM - 2 * GUEST_PAGE_SIZE;	/* runs off the end */
	EXPECT_SETUP(-ENOENT);
	vm_add_memory(vm, 1, AXVCPU_MEM_READONLY, 0x40000000ULL, 0x10000);
	s.page_table_gpa = 0x40000000ULL;	/* read-only RAM */
	EXPECT_SETUP(-EACCES);
	TEST_ASSERT_ERRNO(test_ioctl(vcpu->h.fd, AXVCPU_SETUP, NULL), -EFAULT);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_CREATED);

	/* And a good one is taken after all these. */
	s.page_table_gpa = 0x10000;
	TEST_ASSERT_OK(axvcpu_vcpu_setup(&vcpu->h, &s));
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);
#undef EXPECT_SETUP
	vm_free(vm);
}

#define GONE_GPA	0x40000000ULL
#define GONE_SIZE	0x10000ULL

static void guest_touch_gone(void)
{
	GUEST_SYNC(0);
	*(volatile uint64_t *)GONE_GPA = 0x1234;
	GUEST_SYNC(1);
}

/*
 * RUN's errors that leave the VCPU READY: -EFAULT when a region's backing
 * memory is unmapped behind the kernel's back (the guest's access is
 * retried once it is back), -EBADFD in the wrong state.
 */
static void run_errors(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_touch_gone);
	uint64_t *mem = vm_add_memory(vm, 1, 0, GONE_GPA, GONE_SIZE);
	void *again;

	vcpu_expect_sync(vcpu, 0);
	TEST_ASSERT_SYSCALL(munmap(mem, GONE_SIZE));
	TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EFAULT);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EFAULT);

	/* Memory back at the same address: the write goes through. */
	again = mmap(mem, GONE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TEST_ASSERT(again == mem, "mmap: %s", strerror(errno));
	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT_EQ(mem[0], 0x1234);

	TEST_ASSERT_OK(axvcpu_vcpu_unbind(&vcpu->h));
	TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EBADFD);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_FREE);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(create_vcpu_errors),
	TEST_CASE(set_cpuid_errors),
	TEST_CASE(setup_errors),
	TEST_CASE(run_errors),
};

int main(void)
{
	return test_run_all(cases);
}
