/* SPDX-License-Identifier: MIT */
/*
 * escape.S - acts as a guest that has taken over its vCPU thread: asks
 * the test-hooks port (0x2F0, only in --enable-test-hooks builds) to open
 * /etc/passwd (1), a socket (2) and a new VM (3); then, once it has read
 * a line of console input (or its end), to overwrite another VM's open
 * file (4), to read another VM's registers through its own vCPU's fd
 * number (5), and to duplicate its vCPU fd (6).  The hypervisor prints
 * each outcome; with the sandbox on, each must be refused.
 */
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	mov	$0x2f0, %dx
	mov	$1, %al
	outb	%al, %dx
	mov	$2, %al
	outb	%al, %dx
	mov	$3, %al
	outb	%al, %dx
	/* The test lets the other VMs open their files first, then sends a
	 * line: wait for its newline, or 0xFF (end of input). */
	mov	$0xe9, %dx
1:	inb	%dx, %al
	cmp	$0x0a, %al
	je	2f
	cmp	$0xff, %al
	jne	1b
2:	mov	$0x2f0, %dx
	mov	$4, %al
	outb	%al, %dx
	mov	$5, %al
	outb	%al, %dx
	mov	$6, %al
	outb	%al, %dx
	hlt
