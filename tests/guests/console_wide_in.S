/* SPDX-License-Identifier: MIT */
/* console_wide_in.S - a 4-byte inl from the console port, which
 * accepts only 1-byte accesses: a protocol violation.  If the VM is not
 * stopped it prints "console_wide_in: continued" and halts. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movw	$0xe9, %dx
	inl	%dx, %eax
	leaq	msg(%rip), %rsi
	movl	$msg_len, %ecx
	rep outsb
1:	hlt
	jmp	1b

	.section .rodata
msg:	.ascii	"console_wide_in: continued\n"
	.set	msg_len, . - msg

	.section .note.GNU-stack, "", @progbits
