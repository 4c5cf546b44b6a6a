/* SPDX-License-Identifier: MIT */
/* console_wide_out.S - a 2-byte outw to the console port, which
 * accepts only 1-byte accesses: a protocol violation.  If the VM is not
 * stopped it prints "console_wide_out: continued" and halts. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movw	$0x4b4f, %ax	/* the bytes "OK" */
	movw	$0xe9, %dx
	outw	%ax, %dx
	leaq	msg(%rip), %rsi
	movl	$msg_len, %ecx
	rep outsb
1:	hlt
	jmp	1b

	.section .rodata
msg:	.ascii	"console_wide_out: continued\n"
	.set	msg_len, . - msg

	.section .note.GNU-stack, "", @progbits
