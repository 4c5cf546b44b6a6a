; SPDX-License-Identifier: MIT
; hello_nasm.asm - a guest written for nasm with no SDK at all:
;   nasm -f bin -o hello_nasm.img hello_nasm.asm
; Prints "Hello from nasm" one byte per OUT, then halts.

bits 64
org 0

MH_PORT_CONSOLE equ 0xE9

start:
        lea     rsi, [rel msg]
        mov     dx, MH_PORT_CONSOLE
.next:
        lodsb
        test    al, al
        jz      .halt
        out     dx, al
        jmp     .next
.halt:
        hlt
        jmp     .halt

msg:    db      "Hello from nasm", 10, 0
