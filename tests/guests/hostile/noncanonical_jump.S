/* SPDX-License-Identifier: MIT */
/*
 * noncanonical_jump.S - jumps to 0x0000800000000000, the first
 * non-canonical address.  The jump raises #GP (no page walk happens, so
 * CR2 stays 0).  The hypervisor must stop the VM with "general
 * protection fault (#GP) at RIP 0xa; error code 0x0; RSP ...": the jmp is at 0xa
 * (after a 10-byte movabs).  QEMU's CPU (TCG) faults at the target
 * instead, 0x800000000000.  No output.
 */
	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movabsq	$0x0000800000000000, %rax
	jmp	*%rax			/* at 0xa */
	hlt

	.section .note.GNU-stack, "", @progbits
