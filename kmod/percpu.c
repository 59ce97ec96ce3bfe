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
 *
 * Two transitions bypass the hotplug callbacks, so while VMs exist the
 * module also has syscore operations and a reboot notifier:
 *
 *  - Suspend and hibernation take the non-boot CPUs down through hotplug,
 *    but the boot CPU only through syscore_suspend()/syscore_resume(),
 *    with interrupts off and every task frozen. Firmware resets it on the
 *    way back: its saved EFER (SVME included) is restored by the kernel's
 *    wakeup code, its VM_HSAVE_PA is not. So it is disabled before the
 *    sleep and enabled again, with its host save area, after.
 *  - Reboot, power-off and kexec: a CPU left with SVME set hands the next
 *    kernel (or the firmware) a CPU in a state it does not expect. The
 *    reboot notifier runs on every one of those paths in this kernel
 *    (6.1's kernel_kexec() runs no syscore_shutdown()); the syscore
 *    shutdown operation covers kernels that run it instead. Either turns
 *    virtualization off on every CPU and keeps it off: RUN then fails
 *    with -EBUSY and new VMs cannot enable it again.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

#include "axvcpu_drv.h"

static DEFINE_MUTEX(axvcpu_hw_lock);
static unsigned int axvcpu_hw_users;
static int axvcpu_hw_state;
/* Set once the system is going down; never cleared. */
static bool axvcpu_hw_shutting_down;

static int axvcpu_cpu_online(unsigned int cpu)
{
	int ret;

	if (READ_ONCE(axvcpu_hw_shutting_down))
		return -EBUSY;
	ret = axvcpu_ops->hardware_enable();
	if (ret)
		pr_err("cannot enable virtualization on CPU %u: %d\n", cpu, ret);
	return ret;
}

static int axvcpu_cpu_offline(unsigned int cpu)
{
	axvcpu_ops->hardware_disable();
	return 0;
}

/*
 * Syscore suspend and resume run on the boot CPU alone, interrupts off,
 * tasks frozen (so no VM can come or go meanwhile); they are registered
 * only while virtualization is on.
 */
static int axvcpu_syscore_suspend(void)
{
	axvcpu_ops->hardware_disable();
	return 0;
}

static void axvcpu_syscore_resume(void)
{
	int ret = axvcpu_ops->hardware_enable();

	/* The backend refuses RUN on a CPU it could not enable. */
	if (ret)
		pr_err("cannot enable virtualization on CPU %d after resume: %d\n",
		       smp_processor_id(), ret);
}

static void axvcpu_hw_disable_ipi(void *unused)
{
	axvcpu_ops->hardware_disable();
}

/*
 * Going down: off on every CPU. Takes no lock of ours: hw_get/hw_put
 * (un)register these callbacks under axvcpu_hw_lock, and the callers hold
 * their chain's lock while calling them. The backend's disable is
 * idempotent and runs with interrupts off here, so it cannot interleave
 * with a world switch on the same CPU.
 */
static void axvcpu_syscore_shutdown(void)
{
	WRITE_ONCE(axvcpu_hw_shutting_down, true);
	on_each_cpu(axvcpu_hw_disable_ipi, NULL, 1);
}

static int axvcpu_reboot_notify(struct notifier_block *nb, unsigned long action,
				void *data)
{
	axvcpu_syscore_shutdown();
	return NOTIFY_DONE;
}

static struct syscore_ops axvcpu_syscore_ops = {
	.suspend	= axvcpu_syscore_suspend,
	.resume		= axvcpu_syscore_resume,
	.shutdown	= axvcpu_syscore_shutdown,
};

static struct notifier_block axvcpu_reboot_nb = {
	.notifier_call	= axvcpu_reboot_notify,
};

/**
 * axvcpu_hw_get() - take a reference on hardware virtualization.
 *
 * The first reference enables it on every online CPU; if any CPU refuses
 * (e.g. -EBUSY because another hypervisor holds it, or because the system
 * is shutting down) the CPUs already enabled are rolled back and the error
 * is returned.
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
		register_syscore_ops(&axvcpu_syscore_ops);
		register_reboot_notifier(&axvcpu_reboot_nb);
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
	if (!WARN_ON(axvcpu_hw_users == 0) && --axvcpu_hw_users == 0) {
		unregister_reboot_notifier(&axvcpu_reboot_nb);
		unregister_syscore_ops(&axvcpu_syscore_ops);
		cpuhp_remove_state(axvcpu_hw_state);
	}
	mutex_unlock(&axvcpu_hw_lock);
}
