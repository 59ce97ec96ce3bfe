// SPDX-License-Identifier: MIT
/* The MMIO echo device of mmio_echo.h. */
#include <inttypes.h>

#include "mmio_echo.h"

void mmio_echo_init(struct mmio_echo *d, uint64_t base)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->base = base;
	for (i = 0; i < MMIO_ECHO_SIZE; i++)
		d->mem[i] = 0x80 | (i & 0x7f);
}

bool mmio_echo_handle(struct mmio_echo *d, struct guest_vcpu *vcpu)
{
	struct axvcpu_run *run = vcpu->run;
	struct mmio_access a;
	uint64_t off;
	unsigned int i;

	if (run->exit_reason != AXVCPU_EXIT_MMIO_READ && run->exit_reason != AXVCPU_EXIT_MMIO_WRITE)
		return false;
	memset(&a, 0, sizeof(a));
	a.gpa = run->mmio.gpa;
	a.width = run->mmio.width;
	a.write = run->exit_reason == AXVCPU_EXIT_MMIO_WRITE;
	a.reg = run->mmio.reg;
	a.reg_width = run->mmio.reg_width;
	a.sign_extend = run->mmio.sign_extend;
	a.rip = run->rip;
	TEST_ASSERT(a.width == 1 || a.width == 2 || a.width == 4 || a.width == 8,
		    "MMIO width %u", a.width);
	TEST_ASSERT(a.gpa >= d->base && a.gpa + a.width <= d->base + MMIO_ECHO_SIZE,
		    "MMIO at 0x%" PRIx64 " outside the device", a.gpa);
	off = a.gpa - d->base;
	if (a.write) {
		a.data = run->mmio.data;
		for (i = 0; i < a.width; i++)
			d->mem[off + i] = a.data >> (8 * i);
	} else {
		for (i = 0; i < a.width; i++)
			a.data |= (uint64_t)d->mem[off + i] << (8 * i);
		axvcpu_complete_mmio_read(&vcpu->h, a.data);
	}
	if (d->n < MMIO_ECHO_LOG)
		d->log[d->n] = a;
	d->n++;
	return true;
}

uint32_t mmio_echo_run(struct mmio_echo *d, struct guest_vcpu *vcpu)
{
	do {
		TEST_ASSERT_OK(vcpu_run(vcpu));
	} while (mmio_echo_handle(d, vcpu));
	return vcpu->run->exit_reason;
}

void __mmio_echo_check(const char *file, int line, const struct mmio_echo *d,
		       unsigned int i, bool write, uint64_t off, unsigned int width,
		       uint64_t data)
{
	const struct mmio_access *a = &d->log[i];

	if (i >= d->n || i >= MMIO_ECHO_LOG) {
		test_report_failure(file, line, "MMIO access %u of %u missing", i, d->n);
		test_abort_case();
	}
	if (a->write != write || a->gpa != d->base + off || a->width != width ||
	    a->data != data) {
		test_report_failure(file, line,
				    "MMIO access %u: %s 0x%" PRIx64 " width %u data 0x%" PRIx64
				    ", expected %s 0x%" PRIx64 " width %u data 0x%" PRIx64,
				    i, a->write ? "write" : "read", a->gpa, a->width, a->data,
				    write ? "write" : "read", d->base + off, width, data);
		test_abort_case();
	}
}
