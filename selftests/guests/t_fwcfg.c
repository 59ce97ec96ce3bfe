// SPDX-License-Identifier: MIT
/*
 * test=fwcfg [cpus=N] [mem=<size>]: QEMU's fw_cfg through ports 0x510 and
 * 0x511: the signature, the CPU count (key 0x05), the RAM size (key 0x03:
 * QEMU 7.2 gives -m in bytes, as a u64, memory above 4 GiB included) and
 * a key nobody defines.
 */
#include "mbtest.h"

#define FW_CFG_UNKNOWN		0x3ff0	/* past QEMU's files, below its write flag */

void test_fwcfg(void)
{
	uint64_t mem, ram = fwcfg_u64(FW_CFG_RAM_SIZE);
	uint8_t unknown[8], zero[8] = { 0 };
	char sig[5] = { 0 };
	unsigned int cpus = (unsigned int)arg_u64("cpus", 0);

	fwcfg_read(FW_CFG_SIGNATURE, sig, 4);
	check(!memcmp(sig, "QEMU", 4), "fwcfg: the signature reads \"QEMU\"", "read \"%s\"",
	      sig);
	if (cpus)
		check_eq(fwcfg_u16(FW_CFG_NB_CPUS), cpus, "fwcfg: the CPU count matches cpus=");
	else
		skip("fwcfg: the CPU count matches cpus=", "no cpus= argument");
	printf("# fw_cfg RAM size (key 0x03): %#lx\n", ram);
	if (arg_size("mem", &mem))
		check_eq(ram, mem, "fwcfg: the RAM size matches mem=");
	else
		skip("fwcfg: the RAM size matches mem=", "no mem= argument");
	fwcfg_read(FW_CFG_UNKNOWN, unknown, sizeof(unknown));
	check(!memcmp(unknown, zero, sizeof(zero)), "fwcfg: an unknown key reads zeros",
	      "key %#x", FW_CFG_UNKNOWN);
}
