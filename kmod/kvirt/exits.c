// SPDX-License-Identifier: GPL-2.0-only
/*
 * Why: what an intercepted CPUID, RDMSR/WRMSR or port IO means does not
 * depend on the vendor; the vendor decodes its exit and calls these.
 */
#include <linux/kvm.h>
#include <uapi/linux/kvm_para.h>
#include <asm/traps.h>

#include "kvirt.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* The vendor's raw exit reason and its two qualifiers, for tracing. */
void kvirt_trace_exit(struct kvirt_vcpu *vcpu, u64 reason, u64 info1,
		      u64 info2)
{
	trace_kvirt_exit(vcpu, reason, info1, info2);
}

void kvirt_queue_ud(struct kvirt_vcpu *vcpu)
{
	kvirt_vendor->queue_exception(vcpu, X86_TRAP_UD, -1, 0);
}

void kvirt_queue_gp(struct kvirt_vcpu *vcpu)
{
	kvirt_vendor->queue_exception(vcpu, X86_TRAP_GP, 0, 0);
}

/* CPUID from the table userspace gave (KVM_SET_CPUID2); zeros elsewhere. */
int kvirt_handle_cpuid(struct kvirt_vcpu *vcpu)
{
	u32 function = vcpu->regs[KVIRT_RAX], index = vcpu->regs[KVIRT_RCX];
	const struct kvm_cpuid_entry2 *e = kvirt_find_cpuid(vcpu, function,
							    index);

	vcpu->regs[KVIRT_RAX] = e ? e->eax : 0;
	vcpu->regs[KVIRT_RBX] = e ? e->ebx : 0;
	vcpu->regs[KVIRT_RCX] = e ? e->ecx : 0;
	vcpu->regs[KVIRT_RDX] = e ? e->edx : 0;
	vcpu->exits[KVIRT_EXIT_CPUID]++;
	return kvirt_vendor->skip_instruction(vcpu);
}

/* RDMSR/WRMSR with ECX; unknown or refused MSRs raise #GP, as in KVM. */
int kvirt_handle_msr(struct kvirt_vcpu *vcpu, bool write)
{
	u32 index = vcpu->regs[KVIRT_RCX];
	u64 data;

	vcpu->exits[KVIRT_EXIT_MSR]++;
	if (write) {
		data = (vcpu->regs[KVIRT_RDX] << 32) |
		       (u32)vcpu->regs[KVIRT_RAX];
		if (kvirt_set_msr(vcpu, index, data, false))
			goto gp;
	} else {
		if (kvirt_get_msr(vcpu, index, &data, false))
			goto gp;
		vcpu->regs[KVIRT_RAX] = (u32)data;
		vcpu->regs[KVIRT_RDX] = data >> 32;
	}
	return kvirt_vendor->skip_instruction(vcpu);
gp:
	kvirt_queue_gp(vcpu);
	return 1;
}

/*
 * VMCALL/VMMCALL as KVM answers a guest without paravirtual features: the
 * "poll IRQ" call returns 0, every other call -KVM_ENOSYS in RAX, and any
 * call from CPL > 0 -KVM_EPERM; outside 64-bit mode the result is 32 bits.
 */
int kvirt_handle_hypercall(struct kvirt_vcpu *vcpu)
{
	struct kvm_sregs s;
	bool op64;
	u64 ret;

	kvirt_vendor->get_sregs(vcpu, &s);
	op64 = (s.efer & EFER_LMA) && s.cs.l;
	if (s.ss.dpl)
		ret = -KVM_EPERM;
	else if ((op64 ? vcpu->regs[KVIRT_RAX] : (u32)vcpu->regs[KVIRT_RAX]) ==
		 KVM_HC_VAPIC_POLL_IRQ)
		ret = 0;
	else
		ret = -KVM_ENOSYS;
	vcpu->regs[KVIRT_RAX] = op64 ? ret : (u32)ret;
	vcpu->exits[KVIRT_EXIT_OTHER]++;
	return kvirt_vendor->skip_instruction(vcpu);
}

/*
 * IN or OUT of @size bytes: exit to userspace with KVM_EXIT_IO. As in KVM,
 * RIP stays on the instruction until the next KVM_RUN completes it.
 */
int kvirt_handle_io(struct kvirt_vcpu *vcpu, u16 port, unsigned int size,
		    bool in, u64 next_rip)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	if (!in)
		memcpy(vcpu->pio_data, &vcpu->regs[KVIRT_RAX], size);
	vcpu->pio_pending = true;
	vcpu->pio_rip = vcpu->rip;
	vcpu->pio_next_rip = next_rip;
	vcpu->exits[KVIRT_EXIT_IO]++;
	return 0;
}

/* The next KVM_RUN: take an IN's data and step over the instruction. */
int kvirt_complete_io(struct kvirt_vcpu *vcpu)
{
	u64 *rax = &vcpu->regs[KVIRT_RAX];

	vcpu->pio_pending = false;
	if (vcpu->run->io.direction == KVM_EXIT_IO_IN) {
		switch (vcpu->run->io.size) {
		case 1:
			*rax = (*rax & ~0xffULL) | *(u8 *)vcpu->pio_data;
			break;
		case 2:
			*rax = (*rax & ~0xffffULL) | *(u16 *)vcpu->pio_data;
			break;
		default:
			/* A 32-bit register write clears the upper half. */
			*rax = *(u32 *)vcpu->pio_data;
		}
	}
	/* Userspace moved RIP meanwhile: it owns the instruction now. */
	if (vcpu->rip == vcpu->pio_rip)
		vcpu->rip = vcpu->pio_next_rip;
	return 1;
}

/* As KVM: an exit kvirt does not know goes to userspace, explained. */
int kvirt_unexpected_exit(struct kvirt_vcpu *vcpu, u64 reason)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = reason;
	run->internal.data[1] = vcpu->cpu;
	vcpu->exits[KVIRT_EXIT_OTHER]++;
	return 0;
}
