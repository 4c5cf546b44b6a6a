/* SPDX-License-Identifier: MIT */
/* ok.c - the smallest passing guest: prints "OK" and halts. */
#include "mh_guest.h"

int
main(void)
{
  mh_puts("OK\n");
  return 0;
}
