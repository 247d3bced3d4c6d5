// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: everything kvirt must know about Intel VT-x sits here, behind
 * kvirt_vendor_ops (Intel SDM vol. 3C, chapters 23-24 and appendix A).
 */
#include <linux/bits.h>
#include <linux/cpu.h>
#include <linux/idr.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/asm.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/virtext.h>
#include <asm/vmx.h>

#include "kvirt.h"
#include "vmx.h"

/* Segment registers, in the order of the VMCS field encodings. */
enum vmx_seg {
	VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR,
};

#define VMX_MAX_VPID		0xffff
#define VMX_SWITCHED_MSRS	5
/*
 * The longest turn a guest gets before the VMX-preemption timer ends it.
 * Host interrupts end it sooner; the timer is the backstop for emulated
 * CPUs (Bochs) that do not exit on interrupts while the guest's IF is 0.
 */
#define VMX_GUEST_SLICE_MS	4
#define VMX_RESET_PAT		0x0007040600070406ULL	/* WB WT UC- UC, twice */

struct vmx_vcpu {
	void *vmcs;
	u64 vmcs_pa;
	int cpu;		/* where the VMCS is active, -1 if nowhere */
	bool launched;		/* VMRESUME, not VMLAUNCH */
	bool flush;		/* INVEPT before the next entry */
	struct list_head loaded_link;	/* on vmx_cpus.loaded of @cpu */
	u16 vpid;
	u64 eptp;
	u64 cr2, cr8;
	u64 msrs[VMX_SWITCHED_MSRS];	/* as vmx_switched_msrs[] */
};

/* Per CPU: the VMCSs active here (to VMCLEAR before VMXOFF), the current. */
struct vmx_cpu {
	struct list_head loaded;
	struct vmx_vcpu *active;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);
static DEFINE_IDA(vmx_vpids);
static struct page *vmx_msr_bitmap;
static u32 vmx_revision_id;
static u32 vmx_pin, vmx_proc, vmx_proc2, vmx_exit, vmx_entry;
static u64 vmx_cr0_fixed1_bits, vmx_cr4_fixed1_bits, vmx_host_efer;
static bool vmx_ept_single, vmx_ept_global;
static u64 vmx_preemption_ticks;

static const char *yes_no(u64 v)
{
	return v ? "yes" : "no";
}

struct vmx_cpu_check {
	atomic_t bios_disabled;
	atomic_t busy;
};

/* SDM 23.7: which IA32_FEATURE_CONTROL bit allows VMXON on this CPU. */
static u64 vmx_feat_ctl_enable_bit(void)
{
	return __read_cr4() & X86_CR4_SMXE ? FEAT_CTL_VMX_ENABLED_INSIDE_SMX :
					     FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
}

/* CR4.VMXE, in the register or the kernel's shadow: somebody did VMXON. */
static bool vmx_cpu_in_use(void)
{
	return (__read_cr4() | cr4_read_shadow()) & X86_CR4_VMXE;
}

/* A locked IA32_FEATURE_CONTROL without the enable bit is final. */
static void vmx_check_cpu(void *data)
{
	struct vmx_cpu_check *chk = data;
	u64 fc;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &fc) ||
	    ((fc & FEAT_CTL_LOCKED) && !(fc & vmx_feat_ctl_enable_bit())))
		atomic_inc(&chk->bios_disabled);
	if (vmx_cpu_in_use())
		atomic_inc(&chk->busy);
}

/*
 * Firmware, or the kernel at boot, normally locks IA32_FEATURE_CONTROL; if
 * nobody did, lock it with VMX enabled, as VMXON requires.
 */
static void vmx_lock_feat_ctl(void *unused)
{
	u64 fc;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &fc) || (fc & FEAT_CTL_LOCKED))
		return;
	wrmsrl_safe(MSR_IA32_FEAT_CTL,
		    fc | FEAT_CTL_LOCKED | vmx_feat_ctl_enable_bit());
}

/* VMCS access (SDM 30.3); a failure means a kvirt bug, so say so loudly. */
static void vmcs_write(unsigned long field, u64 value)
{
	u8 failed = 1;

	/* VMfail sets CF or ZF; a fault skips the setna and leaves failed. */
	asm volatile("1: vmwrite %[value], %[field]\n\t"
		     "setna %[failed]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [failed] "+qm" (failed)
		     : [value] "rm" (value), [field] "r" (field) : "cc");
	if (failed)
		pr_err_ratelimited("kvirt: vmwrite %#lx failed\n", field);
}

