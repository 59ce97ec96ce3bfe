/* SPDX-License-Identifier: MIT */
/*
 * An MMIO echo device for the test VMM: a register file at a guest
 * physical range outside RAM. A write stores its bytes; a read returns
 * what is there (initially a pattern: byte at offset o is 0x80 | (o &
 * 0x7f), so every byte has its top bit set, for sign extension). Every
 * access is logged with the exit's fields, for the host to check what the
 * kernel decoded against what the guest code did.
 */
#ifndef SELFTEST_MMIO_ECHO_H
#define SELFTEST_MMIO_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

#define MMIO_ECHO_SIZE		0x2000	/* two pages */
#define MMIO_ECHO_LOG		128

/**
 * struct mmio_access - one MMIO exit as the kernel reported it.
 * @gpa: @width: @data: @reg: @reg_width: @sign_extend: the exit's fields
 *       (@data: what was written, or what the device answered).
 * @write: MMIO_WRITE (else MMIO_READ).
 * @rip:   run->rip at the exit.
 */
struct mmio_access {
	uint64_t gpa;
	uint8_t width;
	bool write;
	uint64_t data;
	uint8_t reg, reg_width, sign_extend;
	uint64_t rip;
};

/**
 * struct mmio_echo - the device.
 * @base: first GPA.
 * @mem:  its bytes.
 * @n:    accesses logged in @log (more are counted, not kept).
 * @log:  the accesses, in order.
 */
struct mmio_echo {
	uint64_t base;
	uint8_t mem[MMIO_ECHO_SIZE];
	unsigned int n;
	struct mmio_access log[MMIO_ECHO_LOG];
};

/** mmio_echo_init() - the device at @base, with its pattern, no log. */
void mmio_echo_init(struct mmio_echo *d, uint64_t base);

/**
 * mmio_echo_handle() - serve the last exit if it is an MMIO exit inside
 * the device (one outside it fails the case).
 * Return: true when it was an MMIO exit.
 */
bool mmio_echo_handle(struct mmio_echo *d, struct guest_vcpu *vcpu);

/**
 * mmio_echo_run() - RUN, serving MMIO exits, until another exit.
 * Return: that exit's reason.
 */
uint32_t mmio_echo_run(struct mmio_echo *d, struct guest_vcpu *vcpu);

/** mmio_echo_expect_sync() - mmio_echo_run() up to GUEST_SYNC(@value). */
#define mmio_echo_expect_sync(d, vcpu, value) do {			\
	struct ucall __uc;						\
	mmio_echo_run((d), (vcpu));					\
	__vcpu_assert_exit(__FILE__, __LINE__, (vcpu), AXVCPU_EXIT_IO_WRITE); \
	get_ucall((vcpu), &__uc);					\
	ucall_check(__FILE__, __LINE__, &__uc, UCALL_SYNC);		\
	TEST_ASSERT_EQ(__uc.args[0], (uint64_t)(value));		\
} while (0)

/** mmio_echo_expect_done() - mmio_echo_run() up to GUEST_DONE(). */
#define mmio_echo_expect_done(d, vcpu) do {				\
	struct ucall __uc;						\
	mmio_echo_run((d), (vcpu));					\
	__vcpu_assert_exit(__FILE__, __LINE__, (vcpu), AXVCPU_EXIT_IO_WRITE); \
	get_ucall((vcpu), &__uc);					\
	ucall_check(__FILE__, __LINE__, &__uc, UCALL_DONE);		\
} while (0)

/**
 * mmio_echo_check() - access @i of the log is a @write of @width bytes at
 * offset @off of the device with @data; fails the case otherwise.
 */
#define mmio_echo_check(d, i, write, off, width, data)			\
	__mmio_echo_check(__FILE__, __LINE__, (d), (i), (write), (off), (width), (data))
void __mmio_echo_check(const char *file, int line, const struct mmio_echo *d,
		       unsigned int i, bool write, uint64_t off, unsigned int width,
		       uint64_t data);

#endif /* SELFTEST_MMIO_ECHO_H */
