/* SPDX-License-Identifier: MIT */
/* dr_probe_write.S - does this CPU fire data breakpoints from the debug
 * registers?  Arms DR0 on writes to `word` and writes it: where it works
 * the hypervisor reports a debug exception (#DB); where it does not the
 * guest prints "no #DB" and halts.  tests/gdb.bats skips its watchpoint
 * test on such a host. */
#include "guest_asm.h"

	.text
	.globl _start
_start:
	DR0_ARM	word, 0xd0402	/* G0, RW0 = 01 (write), LEN0 = 11 (4 bytes) */
	movl	$1, word(%rip)
	nop
	SAY	m_no_db, "no #DB\n"

	.data
	.balign 8
word:	.quad 0

	.section .note.GNU-stack, "", @progbits
