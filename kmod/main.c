// SPDX-License-Identifier: GPL-2.0
/*
 * axvcpu: the misc device /dev/axvcpu, module load and the system ioctls.
 *
 * At load the core probes the backends this architecture built
 * (axvcpu_arch_backends[]) and keeps the first one that answers. The
 * device node is created only when a backend is usable, so a machine
 * without hardware virtualization fails insmod with the backend's one
 * line of explanation and -ENODEV.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "axvcpu_drv.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode,
		 "Permissions of /dev/axvcpu (default 0600; 0660 with a udev rule setting the group gives that group access)");

const struct axvcpu_arch_ops *axvcpu_ops;
static struct axvcpu_arch_caps axvcpu_caps;

const struct axvcpu_arch_caps *axvcpu_arch_caps(void)
{
	return &axvcpu_caps;
}

/* Fills @cap->value (and name) or returns -EINVAL for an unknown cap. */
static int axvcpu_cap_value(struct axvcpu_capability *cap)
{
	switch (cap->cap) {
	case AXVCPU_CAP_ARCH:
		cap->value = axvcpu_caps.arch;
		break;
	case AXVCPU_CAP_BACKEND:
		cap->value = axvcpu_caps.backend;
		strscpy(cap->name, axvcpu_caps.name, sizeof(cap->name));
		break;
	case AXVCPU_CAP_MAX_VMS:
		cap->value = AXVCPU_MAX_VMS;
		break;
	case AXVCPU_CAP_MAX_VCPUS:
		cap->value = AXVCPU_MAX_VCPUS;
		break;
	case AXVCPU_CAP_MAX_MEM_REGIONS:
		cap->value = AXVCPU_MAX_MEM_REGIONS;
		break;
	case AXVCPU_CAP_GPA_BITS:
		cap->value = axvcpu_caps.gpa_bits;
		break;
	case AXVCPU_CAP_NPT_LEVELS:
		cap->value = axvcpu_caps.npt_levels;
		break;
	case AXVCPU_CAP_HW_FEATURES:
		cap->value = axvcpu_caps.hw_features;
		break;
	case AXVCPU_CAP_NR_ASIDS:
		cap->value = axvcpu_caps.nr_asids;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static long axvcpu_check_cap(void __user *argp)
{
	struct axvcpu_capability cap;
	int ret;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.pad || !axvcpu_zero_check(cap.reserved, sizeof(cap.reserved)))
		return -EINVAL;
	cap.value = 0;
	memset(cap.name, 0, sizeof(cap.name));
	ret = axvcpu_cap_value(&cap);
	if (ret)
		return ret;
	if (copy_to_user(argp, &cap, sizeof(cap)))
		return -EFAULT;
	return 0;
}

static long axvcpu_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct axvcpu_create_vm create;

	switch (cmd) {
	case AXVCPU_GET_API_VERSION:
		return AXVCPU_API_VERSION;
	case AXVCPU_CHECK_CAP:
		return axvcpu_check_cap(argp);
	case AXVCPU_GET_RUN_SIZE:
		return AXVCPU_RUN_PAGES * PAGE_SIZE;
	case AXVCPU_CREATE_VM:
		if (copy_from_user(&create, argp, sizeof(create)))
			return -EFAULT;
		return axvcpu_vm_create(&create);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations axvcpu_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= axvcpu_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice axvcpu_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "axvcpu",
	.fops	= &axvcpu_dev_fops,
};

/*
 * The ABI is fixed: a change of size or offset here is a change of the
 * ABI and must be made on purpose (tests/unit/test_uapi_layout.c checks
 * every field from user space as well).
 */
static_assert(sizeof(struct axvcpu_capability) == 64);
static_assert(sizeof(struct axvcpu_create_vm) == 32);
static_assert(sizeof(struct axvcpu_memory_region) == 64);
static_assert(sizeof(struct axvcpu_create_vcpu) == 32);
static_assert(sizeof(struct axvcpu_run) == 4096);
static_assert(offsetof(struct axvcpu_run, exit_reason) == 8);
static_assert(offsetof(struct axvcpu_run, rip) == 16);
static_assert(offsetof(struct axvcpu_run, hypercall) == 64);
static_assert(offsetof(struct axvcpu_run, reserved) == 320);
/* axvcpu_publish_exit() copies the header and the union in 8-byte words. */
static_assert(offsetof(struct axvcpu_run, exit_reason) % 8 == 0);
static_assert(offsetofend(struct axvcpu_run, rflags) % 8 == 0);
static_assert(offsetof(struct axvcpu_run, padding) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, hypercall) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, mmio) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, sysreg) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, io) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, external_interrupt) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, npf) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, cpu_up) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, cpu_down) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, system_down) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, fail_entry) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, send_ipi) % 8 == 0);
static_assert(sizeof_field(struct axvcpu_run, internal) % 8 == 0);
static_assert(sizeof(struct axvcpu_setup) == 64);
static_assert(sizeof(struct axvcpu_stats) == 384);
static_assert(sizeof(struct axvcpu_regs) == 144);
static_assert(sizeof(struct axvcpu_segment) == 24);
static_assert(sizeof(struct axvcpu_dtable) == 16);
static_assert(sizeof(struct axvcpu_sregs) == 344);
static_assert(sizeof(struct axvcpu_cpuid_entry) == 32);
static_assert(sizeof(struct axvcpu_cpuid) == 16);
static_assert(ARRAY_SIZE(((struct axvcpu_stats *)0)->exits) >= AXVCPU_EXIT_NR);

static int __init axvcpu_init(void)
{
	const struct axvcpu_arch_ops *const *ops;
	int ret = -ENODEV;

	for (ops = axvcpu_arch_backends; *ops; ops++) {
		memset(&axvcpu_caps, 0, sizeof(axvcpu_caps));
		ret = (*ops)->probe(&axvcpu_caps);
		if (!ret) {
			axvcpu_ops = *ops;
			break;
		}
	}
	if (!axvcpu_ops)
		return ret;

	axvcpu_misc.mode = dev_mode & 0777;
	ret = misc_register(&axvcpu_misc);
	if (ret) {
		pr_err("cannot register /dev/axvcpu: %d\n", ret);
		goto err_exit;
	}
	pr_info("backend %s ready: %u-level nested paging, %u-bit guest physical addresses, %u ASIDs\n",
		axvcpu_caps.name, axvcpu_caps.npt_levels, axvcpu_caps.gpa_bits,
		axvcpu_caps.nr_asids);
	return 0;

err_exit:
	if (axvcpu_ops->exit)
		axvcpu_ops->exit();
	return ret;
}

static void __exit axvcpu_cleanup(void)
{
	misc_deregister(&axvcpu_misc);
	if (axvcpu_ops->exit)
		axvcpu_ops->exit();
}

module_init(axvcpu_init);
module_exit(axvcpu_cleanup);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("axvcpu: hardware virtual CPUs for user space");
MODULE_AUTHOR("axvcpu developers");
