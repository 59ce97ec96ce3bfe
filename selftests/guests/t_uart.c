// SPDX-License-Identifier: MIT
/*
 * test=uart [input=<bytes>]: COM1's registers, then the bytes the VMM
 * got on its stdin: the first half read by polling LSR.DR, the rest by
 * the receive interrupt, through I/O APIC pin 4, waiting in HLT.
 */
#include "mbtest.h"

#define INPUT_MAX		64
#define INPUT_MS		5000

static uint8_t reg(unsigned int r)
{
	return inb(COM1 + r);
}

static void set(unsigned int r, uint8_t v)
{
	outb(COM1 + r, v);
}

static void check_registers(void)
{
	uint8_t dll, dlm, lcr, scr1, scr2, ier1, ier2;

	/* Nothing may print while DLAB is set: THR is the divisor latch then. */
	set(UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
	set(UART_DLL, 0x0c);
	set(UART_DLM, 0x01);
	dll = reg(UART_DLL);
	dlm = reg(UART_DLM);
	lcr = reg(UART_LCR);
	set(UART_DLL, 1);
	set(UART_DLM, 0);
	set(UART_LCR, UART_LCR_8N1);
	check(dll == 0x0c && dlm == 0x01, "uart: the divisor latch reads back with DLAB",
	      "DLL %#x DLM %#x", dll, dlm);
	check_eq(lcr, UART_LCR_DLAB | UART_LCR_8N1, "uart: LCR reads back");
	check_eq(reg(UART_LCR), UART_LCR_8N1, "uart: LCR reads back without DLAB");

	set(UART_SCR, 0x5a);
	scr1 = reg(UART_SCR);
	set(UART_SCR, 0xa5);
	scr2 = reg(UART_SCR);
	check(scr1 == 0x5a && scr2 == 0xa5, "uart: the scratch register reads back",
	      "%#x, %#x", scr1, scr2);

	check((reg(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT)) ==
	      (UART_LSR_THRE | UART_LSR_TEMT), "uart: LSR has THRE and TEMT", "LSR %#x",
	      reg(UART_LSR));

	set(UART_IER, 0x0f);
	ier1 = reg(UART_IER);
	set(UART_IER, 0);
	ier2 = reg(UART_IER);
	check(ier1 == 0x0f && ier2 == 0, "uart: IER reads back", "%#x, %#x", ier1, ier2);
}

static struct {
	uint8_t buf[INPUT_MAX];
	volatile unsigned int len;
	volatile unsigned int irqs;
	unsigned int want;
} rx;

static void uart_irq(struct rt_frame *f)
{
	(void)f;
	rx.irqs++;
	while (uart_rx_ready() && rx.len < INPUT_MAX)
		rx.buf[rx.len++] = uart_getc();
	apic_eoi();
}

static bool rx_ready(void *arg)
{
	(void)arg;
	return uart_rx_ready();
}

static void check_input(const char *input)
{
	unsigned int n = strlen(input), polled = (n + 1) / 2, i;

	if (n > INPUT_MAX)
		n = INPUT_MAX;
	for (i = 0; i < polled && rt_wait(rx_ready, NULL, INPUT_MS); i++)
		rx.buf[i] = uart_getc();
	rx.buf[i] = '\0';
	check(i == polled && !memcmp(rx.buf, input, polled),
	      "uart: the first half of input= read by polling LSR.DR", "read %u bytes \"%s\"",
	      i, (char *)rx.buf);
	if (i < polled || polled == n)
		return;

	rx.len = polled;
	rx.want = n;
	idt_set_handler(VEC_TEST, uart_irq);
	ioapic_route(UART_IRQ, VEC_TEST, 0);
	set(UART_IER, UART_IER_RDI);
	rt_wait_count(&rx.len, n, INPUT_MS);
	set(UART_IER, 0);
	ioapic_mask(UART_IRQ);
	rx.buf[rx.len < INPUT_MAX ? rx.len : INPUT_MAX - 1] = '\0';
	check(rx.irqs >= 1, "uart: the receive interrupt arrives through I/O APIC pin 4",
	      "%u interrupts", rx.irqs);
	check(rx.len == n && !memcmp(rx.buf, input, n),
	      "uart: the rest of input= read in the interrupt handler", "have \"%s\"",
	      (char *)rx.buf);
}

void test_uart(void)
{
	const char *input = arg_str("input");

	check_registers();
	if (input && *input)
		check_input(input);
	else
		skip("uart: input", "no input= argument");
}
