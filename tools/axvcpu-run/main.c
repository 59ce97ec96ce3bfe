// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: an example VMM over libaxvcpu-user. It loads a flat, ELF or
 * Multiboot 1 image into a VM with the devices of QEMU's pc machine that
 * small test kernels use (see axvcpu-run(1), Documentation/userlib.rst),
 * runs it on --cpus VCPUs and exits with the guest's status.
 *
 * main.c: the command line, building the VM, starting CPU 0, waiting for
 * the end. The machine's parts are in the other files of this directory.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm.h"

#define DEFAULT_MEM		(256ULL << 20)
#define MAX_RAM_BELOW_4G	(3ULL << 30)
#define HIGH_RAM_BASE		(4ULL << 30)
#define FLAT_DEFAULT_ENTRY	0x1000ULL
/* Page tables (six pages) and a stack for ELF and flat images. */
#define BOOT_AREA_SIZE		(6 * 4096ULL + 0x10000ULL)

static const char usage_text[] =
"Usage: axvcpu-run [OPTIONS] IMAGE [--] [GUEST ARGS...]\n"
"Run a flat, ELF64/ELF32 or Multiboot 1 image on /dev/axvcpu.\n"
"\n"
"  -m, --mem SIZE        guest RAM (K, M, G suffixes; a bare number is MiB),\n"
"                        default 256M\n"
"  -c, --cpus N          CPUs (default 1); APs wait for INIT/STARTUP\n"
"  -e, --entry ADDR      load address of a flat image (default 0x1000),\n"
"                        first instruction of any image\n"
"      --mode MODE       start a flat image in real (default), protected or long mode\n"
"      --cpuid-mask LIST hide CPUID features, comma-separated; 'help' lists them\n"
"      --env KEY=VALUE   pass to a Multiboot guest in a module (repeatable)\n"
"      --serial stdio|FILE  where COM1 goes (default stdio; input from stdin)\n"
"      --stats           print exit counts and where the time went\n"
"      --timeout SECONDS stop the guest after that long (exit status 124)\n"
"      --device PATH     the axvcpu device (default /dev/axvcpu)\n"
"  -v, --verbose         report MSRs and INITs the machine ignores\n"
"  -h, --help            this text\n"
"\n"
"Exit status: the guest's debug-exit value V as (V << 1) | 1; 0 when the guest\n"
"shut down or halted for good; 2 when it crashed; 124 on timeout; 125 when\n"
"axvcpu-run could not run it.\n";

static struct vmm the_vmm;

/** now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/**
 * vmm_stop() - the VM is over with exit @status, for the reason @fmt
 * says; the first call wins. Wakes and kicks every thread. Under
 * vmm->lock.
 */
void vmm_stop(struct vmm *vmm, int status, const char *fmt, ...)
{
	va_list ap;

	if (vmm->done)
		return;
	va_start(ap, fmt);
	vsnprintf(vmm->why, sizeof(vmm->why), fmt, ap);
	va_end(ap);
	vmm->status = status;
	__atomic_store_n(&vmm->done, 1, __ATOMIC_RELEASE);
	cpu_stop_all(vmm);
	pthread_cond_broadcast(&vmm->timer_cond);
	pthread_cond_broadcast(&vmm->done_cond);
}

/** vmm_warn() - one line on stderr. */
void vmm_warn(struct vmm *vmm, const char *fmt, ...)
{
	va_list ap;

	(void)vmm;
	va_start(ap, fmt);
	fputs("axvcpu-run: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("axvcpu-run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(VMM_STATUS_ERROR);
}

/* "256M", "1G", "4096K", "512" (MiB). */
static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0), unit = 1ULL << 20;

	if (end == s)
		die("bad size '%s'", s);
	switch (*end) {
	case 'k': case 'K': unit = 1ULL << 10; end++; break;
	case 'm': case 'M': unit = 1ULL << 20; end++; break;
	case 'g': case 'G': unit = 1ULL << 30; end++; break;
	case 't': case 'T': unit = 1ULL << 40; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || v > UINT64_MAX / unit)
		die("bad size '%s'", s);
	return v * unit;
}

