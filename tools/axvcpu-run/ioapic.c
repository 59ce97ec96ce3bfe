// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: the I/O APIC at 0xfec00000 (Intel 82093AA datasheet): an
 * index register at +0x00, a data window at +0x10, 24 redirection
 * entries. Every pin is taken as edge-triggered: a rising line sends the
 * entry's interrupt through lapic_deliver(). Only the UART (pin 4) is
 * wired. Runs under vmm->lock.
 */
#include "vmm.h"

#define IOAPIC_REGSEL	0x00
#define IOAPIC_WINDOW	0x10
#define IOAPIC_EOI	0x40

#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01
#define IOAPIC_REG_ARB	0x02
#define IOAPIC_REG_REDIR 0x10

#define IOAPIC_PINS	24
/* Version 0x11 (82093AA), highest entry 23. */
#define IOAPIC_VERSION	(0x11 | ((IOAPIC_PINS - 1) << 16))

#define REDIR_MASKED	(1ULL << 16)
/* Writable: vector, delivery mode, destination mode, polarity, trigger, mask, destination. */
#define REDIR_WRITABLE	(0xff000000000000ffULL | 0x1af00ULL)

/** ioapic_reset() - every pin masked, as after reset. */
void ioapic_reset(struct ioapic *io)
{
	unsigned int i;

	io->id = 0;
	io->sel = 0;
	io->lines = 0;
	for (i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = REDIR_MASKED;
}

static uint32_t ioapic_reg_read(struct ioapic *io)
{
	unsigned int pin;

	switch (io->sel) {
	case IOAPIC_REG_ID:
		return io->id << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION;
	case IOAPIC_REG_ARB:
		return io->id << 24;
	}
	if (io->sel < IOAPIC_REG_REDIR || io->sel >= IOAPIC_REG_REDIR + 2 * IOAPIC_PINS)
		return 0;
	pin = (io->sel - IOAPIC_REG_REDIR) / 2;
	return (io->sel & 1) ? io->redir[pin] >> 32 : (uint32_t)io->redir[pin];
}

static void ioapic_reg_write(struct ioapic *io, uint32_t val)
{
	unsigned int pin;
	uint64_t e;

	if (io->sel == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (io->sel < IOAPIC_REG_REDIR || io->sel >= IOAPIC_REG_REDIR + 2 * IOAPIC_PINS)
		return;
	pin = (io->sel - IOAPIC_REG_REDIR) / 2;
	e = io->redir[pin];
	if (io->sel & 1)
		e = (e & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		e = (e & 0xffffffff00000000ULL) | val;
	io->redir[pin] = e & REDIR_WRITABLE;
}

/** ioapic_read() - a guest read at offset @off of the I/O APIC's page. */
uint64_t ioapic_read(struct vmm *vmm, uint64_t off, unsigned int width)
{
	struct ioapic *io = &vmm->ioapic;
	uint64_t v;

	switch (off & ~3ULL) {
	case IOAPIC_REGSEL:
		v = io->sel;
		break;
	case IOAPIC_WINDOW:
		v = ioapic_reg_read(io);
		break;
	default:
		return 0;
	}
	v >>= (off & 3) * 8;
	return width >= 8 ? v : v & ((1ULL << (width * 8)) - 1);
}

/** ioapic_write() - a guest write at offset @off of the I/O APIC's page. */
void ioapic_write(struct vmm *vmm, uint64_t off, unsigned int width, uint64_t val)
{
	struct ioapic *io = &vmm->ioapic;

	(void)width;
	switch (off) {
	case IOAPIC_REGSEL:
		io->sel = val & 0xff;
		break;
	case IOAPIC_WINDOW:
		ioapic_reg_write(io, val);
		break;
	default:
		break;		/* EOI register: nothing level-triggered to end */
	}
}

/**
 * ioapic_set_line() - a device drives pin @pin to @level; a rising edge on
 * an unmasked pin sends the entry's interrupt.
 */
void ioapic_set_line(struct vmm *vmm, unsigned int pin, bool level)
{
	struct ioapic *io = &vmm->ioapic;
	bool was = io->lines & (1U << pin);
	uint64_t e = io->redir[pin];

	if (level)
		io->lines |= 1U << pin;
	else
		io->lines &= ~(1U << pin);
	if (!level || was || (e & REDIR_MASKED))
		return;
	lapic_deliver(vmm, NULL, e >> 56, e & (1ULL << 11), (e >> 8) & 7, 0, e & 0xff);
}
