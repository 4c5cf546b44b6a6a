/* SPDX-License-Identifier: MIT */
/* ud2.S - executes ud2 at address 0.  The hypervisor's IDT takes the
 * #UD, and the VM stops with "invalid opcode (#UD) at RIP 0x0".  If the
 * hypervisor lets the VM go on, it prints "ud2: continued" and halts. */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	ud2			/* at 0x0 */
	WENT_ON	ud2

	.section .note.GNU-stack, "", @progbits
