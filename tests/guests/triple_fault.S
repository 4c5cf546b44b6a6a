/* SPDX-License-Identifier: MIT */
/*
 * triple_fault.S - replaces the hypervisor's IDT with an empty one of
 * its own (lidt: limit 0), then faults.  No exception can be delivered
 * (every gate lies past the limit: #GP, then #DF, then a triple fault),
 * so the VM shuts down.  The first input byte picks the fault:
 *   'p'   a read of the first byte past RAM (RDI at entry), at 0x80:
 *         a page fault, CR2 = the RAM size
 *   else  ud2 at 0x40 (at end of input too)
 * The hypervisor must report "triple fault at RIP 0x40: an exception the
 * guest's own IDT or page tables could not handle" (with " (CR2 0x200000,
 * outside guest RAM)" for 'p' in 2 MiB), or on a CPU that resets the
 * registers on a triple fault (AMD) the same without the RIP.  If the VM
 * goes on, it prints "triple_fault: continued" and halts.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movq	%rdi, %rbx		/* RAM size */
	SELECT
	lidt	idtr_empty(%rip)
	cmpb	$'p', %al
	je	past_ram
	jmp	undefined

	.org	0x40, 0x90
undefined:
	ud2				/* 0x40 */
	jmp	went_on

	.org	0x80, 0x90
past_ram:
	movb	(%rbx), %al		/* 0x80 */
	jmp	went_on

	WENT_ON	triple_fault

	.section .rodata
	.balign	8
idtr_empty:
	.word	0			/* limit: not even gate 0 fits */
	.quad	0			/* base */

	.section .note.GNU-stack, "", @progbits
