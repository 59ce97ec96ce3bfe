// SPDX-License-Identifier: GPL-2.0
/*
 * VCPUs: the seed's AxVCpu. The state machine, the RUN loop and exit
 * completion live here; everything the hardware does is behind
 * axvcpu_ops.
 *
 *            SETUP            BIND              RUN
 * CREATED ──────────▶ FREE ─────────▶ READY ─────────▶ RUNNING ──▶ READY
 *                      ▲                │                  │ ▲
 *                      └──── UNBIND ────┘                  ▼ │ event, kick, signal
 *                                                        BLOCKED (in-kernel HLT)
 *
 * A call in the wrong state fails with -EBADFD and leaves the state as it
 * was (the seed poisoned it to Invalid; a VMM bug should not kill a VCPU).
 * INVALID is entered only when the backend reports that the hardware
 * state is lost; then GET_STATE, GET_STATS and mmap still work, every
 * other ioctl fails with -EBADFD, and close() frees the VCPU.
 *
 * Each ioctl that reads or changes VCPU state holds vcpu->lock, so RUN
 * excludes GET_REGS and friends for its whole duration. GET_STATE and
 * GET_STATS read without the lock and may see RUNNING; GET_STATS gets a
 * consistent snapshot through vcpu->stats_seq. INJECT_INTERRUPT,
 * INJECT_NMI and KICK take no lock either: they queue and kick (event.c).
 *
 * The run page is user memory that other threads (and processes holding
 * the mapping) may change at any time: the core never decides anything
 * on what it reads there except the input immediate_exit. The backend
 * decodes each exit into vcpu->exit, kernel memory; RUN checks it there
 * and copies it to the run page on the way out.
 */
#define pr_fmt(fmt) "axvcpu: " fmt

#include <linux/anon_inodes.h>
#ifdef CONFIG_KVM_XFER_TO_GUEST_WORK
#include <linux/entry-kvm.h>
#include <linux/kvm_host.h>
#endif
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "axvcpu_drv.h"

/* Every AXVCPU_OPT_* bit. */
#define AXVCPU_OPT_ALL	(AXVCPU_OPT_HALT_IN_KERNEL | AXVCPU_OPT_EXTERNAL_INTR_EXITS)

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
 * Which exit it was comes from the kernel's record, not the run page.
 */
static void axvcpu_complete_pending(struct axvcpu_vcpu *vcpu)
{
	u32 reason = vcpu->pending_read;

	vcpu->pending_read = 0;
	if (!reason || axvcpu_ops->get_rip(vcpu->arch) != vcpu->pending_rip)
		return;
	axvcpu_ops->complete_read(vcpu->arch, reason, vcpu->run);
}

/*
 * The exit as the backend decoded it: the header (exit_reason to rflags)
 * and the union member of its reason, no more (axvcpu_exit_size()). Word
 * by word: a few stores, where a memcpy() of the whole union would be a
 * call and, on CPUs with fast string moves, a byte loop.
 */
static void axvcpu_publish_exit(struct axvcpu_vcpu *vcpu, u32 reason)
{
	const unsigned int first = offsetof(struct axvcpu_run, exit_reason) / 8;
	const unsigned int end = offsetofend(struct axvcpu_run, rflags) / 8;
	const unsigned int un = offsetof(struct axvcpu_run, padding) / 8;
	const u64 *src = (const u64 *)vcpu->exit;
	u64 *dst = (u64 *)vcpu->run;
	unsigned int i, n = axvcpu_exit_size(reason) / 8;

	for (i = first; i < end; i++)
		WRITE_ONCE(dst[i], src[i]);
	for (i = un; i < un + n; i++)
		WRITE_ONCE(dst[i], src[i]);
}

/* Exit INTR, with the interrupt state the backend last reported. */
static void axvcpu_publish_intr(struct axvcpu_vcpu *vcpu)
{
	struct axvcpu_run *run = vcpu->run;

	WRITE_ONCE(run->exit_reason, AXVCPU_EXIT_INTR);
	WRITE_ONCE(run->if_flag, vcpu->exit->if_flag);
	WRITE_ONCE(run->ready_for_interrupt_injection,
		   vcpu->exit->ready_for_interrupt_injection);
	WRITE_ONCE(run->interrupt_shadow, vcpu->exit->interrupt_shadow);
}

#ifdef CONFIG_KVM_XFER_TO_GUEST_WORK
/*
 * xfer_to_guest_mode_handle_work() takes KVM's VCPU only to report a
 * pending signal in it (kvm_handle_signal_exit(): vcpu->run->exit_reason
 * and vcpu->stat.signal_exits; x86 has no arch work that looks at it). It
 * gets a stand-in nobody reads; RUN reports the signal itself.
 */
