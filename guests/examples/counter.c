/* SPDX-License-Identifier: MIT */
/* counter.c - counts to five, tagging each line with the VM index, so
 * that several VMs running at once interleave visibly. */
#include "mh_guest.h"

#define COUNTER_LIMIT 5

int
main(void)
{
  for (unsigned i = 1; i <= COUNTER_LIMIT; i++) {
    mh_puts("vm ");
    mh_put_dec(mh_vm_index());
    mh_puts(": count ");
    mh_put_dec(i);
    mh_putc('\n');
  }
  return 0;
}
