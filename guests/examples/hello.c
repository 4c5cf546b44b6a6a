/* SPDX-License-Identifier: MIT */
/* hello.c - greets, then reports the machine it was given. */
#include "mh_guest.h"

/* Writes a byte count as "N MiB" or "N KiB". */
static void
put_size(uint64_t bytes)
{
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) {
    mh_put_dec(bytes >> 20);
    mh_puts(" MiB");
  } else {
    mh_put_dec(bytes >> 10);
    mh_puts(" KiB");
  }
}

int
main(void)
{
  mh_puts("Hello from mini_hypervisor guest ");
  mh_put_dec(mh_vm_index());
  mh_puts("!\nRAM: ");
  put_size(mh_ram_size());
  mh_puts(", pages: ");
  put_size(mh_page_size());
  mh_putc('\n');
  return 0;
}
