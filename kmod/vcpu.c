// SPDX-License-Identifier: GPL-2.0
/*
 * VCPUs: the seed's AxVCpu. The state machine, the RUN loop and exit
 * completion live here; everything the hardware does is behind
 * axvcpu_ops.
 *
 *            SETUP            BIND              RUN
 * CREATED ──────────▶ FREE ─────────▶ READY ─────────▶ RUNNING ──▶ READY
 *                      ▲                │
 *                      └──── UNBIND ────┘
 *
 * A call in the wrong state fails with -EBADFD and leaves the state as it
 * was (the seed poisoned it to Invalid; a VMM bug should not kill a VCPU).
 * INVALID is entered only when the backend reports that the hardware
 * state is lost; then only close() is left.
 *
 * Each ioctl that reads or changes VCPU state holds vcpu->lock, so RUN
 * excludes GET_REGS and friends for its whole duration. GET_STATE and
 * GET_STATS read without the lock and may see RUNNING.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "axvcpu_drv.h"

struct axvcpu_vm *axvcpu_vcpu_vm(struct axvcpu_vcpu *vcpu)
{
	return vcpu->vm;
}

u32 axvcpu_vcpu_id(struct axvcpu_vcpu *vcpu)
{
	return vcpu->id;
}

void *axvcpu_vcpu_data_page(struct axvcpu_vcpu *vcpu)
{
	return page_address(vcpu->data_page);
}

static void axvcpu_set_state(struct axvcpu_vcpu *vcpu, u32 state)
{
	WRITE_ONCE(vcpu->state, state);
}

static bool axvcpu_is_owner(struct axvcpu_vcpu *vcpu)
{
	return READ_ONCE(vcpu->owner) == task_pid(current);
}

/* Exits whose value user space supplies and the next RUN applies. */
static bool axvcpu_exit_is_read(u32 reason)
{
	return reason == AXVCPU_EXIT_IO_READ || reason == AXVCPU_EXIT_SYSREG_READ ||
	       reason == AXVCPU_EXIT_HYPERCALL || reason == AXVCPU_EXIT_MMIO_READ;
}

/*
 * Apply the value of the last read exit, as KVM's complete_userspace_io
 * does: only when the guest is still where the exit left it, so a VMM
 * that moved RIP with SET_REGS (to skip or restart) is not overruled.
 */
static void axvcpu_complete_pending(struct axvcpu_vcpu *vcpu)
{
	u32 reason = vcpu->pending_read;

	vcpu->pending_read = 0;
	if (!reason || axvcpu_ops->get_rip(vcpu->arch) != vcpu->pending_rip)
		return;
	/* The exit reason may have been overwritten by user space: restore it. */
	vcpu->run->exit_reason = reason;
	axvcpu_ops->complete_read(vcpu->arch, vcpu->run);
}

static int axvcpu_vcpu_run(struct axvcpu_vcpu *vcpu)
{
	struct axvcpu_run *run = vcpu->run;
	u64 start = ktime_get_ns();
	int ret = 0;

	axvcpu_set_state(vcpu, AXVCPU_STATE_RUNNING);
	axvcpu_complete_pending(vcpu);

	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = AXVCPU_EXIT_INTR;
		ret = -EINTR;
		goto out;
	}

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = AXVCPU_EXIT_INTR;
			ret = -EINTR;
			break;
		}
		cond_resched();

		ret = axvcpu_ops->run(vcpu->arch, run);
		vcpu->stats.hw_exits++;
		if (ret == -EIO) {
			pr_err_ratelimited("VCPU %u: hardware state lost, VCPU is now invalid\n",
					   vcpu->id);
			axvcpu_set_state(vcpu, AXVCPU_STATE_INVALID);
			return ret;
		}
		if (ret)
			break;
		if (run->exit_reason >= AXVCPU_EXIT_NR) {
			/* A backend bug, not a guest's doing: stop, loudly. */
			WARN_ONCE(1, "axvcpu: backend returned exit reason %u\n",
				  run->exit_reason);
			axvcpu_set_state(vcpu, AXVCPU_STATE_INVALID);
			return -EIO;
		}
		vcpu->stats.exits[run->exit_reason]++;
		if (run->exit_reason != AXVCPU_EXIT_NOTHING)
			break;
	}

	if (!ret && axvcpu_exit_is_read(run->exit_reason)) {
		vcpu->pending_read = run->exit_reason;
		vcpu->pending_rip = axvcpu_ops->get_rip(vcpu->arch);
	}
out:
	if (ret == -EINTR)
		vcpu->stats.exits[AXVCPU_EXIT_INTR]++;
	if (!ret)
		vcpu->stats.runs++;
	vcpu->stats.run_ns += ktime_get_ns() - start;
	axvcpu_set_state(vcpu, AXVCPU_STATE_READY);
	return ret;
}

