// SPDX-License-Identifier: MIT
/*
 * QEMU's fw_cfg through its legacy I/O interface: a 16-bit key written to
 * port 0x510 selects an item, port 0x511 reads it a byte at a time.
 * Numbers are little-endian; a key that is not there reads zeros.
 */
#include "rt.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511

void fwcfg_read(uint16_t key, void *buf, size_t len)
{
	uint8_t *p = buf;

	outw(FW_CFG_PORT_SEL, key);
	while (len--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

bool fwcfg_present(void)
{
	char sig[4];

	fwcfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return !memcmp(sig, "QEMU", 4);
}

uint64_t fwcfg_u64(uint16_t key)
{
	uint8_t b[8];
	uint64_t v = 0;
	int i;

	fwcfg_read(key, b, sizeof(b));
	for (i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

uint16_t fwcfg_u16(uint16_t key)
{
	uint8_t b[2];

	fwcfg_read(key, b, sizeof(b));
	return (uint16_t)(b[0] | b[1] << 8);
}
