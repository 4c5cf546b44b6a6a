/* SPDX-License-Identifier: MIT */
/*
 * last40_block.S - block-transport requests at the very end of RAM, all
 * valid: the request block in the last 40 bytes of RAM (its result field
 * ends at the last byte), and a READ whose buffer ends at the last byte.
 * The guest moves its stack 4 KiB down, so the top of RAM is free.
 *
 *   block at RAM-40: OPEN notes.txt (read-only), SIZE (n, at most 40),
 *                    READ n bytes into [RAM-40-n, RAM-40), printed
 *   block at RAM-80: SEEK 0, READ n bytes into [RAM-n, RAM), printed
 * then "last40_block: OK".  A failed request prints
 * "last40_block: request N failed".
 *
 * With 'x' as the first input byte it instead sends a block at RAM-39,
 * whose last byte lies past RAM: the hypervisor must stop the VM with
 * "file request block at <RAM-39> runs outside guest RAM".
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	movq	%rdi, %r13		/* RAM size */
	leaq	-0x1000(%r13), %rsp	/* the stack, out of the way */
	SELECT
	cmpb	$'x', %al
	jne	1f
	leaq	-39(%r13), %rax
	movw	$MH_PORT_FILE, %dx
	outl	%eax, %dx
	WENT_ON	last40_block

1:	leaq	-40(%r13), %rbx		/* the block: the last 40 bytes */

	/* 1: OPEN notes.txt */
	movl	$MH_FILE_OPEN, 0(%rbx)
	movl	$0, 4(%rbx)
	movl	$MH_FILE_RDONLY, 8(%rbx)
	movl	$name_len, 12(%rbx)
	movq	$0, 16(%rbx)
	leaq	name(%rip), %rax
	movq	%rax, 24(%rbx)
	movb	$'1', %r12b
	call	send
	testq	%rax, %rax
	js	failed
	movl	%eax, 4(%rbx)		/* fd */
	movl	%eax, %r15d

	/* 2: SIZE */
	movl	$MH_FILE_SIZE, 0(%rbx)
	movb	$'2', %r12b
	call	send
	cmpq	$40, %rax
	ja	failed
	movq	%rax, %r14		/* n */

	/* 3: READ n bytes just below the block */
	movl	$MH_FILE_READ, 0(%rbx)
	movl	%r14d, 12(%rbx)
	movq	%rbx, %rax
	subq	%r14, %rax
	movq	%rax, 24(%rbx)
	movb	$'3', %r12b
	call	send
	cmpq	%r14, %rax
	jne	failed
	movq	24(%rbx), %rsi
	call	print_n

	/* 4: SEEK 0, with the block at RAM-80 */
	leaq	-80(%r13), %rbx
	movl	$MH_FILE_SEEK, 0(%rbx)
	movl	%r15d, 4(%rbx)
	movl	$MH_FILE_SEEK_SET, 8(%rbx)
	movl	$0, 12(%rbx)
	movq	$0, 16(%rbx)
	movb	$'4', %r12b
	call	send
	testq	%rax, %rax
	jne	failed

	/* 5: READ n bytes into the last n bytes of RAM */
	movl	$MH_FILE_READ, 0(%rbx)
	movl	%r14d, 12(%rbx)
	movq	%r13, %rax
	subq	%r14, %rax
	movq	%rax, 24(%rbx)
	movb	$'5', %r12b
	call	send
	cmpq	%r14, %rax
	jne	failed
	movq	24(%rbx), %rsi
	call	print_n

	PUTS	m_ok
	HALT

	FILE_REQUESTS	last40_block

/* Prints R14 bytes from RSI. */
print_n:
	movq	%r14, %rcx
	movw	$MH_PORT_CONSOLE, %dx
	cld
	rep outsb
	ret

	.section .rodata
name:	.ascii	"notes.txt"
	.set	name_len, . - name

	MSG	m_ok, "last40_block: OK\n"

	.section .note.GNU-stack, "", @progbits
