// SPDX-License-Identifier: MIT
/*
 * guest_memory: what may back guest memory, and guest memory following
 * the VMM's mapping (the MMU notifier).
 *
 * Backing: private and shared anonymous memory, tmpfs files and memfds
 * (shmem) and hugetlbfs are accepted, and the guest and the VMM see the
 * same bytes through each; a page-cache file mapping (a ramfs file, the
 * non-shmem file system the test kernel has built in: loop and ext4 are
 * modules the initramfs does not carry) and a mapping of a VCPU fd are
 * refused with EOPNOTSUPP when the region is set, and when one is mapped
 * over a region later the guest's next touch fails RUN with EOPNOTSUPP.
 *
 * Coherence: after MADV_DONTNEED, MAP_FIXED, mremap or munmap over a live
 * region the guest sees the VMM's new memory, or its RUN fails cleanly
 * with EFAULT (VCPU still READY) where nothing is mapped; with two VCPUs
 * spinning on two CPUs both see a DONTNEED and a region deletion.
 *
 * Accounting: nothing is pinned or locked (VmLck, VmPin); guest memory
 * and per-VCPU kernel memory are charged to the memory cgroup; when the
 * owner exits while another process still holds the VM fd, its cgroup's
 * memory.current drops back (nothing stays pinned or charged).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
#include "guest_modes.h"

#define PAGE		4096ULL
#define SLOT1_GPA	0x40000000ULL
#define SLOT1_SIZE	(2ULL << 20)
#define RAMFS_DIR	"/tmp/axvcpu-ramfs"
#define CG_ROOT		"/sys/fs/cgroup"

/* Reports p[0] whenever asked to run, after writing p[0] + 1 to p[1]. */
static void guest_rw_loop(void)
{
	volatile uint64_t *p = (volatile uint64_t *)SLOT1_GPA;

	for (;;) {
		uint64_t v = p[0];

		p[1] = v + 1;
		GUEST_SYNC(v);
	}
}

/* One round of guest_rw_loop: the guest reads @v and writes @v + 1. */
static void expect_round(struct guest_vcpu *vcpu, volatile uint64_t *host, uint64_t v)
{
	host[0] = v;
	vcpu_expect_sync(vcpu, v);
	TEST_ASSERT_EQ(host[1], v + 1);
}

static void *map_anon(uint64_t size, int flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void *map_fd(void *addr, uint64_t size, int flags, int fd)
{
	void *p = mmap(addr, size, PROT_READ | PROT_WRITE, flags, fd, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/* A file of @size bytes on a freshly mounted ramfs (page cache, not shmem). */
static int ramfs_file(uint64_t size)
{
	int fd;

	mkdir(RAMFS_DIR, 0700);
	if (mount("none", RAMFS_DIR, "ramfs", 0, NULL) && errno != EBUSY)
		test_skip("mount ramfs: %s", strerror(errno));
	fd = open(RAMFS_DIR "/guest", O_RDWR | O_CREAT | O_TRUNC, 0600);
	TEST_ASSERT(fd >= 0, "open: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(ftruncate(fd, size));
	return fd;
}

static void ramfs_done(int fd)
{
	close(fd);
	unlink(RAMFS_DIR "/guest");
	umount(RAMFS_DIR);
}

/* ---- backing -------------------------------------------------------------- */

static void check_backing(struct guest_vm *vm, struct guest_vcpu *vcpu, const char *what,
			  void *mem, uint64_t size, uint64_t v)
{
	test_note("%s", what);
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, size, mem));
	expect_round(vcpu, mem, v);
	expect_round(vcpu, mem, v + 10);
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, 0, 0, NULL));
}

