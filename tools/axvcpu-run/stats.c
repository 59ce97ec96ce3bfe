// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: --stats, what the VCPUs did: the exits per reason that
 * reached the VMM, the ones the kernel handled itself, and where each
 * CPU's time went (in the guest, i.e. inside RUN; waiting in HLT; in the
 * VMM between RUNs).
 */
#include <inttypes.h>
#include <string.h>

#include "vmm.h"

static double ms(uint64_t ns)
{
	return ns / 1e6;
}

/** stats_print() - the table, after every CPU thread has ended. */
void stats_print(struct vmm *vmm, FILE *f)
{
	struct axvcpu_stats st[VMM_MAX_CPUS], sum;
	uint64_t wall, user, t_wall = 0, t_run = 0, t_halt = 0, t_user = 0;
	unsigned int i, r;
	bool got[VMM_MAX_CPUS];

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < vmm->nr_cpus; i++) {
		got[i] = !axvcpu_vcpu_get_stats(&vmm->cpus[i].h, &st[i]);
		if (!got[i])
			continue;
		for (r = 0; r < 32; r++)
			sum.exits[r] += st[i].exits[r];
		sum.runs += st[i].runs;
		sum.run_ns += st[i].run_ns;
		sum.hw_exits += st[i].hw_exits;
	}

	fprintf(f, "axvcpu-run: statistics (%u CPU%s)\n", vmm->nr_cpus,
		vmm->nr_cpus == 1 ? "" : "s");
	fprintf(f, "  %-24s %12s\n", "exits to the VMM", "count");
	for (r = 1; r < 32; r++)
		if (sum.exits[r])
			fprintf(f, "  %-24s %12" PRIu64 "\n", axvcpu_exit_reason_name(r),
				(uint64_t)sum.exits[r]);
	fprintf(f, "  %-24s %12" PRIu64 "\n", "handled in the kernel", (uint64_t)sum.exits[0]);
	fprintf(f, "  %-24s %12" PRIu64 "\n", "hardware exits", (uint64_t)sum.hw_exits);
	fprintf(f, "  %-24s %12" PRIu64 "\n", "RUN calls", (uint64_t)sum.runs);

	fprintf(f, "  %-5s %12s %12s %12s %12s\n", "CPU", "wall ms", "guest ms", "halted ms",
		"VMM ms");
	for (i = 0; i < vmm->nr_cpus; i++) {
		struct cpu *c = &vmm->cpus[i];

		if (!got[i] || !c->start_ns)
			continue;
		wall = (c->end_ns ? c->end_ns : now_ns()) - c->start_ns;
		user = wall > st[i].run_ns + c->halt_ns ? wall - st[i].run_ns - c->halt_ns : 0;
		fprintf(f, "  %-5u %12.1f %12.1f %12.1f %12.1f\n", c->id, ms(wall),
			ms(st[i].run_ns), ms(c->halt_ns), ms(user));
		t_wall += wall;
		t_run += st[i].run_ns;
		t_halt += c->halt_ns;
		t_user += user;
	}
	fprintf(f, "  %-5s %12.1f %12.1f %12.1f %12.1f\n", "all", ms(t_wall), ms(t_run),
		ms(t_halt), ms(t_user));
}
