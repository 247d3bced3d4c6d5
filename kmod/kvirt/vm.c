// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a VM is a file, as in KVM; its life decides when the CPUs have
 * virtualization switched on, and its owner mm is the only one that may
 * drive it.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "kvirt.h"

struct kvirt_vm {
	struct mm_struct *mm;
};

static atomic_t kvirt_vms = ATOMIC_INIT(0);

unsigned int kvirt_vm_count(void)
{
	return atomic_read(&kvirt_vms);
}

static void kvirt_vm_free(struct kvirt_vm *vm)
{
	mmdrop(vm->mm);
	kfree(vm);
	atomic_dec(&kvirt_vms);
	kvirt_cpu_virt_put();
}

static int kvirt_vm_release(struct inode *inode, struct file *filp)
{
	kvirt_vm_free(filp->private_data);
	return 0;
}

static long kvirt_vm_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct kvirt_vm *vm = filp->private_data;

	/* As KVM: a VM belongs to the process that created it. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvirt_check_extension(arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kvirt_vm_fops = {
	.owner = THIS_MODULE,
	.release = kvirt_vm_release,
	.unlocked_ioctl = kvirt_vm_ioctl,
	.compat_ioctl = kvirt_vm_ioctl,
	.llseek = noop_llseek,
};

int kvirt_create_vm(unsigned long type)
{
	struct kvirt_vm *vm;
	int r;

	/* x86 knows only KVM_X86_DEFAULT_VM (0). */
	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;

	r = kvirt_cpu_virt_get();
	if (r) {
		kfree(vm);
		return r;
	}
	mmgrab(current->mm);
	vm->mm = current->mm;
	atomic_inc(&kvirt_vms);

	r = anon_inode_getfd("kvirt-vm", &kvirt_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		kvirt_vm_free(vm);
	return r;
}
