// SPDX-License-Identifier: MIT
/*
 * test=mmio: axvcpu-run's test device at 0xfeb00000, through MMIO exits:
 * the read-only ID, the scratch register at every width (bytes merge,
 * as in memory), and the counter of accesses. Skipped under plain QEMU.
 */
#include "mbtest.h"

#define ID			(TESTDEV_BASE + TESTDEV_ID)
#define SCRATCH			(TESTDEV_BASE + TESTDEV_SCRATCH)
#define ACCESSES		(TESTDEV_BASE + TESTDEV_ACCESSES)

static void check_scratch(void)
{
	uint64_t v;

	mmio_write64(SCRATCH, 0x1122334455667788);
	check_eq(mmio_read64(SCRATCH), 0x1122334455667788, "mmio: scratch 8-byte round trip");
	mmio_write32(SCRATCH, 0xcafef00d);
	check_eq(mmio_read32(SCRATCH), 0xcafef00d, "mmio: scratch 4-byte round trip");
	mmio_write16(SCRATCH, 0xbeef);
	check_eq(mmio_read16(SCRATCH), 0xbeef, "mmio: scratch 2-byte round trip");
	mmio_write8(SCRATCH, 0x5a);
	check_eq(mmio_read8(SCRATCH), 0x5a, "mmio: scratch 1-byte round trip");
	check_eq(mmio_read64(SCRATCH), 0x11223344cafebe5a,
		 "mmio: narrow writes replace only their bytes");
	check_eq(mmio_read8(SCRATCH + 3), 0xca, "mmio: a byte read at offset 3");
	mmio_write16(SCRATCH + 6, 0xabcd);
	v = mmio_read64(SCRATCH);
	check_eq(v, 0xabcd3344cafebe5a, "mmio: a 2-byte write at offset 6");
}

void test_mmio(void)
{
	uint64_t before, after;
	char id[5] = { 0 };
	unsigned int i;

	if (!under_axvcpu_run()) {
		skip("mmio", "not under axvcpu-run");
		return;
	}
	check_eq(mmio_read32(ID), TESTDEV_ID_VALUE, "mmio: ID reads 0x52565841");
	for (i = 0; i < 4; i++)
		id[i] = (char)mmio_read8(ID + i);
	check(!memcmp(id, "AXVR", 4), "mmio: ID reads \"AXVR\" a byte at a time", "\"%s\"",
	      id);
	mmio_write32(ID, 0);
	check_eq(mmio_read32(ID), TESTDEV_ID_VALUE, "mmio: ID ignores writes");
	check_scratch();

	/* Counted: this read, the three accesses, the next read. */
	before = mmio_read64(ACCESSES);
	mmio_read32(ID);
	mmio_write64(SCRATCH, 0);
	mmio_read8(SCRATCH);
	after = mmio_read64(ACCESSES);
	check(after == before + 4, "mmio: ACCESSES counts reads and writes",
	      "%lu, then %lu", before, after);
	mmio_write64(ACCESSES, 0);
	before = mmio_read64(ACCESSES);
	check(before == after + 2, "mmio: ACCESSES ignores writes",
	      "%lu after the write, %lu before", before, after);
}
