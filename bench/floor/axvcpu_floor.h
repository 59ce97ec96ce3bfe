/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * axvcpu_floor.ko's one ioctl, for the benchmark only (bench/floor/floor.c,
 * bench/floor_bench.c): run a guest on this CPU with nothing around VMRUN
 * but what the hardware requires, to give every figure of the benchmark a
 * floor in the same boot.
 */
#ifndef _AXVCPU_FLOOR_H
#define _AXVCPU_FLOOR_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AXVCPU_FLOOR_DEV	"/dev/axvcpu-floor"

/* Most bytes of guest image the ioctl takes. */
#define AXVCPU_FLOOR_MAX_IMAGE	4096

/**
 * struct axvcpu_floor_run - argument of AXVCPU_FLOOR_RUN.
 * @image:       in: user address of the guest image.
 * @image_len:   in: its bytes, 1 .. AXVCPU_FLOOR_MAX_IMAGE.
 * @image_gpa:   in: where it goes (page aligned, the image within guest RAM).
 * @entry:       in: guest physical address of the first instruction.
 * @count:       in: the 32-bit value stored at @count_gpa before the run
 *               (the image's batch size), at least 1.
 * @count_gpa:   in: where (4-aligned, in guest RAM, outside the image).
 * @done_port:   in: an OUT to this port ends the run.
 * @ram_size:    in: guest RAM at GPA 0, page aligned, at most 64 KiB.
 * @cpuid_exits: out: CPUID exits taken (each answered with zeros).
 * @other_exits: out: physical interrupts, NMIs and SMIs that made the
 *               guest exit.
 * @exit_code:   out: the exit that ended the run (0x7b IOIO for the OUT to
 *               @done_port; anything else is the error's cause).
 * @reserved:    must be zero.
 *
 * Runs the guest in 32-bit protected mode (flat segments, paging off, IF
 * clear) under nested paging, on whatever CPU the caller runs, until the
 * OUT to @done_port. Errors: -EBUSY when EFER.SVME is already set on some
 * CPU (axvcpu or KVM has VMs), -EINVAL for a bad argument, -EFAULT, -EINTR
 * on a signal, -EIO for any other exit (@exit_code says which), -ENOMEM.
 */
struct axvcpu_floor_run {
	__u64 image;
	__u32 image_len;
	__u32 image_gpa;
	__u32 entry;
	__u32 count;
	__u32 count_gpa;
	__u32 done_port;
	__u32 ram_size;
	__u32 pad;
	__u64 cpuid_exits;
	__u64 other_exits;
	__u64 exit_code;
	__u64 reserved[4];
};

#define AXVCPU_FLOOR_RUN	_IOWR(0xA7, 0xf0, struct axvcpu_floor_run)

#endif /* _AXVCPU_FLOOR_H */
