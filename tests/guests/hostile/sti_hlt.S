/* SPDX-License-Identifier: MIT */
/*
 * sti_hlt.S - enables interrupts, then halts: "sti; hlt" is how an OS
 * idles waiting for an interrupt, but this machine has no interrupt
 * controller, so none will ever come.  hlt is how a guest ends, with
 * interrupts enabled or not: the VM must end normally (status 0) after
 * printing "sti_hlt: halting with interrupts enabled".  Nothing after
 * the hlt may run ("sti_hlt: resumed after hlt").
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	PUTS	m_halting
	sti
	hlt
	PUTS	m_resumed
	HALT

	MSG	m_halting, "sti_hlt: halting with interrupts enabled\n"
	MSG	m_resumed, "sti_hlt: resumed after hlt\n"

	.section .note.GNU-stack, "", @progbits
