/* SPDX-License-Identifier: MIT */
/*
 * int_no_idt.S - software interrupts with no IDT of the guest's own.
 * The first input byte picks:
 *   '3'   int3 at 0x40: the hypervisor's IDT takes the #BP, a trap:
 *         "breakpoint (#BP) by the instruction ending at RIP 0x41"
 *   '8'   int $0x80 at 0x80 (the old Linux system call gate): past the
 *         hypervisor's IDT (32 gates), so a #GP naming the vector:
 *         "general protection fault (#GP) at RIP 0x80; error code 0x402
 *         (IDT vector 0x80); RSP ..."
 *   '1'   int1 (icebp, f1) at 0xc0: a #DB, a trap: "debug exception (#DB)
 *         at RIP 0xc1", past the int1
 *   'l'   lidt of a zeroed table (limit 0xfff, base 0x100000), then int3
 *         at 0x100: the gate is not present, nor any other, and the VM
 *         triple-faults (at RIP 0x100, where the CPU keeps the registers)
 * Where KVM emulates guest code (PVM), its emulator gives up on a
 * software interrupt in long mode instead ("KVM could not emulate the
 * instruction at RIP 0x40 (bytes: cc ...").  QEMU's CPU (TCG) departs
 * from the manuals for '8' (error code 0x802, the gate's byte offset)
 * and '1' (#UD at 0xc0).  Either way the VM must stop with the RIP of
 * the int; "int_no_idt: continued" would mean it did not.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	cmpb	$'3', %al
	je	do_int3
	cmpb	$'8', %al
	je	do_int80
	cmpb	$'1', %al
	je	do_int1
	jmp	do_lidt

	.org	0x40, 0x90
do_int3:
	int3				/* 0x40 */
	jmp	went_on

	.org	0x80, 0x90
do_int80:
	int	$0x80			/* 0x80 */
	jmp	went_on

	.org	0xc0, 0x90
do_int1:
	.byte	0xf1			/* int1 (icebp), 0xc0 */
	jmp	went_on

	.org	0xf0, 0x90
do_lidt:
	lidt	idtr_zeroed(%rip)
	.org	0x100, 0x90
	int3				/* 0x100 */
	jmp	went_on

	WENT_ON	int_no_idt

	.section .rodata
	.balign	8
idtr_zeroed:
	.word	0xfff
	.quad	0x100000

	.section .note.GNU-stack, "", @progbits
