/* SPDX-License-Identifier: MIT */
/*
 * cr8_tpr.S - raises the task-priority register (CR8) to 15, reads it
 * back, and lowers it to 0.  The machine has no interrupt controller, so
 * the TPR means nothing, but the instructions are legal at CPL 0.  On
 * Intel hosts, lowering CR8 with no in-kernel local APIC leaves KVM_RUN
 * with KVM_EXIT_SET_TPR, for user space to note and go on.  The guest
 * must go on and halt normally, printing
 *   "cr8_tpr: TPR 15 set, read back and cleared, still running".
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movl	$15, %eax
	movq	%rax, %cr8
	movq	%cr8, %rbx
	xorl	%eax, %eax
	movq	%rax, %cr8
	cmpq	$15, %rbx
	jne	1f
	PUTS	m_ok
	HALT
1:	PUTS	m_bad
	HALT

	MSG	m_ok, "cr8_tpr: TPR 15 set, read back and cleared, still running\n"
	MSG	m_bad, "cr8_tpr: CR8 did not read back as 15\n"

	.section .note.GNU-stack, "", @progbits
