/* SPDX-License-Identifier: MIT */
/* console_wide_out.S - a 2-byte outw to the console port, which
 * accepts only 1-byte accesses: a protocol violation.  If the VM is not
 * stopped it prints "console_wide_out: continued" and halts. */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movw	$0x4b4f, %ax	/* the bytes "OK" */
	movw	$0xe9, %dx
	outw	%ax, %dx
	WENT_ON	console_wide_out

	.section .note.GNU-stack, "", @progbits
