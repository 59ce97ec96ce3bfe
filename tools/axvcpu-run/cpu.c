// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: the VCPUs. Each runs libaxvcpu-user's run loop,
 * axvcpu_vcpu_run_loop(), in a thread of its own, with one callback per
 * exit type below. Before every RUN, pre_run() hands the APIC's next vector to
 * the kernel: at once when the last exit said the guest can take it, else
 * by asking for the interrupt window (IRQ_WINDOW_OPEN), so that no vector
 * leaves the APIC's IRR before the guest really takes it.
 *
 * A HLT exits to user space (no AXVCPU_OPT_HALT_IN_KERNEL: the interrupts
 * live here) and the thread waits on its condition variable until its
 * APIC has something the guest can take; whoever makes an interrupt
 * pending calls cpu_notify(), which wakes such a thread or KICKs a CPU
 * that is inside RUN.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmm.h"

/* The CPU whose thread this is (NULL in the main, timer and input threads). */
static __thread struct cpu *this_cpu;

/**
 * cpu_notify() - @cpu has a new event to look at: wake its HLT wait or
 * KICK it out of RUN (its next pre_run() sees the event). Under vmm->lock.
 */
void cpu_notify(struct cpu *cpu)
{
	if (cpu->halted)
		pthread_cond_signal(&cpu->wake);
	else if (cpu->power == CPU_RUNNING && cpu != this_cpu)
		axvcpu_vcpu_kick(&cpu->h);
}

static int pre_run(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct vmm *vmm = cpu->vmm;
	struct axvcpu_run *run = h->run;
	int vector, ret = 0;

	this_cpu = cpu;
	pthread_mutex_lock(&vmm->lock);
	if (vmm->done) {
		ret = 1;
		goto out;
	}
	if (cpu->apic.nmi) {
		ret = axvcpu_vcpu_inject_nmi(h);
		/* -EEXIST: one is pending in the kernel already; they merge. */
		if (ret && ret != -EEXIST)
			goto fail;
		cpu->apic.nmi = false;
		ret = 0;
	}

	run->request_interrupt_window = 0;
	vector = lapic_pending_vector(cpu);
	if (vector < 0)
		goto out;
	/*
	 * After a KICK or signal (INTR) the interrupt state is the one of an
	 * older exit: ask for the window rather than trust it.
	 */
	if (run->exit_reason == AXVCPU_EXIT_INTR || !run->ready_for_interrupt_injection) {
		run->request_interrupt_window = 1;
		goto out;
	}
	ret = axvcpu_vcpu_inject_interrupt(h, vector);
	if (ret == -EEXIST) {
		run->request_interrupt_window = 1;
		ret = 0;
	} else if (ret) {
		goto fail;
	} else {
		lapic_accept_vector(cpu, vector);
	}
out:
	pthread_mutex_unlock(&vmm->lock);
	return ret;
fail:
	vmm_stop(vmm, VMM_STATUS_ERROR, "CPU %u: injecting an event failed: %s", cpu->id,
		 axvcpu_strerror(ret));
	pthread_mutex_unlock(&vmm->lock);
	return 1;
}

static int on_io(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct axvcpu_run *run = h->run;
	unsigned int width = run->io.width, i;
	/* String I/O (INS/OUTS) moves count elements through the data page. */
	uint8_t *data = run->io.data_offset ? (uint8_t *)run + run->io.data_offset : NULL;
	uint64_t v;

	pthread_mutex_lock(&cpu->vmm->lock);
	for (i = 0; i < run->io.count; i++) {
		if (run->exit_reason == AXVCPU_EXIT_IO_READ) {
			v = port_read(cpu, run->io.port, width);
			if (data)
				memcpy(data + i * width, &v, width);
			else
				axvcpu_complete_io_read(h, v);
		} else {
			v = 0;
			if (data)
				memcpy(&v, data + i * width, width);
			else
				v = run->io.data;
			port_write(cpu, run->io.port, width, v);
		}
	}
	pthread_mutex_unlock(&cpu->vmm->lock);
	return 0;
}

