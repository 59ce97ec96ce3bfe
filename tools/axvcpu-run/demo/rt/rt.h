/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime shared by demo.elf and mbtest.elf: a Multiboot 1
 * kernel that boot.S takes to 64-bit long mode (4 GiB identity mapped
 * with 2 MiB pages, the top 32 MiB uncached for the APICs and the test
 * device) before it calls the image's main() on CPU 0 with IF=0.
 *
 * The machine is QEMU's pc as far as the images use it; axvcpu-run adds a
 * test device and hypercalls (axvcpu_run.c). Nothing here allocates
 * memory; every table is static.
 *
 * Interrupts are taken only where the code enables them: rt_wait() and
 * rt_spin_until() do, so does an AP once its function runs.
 */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io.h"
#include "multiboot.h"

#define RT_MAX_CPUS		64	/* APIC IDs 0..63 */

/* Vectors the runtime owns; the images use 0x30..0xef. */
#define RT_VEC_TICK		0xf0	/* rt_wait()'s clock */
#define RT_VEC_SPURIOUS		0xff

/* start.c: the C side of boot.S */
extern uint32_t rt_mb_magic;		/* EAX at entry */
extern uint32_t rt_mb_info;		/* EBX at entry */
extern struct multiboot_info *rt_mbi;	/* EBX, or NULL when EAX was wrong */
extern char __image_start[], __image_end[];	/* the loaded image (image.ld) */
int main(void);				/* the image's; returns its exit code */
void rt_exit(unsigned int code) __attribute__((noreturn));

/* args.c: the Multiboot command line, "<image name> key=value ..." */
const char *rt_cmdline(void);		/* as the loader gave it ("" if none) */
const char *arg_str(const char *key);	/* value of key=, or NULL */
uint64_t arg_u64(const char *key, uint64_t def);
bool arg_size(const char *key, uint64_t *bytes);	/* 256M, 1G, 4096K; bare: MiB */
bool list_next(const char **list, char *item, size_t size);	/* "a,b,c" */

/* string.c */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
bool parse_u64(const char *s, uint64_t *v, const char **end);	/* decimal or 0x */

/* print.c: to COM1, one call's output never split by another CPU's */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* uart.c: COM1, a 16550A at 0x3f8, 115200 8N1, no FIFO */
#define COM1			0x3f8
#define UART_RBR		0	/* receive buffer (read), THR (write) */
#define UART_THR		0
#define UART_DLL		0	/* divisor latch, with LCR_DLAB */
#define UART_IER		1
#define UART_DLM		1
#define UART_IIR		2	/* read; FCR when written */
#define UART_FCR		2
#define UART_LCR		3
#define UART_MCR		4
#define UART_LSR		5
#define UART_MSR		6
#define UART_SCR		7
#define UART_IER_RDI		0x01	/* interrupt on received data */
#define UART_LCR_8N1		0x03
#define UART_LCR_DLAB		0x80
#define UART_MCR_DTR_RTS_OUT2	0x0b	/* OUT2 gates the IRQ line on a PC */
#define UART_LSR_DR		0x01	/* data ready */
#define UART_LSR_THRE		0x20
#define UART_LSR_TEMT		0x40
#define UART_IRQ		4	/* I/O APIC pin */
void uart_init(void);
void uart_putc(char c);
bool uart_rx_ready(void);
uint8_t uart_getc(void);		/* only when uart_rx_ready() */

/* idt.c: one handler per vector, called with IF=0 */
struct rt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*rt_handler_t)(struct rt_frame *f);
void idt_init(void);
void idt_load(void);
void idt_set_handler(unsigned int vector, rt_handler_t fn);