static void backing_accepted(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	char path[] = "/tmp/axvcpu-shmem-XXXXXX";
	void *mem;
	int fd;

	check_backing(vm, vcpu, "private anonymous", map_anon(SLOT1_SIZE, MAP_PRIVATE),
		      SLOT1_SIZE, 100);
	check_backing(vm, vcpu, "shared anonymous (shmem)", map_anon(SLOT1_SIZE, MAP_SHARED),
		      SLOT1_SIZE, 200);

	fd = memfd_create("axvcpu-guest", 0);
	TEST_ASSERT(fd >= 0, "memfd_create: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(ftruncate(fd, SLOT1_SIZE));
	mem = map_fd(NULL, SLOT1_SIZE, MAP_SHARED, fd);
	check_backing(vm, vcpu, "memfd, shared", mem, SLOT1_SIZE, 300);
	check_backing(vm, vcpu, "memfd, private", map_fd(NULL, SLOT1_SIZE, MAP_PRIVATE, fd),
		      SLOT1_SIZE, 400);
	/* The shared mapping still holds what the guest wrote through it. */
	TEST_ASSERT_EQ(((uint64_t *)mem)[1], 311);
	close(fd);

	fd = mkstemp(path);
	TEST_ASSERT(fd >= 0, "mkstemp: %s", strerror(errno));
	TEST_ASSERT_SYSCALL(ftruncate(fd, SLOT1_SIZE));
	check_backing(vm, vcpu, "tmpfs file, shared", map_fd(NULL, SLOT1_SIZE, MAP_SHARED, fd),
		      SLOT1_SIZE, 500);
	close(fd);
	unlink(path);
	vm_free(vm);
}

static void backing_hugetlbfs(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	void *mem;
	int fd;

	/* Two 2 MiB pages are enough; the guest has memory to spare. */
	write_text_file("/proc/sys/vm/nr_hugepages", "4");
	mem = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED)
		test_skip("no 2 MiB huge page available: %s", strerror(errno));
	vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	check_backing(vm, vcpu, "MAP_HUGETLB anonymous", mem, SLOT1_SIZE, 600);

	fd = memfd_create("axvcpu-huge", MFD_HUGETLB);
	TEST_ASSERT(fd >= 0, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
	TEST_ASSERT_SYSCALL(ftruncate(fd, SLOT1_SIZE));
	check_backing(vm, vcpu, "hugetlbfs memfd, shared",
		      map_fd(NULL, SLOT1_SIZE, MAP_SHARED, fd), SLOT1_SIZE, 700);
	close(fd);
	vm_free(vm);
}

static void backing_refused(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	struct guest_vcpu *other;
	int fd = ramfs_file(SLOT1_SIZE);
	void *run_map;

	TEST_ASSERT_ERRNO(vm_set_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE,
					map_fd(NULL, SLOT1_SIZE, MAP_SHARED, fd)), -EOPNOTSUPP);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 1, AXVCPU_MEM_READONLY, SLOT1_GPA, SLOT1_SIZE,
					map_fd(NULL, SLOT1_SIZE, MAP_SHARED, fd)), -EOPNOTSUPP);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE,
					map_fd(NULL, SLOT1_SIZE, MAP_PRIVATE, fd)), -EOPNOTSUPP);
	ramfs_done(fd);

	/* A VCPU fd's run pages, of this VM's other VCPU. */
	other = vm_vcpu_create(vm, 1);
	run_map = map_fd(NULL, 2 * PAGE, MAP_SHARED, other->h.fd);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 1, 0, SLOT1_GPA, 2 * PAGE, run_map), -EOPNOTSUPP);
	TEST_ASSERT_ERRNO(vm_set_memory(vm, 1, AXVCPU_MEM_READONLY, SLOT1_GPA, 2 * PAGE,
					run_map), -EOPNOTSUPP);
	munmap(run_map, 2 * PAGE);

	/* Nothing was set: slot 1 is free and the guest finds no RAM there. */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_MMIO_READ);
	TEST_ASSERT_EQ(vcpu->run->mmio.gpa, SLOT1_GPA);
	vm_free(vm);
}

