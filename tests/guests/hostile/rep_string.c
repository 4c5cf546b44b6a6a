/* SPDX-License-Identifier: MIT */
/*
 * rep_string.c - string I/O (rep insb, rep outsb, rep outsl) on both
 * ports, each a single instruction moving many elements: the hypervisor
 * must handle every element, in order, however KVM splits them into
 * exits.  Input is "hello\n".
 *
 *   console_insb      rep insb of 6 bytes from the console: "hello\n"
 *   console_eof       rep insb of 4 more: ffffffff (end of input)
 *   file_open         rep outsb of a whole OPEN request of notes.txt
 *                     (header and name, 33 bytes), rep insb of the reply: 0
 *   file_read         rep outsb of a READ header (fd 0, 17 bytes), rep
 *                     insb of the reply and data: 17, "Hi from the host\n"
 *   rep_outsl         rep outsl of two request-block addresses on the file
 *                     port (SIZE of fd 0, then SEEK to 3): 17,3
 *   file_idle_ff      rep insb of 16 bytes with no reply pending: 16 of
 *                     them are 0xff
 * One line each ("rep_string: what=..."), then "rep_string: done".
 */
#include "hostile_c.h"

#define P "rep_string: "

static unsigned char      buf[128];
static struct mh_file_req blocks[2];

static void
rep_insb(uint16_t port, void *dst, unsigned long n)
{
  __asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

static void
rep_outsb(uint16_t port, const void *src, unsigned long n)
{
  __asm__ volatile("cld; rep outsb"
                   : "+S"(src), "+c"(n)
                   : "d"(port)
                   : "memory");
}

static void
rep_outsl(uint16_t port, const void *src, unsigned long n)
{
  __asm__ volatile("cld; rep outsl"
                   : "+S"(src), "+c"(n)
                   : "d"(port)
                   : "memory");
}

static long
le64(const unsigned char *p)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; i++)
    v |= (uint64_t)p[i] << (8 * i);
  return (long)v;
}

static void
put_hex_bytes(const unsigned char *p, unsigned long n)
{
  static const char hex[] = "0123456789abcdef";

  for (unsigned long i = 0; i < n; i++) {
    mh_putc(hex[p[i] >> 4]);
    mh_putc(hex[p[i] & 0xf]);
  }
}

int
main(void)
{
  struct mh_file_req req;
  unsigned           ff = 0;
  long               r;
  uint32_t           addrs[2];

  rep_insb(MH_PORT_CONSOLE, buf, 6);
  mh_puts(P "console_insb=");
  mh_putn(buf, 6);
  rep_insb(MH_PORT_CONSOLE, buf, 4);
  mh_puts(P "console_eof=");
  put_hex_bytes(buf, 4);
  mh_putc('\n');

  req = (struct mh_file_req){
      .cmd = MH_FILE_OPEN, .flags = MH_FILE_RDONLY, .len = 9};
  memcpy(buf, &req, MH_FILE_HDR_SIZE);
  memcpy(buf + MH_FILE_HDR_SIZE, "notes.txt", 9);
  rep_outsb(MH_PORT_FILE, buf, MH_FILE_HDR_SIZE + 9);
  rep_insb(MH_PORT_FILE, buf, 8);
  hg_result(P, "file_open", le64(buf));

  req = (struct mh_file_req){.cmd = MH_FILE_READ, .fd = 0, .len = 17};
  rep_outsb(MH_PORT_FILE, &req, MH_FILE_HDR_SIZE);
  rep_insb(MH_PORT_FILE, buf, 8 + 17);
  r = le64(buf);
  hg_result(P, "file_read", r);
  mh_puts(P "file_read_data=");
  mh_putn(buf + 8, 17);

  blocks[0] = (struct mh_file_req){.cmd = MH_FILE_SIZE, .fd = 0};
  blocks[1] = (struct mh_file_req){.cmd = MH_FILE_SEEK, .fd = 0, .offset = 3};
  addrs[0] = (uint32_t)(uintptr_t)&blocks[0];
  addrs[1] = (uint32_t)(uintptr_t)&blocks[1];
  rep_outsl(MH_PORT_FILE, addrs, 2);
  mh_puts(P "rep_outsl=");
  hg_put_signed(blocks[0].result);
  mh_putc(',');
  hg_put_signed(blocks[1].result);
  mh_putc('\n');

  rep_insb(MH_PORT_FILE, buf, 16);
  for (int i = 0; i < 16; i++)
    ff += buf[i] == 0xff;
  hg_result(P, "file_idle_ff", ff);
  mh_puts(P "done\n");
  return 0;
}