static u64 vmcs_read(unsigned long field)
{
	u64 value = 0;

	asm volatile("1: vmread %[field], %[value]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [value] "+rm" (value) : [field] "r" (field) : "cc");
	return value;
}

static void vmcs_clear(u64 pa)
{
	asm volatile("1: vmclear %[pa]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [pa] "m" (pa) : "cc", "memory");
}

static void vmcs_load(u64 pa)
{
	asm volatile("1: vmptrld %[pa]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [pa] "m" (pa) : "cc", "memory");
}

/* SDM 30.3: INVEPT of one EPT (or all, if single-context is missing). */
static void vmx_invept(u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc = { eptp, 0 };
	u64 type = vmx_ept_single ? VMX_EPT_EXTENT_CONTEXT :
				    VMX_EPT_EXTENT_GLOBAL;

	asm volatile("1: invept %[desc], %[type]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/* Take @vmcs off this CPU (it may then be loaded elsewhere). */
static void vmx_clear_here(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);

	vmcs_clear(vmx->vmcs_pa);
	if (vc->active == vmx)
		vc->active = NULL;
	list_del(&vmx->loaded_link);
	vmx->launched = false;
	/* The list entry goes before another CPU may load it (SDM 24.11.1). */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
}

static void vmx_clear_ipi(void *data)
{
	struct vmx_vcpu *vmx = data;

	if (READ_ONCE(vmx->cpu) == smp_processor_id())
		vmx_clear_here(vmx);
}

/* Before VMXOFF: every VMCS active here is written back to memory. */
static void vmx_clear_all_here(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	struct vmx_vcpu *vmx, *tmp;
	unsigned long flags;

	/* Also from CPU hotplug: keep vmx_clear_ipi() out meanwhile. */
	local_irq_save(flags);
	list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
		vmx_clear_here(vmx);
	local_irq_restore(flags);
}

/* The host state that depends on the CPU the VMCS is loaded on. */
static void vmx_set_host_cpu_state(int cpu)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_IA32_SYSENTER_ESP, v);
	rdmsrl(MSR_GS_BASE, v);
	vmcs_write(HOST_GS_BASE, v);
}

/*
 * With preemption off: make the vCPU's VMCS current on this CPU, taking it
 * off the CPU it was active on if the thread moved (SDM 24.11.1). With
 * VPID, translations it left behind here may be stale: flush them.
 */
static void vmx_vcpu_load(struct kvirt_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	int cpu = smp_processor_id(), old = READ_ONCE(vmx->cpu);
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	unsigned long flags;

	if (old != cpu) {
		if (old >= 0)
			smp_call_function_single(old, vmx_clear_ipi, vmx, 1);
		/* Pairs with the barrier in vmx_clear_here(). */
		smp_rmb();
		local_irq_save(flags);
		list_add(&vmx->loaded_link, &vc->loaded);
		WRITE_ONCE(vmx->cpu, cpu);
		local_irq_restore(flags);
		vmx->flush = true;
	}
	if (vc->active != vmx) {
		vmcs_load(vmx->vmcs_pa);
		vc->active = vmx;
		vmx_set_host_cpu_state(cpu);
	}
}

/* Bracket VMCS accesses from process context: current VMCS, fixed CPU. */
static void vmx_get(struct kvirt_vcpu *vcpu)
{
	preempt_disable();
	vmx_vcpu_load(vcpu);
}

static void vmx_put(void)
{
	preempt_enable();
}

static u32 vmx_adjust(u32 want, u32 optional, u64 cap)
{
	u32 must = cap, may = cap >> 32;

	return ((want | must) & may) | (optional & may);
}

/* SDM A.3-A.5: controls from the (TRUE_) capability MSRs. */
static int vmx_setup_controls(u64 basic)
{
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	u64 cap;
	u32 want;

	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			   MSR_IA32_VMX_PINBASED_CTLS, cap);
	want = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING;
	vmx_pin = vmx_adjust(want, PIN_BASED_VMX_PREEMPTION_TIMER, cap);
	if ((vmx_pin & want) != want)
		return -EOPNOTSUPP;

	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			   MSR_IA32_VMX_PROCBASED_CTLS, cap);
	want = CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
	       CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_MONITOR_EXITING |
	       CPU_BASED_MWAIT_EXITING | CPU_BASED_CR8_LOAD_EXITING |
	       CPU_BASED_CR8_STORE_EXITING | CPU_BASED_USE_TSC_OFFSETTING |
	       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	vmx_proc = vmx_adjust(want, 0, cap);
	/* With EPT, CR3 accesses need not exit (SDM 25.6.2). */
	if (!(cap & CPU_BASED_CR3_LOAD_EXITING))
		vmx_proc &= ~(CPU_BASED_CR3_LOAD_EXITING |
			      CPU_BASED_CR3_STORE_EXITING);
	if ((vmx_proc & want) != want)
		return -EOPNOTSUPP;

	rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, cap);
	want = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST;
	vmx_proc2 = vmx_adjust(want, SECONDARY_EXEC_ENABLE_VPID, cap);
	if ((vmx_proc2 & want) != want)
		return -EOPNOTSUPP;

	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			   MSR_IA32_VMX_EXIT_CTLS, cap);
	want = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
	       VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |
	       VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_DEBUG_CONTROLS;
	vmx_exit = vmx_adjust(want, 0, cap);
	if ((vmx_exit & want) != want)
		return -EOPNOTSUPP;

	rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			   MSR_IA32_VMX_ENTRY_CTLS, cap);
	want = VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |
	       VM_ENTRY_LOAD_DEBUG_CONTROLS;
	vmx_entry = vmx_adjust(want, 0, cap) & ~VM_ENTRY_IA32E_MODE;
	if ((vmx_entry & want) != want)
		return -EOPNOTSUPP;

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, cap);
	if (!(cap & VMX_EPT_PAGE_WALK_4_BIT) || !(cap & VMX_EPTP_WB_BIT) ||
	    !(cap & VMX_EPT_INVEPT_BIT) ||
	    !(cap & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)))
		return -EOPNOTSUPP;
	vmx_ept_single = cap & VMX_EPT_EXTENT_CONTEXT_BIT;
	vmx_ept_global = cap & VMX_EPT_EXTENT_GLOBAL_BIT;

	if (vmx_pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		rdmsrl(MSR_IA32_VMX_MISC, cap);
		/* The timer ticks every 2^rate TSC cycles (SDM 25.5.1). */
		vmx_preemption_ticks = (u64)tsc_khz * VMX_GUEST_SLICE_MS >>
			(cap & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
		vmx_preemption_ticks = clamp_t(u64, vmx_preemption_ticks, 1,
					       U32_MAX);
	}

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_cr0_fixed1_bits);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_cr4_fixed1_bits);
	/* Unrestricted guests may clear PE and PG themselves (SDM 26.3.1.1). */
	vmx_cr0_fixed1_bits &= ~(X86_CR0_PE | X86_CR0_PG);
	return 0;
}