static struct kvm_run axvcpu_xfer_run;
static struct kvm_vcpu axvcpu_xfer_vcpu = { .run = &axvcpu_xfer_run };
#endif

/*
 * Work the thread owes before it may enter the guest again, as KVM does
 * it before each entry: a pending signal ends RUN (-EINTR); rescheduling,
 * task work (an expired CPU-time timer's signal, for one), memory cgroup
 * high-limit throttling and the rest of TIF_NOTIFY_RESUME are done here
 * and the loop goes on. Without the kernel's helper a NOTIFY_RESUME also
 * ends RUN with -EINTR, so the work runs on the way to user space.
 */
static int axvcpu_handle_work(struct axvcpu_vcpu *vcpu)
{
#ifdef CONFIG_KVM_XFER_TO_GUEST_WORK
	/* The helper's own first test, inline: most entries owe nothing. */
	if (!__xfer_to_guest_mode_work_pending())
		return 0;
	/* The work may sleep: the backend lets go of the CPU first. */
	axvcpu_ops->put(vcpu->arch);
	return xfer_to_guest_mode_handle_work(&axvcpu_xfer_vcpu) ? -EINTR : 0;
#else
	if (signal_pending(current) || test_thread_flag(TIF_NOTIFY_RESUME))
		return -EINTR;
	if (need_resched()) {
		axvcpu_ops->put(vcpu->arch);
		cond_resched();
	}
	return 0;
#endif
}

/*
 * An exit that ends RUN's loop in the kernel: a HLT the in-kernel halt
 * takes (the VCPU blocks until an event, a kick or a signal), and a host
 * interrupt that was only the kernel's own kick of this VCPU. Return 0
 * to go on with the loop with @exit counted as NOTHING, 1 to return it,
 * -EINTR for a signal.
 */
static int axvcpu_exit_in_kernel(struct axvcpu_vcpu *vcpu, u32 reason)
{
	u32 mask;

	switch (reason) {
	case AXVCPU_EXIT_HALT:
		if (!(vcpu->options & AXVCPU_OPT_HALT_IN_KERNEL))
			return 1;
		mask = axvcpu_ops->halt_wake_mask(vcpu->arch);
		if (!mask)
			return 1;
		if (mask & AXVCPU_WAKE_NOW)
			return 0;
		axvcpu_ops->put(vcpu->arch);
		return axvcpu_vcpu_block(vcpu, mask);
	case AXVCPU_EXIT_EXTERNAL_INTERRUPT:
		/* The IPI of a kick or an injection: RUN's loop handles it. */
		return READ_ONCE(vcpu->requests) ? 0 : 1;
	}
	return 1;
}

static int axvcpu_vcpu_run(struct axvcpu_vcpu *vcpu)
{
	struct axvcpu_run *exit = vcpu->exit;
	u64 start = ktime_get_ns();
	u32 reason = AXVCPU_EXIT_NOTHING;
	int ret;

	axvcpu_set_state(vcpu, AXVCPU_STATE_RUNNING);
	axvcpu_complete_pending(vcpu);
	/* An input the backend reads from kernel memory only (arch.h). */
	exit->request_interrupt_window = !!READ_ONCE(vcpu->run->request_interrupt_window);

	if (READ_ONCE(vcpu->run->immediate_exit)) {
		ret = -EINTR;
		goto out;
	}

	for (;;) {
		if (axvcpu_vcpu_take_kick(vcpu)) {
			ret = -EINTR;
			break;
		}
		ret = axvcpu_handle_work(vcpu);
		if (ret)
			break;

		axvcpu_vcpu_events_seen(vcpu);
		ret = axvcpu_ops->run(vcpu->arch, exit);
		/* Kernel memory: read once, checked, used for everything below. */
		reason = exit->exit_reason;
		if (!ret && reason >= AXVCPU_EXIT_NR) {
			/* A backend bug, not a guest's or user's doing: stop, loudly. */
			WARN_ONCE(1, "axvcpu: backend returned exit reason %u\n", reason);
			ret = -EIO;
		}
		if (ret == -EIO) {
			axvcpu_ops->put(vcpu->arch);
			pr_err_ratelimited("VCPU %u: hardware state lost, VCPU is now invalid\n",
					   vcpu->id);
			axvcpu_set_state(vcpu, AXVCPU_STATE_INVALID);
			return ret;
		}
		if (!ret && reason != AXVCPU_EXIT_NOTHING) {
			ret = axvcpu_exit_in_kernel(vcpu, reason);
			if (ret <= 0)
				reason = AXVCPU_EXIT_NOTHING;
			ret = ret < 0 ? ret : 0;
		}
		write_seqcount_begin(&vcpu->stats_seq);
		vcpu->stats.hw_exits++;
		if (!ret)
			vcpu->stats.exits[reason]++;
		write_seqcount_end(&vcpu->stats_seq);
		if (ret || reason != AXVCPU_EXIT_NOTHING)
			break;
	}
	/* Whatever the backend kept loaded across the loop. */
	axvcpu_ops->put(vcpu->arch);

	if (!ret) {
		axvcpu_publish_exit(vcpu, reason);
		if (axvcpu_exit_is_read(reason)) {
			vcpu->pending_read = reason;
			vcpu->pending_rip = axvcpu_ops->get_rip(vcpu->arch);
		}
	}
out:
	/*
	 * A signal, a kick, immediate_exit, or a fault given up for a signal:
	 * the interrupt flags are those of the last exit, still the guest's.
	 */
	if (ret == -EINTR)
		axvcpu_publish_intr(vcpu);
	write_seqcount_begin(&vcpu->stats_seq);
	if (ret == -EINTR)
		vcpu->stats.exits[AXVCPU_EXIT_INTR]++;
	if (!ret)
		vcpu->stats.runs++;
	vcpu->stats.run_ns += ktime_get_ns() - start;
	write_seqcount_end(&vcpu->stats_seq);
	axvcpu_set_state(vcpu, AXVCPU_STATE_READY);
	return ret;
}

