// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: module load picks the vendor (SVM or VMX) and refuses cleanly when
 * the CPU cannot be used; unload gives every CPU back as it was found.
 */
#include <linux/module.h>

#include "kvirt.h"

const struct kvirt_vendor_ops *kvirt_vendor;

static int __init kvirt_init(void)
{
	static const struct kvirt_vendor_ops *const vendors[] = {
		&kvirt_svm_ops, &kvirt_vmx_ops,
	};
	int i, r = -ENODEV;

	for (i = 0; i < ARRAY_SIZE(vendors) && r == -ENODEV; i++) {
		r = vendors[i]->probe();
		if (!r)
			kvirt_vendor = vendors[i];
	}
	if (r == -ENODEV) {
		pr_err("kvirt: this CPU has neither AMD SVM nor Intel VMX\n");
		return -EOPNOTSUPP;
	}
	if (r)
		return r;

	r = kvirt_cpu_virt_init();
	if (r)
		goto unload;
	kvirt_debugfs_init();
	r = kvirt_dev_init();
	if (r) {
		kvirt_debugfs_exit();
		kvirt_cpu_virt_exit();
		goto unload;
	}
	return 0;
unload:
	if (kvirt_vendor->unload)
		kvirt_vendor->unload();
	return r;
}

static void __exit kvirt_exit(void)
{
	kvirt_dev_exit();
	kvirt_debugfs_exit();
	kvirt_cpu_virt_exit();
	if (kvirt_vendor->unload)
		kvirt_vendor->unload();
}

module_init(kvirt_init);
module_exit(kvirt_exit);
MODULE_DESCRIPTION("kvirt: a compact hypervisor with a KVM-compatible ABI");
MODULE_LICENSE("GPL");
