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
#define MH_U(x)   x##u /* unsigned constant, in C and in assembly */
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
 * 4 KiB or 2 MiB pages.  Besides RAM only the hypervisor's own two pages
 * at MH_MONITOR_BASE are mapped (below): an access anywhere else
 * page-faults, and every exception stops the VM with a diagnosis that
 * names it, its RIP, error code and (for a page fault) CR2.
 *
 * 64-bit long mode, CPL 0, interrupts disabled (RFLAGS = 0x2).
 * CR0.PE|MP|ET|NE|WP|PG, CR4.PAE|OSFXSR|OSXMMEXCPT, EFER.LME|LMA|NXE.
 * CS = MH_BOOT_SEL_CODE (64-bit code), DS/ES/SS/FS/GS = MH_BOOT_SEL_DATA.
 *
 * The hypervisor's pages, at their identity address (supervisor only):
 *   MH_MONITOR_BASE           read-only: GDT, IDT (vectors 0-31), TSS and
 *                             the exception handlers;
 *   MH_MONITOR_BASE + 0x1000  writable, execute-disable: the handlers'
 *                             stack (TSS IST1).
 * The page tables themselves are not mapped.  Each handler reports the
 * exception with an OUT to MH_PORT_EXCEPTION and the VM stops; the port
 * means nothing to guest code, where an access to it is an unknown port.
 * A guest may install its own IDT (lidt), GDT (lgdt) or page tables: from
 * then on its exceptions are its own, and one it cannot handle is a
 * triple fault (kvm_amd may reset the registers first, and then that
 * diagnosis has no RIP).  A guest's own GDT needs a 64-bit code segment
 * at selector 0x08 for the hypervisor's handlers to run.  A guest that
 * reloads segment registers (iretq, far jumps) may use the selectors
 * below, or install its own GDT.
 *
 * Registers at entry:
 */
#define MH_BOOT_REG_RIP \
  MH_U(0) /* RIP: a flat image's entry point; an ELF image starts at e_entry */
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
#define MH_BOOT_MAGIC     MH_ULL(0x4d48564d31414249) /* "MHVM1ABI" */
#define MH_BOOT_SEL_CODE  MH_U(0x08)
#define MH_BOOT_SEL_DATA  MH_U(0x10)
#define MH_MONITOR_BASE   MH_ULL(0x40000000) /* the hypervisor's pages  */
#define MH_PORT_EXCEPTION MH_U(0xEB) /* reserved: the exception handlers' */

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
/*
 * A guest opens, reads, writes and closes files by name.  The names it can
 * reach are the shared files (-f, by base name; read from the host
 * original) and the files it creates itself (private to the VM).  Opening
 * a shared file for writing copies nothing: the first WRITE gives the VM a
 * private copy (or MH_FILE_EQUOTA, copying nothing, when the copy and the
 * write do not both fit in the quota), and an open with MH_FILE_TRUNC
 * makes an empty copy at the open.  The original never changes.
 *
 * Per VM: --max-open open files (MH_FILE_EMFILE); --quota bytes written,
 * copies included, and no file larger than that (MH_FILE_EQUOTA); 4096
 * files kept, created or copied (MH_FILE_EQUOTA).  A request that fails
 * changes nothing (no copy, no offset moved).  When several statuses
 * apply, the first failing check wins, in this order: the header
 * (command, OPEN flags, then name length: EINVAL, EINVAL, ENAME); the
 * block's buffer in RAM; OPEN: the name's bytes, a free fd, the file;
 * other commands: the fd (EBADF), its mode (EPERM), the offset (EINVAL),
 * the quota (EQUOTA), the host (EIO).
 *
 * One request format (struct mh_file_req), two transports:
 *
 *  Block transport - one 4-byte OUT of the request block's guest-physical
 *    address.  The hypervisor copies the block, checks every address and
 *    length against RAM, does the work (READ fills buf, WRITE takes buf,
 *    OPEN takes the name from buf) and writes `result` back into the
 *    block.  One VM exit per operation.  No alignment is needed.  buf is
 *    looked at only for OPEN, READ and WRITE (and only when the header is
 *    valid); a zero-length buffer may start anywhere up to the end of
 *    RAM.  A block, name or buffer that does not lie wholly in RAM stops
 *    the VM, with a diagnosis naming the range and the RIP of the OUT.
 *
 *  Byte transport - 1-byte OUTs stream the first MH_FILE_HDR_SIZE bytes of
 *    the request (cmd .. offset), then `len` payload bytes for OPEN (the
 *    name) and WRITE (the data).  The request runs when its last byte
 *    arrives.  Then 1-byte INs stream the reply: the 8-byte `result`
 *    (little-endian), then for READ `result` data bytes.  rep outsb and
 *    rep insb work.  The channel never wedges:
 *      - an IN before a request is complete discards it; the reply is
 *        MH_FILE_EPROTO;
 *      - a header that is invalid (unknown command, bad flags, a READ or
 *        WRITE length over MH_FILE_BYTE_MAX: EINVAL; an OPEN name length
 *        of 0 or over MH_FILE_NAME_MAX: ENAME) is answered with its error
 *        at once, and OUT bytes are ignored until the guest has read that
 *        reply;
 *      - a valid header's payload is always taken whole: a WRITE's fd is
 *        checked only once its data has arrived;
 *      - an OUT while a reply is unread discards the rest of the reply and
 *        starts a new request;
 *      - an IN with no reply pending returns 0xFF (so an 8-byte result
 *        read then is -1, MH_FILE_EPROTO).
 *  Other widths (2-byte, 4-byte IN) stop the VM.
 *
 * All integers are little-endian.  `result` is >= 0 on success (see each
 * command) or a negative MH_FILE_E* status.
 */
