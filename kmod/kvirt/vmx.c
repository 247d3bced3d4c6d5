// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: everything kvirt must know about Intel VT-x sits here, behind
 * kvirt_vendor_ops (Intel SDM vol. 3C, chapters 23-24 and appendix A).
 */
#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/asm.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>
#include <asm/virtext.h>
#include <asm/vmx.h>

#include "kvirt.h"

static u32 vmx_revision_id;

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

static int vmx_probe(void)
{
	struct vmx_cpu_check chk = {};
	u64 basic, proc, proc2;

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
	return 0;
}

static void vmx_cpu_disable(void)
{
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
	.tdp_levels = vmx_tdp_levels,
};
