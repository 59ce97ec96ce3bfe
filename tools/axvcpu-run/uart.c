// SPDX-License-Identifier: MIT
/*
 * axvcpu-run: COM1, a 16550A at port 0x3f8 (National Semiconductor
 * PC16550D datasheet). Transmission is instant, so THR is always empty
 * (LSR THRE and TEMT set); the divisor latch, scratch and control
 * registers keep what the guest writes. Input comes from a thread
 * reading stdin (--serial stdio); the received-data and THR-empty
 * interrupts drive I/O APIC pin 4 as a level, as QEMU's model does, so
 * a guest that drains the receiver in its handler sees one edge per
 * burst. Runs under vmm->lock, but for the input thread's read().
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

enum {
	UART_RBR_THR,	/* DLL with DLAB */
	UART_IER,	/* DLM with DLAB */
	UART_IIR_FCR,
	UART_LCR,
	UART_MCR,
	UART_LSR,
	UART_MSR,
	UART_SCR,
};

#define LCR_DLAB	0x80
#define IER_RDA		0x01
#define IER_THRE	0x02
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFO	0xc0
#define FCR_FIFO	0x01
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
/* CTS, DSR and DCD asserted: a terminal is always there. */
#define MSR_VALUE	0xb0

static void uart_update_irq(struct vmm *vmm)
{
	struct uart *u = &vmm->uart;
	bool line = ((u->ier & IER_RDA) && u->rx_len) || ((u->ier & IER_THRE) && u->iir_thri);

	if (line != u->irq_line) {
		u->irq_line = line;
		ioapic_set_line(vmm, UART_IRQ, line);
	}
}

static uint8_t uart_iir(struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_FIFO) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDA) && u->rx_len)
		return fifo | IIR_RDA;
	if ((u->ier & IER_THRE) && u->iir_thri)
		return fifo | IIR_THRE;
	return fifo | IIR_NONE;
}

/**
 * uart_read() - a guest IN from register @reg (0-7) of COM1.
 * Return: the byte.
 */
uint8_t uart_read(struct vmm *vmm, unsigned int reg)
{
	struct uart *u = &vmm->uart;
	uint8_t v = 0;

	switch (reg) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (u->rx_len) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % sizeof(u->rx);
			u->rx_len--;
		}
		break;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = uart_iir(u);
		/* Reading IIR while it shows THR empty acknowledges that. */
		if ((v & 0xf) == IIR_THRE)
			u->iir_thri = 0;
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0);
	case UART_MSR:
		return MSR_VALUE;
	case UART_SCR:
		return u->scr;
	}
	uart_update_irq(vmm);
	return v;
}

/** uart_write() - a guest OUT of @val to register @reg (0-7) of COM1. */
void uart_write(struct vmm *vmm, unsigned int reg, uint8_t val)
{
	struct uart *u = &vmm->uart;

	switch (reg) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return;
		}
		fputc(val, u->out);
		u->iir_thri = 1;	/* sent at once: THR is empty again */
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return;
		}
		/* Enabling the THRE interrupt with THR empty raises it (16550D). */
		if ((val & IER_THRE) && !(u->ier & IER_THRE))
			u->iir_thri = 1;
		u->ier = val & 0x0f;
		break;
	case UART_IIR_FCR:
		u->fcr = val & 0xc9;
		if (val & 0x02) {	/* clear the receive FIFO */
			u->rx_len = 0;
			u->rx_head = 0;
		}
		break;
	case UART_LCR:
		u->lcr = val;
		return;
	case UART_MCR:
		u->mcr = val & 0x1f;
		return;
	case UART_SCR:
		u->scr = val;
		return;
	default:
		return;		/* LSR and MSR are read-only */
	}
	uart_update_irq(vmm);
}

/**
 * uart_input_thread() - feed what arrives on the input fd to the
 * receiver, waiting while its 256-byte FIFO is full.
 * @arg: the VM.
 *
 * Return: NULL at end of input or when the VM is over.
 */
void *uart_input_thread(void *arg)
{
	struct vmm *vmm = arg;
	struct uart *u = &vmm->uart;
	char buf[64];
	ssize_t n, i;

	for (;;) {
		n = read(u->in_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		for (i = 0; i < n;) {
			pthread_mutex_lock(&vmm->lock);
			if (vmm->done) {
				pthread_mutex_unlock(&vmm->lock);
				return NULL;
			}
			while (i < n && u->rx_len < sizeof(u->rx)) {
				u->rx[(u->rx_head + u->rx_len) % sizeof(u->rx)] = buf[i++];
				u->rx_len++;
			}
			uart_update_irq(vmm);
			pthread_mutex_unlock(&vmm->lock);
			if (i < n)
				usleep(1000);	/* the guest has yet to drain it */
		}
	}
}

/**
 * uart_init() - COM1 as after reset, its output to @serial: "stdio" (or
 * NULL) for stdout with stdin as input, anything else a file to create.
 * Return: 0 or a negative errno.
 */
int uart_init(struct vmm *vmm, const char *serial)
{
	struct uart *u = &vmm->uart;

	memset(u, 0, sizeof(*u));
	u->in_fd = -1;
	if (!serial || !strcmp(serial, "stdio")) {
		u->out = stdout;
		u->in_fd = STDIN_FILENO;
	} else {
		u->out = fopen(serial, "w");
		if (!u->out)
			return -errno;
	}
	/* Whole lines as they come: the guest's output interleaves with ours. */
	setvbuf(u->out, NULL, _IOLBF, 0);
	return 0;
}

/** uart_close() - flush the output; close it when it is a file. */
void uart_close(struct vmm *vmm)
{
	struct uart *u = &vmm->uart;

	if (!u->out)
		return;
	fflush(u->out);
	if (u->out != stdout)
		fclose(u->out);
	u->out = NULL;
}
