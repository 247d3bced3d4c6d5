// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: SVM/VMX is switched on per CPU only while at least one VM exists, on
 * every online CPU, following hotplug, suspend and reboot, so that kvirt
 * coexists with other hypervisors and leaves each CPU as it found it.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

#include "kvirt.h"

struct kvirt_cpu {
	struct page *area;
	bool enabled;
};

static DEFINE_PER_CPU(struct kvirt_cpu, kvirt_cpu);

/* Serialises kvirt_users and the per-CPU transitions outside suspend. */
static DEFINE_MUTEX(kvirt_cpu_lock);
static unsigned int kvirt_users;
static bool kvirt_rebooting;
static enum cpuhp_state kvirt_hp_state;

static int kvirt_this_cpu_enable(void)
{
	struct kvirt_cpu *c = this_cpu_ptr(&kvirt_cpu);
	int r;

	if (c->enabled)
		return 0;
	r = kvirt_vendor->cpu_enable(c->area);
	if (r) {
		pr_err_ratelimited("kvirt: cannot enable %s on CPU %d (%d)%s\n",
				   kvirt_vendor->name, smp_processor_id(), r,
				   r == -EBUSY ? ": held by another hypervisor" : "");
		return r;
	}
	c->enabled = true;
	return 0;
}

static void kvirt_this_cpu_disable(void)
{
	struct kvirt_cpu *c = this_cpu_ptr(&kvirt_cpu);

	if (!c->enabled)
		return;
	kvirt_vendor->cpu_disable();
	c->enabled = false;
}

static void kvirt_enable_ipi(void *failed)
{
	if (kvirt_this_cpu_enable())
		atomic_inc(failed);
}

static void kvirt_disable_ipi(void *unused)
{
	kvirt_this_cpu_disable();
}

/* Called for each new VM: the first one switches every online CPU on. */
int kvirt_cpu_virt_get(void)
{
	atomic_t failed = ATOMIC_INIT(0);
	int r = 0;

	cpus_read_lock();
	mutex_lock(&kvirt_cpu_lock);
	if (kvirt_rebooting) {
		r = -EBUSY;
	} else if (kvirt_users++ == 0) {
		on_each_cpu(kvirt_enable_ipi, &failed, 1);
		if (atomic_read(&failed)) {
			on_each_cpu(kvirt_disable_ipi, NULL, 1);
			kvirt_users = 0;
			r = -EBUSY;
		}
	}
	mutex_unlock(&kvirt_cpu_lock);
	cpus_read_unlock();
	return r;
}

/* Called when a VM goes away: the last one switches every CPU off. */
void kvirt_cpu_virt_put(void)
{
	cpus_read_lock();
	mutex_lock(&kvirt_cpu_lock);
	if (--kvirt_users == 0)
		on_each_cpu(kvirt_disable_ipi, NULL, 1);
	mutex_unlock(&kvirt_cpu_lock);
	cpus_read_unlock();
}

bool kvirt_cpu_virt_enabled(unsigned int cpu)
{
	return READ_ONCE(per_cpu(kvirt_cpu, cpu).enabled);
}

/* Hotplug callbacks run on the CPU coming up or going down. */
static int kvirt_cpu_online(unsigned int cpu)
{
	int r = 0;

	mutex_lock(&kvirt_cpu_lock);
	if (kvirt_users && !kvirt_rebooting) {
		local_irq_disable();
		r = kvirt_this_cpu_enable();
		local_irq_enable();
	}
	mutex_unlock(&kvirt_cpu_lock);
	return r;
}

static int kvirt_cpu_offline(unsigned int cpu)
{
	mutex_lock(&kvirt_cpu_lock);
	local_irq_disable();
	kvirt_this_cpu_disable();
	local_irq_enable();
	mutex_unlock(&kvirt_cpu_lock);
	return 0;
}

/* Suspend runs on the last online CPU with interrupts off: no locking. */
static int kvirt_suspend(void)
{
	if (kvirt_users)
		kvirt_this_cpu_disable();
	return 0;
}

static void kvirt_resume(void)
{
	if (kvirt_users && kvirt_this_cpu_enable())
		pr_err("kvirt: virtualization lost on resume\n");
}

static struct syscore_ops kvirt_syscore_ops = {
	.suspend = kvirt_suspend,
	.resume = kvirt_resume,
};

/* A firmware reboot must find SVM/VMX off, as it would without kvirt. */
static int kvirt_reboot(struct notifier_block *nb, unsigned long code,
			void *unused)
{
	mutex_lock(&kvirt_cpu_lock);
	kvirt_rebooting = true;
	on_each_cpu(kvirt_disable_ipi, NULL, 1);
	mutex_unlock(&kvirt_cpu_lock);
	return NOTIFY_OK;
}

static struct notifier_block kvirt_reboot_nb = {
	.notifier_call = kvirt_reboot,
};

static void kvirt_free_areas(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct kvirt_cpu *c = per_cpu_ptr(&kvirt_cpu, cpu);

		if (c->area)
			__free_pages(c->area, KVIRT_CPU_AREA_ORDER);
		c->area = NULL;
	}
}

int kvirt_cpu_virt_init(void)
{
	unsigned int cpu;
	int r;

	for_each_possible_cpu(cpu) {
		struct page *p = alloc_pages_node(cpu_to_node(cpu),
						  GFP_KERNEL | __GFP_ZERO,
						  KVIRT_CPU_AREA_ORDER);

		if (!p) {
			kvirt_free_areas();
			return -ENOMEM;
		}
		per_cpu_ptr(&kvirt_cpu, cpu)->area = p;
	}

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kvirt:online",
				      kvirt_cpu_online, kvirt_cpu_offline);
	if (r < 0) {
		kvirt_free_areas();
		return r;
	}
	kvirt_hp_state = r;
	register_syscore_ops(&kvirt_syscore_ops);
	register_reboot_notifier(&kvirt_reboot_nb);
	return 0;
}

/* Only reached once every VM file is closed, so every CPU is already off. */
void kvirt_cpu_virt_exit(void)
{
	unregister_reboot_notifier(&kvirt_reboot_nb);
	unregister_syscore_ops(&kvirt_syscore_ops);
	cpuhp_remove_state_nocalls(kvirt_hp_state);
	kvirt_free_areas();
}
