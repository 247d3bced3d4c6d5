/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the Intel world switch itself: swap the guest's general-purpose
 * registers in, VMLAUNCH or VMRESUME, and take them out again at the
 * VM exit, whose host RIP is kvirt_vmx_vmexit (Intel SDM vol. 3C, 26-27).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#define GPR(n)	((n) * 8)
/* The VMCS field encoding of HOST_RSP (SDM vol. 3D, appendix B.4.4). */
#define VMCS_HOST_RSP	0x6c14

/*
 * int kvirt_vmx_vmrun(u64 *regs, bool launched)
 *
 * Called with interrupts off and the vCPU's VMCS current. @regs holds the
 * guest's GPRs in encoding order; RSP lives in the VMCS. Returns 0 after
 * a VM exit, 1 if VMLAUNCH/VMRESUME itself failed (VM_INSTRUCTION_ERROR).
 */
	.text
SYM_FUNC_START(kvirt_vmx_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi			/* regs, found again at the exit */

	/* The exit comes back with this RSP. */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail

	/* MOVs leave the flags alone: ZF still tells launched or not. */
	test	%sil, %sil
	mov	%rdi, %rax
	mov	GPR(1)(%rax), %rcx
	mov	GPR(2)(%rax), %rdx
	mov	GPR(3)(%rax), %rbx
	mov	GPR(5)(%rax), %rbp
	mov	GPR(6)(%rax), %rsi
	mov	GPR(7)(%rax), %rdi
	mov	GPR(8)(%rax), %r8
	mov	GPR(9)(%rax), %r9
	mov	GPR(10)(%rax), %r10
	mov	GPR(11)(%rax), %r11
	mov	GPR(12)(%rax), %r12
	mov	GPR(13)(%rax), %r13
	mov	GPR(14)(%rax), %r14
	mov	GPR(15)(%rax), %r15
	mov	GPR(0)(%rax), %rax
	/* The exit arrives at kvirt_vmx_vmexit with this frame. */
	UNWIND_HINT_SAVE
	jnz	.Lresume
	vmlaunch
	jmp	.Lfail
.Lresume:
	vmresume
	jmp	.Lfail

SYM_INNER_LABEL(kvirt_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	/* RSP is ours again; everything else is the guest's. */
	push	%rax
	mov	8(%rsp), %rax
	pop	GPR(0)(%rax)
	mov	%rcx, GPR(1)(%rax)
	mov	%rdx, GPR(2)(%rax)
	mov	%rbx, GPR(3)(%rax)
	mov	%rbp, GPR(5)(%rax)
	mov	%rsi, GPR(6)(%rax)
	mov	%rdi, GPR(7)(%rax)
	mov	%r8, GPR(8)(%rax)
	mov	%r9, GPR(9)(%rax)
	mov	%r10, GPR(10)(%rax)
	mov	%r11, GPR(11)(%rax)
	mov	%r12, GPR(12)(%rax)
	mov	%r13, GPR(13)(%rax)
	mov	%r14, GPR(14)(%rax)
	mov	%r15, GPR(15)(%rax)

	/* Stuff the return stack before the first RET after the guest. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%eax, %eax
	jmp	.Lout

.Lfail:
	mov	$1, %eax
.Lout:
	add	$8, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(kvirt_vmx_vmrun)
