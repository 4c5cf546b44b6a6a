/* SPDX-License-Identifier: MIT */
/*
 * hypercall.S - KVM hypercalls from a guest that was promised none.
 * The first input byte picks the instruction: 'a' for AMD's vmmcall,
 * anything else for Intel's vmcall (KVM patches the foreign one into the
 * native one).  RAX = 0xdead, a hypercall number KVM does not know; the
 * call is at 0x40 (vmcall) or 0x80 (vmmcall).
 *
 * KVM handles hypercalls in the kernel: it returns -KVM_ENOSYS (-1000)
 * in RAX and the guest goes on, printing "hypercall: returned -1000" (or
 * "hypercall: returned something else") and halting.  Some nested hosts
 * never return from the call; then --timeout must stop the VM at the
 * call's RIP.  Either way it must not take the hypervisor or other VMs
 * down, nor reach the hypervisor as an unexpected exit.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	movl	$0xdead, %ebx
	cmpb	$'a', %al
	je	amd

	.org	0x3b, 0x90
	movq	%rbx, %rax		/* 0x3b, 3 bytes + 2 of padding */
	nop
	nop
	vmcall				/* 0x40 */
	jmp	done

	.org	0x7b, 0x90
amd:	movq	%rbx, %rax
	nop
	nop
	vmmcall				/* 0x80 */

done:	cmpq	$-1000, %rax
	jne	1f
	PUTS	m_enosys
	HALT
1:	PUTS	m_other
	HALT

	MSG	m_enosys, "hypercall: returned -1000\n"
	MSG	m_other, "hypercall: returned something else\n"

	.section .note.GNU-stack, "", @progbits
