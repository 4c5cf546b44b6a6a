; SPDX-License-Identifier: MIT
; console20k.asm - the console benchmark's guest: writes 20,000 bytes to
; port 0xE9 (200 lines of 99 'x' and a newline) with rep outsb, then halts.
;
; rep outsb keeps the guest's own instructions to a minimum (here KVM
; exits to user space once per byte of it, and guest code at CPL 0 can be
; slow to emulate), so nearly all of the time is the cost of the console
; accesses themselves.  bench/run-bench subtracts the halt-only run and
; divides by 20,000.
; nasm -f bin -o console20k.img console20k.asm
bits 64
LINES	equ 200
	cld
	mov	ebx, LINES
	mov	edx, 0xE9		; MH_PORT_CONSOLE
.line:	lea	rsi, [rel line]
	mov	ecx, line_len
	rep outsb
	dec	ebx
	jnz	.line
	hlt
line:	times 99 db 'x'
	db	10
line_len equ $ - line
