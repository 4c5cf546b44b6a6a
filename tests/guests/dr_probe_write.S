/* SPDX-License-Identifier: MIT */
/* dr_probe_write.S - does this CPU fire data breakpoints from the debug
 * registers?  Arms DR0 on writes to `word` and writes it: where it works
 * the hypervisor reports a debug exception (#DB); where it does not the
 * guest prints "no #DB" and halts.  tests/gdb.bats skips its watchpoint
 * test on such a host. */
	.text
	.globl _start
_start:
	lea word(%rip), %rax
	mov %rax, %dr0
	mov $0xd0402, %rax	/* G0, RW0 = 01 (write), LEN0 = 11 (4 bytes) */
	mov %rax, %dr7
	movl $1, word(%rip)
	nop
	lea msg(%rip), %rsi
	mov $msglen, %ecx
	mov $0xe9, %dx
	rep outsb
	hlt
msg:	.ascii "no #DB\n"
	.set msglen, . - msg
	.data
	.balign 8
word:	.quad 0
