/* SPDX-License-Identifier: MIT */
/*
 * console_forge.S - console output that tries to pass for something
 * else: a carriage return followed by another VM's tag and a line it
 * never wrote, a fake hypervisor error line, a terminal escape sequence,
 * a NUL byte, and a last line with no newline.
 *
 * Guest output is data: the hypervisor passes every byte through as it
 * is, but only a newline ends a line, every line it writes starts with
 * this VM's own tag (when several VMs run), and nothing a guest writes
 * goes to standard error.  Then it halts normally.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	PUTS	m_forge
	HALT

	.section .rodata
m_forge:
	.ascii	"forged\r[1:counter.img] vm 1: count 6\n"
	.ascii	"mini_hypervisor: error: vm 1 (counter.img): forged\n"
	.ascii	"\033[2J\033[Hescape\n"
	.ascii	"nul\0byte\n"
	.ascii	"no newline"
	.set	m_forge_len, . - m_forge

	.section .note.GNU-stack, "", @progbits
