/* SPDX-License-Identifier: MIT */
/*
 * mh_abi.h - the mini_hypervisor guest ABI.
 *
 * This one header is compiled by the hypervisor (hosted C) and by guests
 * (freestanding C, -ffreestanding -nostdlib).  It defines every port,
 * value, register convention and structure a guest may rely on.  It is
 * plain C11 with no includes beyond <stdint.h>, which freestanding
 * compilers provide; assembly (.S) files may include it for the
 * constants.  The same ABI is documented for assembly authors in
 * mini_hypervisor-abi(7).
 *
 * Stability: MH_ABI_VERSION changes only when an existing meaning
 * changes.  Additions (new commands, new status codes) keep the version;
 * a guest can read the version from RAX at entry.
 */
#ifndef MH_ABI_H
#define MH_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#define MH_U(x)   x##u   /* unsigned constant, in C and in assembly */
#define MH_ULL(x) x##ull
#else
#define MH_U(x)   x
#define MH_ULL(x) x
#endif

#define MH_ABI_VERSION MH_U(1)

/* ------------------------------------------------------------------ */
/* Machine at entry                                                    */
/* ------------------------------------------------------------------ */
/*
 * The image is a flat binary linked at address 0 and loaded at
 * guest-physical 0.  RAM (MH_RAM_MB_* megabytes) is zeroed before the
 * image is copied in, and identity-mapped (virtual == physical) with
 * 4 KiB or 2 MiB pages.  Nothing but RAM is mapped: an access past the
 * end of RAM page-faults, and with no IDT installed that is a triple
 * fault, which stops the VM with a diagnosis.
 *
 * 64-bit long mode, CPL 0, interrupts disabled (RFLAGS = 0x2).
 * CR0.PE|MP|ET|NE|WP|PG, CR4.PAE|OSFXSR|OSXMMEXCPT, EFER.LME|LMA.
 * CS = MH_BOOT_SEL_CODE (64-bit code), DS/ES/SS/FS/GS = MH_BOOT_SEL_DATA.
 * The GDT and page tables live outside the guest's mapping; a guest that
 * reloads segment registers (iretq, far jumps) must install its own GDT.
 *
 * Registers at entry:
 */
#define MH_BOOT_REG_RIP MH_U(0) /* RIP: entry point, always 0             */
/*   RSP  = RAM size in bytes (top of RAM; first push lands below it)
 *   RAX  = MH_BOOT_MAGIC (tells a guest it runs under this ABI)
 *   RBX  = MH_ABI_VERSION
 *   RDI  = RAM size in bytes
 *   RSI  = this VM's index (0 for the first -g image, 1 for the next...)
 *   RDX  = page size in bytes of the identity mapping (4096 or 2097152)
 *   RCX  = number of VMs in this run
 *   all other general registers are 0.
 * RDI, RSI, RDX, RCX are the first four System V arguments, so crt0 can
 * hand them to C unchanged.
 */
#define MH_BOOT_MAGIC    MH_ULL(0x4d48564d31414249) /* "MHVM1ABI" */
#define MH_BOOT_SEL_CODE MH_U(0x08)
#define MH_BOOT_SEL_DATA MH_U(0x10)

#define MH_RAM_MB_MIN MH_U(2)
#define MH_RAM_MB_MAX MH_U(8)

/* ------------------------------------------------------------------ */
/* Console: port 0xE9, 1-byte accesses only                            */
/* ------------------------------------------------------------------ */
/*
 * OUT (1 byte): write one byte to the console.  Output is line-buffered
 *   by the hypervisor; nothing is lost when the VM halts or fails.
 * IN (1 byte): read the next byte of this VM's input.  At end of input
 *   the value MH_CONSOLE_EOF is returned, on this and every later read.
 *   0xFF never occurs in UTF-8 text.
 * Any other width (2 or 4 bytes) is a protocol violation: the VM stops.
 * String I/O (rep outsb / rep insb) is supported.
 */
#define MH_PORT_CONSOLE MH_U(0xE9)
#define MH_CONSOLE_EOF  MH_U(0xFF)

/* ------------------------------------------------------------------ */
/* File service: port 0x278                                            */
/* ------------------------------------------------------------------ */
#define MH_PORT_FILE MH_U(0x278)

#ifndef __ASSEMBLER__
/* Compile-time checks usable from both C and freestanding C. */
#define MH_ABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

MH_ABI_STATIC_ASSERT(sizeof(uint64_t) == 8, "uint64_t must be 8 bytes");
#endif /* __ASSEMBLER__ */

#endif /* MH_ABI_H */
