/* SPDX-License-Identifier: MIT */
/*
 * cross_end_access.S - a multi-byte data access that covers the last
 * bytes of RAM and the first byte past it.  The first input byte picks:
 *   'r'   a 4-byte load from RAM - 2, at RIP 0x40
 *   else  an 8-byte store to RAM - 4, at RIP 0x80
 * Either page-faults at the RAM size.  The hypervisor must report "page
 * fault (#PF) at RIP 0x40: read from address <RAM size> (CR2), outside
 * guest RAM; error code 0x0 (...); RSP ..." (0x80, "write to", 0x2 for the store).  If
 * the VM goes on, it prints "cross_end_access: continued".  No stack
 * used.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movq	%rdi, %rbx		/* RAM size */
	SELECT
	cmpb	$'r', %al
	je	load
	jmp	store

	.org	0x40, 0x90
load:	movl	-2(%rbx), %eax		/* at 0x40 */
	jmp	went_on

	.org	0x80, 0x90
store:	movq	%rax, -4(%rbx)		/* at 0x80 */
	WENT_ON	cross_end_access

	.section .note.GNU-stack, "", @progbits
