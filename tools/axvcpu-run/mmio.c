// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: guest physical addresses that are not RAM. The xAPIC page
 * of the accessing CPU, the I/O APIC, and the axvcpu-run test device at
 * 0xfeb00000, which lets a guest check MMIO exits end to end:
 *
 *   +0x00  ID        32-bit, read-only: 0x52565841 ("AXVR" in memory)
 *   +0x08  SCRATCH   64-bit, read/write at any width
 *   +0x10  ACCESSES  64-bit, read-only: accesses to the device so far,
 *                    this one included
 *
 * Anything else reads all-ones and ignores writes. Runs under vmm->lock.
 */
#include "vmm.h"

#define TESTDEV_ID		0x52565841U
#define TESTDEV_REG_ID		0x00
#define TESTDEV_REG_SCRATCH	0x08
#define TESTDEV_REG_ACCESSES	0x10

static uint64_t width_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
}

/* Byte-granular: an access inside a register gets the bytes it covers. */
static uint64_t testdev_read(struct vmm *vmm, uint64_t off, unsigned int width)
{
	uint64_t reg = off & ~7ULL, v;

	vmm->testdev_accesses++;
	switch (reg) {
	case TESTDEV_REG_ID:
		v = TESTDEV_ID;
		break;
	case TESTDEV_REG_SCRATCH:
		v = vmm->testdev_scratch;
		break;
	case TESTDEV_REG_ACCESSES:
		v = vmm->testdev_accesses;
		break;
	default:
		return width_mask(width);
	}
	return (v >> ((off & 7) * 8)) & width_mask(width);
}

static void testdev_write(struct vmm *vmm, uint64_t off, unsigned int width, uint64_t val)
{
	unsigned int shift = (off & 7) * 8;
	uint64_t mask;

	vmm->testdev_accesses++;
	if ((off & ~7ULL) != TESTDEV_REG_SCRATCH || shift + width * 8 > 64)
		return;
	mask = width_mask(width) << shift;
	vmm->testdev_scratch = (vmm->testdev_scratch & ~mask) | ((val << shift) & mask);
}

/** mmio_read() - a guest read of @width bytes at @gpa outside RAM. */
uint64_t mmio_read(struct cpu *cpu, uint64_t gpa, unsigned int width)
{
	struct vmm *vmm = cpu->vmm;

	if (lapic_mmio_hit(cpu, gpa))
		return lapic_mmio_read(cpu, gpa, width);
	if (gpa - IOAPIC_BASE < IOAPIC_SIZE)
		return ioapic_read(vmm, gpa - IOAPIC_BASE, width);
	if (gpa - TESTDEV_BASE < TESTDEV_SIZE)
		return testdev_read(vmm, gpa - TESTDEV_BASE, width);
	return width_mask(width);
}

/** mmio_write() - a guest write of @width bytes at @gpa outside RAM. */
void mmio_write(struct cpu *cpu, uint64_t gpa, unsigned int width, uint64_t val)
{
	struct vmm *vmm = cpu->vmm;

	if (lapic_mmio_hit(cpu, gpa))
		lapic_mmio_write(cpu, gpa, width, val);
	else if (gpa - IOAPIC_BASE < IOAPIC_SIZE)
		ioapic_write(vmm, gpa - IOAPIC_BASE, width, val);
	else if (gpa - TESTDEV_BASE < TESTDEV_SIZE)
		testdev_write(vmm, gpa - TESTDEV_BASE, width, val);
}