static int axvcpu_vcpu_setup(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_setup setup;
	int ret;

	if (copy_from_user(&setup, argp, sizeof(setup)))
		return -EFAULT;
	if ((setup.flags & ~AXVCPU_OPT_ALL) ||
	    !axvcpu_zero_check(setup.reserved, sizeof(setup.reserved)))
		return -EINVAL;
	if (vcpu->state != AXVCPU_STATE_CREATED)
		return -EBADFD;
	ret = axvcpu_ops->setup(vcpu->arch, &setup);
	if (!ret) {
		vcpu->options = setup.flags;
		axvcpu_set_state(vcpu, AXVCPU_STATE_FREE);
	}
	return ret;
}

/* AXVCPU_SET_OPTIONS: between RUNs, once set up. */
static int axvcpu_vcpu_set_options(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_options opt;

	if (copy_from_user(&opt, argp, sizeof(opt)))
		return -EFAULT;
	if ((opt.flags & ~AXVCPU_OPT_ALL) || opt.pad ||
	    !axvcpu_zero_check(opt.reserved, sizeof(opt.reserved)))
		return -EINVAL;
	if (vcpu->state != AXVCPU_STATE_FREE && vcpu->state != AXVCPU_STATE_READY)
		return -EBADFD;
	vcpu->options = opt.flags;
	return 0;
}

/*
 * AXVCPU_INJECT_EXCEPTION: under the lock, since the backend queues it in
 * its own state; the next entry delivers it.
 */
static int axvcpu_vcpu_inject_exception(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_exception exc;

	if (copy_from_user(&exc, argp, sizeof(exc)))
		return -EFAULT;
	if (exc.flags || exc.pad || !axvcpu_zero_check(exc.reserved, sizeof(exc.reserved)))
		return -EINVAL;
	if (vcpu->state != AXVCPU_STATE_FREE && vcpu->state != AXVCPU_STATE_READY)
		return -EBADFD;
	return axvcpu_ops->inject_exception(vcpu->arch, &exc);
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

/* One consistent copy of the counters, taken before any user access. */
static long axvcpu_vcpu_get_stats(struct axvcpu_vcpu *vcpu, void __user *argp)
{
	struct axvcpu_stats snap;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&vcpu->stats_seq);
		memcpy(&snap, &vcpu->stats, sizeof(snap));
	} while (read_seqcount_retry(&vcpu->stats_seq, seq));
	return copy_to_user(argp, &snap, sizeof(snap)) ? -EFAULT : 0;
}