static uint64_t parse_number(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || *end || errno)
		die("bad %s '%s'", what, s);
	return v;
}

static uint32_t parse_mode(const char *s)
{
	if (!strcmp(s, "real"))
		return AXVCPU_MODE_REAL;
	if (!strcmp(s, "protected"))
		return AXVCPU_MODE_PROTECTED;
	if (!strcmp(s, "long"))
		return AXVCPU_MODE_LONG;
	die("bad mode '%s' (real, protected or long)", s);
}

/* The guest arguments, joined by spaces (an empty string when none). */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		die("out of memory");
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void parse_options(struct options *o, int argc, char **argv)
{
	enum { OPT_MODE = 256, OPT_CPUID, OPT_ENV, OPT_SERIAL, OPT_STATS, OPT_TIMEOUT,
	       OPT_DEVICE };
	static const struct option longopts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "entry", required_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "cpuid-mask", required_argument, NULL, OPT_CPUID },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->mem = DEFAULT_MEM;
	o->cpus = 1;
	o->mode = AXVCPU_MODE_REAL;
	o->entry = FLAT_DEFAULT_ENTRY;
	o->device = "/dev/axvcpu";

	/* '+': options end at IMAGE; what follows it belongs to the guest. */
	while ((c = getopt_long(argc, argv, "+m:c:e:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->mem = parse_size(optarg);
			break;
		case 'c':
			o->cpus = parse_number(optarg, "CPU count");
			if (o->cpus < 1 || o->cpus > VMM_MAX_CPUS)
				die("--cpus must be 1 to %d", VMM_MAX_CPUS);
			break;
		case 'e':
			o->entry = parse_number(optarg, "entry address");
			o->entry_set = true;
			break;
		case OPT_MODE:
			o->mode = parse_mode(optarg);
			break;
		case OPT_CPUID:
			if (!strcmp(optarg, "help")) {
				cpuid_list_features(stdout);
				exit(0);
			}
			o->cpuid_mask = optarg;
			break;
		case OPT_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				die("--env wants KEY=VALUE, not '%s'", optarg);
			if (o->nr_env == VMM_MAX_ENV)
				die("at most %d --env options", VMM_MAX_ENV);
			o->env[o->nr_env++] = optarg;
			break;
		case OPT_SERIAL:
			o->serial = optarg;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_TIMEOUT:
			o->timeout = strtod(optarg, &end);
			if (end == optarg || *end || o->timeout <= 0)
				die("bad timeout '%s'", optarg);
			break;
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(VMM_STATUS_ERROR);
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		exit(VMM_STATUS_ERROR);
	}
	o->image = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	o->guest_args = join_args(argc - optind, argv + optind);
	if (o->mem < (1ULL << 20) || (o->mem & 0xfff))
		die("--mem must be a multiple of 4 KiB and at least 1M");
}

/* RAM from 0 up to 3 GiB, the rest from 4 GiB, as on the pc. */
static void setup_memory(struct vmm *vmm)
{
	uint64_t mem = vmm->opt.mem, gpa_bits = 0;
	int ret;

	axvcpu_check_cap(&vmm->sys, AXVCPU_CAP_GPA_BITS, &gpa_bits, NULL);
	vmm->ram_below_4g = mem < MAX_RAM_BELOW_4G ? mem : MAX_RAM_BELOW_4G;
	if (mem > vmm->ram_below_4g && gpa_bits && gpa_bits < 64 &&
	    HIGH_RAM_BASE + mem - vmm->ram_below_4g > (1ULL << gpa_bits))
		die("--mem %" PRIu64 "M does not fit the guest's %" PRIu64 "-bit physical "
		    "addresses", mem >> 20, gpa_bits);

	axvcpu_mem_init(&vmm->mem, &vmm->vm);
	ret = axvcpu_mem_alloc(&vmm->mem, 0, vmm->ram_below_4g, 0, NULL);
	if (!ret && mem > vmm->ram_below_4g)
		ret = axvcpu_mem_alloc(&vmm->mem, HIGH_RAM_BASE, mem - vmm->ram_below_4g, 0, NULL);
	if (ret)
		die("cannot give the guest %" PRIu64 "M of RAM: %s", mem >> 20,
		    axvcpu_strerror(ret));
}

/* The --env pairs as one module of "KEY=VALUE\n" lines. */
static char *env_module(const struct options *o, size_t *size)
{
	char *s;
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < o->nr_env; i++)
		len += strlen(o->env[i]) + 1;
	s = malloc(len + 1);
	if (!s)
		die("out of memory");
	*s = '\0';
	for (i = 0; i < o->nr_env; i++) {
		strcat(s, o->env[i]);
		strcat(s, "\n");
	}
	*size = len;
	return s;
}

