/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the one internal header of kvirt.ko; it names the vendor ops table
 * that keeps SVM and VMX knowledge out of the vendor-neutral core.
 */
#ifndef KVIRT_KVIRT_H
#define KVIRT_KVIRT_H

#include <linux/kvm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <asm/fpu/types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "emulate.h"

struct kvirt_vcpu;
struct page;

/* Memory slots a VM may have (KVM_CAP_NR_MEMSLOTS), and pages per slot. */
#define KVIRT_MEM_SLOTS		509
#define KVIRT_MEM_SLOT_MAX_PAGES	((1UL << 31) - 1)

/* A range of the VMM's address space that the guest sees as its memory. */
struct kvirt_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	unsigned long *dirty_bitmap;	/* with KVM_MEM_LOG_DIRTY_PAGES */
	u32 flags;
	u16 id;
};

/* Internal slot flag: being deleted or moved; faults on it retry. */
#define KVIRT_MEMSLOT_INVALID	BIT(31)

/* The slots in use, sorted by base_gfn; replaced whole, read under RCU. */
struct kvirt_memslots {
	struct rcu_head rcu;
	unsigned int count;
	struct kvirt_memslot slot[];
};

/*
 * The nested page table of one VM (NPT on AMD, EPT on Intel). It maps
 * guest-physical pages onto the VMM's pages without pinning them: the MMU
 * notifier takes mappings away when the host changes its page tables.
 */
struct kvirt_mmu {
	spinlock_t lock;		/* the table and the fields below */
	unsigned long invalidate_seq;	/* bumped when mappings may vanish */
	unsigned int invalidating;	/* notifier ranges in progress */
	u64 *root;
	int levels;			/* 4, or 5 with LA57 */
	struct list_head cache;		/* zeroed table pages, for faults */
	unsigned int cache_count;
	atomic64_t tlb_gen;		/* bumped when vCPUs must flush */
	struct mmu_notifier notifier;
};

/* How the vendor's nested page table entries look (NPT or EPT). */
struct kvirt_pte_format {
	u64 present;	/* any of these set: the entry is present */
	u64 table;	/* bits of an entry pointing at a table */
	u64 leaf;	/* bits of a readable, executable page */
	u64 write;	/* the write permission */
	u64 huge;	/* a page above the last level */
};

#define KVIRT_MAX_VCPUS		64

/* Per-CPU pages for the vendor: VMXON region, or VMRUN's two save areas. */
#define KVIRT_CPU_AREA_ORDER	1

struct kvirt_vm {
	refcount_t users;		/* the VM fd and each vCPU fd */
	struct mm_struct *mm;
	struct mutex slots_lock;	/* serialises memslot updates */
	struct kvirt_memslots __rcu *memslots;
	struct mutex lock;		/* vcpu creation */
	unsigned int nr_vcpus;
	struct kvirt_vcpu *vcpus[KVIRT_MAX_VCPUS];
	struct kvirt_mmu mmu;
	struct dentry *debugfs;		/* kvirt/<pid>-<n>/: vCPU exit counts */
};

/* General-purpose registers, numbered as in the instruction encoding. */
enum kvirt_gpr {
	KVIRT_RAX, KVIRT_RCX, KVIRT_RDX, KVIRT_RBX,
	KVIRT_RSP, KVIRT_RBP, KVIRT_RSI, KVIRT_RDI,
	KVIRT_R8, KVIRT_R9, KVIRT_R10, KVIRT_R11,
	KVIRT_R12, KVIRT_R13, KVIRT_R14, KVIRT_R15,
	KVIRT_NR_GPRS
};

/* Why a vCPU left the guest; counted per vCPU (debugfs). */
enum kvirt_exit_kind {
	KVIRT_EXIT_IO, KVIRT_EXIT_MMIO, KVIRT_EXIT_NPF, KVIRT_EXIT_CPUID,
	KVIRT_EXIT_HLT, KVIRT_EXIT_MSR, KVIRT_EXIT_INTR, KVIRT_EXIT_NMI,
	KVIRT_EXIT_SHUTDOWN, KVIRT_EXIT_EXCEPTION, KVIRT_EXIT_UD_INSN,
	KVIRT_EXIT_OTHER,
	KVIRT_NR_EXIT_KINDS
};

