// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: /dev/kvirt is kvirt's /dev/kvm: the system ioctls of the KVM API,
 * with the same numbers, arguments and errors.
 */
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <uapi/linux/kvirt.h>

#include "kvirt.h"

static long kvirt_dev_ioctl(struct file *filp, unsigned int ioctl,
			    unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return kvirt_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return kvirt_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : kvirt_vcpu_mmap_size();
	case KVM_GET_SUPPORTED_CPUID:
		return kvirt_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return kvirt_get_msr_index_list((void __user *)arg);
	default:
		return -EINVAL;
	}
}

static const struct file_operations kvirt_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kvirt_dev_ioctl,
	.compat_ioctl = kvirt_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kvirt_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KVIRT_DEVICE_NAME,
	.fops = &kvirt_dev_fops,
};

int kvirt_dev_init(void)
{
	return misc_register(&kvirt_dev);
}

void kvirt_dev_exit(void)
{
	misc_deregister(&kvirt_dev);
}