static int boot_multiboot(struct vmm *vmm, const struct axvcpu_image *img)
{
	struct axvcpu_multiboot_module mod = { .cmdline = "env" };
	char *cmdline, *env = NULL;
	uint64_t info;
	size_t len;
	int ret;

	len = strlen(vmm->opt.image) + strlen(vmm->opt.guest_args) + 2;
	cmdline = malloc(len);
	if (!cmdline)
		return -ENOMEM;
	/* As QEMU's -kernel does: "<image name> <guest args>". */
	snprintf(cmdline, len, "%s%s%s", vmm->opt.image, *vmm->opt.guest_args ? " " : "",
		 vmm->opt.guest_args);
	if (vmm->opt.nr_env) {
		env = env_module(&vmm->opt, &mod.size);
		mod.data = env;
	}
	ret = axvcpu_multiboot_info(&vmm->mem, img, cmdline, &mod, vmm->opt.nr_env ? 1 : 0,
				    &info);
	if (!ret)
		ret = axvcpu_vcpu_start_multiboot(&vmm->cpus[0].h, img, info, 0);
	free(env);
	free(cmdline);
	return ret;
}

/* Page tables and a stack for ELF and flat images: after the image. */
static int boot_other(struct vmm *vmm, const struct axvcpu_image *img)
{
	uint64_t area = (img->high + 0xfff) & ~0xfffULL, stack = area + BOOT_AREA_SIZE;
	uint32_t mode = img->format == AXVCPU_IMAGE_FLAT ? vmm->opt.mode : img->mode;
	struct axvcpu_vcpu_handle *h = &vmm->cpus[0].h;

	if (mode != AXVCPU_MODE_REAL &&
	    !axvcpu_mem_gpa_to_hva(&vmm->mem, area, BOOT_AREA_SIZE))
		return -ENOSPC;
	switch (mode) {
	case AXVCPU_MODE_REAL:
		return axvcpu_vcpu_start_real(h, img->entry, 0);
	case AXVCPU_MODE_PROTECTED:
		return axvcpu_vcpu_start_protected(h, img->entry, stack, 0);
	default:
		return axvcpu_vcpu_start_long(h, img->entry, stack, area, 0);
	}
}

static const char *format_name(uint32_t format)
{
	switch (format) {
	case AXVCPU_IMAGE_MULTIBOOT:
		return "Multiboot";
	case AXVCPU_IMAGE_ELF64:
		return "ELF64";
	case AXVCPU_IMAGE_ELF32:
		return "ELF32";
	default:
		return "flat";
	}
}

static void setup_cpus(struct vmm *vmm)
{
	pthread_condattr_t attr;
	unsigned int i;
	uint64_t max = 0;
	int ret;

	if (!axvcpu_check_cap(&vmm->sys, AXVCPU_CAP_MAX_VCPUS, &max, NULL) &&
	    vmm->opt.cpus > max)
		die("--cpus %u: the module allows %" PRIu64 " per VM", vmm->opt.cpus, max);
	vmm->nr_cpus = vmm->opt.cpus;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	for (i = 0; i < vmm->nr_cpus; i++) {
		struct cpu *c = &vmm->cpus[i];

		c->vmm = vmm;
		c->id = i;
		c->power = i ? CPU_WAIT_SIPI : CPU_RUNNING;
		pthread_cond_init(&c->wake, NULL);
		lapic_reset(c);
		ret = axvcpu_vcpu_create(&vmm->vm, i, &c->h);
		if (!ret)
			ret = cpuid_apply(c);
		if (ret)
			die("cannot create CPU %u: %s", i, axvcpu_strerror(ret));
	}
	pthread_cond_init(&vmm->timer_cond, &attr);
	pthread_cond_init(&vmm->done_cond, &attr);
	pthread_condattr_destroy(&attr);
}

