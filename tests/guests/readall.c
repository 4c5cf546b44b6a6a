/* SPDX-License-Identifier: MIT */
/* readall.c - reads the console to end of input and prints how many bytes
 * it got. */
#include "mh_guest.h"

int
main(void)
{
  uint64_t n = 0;

  while (mh_getc() >= 0)
    n++;
  mh_puts("bytes=");
  mh_put_dec(n);
  mh_putc('\n');
  return 0;
}
