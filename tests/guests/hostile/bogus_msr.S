/* SPDX-License-Identifier: MIT */
/*
 * bogus_msr.S - model-specific registers that do not exist, or a value
 * that breaks long mode.  The first input byte picks:
 *   'r'   rdmsr of MSR 0xdeadbeef, at 0x40
 *   'w'   wrmsr of 0 to MSR 0xdeadbeef, at 0x80
 *   'e'   wrmsr of EFER with LME cleared while paging, at 0xc0
 * KVM answers each with #GP (unless the host set kvm.ignore_msrs, which
 * makes unknown MSRs read as 0 and ignore writes), which the hypervisor's
 * IDT must report: "general protection fault (#GP) at RIP 0x40; error
 * code 0x0".  If the VM goes on it prints "bogus_msr: continued".
 */
#include "guest_asm.h"

#define MSR_BOGUS 0xdeadbeef
#define MSR_EFER  0xc0000080

	.section .text.start, "ax", @progbits
	.globl	_start
_start:
	SELECT
	cmpb	$'r', %al
	je	do_rdmsr
	cmpb	$'w', %al
	je	do_wrmsr
	jmp	do_efer

	.org	0x38, 0x90
do_rdmsr:
	movl	$MSR_BOGUS, %ecx
	.org	0x40, 0x90
	rdmsr				/* 0x40 */
	jmp	went_on

	.org	0x70, 0x90
do_wrmsr:
	movl	$MSR_BOGUS, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	.org	0x80, 0x90
	wrmsr				/* 0x80 */
	jmp	went_on

	.org	0xa0, 0x90
do_efer:
	movl	$MSR_EFER, %ecx
	rdmsr
	btrl	$8, %eax		/* LME */
	.org	0xc0, 0x90
	wrmsr				/* 0xc0 */
	jmp	went_on

	WENT_ON	bogus_msr

	.section .note.GNU-stack, "", @progbits
