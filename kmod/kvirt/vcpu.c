// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: a vCPU is a file whose first pages (kvm_run, port IO data) the VMM
 * maps, as in KVM; its ioctls are the register interface and KVM_RUN, the
 * loop that enters the guest until something needs userspace.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/msr-index.h>

#include "kvirt.h"

/* kvm_run, then the port IO data page (KVM_PIO_PAGE_OFFSET). */
#define KVIRT_VCPU_MMAP_PAGES	2
/* As KVM (MAX_IO_MSRS, KVM_MAX_CPUID_ENTRIES is in cpuid.c). */
#define KVIRT_MAX_IO_MSRS	256

static atomic_t kvirt_vcpus = ATOMIC_INIT(0);

unsigned int kvirt_vcpu_count(void)
{
	return atomic_read(&kvirt_vcpus);
}

int kvirt_vcpu_mmap_size(void)
{
	return KVIRT_VCPU_MMAP_PAGES * PAGE_SIZE;
}

/* An IPI's only job: make a CPU leave the guest. */
void kvirt_kick_ipi(void *unused)
{
}

static vm_fault_t kvirt_vcpu_fault(struct vm_fault *vmf)
{
	struct kvirt_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kvirt_vcpu_vm_ops = {
	.fault = kvirt_vcpu_fault,
};

static int kvirt_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &kvirt_vcpu_vm_ops;
	return 0;
}

static int kvirt_vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvirt_vcpu *vcpu = filp->private_data;

	kvirt_vm_put(vcpu->vm);
	return 0;
}

/* Called when the VM goes, after its last fd. */
void kvirt_vcpu_free(struct kvirt_vcpu *vcpu)
{
	kvirt_vendor->vcpu_free(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu->cpuid);
	mutex_destroy(&vcpu->mutex);
	kfree(vcpu);
	atomic_dec(&kvirt_vcpus);
}

static void kvirt_get_regs(struct kvirt_vcpu *vcpu, struct kvm_regs *r)
{
	const u64 *g = vcpu->regs;

	*r = (struct kvm_regs) {
		.rax = g[KVIRT_RAX], .rbx = g[KVIRT_RBX],
		.rcx = g[KVIRT_RCX], .rdx = g[KVIRT_RDX],
		.rsi = g[KVIRT_RSI], .rdi = g[KVIRT_RDI],
		.rsp = g[KVIRT_RSP], .rbp = g[KVIRT_RBP],
		.r8 = g[KVIRT_R8], .r9 = g[KVIRT_R9],
		.r10 = g[KVIRT_R10], .r11 = g[KVIRT_R11],
		.r12 = g[KVIRT_R12], .r13 = g[KVIRT_R13],
		.r14 = g[KVIRT_R14], .r15 = g[KVIRT_R15],
		.rip = vcpu->rip, .rflags = vcpu->rflags,
	};
}

static void kvirt_set_regs(struct kvirt_vcpu *vcpu, const struct kvm_regs *r)
{
	u64 *g = vcpu->regs;

	g[KVIRT_RAX] = r->rax;
	g[KVIRT_RBX] = r->rbx;
	g[KVIRT_RCX] = r->rcx;
	g[KVIRT_RDX] = r->rdx;
	g[KVIRT_RSI] = r->rsi;
	g[KVIRT_RDI] = r->rdi;
	g[KVIRT_RSP] = r->rsp;
	g[KVIRT_RBP] = r->rbp;
	g[KVIRT_R8] = r->r8;
	g[KVIRT_R9] = r->r9;
	g[KVIRT_R10] = r->r10;
	g[KVIRT_R11] = r->r11;
	g[KVIRT_R12] = r->r12;
	g[KVIRT_R13] = r->r13;
	g[KVIRT_R14] = r->r14;
	g[KVIRT_R15] = r->r15;
	vcpu->rip = r->rip;
	/* Bit 1 of RFLAGS always reads as one. */
	vcpu->rflags = r->rflags | X86_EFLAGS_FIXED;
	/* New registers: a pending IO completion must not touch them. */
	vcpu->pio_pending = false;
}

/* CR4 bits that exist and that this host could give the guest. */
static bool kvirt_cr4_valid(u64 cr4)
{
	static const struct {
		u64 bit;
		u16 feature;
	} optional[] = {
		{ X86_CR4_OSXSAVE, X86_FEATURE_XSAVE },
		{ X86_CR4_SMEP, X86_FEATURE_SMEP },
		{ X86_CR4_SMAP, X86_FEATURE_SMAP },
		{ X86_CR4_FSGSBASE, X86_FEATURE_FSGSBASE },
		{ X86_CR4_PKE, X86_FEATURE_PKU },
		{ X86_CR4_LA57, X86_FEATURE_LA57 },
		{ X86_CR4_UMIP, X86_FEATURE_UMIP },
		{ X86_CR4_PCIDE, X86_FEATURE_PCID },
	};
	u64 valid = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		    X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		    X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(optional); i++)
		if (boot_cpu_has(optional[i].feature))
			valid |= optional[i].bit;
	return !(cr4 & ~valid);
}

