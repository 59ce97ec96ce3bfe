/* SPDX-License-Identifier: MIT */
/*
 * axvcpu-run: the parts of the example VMM and what they share.
 *
 * One VM, up to VMM_MAX_CPUS VCPUs, each run by libaxvcpu-user's run loop
 * in a thread of its own. Every device model is in user space; a single
 * mutex, &struct vmm.lock, guards all of them and every VCPU's power and
 * halt state, so the models need no locking of their own. The local APICs
 * live here too, not in the kernel: the module keeps no APIC state (it
 * only turns x2APIC ICR writes into SEND_IPI / CPU_UP exits), and a model
 * in user space is one a reader can follow from exit to injection.
 */
#ifndef AXVCPU_RUN_VMM_H
#define AXVCPU_RUN_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "axvcpu-user.h"

#define VMM_MAX_CPUS		64
#define VMM_MAX_ENV		64

/* Exit statuses of axvcpu-run itself (the debug-exit port gives odd ones). */
#define VMM_STATUS_OK		0	/* guest powered off or halted for good */
#define VMM_STATUS_CRASH	2	/* triple fault, failed entry, emulation error */
#define VMM_STATUS_TIMEOUT	124	/* --timeout expired */
#define VMM_STATUS_ERROR	125	/* axvcpu-run could not start the guest */

/* Guest physical addresses of the devices (QEMU's pc places, and one of ours). */
#define LAPIC_BASE_DEFAULT	0xfee00000ULL
#define IOAPIC_BASE		0xfec00000ULL
#define IOAPIC_SIZE		0x1000ULL
#define TESTDEV_BASE		0xfeb00000ULL
#define TESTDEV_SIZE		0x1000ULL

/* Hypercalls (VMMCALL, number in RAX). */
#define HC_CONSOLE_WRITE	1	/* RDI = GPA, RSI = length; returns bytes written */
#define HC_CLOCK_NS		2	/* returns the host's CLOCK_MONOTONIC in ns */
#define HC_ENOSYS		((uint64_t)-1000)	/* unknown number (KVM's KVM_ENOSYS) */

/* I/O APIC pin of COM1, as on the pc. */
#define UART_IRQ		4

enum cpu_power {
	CPU_WAIT_SIPI,		/* an AP before its STARTUP */
	CPU_RUNNING,		/* its thread runs the loop */
	CPU_OFF,		/* CPU_DOWN, or the loop ended */
};

/**
 * struct lapic - one local APIC (lapic.c); every field under vmm->lock.
 * @base:      IA32_APIC_BASE (address, enable bit 11, x2APIC bit 10, BSP bit 8).
 * @id:        APIC id (the VCPU id).
 * @tpr:       task priority. @ldr, @dfr: logical destination, format.
 * @spiv:      spurious vector register (bit 8: software enable).
 * @esr:       error status. @icr: interrupt command (high half: destination).
 * @lvt:       LVT timer, thermal, perf, LINT0, LINT1, error (xAPIC order
 *             0x320..0x370), and CMCI at index 6.
 * @irr:       requested vectors. @isr: in service. @tmr: level-triggered.
 * @nmi:       an NMI waits to be injected.
 * @timer_initial: initial count. @timer_dcr: divide configuration.
 * @timer_start: host ns when the count was loaded.
 * @timer_due: host ns of the next expiry, 0 when not armed.
 * @tsc_deadline: IA32_TSC_DEADLINE as written (0: disarmed).
 */
struct lapic {
	uint64_t base;
	uint32_t id;
	uint32_t tpr;
	uint32_t ldr;
	uint32_t dfr;
	uint32_t spiv;
	uint32_t esr;
	uint64_t icr;
	uint32_t lvt[7];
	uint32_t irr[8];
	uint32_t isr[8];
	uint32_t tmr[8];
	bool nmi;
	uint32_t timer_initial;
	uint32_t timer_dcr;
	uint64_t timer_start;
	uint64_t timer_due;
	uint64_t tsc_deadline;
};

struct vmm;

/**
 * struct cpu - one VCPU.
 * @vmm:     the VM. @id: VCPU id (= APIC id).
 * @h:       the library handle.
 * @tid:     the thread running the loop, valid when @started.
 * @power:   enum cpu_power, under vmm->lock.
 * @halted:  its thread waits in HLT for an interrupt (under vmm->lock).
 * @halted_if: RFLAGS.IF of that HLT.
 * @wake:    signalled when an interrupt or a stop may end that wait.
 * @apic:    its local APIC.
 * @start_ns, @end_ns: when its thread started and ended (for --stats).
 * @halt_ns: time it waited in HLT.
 */
struct cpu {
	struct vmm *vmm;
	uint32_t id;
	struct axvcpu_vcpu_handle h;
	pthread_t tid;
	bool started;
	enum cpu_power power;
	bool halted;
	bool halted_if;
	pthread_cond_t wake;
	struct lapic apic;
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t halt_ns;
};

/** struct uart - a 16550A (uart.c); under vmm->lock. */
struct uart {
	uint8_t ier, iir_thri, lcr, mcr, scr, dll, dlm, fcr;
	bool irq_line;
	uint8_t rx[256];
	unsigned int rx_head, rx_len;
	FILE *out;
	int in_fd;
};

