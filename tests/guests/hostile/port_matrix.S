/* SPDX-License-Identifier: MIT */
/*
 * port_matrix.S - one I/O access of a given width and direction on the
 * console port (0xE9), the file port (0x278) or a port next to them.
 * The first input byte picks the case.  The documented accesses go on
 * and print "port_matrix: survived case X":
 *   'a' 1-byte OUT 0xE9 (a '.') 'b' 1-byte IN 0xE9
 *   'c' 1-byte OUT 0x278       'd' 1-byte IN 0x278 (idle: 0xFF)
 *   'e' 4-byte OUT 0x278 of a request block's address (SIZE of fd 0)
 * Every other one must stop the VM with a diagnosis giving width,
 * direction, port and the RIP of the instruction (in brackets):
 *   'f' 2-byte OUT 0xE9 [0x100]   'g' 2-byte IN 0xE9 [0x120]
 *   'h' 4-byte OUT 0xE9 [0x140]   'i' 4-byte IN 0xE9 [0x160]
 *   'j' 2-byte OUT 0x278 [0x180]  'k' 2-byte IN 0x278 [0x1a0]
 *   'l' 4-byte IN 0x278 [0x1c0]
 *   'm' 2-byte OUT 0xE8 [0x1e0]   (covers 0xE8-0xE9: starts on no device)
 *   'n' 4-byte OUT 0x275 [0x200]  (covers 0x275-0x278)
 *   'o' 1-byte IN 0x279 [0x220]   'p' 1-byte OUT 0xEA [0x240]
 * An unknown letter prints "port_matrix: no such case".
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	movb	%al, %r8b		/* the case, kept for the message */
	leaq	cases(%rip), %rsi
1:	movb	(%rsi), %bl
	testb	%bl, %bl
	jz	no_case
	cmpb	%al, %bl
	je	2f
	addq	$16, %rsi
	jmp	1b
2:	movq	8(%rsi), %rax
	jmp	*%rax

no_case:
	PUTS	m_none
	HALT

case_a:	movb	$'.', %al
	outb	%al, $MH_PORT_CONSOLE
	jmp	survived
case_b:	inb	$MH_PORT_CONSOLE, %al
	jmp	survived
case_c:	xorl	%eax, %eax
	movw	$MH_PORT_FILE, %dx
	outb	%al, %dx
	jmp	survived
case_d:	movw	$MH_PORT_FILE, %dx
	inb	%dx, %al
	jmp	survived
case_e:	leaq	block(%rip), %rax
	movw	$MH_PORT_FILE, %dx
	outl	%eax, %dx
	jmp	survived

	.org	0xfc, 0x90
case_f:	movw	$MH_PORT_CONSOLE, %dx
	outw	%ax, %dx		/* 0x100 */
	jmp	survived
	.org	0x11c, 0x90
case_g:	movw	$MH_PORT_CONSOLE, %dx
	inw	%dx, %ax		/* 0x120 */
	jmp	survived
	.org	0x13c, 0x90
case_h:	movw	$MH_PORT_CONSOLE, %dx
	outl	%eax, %dx		/* 0x140 */
	jmp	survived
	.org	0x15c, 0x90
case_i:	movw	$MH_PORT_CONSOLE, %dx
	inl	%dx, %eax		/* 0x160 */
	jmp	survived
	.org	0x17c, 0x90
case_j:	movw	$MH_PORT_FILE, %dx
	outw	%ax, %dx		/* 0x180 */
	jmp	survived
	.org	0x19c, 0x90
case_k:	movw	$MH_PORT_FILE, %dx
	inw	%dx, %ax		/* 0x1a0 */
	jmp	survived
	.org	0x1bc, 0x90
case_l:	movw	$MH_PORT_FILE, %dx
	inl	%dx, %eax		/* 0x1c0 */
	jmp	survived
	.org	0x1dc, 0x90
case_m:	movw	$0xe8, %dx
	outw	%ax, %dx		/* 0x1e0 */
	jmp	survived
	.org	0x1fc, 0x90
case_n:	movw	$0x275, %dx
	outl	%eax, %dx		/* 0x200 */
	jmp	survived
	.org	0x21c, 0x90
case_o:	movw	$0x279, %dx
	inb	%dx, %al		/* 0x220 */
	jmp	survived
	.org	0x23c, 0x90
case_p:	movw	$0xea, %dx
	outb	%al, %dx		/* 0x240 */
	jmp	survived

survived:
	PUTS	m_survived
	movb	%r8b, %al
	outb	%al, $MH_PORT_CONSOLE
	movb	$'\n', %al
	outb	%al, $MH_PORT_CONSOLE
	HALT

	.section .rodata
	.balign	8
cases:
	.irp	c, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p
	.ascii	"\c"
	.balign	8
	.quad	case_\c
	.endr
	.quad	0, 0

	MSG	m_survived, "port_matrix: survived case "
	MSG	m_none, "port_matrix: no such case\n"

	.data
	.balign	8
block:	.long	MH_FILE_SIZE		/* cmd */
	.long	0			/* fd */
	.long	0, 0			/* flags, len */
	.quad	0, 0			/* offset, buf */
	.quad	0x5a5a5a5a5a5a5a5a	/* result */

	.section .note.GNU-stack, "", @progbits
