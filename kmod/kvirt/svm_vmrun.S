/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the AMD world switch itself: swap the guest's general-purpose
 * registers in, VMRUN, swap them out, and put back the host state that
 * VMRUN does not (APM vol. 2, 15.5 and 15.30.4).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define GPR(n)	((n) * 8)

/*
 * void kvirt_svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_area_pa)
 *
 * Called with interrupts off and GIF clear. @regs holds the guest's GPRs
 * in encoding order; RAX and RSP travel in the VMCB and are not touched.
 */
	.text
SYM_FUNC_START(kvirt_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rsi			/* 16(%rsp): regs */
	push	%rdx			/*  8(%rsp): host area */
	push	%rdi			/*  0(%rsp): vmcb */

	/* Host FS, GS, TR, LDTR, KernelGSBase and SYSCALL/SYSENTER MSRs. */
	mov	%rdx, %rax
	vmsave	%rax

	mov	%rsi, %rax
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

	mov	(%rsp), %rax
	vmload	%rax
	/* GIF is clear: IF=1 only lets host interrupts end the guest's turn. */
	sti
	vmrun	%rax
	cli
	/* RAX is the VMCB's address again, RSP ours; the rest is the guest's. */
	vmsave	%rax

	mov	16(%rsp), %rax
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

	mov	8(%rsp), %rax
	vmload	%rax

	/* Leave no guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	UNTRAIN_RET

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(kvirt_svm_vmrun)