/* apic.c: this CPU's local APIC, xAPIC page or x2APIC MSRs */
#define APIC_BASE		0xfee00000UL
#define MSR_APIC_BASE		0x1b
#define APIC_BASE_BSP		(1UL << 8)
#define APIC_BASE_EXTD		(1UL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1UL << 11)
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC(reg)		(0x800 + ((reg) >> 4))
/* Register offsets in the xAPIC page. */
#define APIC_ID			0x020
#define APIC_VER		0x030
#define APIC_TPR		0x080
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SPIV		0x0f0
#define APIC_ISR		0x100	/* 8 registers 0x10 apart, 32 vectors each */
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_ICR		0x300	/* low half; the high one at 0x310 */
#define APIC_ICR2		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_LVT_ERROR		0x370
#define APIC_TIMER_ICR		0x380	/* initial count */
#define APIC_TIMER_CCR		0x390	/* current count */
#define APIC_TIMER_DCR		0x3e0	/* divide configuration */
#define APIC_SPIV_ENABLE	(1U << 8)
#define APIC_DFR_FLAT		0xffffffffU
#define APIC_DFR_CLUSTER	0x0fffffffU
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_TIMER_ONESHOT	(0U << 17)
#define APIC_TIMER_PERIODIC	(1U << 17)
#define APIC_TIMER_TSC_DEADLINE	(2U << 17)
#define APIC_DIV_1		0xb
#define APIC_DIV_16		0x3
#define APIC_TIMER_HZ		1000000000UL	/* before the divider, as in QEMU */
/* ICR: delivery mode, level, destination mode and shorthand. */
#define APIC_DM_FIXED		(0U << 8)
#define APIC_DM_NMI		(4U << 8)
#define APIC_DM_INIT		(5U << 8)
#define APIC_DM_STARTUP		(6U << 8)
#define APIC_DEST_LOGICAL	(1U << 11)
#define APIC_ICR_BUSY		(1U << 12)
#define APIC_LEVEL_ASSERT	(1U << 14)
#define APIC_DEST_SELF		(1U << 18)
#define APIC_DEST_ALL		(2U << 18)
#define APIC_DEST_OTHERS	(3U << 18)
void apic_init(void);			/* enable, TPR 0, every LVT masked */
uint32_t apic_read(unsigned int reg);
void apic_write(unsigned int reg, uint32_t val);
unsigned int apic_id(void);
void apic_eoi(void);
bool apic_send_ipi(uint32_t dest, uint32_t icr);	/* false: stayed busy */
void apic_timer_start(uint32_t lvt, uint32_t divide, uint32_t count);
void apic_timer_stop(void);
bool apic_vector_bit(unsigned int reg, unsigned int vector);	/* in ISR/TMR/IRR */
void apic_set_x2apic(bool on);		/* how apic_*() reach the APIC */
bool apic_x2apic(void);

/* ioapic.c: the I/O APIC at 0xfec00000, edge-triggered pins */
#define IOAPIC_BASE		0xfec00000UL
uint32_t ioapic_read(unsigned int reg);
void ioapic_write(unsigned int reg, uint32_t val);
void ioapic_route(unsigned int pin, uint8_t vector, uint8_t apic_id);
void ioapic_mask(unsigned int pin);

/* wait.c: bounded waits */
#define RT_SPIN_TIMEOUT		(1UL << 25)	/* loops: ~8 s under TCG (0.25 us each) */
bool rt_wait(bool (*done)(void *arg), void *arg, unsigned int ms);
void rt_delay_ms(unsigned int ms);
bool rt_wait_count(volatile unsigned int *count, unsigned int want, unsigned int ms);
unsigned long rt_spin_until(volatile unsigned int *count, unsigned int want,
			    unsigned long loops);

/* smp.c: application processors */
int smp_start_ap(unsigned int apic_id, void (*fn)(unsigned int apic_id));

/* fwcfg.c: QEMU's fw_cfg, legacy I/O ports 0x510/0x511 */
#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_RAM_SIZE		0x0003
#define FW_CFG_NB_CPUS		0x0005
void fwcfg_read(uint16_t key, void *buf, size_t len);
bool fwcfg_present(void);		/* the signature reads "QEMU" */
uint64_t fwcfg_u64(uint16_t key);	/* little-endian */
uint16_t fwcfg_u16(uint16_t key);

/* axvcpu_run.c: what only axvcpu-run has */
#define TESTDEV_BASE		0xfeb00000UL
#define TESTDEV_ID		0x00
#define TESTDEV_SCRATCH		0x08
#define TESTDEV_ACCESSES	0x10
#define TESTDEV_ID_VALUE	0x52565841U	/* "AXVR" in memory */
#define HC_CONSOLE_WRITE	1
#define HC_CLOCK_NS		2
#define HC_ENOSYS		((uint64_t)-1000)
bool under_axvcpu_run(void);		/* probed once, at boot */
void axvcpu_run_probe(void);
uint64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1);

#endif /* RT_H */
