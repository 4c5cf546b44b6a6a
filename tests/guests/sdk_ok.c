/* SPDX-License-Identifier: MIT */
/* sdk_ok.c - built through mh-guest.mk, the makefile fragment installed
 * with the SDK, to check that fragment: prints "SDK OK" and halts. */
#include "mh_guest.h"

int
main(void)
{
  mh_puts("SDK OK\n");
  return 0;
}