/* Set on anonymous memory, then a ramfs file mapped over it: refused at the fault. */
static void backing_checked_at_fault(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	uint64_t *host = vm_add_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE);
	int fd = ramfs_file(SLOT1_SIZE), i;

	expect_round(vcpu, host, 1);
	map_fd(host, SLOT1_SIZE, MAP_SHARED | MAP_FIXED, fd);
	host[0] = 2;
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EOPNOTSUPP);
		TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	}
	TEST_ASSERT_EQ(host[1], 0);
	ramfs_done(fd);

	/* Anonymous memory again: the guest goes on. */
	map_fd(host, SLOT1_SIZE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1);
	expect_round(vcpu, host, 3);
	vm_free(vm);
}

/* ---- coherence with the VMM's mapping --------------------------------------- */

static void dontneed_coherent(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	uint64_t *host = vm_add_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE);

	/* The guest writes X (p[1] = 0x11 + 1) and reads it back. */
	expect_round(vcpu, host, 0x11);
	TEST_ASSERT_SYSCALL(madvise(host, SLOT1_SIZE, MADV_DONTNEED));
	TEST_ASSERT_EQ(host[1], 0);
	/* The VMM writes Y into the fresh page: the guest reads Y. */
	expect_round(vcpu, host, 0x22);
	vm_free(vm);
}

static void map_fixed_and_mremap(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	uint64_t *host = vm_add_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE);
	void *spare = map_anon(SLOT1_SIZE, MAP_PRIVATE), *moved;

	expect_round(vcpu, host, 7);
	/* New shared memory over the region: the guest sees it. */
	map_fd(host, SLOT1_SIZE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1);
	expect_round(vcpu, host, 8);

	/* Moved away: nothing is left at the region's address. */
	moved = mremap(host, SLOT1_SIZE, SLOT1_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, spare);
	TEST_ASSERT(moved == spare, "mremap: %s", strerror(errno));
	TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EFAULT);
	TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	/* And back: the same pages, with what the guest wrote. */
	moved = mremap(spare, SLOT1_SIZE, SLOT1_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, host);
	TEST_ASSERT(moved == host, "mremap: %s", strerror(errno));
	TEST_ASSERT_EQ(host[1], 9);
	expect_round(vcpu, host, 10);
	vm_free(vm);
}

static void munmap_live_region(void)
{
	struct guest_vcpu *vcpu;
	struct guest_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_rw_loop);
	uint64_t *host = vm_add_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE);
	int i;

	expect_round(vcpu, host, 5);
	TEST_ASSERT_SYSCALL(munmap(host, SLOT1_SIZE));
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_ERRNO(vcpu_run(vcpu), -EFAULT);
		TEST_ASSERT_EQ(vcpu_state(vcpu), AXVCPU_STATE_READY);
	}
	map_fd(host, SLOT1_SIZE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1);
	expect_round(vcpu, host, 6);
	vm_free(vm);
}

/* ---- two VCPUs on two CPUs -------------------------------------------------- */

/* Spins on p[0] without exits, reporting each new non-zero value. */
static void guest_spin_read(void)
{
	volatile uint64_t *p = (volatile uint64_t *)SLOT1_GPA;
	uint64_t last = 0, v;

	for (;;) {
		v = p[0];
		if (v && v != last) {
			last = v;
			GUEST_SYNC(v);
		}
	}
}

struct spinner {
	struct guest_vcpu *vcpu;
	int cpu;
	pthread_barrier_t *barrier;
};

static void move_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

static void *spinner_fn(void *arg)
{
	struct spinner *s = arg;
	struct guest_vcpu *vcpu = s->vcpu;

	move_to_cpu(s->cpu);
	vcpu_bind(vcpu);
	vcpu_expect_sync(vcpu, 1);
	pthread_barrier_wait(s->barrier);	/* A: both saw 1 */
	vcpu_expect_sync(vcpu, 2);
	pthread_barrier_wait(s->barrier);	/* B: both saw 2 after DONTNEED */
	/* No RAM after the deletion: an MMIO read, answered with 0 (no sync). */
	vcpu_run_exit(vcpu, AXVCPU_EXIT_MMIO_READ);
	TEST_ASSERT_EQ(vcpu->run->mmio.gpa, SLOT1_GPA);
	axvcpu_complete_mmio_read(&vcpu->h, 0);
	pthread_barrier_wait(s->barrier);	/* C: both left on the deletion */
	pthread_barrier_wait(s->barrier);	/* D: new memory in place */
	vcpu_expect_sync(vcpu, 3);
	return NULL;
}

