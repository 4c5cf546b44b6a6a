/* SPDX-License-Identifier: MIT */
/* triple_fault.S - executes ud2 with no IDT: #UD cannot be delivered,
 * so the VM triple-faults.  No output. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	ud2
1:	hlt		/* never reached */
	jmp	1b

	.section .note.GNU-stack, "", @progbits
