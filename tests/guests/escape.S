/* SPDX-License-Identifier: MIT */
/*
 * escape.S - acts as a guest that has taken over its vCPU thread: asks
 * the test-hooks port (0x2F0, only in --enable-test-hooks builds) to open
 * /etc/passwd (1), a socket (2) and a new VM (3).  The hypervisor prints
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
	hlt