static void zap_two_cpus(void)
{
	struct guest_vm *vm;
	struct spinner s[2];
	pthread_barrier_t barrier;
	pthread_t t[2];
	uint64_t *host, *other;
	int cpus[2], i;

	if (online_cpus(cpus, 2) < 2)
		test_skip("needs two online CPUs");
	vm = vm_create(GUEST_RAM_SIZE);
	host = vm_add_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE);
	other = map_anon(SLOT1_SIZE, MAP_PRIVATE);
	host[0] = 1;
	other[0] = 3;
	TEST_ASSERT_EQ(pthread_barrier_init(&barrier, NULL, 3), 0);
	for (i = 0; i < 2; i++) {
		s[i] = (struct spinner){ .vcpu = vm_vcpu_add(vm, i, guest_spin_read),
					 .cpu = cpus[i], .barrier = &barrier };
		TEST_ASSERT_EQ(pthread_create(&t[i], NULL, spinner_fn, &s[i]), 0);
	}

	pthread_barrier_wait(&barrier);		/* A */
	usleep(200 * 1000);			/* both spin in the guest */
	TEST_ASSERT_SYSCALL(madvise(host, SLOT1_SIZE, MADV_DONTNEED));
	host[0] = 2;
	pthread_barrier_wait(&barrier);		/* B */
	usleep(200 * 1000);
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, 0, 0, NULL));
	pthread_barrier_wait(&barrier);		/* C */
	TEST_ASSERT_OK(vm_set_memory(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE, other));
	pthread_barrier_wait(&barrier);		/* D */
	for (i = 0; i < 2; i++)
		TEST_ASSERT_EQ(pthread_join(t[i], NULL), 0);
	vm_free(vm);
}

/* ---- accounting ----------------------------------------------------------- */

static uint64_t status_kb(const char *key)
{
	char line[256], name[64];
	uint64_t kb = 0, v;
	FILE *f = fopen("/proc/self/status", "r");

	TEST_ASSERT(f, "/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %" SCNu64, name, &v) == 2 && !strcmp(name, key))
			kb = v;
	fclose(f);
	return kb;
}

/* A child cgroup of a cgroup2 hierarchy with the memory controller. */
static void cg_make(const char *name, char *path, size_t size)
{
	char buf[512];

	if (read_text_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) < 0) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			test_skip("mount cgroup2: %s", strerror(errno));
		TEST_ASSERT(read_text_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) >= 0,
			    "no cgroup.controllers");
	}
	if (!strstr(buf, "memory"))
		test_skip("no memory controller in cgroup2");
	TEST_ASSERT(write_text_file(CG_ROOT "/cgroup.subtree_control", "+memory") >= 0,
		    "enable memory: %s", strerror(errno));
	snprintf(path, size, CG_ROOT "/%s", name);
	rmdir(path);
	TEST_ASSERT(!mkdir(path, 0755), "mkdir %s: %s", path, strerror(errno));
}

static void cg_enter(const char *cg, pid_t pid)
{
	char file[256], buf[32];

	snprintf(file, sizeof(file), "%s/cgroup.procs", cg);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	TEST_ASSERT(write_text_file(file, buf) >= 0, "%s: %s", file, strerror(errno));
}

static uint64_t cg_read(const char *cg, const char *file, const char *key)
{
	char path[256], buf[8192], *p;
	unsigned long long v;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	TEST_ASSERT(read_text_file(path, buf, sizeof(buf)) >= 0, "%s: %s", path, strerror(errno));
	if (!key)
		return strtoull(buf, NULL, 10);
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t n = strlen(key);

		if (!strncmp(p, key, n) && p[n] == ' ' && sscanf(p + n, "%llu", &v) == 1)
			return v;
	}
	test_fail_at(__FILE__, __LINE__, "no %s in %s", key, path);
}

