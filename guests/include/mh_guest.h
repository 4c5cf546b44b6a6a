/* SPDX-License-Identifier: MIT */
/*
 * mh_guest.h - the mini_hypervisor guest SDK.
 *
 * What a freestanding C guest links against: crt0.o (the entry point,
 * which saves the boot registers and calls main), libmhguest.a (console
 * I/O, files, halting and failing, and the few string functions the
 * compiler may call on its own) and guest.ld (the flat-binary layout).
 * The ABI itself - ports, values, the machine at entry - is in mh_abi.h,
 * included here.  See mini_hypervisor-abi(7).
 *
 * A guest defines `int main(void)`.  When main returns, crt0 halts the
 * VM (its return value is ignored).
 */
#ifndef MH_GUEST_H
#define MH_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "mh_abi.h"

/* ------------------------------------------------------------------ */
/* Boot facts                                                          */
/* ------------------------------------------------------------------ */

/*
 * The registers the hypervisor set at entry, saved by crt0 before any C
 * code runs.  crt0.S stores them at the byte offsets given in the
 * comments; runtime.c checks that this layout matches.
 */
typedef struct {
  uint64_t ram_size;    /*  0: RDI, RAM size in bytes                 */
  uint64_t vm_index;    /*  8: RSI, this VM's index (0 = first image) */
  uint64_t page_size;   /* 16: RDX, page size of the identity mapping */
  uint64_t vm_count;    /* 24: RCX, number of VMs in this run         */
  uint64_t magic;       /* 32: RAX, MH_BOOT_MAGIC                     */
  uint64_t abi_version; /* 40: RBX, MH_ABI_VERSION of the hypervisor  */
  uint64_t entry_rsp;   /* 48: RSP at entry, the top of RAM           */
} MhBootInfo;

/* Defined in crt0.S (in .bss, filled before main runs). */
extern MhBootInfo mh_boot;

static inline uint64_t
mh_ram_size(void)
{
  return mh_boot.ram_size;
}

static inline uint64_t
mh_vm_index(void)
{
  return mh_boot.vm_index;
}

static inline uint64_t
mh_page_size(void)
{
  return mh_boot.page_size;
}

static inline uint64_t
mh_vm_count(void)
{
  return mh_boot.vm_count;
}

static inline uint64_t
mh_boot_magic(void)
{
  return mh_boot.magic;
}

static inline uint64_t
mh_abi_version(void)
{
  return mh_boot.abi_version;
}

static inline uint64_t
mh_entry_rsp(void)
{
  return mh_boot.entry_rsp;
}

/* Image layout, defined by guest.ld. */
extern char __mh_image_start[]; /* address 0: the first byte of _start  */
extern char __mh_image_end[];   /* end of the bytes loaded from the file */
extern char __mh_end[];         /* end of .bss: first byte nobody owns   */

/* Bytes of the image file (what the hypervisor copied into RAM). */
static inline uint64_t
mh_image_size(void)
{
  return (uint64_t)(uintptr_t)__mh_image_end;
}

/* First address past the image and its .bss: free RAM starts here and
 * runs up to the stack, which grows down from the top of RAM. */
static inline uint64_t
mh_image_end(void)
{
  return (uint64_t)(uintptr_t)__mh_end;
}

/* ------------------------------------------------------------------ */
/* Port I/O                                                            */
/* ------------------------------------------------------------------ */

