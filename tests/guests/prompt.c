/* SPDX-License-Identifier: MIT */
/*
 * prompt.c - prints a prompt without a newline, reads a line, greets.
 * The test feeds the line only once the prompt has appeared: console
 * output queued by KVM (coalesced PIO) must be shown before the guest
 * waits for input.
 */
#include "mh_guest.h"

int
main(void)
{
  char name[64];
  long n;

  mh_puts("name? ");
  n = mh_getline(name, sizeof name);
  if (n > 0 && name[n - 1] == '\n')
    name[n - 1] = '\0';
  mh_puts("hello, ");
  mh_puts(n > 0 ? name : "nobody");
  mh_putc('\n');
  return 0;
}