#define TOUCH_SIZE	(32ULL << 20)

static void guest_touch_all(void)
{
	volatile uint8_t *p = (volatile uint8_t *)SLOT1_GPA;
	uint64_t i;

	for (i = 0; i < TOUCH_SIZE; i += PAGE)
		p[i] = 1;
	GUEST_SYNC(0);
}

/* Slack for the per-CPU charge caches of two CPUs (64 pages each). */
#define CG_SLACK	(1ULL << 20)

static void nothing_pinned_memcg_charged(void)
{
	uint64_t lck0 = status_kb("VmLck"), pin0 = status_kb("VmPin"), c0, c1, a0, a1;
	char cg[256];
	struct guest_vcpu *vcpu;
	struct guest_vm *vm;
	uint8_t *host;
	uint64_t i;

	cg_make("axvcpu-charge", cg, sizeof(cg));
	cg_enter(cg, getpid());
	vm = vm_create_with_one_vcpu(&vcpu, guest_touch_all);
	host = vm_add_memory(vm, 1, 0, SLOT1_GPA, TOUCH_SIZE);

	c0 = cg_read(cg, "memory.current", NULL);
	a0 = cg_read(cg, "memory.stat", "anon");
	vcpu_expect_sync(vcpu, 0);
	c1 = cg_read(cg, "memory.current", NULL);
	a1 = cg_read(cg, "memory.stat", "anon");
	test_note("guest touched %llu MiB: memory.current +%" PRIu64 " KiB, anon +%" PRIu64
		  " KiB", TOUCH_SIZE >> 20, (c1 - c0) >> 10, (a1 - a0) >> 10);
	TEST_ASSERT_GE(c1 - c0 + CG_SLACK, TOUCH_SIZE);
	for (i = 0; i < TOUCH_SIZE; i += PAGE)
		TEST_ASSERT_EQ(host[i], 1);
	/* Nothing pinned or locked for it. */
	TEST_ASSERT_EQ(status_kb("VmLck"), lck0);
	TEST_ASSERT_EQ(status_kb("VmPin"), pin0);

	/* The guest memory is the process's: giving it back uncharges it. */
	TEST_ASSERT_SYSCALL(madvise(host, TOUCH_SIZE, MADV_DONTNEED));
	TEST_ASSERT_LE(cg_read(cg, "memory.current", NULL), c1 - TOUCH_SIZE + CG_SLACK);
	vm_free(vm);
	cg_enter(CG_ROOT, getpid());
	rmdir(cg);
}

#define NR_CHARGE_VMS	16

static void vcpu_kernel_memory_charged(void)
{
	struct guest_vm *vms[NR_CHARGE_VMS];
	uint64_t c0, c1, c2, max_vcpus, n;
	char cg[256];
	int v, id;

	cg_make("axvcpu-kmem", cg, sizeof(cg));
	cg_enter(cg, getpid());
	for (v = 0; v < NR_CHARGE_VMS; v++)
		vms[v] = vm_create_bare(SNIP_BARE_RAM);
	max_vcpus = vm_check_cap(vms[0], AXVCPU_CAP_MAX_VCPUS);
	if (max_vcpus > GUEST_MAX_VCPUS)
		max_vcpus = GUEST_MAX_VCPUS;
	n = NR_CHARGE_VMS * max_vcpus;

	c0 = cg_read(cg, "memory.current", NULL);
	for (v = 0; v < NR_CHARGE_VMS; v++)
		for (id = 0; id < (int)max_vcpus; id++)
			vm_vcpu_create(vms[v], id);
	c1 = cg_read(cg, "memory.current", NULL);
	/* At least the VMCB page and the two run pages of each VCPU. */
	test_note("%" PRIu64 " VCPUs: memory.current +%" PRIu64 " KiB", n, (c1 - c0) >> 10);
	TEST_ASSERT_GE(c1 - c0 + CG_SLACK, n * 3 * PAGE);
	for (v = 0; v < NR_CHARGE_VMS; v++)
		vm_free(vms[v]);
	c2 = cg_read(cg, "memory.current", NULL);
	TEST_ASSERT_LE(c2, c0 + CG_SLACK);
	cg_enter(CG_ROOT, getpid());
	rmdir(cg);
}

