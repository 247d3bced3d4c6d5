// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: everything kvirt must know about AMD SVM sits here, behind
 * kvirt_vendor_ops (AMD APM vol. 2, chapter 15).
 */
#include <linux/bits.h>
#include <linux/kvm.h>
#include <linux/mem_encrypt.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/svm.h>
#include <asm/traps.h>
#include <asm/virtext.h>

#include "kvirt.h"
#include "svm.h"

/* The permission maps: 12 KiB of port bits, 8 KiB of MSR bit pairs. */
#define SVM_IOPM_ORDER		2
#define SVM_MSRPM_ORDER		1

/* Nested page table entries are ordinary x86-64 page table entries. */
#define NPT_PRESENT		BIT_ULL(0)
#define NPT_WRITE		BIT_ULL(1)
#define NPT_USER		BIT_ULL(2)
#define NPT_ACCESSED		BIT_ULL(5)
#define NPT_DIRTY		BIT_ULL(6)
#define NPT_HUGE		BIT_ULL(7)

/* Reset values (APM vol. 2, 14.1.3), as KVM starts a vCPU. */
#define SVM_RESET_CR0		(X86_CR0_NW | X86_CR0_CD | X86_CR0_ET)
#define SVM_RESET_DR6		0xffff0ff0
#define SVM_RESET_DR7		0x400
#define SVM_RESET_PAT		0x0007040600070406ULL	/* WB WT UC- UC, twice */
#define SVM_SEG_CODE		0x9b	/* present, code, readable, accessed */
#define SVM_SEG_DATA		0x93	/* present, data, writable, accessed */
#define SVM_SEG_LDT		0x82
#define SVM_SEG_TSS16_BUSY	0x83

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	/*
	 * The guest state as userspace last set it: a VMRUN that refuses it
	 * may leave the save area changed (QEMU writes the host's state
	 * there), so it is put back for the next try.
	 */
	bool state_set;
	struct vmcb_save_area state;
	u32 asid;
	u64 asid_gen;
	int asid_cpu;
};

/* Per CPU: the save area for what VMRUN leaves alone, and ASIDs. */
struct svm_cpu {
	u64 host_area_pa;
	u64 asid_gen;
	u32 next_asid;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
static struct page *svm_iopm, *svm_msrpm;
static u32 svm_nr_asids;
static bool svm_nrips;

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

/* APM 15.11: two bits per MSR (read, write) in three 8K-MSR ranges. */
static void svm_msr_passthrough(u32 msr)
{
	static const u32 base[] = { 0, 0xc0000000, 0xc0010000 };
	unsigned long *map = page_address(svm_msrpm);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(base); i++) {
		if (msr - base[i] < 0x2000) {
			unsigned int bit = i * 0x4000 + (msr - base[i]) * 2;

			__clear_bit(bit, map);
			__clear_bit(bit + 1, map);
			return;
		}
	}
}

