/* SPDX-License-Identifier: MIT */
/*
 * hostile_c.h - helpers shared by the hostile C guests (on the SDK): print
 * a result, send a request over either transport field by field, stream
 * part of a byte-transport header.  Everything is static inline: each
 * guest is one source file.
 */
#ifndef HOSTILE_C_H
#define HOSTILE_C_H

#include "mh_guest.h"

/* Writes @value in decimal with a sign. */
static inline void
hg_put_signed(long value)
{
  if (value < 0) {
    mh_putc('-');
    mh_put_dec(-(uint64_t)value);
  } else {
    mh_put_dec((uint64_t)value);
  }
}

/* Writes "<prefix><what>=<value>\n". */
static inline void
hg_result(const char *prefix, const char *what, long value)
{
  mh_puts(prefix);
  mh_puts(what);
  mh_putc('=');
  hg_put_signed(value);
  mh_putc('\n');
}

/* One block-transport request built from its fields, in a block of its
 * own; returns the result the hypervisor wrote back. */
static inline long
hg_block(uint32_t cmd, int32_t fd, uint32_t flags, uint32_t len, int64_t offset,
         uint64_t buf)
{
  static struct mh_file_req req;

  req.cmd = cmd;
  req.fd = fd;
  req.flags = flags;
  req.len = len;
  req.offset = offset;
  req.buf = buf;
  req.result = 0x5a5a5a5a5a5a5a5a; /* not a value the service returns */
  return mh_file_block(&req);
}

/* Streams bytes [@from, @to) of @req's byte-transport header. */
static inline void
hg_stream_header(const struct mh_file_req *req, unsigned from, unsigned to)
{
  const uint8_t *p = (const uint8_t *)req;

  for (unsigned i = from; i < to && i < MH_FILE_HDR_SIZE; i++)
    mh_outb(MH_PORT_FILE, p[i]);
}

/* Streams @n bytes of payload. */
static inline void
hg_stream(const void *bytes, unsigned long n)
{
  for (unsigned long i = 0; i < n; i++)
    mh_outb(MH_PORT_FILE, ((const uint8_t *)bytes)[i]);
}

/* Reads the 8-byte little-endian result of a byte-transport reply. */
static inline long
hg_in_result(void)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; i++)
    v |= (uint64_t)mh_inb(MH_PORT_FILE) << (8 * i);
  return (long)v;
}

#endif /* HOSTILE_C_H */
