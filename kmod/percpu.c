// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU hardware enable/disable (the seed's AxPerCpu).
 *
 * Virtualization is enabled on every online CPU when the first VM is
 * created and disabled when the last one goes, so a host that merely loaded
 * the module keeps EFER.SVME (or VMXE) clear and another hypervisor can
 * still run. While VMs exist a dynamic CPU hotplug state follows CPUs
 * going offline and coming back: cpuhp_setup_state() runs the enable
 * callback on each online CPU (on that CPU) and later on every CPU that
 * comes up; cpuhp_remove_state() runs the disable callback everywhere.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/cpuhotplug.h>
#include <linux/mutex.h>

#include "axvcpu_drv.h"

static DEFINE_MUTEX(axvcpu_hw_lock);
static unsigned int axvcpu_hw_users;
static int axvcpu_hw_state;

static int axvcpu_cpu_online(unsigned int cpu)
{
	int ret = axvcpu_ops->hardware_enable();

	if (ret)
		pr_err("cannot enable virtualization on CPU %u: %d\n", cpu, ret);
	return ret;
}

static int axvcpu_cpu_offline(unsigned int cpu)
{
	axvcpu_ops->hardware_disable();
	return 0;
}

/**
 * axvcpu_hw_get() - take a reference on hardware virtualization.
 *
 * The first reference enables it on every online CPU; if any CPU refuses
 * (e.g. -EBUSY because another hypervisor holds it) the CPUs already
 * enabled are rolled back and the error is returned.
 *
 * Return: 0, or the errno of the CPU that refused (cpuhp_setup_state()).
 */
int axvcpu_hw_get(void)
{
	int ret = 0;

	mutex_lock(&axvcpu_hw_lock);
	if (axvcpu_hw_users == 0) {
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "axvcpu:online",
					axvcpu_cpu_online, axvcpu_cpu_offline);
		if (ret < 0)
			goto out;
		axvcpu_hw_state = ret;
		ret = 0;
	}
	axvcpu_hw_users++;
out:
	mutex_unlock(&axvcpu_hw_lock);
	return ret;
}

/**
 * axvcpu_hw_put() - drop a reference taken by axvcpu_hw_get(); the last
 * one disables virtualization on every CPU.
 */
void axvcpu_hw_put(void)
{
	mutex_lock(&axvcpu_hw_lock);
	if (!WARN_ON(axvcpu_hw_users == 0) && --axvcpu_hw_users == 0)
		cpuhp_remove_state(axvcpu_hw_state);
	mutex_unlock(&axvcpu_hw_lock);
}
