// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: the I/O ports of the machine, as on QEMU's pc where it has
 * them: COM1 at 0x3f8, isa-debug-exit at 0xf4 (iobase=0xf4, any width),
 * fw_cfg's legacy interface at 0x510 (16-bit selector) / 0x511 (data,
 * byte reads). Every other port ignores writes and reads all-ones, like
 * an ISA bus with nothing on it. Runs under vmm->lock.
 */
#include <string.h>

#include "vmm.h"

#define PORT_COM1		0x3f8
#define PORT_DEBUG_EXIT		0xf4
#define PORT_FW_CFG_SEL		0x510
#define PORT_FW_CFG_DATA	0x511

/* fw_cfg keys (QEMU's docs/specs/fw_cfg.rst). */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MAX_CPUS		0x0f

/* Byte @off of the item @key selects; 0 past its end and for unknown keys. */
static uint8_t fw_cfg_byte(struct vmm *vmm, uint16_t key, uint32_t off)
{
	uint8_t item[8] = { 0 };
	uint64_t v = 0;
	size_t len = 0;

	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(item, "QEMU", 4);
		len = 4;
		break;
	case FW_CFG_ID:
		v = 1;			/* the traditional interface, no DMA */
		len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		v = vmm->opt.mem;
		len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		v = vmm->nr_cpus;
		len = 2;
		break;
	}
	if (key != FW_CFG_SIGNATURE) {
		unsigned int i;

		for (i = 0; i < 8; i++)
			item[i] = v >> (8 * i);	/* little-endian */
	}
	return off < len ? item[off] : 0;
}

static uint64_t all_ones(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
}

/** port_read() - a guest IN of @width bytes from @port. */
uint64_t port_read(struct cpu *cpu, uint16_t port, unsigned int width)
{
	struct vmm *vmm = cpu->vmm;

	if (port >= PORT_COM1 && port < PORT_COM1 + 8)
		return uart_read(vmm, port - PORT_COM1);
	if (port == PORT_FW_CFG_DATA)
		return fw_cfg_byte(vmm, vmm->fwcfg_key, vmm->fwcfg_off++);
	return all_ones(width);
}

/** port_write() - a guest OUT of @val, @width bytes wide, to @port. */
void port_write(struct cpu *cpu, uint16_t port, unsigned int width, uint64_t val)
{
	struct vmm *vmm = cpu->vmm;

	val &= all_ones(width);
	if (port >= PORT_COM1 && port < PORT_COM1 + 8) {
		uart_write(vmm, port - PORT_COM1, val);
	} else if (port == PORT_DEBUG_EXIT) {
		vmm_stop(vmm, (int)((val << 1) | 1),
			 "the guest wrote %llu to the debug-exit port", (unsigned long long)val);
	} else if (port == PORT_FW_CFG_SEL && width >= 2) {
		vmm->fwcfg_key = val;
		vmm->fwcfg_off = 0;
	}
}