/* SDM 24.4.1: access rights; bit 16 marks an unusable segment. */
#define VMX_AR_UNUSABLE		BIT(16)

struct vmx_seg_fields {
	u32 selector, base, limit, ar;
};

static const struct vmx_seg_fields vmx_segs[] = {
	[VMX_ES] = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT,
			   GUEST_ES_AR_BYTES },
	[VMX_CS] = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT,
			   GUEST_CS_AR_BYTES },
	[VMX_SS] = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT,
			   GUEST_SS_AR_BYTES },
	[VMX_DS] = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT,
			   GUEST_DS_AR_BYTES },
	[VMX_FS] = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT,
			   GUEST_FS_AR_BYTES },
	[VMX_GS] = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT,
			   GUEST_GS_AR_BYTES },
	[VMX_TR] = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT,
			   GUEST_TR_AR_BYTES },
	[VMX_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE,
			     GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
};

static void vmx_get_seg(int seg, struct kvm_segment *v)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];
	u32 ar = vmcs_read(f->ar);

	*v = (struct kvm_segment) {
		.base = vmcs_read(f->base),
		.limit = vmcs_read(f->limit),
		.selector = vmcs_read(f->selector),
		.type = ar & 15,
		.s = (ar >> 4) & 1,
		.dpl = (ar >> 5) & 3,
		.present = (ar >> 7) & 1,
		.avl = (ar >> 12) & 1,
		.l = (ar >> 13) & 1,
		.db = (ar >> 14) & 1,
		.g = (ar >> 15) & 1,
		.unusable = !!(ar & VMX_AR_UNUSABLE),
	};
}

static void vmx_set_seg(int seg, const struct kvm_segment *v)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];
	u32 ar;

	if (v->unusable || !v->present)
		ar = VMX_AR_UNUSABLE;
	else
		ar = (v->type & 15) | v->s << 4 | (v->dpl & 3) << 5 |
		     v->present << 7 | v->avl << 12 | v->l << 13 |
		     v->db << 14 | v->g << 15;
	vmcs_write(f->selector, v->selector);
	vmcs_write(f->base, v->base);
	vmcs_write(f->limit, v->limit);
	vmcs_write(f->ar, ar);
}

static void vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0)
{
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, cr0 | vmx_cr0_fixed1_bits);
}

static void vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, cr4 | vmx_cr4_fixed1_bits);
}

/* The guest's view: owned bits come from the read shadows. */
static u64 vmx_get_cr0(void)
{
	return (vmcs_read(GUEST_CR0) & ~vmx_cr0_fixed1_bits) |
	       (vmcs_read(CR0_READ_SHADOW) & vmx_cr0_fixed1_bits);
}

static u64 vmx_get_cr4(void)
{
	return (vmcs_read(GUEST_CR4) & ~vmx_cr4_fixed1_bits) |
	       (vmcs_read(CR4_READ_SHADOW) & vmx_cr4_fixed1_bits);
}

/* EFER.LMA and the "IA-32e mode guest" entry control must agree. */
static void vmx_set_efer(u64 efer)
{
	u32 entry = vmcs_read(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE;

	vmcs_write(GUEST_IA32_EFER, efer);
	vmcs_write(VM_ENTRY_CONTROLS,
		   entry | (efer & EFER_LMA ? VM_ENTRY_IA32E_MODE : 0));
}

static void vmx_init_seg(int seg, u16 selector, u64 base, u32 ar)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];

	vmcs_write(f->selector, selector);
	vmcs_write(f->base, base);
	vmcs_write(f->limit, 0xffff);
	vmcs_write(f->ar, ar);
}

