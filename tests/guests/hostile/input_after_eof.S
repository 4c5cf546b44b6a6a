/* SPDX-License-Identifier: MIT */
/*
 * input_after_eof.S - reads console input to its end, echoing each byte,
 * then goes on reading: 5000 more 1-byte INs, each of which must return
 * 0xFF (end of input is sticky; the hypervisor must neither block nor
 * invent bytes).  Then it prints
 *   "input_after_eof: 5000 reads after end of input, all 0xff"
 * (or "...: a read after end of input returned another byte") and halts.
 */
#include "guest_asm.h"

#define EXTRA_READS 5000

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movw	$MH_PORT_CONSOLE, %dx
1:	inb	%dx, %al		/* echo up to end of input */
	cmpb	$MH_CONSOLE_EOF, %al
	je	2f
	outb	%al, %dx
	jmp	1b

2:	movl	$EXTRA_READS, %ecx
	movb	$MH_CONSOLE_EOF, %bl
3:	inb	%dx, %al
	andb	%al, %bl		/* stays 0xff only if every byte was */
	decl	%ecx
	jnz	3b
	cmpb	$MH_CONSOLE_EOF, %bl
	jne	4f
	PUTS	m_ok
	HALT
4:	PUTS	m_bad
	HALT

	MSG	m_ok, "input_after_eof: 5000 reads after end of input, all 0xff\n"
	MSG	m_bad, "input_after_eof: a read after end of input returned another byte\n"

	.section .note.GNU-stack, "", @progbits
