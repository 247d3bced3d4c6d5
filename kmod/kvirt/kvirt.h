/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the one internal header of kvirt.ko; it names the vendor ops table
 * that keeps SVM and VMX knowledge out of the vendor-neutral core.
 */
#ifndef KVIRT_KVIRT_H
#define KVIRT_KVIRT_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct kvm_userspace_memory_region;
struct mm_struct;
struct page;

/* Memory slots a VM may have (KVM_CAP_NR_MEMSLOTS), and pages per slot. */
#define KVIRT_MEM_SLOTS		509
#define KVIRT_MEM_SLOT_MAX_PAGES	((1UL << 31) - 1)

/* A range of the VMM's address space that the guest sees as its memory. */
struct kvirt_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;
	u16 id;
};

/* The slots in use, sorted by base_gfn; replaced whole, read under RCU. */
struct kvirt_memslots {
	struct rcu_head rcu;
	unsigned int count;
	struct kvirt_memslot slot[];
};

struct kvirt_vm {
	struct mm_struct *mm;
	struct mutex slots_lock;	/* serialises memslot updates */
	struct kvirt_memslots __rcu *memslots;
};

/*
 * Everything the core needs from a virtualization vendor. The cpu_* hooks
 * run on the CPU they act on, with interrupts disabled.
 */
struct kvirt_vendor_ops {
	const char *name;
	/* Once at load: is the feature present, usable and not BIOS-locked? */
	int (*probe)(void);
	/* Switch it on using @area (one zeroed page); -EBUSY if taken. */
	int (*cpu_enable)(struct page *area);
	void (*cpu_disable)(void);
};

extern const struct kvirt_vendor_ops kvirt_svm_ops;
extern const struct kvirt_vendor_ops kvirt_vmx_ops;
extern const struct kvirt_vendor_ops *kvirt_vendor;

int kvirt_cpu_virt_init(void);
void kvirt_cpu_virt_exit(void);
int kvirt_cpu_virt_get(void);
void kvirt_cpu_virt_put(void);
bool kvirt_cpu_virt_enabled(unsigned int cpu);

long kvirt_check_extension(long cap);

int kvirt_create_vm(unsigned long type);
unsigned int kvirt_vm_count(void);

int kvirt_set_memory_region(struct kvirt_vm *vm,
			    const struct kvm_userspace_memory_region *mem);
void kvirt_memslots_free(struct kvirt_vm *vm);
unsigned int kvirt_memslot_count(void);

int kvirt_dev_init(void);
void kvirt_dev_exit(void);

void kvirt_debugfs_init(void);
void kvirt_debugfs_exit(void);

#endif /* KVIRT_KVIRT_H */