static int on_mmio(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct axvcpu_run *run = h->run;

	pthread_mutex_lock(&cpu->vmm->lock);
	if (run->exit_reason == AXVCPU_EXIT_MMIO_READ)
		axvcpu_complete_mmio_read(h, mmio_read(cpu, run->mmio.gpa, run->mmio.width));
	else
		mmio_write(cpu, run->mmio.gpa, run->mmio.width, run->mmio.data);
	pthread_mutex_unlock(&cpu->vmm->lock);
	return 0;
}

/* MSRs nobody models read as 0 and ignore writes (KVM's ignore_msrs). */
static int on_sysreg(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct axvcpu_run *run = h->run;
	uint32_t msr = run->sysreg.addr;
	uint64_t v = 0;
	bool known;

	pthread_mutex_lock(&cpu->vmm->lock);
	if (run->exit_reason == AXVCPU_EXIT_SYSREG_READ) {
		known = lapic_msr_read(cpu, msr, &v);
		axvcpu_complete_sysreg_read(h, v);
	} else {
		known = lapic_msr_write(cpu, msr, run->sysreg.data);
	}
	pthread_mutex_unlock(&cpu->vmm->lock);
	if (!known && cpu->vmm->opt.verbose)
		vmm_warn(cpu->vmm, "CPU %u: %s of unknown MSR 0x%x ignored", cpu->id,
			 run->exit_reason == AXVCPU_EXIT_SYSREG_READ ? "RDMSR" : "WRMSR", msr);
	return 0;
}

static int on_hypercall(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct vmm *vmm = cpu->vmm;
	struct axvcpu_run *run = h->run;
	uint64_t gpa = run->hypercall.args[0], len = run->hypercall.args[1], ret;
	const void *p;

	switch (run->hypercall.nr) {
	case HC_CONSOLE_WRITE:
		pthread_mutex_lock(&vmm->lock);
		p = len <= (1U << 20) ? axvcpu_mem_gpa_to_hva(&vmm->mem, gpa, len ? len : 1) : NULL;
		if (p) {
			fwrite(p, 1, len, vmm->uart.out);
			ret = len;
		} else {
			ret = (uint64_t)-EFAULT;
		}
		pthread_mutex_unlock(&vmm->lock);
		break;
	case HC_CLOCK_NS:
		ret = now_ns();
		break;
	default:
		ret = HC_ENOSYS;
		break;
	}
	axvcpu_complete_hypercall(h, ret);
	return 0;
}

/* Every running CPU sits in a HLT with interrupts off and no NMI to come. */
static bool all_cpus_dead(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_cpus; i++) {
		struct cpu *c = &vmm->cpus[i];

		if (c->power == CPU_RUNNING && (!c->halted || c->halted_if || c->apic.nmi))
			return false;
	}
	return true;
}

static int on_halt(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct vmm *vmm = cpu->vmm;
	uint64_t t0 = now_ns();
	int ret;

	pthread_mutex_lock(&vmm->lock);
	cpu->halted = true;
	cpu->halted_if = h->run->if_flag;
	while (!vmm->done && !lapic_can_wake(cpu, cpu->halted_if)) {
		if (all_cpus_dead(vmm)) {
			vmm_stop(vmm, VMM_STATUS_OK, "every CPU halted with interrupts disabled");
			break;
		}
		pthread_cond_wait(&cpu->wake, &vmm->lock);
	}
	cpu->halted = false;
	ret = vmm->done;
	pthread_mutex_unlock(&vmm->lock);
	cpu->halt_ns += now_ns() - t0;
	return ret;
}

static int on_send_ipi(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;

	pthread_mutex_lock(&cpu->vmm->lock);
	lapic_send_ipi_exit(cpu, h->run);
	pthread_mutex_unlock(&cpu->vmm->lock);
	return 0;
}

