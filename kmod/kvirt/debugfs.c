// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: /sys/kernel/debug/kvirt/status shows what kvirt holds (live VMs,
 * vCPUs, table pages, which CPUs have virtualization on), so tests and
 * people can check that everything is given back; kvirt/<pid>-<n>/vcpu<id>
 * counts each vCPU's exits by reason.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "kvirt.h"

static struct dentry *kvirt_debugfs_dir;

static int kvirt_status_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	seq_printf(m, "vendor: %s\n", kvirt_vendor->name);
	seq_printf(m, "vms: %u\n", kvirt_vm_count());
	seq_printf(m, "memslots: %u\n", kvirt_memslot_count());
	seq_printf(m, "vcpus: %u\n", kvirt_vcpu_count());
	seq_printf(m, "table_pages: %u\n", kvirt_mmu_table_pages());
	for_each_possible_cpu(cpu)
		seq_printf(m, "cpu%u: %s\n", cpu,
			   kvirt_cpu_virt_enabled(cpu) ? "on" : "off");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kvirt_status);

static const char *const kvirt_exit_names[KVIRT_NR_EXIT_KINDS] = {
	[KVIRT_EXIT_IO] = "io",
	[KVIRT_EXIT_MMIO] = "mmio",
	[KVIRT_EXIT_NPF] = "npf",
	[KVIRT_EXIT_CPUID] = "cpuid",
	[KVIRT_EXIT_HLT] = "hlt",
	[KVIRT_EXIT_MSR] = "msr",
	[KVIRT_EXIT_INTR] = "intr",
	[KVIRT_EXIT_NMI] = "nmi",
	[KVIRT_EXIT_SHUTDOWN] = "shutdown",
	[KVIRT_EXIT_EXCEPTION] = "exception",
	[KVIRT_EXIT_UD_INSN] = "ud_insn",
	[KVIRT_EXIT_OTHER] = "other",
};

/* Counters are read racily while the vCPU runs: a snapshot, not a lock. */
static int kvirt_vcpu_exits_show(struct seq_file *m, void *unused)
{
	struct kvirt_vcpu *vcpu = m->private;
	unsigned int i;

	for (i = 0; i < KVIRT_NR_EXIT_KINDS; i++)
		seq_printf(m, "%s: %llu\n", kvirt_exit_names[i],
			   READ_ONCE(vcpu->exits[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kvirt_vcpu_exits);

void kvirt_debugfs_add_vm(struct kvirt_vm *vm)
{
	static atomic_t serial = ATOMIC_INIT(0);
	char name[32];

	snprintf(name, sizeof(name), "%d-%d", task_pid_nr(current),
		 atomic_inc_return(&serial));
	vm->debugfs = debugfs_create_dir(name, kvirt_debugfs_dir);
}

void kvirt_debugfs_add_vcpu(struct kvirt_vcpu *vcpu)
{
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	debugfs_create_file(name, 0444, vcpu->vm->debugfs, vcpu,
			    &kvirt_vcpu_exits_fops);
}

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
