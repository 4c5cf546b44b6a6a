/* SPDX-License-Identifier: MIT */
/*
 * self_modify.S - self-modifying and generated code, which the guest is
 * entitled to (its RAM is mapped writable and executable):
 *   1. patches the immediate of an instruction just ahead of it (a
 *      "movb $'?', %al" becomes "movb $'X', %al") and runs it;
 *   2. writes a routine into RAM at 0x80000 (movb $'K', %al; outb %al,
 *      $0xe9; jmp *%rbx) and jumps to it; it jumps back.
 * The hypervisor must simply run it: the output is
 *   "self_modify: patched X, generated K" and a newline, then hlt.
 */
#include "guest_asm.h"

#define GEN_ADDR 0x80000

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	PUTS	m_head
	movb	$'X', patch + 1(%rip)	/* the immediate of the next mov */
patch:	movb	$'?', %al
	outb	%al, $MH_PORT_CONSOLE

	PUTS	m_mid
	leaq	generated(%rip), %rsi
	movl	$GEN_ADDR, %edi
	movl	$generated_len, %ecx
	cld
	rep movsb
	leaq	back(%rip), %rbx
	movl	$GEN_ADDR, %eax
	jmp	*%rax
back:	PUTS	m_tail
	HALT

	.section .rodata
generated:
	.byte	0xb0, 'K'		/* movb $'K', %al      */
	.byte	0xe6, MH_PORT_CONSOLE	/* outb %al, $0xe9     */
	.byte	0xff, 0xe3		/* jmp *%rbx           */
	.set	generated_len, . - generated

	MSG	m_head, "self_modify: patched "
	MSG	m_mid, ", generated "
	MSG	m_tail, "\n"

	.section .note.GNU-stack, "", @progbits
