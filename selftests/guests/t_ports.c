// SPDX-License-Identifier: MIT
/*
 * test=ports: I/O ports nothing claims read all-ones at every width,
 * string input included, and writes to them change nothing.
 */
#include "mbtest.h"

#define PORT_NONE		0x2000	/* PCI I/O space that QEMU's BIOS leaves free */
#define PORT_POST		0x80	/* the POST code port: write-only */

static bool reads_ones(uint16_t port)
{
	return inb(port) == 0xff && inw(port) == 0xffff && inl(port) == 0xffffffff;
}

void test_ports(void)
{
	uint16_t words[4];
	bool ins_ok = true;
	unsigned long count = 4;
	unsigned int i;
	void *p = words;

	check(reads_ones(PORT_NONE), "ports: port 0x2000 reads all-ones at widths 1, 2, 4",
	      "%#x %#x %#x", inb(PORT_NONE), inw(PORT_NONE), inl(PORT_NONE));
	outb(PORT_NONE, 0x12);
	outw(PORT_NONE, 0x3456);
	outl(PORT_NONE, 0x789abcde);
	check(reads_ones(PORT_NONE), "ports: writes to port 0x2000 are ignored",
	      "%#x %#x %#x", inb(PORT_NONE), inw(PORT_NONE), inl(PORT_NONE));

	memset(words, 0, sizeof(words));
	asm volatile("rep insw" : "+D"(p), "+c"(count) : "d"(PORT_NONE) : "memory");
	for (i = 0; i < 4; i++)
		ins_ok = ins_ok && words[i] == 0xffff;
	check(ins_ok, "ports: rep insw from port 0x2000 reads all-ones", "%#x %#x %#x %#x",
	      words[0], words[1], words[2], words[3]);

	outb(PORT_POST, 0x42);
	check(reads_ones(PORT_POST), "ports: port 0x80 reads all-ones after a write",
	      "%#x %#x %#x", inb(PORT_POST), inw(PORT_POST), inl(PORT_POST));
}
