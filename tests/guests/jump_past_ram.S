/* SPDX-License-Identifier: MIT */
/* jump_past_ram.S - jumps to the first address past RAM (RDI at entry
 * holds the RAM size).  The instruction fetch page-faults, and the VM
 * stops with "page fault (#PF) at RIP <RAM size>: instruction fetch from
 * address <RAM size> (CR2), outside guest RAM; error code 0x10 (...); RSP ...".  No
 * output. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	jmp	*%rdi

	.section .note.GNU-stack, "", @progbits
