; SPDX-License-Identifier: MIT
; hello_file.asm - prints the shared file hello.txt, in nasm with no SDK,
; through the byte transport of the file service (port 0x278):
;
;   nasm -f bin -o hello_file.img hello_file.asm
;   echo 'Hello, file!' > hello.txt
;   mini_hypervisor -g hello_file.img -f ./hello.txt
;
; It opens hello.txt read-only, reads up to 256 bytes, prints them, closes
; the file and halts.  On any negative result (hello.txt not shared with
; -f, say) it says so and executes ud2, which stops the VM as a failure
; (invalid opcode, exit status 1): a guest has no other way to fail.
;
; How the byte transport works (mini_hypervisor-abi(7), FILE SERVICE):
; a request is the first 24 bytes of struct mh_file_req, sent with 1-byte
; OUTs to port 0x278, followed by a payload for OPEN (the name) and WRITE
; (the data).  The hypervisor runs the request when its last byte
; arrives.  The reply is then read with 1-byte INs: an 8-byte
; little-endian result (>= 0 on success, a negative status on error),
; followed, for READ, by `result` bytes of data.  rep outsb and rep insb
; send and receive many bytes with one instruction each.

bits 64
org 0                           ; the image is loaded and run at address 0

MH_PORT_CONSOLE equ 0xE9
MH_PORT_FILE    equ 0x278

MH_FILE_OPEN    equ 1           ; commands (the cmd field)
MH_FILE_CLOSE   equ 2
MH_FILE_READ    equ 3
MH_FILE_RDONLY  equ 1           ; OPEN flag
MH_FILE_HDR_SIZE equ 24         ; bytes of a request header

READ_MAX        equ 256         ; bytes we read and print at most

start:
        cld                     ; rep outsb/insb count upwards
        mov     dx, MH_PORT_FILE

        ; OPEN: the header and the name, which follows it in memory, in
        ; one go.  The reply is the new file descriptor.
        lea     rsi, [rel open_req]
        mov     ecx, MH_FILE_HDR_SIZE + name_len
        rep outsb
        call    get_result
        mov     [rel read_fd], eax      ; fd is a 32-bit field
        mov     [rel close_fd], eax

        ; READ: a header only.  The reply is the byte count, then the
        ; bytes themselves, which we take straight into buf.
        lea     rsi, [rel read_req]
        mov     ecx, MH_FILE_HDR_SIZE
        rep outsb
        call    get_result
        mov     rbx, rax                ; bytes read, 0 .. READ_MAX
        mov     rcx, rbx
        lea     rdi, [rel buf]
        rep insb                        ; (with rcx = 0 it does nothing)

        ; Print them: rep outsb to the console port.
        mov     rcx, rbx
        lea     rsi, [rel buf]
        mov     dx, MH_PORT_CONSOLE
        rep outsb

        ; CLOSE: a header only; the reply is 0.
        mov     dx, MH_PORT_FILE
        lea     rsi, [rel close_req]
        mov     ecx, MH_FILE_HDR_SIZE
        rep outsb
        call    get_result

halt:   hlt                             ; success: halt the VM
        jmp     halt

; get_result: reads the 8-byte result of the request just sent into RAX.
; Expects DX = MH_PORT_FILE.  A negative result is an error status: print
; "error" and fail.  (The stack is the top of RAM, so call/ret just work.)
get_result:
        lea     rdi, [rel result]
        mov     ecx, 8
        rep insb
        mov     rax, [rel result]       ; x86 is little-endian, like the wire
        test    rax, rax
        js      error
        ret

error:
        lea     rsi, [rel error_msg]
        mov     ecx, error_len
        mov     dx, MH_PORT_CONSOLE
        rep outsb
        ud2                             ; no IDT: a triple fault, VM failed

; ---------------------------------------------------------------------------
; The requests.  Each header is the first 24 bytes of struct mh_file_req:
;   offset  0  cmd     4 bytes  MH_FILE_OPEN, _READ, _CLOSE ...
;   offset  4  fd      4 bytes  which open file (not used by OPEN)
;   offset  8  flags   4 bytes  OPEN flags (SEEK: whence)
;   offset 12  len     4 bytes  OPEN: name bytes; READ/WRITE: data bytes
;   offset 16  offset  8 bytes  SEEK only
; The block transport's buf and result fields (offsets 24 and 32) are
; never sent on the byte transport.

open_req:
        dd      MH_FILE_OPEN    ; cmd
        dd      0               ; fd: unused
        dd      MH_FILE_RDONLY  ; flags: read only
        dd      name_len        ; len: the name's length, no NUL
        dq      0               ; offset: unused
name:   db      "hello.txt"     ; the payload: the name itself
name_len equ $ - name

read_req:
        dd      MH_FILE_READ    ; cmd
read_fd:
        dd      0               ; fd: filled in from OPEN's result
        dd      0               ; flags: unused
        dd      READ_MAX        ; len: read at most this many bytes
        dq      0               ; offset: unused (READ reads at the fd's
                                ; position, which starts at 0)

close_req:
        dd      MH_FILE_CLOSE   ; cmd
close_fd:
        dd      0               ; fd: filled in from OPEN's result
        dd      0               ; flags: unused
        dd      0               ; len: unused
        dq      0               ; offset: unused

error_msg:
        db      "hello_file: hello.txt could not be read: share it with -f ./hello.txt", 10
error_len equ $ - error_msg

; Not part of the image file: .bss is placed after it, in RAM the
; hypervisor has zeroed.
section .bss
result: resq    1               ; the 8-byte reply
buf:    resb    READ_MAX        ; the file's bytes
