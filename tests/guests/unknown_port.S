/* SPDX-License-Identifier: MIT */
/* unknown_port.S - writes one byte to port 0x80, where no device
 * listens.  If the hypervisor lets the VM go on, it prints
 * "unknown_port: continued" and halts. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movb	$0x42, %al
	outb	%al, $0x80
	leaq	msg(%rip), %rsi
	movl	$msg_len, %ecx
	movw	$0xe9, %dx
	rep outsb
1:	hlt
	jmp	1b

	.section .rodata
msg:	.ascii	"unknown_port: continued\n"
	.set	msg_len, . - msg

	.section .note.GNU-stack, "", @progbits
