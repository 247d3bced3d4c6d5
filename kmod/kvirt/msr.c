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

/* As KVM: every PAT entry one of UC, WC, WT, WP, WB, UC-. */
static bool kvirt_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

static u64 kvirt_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16);
}

/*
 * KVM's checks on a value written to a vendor-kept MSR: non-canonical
 * addresses and bad PAT entries are refused (1), SYSENTER addresses are
 * made canonical and SYSENTER_CS is 32 bits.
 */
static int kvirt_msr_filter(u32 index, u64 *data)
{
	switch (index) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		return kvirt_canonical(*data) != *data;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		*data = kvirt_canonical(*data);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*data = (u32)*data;
		return 0;
	case MSR_IA32_CR_PAT:
		return !kvirt_pat_valid(*data);
	}
	return 0;
}

/*
 * EFER as KVM allows it: SCE, LME, LMA and NX; from the guest, LMA only
 * follows paging and LME may not change while paging is on.
 */
int kvirt_efer_update(u64 *efer, u64 data, u64 cr0, bool host)
{
	u64 valid = EFER_SCE | EFER_LME | EFER_LMA;

	if (boot_cpu_has(X86_FEATURE_NX))
		valid |= EFER_NX;
	if (data & ~valid)
		return 1;
	if (!host) {
		data = (data & ~EFER_LMA) | (*efer & EFER_LMA);
		if ((cr0 & X86_CR0_PG) && ((data ^ *efer) & EFER_LME))
			return 1;
	}
	*efer = data;
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
	if (kvirt_msr_filter(index, &data))
		return 1;
	return kvirt_vendor->set_msr(vcpu, index, data, host);
}
