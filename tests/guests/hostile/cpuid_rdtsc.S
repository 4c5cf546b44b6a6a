/* SPDX-License-Identifier: MIT */
/*
 * cpuid_rdtsc.S - unprivileged-looking instructions that exit to KVM or
 * read host state: cpuid of ordinary, hypervisor, extended and absurd
 * leaves (0, 1, 7, 0xd, 0x40000000, 0x80000000, 0x80000001, 0x80000008,
 * 0x4fffffff, 0x8fffffff, 0xffffffff), then rdtsc twice.  KVM answers
 * them all in the kernel; the guest must simply go on.  It prints the
 * hypervisor signature of leaf 0x40000000 and halts:
 *   "cpuid_rdtsc: hypervisor KVMKVMKVM, still running"
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	leaq	leaves(%rip), %rsi
	movl	$n_leaves, %edi
1:	movl	(%rsi), %eax
	xorl	%ecx, %ecx
	cpuid
	addq	$4, %rsi
	decl	%edi
	jnz	1b
	rdtsc
	rdtsc

	/* Leaf 0x40000000: EBX, ECX, EDX hold the signature. */
	movl	$0x40000000, %eax
	xorl	%ecx, %ecx
	cpuid
	leaq	sig(%rip), %rdi
	movl	%ebx, (%rdi)
	movl	%ecx, 4(%rdi)
	movl	%edx, 8(%rdi)

	PUTS	m_head
	/* The signature is NUL-padded: print up to the first NUL. */
	leaq	sig(%rip), %rsi
	movw	$MH_PORT_CONSOLE, %dx
2:	lodsb
	testb	%al, %al
	jz	3f
	outb	%al, %dx
	cmpq	$sig + 12, %rsi
	jb	2b
3:	PUTS	m_tail
	HALT

	.section .rodata
	.balign	4
leaves:	.long	0, 1, 7, 0xd, 0x40000000, 0x80000000, 0x80000001
	.long	0x80000008, 0x4fffffff, 0x8fffffff, 0xffffffff
	.set	n_leaves, (. - leaves) / 4

	MSG	m_head, "cpuid_rdtsc: hypervisor "
	MSG	m_tail, ", still running\n"

	.bss
sig:	.zero	16

	.section .note.GNU-stack, "", @progbits
