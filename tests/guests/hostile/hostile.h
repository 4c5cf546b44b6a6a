/* SPDX-License-Identifier: MIT */
/*
 * hostile.h - macros shared by the hostile assembly guests (.S files,
 * run through the C preprocessor).  Each guest has its own _start in
 * .text.start and uses no SDK; these macros only print and halt.
 *
 *   MSG name, "text"   defines name and name_len in .rodata
 *   PUTS name          writes name_len bytes of name to the console with
 *                      one rep outsb (clobbers RSI, RCX, RDX; uses no stack)
 *   HALT               hlt, in a loop in case anything resumes the vCPU
 *   SELECT             reads the first input byte into AL (0xFF at end of
 *                      input): guests that hold several cases pick one
 *
 * Instructions whose RIP a test checks are placed with ".org ADDR, 0x90":
 * a fixed address, and NOPs before it, so falling through is harmless.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

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

	.macro	SELECT
	movw	$MH_PORT_CONSOLE, %dx
	inb	%dx, %al
	.endm

#endif /* HOSTILE_H */
