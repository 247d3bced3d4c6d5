// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: the guest's model-specific registers: which exist (the list KVM
 * clients save and restore), and who keeps each one, the core or the
 * vendor's state (the VMCB or VMCS).
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>

#include "kvirt.h"

static const u32 kvirt_msrs[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	MSR_FS_BASE, MSR_GS_BASE, MSR_EFER, MSR_IA32_CR_PAT, MSR_IA32_TSC,
	MSR_IA32_APICBASE,
};

/* api.rst 4.3: the count always goes back; the list only if it fits. */
int kvirt_get_msr_index_list(struct kvm_msr_list __user *arg)
{
	struct kvm_msr_list list;
	u32 n;

	if (copy_from_user(&list, arg, sizeof(list)))
		return -EFAULT;
	n = list.nmsrs;
	list.nmsrs = ARRAY_SIZE(kvirt_msrs);
	if (copy_to_user(arg, &list, sizeof(list)))
		return -EFAULT;
	if (n < ARRAY_SIZE(kvirt_msrs))
		return -E2BIG;
	if (copy_to_user(arg->indices, kvirt_msrs, sizeof(kvirt_msrs)))
		return -EFAULT;
	return 0;
}

/* Without an in-kernel LAPIC only the base itself is kept. */
static bool kvirt_apic_base_valid(u64 data)
{
	u64 reserved = ~(MSR_IA32_APICBASE_BASE | MSR_IA32_APICBASE_ENABLE |
			 MSR_IA32_APICBASE_BSP);

	reserved |= ~0ULL << boot_cpu_data.x86_phys_bits;
	return !(data & reserved);
}

/* 0 or non-zero: the guest gets #GP, KVM_{GET,SET}_MSRS stops there. */
int kvirt_get_msr(struct kvirt_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	if (index == MSR_IA32_APICBASE) {
		*data = vcpu->apic_base;
		return 0;
	}
	return kvirt_vendor->get_msr(vcpu, index, data);
}

int kvirt_set_msr(struct kvirt_vcpu *vcpu, u32 index, u64 data, bool host)
{
	if (index == MSR_IA32_APICBASE) {
		if (!host && !kvirt_apic_base_valid(data))
			return 1;
		vcpu->apic_base = data;
		return 0;
	}
	return kvirt_vendor->set_msr(vcpu, index, data, host);
}
