// SPDX-License-Identifier: MIT
/*
 * test=smp cpus=N: start every AP with INIT-SIPI-SIPI (APIC IDs 1..N-1),
 * then send fixed IPIs by physical ID, by logical ID in the flat and in
 * the cluster model, with each shorthand, and NMIs. Every CPU counts
 * what it gets, by kind; after each kind CPU 0 waits for the expected
 * deliveries, waits a little longer for unexpected ones, and checks the
 * exact counts of every CPU.
 */
#include "mbtest.h"

enum kind { PHYSICAL, FLAT, CLUSTER, OTHERS, ALL, SELF, NMI, NR_KINDS };

#define VEC_CMD			(VEC_SMP + NR_KINDS)	/* "use the cluster model" */
#define WAIT_MS			1000
#define EXTRA_MS		20

static volatile unsigned int hits[RT_MAX_CPUS][NR_KINDS];
static volatile unsigned int ready[RT_MAX_CPUS], reported_id[RT_MAX_CPUS];
static volatile unsigned int cluster_acks[RT_MAX_CPUS];
static unsigned int nr_cpus;

/* Logical IDs: flat, one bit per CPU (0..7); cluster, 4 CPUs per cluster. */
static uint32_t flat_ldr(unsigned int id)
{
	return 1U << (24 + id);
}

static uint32_t cluster_ldr(unsigned int id)
{
	return (id / 4) << 28 | 1U << (24 + id % 4);
}

static void ipi_irq(struct rt_frame *f)
{
	hits[apic_id()][f->vector - VEC_SMP]++;
	apic_eoi();
}

static void nmi(struct rt_frame *f)
{
	(void)f;
	hits[apic_id()][NMI]++;
}

static void use_cluster_model(struct rt_frame *f)
{
	unsigned int id = apic_id();

	(void)f;
	apic_write(APIC_DFR, APIC_DFR_CLUSTER);
	apic_write(APIC_LDR, cluster_ldr(id));
	cluster_acks[id]++;
	apic_eoi();
}

static void ap_main(unsigned int id)
{
	reported_id[id] = apic_id();
	apic_write(APIC_DFR, APIC_DFR_FLAT);
	apic_write(APIC_LDR, id < 8 ? flat_ldr(id) : 0);
	ready[id] = 1;
	for (;;)
		sti_hlt_cli();
}

static bool all_ready(void *arg)
{
	volatile unsigned int *flags = arg;
	unsigned int id;

	for (id = 1; id < nr_cpus; id++)
		if (!flags[id])
			return false;
	return true;
}

struct expect {
	enum kind kind;
	uint64_t cpus;		/* a bit per CPU that gets exactly one */
};

static bool all_arrived(void *arg)
{
	const struct expect *e = arg;
	unsigned int id;

	for (id = 0; id < nr_cpus; id++)
		if ((e->cpus >> id & 1) && !hits[id][e->kind])
			return false;
	return true;
}

/* Wait for the deliveries, then check every CPU's count of @kind. */
static void expect_hits(enum kind kind, uint64_t cpus, const char *what)
{
	struct expect e = { kind, cpus };
	unsigned int id;

	rt_wait(all_arrived, &e, WAIT_MS);
	rt_delay_ms(EXTRA_MS);
	for (id = 0; id < nr_cpus; id++)
		if (hits[id][kind] != (cpus >> id & 1))
			break;
	check(id == nr_cpus, what, "CPU %u got %u, want %lu", id, id < nr_cpus ? hits[id][kind] : 0,
	      cpus >> id & 1);
}

static void start_aps(void)
{
	char what[96];
	unsigned int id;

	for (id = 1; id < nr_cpus; id++) {
		int ret = smp_start_ap(id, ap_main);

		snprintf(what, sizeof(what), "smp: AP %u starts and reports APIC ID %u", id, id);
		check(!ret && rt_wait_count(&ready[id], 1, WAIT_MS) && reported_id[id] == id, what,
		      "start %d, ready %u, reported ID %u", ret, ready[id], reported_id[id]);
	}
}

static void send_logical_ipis(uint64_t aps)
{
	unsigned int id, cluster;
	uint32_t mask;

	if (nr_cpus <= 8) {
		apic_send_ipi((uint32_t)aps, APIC_DEST_LOGICAL | APIC_LEVEL_ASSERT |
			      (VEC_SMP + FLAT));
		expect_hits(FLAT, aps, "smp: one IPI to all APs by flat logical destination");
	} else {
		skip("smp: one IPI to all APs by flat logical destination", "more than 8 CPUs");
	}

	/* Every APIC in the cluster model: the APs switch when asked. */
	apic_write(APIC_DFR, APIC_DFR_CLUSTER);
	apic_write(APIC_LDR, cluster_ldr(0));
	for (id = 1; id < nr_cpus; id++)
		apic_send_ipi(id, APIC_LEVEL_ASSERT | VEC_CMD);
	rt_wait(all_ready, (void *)cluster_acks, WAIT_MS);
	for (cluster = 0; cluster * 4 < nr_cpus; cluster++) {
		mask = (aps >> (cluster * 4)) & 0xf;
		if (mask)
			apic_send_ipi(cluster << 4 | mask, APIC_DEST_LOGICAL |
				      APIC_LEVEL_ASSERT | (VEC_SMP + CLUSTER));
	}
	expect_hits(CLUSTER, aps,
		    "smp: an IPI to each cluster's APs by cluster logical destination");
}

void test_smp(void)
{
	uint64_t aps, all;
	unsigned int id;

	nr_cpus = cpus_arg();
	if (nr_cpus < 2) {
		skip("smp", "one CPU (cpus=, fw_cfg)");
		return;
	}
	if (!check(nr_cpus <= RT_MAX_CPUS && nr_cpus <= 60, "smp: at most 60 CPUs",
		   "cpus=%u", nr_cpus))
		return;
	all = nr_cpus == 64 ? ~0ULL : (1ULL << nr_cpus) - 1;
	aps = all & ~1ULL;
	for (id = 0; id < NR_KINDS; id++)
		idt_set_handler(VEC_SMP + id, ipi_irq);
	idt_set_handler(2, nmi);
	idt_set_handler(VEC_CMD, use_cluster_model);
	apic_write(APIC_DFR, APIC_DFR_FLAT);
	apic_write(APIC_LDR, flat_ldr(0));

	start_aps();

	for (id = 1; id < nr_cpus; id++)
		apic_send_ipi(id, APIC_LEVEL_ASSERT | (VEC_SMP + PHYSICAL));
	expect_hits(PHYSICAL, aps, "smp: an IPI to each AP by physical APIC ID");

	send_logical_ipis(aps);

	apic_send_ipi(0, APIC_DEST_OTHERS | APIC_LEVEL_ASSERT | (VEC_SMP + OTHERS));
	expect_hits(OTHERS, aps, "smp: an IPI to all excluding self");
	apic_send_ipi(0, APIC_DEST_ALL | APIC_LEVEL_ASSERT | (VEC_SMP + ALL));
	expect_hits(ALL, all, "smp: an IPI to all including self");
	apic_send_ipi(0, APIC_DEST_SELF | APIC_LEVEL_ASSERT | (VEC_SMP + SELF));
	expect_hits(SELF, 1, "smp: an IPI to self");

	for (id = 1; id < nr_cpus; id++)
		apic_send_ipi(id, APIC_DM_NMI | APIC_LEVEL_ASSERT);
	expect_hits(NMI, aps, "smp: an NMI to each AP");
}