/* Where a vCPU is, for kicks and TLB flush requests. */
enum kvirt_vcpu_mode { KVIRT_OUTSIDE_GUEST, KVIRT_IN_GUEST };

struct kvirt_vcpu {
	struct kvirt_vm *vm;
	unsigned int id;
	struct mutex mutex;		/* one ioctl at a time */
	struct kvm_run *run;		/* page 0 of the vCPU mmap */
	void *pio_data;			/* page 1: KVM_PIO_PAGE_OFFSET */
	int mode;			/* enum kvirt_vcpu_mode */
	int cpu;			/* where it last ran, -1 if never */
	s64 tlb_gen;			/* vm->mmu.tlb_gen when last flushed */
	u32 mp_state;
	u64 apic_base;
	struct fpu_guest fpu;

	/* Canonical guest registers; the vendor syncs its copies around entry. */
	u64 regs[KVIRT_NR_GPRS];
	u64 rip;
	u64 rflags;

	/* A port IO exit finished on the next KVM_RUN (KVM advances RIP then). */
	bool pio_pending;
	u64 pio_rip, pio_next_rip;

	struct kvirt_emul emul;		/* MMIO and string-IO emulation */

	unsigned int cpuid_nent;
	struct kvm_cpuid_entry2 *cpuid;

	u64 exits[KVIRT_NR_EXIT_KINDS];
	void *vendor;			/* the vendor's per-vCPU state */
};

/*
 * Everything the core needs from a virtualization vendor. The cpu_* hooks
 * run on the CPU they act on, with interrupts disabled.
 */
struct kvirt_vendor_ops {
	const char *name;
	struct kvirt_pte_format pte;
	/* Once at load: is the feature present, usable and not BIOS-locked? */
	int (*probe)(void);
	/*
	 * Switch it on using @area (zeroed, 2^KVIRT_CPU_AREA_ORDER pages);
	 * -EBUSY if another hypervisor holds it.
	 */
	int (*cpu_enable)(struct page *area);
	void (*cpu_disable)(void);
	/* Optional: free what probe() set up, at unload. */
	void (*unload)(void);

