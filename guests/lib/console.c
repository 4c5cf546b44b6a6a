/* SPDX-License-Identifier: MIT */
/* console.c - console output and input on MH_PORT_CONSOLE, one byte per
 * access (wider accesses are a protocol violation that stops the VM). */
#include "mh_guest.h"

void
mh_putc(char c)
{
  mh_outb(MH_PORT_CONSOLE, (uint8_t)c);
}

void
mh_puts(const char *s)
{
  while (*s != '\0')
    mh_putc(*s++);
}

void
mh_put_dec(uint64_t value)
{
  char digits[20]; /* 2^64 - 1 has 20 decimal digits */
  unsigned n = 0;

  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0)
    mh_putc(digits[--n]);
}

void
mh_put_hex(uint64_t value)
{
  static const char hex[] = "0123456789abcdef";
  int shift = 60;

  mh_puts("0x");
  while (shift > 0 && (value >> shift) == 0)
    shift -= 4;
  for (; shift >= 0; shift -= 4)
    mh_putc(hex[(value >> shift) & 0xf]);
}

int
mh_getc(void)
{
  uint8_t byte = mh_inb(MH_PORT_CONSOLE);

  return byte == MH_CONSOLE_EOF ? -1 : byte;
}

long
mh_getline(char *buf, unsigned long size)
{
  unsigned long len = 0;

  if (size < 2) {
    if (size == 1)
      buf[0] = '\0';
    return 0;
  }
  while (len < size - 1) {
    int c = mh_getc();

    if (c < 0) {
      if (len == 0) {
        buf[0] = '\0';
        return -1;
      }
      break;
    }
    buf[len++] = (char)c;
    if (c == '\n')
      break;
  }
  buf[len] = '\0';
  return (long)len;
}

void
mh_putn(const void *buf, unsigned long len)
{
  /* One instruction for the whole buffer; each byte is still one console
   * access (and, as KVM emulates rep outsb, one VM exit). */
  __asm__ volatile("rep outsb"
                   : "+S"(buf), "+c"(len)
                   : "d"((uint16_t)MH_PORT_CONSOLE)
                   : "memory");
}
