// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: /sys/kernel/debug/kvirt/status shows what kvirt holds (live VMs,
 * which CPUs have virtualization on), so tests and people can check that
 * everything is given back.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "kvirt.h"

static struct dentry *kvirt_debugfs_dir;

static int kvirt_status_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	seq_printf(m, "vendor: %s\n", kvirt_vendor->name);
	seq_printf(m, "vms: %u\n", kvirt_vm_count());
	seq_printf(m, "memslots: %u\n", kvirt_memslot_count());
	for_each_possible_cpu(cpu)
		seq_printf(m, "cpu%u: %s\n", cpu,
			   kvirt_cpu_virt_enabled(cpu) ? "on" : "off");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kvirt_status);

void kvirt_debugfs_init(void)
{
	kvirt_debugfs_dir = debugfs_create_dir("kvirt", NULL);
	debugfs_create_file("status", 0444, kvirt_debugfs_dir, NULL,
			    &kvirt_status_fops);
}

void kvirt_debugfs_exit(void)
{
	debugfs_remove_recursive(kvirt_debugfs_dir);
}