static int on_cpu_up(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;

	pthread_mutex_lock(&cpu->vmm->lock);
	lapic_cpu_up(cpu, h->run->cpu_up.target, h->run->cpu_up.entry);
	pthread_mutex_unlock(&cpu->vmm->lock);
	return 0;
}

static int on_cpu_down(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct vmm *vmm = cpu->vmm;
	unsigned int i, up = 0;

	(void)h;
	pthread_mutex_lock(&vmm->lock);
	cpu->power = CPU_OFF;
	for (i = 0; i < vmm->nr_cpus; i++)
		up += vmm->cpus[i].power == CPU_RUNNING;
	if (!up)
		vmm_stop(vmm, VMM_STATUS_OK, "every CPU turned itself off");
	pthread_mutex_unlock(&vmm->lock);
	return 1;		/* this CPU's loop is over */
}

static int on_system_down(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct vmm *vmm = cpu->vmm;

	pthread_mutex_lock(&vmm->lock);
	switch (h->run->system_down.type) {
	case AXVCPU_SYSTEM_DOWN_TRIPLE_FAULT:
		vmm_stop(vmm, VMM_STATUS_CRASH, "CPU %u triple-faulted: the guest took an "
			 "exception it could not handle", cpu->id);
		break;
	case AXVCPU_SYSTEM_DOWN_RESET:
		vmm_stop(vmm, VMM_STATUS_OK, "CPU %u reset the machine", cpu->id);
		break;
	default:
		vmm_stop(vmm, VMM_STATUS_OK, "CPU %u shut the machine down", cpu->id);
		break;
	}
	pthread_mutex_unlock(&vmm->lock);
	return 1;
}

static int on_intr(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;

	(void)h;
	return __atomic_load_n(&cpu->vmm->done, __ATOMIC_ACQUIRE);
}

static int on_irq_window(struct axvcpu_vcpu_handle *h, void *opaque)
{
	(void)h;
	(void)opaque;
	return 0;		/* pre_run() injects now that the guest can take it */
}

/* Exits a well-behaved guest never causes: report and stop the VM. */
static int on_other(struct axvcpu_vcpu_handle *h, void *opaque)
{
	struct cpu *cpu = opaque;
	struct vmm *vmm = cpu->vmm;
	struct axvcpu_run *run = h->run;
	char bytes[3 * 16 + 1] = "";
	unsigned int i;

	pthread_mutex_lock(&vmm->lock);
	switch (run->exit_reason) {
	case AXVCPU_EXIT_EXTERNAL_INTERRUPT:
		pthread_mutex_unlock(&vmm->lock);
		return 0;
	case AXVCPU_EXIT_INTERNAL_ERROR:
		for (i = 0; i < run->internal.insn_len && i < 16; i++)
			sprintf(bytes + 3 * i, " %02x", run->internal.insn[i]);
		vmm_stop(vmm, VMM_STATUS_CRASH, "CPU %u: the kernel cannot emulate the "
			 "instruction at RIP 0x%" PRIx64 " (suberror %u, bytes:%s)", cpu->id,
			 (uint64_t)run->rip, run->internal.suberror,
			 run->internal.insn_len ? bytes : " none");
		break;
	case AXVCPU_EXIT_FAIL_ENTRY:
		vmm_stop(vmm, VMM_STATUS_CRASH, "CPU %u: the hardware refused the guest state "
			 "(reason 0x%" PRIx64 ")", cpu->id, (uint64_t)run->fail_entry.hardware_reason);
		break;
	case AXVCPU_EXIT_NESTED_PAGE_FAULT:
		vmm_stop(vmm, VMM_STATUS_CRASH, "CPU %u: guest access to 0x%" PRIx64 " that no "
			 "memory allows (access 0x%x)", cpu->id, (uint64_t)run->npf.gpa,
			 run->npf.access);
		break;
	default:
		vmm_stop(vmm, VMM_STATUS_CRASH, "CPU %u: unexpected exit %s", cpu->id,
			 axvcpu_exit_reason_name(run->exit_reason));
		break;
	}
	pthread_mutex_unlock(&vmm->lock);
	return 1;
}