/* As KVM: long mode needs PAE and LMA, and CS.L only exists in it. */
static bool kvirt_sregs_valid(const struct kvm_sregs *s)
{
	if (!kvirt_cr4_valid(s->cr4))
		return false;
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG))
		return (s->cr4 & X86_CR4_PAE) && (s->efer & EFER_LMA);
	return !(s->efer & EFER_LMA) && !s->cs.l;
}

static int kvirt_vcpu_set_sregs(struct kvirt_vcpu *vcpu,
				const struct kvm_sregs *s)
{
	int r;

	if (!kvirt_sregs_valid(s))
		return -EINVAL;
	r = kvirt_vendor->set_sregs(vcpu, s);
	if (!r)
		vcpu->apic_base = s->apic_base;
	return r;
}

static void kvirt_get_fpu(struct kvirt_vcpu *vcpu, struct kvm_fpu *f)
{
	const struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;

	memset(f, 0, sizeof(*f));
	memcpy(f->fpr, fx->st_space, sizeof(f->fpr));
	f->fcw = fx->cwd;
	f->fsw = fx->swd;
	f->ftwx = fx->twd;
	f->last_opcode = fx->fop;
	f->last_ip = fx->rip;
	f->last_dp = fx->rdp;
	memcpy(f->xmm, fx->xmm_space, sizeof(f->xmm));
	f->mxcsr = fx->mxcsr;
}

static void kvirt_set_fpu(struct kvirt_vcpu *vcpu, const struct kvm_fpu *f)
{
	union fpregs_state *regs = &vcpu->fpu.fpstate->regs;
	struct fxregs_state *fx = &regs->fxsave;

	memcpy(fx->st_space, f->fpr, sizeof(f->fpr));
	fx->cwd = f->fcw;
	fx->swd = f->fsw;
	fx->twd = f->ftwx;
	fx->fop = f->last_opcode;
	fx->rip = f->last_ip;
	fx->rdp = f->last_dp;
	memcpy(fx->xmm_space, f->xmm, sizeof(f->xmm));
	fx->mxcsr = f->mxcsr;
	/* In XSAVE format, x87 and SSE state only count when marked in use. */
	if (vcpu->fpu.fpstate->xfeatures)
		regs->xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
}

