// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: clients decide what to use from KVM_CHECK_EXTENSION, so its answers
 * must list exactly what kvirt implements, and nothing more.
 */
#include <linux/kvm.h>

#include "kvirt.h"

long kvirt_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_INTERNAL_ERROR_DATA:
		return 1;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return KVIRT_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return KVIRT_MEM_SLOTS;
	default:
		return 0;
	}
}