static inline void
mh_outb(uint16_t port, uint8_t value)
{
  __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint8_t
mh_inb(uint16_t port)
{
  uint8_t value;
  __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

static inline void
mh_outw(uint16_t port, uint16_t value)
{
  __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint16_t
mh_inw(uint16_t port)
{
  uint16_t value;
  __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

static inline void
mh_outl(uint16_t port, uint32_t value)
{
  __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint32_t
mh_inl(uint16_t port)
{
  uint32_t value;
  __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

/* ------------------------------------------------------------------ */
/* Console (port MH_PORT_CONSOLE, one byte per access)                 */
/* ------------------------------------------------------------------ */

/* Writes one byte. */
void mh_putc(char c);

/* Writes a NUL-terminated string, adding nothing (no newline). */
void mh_puts(const char *s);

/* Writes @value in decimal. */
void mh_put_dec(uint64_t value);

/* Writes @value in hexadecimal with a 0x prefix and no leading zeros
 * (0 is written as 0x0). */
void mh_put_hex(uint64_t value);

/* Reads one byte of input: 0..254, or -1 at end of input (the port
 * returned MH_CONSOLE_EOF).  After -1, every later call returns -1. */
int mh_getc(void);

/*
 * Reads one line into @buf (@size bytes), like fgets(): stops after a
 * newline (which is stored), at end of input, or when @size - 1 bytes are
 * stored; the rest of a long line is returned by the next call.  @buf is
 * always NUL-terminated when @size > 0.  Returns the number of bytes
 * stored, or -1 at end of input with nothing read.  With @size < 2 it
 * reads nothing and returns 0.
 */
long mh_getline(char *buf, unsigned long size);

/* Writes @len bytes from @buf as they are (NULs included), with one
 * rep outsb: the fast way to print a buffer. */
void mh_putn(const void *buf, unsigned long len);

/* ------------------------------------------------------------------ */
/* Files (port MH_PORT_FILE)                                           */
/* ------------------------------------------------------------------ */
/*
 * The file service of mini_hypervisor-abi(7), with one C API over its two
 * transports.  Every function returns a value >= 0 on success or a
 * negative MH_FILE_E* status (mh_strerror() names it).
 *
 * Transport.  MH_TRANSPORT_BLOCK (one VM exit per call, data copied at
 * memory speed) is the default.  MH_TRANSPORT_BYTE streams every byte
 * through the port, as an assembly guest would; it is slower and limited
 * to MH_FILE_BYTE_MAX bytes per request, which mh_read() and mh_write()
 * hide by splitting.  Choose at run time with mh_set_transport(), or at
 * build time by compiling the guest's sources with
 *
 *     -DMH_FILE_TRANSPORT=MH_TRANSPORT_BYTE
 *
 * (GUEST_CFLAGS with mh-guest.mk), or by defining MH_FILE_TRANSPORT
 * before including this header.  Define it the same way in every source
 * of one guest.  mh_set_transport() overrides either.
 */
enum mh_transport {
  MH_TRANSPORT_BLOCK, /* request block in RAM, one 4-byte OUT of its address */
  MH_TRANSPORT_BYTE,  /* header, payload and reply streamed byte by byte */
};

/*
 * The build-time choice.  The library declares this weak and falls back
 * to MH_TRANSPORT_BLOCK when no object defines it; a source compiled with
 * MH_FILE_TRANSPORT defines it here (weak too, so that several sources
 * may do so).
 */
extern const int mh_file_transport_default __attribute__((weak));
#ifdef MH_FILE_TRANSPORT
__attribute__((weak)) const int mh_file_transport_default = MH_FILE_TRANSPORT;
#endif

void              mh_set_transport(enum mh_transport transport);
enum mh_transport mh_get_transport(void);

/* Opens @name (a NUL-terminated base name) with MH_FILE_* @flags, for
 * example MH_FILE_RDONLY or MH_FILE_WRONLY | MH_FILE_CREATE |
 * MH_FILE_TRUNC.  Returns the new fd (a small integer) or a status. */
int mh_open(const char *name, unsigned flags);

/* Closes @fd.  Returns 0 or a status. */
int mh_close(int fd);

/*
 * Reads up to @len bytes at the fd's offset into @buf and advances the
 * offset.  Returns the bytes read (0 at end of file, fewer than @len near
 * it) or a status.  A request larger than one transport request (1 GiB
 * for the block transport, MH_FILE_BYTE_MAX for the byte transport) is
 * split; splitting stops at the first short read or error, and an error
 * after some bytes were read returns those bytes (the next call reports
 * it).
 */
long mh_read(int fd, void *buf, unsigned long len);

/* Writes @len bytes from @buf, like mh_read(): returns the bytes written
 * or a status, and splits large requests the same way. */
long mh_write(int fd, const void *buf, unsigned long len);

/* Moves the fd's offset: @whence is MH_FILE_SEEK_SET, _CUR or _END.
 * Returns the new offset or a status. */
long mh_seek(int fd, long offset, int whence);

/* Returns the size in bytes of the open file @fd, or a status. */
long mh_size(int fd);

/* A short English text for a status ("no such file"...), "success" for
 * values >= 0, "unknown error" for any other negative value. */
const char *mh_strerror(long status);

/*
 * Low-level: one request over one transport, for tests and for callers
 * that build requests themselves.  Neither looks at the transport setting
 * or checks the request.
 *
 * mh_file_block() sends the address of @req (which must lie in the low
 * 4 GiB; all of RAM does) with one 4-byte OUT and returns req->result as
 * the hypervisor left it.  req->buf must already hold the guest-physical
 * address of the name or data.
 *
 * mh_file_bytes() streams the first MH_FILE_HDR_SIZE bytes of @req, then,
 * for MH_FILE_OPEN and MH_FILE_WRITE, req->len bytes from @payload; reads
 * the 8-byte result and, for MH_FILE_READ with a result > 0, that many
 * data bytes, of which the first @reply_max are stored in @reply_data
 * (the rest are left unread and discarded by the next request).  Returns
 * the result.  req->buf and req->result are not used.
 */
long mh_file_block(struct mh_file_req *req);
long mh_file_bytes(const struct mh_file_req *req, const void *payload,
                   void *reply_data, unsigned long reply_max);

/* ------------------------------------------------------------------ */
/* Stopping                                                            */
/* ------------------------------------------------------------------ */

/* Stops the VM normally: hlt with interrupts disabled (in a loop, in
 * case anything ever resumes it). */
_Noreturn void mh_halt(void);

/* Writes @msg and a newline, then executes ud2: the hypervisor's IDT
 * reports the #UD (invalid opcode) and the VM fails. */
_Noreturn void mh_fail(const char *msg);

/* ------------------------------------------------------------------ */
/* Freestanding helpers                                                */
/* ------------------------------------------------------------------ */

/* The compiler may emit calls to the first four even in freestanding
 * code (structure copies, large initialisers), so libmhguest.a defines
 * them with their standard meanings. */
void  *memset(void *dst, int c, size_t n);
void  *memcpy(void *restrict dst, const void *restrict src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int    strcmp(const char *a, const char *b);

#endif /* MH_GUEST_H */
