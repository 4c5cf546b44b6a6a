/* SPDX-License-Identifier: MIT */
/* dr_probe_exec.S - does this CPU fire instruction breakpoints from the
 * debug registers?  Arms DR0 on `target` and runs it: where it works the
 * hypervisor reports a debug exception (#DB); where it does not (QEMU's
 * emulated SVM) the guest prints "no #DB" and halts.  tests/gdb.bats
 * skips its hardware breakpoint test on such a host. */
#include "guest_asm.h"

	.text
	.globl _start
_start:
	DR0_ARM	target, 0x402	/* G0, RW0 = 00 (execute), LEN0 = 00 */
target:
	nop
	SAY	m_no_db, "no #DB\n"

	.section .note.GNU-stack, "", @progbits
