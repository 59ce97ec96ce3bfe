/* SPDX-License-Identifier: MIT */
/*
 * mbtest.elf, the Multiboot test kernel: one subtest per boot, chosen by
 * test= on the command line, one line per check (TAP-like), then
 * "done <passed>/<total>" and the debug-exit port: 0 when every check
 * passed, 1 otherwise. Each t_<name>.c holds one subtest.
 */
#ifndef MBTEST_H
#define MBTEST_H

#include "rt.h"

/* Vectors of the subtests (the runtime keeps 0xf0 and up). */
#define VEC_TEST		0x40	/* the usual one */
#define VEC_TEST2		0x41
#define VEC_LOW			0x45	/* priority class 4 */
#define VEC_NO_EOI		0x70
#define VEC_SMP			0x50	/* ..0x57 */

/* A check: prints "ok <n> - <what>" or "not ok <n> - <what>: <details>". */
bool check(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A check that could not run here: "ok <n> - <what> # SKIP <why>". */
void skip(const char *what, const char *why);
#define check_eq(got, want, what)					\
	check((uint64_t)(got) == (uint64_t)(want), what, "got %#lx, want %#lx",	\
	      (uint64_t)(got), (uint64_t)(want))

/* Multiboot helpers (mbtest.c). */
bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len);
bool overlaps_image(uint64_t start, uint64_t len);
bool mmap_available(uint64_t start, uint64_t len);	/* inside one available range */
unsigned int cpus_arg(void);	/* cpus=, else fw_cfg, else 1 */

void test_info(void);
void test_env(void);
void test_fwcfg(void);
void test_uart(void);
void test_ports(void);
void test_hypercall(void);
void test_mmio(void);
void test_timer(void);
void test_apic(void);
void test_smp(void);
void test_cpuid(void);
void test_fault(void);
void test_exit(void);

#endif /* MBTEST_H */
