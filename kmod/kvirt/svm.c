// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: everything kvirt must know about AMD SVM sits here, behind
 * kvirt_vendor_ops (AMD APM vol. 2, chapter 15).
 */
#include <linux/bits.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/svm.h>
#include <asm/virtext.h>

#include "kvirt.h"

/* CPUID Fn8000_000A EDX feature bits (APM vol. 3, appendix E.4.9). */
#define SVM_EDX_NPT		BIT(0)
#define SVM_EDX_NRIPS		BIT(3)
#define SVM_EDX_VMCB_CLEAN	BIT(5)
#define SVM_EDX_FLUSH_BY_ASID	BIT(6)
#define SVM_EDX_DECODE_ASSISTS	BIT(7)
#define SVM_EDX_VGIF		BIT(16)

static const char *yes_no(u32 v)
{
	return v ? "yes" : "no";
}

static bool svm_cpu_in_use(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

static void svm_check_cpu(void *busy)
{
	if (svm_cpu_in_use())
		atomic_inc(busy);
}

/* APM 15.4: CPUID says SVM exists, VM_CR.SVMDIS says whether it may be used. */
static int svm_probe(void)
{
	atomic_t busy = ATOMIC_INIT(0);
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;

	if (cpuid_eax(0x80000000) < SVM_CPUID_FUNC ||
	    !(cpuid_ecx(0x80000001) & BIT(X86_FEATURE_SVM & 31)))
		return -ENODEV;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("kvirt: AMD SVM is disabled by the kernel (clearcpuid)\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK) {
		pr_err("kvirt: AMD SVM is disabled by the BIOS (VM_CR.SVMDIS)\n");
		return -EOPNOTSUPP;
	}

	cpuid(SVM_CPUID_FUNC, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_EDX_NPT)) {
		pr_err("kvirt: AMD SVM without nested paging is not supported\n");
		return -EOPNOTSUPP;
	}

	on_each_cpu(svm_check_cpu, &busy, 1);
	if (atomic_read(&busy)) {
		pr_err("kvirt: AMD SVM is already in use by another hypervisor on %d CPU(s)\n",
		       atomic_read(&busy));
		return -EBUSY;
	}

	pr_info("kvirt: AMD SVM rev %u, %u ASIDs, npt yes, nrips %s, vmcb_clean %s, flushbyasid %s, decode_assists %s, vgif %s\n",
		eax & 0xff, ebx, yes_no(edx & SVM_EDX_NRIPS),
		yes_no(edx & SVM_EDX_VMCB_CLEAN),
		yes_no(edx & SVM_EDX_FLUSH_BY_ASID),
		yes_no(edx & SVM_EDX_DECODE_ASSISTS),
		yes_no(edx & SVM_EDX_VGIF));
	return 0;
}

/* APM 15.4 and 15.30.4: set EFER.SVME, then give VMRUN its host save area. */
static int svm_cpu_enable(struct page *area)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/* With SME, the save area's address carries the encryption bit. */
	wrmsrl(MSR_VM_HSAVE_PA, __sme_set(page_to_phys(area)));
	return 0;
}

static void svm_cpu_disable(void)
{
	cpu_svm_disable();
}

const struct kvirt_vendor_ops kvirt_svm_ops = {
	.name = "AMD SVM",
	.probe = svm_probe,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
};