/* The ioctls of a VCPU fd: any other is -ENOTTY, whoever asks. */
static bool axvcpu_vcpu_ioctl_known(unsigned int cmd)
{
	switch (cmd) {
	case AXVCPU_SETUP:
	case AXVCPU_BIND:
	case AXVCPU_UNBIND:
	case AXVCPU_RUN:
	case AXVCPU_GET_STATE:
	case AXVCPU_GET_STATS:
	case AXVCPU_GET_REGS:
	case AXVCPU_SET_REGS:
	case AXVCPU_GET_SREGS:
	case AXVCPU_SET_SREGS:
	case AXVCPU_SET_CPUID:
	case AXVCPU_SET_OPTIONS:
	case AXVCPU_INJECT_INTERRUPT:
	case AXVCPU_INJECT_NMI:
	case AXVCPU_INJECT_EXCEPTION:
	case AXVCPU_KICK:
		return true;
	}
	return false;
}

static long axvcpu_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct axvcpu_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (!axvcpu_vcpu_ioctl_known(cmd))
		return -ENOTTY;
	if (!axvcpu_vm_owner_ok(vcpu->vm))
		return -EIO;

	/* Lockless: answer while another thread is inside RUN. */
	switch (cmd) {
	case AXVCPU_GET_STATE:
		return READ_ONCE(vcpu->state);
	case AXVCPU_GET_STATS:
		return axvcpu_vcpu_get_stats(vcpu, argp);
	case AXVCPU_INJECT_INTERRUPT:
		return axvcpu_vcpu_inject_interrupt(vcpu, argp);
	case AXVCPU_INJECT_NMI:
		return axvcpu_vcpu_inject_nmi(vcpu);
	case AXVCPU_KICK:
		return axvcpu_vcpu_kick_ioctl(vcpu);
	case AXVCPU_RUN:
		/*
		 * Checked before the lock so that a stranger gets -EPERM at
		 * once instead of waiting for the owner's RUN to end.
		 */
		if (!axvcpu_is_owner(vcpu)) {
			u32 state = READ_ONCE(vcpu->state);

			return state == AXVCPU_STATE_READY || state == AXVCPU_STATE_RUNNING ||
			       state == AXVCPU_STATE_BLOCKED ? -EPERM : -EBADFD;
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
	case AXVCPU_SET_OPTIONS:
		ret = axvcpu_vcpu_set_options(vcpu, argp);
		break;
	case AXVCPU_INJECT_EXCEPTION:
		ret = axvcpu_vcpu_inject_exception(vcpu, argp);
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

/*
 * Only the VM's own process maps a VCPU (others get -EIO, as for its
 * ioctls), and only shared: a private mapping would turn into a private
 * copy at the first write and never reach the kernel.
 */
static int axvcpu_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct axvcpu_vcpu *vcpu = file->private_data;
	unsigned long pages = vma_pages(vma);

	if (!axvcpu_vm_owner_ok(vcpu->vm))
		return -EIO;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= AXVCPU_RUN_PAGES || pages > AXVCPU_RUN_PAGES - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND;
	vma->vm_ops = &axvcpu_vcpu_vm_ops;
	return 0;
}

static void axvcpu_vcpu_free(struct axvcpu_vcpu *vcpu)
{
	axvcpu_limit_uncharge(vcpu->vm->mm, AXVCPU_LIMIT_VCPUS);
	if (vcpu->arch)
		axvcpu_ops->vcpu_destroy(vcpu->arch);
	if (vcpu->run_page)
		__free_page(vcpu->run_page);
	if (vcpu->exit_page)
		__free_page(vcpu->exit_page);
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
 * use), -EDQUOT (the process has max_vcpus_per_process VCPUs), -ENOMEM.
 */
int axvcpu_vcpu_create(struct axvcpu_vm *vm, const struct axvcpu_create_vcpu *arg)
{
	struct axvcpu_vcpu *vcpu;
	int ret;

	if (arg->flags || !axvcpu_zero_check(arg->reserved, sizeof(arg->reserved)) ||
	    arg->id >= AXVCPU_MAX_VCPUS)
		return -EINVAL;

	ret = axvcpu_limit_charge(vm->mm, AXVCPU_LIMIT_VCPUS);
	if (ret)
		return ret;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu) {
		axvcpu_limit_uncharge(vm->mm, AXVCPU_LIMIT_VCPUS);
		return -ENOMEM;
	}
	vcpu->vm = vm;
	vcpu->id = arg->id;
	mutex_init(&vcpu->lock);
	seqcount_mutex_init(&vcpu->stats_seq, &vcpu->lock);
	init_waitqueue_head(&vcpu->wait);
	vcpu->state = AXVCPU_STATE_CREATED;

	ret = -ENOMEM;
	vcpu->run_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	vcpu->exit_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	vcpu->data_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->run_page || !vcpu->exit_page || !vcpu->data_page)
		goto err_free;
	vcpu->run = page_address(vcpu->run_page);
	vcpu->exit = page_address(vcpu->exit_page);

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
