/* SPDX-License-Identifier: MIT */
/* dr_probe_exec.S - does this CPU fire instruction breakpoints from the
 * debug registers?  Arms DR0 on `target` and runs it: where it works the
 * hypervisor reports a debug exception (#DB); where it does not (QEMU's
 * emulated SVM) the guest prints "no #DB" and halts.  tests/gdb.bats
 * skips its hardware breakpoint test on such a host. */
	.text
	.globl _start
_start:
	lea target(%rip), %rax
	mov %rax, %dr0
	mov $0x402, %rax	/* G0, RW0 = 00 (execute), LEN0 = 00 */
	mov %rax, %dr7
target:
	nop
	lea msg(%rip), %rsi
	mov $msglen, %ecx
	mov $0xe9, %dx
	rep outsb
	hlt
msg:	.ascii "no #DB\n"
	.set msglen, . - msg
