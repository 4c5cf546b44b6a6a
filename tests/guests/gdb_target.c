/* SPDX-License-Identifier: MIT */
/* gdb_target.c - a guest for the gdb stub's tests (tests/gdb.bats): named
 * functions to break on, a variable to watch, a message and a value that
 * gdb changes before the guest prints them. */
#include "mh_guest.h"

volatile unsigned long gdb_counter;
char gdb_message[] = "hello from the guest\n";
volatile unsigned long gdb_value = 7;

/* noinline: each call is one place to break and one write to watch. */
__attribute__((noinline)) void
gdb_tick(void)
{
  gdb_counter++;
}

__attribute__((noinline)) void
gdb_show(unsigned long value)
{
  mh_puts("value ");
  mh_put_dec(value);
  mh_puts("\n");
}

int
main(void)
{
  for (int i = 0; i < 3; i++)
    gdb_tick();
  mh_puts(gdb_message);
  gdb_show(gdb_value);
  mh_puts("counter ");
  mh_put_dec(gdb_counter);
  mh_puts("\n");
  return 0;
}
