/* SPDX-License-Identifier: MIT */
/*
 * lgdt_garbage.S - loads a GDT register that points at garbage, then
 * reloads DS with selector 0x10, which makes the CPU read the new GDT.
 * The first input byte picks the garbage:
 *   'z'   a GDT in zeroed RAM (base 0x100000): descriptor 0x10 is all
 *         zeros, a system descriptor DS cannot hold: #GP at the mov to
 *         DS at 0x40.  Delivering the #GP needs the code segment of the
 *         IDT's gates, selector 0x08, from the same zeroed GDT: nothing
 *         can be delivered, and the VM triple-faults (PVM delivers the
 *         #GP anyway, and the handler's report never leaves the vCPU)
 *   'c'   the same, but the GDT's entry 0x08 is a copy of the
 *         hypervisor's 64-bit code descriptor: the #GP at 0xc0 (error
 *         code 0x10, the selector) is delivered and reported
 *   else  a GDT at 0x7fff00000000, canonical but not mapped: the
 *         descriptor read page-faults at 0x7fff00000010 (CR2), mov at
 *         0x80, and the page fault cannot be delivered either: a triple
 *         fault
 * The hypervisor must report each with that RIP (a triple fault's only
 * where the CPU keeps the registers); "lgdt_garbage: continued" would
 * mean it did not.  lgdt itself loads anything: nothing is read until a
 * segment register is loaded or an exception delivered.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	movw	$0x10, %cx
	cmpb	$'z', %al
	je	zeroed
	cmpb	$'c', %al
	je	code_only
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

	.org	0xa0, 0x90
code_only:
	movabsq	$0x00af9b000000ffff, %rax	/* the hypervisor's code descriptor */
	movq	%rax, 0x100008			/* entry 0x08 of the zeroed GDT */
	lgdt	gdtr_zeroed(%rip)
	.org	0xc0, 0x90
	movw	%cx, %ds		/* 0xc0 */
	jmp	went_on

	WENT_ON	lgdt_garbage

	.section .rodata
	.balign	8
gdtr_zeroed:
	.word	0xffff			/* limit */
	.quad	0x100000		/* base: zeroed RAM */
	.balign	8
gdtr_unmapped:
	.word	0xffff
	.quad	0x7fff00000000		/* base: not mapped */

	.section .note.GNU-stack, "", @progbits
