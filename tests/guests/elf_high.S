/* SPDX-License-Identifier: MIT */
/* elf_high.S - an ELF guest linked at 1 MiB (elf_high.ld) whose entry
 * point is not its first byte: the loader must put each segment at its
 * own address and start at e_entry.  At 1 MiB, nothing: a ud2 where a
 * loader that ignored e_entry would start.  It checks that its .data
 * holds its value and its .bss is zero (both ends), prints "elf_high:
 * OK" and halts; any check that fails is a ud2. */
#include "guest_asm.h"

	.section .text, "ax", @progbits
not_the_entry:
	ud2

	.globl	elf_high_start
	.type	elf_high_start, @function
elf_high_start:
	cmpq	$0x1234abcd, value(%rip)
	jne	bad
	cmpq	$0, zero(%rip)
	jne	bad
	cmpq	$0, zero + 4088(%rip)
	jne	bad
	SAY	m_msg, "elf_high: OK\n"
bad:
	ud2
	.size	elf_high_start, . - elf_high_start

	.data
	.balign	8
value:	.quad	0x1234abcd

	.bss
	.balign	8
zero:	.zero	4096

	.section .note.GNU-stack, "", @progbits
