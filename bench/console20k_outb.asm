; SPDX-License-Identifier: MIT
; console20k_outb.asm - the same 20,000 bytes as console20k.asm, one OUT
; instruction per byte, the way the SDK's mh_putc() writes.
; nasm -f bin -o console20k_outb.img console20k_outb.asm
bits 64
LINES	equ 200
	cld
	mov	ebx, LINES
.line:	lea	rsi, [rel line]
	mov	ecx, line_len
.byte:	lodsb
	out	0xE9, al		; MH_PORT_CONSOLE
	dec	ecx
	jnz	.byte
	dec	ebx
	jnz	.line
	hlt
line:	times 99 db 'x'
	db	10
line_len equ $ - line
