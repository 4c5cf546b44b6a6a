/* SPDX-License-Identifier: MIT */
/* spin.c - prints "spinning" and never stops: for timeout and signal
 * tests. */
#include "mh_guest.h"

int
main(void)
{
  mh_puts("spinning\n");
  for (;;)
    __asm__ volatile("" : : : "memory"); /* jmp . */
}
