/* SPDX-License-Identifier: MIT */
/* jump_past_ram.S - jumps to the first address past RAM (RDI at entry
 * holds the RAM size).  The instruction fetch page-faults and, with no
 * IDT, the VM triple-faults.  No output. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	jmp	*%rdi

	.section .note.GNU-stack, "", @progbits
