// SPDX-License-Identifier: MIT
/*
 * COM1, a 16550A at 0x3f8: 115200 8N1 without FIFOs, interrupts off. The
 * images print through it and may read it (input arrives when LSR.DR).
 */
#include "rt.h"

#define THRE_WAIT_LOOPS		100000

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, 0);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS_OUT2);
}

/* Waits (boundedly) for the transmitter; a stuck LSR costs speed, not output. */
void uart_putc(char c)
{
	unsigned int n;

	for (n = 0; n < THRE_WAIT_LOOPS; n++)
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

bool uart_rx_ready(void)
{
	return inb(COM1 + UART_LSR) & UART_LSR_DR;
}

uint8_t uart_getc(void)
{
	return inb(COM1 + UART_RBR);
}