static void send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	TEST_ASSERT_SYSCALL(sendmsg(sock, &msg, 0));
}

static int recv_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	TEST_ASSERT_EQ(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * The holder is forked before the owner has any guest memory, so that it
 * shares none of it: it only gets the VM and VCPU fds, over a socket.
 */
static void owner_exit_child_holds_fd(void)
{
	uint64_t c_before, c_after, c_closed;
	pid_t holder, owner;
	char cg[256], byte;
	int sv[2];

	cg_make("axvcpu-owner", cg, sizeof(cg));
	TEST_ASSERT_SYSCALL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	holder = fork();
	TEST_ASSERT(holder >= 0, "fork: %s", strerror(errno));
	if (!holder) {
		int fds[2];

		if (recv_fds(sv[1], fds, 2) || write(sv[1], "r", 1) != 1 ||
		    read(sv[1], &byte, 1) != 1)
			_exit(1);
		close(fds[0]);
		close(fds[1]);
		_exit(write(sv[1], "c", 1) == 1 ? 0 : 1);
	}
	c_before = cg_read(cg, "memory.current", NULL);
	owner = fork();
	TEST_ASSERT(owner >= 0, "fork: %s", strerror(errno));
	if (!owner) {
		struct guest_vcpu *vcpu;
		struct guest_vm *vm;
		int fds[2];

		cg_enter(cg, getpid());
		vm = vm_create_with_one_vcpu(&vcpu, guest_touch_all);
		vm_add_memory(vm, 1, 0, SLOT1_GPA, TOUCH_SIZE);
		vcpu_expect_sync(vcpu, 0);
		test_note("owner: memory.current %" PRIu64 " KiB with the guest's memory",
			  cg_read(cg, "memory.current", NULL) >> 10);
		TEST_ASSERT_GE(cg_read(cg, "memory.current", NULL), TOUCH_SIZE);
		fds[0] = vm->vm.fd;
		fds[1] = vcpu->h.fd;
		send_fds(sv[0], fds, 2);
		TEST_ASSERT_EQ(read(sv[0], &byte, 1), 1);
		/* Exit with every fd and mapping still open. */
		_exit(0);
	}
	TEST_ASSERT_EQ(wait_child(owner), 0);
	c_after = cg_read(cg, "memory.current", NULL);
	test_note("owner gone, holder has the fds: memory.current %" PRIu64 " KiB (before %"
		  PRIu64 ")", c_after >> 10, c_before >> 10);
	TEST_ASSERT_LT(c_after, c_before + 4 * (1ULL << 20));

	TEST_ASSERT_EQ(write(sv[0], "x", 1), 1);
	TEST_ASSERT_EQ(read(sv[0], &byte, 1), 1);
	TEST_ASSERT_EQ(wait_child(holder), 0);
	c_closed = cg_read(cg, "memory.current", NULL);
	TEST_ASSERT_LE(c_closed, c_after);
	rmdir(cg);
}

static const struct test_case cases[] = {
	TEST_CASE(backing_accepted),
	TEST_CASE(backing_hugetlbfs),
	TEST_CASE(backing_refused),
	TEST_CASE(backing_checked_at_fault),
	TEST_CASE(dontneed_coherent),
	TEST_CASE(map_fixed_and_mremap),
	TEST_CASE(munmap_live_region),
	{ .name = "zap_two_cpus", .fn = zap_two_cpus, .timeout = 60 },
	TEST_CASE(nothing_pinned_memcg_charged),
	TEST_CASE(vcpu_kernel_memory_charged),
	TEST_CASE(owner_exit_child_holds_fd),
};

int main(void)
{
	return test_run_all(cases);
}