static int axvcpu_vcpu_setup(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_setup setup;
	int ret;

	if (copy_from_user(&setup, argp, sizeof(setup)))
		return -EFAULT;
	if (setup.flags || !axvcpu_zero_check(setup.reserved, sizeof(setup.reserved)))
		return -EINVAL;
	if (vcpu->state != AXVCPU_STATE_CREATED)
		return -EBADFD;
	ret = axvcpu_ops->setup(vcpu->arch, &setup);
	if (!ret)
		axvcpu_set_state(vcpu, AXVCPU_STATE_FREE);
	return ret;
}

/* Another address space never gets here: axvcpu_vcpu_ioctl() said -EIO. */
static int axvcpu_vcpu_bind(struct axvcpu_vcpu *vcpu)
{
	if (vcpu->state != AXVCPU_STATE_FREE)
		return -EBADFD;
	WRITE_ONCE(vcpu->owner, get_pid(task_pid(current)));
	axvcpu_set_state(vcpu, AXVCPU_STATE_READY);
	return 0;
}

static void axvcpu_vcpu_drop_owner(struct axvcpu_vcpu *vcpu)
{
	struct pid *owner = vcpu->owner;

	WRITE_ONCE(vcpu->owner, NULL);
	put_pid(owner);
}

/*
 * True while the bound thread lives. A thread that has entered do_exit()
 * counts as gone: an exited group leader stays a zombie, still attached
 * to its pid, until the whole thread group is reaped.
 */
static bool axvcpu_owner_alive(struct axvcpu_vcpu *vcpu)
{
	struct task_struct *task;
	bool alive;

	rcu_read_lock();
	task = pid_task(vcpu->owner, PIDTYPE_PID);
	alive = task && !(READ_ONCE(task->flags) & PF_EXITING);
	rcu_read_unlock();
	return alive;
}

static int axvcpu_vcpu_unbind(struct axvcpu_vcpu *vcpu)
{
	if (vcpu->state != AXVCPU_STATE_READY)
		return -EBADFD;
	/* The binder unbinds; anyone in the process may once it has exited. */
	if (!axvcpu_is_owner(vcpu) && axvcpu_owner_alive(vcpu))
		return -EPERM;
	axvcpu_vcpu_drop_owner(vcpu);
	axvcpu_set_state(vcpu, AXVCPU_STATE_FREE);
	return 0;
}

/* Register ioctls are allowed in every state but INVALID (and RUNNING,
 * which the lock excludes).
 */
static bool axvcpu_regs_allowed(struct axvcpu_vcpu *vcpu)
{
	return vcpu->state != AXVCPU_STATE_INVALID;
}

static long axvcpu_vcpu_regs_ioctl(struct axvcpu_vcpu *vcpu, unsigned int cmd,
				   void __user *argp)
{
	struct axvcpu_sregs sregs;
	struct axvcpu_regs regs;

	if (!axvcpu_regs_allowed(vcpu))
		return -EBADFD;

	switch (cmd) {
	case AXVCPU_GET_REGS:
		memset(&regs, 0, sizeof(regs));
		axvcpu_ops->get_regs(vcpu->arch, &regs);
		return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
	case AXVCPU_SET_REGS:
		if (copy_from_user(&regs, argp, sizeof(regs)))
			return -EFAULT;
		return axvcpu_ops->set_regs(vcpu->arch, &regs);
	case AXVCPU_GET_SREGS:
		memset(&sregs, 0, sizeof(sregs));
		axvcpu_ops->get_sregs(vcpu->arch, &sregs);
		return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
	case AXVCPU_SET_SREGS:
		if (copy_from_user(&sregs, argp, sizeof(sregs)))
			return -EFAULT;
		return axvcpu_ops->set_sregs(vcpu->arch, &sregs);
	}
	return -ENOTTY;
}

static long axvcpu_vcpu_set_cpuid(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_cpuid_entry *entries;
	struct axvcpu_cpuid hdr;
	long ret;
	u32 i;

	if (!axvcpu_regs_allowed(vcpu))
		return -EBADFD;
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags || hdr.reserved || hdr.nent > AXVCPU_CPUID_MAX_ENTRIES)
		return -EINVAL;
	entries = vmemdup_user(argp + sizeof(hdr), array_size(hdr.nent, sizeof(*entries)));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	ret = -EINVAL;
	for (i = 0; i < hdr.nent; i++)
		if (entries[i].pad || (entries[i].flags & ~AXVCPU_CPUID_FLAG_INDEX))
			goto out;
	ret = axvcpu_ops->set_cpuid(vcpu->arch, entries, hdr.nent);
out:
	kvfree(entries);
	return ret;
}