/** struct ioapic - the I/O APIC (ioapic.c); under vmm->lock. */
struct ioapic {
	uint32_t id;
	uint32_t sel;
	uint64_t redir[24];
	uint32_t lines;
};

/** struct options - the command line. */
struct options {
	const char *image;
	uint64_t mem;
	unsigned int cpus;
	uint64_t entry;
	bool entry_set;
	uint32_t mode;
	const char *cpuid_mask;
	const char *env[VMM_MAX_ENV];
	unsigned int nr_env;
	const char *serial;
	bool stats;
	double timeout;
	bool verbose;
	const char *device;
	char *guest_args;
};

/**
 * struct vmm - the VM and its machine.
 * @lock:    guards the devices, every APIC and every CPU's power state.
 * @timer_cond: wakes the timer thread when a deadline changes or on stop.
 * @done_cond:  wakes the main thread when the VM is over.
 * @done:    the VM is over; @status is the exit status, @why what ended it.
 */
struct vmm {
	struct options opt;
	struct axvcpu_sys sys;
	struct axvcpu_vm_handle vm;
	struct axvcpu_guest_mem mem;
	uint64_t ram_below_4g;
	unsigned int nr_cpus;
	struct cpu cpus[VMM_MAX_CPUS];
	struct axvcpu_cpuid_entry *cpuid;
	unsigned int cpuid_nent;

	pthread_mutex_t lock;
	pthread_cond_t timer_cond;
	pthread_cond_t done_cond;
	pthread_t timer_thread;
	pthread_t input_thread;
	bool input_started;
	int done;
	int status;
	char why[160];

	struct uart uart;
	struct ioapic ioapic;
	uint16_t fwcfg_key;
	uint32_t fwcfg_off;
	uint64_t testdev_scratch;
	uint64_t testdev_accesses;
	uint64_t tsc_khz;
	uint64_t start_ns;
};

/* main.c */
uint64_t now_ns(void);
void vmm_stop(struct vmm *vmm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vmm_warn(struct vmm *vmm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cpu.c: VCPU threads, halt, start-up, the interrupt hand-off */
int cpu_start(struct cpu *cpu, uint64_t real_entry);
int cpu_start_bsp(struct cpu *cpu);
void cpu_notify(struct cpu *cpu);
void cpu_stop_all(struct vmm *vmm);
void cpu_join_all(struct vmm *vmm);

/* lapic.c */
void lapic_reset(struct cpu *cpu);
bool lapic_mmio_hit(struct cpu *cpu, uint64_t gpa);
uint64_t lapic_mmio_read(struct cpu *cpu, uint64_t gpa, unsigned int width);
void lapic_mmio_write(struct cpu *cpu, uint64_t gpa, unsigned int width, uint64_t val);
bool lapic_msr_read(struct cpu *cpu, uint32_t msr, uint64_t *val);
bool lapic_msr_write(struct cpu *cpu, uint32_t msr, uint64_t val);
void lapic_send_ipi_exit(struct cpu *cpu, const struct axvcpu_run *run);
void lapic_deliver(struct vmm *vmm, struct cpu *from, uint32_t dest, bool logical,
		   unsigned int mode, unsigned int shorthand, uint8_t vector);
int lapic_pending_vector(struct cpu *cpu);
void lapic_accept_vector(struct cpu *cpu, int vector);
bool lapic_can_wake(struct cpu *cpu, bool if_flag);
uint64_t lapic_timer_check(struct cpu *cpu, uint64_t now);
void lapic_cpu_up(struct cpu *from, uint32_t target, uint64_t entry);

/* ioapic.c */
void ioapic_reset(struct ioapic *io);
uint64_t ioapic_read(struct vmm *vmm, uint64_t off, unsigned int width);
void ioapic_write(struct vmm *vmm, uint64_t off, unsigned int width, uint64_t val);
void ioapic_set_line(struct vmm *vmm, unsigned int pin, bool level);

/* uart.c */
int uart_init(struct vmm *vmm, const char *serial);
uint8_t uart_read(struct vmm *vmm, unsigned int reg);
void uart_write(struct vmm *vmm, unsigned int reg, uint8_t val);
void uart_close(struct vmm *vmm);
void *uart_input_thread(void *arg);

/* ports.c and mmio.c: exits to devices */
uint64_t port_read(struct cpu *cpu, uint16_t port, unsigned int width);
void port_write(struct cpu *cpu, uint16_t port, unsigned int width, uint64_t val);
uint64_t mmio_read(struct cpu *cpu, uint64_t gpa, unsigned int width);
void mmio_write(struct cpu *cpu, uint64_t gpa, unsigned int width, uint64_t val);

/* timer.c */
void *timer_thread(void *arg);
uint64_t tsc_to_ns(struct vmm *vmm, uint64_t tsc);
uint64_t rdtsc_now(void);
uint64_t tsc_measure_khz(void);

/* cpuid.c */
int cpuid_build(struct vmm *vmm, const char *mask);
int cpuid_apply(struct cpu *cpu);
void cpuid_list_features(FILE *f);

/* stats.c */
void stats_print(struct vmm *vmm, FILE *f);

#endif /* AXVCPU_RUN_VMM_H */