/* A fresh VMCS: controls, constant host state, the reset guest state. */
static void vmx_init_vmcs(struct kvirt_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	u64 v;

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, vmx_proc2);
	vmcs_write(VM_EXIT_CONTROLS, vmx_exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_entry);
	if (vmx_proc2 & SECONDARY_EXEC_ENABLE_VPID)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	vmcs_write(EXCEPTION_BITMAP, BIT(X86_TRAP_MC));
	vmcs_write(MSR_BITMAP, page_to_phys(vmx_msr_bitmap));
	vmcs_write(EPT_POINTER, vmx->eptp);
	vmcs_write(CR0_GUEST_HOST_MASK, vmx_cr0_fixed1_bits);
	vmcs_write(CR4_GUEST_HOST_MASK, vmx_cr4_fixed1_bits);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(TSC_OFFSET, 0);
	if (vmx_pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_preemption_ticks);

	/* SDM 27.5: what a VM exit loads; the per-CPU part comes at load. */
	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	/* Null data selectors; vmx_vcpu_run() reloads any the task had. */
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_RIP, (unsigned long)kvirt_vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);

	vmx_init_seg(VMX_CS, 0xf000, 0xffff0000, 0x9b);
	vmx_init_seg(VMX_DS, 0, 0, 0x93);
	vmx_init_seg(VMX_ES, 0, 0, 0x93);
	vmx_init_seg(VMX_FS, 0, 0, 0x93);
	vmx_init_seg(VMX_GS, 0, 0, 0x93);
	vmx_init_seg(VMX_SS, 0, 0, 0x93);
	vmx_init_seg(VMX_LDTR, 0, 0, 0x82);
	vmx_init_seg(VMX_TR, 0, 0, 0x8b);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);
	vmx_set_cr0(vmx, X86_CR0_NW | X86_CR0_CD | X86_CR0_ET);
	vmx_set_cr4(vmx, 0);
	vmcs_write(GUEST_CR3, 0);
	vmx_set_efer(0);
	vmcs_write(GUEST_IA32_PAT, VMX_RESET_PAT);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx->cr2 = 0;
}

static int vmx_vcpu_create(struct kvirt_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	struct page *page;
	int vpid = 0;

	if (vmx_proc2 & SECONDARY_EXEC_ENABLE_VPID) {
		vpid = ida_alloc_range(&vmx_vpids, 1, VMX_MAX_VPID, GFP_KERNEL);
		if (vpid < 0)
			return vpid;
	}
	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vmx || !page) {
		kfree(vmx);
		if (page)
			__free_page(page);
		if (vpid)
			ida_free(&vmx_vpids, vpid);
		return -ENOMEM;
	}
	*(u32 *)page_address(page) = vmx_revision_id;
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	vmx->vpid = vpid;
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->eptp = kvirt_mmu_root(vcpu->vm) | VMX_EPTP_MT_WB |
		    VMX_EPTP_PWL_4;
	vcpu->vendor = vmx;

	/* SDM 24.11.3: VMCLEAR initialises a VMCS before its first use. */
	vmcs_clear(vmx->vmcs_pa);
	vmx_get(vcpu);
	vmx_init_vmcs(vcpu);
	vmx_put();
	return 0;
}

static void vmx_vcpu_free(struct kvirt_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	int cpu;

	/* A CPU going offline clears its VMCSs itself; keep it online. */
	cpus_read_lock();
	cpu = READ_ONCE(vmx->cpu);
	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, vmx, 1);
	cpus_read_unlock();
	if (vmx->vpid)
		ida_free(&vmx_vpids, vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
}

static int vmx_skip_instruction(struct kvirt_vcpu *vcpu)
{
	u32 state;

	vmx_get(vcpu);
	vcpu->rip += vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	state = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
		   state & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	vmx_put();
	return 1;
}

static void vmx_queue_event(u32 info, int error_code, u32 len)
{
	if (error_code >= 0) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, len);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info | INTR_INFO_VALID_MASK);
}

static void vmx_queue_exception(struct kvirt_vcpu *vcpu, unsigned int vector,
				int error_code, u64 cr2)
{
	struct vmx_vcpu *vmx = vcpu->vendor;

	vcpu->exits[KVIRT_EXIT_EXCEPTION]++;
	vmx_get(vcpu);
	/* Real mode pushes no error code (SDM 26.2.1.3). */
	if (!(vmx_get_cr0() & X86_CR0_PE))
		error_code = -1;
	if (vector == X86_TRAP_PF)
		vmx->cr2 = cr2;
	vmx_queue_event(vector | INTR_TYPE_HARD_EXCEPTION, error_code, 0);
	vmx_put();
}

/*
 * An event whose delivery the exit interrupted (SDM 27.2.4) is delivered
 * again; software events with the length of their instruction.
 */
static void vmx_requeue_event(void)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD), type;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	type = info & VECTORING_INFO_TYPE_MASK;
	vmx_queue_event(info & (VECTORING_INFO_VECTOR_MASK |
				VECTORING_INFO_TYPE_MASK),
			info & VECTORING_INFO_DELIVER_CODE_MASK ?
			vmcs_read(IDT_VECTORING_ERROR_CODE) : -1,
			type == INTR_TYPE_SOFT_INTR ||
			type == INTR_TYPE_SOFT_EXCEPTION ||
			type == INTR_TYPE_PRIV_SW_EXCEPTION ?
			vmcs_read(VM_EXIT_INSTRUCTION_LEN) : 0);
}

/* Fields an exit handler needs, read while the VMCS is still current. */
struct vmx_exit {
	u32 reason;
	u32 intr_info;
	u32 insn_len;
	u64 qual;
	u64 gpa;
};

