/* SPDX-License-Identifier: MIT */
/*
 * console_flood.S - writes 102400 bytes to the console with no newline
 * at all: "abcdefghijklmnopqrstuvwxyz" over and over (3938 rounds, then
 * "abcdefghijkl"), one 1-byte OUT per byte, then halts.
 *
 * The hypervisor buffers lines of at most 4096 bytes: it must write every
 * byte, in order, in pieces (with several VMs, each piece is a line of
 * its own with the VM's tag), never hold more than a line, and keep the
 * other VMs' lines whole.
 */
#include "guest_asm.h"

#define FLOOD_BYTES 102400

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movl	$FLOOD_BYTES, %ecx
	movw	$MH_PORT_CONSOLE, %dx
	movb	$'a', %al
1:	outb	%al, %dx
	incb	%al
	cmpb	$'z' + 1, %al
	jne	2f
	movb	$'a', %al
2:	decl	%ecx
	jnz	1b
	HALT

	.section .note.GNU-stack, "", @progbits
