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
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return KVIRT_MEM_SLOTS;
	default:
		return 0;
	}
}