/* VMLAUNCH/VMRESUME refused the state: one line for the kernel log. */
static void vmx_report_entry_failure(struct kvirt_vcpu *vcpu, u64 reason)
{
	pr_info_ratelimited("kvirt: VM entry failed (%#llx): cr0 %llx cr4 %llx efer %llx entry %llx cs %llx/%llx ar %llx ss ar %llx tr ar %llx rip %llx rflags %llx\n",
			    reason, vmcs_read(GUEST_CR0), vmcs_read(GUEST_CR4),
			    vmcs_read(GUEST_IA32_EFER),
			    vmcs_read(VM_ENTRY_CONTROLS),
			    vmcs_read(GUEST_CS_SELECTOR),
			    vmcs_read(GUEST_CS_BASE),
			    vmcs_read(GUEST_CS_AR_BYTES),
			    vmcs_read(GUEST_SS_AR_BYTES),
			    vmcs_read(GUEST_TR_AR_BYTES),
			    vmcs_read(GUEST_RIP), vmcs_read(GUEST_RFLAGS));
	vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
	vcpu->run->fail_entry.cpu = vcpu->cpu;
}

/* MOV to or from a control register the guest does not own (SDM 27.2.1). */
static int vmx_handle_cr(struct kvirt_vcpu *vcpu, u64 qual)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	unsigned int cr = qual & 15, type = (qual >> 4) & 3;
	u64 *reg = &vcpu->regs[(qual >> 8) & 15], val = *reg;
	int r = 1;

	vmx_get(vcpu);
	if (type == 0 && cr == 0) {
		u64 efer = vmcs_read(GUEST_IA32_EFER);

		if ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) {
			r = -1;
		} else if ((val & X86_CR0_PG) && (efer & EFER_LME) &&
			   !(vmx_get_cr0() & X86_CR0_PG)) {
			if (!(vmx_get_cr4() & X86_CR4_PAE))
				r = -1;
			else
				vmx_set_efer(efer | EFER_LMA);
		} else if (!(val & X86_CR0_PG) && (efer & EFER_LMA)) {
			vmx_set_efer(efer & ~EFER_LMA);
		}
		if (r > 0)
			vmx_set_cr0(vmx, val);
	} else if (type == 0 && cr == 4) {
		vmx_set_cr4(vmx, val);
	} else if (type == 0 && cr == 8) {
		vmx->cr8 = val & 15;
	} else if (type == 1 && cr == 8) {
		*reg = vmx->cr8;
	} else {
		r = 0;
	}
	vmx_put();
	if (r < 0) {
		kvirt_queue_gp(vcpu);
		return 1;
	}
	if (!r)
		return kvirt_unexpected_exit(vcpu, EXIT_REASON_CR_ACCESS);
	return vmx_skip_instruction(vcpu);
}

static int vmx_handle_io(struct kvirt_vcpu *vcpu, const struct vmx_exit *e)
{
	unsigned int size = (e->qual & 7) + 1;
	bool in = e->qual & 8;
	u16 port = e->qual >> 16;

	if (e->qual & 16) {
		vcpu->exits[KVIRT_EXIT_IO]++;
		return kvirt_emulate_string_io(vcpu, port, size, in,
					       e->qual & 32);
	}
	return kvirt_handle_io(vcpu, port, size, in, vcpu->rip + e->insn_len);
}

static int vmx_handle_exit(struct kvirt_vcpu *vcpu, const struct vmx_exit *e)
{
	struct kvm_run *run = vcpu->run;
	int r;

	kvirt_trace_exit(vcpu, e->reason, e->qual, e->gpa);
	switch (e->reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		vcpu->exits[KVIRT_EXIT_INTR]++;
		return 1;
	case EXIT_REASON_EXCEPTION_NMI:
		/* NMIs and machine checks went to the host's handlers. */
		vcpu->exits[KVIRT_EXIT_NMI]++;
		return 1;
	case EXIT_REASON_EPT_VIOLATION:
		vcpu->exits[KVIRT_EXIT_NPF]++;
		return kvirt_mmu_page_fault(vcpu, e->gpa,
					    e->qual & BIT(EPT_VIOLATION_ACC_WRITE_BIT));
	case EXIT_REASON_IO_INSTRUCTION:
		return vmx_handle_io(vcpu, e);
	case EXIT_REASON_CPUID:
		return kvirt_handle_cpuid(vcpu);
	case EXIT_REASON_MSR_READ:
		return kvirt_handle_msr(vcpu, false);
	case EXIT_REASON_MSR_WRITE:
		return kvirt_handle_msr(vcpu, true);
	case EXIT_REASON_CR_ACCESS:
		return vmx_handle_cr(vcpu, e->qual);
	case EXIT_REASON_HLT:
		vcpu->exits[KVIRT_EXIT_HLT]++;
		r = vmx_skip_instruction(vcpu);
		if (r <= 0)
			return r;
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		vcpu->exits[KVIRT_EXIT_OTHER]++;
		return vmx_skip_instruction(vcpu);
	case EXIT_REASON_VMCALL:
		return kvirt_handle_hypercall(vcpu);
	case EXIT_REASON_TRIPLE_FAULT:
		vcpu->exits[KVIRT_EXIT_SHUTDOWN]++;
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_MONITOR_INSTRUCTION:
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_XSETBV:
		/* Not offered in CPUID: #UD, as on a CPU without them. */
		vcpu->exits[KVIRT_EXIT_UD_INSN]++;
		kvirt_queue_ud(vcpu);
		return 1;
	default:
		return kvirt_unexpected_exit(vcpu, e->reason);
	}
}

/* Guest MSRs that no VMCS field switches; loaded around the guest's turn. */
static const u32 vmx_switched_msrs[VMX_SWITCHED_MSRS] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
};

static void vmx_switch_msrs(const u64 *values)
{
	unsigned int i;

	for (i = 0; i < VMX_SWITCHED_MSRS; i++)
		wrmsrl(vmx_switched_msrs[i], values[i]);
}