static void wait_for_end(struct vmm *vmm)
{
	struct timespec ts;
	uint64_t deadline = 0;

	if (vmm->opt.timeout > 0)
		deadline = now_ns() + (uint64_t)(vmm->opt.timeout * 1e9);
	ts.tv_sec = deadline / 1000000000ULL;
	ts.tv_nsec = deadline % 1000000000ULL;

	pthread_mutex_lock(&vmm->lock);
	while (!vmm->done) {
		if (!deadline) {
			pthread_cond_wait(&vmm->done_cond, &vmm->lock);
		} else if (pthread_cond_timedwait(&vmm->done_cond, &vmm->lock, &ts) == ETIMEDOUT) {
			vmm_stop(vmm, VMM_STATUS_TIMEOUT, "timeout: the guest ran for %g s",
				 vmm->opt.timeout);
		}
	}
	pthread_mutex_unlock(&vmm->lock);
}

int main(int argc, char **argv)
{
	struct vmm *vmm = &the_vmm;
	struct axvcpu_image img;
	int ret;

	parse_options(&vmm->opt, argc, argv);
	pthread_mutex_init(&vmm->lock, NULL);

	ret = axvcpu_open(&vmm->sys, vmm->opt.device);
	if (ret)
		die("%s: %s", vmm->opt.device, axvcpu_strerror(ret));
	ret = cpuid_build(vmm, vmm->opt.cpuid_mask);
	if (ret)
		die("--cpuid-mask: %s", axvcpu_strerror(ret));
	ret = axvcpu_vm_create(&vmm->sys, &vmm->vm);
	if (ret)
		die("cannot create a VM: %s", axvcpu_strerror(ret));
	setup_memory(vmm);
	setup_cpus(vmm);

	ret = axvcpu_load_file(&vmm->mem, vmm->opt.image, vmm->opt.entry, &img);
	if (ret)
		die("cannot load %s: %s", vmm->opt.image, axvcpu_strerror(ret));
	if (vmm->opt.entry_set)
		img.entry = vmm->opt.entry;
	ret = img.format == AXVCPU_IMAGE_MULTIBOOT ? boot_multiboot(vmm, &img) :
						     boot_other(vmm, &img);
	if (ret)
		die("cannot start the %s image %s: %s", format_name(img.format), vmm->opt.image,
		    axvcpu_strerror(ret));
	if (vmm->opt.verbose)
		fprintf(stderr, "axvcpu-run: %s image, entry 0x%" PRIx64 ", %u CPU(s), %" PRIu64
			"M\n", format_name(img.format), img.entry, vmm->nr_cpus,
			vmm->opt.mem >> 20);

	ret = uart_init(vmm, vmm->opt.serial);
	if (ret)
		die("--serial %s: %s", vmm->opt.serial, axvcpu_strerror(ret));
	ioapic_reset(&vmm->ioapic);
	vmm->tsc_khz = tsc_measure_khz();
	vmm->start_ns = now_ns();

	if (pthread_create(&vmm->timer_thread, NULL, timer_thread, vmm))
		die("cannot start the timer thread");
	if (vmm->uart.in_fd >= 0 &&
	    !pthread_create(&vmm->input_thread, NULL, uart_input_thread, vmm))
		pthread_detach(vmm->input_thread);	/* it may sit in read() to the end */

	pthread_mutex_lock(&vmm->lock);
	cpu_start_bsp(&vmm->cpus[0]);
	pthread_mutex_unlock(&vmm->lock);

	wait_for_end(vmm);
	cpu_join_all(vmm);
	pthread_join(vmm->timer_thread, NULL);

	uart_close(vmm);
	fprintf(stderr, "axvcpu-run: %s: exit status %d\n", vmm->why, vmm->status);
	if (vmm->opt.stats)
		stats_print(vmm, stderr);
	/* The kernel frees the VM, its VCPUs and their pinned memory on close. */
	return vmm->status;
}