static void svm_unload(void)
{
	if (svm_iopm)
		__free_pages(svm_iopm, SVM_IOPM_ORDER);
	if (svm_msrpm)
		__free_pages(svm_msrpm, SVM_MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

/*
 * Every port and MSR exits, except the MSRs VMLOAD/VMSAVE and VMRUN
 * switch with the VMCB: the guest uses those at full speed.
 */
static int svm_setup_maps(void)
{
	static const u32 direct[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,
		MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	unsigned int i;

	svm_iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm) {
		svm_unload();
		return -ENOMEM;
	}
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(direct); i++)
		svm_msr_passthrough(direct[i]);
	return 0;
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
	svm_nr_asids = ebx;
	svm_nrips = edx & SVM_EDX_NRIPS;
	if (svm_setup_maps())
		return -ENOMEM;

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
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/* With SME, the save area's address carries the encryption bit. */
	wrmsrl(MSR_VM_HSAVE_PA, __sme_set(page_to_phys(area)));
	sc->host_area_pa = __sme_set(page_to_phys(area) + PAGE_SIZE);
	/* The TLB may hold anything: start a new ASID generation, flushed. */
	sc->asid_gen++;
	sc->next_asid = svm_nr_asids;
	return 0;
}

static void svm_cpu_disable(void)
{
	cpu_svm_disable();
}

static void svm_set_intercept(struct vmcb_control_area *c, unsigned int bit)
{
	c->intercepts[bit / 32] |= BIT(bit % 32);
}

static void svm_init_seg(struct vmcb_seg *seg, u16 attrib)
{
	*seg = (struct vmcb_seg) { .attrib = attrib, .limit = 0xffff };
}

/* A VMCB for a vCPU just out of reset (also after a shutdown, as KVM). */
static void svm_init_vmcb(struct kvirt_vcpu *vcpu)
{
	static const unsigned int intercepts[] = {
		INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_MC,
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_INVD, INTERCEPT_HLT, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_WBINVD, INTERCEPT_MONITOR,
		INTERCEPT_MWAIT, INTERCEPT_XSETBV, INTERCEPT_RDPRU,
	};
	struct svm_vcpu *svm = vcpu->vendor;
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_control_area *c = &vmcb->control;
	struct vmcb_save_area *save = &vmcb->save;
	unsigned int i;

	memset(vmcb, 0, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_set_intercept(c, intercepts[i]);
	c->iopm_base_pa = __sme_set(page_to_phys(svm_iopm));
	c->msrpm_base_pa = __sme_set(page_to_phys(svm_msrpm));
	/* Host RFLAGS.IF gates physical interrupts, the guest's its own. */
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = __sme_set(kvirt_mmu_root(vcpu->vm));
	svm->asid_gen = 0;

	svm_init_seg(&save->cs, SVM_SEG_CODE);
	save->cs.selector = 0xf000;
	save->cs.base = 0xffff0000;
	svm_init_seg(&save->ds, SVM_SEG_DATA);
	svm_init_seg(&save->es, SVM_SEG_DATA);
	svm_init_seg(&save->fs, SVM_SEG_DATA);
	svm_init_seg(&save->gs, SVM_SEG_DATA);
	svm_init_seg(&save->ss, SVM_SEG_DATA);
	svm_init_seg(&save->ldtr, SVM_SEG_LDT);
	svm_init_seg(&save->tr, SVM_SEG_TSS16_BUSY);
	save->gdtr.limit = 0xffff;
	save->idtr.limit = 0xffff;
	save->cr0 = SVM_RESET_CR0;
	save->efer = EFER_SVME;
	save->dr6 = SVM_RESET_DR6;
	save->dr7 = SVM_RESET_DR7;
	save->g_pat = SVM_RESET_PAT;
	svm->state_set = true;
}

/* NPT walks with the host's paging mode (APM 15.25.3): 5 levels with LA57. */
static int svm_tdp_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

static int svm_vcpu_create(struct kvirt_vcpu *vcpu)
{
	struct svm_vcpu *svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT);

	if (!svm || !page) {
		kfree(svm);
		if (page)
			__free_page(page);
		return -ENOMEM;
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = __sme_set(page_to_phys(page));
	svm->asid_cpu = -1;
	vcpu->vendor = svm;
	svm_init_vmcb(vcpu);
	return 0;
}

static void svm_vcpu_free(struct kvirt_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->vendor;

	free_page((unsigned long)svm->vmcb);
	kfree(svm);
}

/*
 * Interrupts off: give the vCPU an ASID that is fresh on this CPU and ask
 * for a flush when the nested page table lost mappings since its last turn.
 */
static void svm_prepare_tlb(struct kvirt_vcpu *vcpu, int cpu)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	struct svm_vcpu *svm = vcpu->vendor;
	struct vmcb_control_area *c = &svm->vmcb->control;
	s64 gen = atomic64_read(&vcpu->vm->mmu.tlb_gen);

	if (svm->asid_cpu != cpu || svm->asid_gen != sc->asid_gen) {
		if (sc->next_asid >= svm_nr_asids) {
			sc->asid_gen++;
			sc->next_asid = 1;
			c->tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		}
		svm->asid = sc->next_asid++;
		svm->asid_gen = sc->asid_gen;
		svm->asid_cpu = cpu;
		c->asid = svm->asid;
	}
	if (vcpu->tlb_gen != gen) {
		/* Without FlushByAsid, flushing everything is what remains. */
		c->tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		vcpu->tlb_gen = gen;
	}
}

/*
 * An event the exit interrupted (APM 15.7.2) is delivered again; software
 * interrupts and INT3/INTO are not: the guest re-executes the instruction.
 */
static void svm_requeue_event(struct vmcb_control_area *c)
{
	u32 info = c->exit_int_info;
	u32 type = info & SVM_EXITINTINFO_TYPE_MASK;
	u32 vector = info & SVM_EXITINTINFO_VEC_MASK;

	c->event_inj = 0;
	if (!(info & SVM_EXITINTINFO_VALID) ||
	    type == SVM_EXITINTINFO_TYPE_SOFT ||
	    (type == SVM_EXITINTINFO_TYPE_EXEPT &&
	     (vector == X86_TRAP_BP || vector == X86_TRAP_OF)))
		return;
	c->event_inj = info;
	c->event_inj_err = c->exit_int_info_err;
}

static int svm_skip_instruction(struct kvirt_vcpu *vcpu)
{
	struct vmcb_control_area *c = &((struct svm_vcpu *)vcpu->vendor)->vmcb->control;

	c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	if (svm_nrips && c->next_rip) {
		vcpu->rip = c->next_rip;
		return 1;
	}
	return kvirt_skip_instruction(vcpu);
}

static void svm_queue_exception(struct kvirt_vcpu *vcpu, unsigned int vector,
				int error_code, u64 cr2)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)vcpu->vendor)->vmcb;
	u32 inj = vector | SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT;

	vcpu->exits[KVIRT_EXIT_EXCEPTION]++;
	/* Real mode pushes no error code. */
	if (error_code >= 0 && (vmcb->save.cr0 & X86_CR0_PE)) {
		inj |= SVM_EVTINJ_VALID_ERR;
		vmcb->control.event_inj_err = error_code;
	}
	if (vector == X86_TRAP_PF)
		vmcb->save.cr2 = cr2;
	vmcb->control.event_inj = inj;
}