static const struct axvcpu_exit_handlers handlers = {
	.io = on_io,
	.mmio = on_mmio,
	.sysreg = on_sysreg,
	.hypercall = on_hypercall,
	.halt = on_halt,
	.send_ipi = on_send_ipi,
	.cpu_up = on_cpu_up,
	.cpu_down = on_cpu_down,
	.system_down = on_system_down,
	.intr = on_intr,
	.irq_window = on_irq_window,
	.pre_run = pre_run,
	.other = on_other,
};

/*
 * The body of a CPU's thread: bind, run the loop until a callback or the
 * VM's end stops it, unbind. A RUN that fails ends the VM with its error.
 */
static void *cpu_thread(void *arg)
{
	struct cpu *cpu = arg;
	struct vmm *vmm = cpu->vmm;
	int ret;

	this_cpu = cpu;
	ret = axvcpu_vcpu_bind(&cpu->h);
	if (!ret) {
		ret = axvcpu_vcpu_run_loop(&cpu->h, &handlers, cpu, &vmm->done);
		axvcpu_vcpu_unbind(&cpu->h);
	}
	pthread_mutex_lock(&vmm->lock);
	if (ret < 0)
		vmm_stop(vmm, VMM_STATUS_ERROR, "CPU %u: RUN failed: %s", cpu->id,
			 axvcpu_strerror(ret));
	cpu->power = CPU_OFF;
	cpu->end_ns = now_ns();
	pthread_mutex_unlock(&vmm->lock);
	return NULL;
}

/* Start @cpu's thread; it is set up already. Under vmm->lock. */
static int cpu_launch(struct cpu *cpu)
{
	int ret;

	cpu->power = CPU_RUNNING;
	cpu->start_ns = now_ns();
	ret = -pthread_create(&cpu->tid, NULL, cpu_thread, cpu);
	if (ret) {
		cpu->power = CPU_OFF;
		vmm_stop(cpu->vmm, VMM_STATUS_ERROR, "CPU %u: no thread: %s", cpu->id,
			 axvcpu_strerror(ret));
		return ret;
	}
	cpu->started = true;
	return 0;
}

/**
 * cpu_start() - an AP got its STARTUP: set it up in real mode at
 * @real_entry (vector << 12) and run it. Under vmm->lock.
 * Return: 0 or a negative errno (the VM is stopped then).
 */
int cpu_start(struct cpu *cpu, uint64_t real_entry)
{
	int ret;

	if (cpu->vmm->done)
		return -ESHUTDOWN;
	ret = axvcpu_vcpu_start_real(&cpu->h, real_entry, 0);
	if (ret) {
		vmm_stop(cpu->vmm, VMM_STATUS_ERROR, "CPU %u: SETUP at 0x%" PRIx64 " failed: %s",
			 cpu->id, real_entry, axvcpu_strerror(ret));
		return ret;
	}
	return cpu_launch(cpu);
}

/**
 * cpu_start_bsp() - run CPU 0, which main.c set up for the image. Under
 * vmm->lock.
 */
int cpu_start_bsp(struct cpu *cpu)
{
	return cpu_launch(cpu);
}

/**
 * cpu_stop_all() - end every CPU's loop once vmm->done is set: a KICK
 * ends a RUN in progress, a signal ends a HLT wait, and the loop sees
 * vmm->done before its next RUN. Under vmm->lock.
 */
void cpu_stop_all(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_cpus; i++) {
		struct cpu *c = &vmm->cpus[i];

		pthread_cond_signal(&c->wake);
		if (c->power == CPU_RUNNING)
			axvcpu_vcpu_kick(&c->h);
	}
}

/** cpu_join_all() - wait for every CPU thread. Not under vmm->lock. */
void cpu_join_all(struct vmm *vmm)
{
	unsigned int i;

	for (i = 0; i < vmm->nr_cpus; i++) {
		if (vmm->cpus[i].started)
			pthread_join(vmm->cpus[i].tid, NULL);
		vmm->cpus[i].started = false;
	}
}
