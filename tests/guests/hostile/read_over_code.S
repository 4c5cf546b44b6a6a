/* SPDX-License-Identifier: MIT */
/*
 * read_over_code.S - a file READ whose buffer is the guest's own code,
 * right after the OUT that sends the request.
 *
 * Over the block transport the guest creates "patch.bin" (in its own
 * directory), writes into it 12 bytes of machine code (movabs $success,
 * %rax; jmp *%rax), seeks back to 0 and READs those 12 bytes into the
 * instructions that follow the READ's own OUT, which are ud2s.  When the
 * guest resumes after the OUT it runs what the hypervisor just read: it
 * prints "read_over_code: running the bytes it read" and halts.  If the
 * READ did not land, the ud2 stops the VM (#UD); if a step fails the guest
 * prints "read_over_code: request N failed" and halts.
 *
 * The hypervisor may not care where a READ lands as long as the buffer
 * lies in RAM; nothing in the hypervisor may depend on guest code.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	leaq	req(%rip), %rbx

	/* 1: OPEN patch.bin, read-write, created, truncated */
	movl	$MH_FILE_OPEN, 0(%rbx)
	movl	$MH_FILE_RDWR | MH_FILE_CREATE | MH_FILE_TRUNC, 8(%rbx)
	movl	$name_len, 12(%rbx)
	leaq	name(%rip), %rax
	movq	%rax, 24(%rbx)
	movb	$'1', %r12b
	call	send
	testq	%rax, %rax
	js	failed
	movl	%eax, 4(%rbx)		/* the fd, for what follows */

	/* 2: WRITE the patch */
	movl	$MH_FILE_WRITE, 0(%rbx)
	movl	$patch_len, 12(%rbx)
	leaq	patch(%rip), %rax
	movq	%rax, 24(%rbx)
	movb	$'2', %r12b
	call	send
	cmpq	$patch_len, %rax
	jne	failed

	/* 3: SEEK to 0 */
	movl	$MH_FILE_SEEK, 0(%rbx)
	movl	$MH_FILE_SEEK_SET, 8(%rbx)
	movq	$0, 16(%rbx)
	movb	$'3', %r12b
	call	send
	testq	%rax, %rax
	jne	failed

	/* 4: READ it over the code that follows the OUT */
	movl	$MH_FILE_READ, 0(%rbx)
	movl	$patch_len, 12(%rbx)
	leaq	target(%rip), %rax
	movq	%rax, 24(%rbx)
	movl	%ebx, %eax
	movw	$MH_PORT_FILE, %dx
	outl	%eax, %dx
target:
	.rept	8
	ud2				/* replaced by the READ */
	.endr

success:
	PUTS	m_ok
	HALT

	FILE_REQUESTS	read_over_code

	.section .rodata
patch:	movabsq	$success, %rax		/* machine code, stored as data */
	jmp	*%rax
	.set	patch_len, . - patch
	.if	patch_len > 16
	.error	"the patch is larger than the ud2s it replaces"
	.endif

name:	.ascii	"patch.bin"
	.set	name_len, . - name

	MSG	m_ok, "read_over_code: running the bytes it read\n"

	.bss
	.balign	8
req:	.zero	MH_FILE_REQ_SIZE

	.section .note.GNU-stack, "", @progbits