/* IOIO's EXITINFO1 (APM 15.10.2); EXITINFO2 is always the next RIP. */
static int svm_handle_io(struct kvirt_vcpu *vcpu, struct vmcb_control_area *c)
{
	u32 info = c->exit_info_1;
	unsigned int size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;
	bool in = info & SVM_IOIO_TYPE_MASK;
	u16 port = info >> 16;

	if (info & SVM_IOIO_STR_MASK) {
		vcpu->exits[KVIRT_EXIT_IO]++;
		return kvirt_emulate_string_io(vcpu, port, size, in,
					       info & SVM_IOIO_REP_MASK);
	}
	return kvirt_handle_io(vcpu, port, size, in, c->exit_info_2);
}

static int svm_handle_exit(struct kvirt_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->vendor;
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct kvm_run *run = vcpu->run;
	int r;

	kvirt_trace_exit(vcpu, c->exit_code, c->exit_info_1, c->exit_info_2);
	switch (c->exit_code) {
	case SVM_EXIT_INTR:
		vcpu->exits[KVIRT_EXIT_INTR]++;
		return 1;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		vcpu->exits[KVIRT_EXIT_NMI]++;
		return 1;
	case SVM_EXIT_NPF:
		vcpu->exits[KVIRT_EXIT_NPF]++;
		return kvirt_mmu_page_fault(vcpu, c->exit_info_2,
					    c->exit_info_1 & X86_PF_WRITE);
	case SVM_EXIT_IOIO:
		return svm_handle_io(vcpu, c);
	case SVM_EXIT_CPUID:
		return kvirt_handle_cpuid(vcpu);
	case SVM_EXIT_MSR:
		return kvirt_handle_msr(vcpu, c->exit_info_1);
	case SVM_EXIT_HLT:
		vcpu->exits[KVIRT_EXIT_HLT]++;
		r = svm_skip_instruction(vcpu);
		if (r <= 0)
			return r;
		/* No in-kernel LAPIC: userspace decides what a halt means. */
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		/* Guest memory is cacheable host memory: nothing to do. */
		vcpu->exits[KVIRT_EXIT_OTHER]++;
		return svm_skip_instruction(vcpu);
	case SVM_EXIT_SHUTDOWN:
		vcpu->exits[KVIRT_EXIT_SHUTDOWN]++;
		/* The VMCB is undefined after a shutdown (APM 15.12). */
		svm_init_vmcb(vcpu);
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_MC:
		/* A host machine check: let the host's handler see it. */
		asm volatile("int $0x12");
		return 1;
	case SVM_EXIT_VMMCALL:
		return kvirt_handle_hypercall(vcpu);
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_XSETBV:
	case SVM_EXIT_RDPRU:
		/* Not offered in CPUID: #UD, as on a CPU without them. */
		vcpu->exits[KVIRT_EXIT_UD_INSN]++;
		kvirt_queue_ud(vcpu);
		return 1;
	case SVM_EXIT_ERR:
		pr_info_ratelimited("kvirt: VMRUN refused the guest state: cr0 %llx cr4 %llx efer %llx cs %x/%llx rip %llx\n",
				    svm->vmcb->save.cr0, svm->vmcb->save.cr4,
				    svm->vmcb->save.efer,
				    svm->vmcb->save.cs.attrib,
				    svm->vmcb->save.cs.base,
				    svm->vmcb->save.rip);
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = SVM_EXIT_ERR;
		run->fail_entry.cpu = vcpu->cpu;
		return 0;
	default:
		return kvirt_unexpected_exit(vcpu, c->exit_code);
	}
}

