/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only header "pure" files include (x86 state checks, page-table
 * builders, exit tables, later the instruction decoder): it gives them
 * fixed-width types and errno values both inside the module and in host
 * unit tests and fuzzers, which compile the very same .c files.
 */
#ifndef _AXVCPU_PURE_H
#define _AXVCPU_PURE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <linux/types.h>
typedef int8_t s8;
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#endif

#include <linux/axvcpu.h>

#endif /* _AXVCPU_PURE_H */
