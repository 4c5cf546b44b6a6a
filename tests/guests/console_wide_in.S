/* SPDX-License-Identifier: MIT */
/* console_wide_in.S - a 4-byte inl from the console port, which
 * accepts only 1-byte accesses: a protocol violation.  If the VM is not
 * stopped it prints "console_wide_in: continued" and halts. */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movw	$0xe9, %dx
	inl	%dx, %eax
	WENT_ON	console_wide_in

	.section .note.GNU-stack, "", @progbits
