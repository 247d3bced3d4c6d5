// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a VM is a file, as in KVM; its life decides when the CPUs have
 * virtualization switched on, and its owner mm is the only one that may
 * drive it.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
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
	unsigned int i;

	/* First the counters' files, then the vCPUs they show. */
	debugfs_remove_recursive(vm->debugfs);
	/* The MMU notifier looks at the vCPUs: it goes before them. */
	kvirt_mmu_destroy(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		kvirt_vcpu_free(vm->vcpus[i]);
	kvirt_memslots_free(vm);
	mutex_destroy(&vm->slots_lock);
	mutex_destroy(&vm->lock);
	mmdrop(vm->mm);
	kfree(vm);
	atomic_dec(&kvirt_vms);
	kvirt_cpu_virt_put();
}

/* The VM goes when its fd and every vCPU fd are closed. */
void kvirt_vm_put(struct kvirt_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		kvirt_vm_free(vm);
}

static int kvirt_vm_release(struct inode *inode, struct file *filp)
{
	kvirt_vm_put(filp->private_data);
	return 0;
}

/* SVM needs no identity map; as KVM, it may only be set before vCPUs. */
static int kvirt_set_identity_map_addr(struct kvirt_vm *vm, u64 __user *argp)
{
	u64 addr;
	int r;

	if (copy_from_user(&addr, argp, sizeof(addr)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	r = vm->nr_vcpus ? -EINVAL : 0;
	mutex_unlock(&vm->lock);
	return r;
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
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return kvirt_get_dirty_log(vm, &log);
	}
	case KVM_CREATE_VCPU:
		return kvirt_create_vcpu(vm, arg);
	case KVM_SET_TSS_ADDR:
		/* Only VMX without unrestricted guest uses the TSS area. */
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		return kvirt_set_identity_map_addr(vm, argp);
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
	refcount_set(&vm->users, 1);
	mutex_init(&vm->slots_lock);
	mutex_init(&vm->lock);
	mmgrab(current->mm);
	vm->mm = current->mm;
	atomic_inc(&kvirt_vms);
	r = kvirt_mmu_init(vm);
	if (r) {
		kvirt_vm_free(vm);
		goto put_fd;
	}
	kvirt_debugfs_add_vm(vm);

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
