/* SPDX-License-Identifier: MIT */
/*
 * insn_straddles_end.S - puts the first two bytes of a 10-byte
 * instruction (48 b8: movabs $imm64, %rax) in the last two bytes of RAM
 * and jumps there: the instruction itself crosses the end of RAM, and
 * fetching its immediate page-faults.  The hypervisor must report "page
 * fault (#PF) at RIP <RAM size - 2>: instruction fetch from address
 * <RAM size> (CR2), outside guest RAM; error code 0x10 (...); RSP ...".  No output, no
 * stack used.
 */
	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movw	$0xb848, -2(%rdi)	/* bytes 48 b8 at RAM - 2 */
	leaq	-2(%rdi), %rax
	jmp	*%rax
	hlt

	.section .note.GNU-stack, "", @progbits
