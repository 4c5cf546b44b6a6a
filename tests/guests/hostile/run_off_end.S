/* SPDX-License-Identifier: MIT */
/*
 * run_off_end.S - writes four NOPs into the last 4 bytes of RAM (RDI at
 * entry holds the RAM size), jumps there and executes them, then runs
 * off the end of RAM.  The fetch at the RAM size page-faults.  The
 * hypervisor must report "page fault (#PF) at RIP <RAM size>: instruction
 * fetch from address <RAM size> (CR2), outside guest RAM; error code
 * 0x10".  No output, no stack used.
 */
	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movl	$0x90909090, -4(%rdi)	/* nop; nop; nop; nop */
	leaq	-4(%rdi), %rax
	jmp	*%rax
	hlt

	.section .note.GNU-stack, "", @progbits