static int svm_vcpu_run(struct kvirt_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->vendor;
	struct vmcb *vmcb = svm->vmcb;
	int cpu;

	vmcb->save.rax = vcpu->regs[KVIRT_RAX];
	vmcb->save.rsp = vcpu->regs[KVIRT_RSP];
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;

	local_irq_disable();
	if (need_resched() || signal_pending(current)) {
		local_irq_enable();
		return 1;
	}
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	cpu = smp_processor_id();
	vcpu->cpu = cpu;
	/* Pairs with kvirt_mmu_flush_tlbs(): mode first, then tlb_gen. */
	smp_store_mb(vcpu->mode, KVIRT_IN_GUEST);
	svm_prepare_tlb(vcpu, cpu);

	if (svm->state_set)
		svm->state = vmcb->save;
	asm volatile("clgi" ::: "memory");
	kvirt_svm_vmrun(svm->vmcb_pa, vcpu->regs,
			this_cpu_ptr(&svm_cpus)->host_area_pa);
	/* #VMEXIT reset DR7; put the host's breakpoints back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	asm volatile("stgi" ::: "memory");
	WRITE_ONCE(vcpu->mode, KVIRT_OUTSIDE_GUEST);
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	local_irq_enable();

	if (vmcb->control.exit_code == SVM_EXIT_ERR) {
		/* Nothing ran: the registers stay as they were. */
		if (svm->state_set)
			vmcb->save = svm->state;
		return svm_handle_exit(vcpu);
	}
	svm->state_set = false;
	vcpu->regs[KVIRT_RAX] = vmcb->save.rax;
	vcpu->regs[KVIRT_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	svm_requeue_event(&vmcb->control);
	return svm_handle_exit(vcpu);
}

