/* SPDX-License-Identifier: MIT */
/*
 * crt0.S - entry point of an SDK guest.
 *
 * The hypervisor enters the image at RIP 0 in 64-bit long mode with the
 * boot facts in registers (mh_abi.h).  _start sits in .text.start, which
 * guest.ld places first, so it is the image's first byte.  It saves the
 * boot registers into mh_boot before C code can clobber them, calls
 * main, and halts when main returns.
 *
 * No .bss clearing: the hypervisor zeroes RAM before loading the image.
 * No stack setup: RSP is the top of RAM, 16-byte aligned, so the call
 * below leaves main with the System V alignment (RSP + 8 = 0 mod 16).
 *
 * This file cannot include mh_abi.h (it is C, not assembler), so the
 * offsets of MhBootInfo are written out here; runtime.c checks them.
 */

	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	movq	%rdi, mh_boot + 0(%rip)		/* RAM size      */
	movq	%rsi, mh_boot + 8(%rip)		/* VM index      */
	movq	%rdx, mh_boot + 16(%rip)	/* page size     */
	movq	%rcx, mh_boot + 24(%rip)	/* VM count      */
	movq	%rax, mh_boot + 32(%rip)	/* boot magic    */
	movq	%rbx, mh_boot + 40(%rip)	/* ABI version   */
	movq	%rsp, mh_boot + 48(%rip)	/* RSP at entry  */
	cld				/* the C ABI wants DF clear        */
	xorl	%ebp, %ebp		/* end of the frame-pointer chain */
	call	main
1:	hlt
	jmp	1b
	.size	_start, . - _start

	.bss
	.balign	8
	.globl	mh_boot
	.type	mh_boot, @object
	.size	mh_boot, 56
mh_boot:
	.zero	56

	.section .note.GNU-stack, "", @progbits
