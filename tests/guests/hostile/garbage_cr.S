/* SPDX-License-Identifier: MIT */
/*
 * garbage_cr.S - loads control registers with values that break the
 * machine.  The first input byte picks:
 *   'z'  CR3 = 0x100000, a zeroed page of RAM: every translation is now
 *        "not present", so fetching the next instruction (0x43) faults
 *        (CR2 0x43, inside RAM); the hypervisor's IDT is not mapped any
 *        more either, so the fault cannot be delivered: a triple fault
 *   'r'  CR3 with reserved high bits set: #GP at the mov (0x80) (QEMU's
 *        CPU loads them where kvm_amd does not intercept the mov, and
 *        the next VM entry fails)
 *   'o'  CR3 = 0x80000000, guest-physical memory that does not exist:
 *        the page walk for the next instruction (0xc3) fails, and so
 *        does every delivery: a triple fault (kvm_amd with nested
 *        paging retries the walk for ever instead)
 *   '0'  CR0.PG cleared while in long mode: #GP at the mov (0x100)
 *   '4'  CR4.PAE cleared while in long mode: #GP at the mov (0x140)
 * The hypervisor's IDT reports each #GP, "general protection fault (#GP)
 * at RIP 0x80; error code 0x0; RSP ..."; a triple fault is reported with the RIP
 * given where the CPU keeps the registers.  "garbage_cr: continued" would
 * mean the VM went on.
 */
#include "guest_asm.h"

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	cmpb	$'z', %al
	je	cr3_zero
	cmpb	$'r', %al
	je	cr3_reserved
	cmpb	$'o', %al
	je	cr3_outside
	cmpb	$'0', %al
	je	cr0_pg
	jmp	cr4_pae

	.org	0x3b, 0x90
cr3_zero:
	movl	$0x100000, %eax		/* 0x3b, 5 bytes */
	movq	%rax, %cr3		/* 0x40, 3 bytes */
	jmp	went_on			/* 0x43: its fetch faults */

	.org	0x70, 0x90
cr3_reserved:
	movabsq	$0x7ff0000000000000, %rax	/* 0x70, 10 bytes */
	.org	0x80, 0x90
	movq	%rax, %cr3		/* 0x80 */
	jmp	went_on

	.org	0xb8, 0x90
cr3_outside:
	movl	$0x80000000, %eax	/* 0xb8 */
	.org	0xc0, 0x90
	movq	%rax, %cr3		/* 0xc0, 3 bytes */
	jmp	went_on			/* 0xc3 */

	.org	0xf0, 0x90
cr0_pg:
	movq	%cr0, %rax
	btrq	$31, %rax		/* PG */
	.org	0x100, 0x90
	movq	%rax, %cr0		/* 0x100 */
	jmp	went_on

	.org	0x130, 0x90
cr4_pae:
	movq	%cr4, %rax
	btrq	$5, %rax		/* PAE */
	.org	0x140, 0x90
	movq	%rax, %cr4		/* 0x140 */
	jmp	went_on

	WENT_ON	garbage_cr

	.section .note.GNU-stack, "", @progbits