/* The VMCB keeps segment attributes packed (APM 15.5.1). */
static void svm_get_seg(const struct vmcb_seg *s, struct kvm_segment *v)
{
	u16 a = s->attrib;

	*v = (struct kvm_segment) {
		.base = s->base,
		.limit = s->limit,
		.selector = s->selector,
		.type = a & SVM_SELECTOR_TYPE_MASK,
		.s = !!(a & SVM_SELECTOR_S_MASK),
		.dpl = (a & SVM_SELECTOR_DPL_MASK) >> SVM_SELECTOR_DPL_SHIFT,
		.present = !!(a & SVM_SELECTOR_P_MASK),
		.avl = !!(a & SVM_SELECTOR_AVL_MASK),
		.l = !!(a & SVM_SELECTOR_L_MASK),
		.db = !!(a & SVM_SELECTOR_DB_MASK),
		/* As KVM: SVM ignores G, so report one that fits the limit. */
		.g = s->limit > 0xfffff,
	};
	v->unusable = !v->present;
}

static void svm_set_seg(struct vmcb_seg *s, const struct kvm_segment *v)
{
	s->base = v->base;
	s->limit = v->limit;
	s->selector = v->selector;
	s->attrib = 0;
	if (v->unusable)
		return;
	s->attrib = (v->type & SVM_SELECTOR_TYPE_MASK) |
		    v->s << SVM_SELECTOR_S_SHIFT |
		    (v->dpl & 3) << SVM_SELECTOR_DPL_SHIFT |
		    v->present << SVM_SELECTOR_P_SHIFT |
		    v->avl << SVM_SELECTOR_AVL_SHIFT |
		    v->l << SVM_SELECTOR_L_SHIFT |
		    v->db << SVM_SELECTOR_DB_SHIFT |
		    v->g << SVM_SELECTOR_G_SHIFT;
}

static void svm_get_sregs(struct kvirt_vcpu *vcpu, struct kvm_sregs *sregs)
{
	const struct vmcb_save_area *save =
		&((struct svm_vcpu *)vcpu->vendor)->vmcb->save;

	memset(sregs, 0, sizeof(*sregs));
	svm_get_seg(&save->cs, &sregs->cs);
	svm_get_seg(&save->ds, &sregs->ds);
	svm_get_seg(&save->es, &sregs->es);
	svm_get_seg(&save->fs, &sregs->fs);
	svm_get_seg(&save->gs, &sregs->gs);
	svm_get_seg(&save->ss, &sregs->ss);
	svm_get_seg(&save->tr, &sregs->tr);
	svm_get_seg(&save->ldtr, &sregs->ldt);
	/* As KVM: data segments in use read as accessed, TR as busy. */
	sregs->ds.type |= !sregs->ds.unusable;
	sregs->es.type |= !sregs->es.unusable;
	sregs->fs.type |= !sregs->fs.unusable;
	sregs->gs.type |= !sregs->gs.unusable;
	sregs->tr.type |= 2;
	sregs->ss.dpl = save->cpl;
	if (sregs->ss.unusable)
		sregs->ss.db = 0;
	sregs->gdt.base = save->gdtr.base;
	sregs->gdt.limit = save->gdtr.limit;
	sregs->idt.base = save->idtr.base;
	sregs->idt.limit = save->idtr.limit;
	sregs->cr0 = save->cr0;
	sregs->cr2 = save->cr2;
	sregs->cr3 = save->cr3;
	sregs->cr4 = save->cr4;
	sregs->efer = save->efer & ~EFER_SVME;
}

