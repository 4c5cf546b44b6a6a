/* SPDX-License-Identifier: MIT */
/* ud2.S - executes ud2 at address 0.  The hypervisor's IDT takes the
 * #UD, and the VM stops with "invalid opcode (#UD) at RIP 0x0".  If the
 * hypervisor lets the VM go on, it prints "ud2: continued" and halts. */

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	ud2			/* at 0x0 */
	leaq	msg(%rip), %rsi
	movl	$msg_len, %ecx
	movw	$0xe9, %dx
	rep outsb
1:	hlt
	jmp	1b

	.section .rodata
msg:	.ascii	"ud2: continued\n"
	.set	msg_len, . - msg

	.section .note.GNU-stack, "", @progbits
