/* SPDX-License-Identifier: MIT */
/*
 * file_wide.S - an access of a width the file port (0x278) does not take:
 * a protocol violation that must stop the VM.  The first input byte picks
 * it:
 *   'W'  a 2-byte inw
 *   'L'  a 4-byte inl
 *   anything else, or end of input: a 2-byte outw
 * If the VM is not stopped it prints "file_wide: continued" and halts.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT				/* which access */
	movw	$0x278, %dx
	cmpb	$'W', %al
	je	2f
	cmpb	$'L', %al
	je	3f
	movw	$0x0101, %ax
	outw	%ax, %dx
	jmp	4f
2:	inw	%dx, %ax
	jmp	4f
3:	inl	%dx, %eax
4:
	WENT_ON	file_wide

	.section .note.GNU-stack, "", @progbits
