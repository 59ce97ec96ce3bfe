// SPDX-License-Identifier: MIT
/*
 * printf and friends, to COM1. Supported: %d %i %u %x %X %p %s %c %%, the
 * flags '0', '-' and '#', a field width, a precision for %s (at most that
 * many characters), and the sizes hh h l ll z.
 * printf() formats into a buffer first and sends it under a lock with
 * interrupts off, so lines from different CPUs do not mix (an NMI
 * handler must not print: it could interrupt the lock's holder).
 */
#include "rt.h"

#define PRINT_MAX		512

struct out {
	char *buf;
	size_t size, len;	/* len counts what did not fit as well */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, unsigned int width,
		       bool left, char pad)
{
	size_t i;

	for (i = n; !left && i < width; i++)
		put(o, pad);
	for (i = 0; i < n; i++)
		put(o, s[i]);
	for (i = n; left && i < width; i++)
		put(o, ' ');
}

static void put_number(struct out *o, uint64_t v, bool negative, unsigned int base,
		       bool upper, const char *prefix, unsigned int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, len, fill;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + strlen(prefix) + negative;
	fill = width > len ? width - len : 0;
	/* Zero padding goes between the sign or prefix and the digits. */
	for (; !left && pad == ' ' && fill; fill--)
		put(o, ' ');
	if (negative)
		put(o, '-');
	while (*prefix)
		put(o, *prefix++);
	for (; !left && fill; fill--)
		put(o, '0');
	while (n)
		put(o, tmp[--n]);
	for (; fill; fill--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool left = false, alt = false;
		unsigned int width = 0, size_l = 0;
		size_t prec = (size_t)-1, n;
		char pad = ' ', c;
		uint64_t u;
		int64_t d;
		const char *s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '0' || *fmt == '-' || *fmt == '#'; fmt++) {
			if (*fmt == '0')
				pad = '0';
			else if (*fmt == '-')
				left = true;
			else
				alt = true;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (unsigned int)(*fmt - '0');
		if (*fmt == '.')
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (size_t)(*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			size_l += *fmt != 'h';
		c = *fmt;
		switch (c) {
		case 'd':
		case 'i':
			d = size_l ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_number(&o, d < 0 ? -(uint64_t)d : (uint64_t)d, d < 0, 10, false, "",
				   width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = size_l ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_number(&o, u, false, c == 'u' ? 10 : 16, c == 'X',
				   alt && c != 'u' ? "0x" : "", width, left, pad);
			break;
		case 'p':
			put_number(&o, (uint64_t)va_arg(ap, void *), false, 16, false, "0x",
				   width, left, pad);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (n = 0; n < prec && s[n]; n++)
				;
			put_padded(&o, s, n, width, left, ' ');
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			put_padded(&o, &c, 1, width, left, ' ');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, c);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static volatile int print_lock;

int vprintf(const char *fmt, va_list ap)
{
	char buf[PRINT_MAX];
	uint64_t flags;
	int n, i;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	flags = irq_save();
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		pause();
	for (i = 0; buf[i]; i++)
		uart_putc(buf[i]);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
