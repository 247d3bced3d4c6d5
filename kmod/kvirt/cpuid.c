// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: CPUID is the guest's only description of its CPU. kvirt offers what
 * it really virtualizes (KVM_GET_SUPPORTED_CPUID), and answers the guest
 * from the table the VMM chose (KVM_SET_CPUID2), as KVM does.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeatures.h>
#include <asm/processor.h>

#include "kvirt.h"

/* As KVM: the most entries one table may hold. */
#define KVIRT_MAX_CPUID_ENTRIES	256

#define F(name)	BIT(X86_FEATURE_##name & 31)

/*
 * Features the guest can use as on the host: no XSAVE (so no AVX), no
 * local APIC, MTRRs, machine checks or RDTSCP until kvirt emulates them.
 */
static const u32 leaf1_ecx = F(XMM3) | F(PCLMULQDQ) | F(SSSE3) | F(CX16) |
	F(XMM4_1) | F(XMM4_2) | F(MOVBE) | F(POPCNT) | F(AES) | F(RDRAND);
static const u32 leaf1_edx = F(FPU) | F(VME) | F(DE) | F(PSE) | F(TSC) |
	F(MSR) | F(PAE) | F(CX8) | F(SEP) | F(PGE) | F(CMOV) | F(PAT) |
	F(PSE36) | F(CLFLUSH) | F(MMX) | F(FXSR) | F(XMM) | F(XMM2);
static const u32 leaf7_ebx = F(FSGSBASE) | F(BMI1) | F(SMEP) | F(BMI2) |
	F(ERMS) | F(RDSEED) | F(ADX) | F(SMAP) | F(CLFLUSHOPT) | F(SHA_NI);
static const u32 ext1_ecx = F(LAHF_LM) | F(ABM) | F(SSE4A) | F(MISALIGNSSE) |
	F(3DNOWPREFETCH);
static const u32 ext1_edx = F(SYSCALL) | F(NX) | F(MMXEXT) | F(FXSR_OPT) |
	F(GBPAGES) | F(LM);

static void kvirt_host_leaf(struct kvm_cpuid_entry2 *e, u32 function,
			    u32 index)
{
	*e = (struct kvm_cpuid_entry2) { .function = function, .index = index };
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
}

/* Fill @out (room for @max) with the supported table; entries or -E2BIG. */
static int kvirt_supported_cpuid(struct kvm_cpuid_entry2 *out, int max)
{
	u32 basic = min_t(u32, cpuid_eax(0), 7);
	u32 ext = min_t(u32, cpuid_eax(0x80000000), 0x80000008);
	static const u32 leaves[] = {
		0, 1, 7, 0x80000000, 0x80000001, 0x80000002, 0x80000003,
		0x80000004, 0x80000005, 0x80000006, 0x80000008,
	};
	int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		u32 f = leaves[i];
		struct kvm_cpuid_entry2 *e = &out[n];

		if (f < 0x80000000 ? f > basic : f > ext)
			continue;
		if (n == max)
			return -E2BIG;
		kvirt_host_leaf(e, f, 0);
		switch (f) {
		case 0:
			e->eax = basic;
			break;
		case 1:
			/* Keep the signature and CLFLUSH size, not APIC IDs. */
			e->ebx &= 0xff00;
			e->ecx = (e->ecx & leaf1_ecx) | F(HYPERVISOR);
			e->edx &= leaf1_edx;
			break;
		case 7:
			e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
			e->eax = 0;
			e->ebx &= leaf7_ebx;
			e->ecx = 0;
			e->edx = 0;
			break;
		case 0x80000000:
			e->eax = ext;
			break;
		case 0x80000001:
			e->ecx &= ext1_ecx;
			e->edx &= ext1_edx;
			break;
		case 0x80000008:
			/* Physical and linear address sizes only. */
			e->eax &= 0xffff;
			e->ebx = 0;
			e->ecx = 0;
			e->edx = 0;
			break;
		}
		n++;
	}
	return n;
}

int kvirt_get_supported_cpuid(struct kvm_cpuid2 __user *arg)
{
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 cpuid;
	int n, r;

	if (copy_from_user(&cpuid, arg, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < 1)
		return -E2BIG;
	cpuid.nent = min_t(u32, cpuid.nent, KVIRT_MAX_CPUID_ENTRIES);
	entries = kcalloc(cpuid.nent, sizeof(*entries), GFP_KERNEL_ACCOUNT);
	if (!entries)
		return -ENOMEM;
	n = kvirt_supported_cpuid(entries, cpuid.nent);
	r = n;
	if (n < 0)
		goto out;
	cpuid.nent = n;
	r = -EFAULT;
	if (!copy_to_user(arg->entries, entries, n * sizeof(*entries)) &&
	    !copy_to_user(arg, &cpuid, sizeof(cpuid)))
		r = 0;
out:
	kfree(entries);
	return r;
}

const struct kvm_cpuid_entry2 *kvirt_find_cpuid(struct kvirt_vcpu *vcpu,
						u32 function, u32 index)
{
	unsigned int i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == index))
			return e;
	}
	return NULL;
}

int kvirt_set_cpuid2(struct kvirt_vcpu *vcpu, struct kvm_cpuid2 __user *arg)
{
	struct kvm_cpuid_entry2 *entries = NULL;
	struct kvm_cpuid2 cpuid;
	size_t size;

	if (copy_from_user(&cpuid, arg, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent > KVIRT_MAX_CPUID_ENTRIES)
		return -E2BIG;
	size = array_size(cpuid.nent, sizeof(*entries));
	if (cpuid.nent) {
		entries = memdup_user(arg->entries, size);
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	/* As KVM: once the vCPU has run, only the same table may be set. */
	if (vcpu->cpu >= 0) {
		bool same = cpuid.nent == vcpu->cpuid_nent &&
			    (!size || !memcmp(entries, vcpu->cpuid, size));

		kfree(entries);
		return same ? 0 : -EINVAL;
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = entries;
	vcpu->cpuid_nent = cpuid.nent;
	return 0;
}

/* As KVM 6.1: nent is left as the caller set it, even on success. */
int kvirt_get_cpuid2(struct kvirt_vcpu *vcpu, struct kvm_cpuid2 __user *arg)
{
	struct kvm_cpuid2 cpuid;

	if (copy_from_user(&cpuid, arg, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < vcpu->cpuid_nent)
		return -E2BIG;
	if (copy_to_user(arg->entries, vcpu->cpuid,
			 array_size(vcpu->cpuid_nent, sizeof(*vcpu->cpuid))))
		return -EFAULT;
	return 0;
}
