/* SPDX-License-Identifier: MIT */
/*
 * lgdt_garbage.S - loads a GDT register that points at garbage, then
 * reloads DS with selector 0x10, which makes the CPU read the new GDT.
 * The first input byte picks the garbage:
 *   'z'   a GDT in zeroed RAM (base 0x100000): descriptor 0x10 is all
 *         zeros, a system descriptor DS cannot hold: #GP at the mov to
 *         DS at 0x40
 *   else  a GDT at 0x7fff00000000, canonical but not mapped: the
 *         descriptor read page-faults at 0x7fff00000010 (CR2), mov at 0x80
 * With no IDT both end in a triple fault at that RIP, which the
 * hypervisor must report; "lgdt_garbage: continued" would mean they did
 * not.  lgdt itself loads anything: nothing is read until a segment
 * register is loaded.
 */
#include "hostile.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	movw	$0x10, %cx
	cmpb	$'z', %al
	je	zeroed
	jmp	unmapped

	.org	0x30, 0x90
zeroed:
	lgdt	gdtr_zeroed(%rip)
	.org	0x40, 0x90
	movw	%cx, %ds		/* 0x40 */
	jmp	went_on

	.org	0x70, 0x90
unmapped:
	lgdt	gdtr_unmapped(%rip)
	.org	0x80, 0x90
	movw	%cx, %ds		/* 0x80 */
	jmp	went_on

went_on:
	PUTS	m_on
	HALT

	.section .rodata
	.balign	8
gdtr_zeroed:
	.word	0xffff			/* limit */
	.quad	0x100000		/* base: zeroed RAM */
	.balign	8
gdtr_unmapped:
	.word	0xffff
	.quad	0x7fff00000000		/* base: not mapped */

	MSG	m_on, "lgdt_garbage: continued\n"

	.section .note.GNU-stack, "", @progbits
