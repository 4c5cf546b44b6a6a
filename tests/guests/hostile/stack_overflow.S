/* SPDX-License-Identifier: MIT */
/*
 * stack_overflow.S - a runaway stack: pushes from the top of RAM down
 * through all of RAM, the image included, and off the bottom.
 *
 * The push loop sits at 0x40 (push %rax; jmp back: 50 eb fd), and RAX
 * holds those same bytes in its low bytes, so when the pushes reach the
 * loop they overwrite it with itself and it keeps running; everything
 * else of the image (the message, the code before 0x40) is trampled.
 * The push with RSP = 0 writes to 0xfffffffffffffff8, which is not
 * mapped: a page fault, which the hypervisor's IDT takes on a stack of
 * its own.  The hypervisor must report "page fault (#PF) at RIP 0x40:
 * write to address 0xfffffffffffffff8 (CR2), outside guest RAM; error
 * code 0x2"; the output is only the first line, printed before the
 * pushes start.  Run it with -m 2 (every push is one emulated
 * instruction on nested KVM).
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	PUTS	m_start
	movabsq	$0xf4f4f4f4f4fdeb50, %rax	/* bytes 50 eb fd f4 f4 f4 f4 f4 */

	.org	0x40, 0x90
1:	pushq	%rax			/* at 0x40 */
	jmp	1b

	MSG	m_start, "stack_overflow: pushing from the top of RAM down\n"

	.section .note.GNU-stack, "", @progbits