static long axvcpu_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct axvcpu_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (!axvcpu_vm_owner_ok(vcpu->vm))
		return -EIO;

	/* Lockless: answer while another thread is inside RUN. */
	switch (cmd) {
	case AXVCPU_GET_STATE:
		return READ_ONCE(vcpu->state);
	case AXVCPU_GET_STATS:
		return copy_to_user(argp, &vcpu->stats, sizeof(vcpu->stats)) ? -EFAULT : 0;
	case AXVCPU_RUN:
		/*
		 * Checked before the lock so that a stranger gets -EPERM at
		 * once instead of waiting for the owner's RUN to end.
		 */
		if (!axvcpu_is_owner(vcpu)) {
			u32 state = READ_ONCE(vcpu->state);

			return state == AXVCPU_STATE_READY ||
			       state == AXVCPU_STATE_RUNNING ? -EPERM : -EBADFD;
		}
		break;
	}

	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;

	switch (cmd) {
	case AXVCPU_SETUP:
		ret = axvcpu_vcpu_setup(vcpu, argp);
		break;
	case AXVCPU_BIND:
		ret = axvcpu_vcpu_bind(vcpu);
		break;
	case AXVCPU_UNBIND:
		ret = axvcpu_vcpu_unbind(vcpu);
		break;
	case AXVCPU_RUN:
		ret = -EBADFD;
		if (vcpu->state == AXVCPU_STATE_READY)
			ret = axvcpu_vcpu_run(vcpu);
		break;
	case AXVCPU_GET_REGS:
	case AXVCPU_SET_REGS:
	case AXVCPU_GET_SREGS:
	case AXVCPU_SET_SREGS:
		ret = axvcpu_vcpu_regs_ioctl(vcpu, cmd, argp);
		break;
	case AXVCPU_SET_CPUID:
		ret = axvcpu_vcpu_set_cpuid(vcpu, argp);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&vcpu->lock);
	return ret;
}

static vm_fault_t axvcpu_vcpu_fault(struct vm_fault *vmf)
{
	struct axvcpu_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	switch (vmf->pgoff) {
	case AXVCPU_RUN_PAGE_OFFSET:
		page = vcpu->run_page;
		break;
	case AXVCPU_DATA_PAGE_OFFSET:
		page = vcpu->data_page;
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct axvcpu_vcpu_vm_ops = {
	.fault = axvcpu_vcpu_fault,
};

static int axvcpu_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	if (vma->vm_pgoff >= AXVCPU_RUN_PAGES || pages > AXVCPU_RUN_PAGES - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND;
	vma->vm_ops = &axvcpu_vcpu_vm_ops;
	return 0;
}

static void axvcpu_vcpu_free(struct axvcpu_vcpu *vcpu)
{
	if (vcpu->arch)
		axvcpu_ops->vcpu_destroy(vcpu->arch);
	if (vcpu->run_page)
		__free_page(vcpu->run_page);
	if (vcpu->data_page)
		__free_page(vcpu->data_page);
	kfree(vcpu);
}

static int axvcpu_vcpu_release(struct inode *inode, struct file *file)
{
	struct axvcpu_vcpu *vcpu = file->private_data;
	struct axvcpu_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	vm->vcpus[vcpu->id] = NULL;
	mutex_unlock(&vm->lock);

	axvcpu_vcpu_drop_owner(vcpu);
	axvcpu_vcpu_free(vcpu);
	axvcpu_vm_put(vm);
	return 0;
}

static const struct file_operations axvcpu_vcpu_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= axvcpu_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= axvcpu_vcpu_mmap,
	.release	= axvcpu_vcpu_release,
	.llseek		= noop_llseek,
};

/**
 * axvcpu_vcpu_create() - AXVCPU_CREATE_VCPU: a VCPU in state CREATED.
 * @vm:  the VM.
 * @arg: the ioctl argument, already copied in.
 *
 * Return: the VCPU fd; -EINVAL (bad id, flags, reserved), -EEXIST (id in
 * use), -ENOMEM.
 */
int axvcpu_vcpu_create(struct axvcpu_vm *vm, const struct axvcpu_create_vcpu *arg)
{
	struct axvcpu_vcpu *vcpu;
	int ret;

	if (arg->flags || !axvcpu_zero_check(arg->reserved, sizeof(arg->reserved)) ||
	    arg->id >= AXVCPU_MAX_VCPUS)
		return -EINVAL;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = arg->id;
	mutex_init(&vcpu->lock);
	vcpu->state = AXVCPU_STATE_CREATED;

	ret = -ENOMEM;
	vcpu->run_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	vcpu->data_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->run_page || !vcpu->data_page)
		goto err_free;
	vcpu->run = page_address(vcpu->run_page);

	vcpu->arch = axvcpu_ops->vcpu_create(vcpu, vm->arch);
	if (IS_ERR(vcpu->arch)) {
		ret = PTR_ERR(vcpu->arch);
		vcpu->arch = NULL;
		goto err_free;
	}

	mutex_lock(&vm->lock);
	ret = -EEXIST;
	if (vm->vcpus[arg->id])
		goto err_unlock;
	kref_get(&vm->ref);
	ret = anon_inode_getfd("axvcpu-vcpu", &axvcpu_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (ret < 0) {
		/* Not the last reference: the caller's VM fd holds one. */
		axvcpu_vm_put(vm);
		goto err_unlock;
	}
	vm->vcpus[arg->id] = vcpu;
	mutex_unlock(&vm->lock);
	return ret;

err_unlock:
	mutex_unlock(&vm->lock);
err_free:
	axvcpu_vcpu_free(vcpu);
	return ret;
}