static int svm_set_sregs(struct kvirt_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct vmcb_save_area *save =
		&((struct svm_vcpu *)vcpu->vendor)->vmcb->save;

	svm_set_seg(&save->cs, &sregs->cs);
	svm_set_seg(&save->ds, &sregs->ds);
	svm_set_seg(&save->es, &sregs->es);
	svm_set_seg(&save->fs, &sregs->fs);
	svm_set_seg(&save->gs, &sregs->gs);
	svm_set_seg(&save->ss, &sregs->ss);
	svm_set_seg(&save->tr, &sregs->tr);
	svm_set_seg(&save->ldtr, &sregs->ldt);
	save->cpl = sregs->ss.dpl & 3;
	save->gdtr.base = sregs->gdt.base;
	save->gdtr.limit = sregs->gdt.limit;
	save->idtr.base = sregs->idt.base;
	save->idtr.limit = sregs->idt.limit;
	save->cr0 = sregs->cr0;
	save->cr2 = sregs->cr2;
	save->cr3 = sregs->cr3;
	save->cr4 = sregs->cr4;
	/* VMRUN requires EFER.SVME in the guest's EFER; the guest never sees it. */
	save->efer = sregs->efer | EFER_SVME;
	((struct svm_vcpu *)vcpu->vendor)->state_set = true;
	return 0;
}

/* The MSRs the VMCB holds. */
static u64 *svm_msr_slot(struct vmcb_save_area *save, u32 index)
{
	switch (index) {
	case MSR_IA32_SYSENTER_CS:
		return &save->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &save->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &save->sysenter_eip;
	case MSR_STAR:
		return &save->star;
	case MSR_LSTAR:
		return &save->lstar;
	case MSR_CSTAR:
		return &save->cstar;
	case MSR_SYSCALL_MASK:
		return &save->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &save->kernel_gs_base;
	case MSR_FS_BASE:
		return &save->fs.base;
	case MSR_GS_BASE:
		return &save->gs.base;
	case MSR_IA32_CR_PAT:
		return &save->g_pat;
	}
	return NULL;
}

static int svm_get_msr(struct kvirt_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)vcpu->vendor)->vmcb;
	u64 *slot = svm_msr_slot(&vmcb->save, index);

	if (slot) {
		*data = *slot;
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		*data = vmcb->save.efer & ~EFER_SVME;
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + vmcb->control.tsc_offset;
		return 0;
	}
	return 1;
}

static int svm_set_efer(struct vmcb_save_area *save, u64 data, bool host)
{
	u64 efer = save->efer & ~EFER_SVME;

	if (kvirt_efer_update(&efer, data, save->cr0, host))
		return 1;
	/* VMRUN requires EFER.SVME in the guest's EFER; the guest never sees it. */
	save->efer = efer | EFER_SVME;
	return 0;
}

static int svm_set_msr(struct kvirt_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct svm_vcpu *svm = vcpu->vendor;
	struct vmcb *vmcb = svm->vmcb;
	u64 *slot = svm_msr_slot(&vmcb->save, index);

	svm->state_set = true;
	if (slot) {
		*slot = data;
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		return svm_set_efer(&vmcb->save, data, host);
	case MSR_IA32_TSC:
		vmcb->control.tsc_offset = data - rdtsc();
		return 0;
	}
	return 1;
}

const struct kvirt_vendor_ops kvirt_svm_ops = {
	.name = "AMD SVM",
	.pte = {
		.present = NPT_PRESENT,
		/* NPT walks are user accesses (APM 15.25.5). */
		.table = NPT_PRESENT | NPT_WRITE | NPT_USER | NPT_ACCESSED,
		.leaf = NPT_PRESENT | NPT_USER | NPT_ACCESSED | NPT_DIRTY,
		.write = NPT_WRITE,
		.huge = NPT_HUGE,
	},
	.probe = svm_probe,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.unload = svm_unload,
	.tdp_levels = svm_tdp_levels,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_run = svm_vcpu_run,
	.skip_instruction = svm_skip_instruction,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.queue_exception = svm_queue_exception,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
};
