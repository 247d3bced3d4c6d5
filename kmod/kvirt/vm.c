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
#include <linux/uaccess.h>

#include "kvirt.h"

static atomic_t kvirt_vms = ATOMIC_INIT(0);

unsigned int kvirt_vm_count(void)
{
	return atomic_read(&kvirt_vms);
}

static void kvirt_vm_free(struct kvirt_vm *vm)
{
	kvirt_memslots_free(vm);
	mutex_destroy(&vm->slots_lock);
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
	void __user *argp = (void __user *)arg;

	/* As KVM: a VM belongs to the process that created it. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvirt_check_extension(arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return kvirt_set_memory_region(vm, &mem);
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kvirt_vm_fops = {
	.owner = THIS_MODULE,
	.release = kvirt_vm_release,
	.unlocked_ioctl = kvirt_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

int kvirt_create_vm(unsigned long type)
{
	struct kvirt_vm *vm;
	struct file *file;
	int fd, r;

	/* As KVM: a full fd table fails first, then the type is checked. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	/* x86 knows only KVM_X86_DEFAULT_VM (0). */
	r = -EINVAL;
	if (type)
		goto put_fd;

	r = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto put_fd;

	r = kvirt_cpu_virt_get();
	if (r) {
		kfree(vm);
		goto put_fd;
	}
	mutex_init(&vm->slots_lock);
	mmgrab(current->mm);
	vm->mm = current->mm;
	atomic_inc(&kvirt_vms);

	file = anon_inode_getfile("kvirt-vm", &kvirt_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		kvirt_vm_free(vm);
		r = PTR_ERR(file);
		goto put_fd;
	}
	fd_install(fd, file);
	return fd;

put_fd:
	put_unused_fd(fd);
	return r;
}