	/* Levels of the nested page table the hardware will walk. */
	int (*tdp_levels)(void);
	int (*vcpu_create)(struct kvirt_vcpu *vcpu);
	void (*vcpu_free)(struct kvirt_vcpu *vcpu);
	/*
	 * Enter the guest once and handle the exit. Called with preemption
	 * enabled; returns 1 to re-enter, 0 to return to userspace with
	 * vcpu->run filled in, or a negative errno.
	 */
	int (*vcpu_run)(struct kvirt_vcpu *vcpu);
	/* Step over the intercepted instruction at RIP; as vcpu_run returns. */
	int (*skip_instruction)(struct kvirt_vcpu *vcpu);
	void (*get_sregs)(struct kvirt_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct kvirt_vcpu *vcpu, const struct kvm_sregs *sregs);
	/* Deliver @vector on the next entry; @error_code < 0 means none. */
	void (*queue_exception)(struct kvirt_vcpu *vcpu, unsigned int vector,
				int error_code, u64 cr2);
	/* MSRs the vendor keeps; 1: not the vendor's, <0: refused (#GP). */
	int (*get_msr)(struct kvirt_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct kvirt_vcpu *vcpu, u32 index, u64 data, bool host);
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
int kvirt_get_dirty_log(struct kvirt_vm *vm, const struct kvm_dirty_log *log);
void kvirt_memslots_free(struct kvirt_vm *vm);
unsigned int kvirt_memslot_count(void);
bool kvirt_gfn_to_memslot(struct kvirt_vm *vm, u64 gfn,
			  struct kvirt_memslot *out);
void kvirt_memslot_mark_dirty(const struct kvirt_memslot *slot, u64 gfn);

int kvirt_mmu_init(struct kvirt_vm *vm);
void kvirt_mmu_destroy(struct kvirt_vm *vm);
u64 kvirt_mmu_root(struct kvirt_vm *vm);
int kvirt_mmu_page_fault(struct kvirt_vcpu *vcpu, u64 gpa, bool write);
void kvirt_mmu_zap_gfn_range(struct kvirt_vm *vm, u64 gfn, u64 npages);
void kvirt_mmu_write_protect(struct kvirt_vm *vm, u64 gfn,
			     const unsigned long *bits, u64 npages);
void kvirt_mmu_flush_tlbs(struct kvirt_vm *vm);
unsigned int kvirt_mmu_table_pages(void);

void kvirt_vm_put(struct kvirt_vm *vm);
int kvirt_create_vcpu(struct kvirt_vm *vm, unsigned long id);
void kvirt_vcpu_free(struct kvirt_vcpu *vcpu);
unsigned int kvirt_vcpu_count(void);
int kvirt_vcpu_mmap_size(void);
void kvirt_kick_ipi(void *unused);

/* exits.c: the vendor-neutral halves of intercepted instructions. */
void kvirt_trace_exit(struct kvirt_vcpu *vcpu, u64 reason, u64 info1,
		      u64 info2);
int kvirt_handle_cpuid(struct kvirt_vcpu *vcpu);
int kvirt_handle_msr(struct kvirt_vcpu *vcpu, bool write);
int kvirt_handle_io(struct kvirt_vcpu *vcpu, u16 port, unsigned int size,
		    bool in, u64 next_rip);
int kvirt_complete_io(struct kvirt_vcpu *vcpu);
int kvirt_handle_hypercall(struct kvirt_vcpu *vcpu);
void kvirt_queue_ud(struct kvirt_vcpu *vcpu);
void kvirt_queue_gp(struct kvirt_vcpu *vcpu);
int kvirt_unexpected_exit(struct kvirt_vcpu *vcpu, u64 reason);

/* cpuid.c: what the guest sees from CPUID. */
int kvirt_get_supported_cpuid(struct kvm_cpuid2 __user *arg);
int kvirt_set_cpuid2(struct kvirt_vcpu *vcpu, struct kvm_cpuid2 __user *arg);
int kvirt_get_cpuid2(struct kvirt_vcpu *vcpu, struct kvm_cpuid2 __user *arg);
const struct kvm_cpuid_entry2 *kvirt_find_cpuid(struct kvirt_vcpu *vcpu,
						u32 function, u32 index);

/* msr.c: which MSRs exist for the guest; @host: from KVM_{GET,SET}_MSRS. */
int kvirt_get_msr_index_list(struct kvm_msr_list __user *arg);
int kvirt_get_msr(struct kvirt_vcpu *vcpu, u32 index, u64 *data, bool host);
int kvirt_set_msr(struct kvirt_vcpu *vcpu, u32 index, u64 data, bool host);
int kvirt_efer_update(u64 *efer, u64 data, u64 cr0, bool host);

/*
 * Guest memory through the memslots, from the vCPU thread (the VMM's mm):
 * 0, -ENOENT where no memslot backs @gpa (or, for writes, a read-only one),
 * -EFAULT where the VMM's mapping fails.
 */
int kvirt_read_guest(struct kvirt_vm *vm, u64 gpa, void *data,
		     unsigned long len);
int kvirt_write_guest(struct kvirt_vm *vm, u64 gpa, const void *data,
		      unsigned long len);

int kvirt_dev_init(void);
void kvirt_dev_exit(void);

void kvirt_debugfs_init(void);
void kvirt_debugfs_exit(void);
void kvirt_debugfs_add_vm(struct kvirt_vm *vm);
void kvirt_debugfs_add_vcpu(struct kvirt_vcpu *vcpu);

#endif /* KVIRT_KVIRT_H */
