// SPDX-License-Identifier: MIT
/*
 * The I/O APIC at 0xfec00000: IOREGSEL at +0, IOWIN at +0x10. Register 0
 * is the ID, 1 the version, 0x10 + 2 * pin the low half of a pin's
 * redirection entry and the next one its high half (destination).
 */
#include "rt.h"

#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_REDIR(pin)	(0x10 + 2 * (pin))
#define IOAPIC_MASKED		(1U << 16)

uint32_t ioapic_read(unsigned int reg)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	return mmio_read32(IOAPIC_BASE + IOAPIC_WIN);
}

void ioapic_write(unsigned int reg, uint32_t val)
{
	mmio_write32(IOAPIC_BASE + IOAPIC_REGSEL, reg);
	mmio_write32(IOAPIC_BASE + IOAPIC_WIN, val);
}

/* Fixed delivery, physical destination, edge-triggered, active high. */
void ioapic_route(unsigned int pin, uint8_t vector, uint8_t apic_id)
{
	ioapic_write(IOAPIC_REDIR(pin) + 1, (uint32_t)apic_id << 24);
	ioapic_write(IOAPIC_REDIR(pin), vector);
}

void ioapic_mask(unsigned int pin)
{
	ioapic_write(IOAPIC_REDIR(pin), IOAPIC_MASKED);
}
