; SPDX-License-Identifier: MIT
; halt.asm - the start-up benchmark's guest: one HLT, so the run measures
; nothing but building, entering and tearing down a VM.
; nasm -f bin -o halt.img halt.asm
bits 64
	hlt
