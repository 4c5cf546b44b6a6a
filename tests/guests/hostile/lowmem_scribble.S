/* SPDX-License-Identifier: MIT */
/*
 * lowmem_scribble.S - overwrites guest-physical 0x1000..0xffff, where
 * naive hypervisors put their page tables and GDT, with page-table-like
 * entries (every qword 0x...e7: present, writable, user, accessed, dirty,
 * 2 MiB page, pointing at 1 GiB steps), then reads it back and prints
 * "lowmem_scribble: 60 KiB at 0x1000 overwritten, still running".
 *
 * The hypervisor keeps its tables outside RAM (at guest-physical
 * 0x40000000), so this is just memory: the VM must keep running and halt
 * normally.  The image itself is far below 0x1000.
 */
#include "guest_asm.h"

#define SCRIBBLE_START 0x1000
#define SCRIBBLE_END   0x10000

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movl	$SCRIBBLE_START, %edi
	movl	$(SCRIBBLE_END - SCRIBBLE_START) / 8, %ecx
	movabsq	$0x00000000400000e7, %rax
	cld
	rep stosq
	/* Read it back: every qword must still hold the pattern. */
	movl	$SCRIBBLE_START, %edi
	movl	$(SCRIBBLE_END - SCRIBBLE_START) / 8, %ecx
	repe scasq
	jne	1f
	PUTS	m_ok
	HALT
1:	PUTS	m_bad
	HALT

	MSG	m_ok, "lowmem_scribble: 60 KiB at 0x1000 overwritten, still running\n"
	MSG	m_bad, "lowmem_scribble: the memory did not keep what was written\n"

	.section .note.GNU-stack, "", @progbits
