/* SPDX-License-Identifier: MIT */
/* rep_outsb.S - writes "REP OK" and a newline with one rep outsb instruction
 * (string I/O: KVM emulates rep outs one element per exit, so the
 * hypervisor sees 7 1-byte OUTs), then halts. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	leaq	msg(%rip), %rsi
	movl	$msg_len, %ecx
	movw	$0xe9, %dx
	cld
	rep outsb
1:	hlt
	jmp	1b

	.section .rodata
msg:	.ascii	"REP OK\n"
	.set	msg_len, . - msg

	.section .note.GNU-stack, "", @progbits
