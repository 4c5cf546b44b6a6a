/* SPDX-License-Identifier: MIT */
/*
 * spin_exitless.S - disables interrupts and spins at 0x10 forever, with
 * no output and no exit of any kind: the hypervisor never regains
 * control from the guest on its own.  Only --timeout (or a signal) can
 * stop it: the hypervisor must report "stopped by --timeout at RIP 0x10"
 * while other VMs of the run finish normally.
 */
	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	cli
	.org	0x10, 0x90
1:	jmp	1b			/* 0x10 */

	.section .note.GNU-stack, "", @progbits
