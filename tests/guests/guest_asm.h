/* SPDX-License-Identifier: MIT */
/*
 * guest_asm.h - macros shared by the test guests in assembly (.S files,
 * run through the C preprocessor; tests/guests and tests/guests/hostile).
 * Each guest has its own _start and uses no SDK; these macros only print,
 * halt and read input.
 *
 *   MSG name, "text"   defines name and name_len in .rodata
 *   PUTS name          writes name_len bytes of name to the console with
 *                      one rep outsb (clobbers RSI, RCX, RDX; uses no stack)
 *   HALT               hlt, in a loop in case anything resumes the vCPU
 *   SAY name, "text"   PUTS then HALT: the guest's last words
 *   WENT_ON guest      the label went_on, where a guest arrives only if
 *                      the hypervisor let it go on past what it must stop:
 *                      prints "<guest>: continued" and halts
 *   SELECT             reads the first input byte into AL (0xFF at end of
 *                      input): guests that hold several cases pick one
 *   FILE_REQUESTS guest
 *                      two routines for guests that send requests over
 *                      the file block transport: send (one request, the
 *                      block at RBX; returns its result in RAX) and
 *                      failed (prints "<guest>: request N failed", N
 *                      the byte in R12B, and halts)
 *   DR0_ARM addr, dr7  arms debug register 0 on addr with DR7 = dr7
 *                      (clobbers RAX)
 *
 * Instructions whose RIP a test checks are placed with ".org ADDR, 0x90":
 * a fixed address, and NOPs before it, so falling through is harmless.
 */
#ifndef MH_TEST_GUEST_ASM_H
#define MH_TEST_GUEST_ASM_H

#include "mh_abi.h"

	.macro	MSG name, text
	.pushsection .rodata
\name:	.ascii	"\text"
	.set	\name\()_len, . - \name
	.popsection
	.endm

	.macro	PUTS name
	leaq	\name(%rip), %rsi
	movl	$\name\()_len, %ecx
	movw	$MH_PORT_CONSOLE, %dx
	cld
	rep outsb
	.endm

	.macro	HALT
9999:	hlt
	jmp	9999b
	.endm

	.macro	SAY name, text
	PUTS	\name
	HALT
	MSG	\name, "\text"
	.endm

	.macro	WENT_ON guest
went_on:
	SAY	m_on, "\guest: continued\n"
	.endm

	.macro	SELECT
	movw	$MH_PORT_CONSOLE, %dx
	inb	%dx, %al
	.endm

	.macro	FILE_REQUESTS guest
send:
	movl	%ebx, %eax
	movw	$MH_PORT_FILE, %dx
	outl	%eax, %dx
	movq	32(%rbx), %rax
	ret

failed:
	PUTS	m_failed
	movb	%r12b, %al
	outb	%al, $MH_PORT_CONSOLE
	PUTS	m_failed2
	HALT
	MSG	m_failed, "\guest: request "
	MSG	m_failed2, " failed\n"
	.endm

	.macro	DR0_ARM addr, dr7
	lea	\addr(%rip), %rax
	mov	%rax, %dr0
	mov	$\dr7, %rax
	mov	%rax, %dr7
	.endm

#endif /* MH_TEST_GUEST_ASM_H */
