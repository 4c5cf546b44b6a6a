/* SPDX-License-Identifier: MIT */
/* unknown_port.S - writes one byte to port 0x80, where no device
 * listens.  If the hypervisor lets the VM go on, it prints
 * "unknown_port: continued" and halts. */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movb	$0x42, %al
	outb	%al, $0x80
	WENT_ON	unknown_port

	.section .note.GNU-stack, "", @progbits