/* KVM_GET_MSRS / KVM_SET_MSRS: the count done, stopping at a failure. */
static int kvirt_vcpu_msrs(struct kvirt_vcpu *vcpu, struct kvm_msrs __user *u,
			   bool set)
{
	struct kvm_msr_entry *e;
	struct kvm_msrs msrs;
	unsigned int i;
	int r;

	if (copy_from_user(&msrs, u, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= KVIRT_MAX_IO_MSRS)
		return -E2BIG;
	e = memdup_user(u->entries, array_size(msrs.nmsrs, sizeof(*e)));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < msrs.nmsrs; i++) {
		if (set ? kvirt_set_msr(vcpu, e[i].index, e[i].data, true) :
			  kvirt_get_msr(vcpu, e[i].index, &e[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(u->entries, e, array_size(i, sizeof(*e))))
		r = -EFAULT;
	kfree(e);
	return r;
}

static int kvirt_vcpu_run(struct kvirt_vcpu *vcpu, unsigned long arg)
{
	struct kvm_run *run = vcpu->run;
	int r = 1;

	if (arg)
		return -EINVAL;
	/* First finish what the last exit to userspace left open. */
	if (vcpu->pio_pending)
		r = kvirt_complete_io(vcpu);
	else if (vcpu->emul.pending)
		r = kvirt_emulate_complete(vcpu);
	if (r <= 0)
		return r;
	/* As KVM 6.1: exit_reason keeps what the last exit said. */
	if (READ_ONCE(run->immediate_exit))
		return -EINTR;

	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		/* Also an RCU quiescent state between two guest turns. */
		cond_resched();
		r = kvirt_vendor->vcpu_run(vcpu);
		if (r <= 0)
			break;
	}
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->apic_base = vcpu->apic_base;
	return r;
}

static long kvirt_vcpu_ioctl_locked(struct kvirt_vcpu *vcpu, unsigned int ioctl,
				    unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
		struct kvm_mp_state mp;
	} *u;
	long r;

	switch (ioctl) {
	case KVM_RUN:
		return kvirt_vcpu_run(vcpu, arg);
	case KVM_GET_MSRS:
		return kvirt_vcpu_msrs(vcpu, argp, false);
	case KVM_SET_MSRS:
		return kvirt_vcpu_msrs(vcpu, argp, true);
	case KVM_SET_CPUID2:
		return kvirt_set_cpuid2(vcpu, argp);
	case KVM_GET_CPUID2:
		return kvirt_get_cpuid2(vcpu, argp);
	}

	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;
	r = -EFAULT;
	switch (ioctl) {
	case KVM_GET_REGS:
		kvirt_get_regs(vcpu, &u->regs);
		if (!copy_to_user(argp, &u->regs, sizeof(u->regs)))
			r = 0;
		break;
	case KVM_SET_REGS:
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			break;
		kvirt_set_regs(vcpu, &u->regs);
		r = 0;
		break;
	case KVM_GET_SREGS:
		kvirt_vendor->get_sregs(vcpu, &u->sregs);
		u->sregs.apic_base = vcpu->apic_base;
		if (!copy_to_user(argp, &u->sregs, sizeof(u->sregs)))
			r = 0;
		break;
	case KVM_SET_SREGS:
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			break;
		r = kvirt_vcpu_set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_FPU:
		kvirt_get_fpu(vcpu, &u->fpu);
		if (!copy_to_user(argp, &u->fpu, sizeof(u->fpu)))
			r = 0;
		break;
	case KVM_SET_FPU:
		if (copy_from_user(&u->fpu, argp, sizeof(u->fpu)))
			break;
		kvirt_set_fpu(vcpu, &u->fpu);
		r = 0;
		break;
	case KVM_GET_MP_STATE:
		u->mp.mp_state = vcpu->mp_state;
		if (!copy_to_user(argp, &u->mp, sizeof(u->mp)))
			r = 0;
		break;
	case KVM_SET_MP_STATE:
		if (copy_from_user(&u->mp, argp, sizeof(u->mp)))
			break;
		/* Without an in-kernel LAPIC only "runnable" exists, as KVM. */
		r = -EINVAL;
		if (u->mp.mp_state == KVM_MP_STATE_RUNNABLE)
			r = 0;
		break;
	default:
		/* KVM answers EINVAL for what a vCPU does not know. */
		r = -EINVAL;
	}
	kfree(u);
	return r;
}

static long kvirt_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	struct kvirt_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = kvirt_vcpu_ioctl_locked(vcpu, ioctl, arg);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations kvirt_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = kvirt_vcpu_release,
	.unlocked_ioctl = kvirt_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kvirt_vcpu_mmap,
	.llseek = noop_llseek,
};

static struct kvirt_vcpu *kvirt_vcpu_alloc(struct kvirt_vm *vm,
					   unsigned long id)
{
	struct kvirt_vcpu *vcpu;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	/* The architectural reset values KVM also starts from. */
	vcpu->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			  (id ? 0 : MSR_IA32_APICBASE_BSP);
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	/* EDX holds the processor signature; KVM's is 0x600 before CPUID. */
	vcpu->regs[KVIRT_RDX] = 0x600;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data)
		goto fail;
	if (!fpu_alloc_guest_fpstate(&vcpu->fpu))
		goto fail;
	if (kvirt_vendor->vcpu_create(vcpu)) {
		fpu_free_guest_fpstate(&vcpu->fpu);
		goto fail;
	}
	atomic_inc(&kvirt_vcpus);
	return vcpu;
fail:
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return NULL;
}

/* api.rst 4.7: KVM's order of checks, and its errors. */
int kvirt_create_vcpu(struct kvirt_vm *vm, unsigned long id)
{
	struct kvirt_vcpu *vcpu;
	char name[24];
	unsigned int i;
	int fd;

	if (id >= KVIRT_MAX_VCPUS)
		return -EINVAL;
	vcpu = kvirt_vcpu_alloc(vm, id);
	if (!vcpu)
		return -ENOMEM;

	mutex_lock(&vm->lock);
	fd = -EINVAL;
	if (vm->nr_vcpus >= KVIRT_MAX_VCPUS)
		goto fail;
	fd = -EEXIST;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			goto fail;
	refcount_inc(&vm->users);
	snprintf(name, sizeof(name), "kvirt-vcpu:%lu", id);
	fd = anon_inode_getfd(name, &kvirt_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->users);
		goto fail;
	}
	WRITE_ONCE(vm->vcpus[vm->nr_vcpus], vcpu);
	/* Readers without the lock see the pointer before the count. */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	kvirt_debugfs_add_vcpu(vcpu);
	return fd;
fail:
	mutex_unlock(&vm->lock);
	kvirt_vcpu_free(vcpu);
	return fd;
}
