/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why: the demo guest of "kvirt run": it proves it runs, and in 64-bit
 * mode, by printing over COM1 its CPU's vendor string (a CPUID the
 * hypervisor answers) and 20!, which only fits in a 64-bit register.
 *
 * Entered at 1 MiB in long mode with RSP at the top of RAM (user/run.c).
 */
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20

	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	lea	hello(%rip), %rsi
	call	puts

	lea	vendor(%rip), %rsi
	call	puts
	xor	%eax, %eax
	cpuid
	sub	$16, %rsp		/* the 12 characters and a NUL */
	mov	%ebx, (%rsp)
	mov	%edx, 4(%rsp)
	mov	%ecx, 8(%rsp)
	movl	$0, 12(%rsp)
	mov	%rsp, %rsi
	call	puts
	add	$16, %rsp

	lea	factorial(%rip), %rsi
	call	puts
	mov	$1, %eax
	mov	$2, %ecx
1:	imul	%rcx, %rax
	inc	%ecx
	cmp	$20, %ecx
	jbe	1b
	call	put_u64
	mov	$'\n', %al
	call	putc
	hlt

	.text
/* Print the NUL-terminated string at RSI. */
puts:
	lodsb
	test	%al, %al
	jz	2f
	call	putc
	jmp	puts
2:	ret

/* Print the character in AL once the transmitter is empty. */
putc:
	mov	%al, %r8b
	mov	$COM1_LSR, %dx
1:	in	%dx, %al
	test	$LSR_THRE, %al
	jz	1b
	mov	$COM1, %dx
	mov	%r8b, %al
	out	%al, %dx
	ret

/* Print RAX in decimal. */
put_u64:
	mov	%rsp, %rdi
	sub	$32, %rsp		/* 20 digits and a NUL */
	dec	%rdi
	movb	$0, (%rdi)
	mov	$10, %ecx
1:	xor	%edx, %edx
	div	%rcx
	add	$'0', %dl
	dec	%rdi
	mov	%dl, (%rdi)
	test	%rax, %rax
	jnz	1b
	mov	%rdi, %rsi
	call	puts
	add	$32, %rsp
	ret

	.section .rodata
hello:
	.asciz	"hello from a kvirt guest in 64-bit mode\n"
vendor:
	.asciz	"CPUID vendor: "
factorial:
	.asciz	"\n20! = "