/*
 * Preemption back on before interrupts (with interrupts off it cannot
 * schedule): the host's tick, pending since the exit, must find a
 * preemptible context to note an RCU quiescent state.
 */
static void vmx_exit_irqs_on(void)
{
	preempt_enable();
	local_irq_enable();
}

static int vmx_vcpu_run(struct kvirt_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	u64 host_msrs[VMX_SWITCHED_MSRS], fs_base;
	u16 fs_sel, gs_sel, ds_sel, es_sel;
	struct vmx_exit e = {};
	unsigned int i;
	s64 gen;
	int fail;

	preempt_disable();
	vmx_vcpu_load(vcpu);
	local_irq_disable();
	if (need_resched() || signal_pending(current)) {
		local_irq_enable();
		preempt_enable();
		return 1;
	}
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	vcpu->cpu = smp_processor_id();
	/* Pairs with kvirt_mmu_flush_tlbs(): mode first, then tlb_gen. */
	smp_store_mb(vcpu->mode, KVIRT_IN_GUEST);
	gen = atomic64_read(&vcpu->vm->mmu.tlb_gen);
	if (vmx->flush || vcpu->tlb_gen != gen) {
		vmx_invept(vmx->eptp);
		vmx->flush = false;
		vcpu->tlb_gen = gen;
	}

	vmcs_write(GUEST_RIP, vcpu->rip);
	vmcs_write(GUEST_RSP, vcpu->regs[KVIRT_RSP]);
	vmcs_write(GUEST_RFLAGS, vcpu->rflags);
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, cr4_read_shadow());
	savesegment(fs, fs_sel);
	savesegment(gs, gs_sel);
	savesegment(ds, ds_sel);
	savesegment(es, es_sel);
	rdmsrl(MSR_FS_BASE, fs_base);
	vmcs_write(HOST_FS_BASE, fs_base);
	vmcs_write(HOST_IA32_EFER, vmx_host_efer);
	for (i = 0; i < VMX_SWITCHED_MSRS; i++)
		rdmsrl(vmx_switched_msrs[i], host_msrs[i]);
	vmx_switch_msrs(vmx->msrs);
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);

	fail = kvirt_vmx_vmrun(vcpu->regs, vmx->launched);

	vmx->cr2 = native_read_cr2();
	/* SWAPGS in the guest may have changed KERNEL_GS_BASE. */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->msrs[0]);
	vmx_switch_msrs(host_msrs);
	/* A VM exit loads null selectors and limits the TSS and GDT. */
	if (ds_sel | es_sel) {
		loadsegment(ds, ds_sel);
		loadsegment(es, es_sel);
	}
	if (fs_sel) {
		loadsegment(fs, fs_sel);
		wrmsrl(MSR_FS_BASE, fs_base);
	}
	if (gs_sel)
		load_gs_index(gs_sel);
	invalidate_tss_limit();
	load_fixmap_gdt(vcpu->cpu);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	WRITE_ONCE(vcpu->mode, KVIRT_OUTSIDE_GUEST);

	if (!fail) {
		e.reason = vmcs_read(VM_EXIT_REASON);
		/* A failed entry leaves the VMCS clear (SDM 26.8). */
		vmx->launched = !(e.reason & VMX_EXIT_REASONS_FAILED_VMENTRY);
		e.intr_info = vmcs_read(VM_EXIT_INTR_INFO);
		/* Give the host its NMI or machine check, interrupts still off. */
		if (e.reason == EXIT_REASON_EXCEPTION_NMI &&
		    (e.intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
			asm volatile("int $2");
		else if (e.reason == EXIT_REASON_EXCEPTION_NMI &&
			 (e.intr_info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC)
			asm volatile("int $0x12");
	}

	if (fail) {
		vmx_report_entry_failure(vcpu, vmcs_read(VM_INSTRUCTION_ERROR));
		vmx_exit_irqs_on();
		return 0;
	}
	vcpu->rip = vmcs_read(GUEST_RIP);
	vcpu->regs[KVIRT_RSP] = vmcs_read(GUEST_RSP);
	vcpu->rflags = vmcs_read(GUEST_RFLAGS);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (e.reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		vmx_report_entry_failure(vcpu, e.reason);
		vmx_exit_irqs_on();
		return 0;
	}
	vmx_requeue_event();
	e.insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	e.qual = vmcs_read(EXIT_QUALIFICATION);
	e.gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	vmx_exit_irqs_on();
	return vmx_handle_exit(vcpu, &e);
}

/*
 * With EPT, PAE paging takes its four PDPTEs from the VMCS at entry (SDM
 * 26.3.2.4): when userspace sets up PAE paging, they are read from guest
 * memory as MOV to CR3 would; unreadable ones are left not present.
 */
static void vmx_read_pdptrs(struct kvirt_vcpu *vcpu,
			    const struct kvm_sregs *sregs, u64 *pdpte)
{
	if (kvirt_read_guest(vcpu->vm, sregs->cr3 & ~0x1fULL, pdpte,
			     4 * sizeof(*pdpte)))
		memset(pdpte, 0, 4 * sizeof(*pdpte));
}

static void vmx_get_sregs(struct kvirt_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = vcpu->vendor;

	memset(sregs, 0, sizeof(*sregs));
	vmx_get(vcpu);
	vmx_get_seg(VMX_CS, &sregs->cs);
	vmx_get_seg(VMX_DS, &sregs->ds);
	vmx_get_seg(VMX_ES, &sregs->es);
	vmx_get_seg(VMX_FS, &sregs->fs);
	vmx_get_seg(VMX_GS, &sregs->gs);
	vmx_get_seg(VMX_SS, &sregs->ss);
	vmx_get_seg(VMX_TR, &sregs->tr);
	vmx_get_seg(VMX_LDTR, &sregs->ldt);
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	sregs->cr0 = vmx_get_cr0();
	sregs->cr2 = vmx->cr2;
	sregs->cr3 = vmcs_read(GUEST_CR3);
	sregs->cr4 = vmx_get_cr4();
	sregs->cr8 = vmx->cr8;
	sregs->efer = vmcs_read(GUEST_IA32_EFER);
	vmx_put();
}

static int vmx_set_sregs(struct kvirt_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	bool pae = (sregs->cr0 & X86_CR0_PG) && (sregs->cr4 & X86_CR4_PAE) &&
		   !(sregs->efer & EFER_LMA);
	u64 pdpte[4];

	/* Guest memory may fault in: read it before the VMCS is pinned. */
	if (pae)
		vmx_read_pdptrs(vcpu, sregs, pdpte);
	vmx_get(vcpu);
	vmx_set_seg(VMX_CS, &sregs->cs);
	vmx_set_seg(VMX_DS, &sregs->ds);
	vmx_set_seg(VMX_ES, &sregs->es);
	vmx_set_seg(VMX_FS, &sregs->fs);
	vmx_set_seg(VMX_GS, &sregs->gs);
	vmx_set_seg(VMX_SS, &sregs->ss);
	vmx_set_seg(VMX_TR, &sregs->tr);
	vmx_set_seg(VMX_LDTR, &sregs->ldt);
	vmcs_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmx_set_cr0(vmx, sregs->cr0);
	vmx_set_cr4(vmx, sregs->cr4);
	vmcs_write(GUEST_CR3, sregs->cr3);
	vmx_set_efer(sregs->efer);
	if (pae) {
		vmcs_write(GUEST_PDPTR0, pdpte[0]);
		vmcs_write(GUEST_PDPTR1, pdpte[1]);
		vmcs_write(GUEST_PDPTR2, pdpte[2]);
		vmcs_write(GUEST_PDPTR3, pdpte[3]);
	}
	vmx->cr2 = sregs->cr2;
	vmx->cr8 = sregs->cr8 & 15;
	vmx_put();
	return 0;
}

/* The MSRs the VMCS holds, by field. */
static unsigned long vmx_msr_field(u32 index)
{
	switch (index) {
	case MSR_FS_BASE:
		return GUEST_FS_BASE;
	case MSR_GS_BASE:
		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	case MSR_IA32_CR_PAT:
		return GUEST_IA32_PAT;
	}
	return 0;
}

static int vmx_switched_index(u32 index)
{
	unsigned int i;

	for (i = 0; i < VMX_SWITCHED_MSRS; i++)
		if (vmx_switched_msrs[i] == index)
			return i;
	return -1;
}

static int vmx_get_msr(struct kvirt_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	unsigned long field = vmx_msr_field(index);
	int i = vmx_switched_index(index), r = 0;

	if (i >= 0) {
		*data = vmx->msrs[i];
		return 0;
	}
	vmx_get(vcpu);
	if (field)
		*data = vmcs_read(field);
	else if (index == MSR_EFER)
		*data = vmcs_read(GUEST_IA32_EFER);
	else if (index == MSR_IA32_TSC)
		*data = rdtsc() + vmcs_read(TSC_OFFSET);
	else
		r = 1;
	vmx_put();
	return r;
}

static int vmx_set_msr(struct kvirt_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct vmx_vcpu *vmx = vcpu->vendor;
	unsigned long field = vmx_msr_field(index);
	int i = vmx_switched_index(index), r = 0;
	u64 efer;

	if (i >= 0) {
		vmx->msrs[i] = data;
		return 0;
	}
	vmx_get(vcpu);
	if (index == MSR_EFER) {
		efer = vmcs_read(GUEST_IA32_EFER);
		r = kvirt_efer_update(&efer, data, vmx_get_cr0(), host);
		if (!r)
			vmx_set_efer(efer);
	} else if (index == MSR_IA32_TSC) {
		vmcs_write(TSC_OFFSET, data - rdtsc());
	} else if (field) {
		vmcs_write(field, data);
	} else {
		r = 1;
	}
	vmx_put();
	return r;
}

/* SDM 30.3: INVEPT of every EPT, right after VMXON. */
static void vmx_invept_all(void)
{
	struct {
		u64 eptp, reserved;
	} desc = {};
	u64 type = VMX_EPT_EXTENT_GLOBAL;

	if (!vmx_ept_global)
		return;
	asm volatile("1: invept %[desc], %[type]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/* SDM 24.6.9: a 4 KiB bitmap; clear bits let the guest at those MSRs. */
static int vmx_setup_msr_bitmap(void)
{
	static const u32 direct[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	unsigned long *map;
	unsigned int i;

	vmx_msr_bitmap = alloc_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		return -ENOMEM;
	map = page_address(vmx_msr_bitmap);
	memset(map, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(direct); i++) {
		u32 msr = direct[i];
		/* Reads of the low range, then the high; writes 2 KiB later. */
		unsigned int bit = (msr & 0x1fff) + (msr >> 31) * 1024 * 8;

		__clear_bit(bit, map);
		__clear_bit(bit + 2048 * 8, map);
	}
	return 0;
}

static void vmx_unload(void)
{
	if (vmx_msr_bitmap)
		__free_page(vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
}

static int vmx_probe(void)
{
	struct vmx_cpu_check chk = {};
	u64 basic, proc, proc2;
	unsigned int cpu;

	if (!(cpuid_ecx(1) & BIT(X86_FEATURE_VMX & 31)))
		return -ENODEV;

	on_each_cpu(vmx_check_cpu, &chk, 1);
	/* The kernel clears its VMX flag when firmware locked VMX off. */
	if (atomic_read(&chk.bios_disabled) || !boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("kvirt: Intel VMX is disabled by the BIOS (IA32_FEATURE_CONTROL) or the kernel\n");
		return -EOPNOTSUPP;
	}
	if (atomic_read(&chk.busy)) {
		pr_err("kvirt: Intel VMX is already in use by another hypervisor on %d CPU(s)\n",
		       atomic_read(&chk.busy));
		return -EBUSY;
	}

	/* SDM A.1: the VMXON region is at most 4 KiB and write-back cached. */
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if (((basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & 0x1fff) > PAGE_SIZE ||
	    ((basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT) !=
	    VMX_BASIC_MEM_TYPE_WB) {
		pr_err("kvirt: Intel VMX with an unusual VMCS layout (IA32_VMX_BASIC %#llx) is not supported\n",
		       basic);
		return -EOPNOTSUPP;
	}
	vmx_revision_id = basic & 0x7fffffff;

	/* SDM A.3.2 and A.3.3: the high halves hold the allowed-1 settings. */
	rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS, proc);
	proc2 = 0;
	if ((proc >> 32) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, proc2);
	proc2 >>= 32;
	if (!(proc2 & SECONDARY_EXEC_ENABLE_EPT)) {
		pr_err("kvirt: Intel VMX without EPT is not supported\n");
		return -EOPNOTSUPP;
	}

	if (vmx_setup_controls(basic)) {
		pr_err("kvirt: Intel VMX without unrestricted guest, EPT write-back tables, INVEPT or EFER/PAT switching is not supported\n");
		return -EOPNOTSUPP;
	}
	if (vmx_setup_msr_bitmap())
		return -ENOMEM;
	rdmsrl(MSR_EFER, vmx_host_efer);
	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(vmx_cpus, cpu).loaded);

	on_each_cpu(vmx_lock_feat_ctl, NULL, 1);
	pr_info("kvirt: Intel VMX revision %#x, ept yes, vpid %s, unrestricted_guest %s\n",
		vmx_revision_id, yes_no(proc2 & SECONDARY_EXEC_ENABLE_VPID),
		yes_no(proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST));
	return 0;
}

/* SDM 24.11.5 and 30.3: set CR4.VMXE, then VMXON on a tagged 4 KiB region. */
static int vmx_cpu_enable(struct page *area)
{
	u64 pa = page_to_phys(area);
	u8 failed = 1;

	if (vmx_cpu_in_use())
		return -EBUSY;

	*(u32 *)page_address(area) = vmx_revision_id;
	/* Intel PT must stop tracing first where it cannot trace in VMX. */
	intel_pt_handle_vmx(1);
	cr4_set_bits(X86_CR4_VMXE);

	/* VMfail sets CF or ZF; a fault skips the setna and leaves failed. */
	asm volatile("1: vmxon %[pa]\n\t"
		     "setna %[failed]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [failed] "+qm" (failed) : [pa] "m" (pa) : "cc", "memory");
	if (failed) {
		cr4_clear_bits(X86_CR4_VMXE);
		intel_pt_handle_vmx(0);
		return -EIO;
	}
	/* Nothing EPT-derived from before this VMXON may survive. */
	vmx_invept_all();
	return 0;
}

static void vmx_cpu_disable(void)
{
	/* VMCS data cached in the CPU goes back to memory before VMXOFF. */
	vmx_clear_all_here();
	cpu_vmxoff();
	intel_pt_handle_vmx(0);
}

/* A 4-level EPT maps the 48-bit guest-physical space KVM gives guests. */
static int vmx_tdp_levels(void)
{
	return 4;
}

const struct kvirt_vendor_ops kvirt_vmx_ops = {
	.name = "Intel VMX",
	/* EPT entries (SDM vol. 3C, 29.3.2): leaves are write-back memory. */
	.pte = {
		.present = VMX_EPT_READABLE_MASK,
		.table = VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK |
			 VMX_EPT_EXECUTABLE_MASK,
		.leaf = VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
			VMX_EPTP_MT_WB << VMX_EPT_MT_EPTE_SHIFT,
		.write = VMX_EPT_WRITABLE_MASK,
		.huge = BIT_ULL(7),
	},
	.probe = vmx_probe,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.unload = vmx_unload,
	.tdp_levels = vmx_tdp_levels,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_run = vmx_vcpu_run,
	.skip_instruction = vmx_skip_instruction,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.queue_exception = vmx_queue_exception,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
};