#define MH_PORT_FILE MH_U(0x278)

/* Commands (mh_file_req.cmd). */
#define MH_FILE_OPEN  MH_U(1) /* flags, len, name -> result = fd            */
#define MH_FILE_CLOSE MH_U(2) /* fd -> 0                                     */
#define MH_FILE_READ  MH_U(3) /* fd, len -> result = bytes read (0 at EOF)   */
#define MH_FILE_WRITE MH_U(4) /* fd, len, data -> result = bytes written     */
#define MH_FILE_SEEK  MH_U(5) /* fd, offset, flags = whence -> new offset    */
#define MH_FILE_SIZE  MH_U(6) /* fd -> result = size of the file in bytes    */

/* OPEN flags (mh_file_req.flags); at least one of READ and WRITE. */
#define MH_FILE_RDONLY MH_U(0x01) /* open for reading                         */
#define MH_FILE_WRONLY MH_U(0x02) /* open for writing; creates a missing file */
#define MH_FILE_RDWR   MH_U(0x03) /* both                                     */
#define MH_FILE_CREATE \
  MH_U(0x04) /* create the file if missing (WRONLY implies it) */
#define MH_FILE_TRUNC MH_U(0x08) /* truncate to 0 (needs WRONLY)             */
#define MH_FILE_APPEND \
  MH_U(0x10) /* every write goes to the end (needs WRONLY) */
#define MH_FILE_FLAGS_ALL MH_U(0x1f)

/* SEEK whence (mh_file_req.flags). */
#define MH_FILE_SEEK_SET MH_U(0)
#define MH_FILE_SEEK_CUR MH_U(1)
#define MH_FILE_SEEK_END MH_U(2)

/* Statuses: small negative numbers, stable across versions. */
#define MH_FILE_EPROTO (-1) /* malformed byte-transport sequence          */
#define MH_FILE_ENOENT (-2) /* no such file                               */
#define MH_FILE_EPERM \
  (-3) /* not permitted (fd not open for that, not a regular file) */
#define MH_FILE_EBADF  (-4) /* fd not open                                */
#define MH_FILE_EMFILE (-5) /* too many open files (see --max-open)       */
#define MH_FILE_EQUOTA \
  (-6) /* quota exceeded: bytes (--quota), a file's size, or 4096 files */
#define MH_FILE_ENAME (-7) /* invalid file name (or its length)          */
#define MH_FILE_EINVAL \
  (-8)                   /* bad command, flags, data length, whence or offset */
#define MH_FILE_EIO (-9) /* the host failed to read or write           */

/* Limits. */
#define MH_FILE_NAME_MAX   MH_U(255)   /* bytes in a name                    */
#define MH_FILE_BYTE_MAX   MH_U(65536) /* len of one byte-transport READ/WRITE */
#define MH_FILE_OFFSET_MAX MH_ULL(0x10000000000) /* 1 TiB: largest offset  */

#define MH_FILE_HDR_SIZE MH_U(24) /* bytes streamed by the byte transport */
#define MH_FILE_REQ_SIZE MH_U(40) /* bytes of the block                   */

#ifndef __ASSEMBLER__
/* The request.  Offsets are fixed by the static checks below. */
struct mh_file_req {
  uint32_t cmd;   /*  0: MH_FILE_*                                    */
  int32_t fd;     /*  4: CLOSE, READ, WRITE, SEEK, SIZE               */
  uint32_t flags; /*  8: OPEN flags, or SEEK whence                   */
  uint32_t len;   /* 12: OPEN name bytes; READ/WRITE data bytes       */
  int64_t offset; /* 16: SEEK offset                                  */
  uint64_t buf;   /* 24: block transport: guest-physical address of the
                    *     name (OPEN) or data (READ, WRITE)            */
  int64_t result; /* 32: out: value (>= 0) or MH_FILE_E* status       */
};
#endif
#ifndef __ASSEMBLER__
/* Compile-time checks usable from both C and freestanding C. */
#define MH_ABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

MH_ABI_STATIC_ASSERT(sizeof(uint64_t) == 8, "uint64_t must be 8 bytes");
MH_ABI_STATIC_ASSERT(sizeof(struct mh_file_req) == MH_FILE_REQ_SIZE,
                     "struct mh_file_req is 40 bytes");
MH_ABI_STATIC_ASSERT(__builtin_offsetof(struct mh_file_req, buf) ==
                       MH_FILE_HDR_SIZE,
                     "the byte transport streams the fields before buf");
MH_ABI_STATIC_ASSERT(__builtin_offsetof(struct mh_file_req, result) == 32,
                     "result is at offset 32");
#endif /* __ASSEMBLER__ */

#endif /* MH_ABI_H */
