/* SPDX-License-Identifier: MIT */
/* page_fault.c - reads the first byte past RAM.  Nothing is mapped there,
 * so the read page-faults (CR2 = the RAM size) and, with no IDT, the VM
 * triple-faults. */
#include "mh_guest.h"

int
main(void)
{
  volatile uint8_t *past = (volatile uint8_t *)(uintptr_t)mh_ram_size();

  mh_puts("page_fault: reading ");
  mh_put_hex(mh_ram_size());
  mh_putc('\n');
  (void)*past;
  /* Only reached if the read did not fault: halt cleanly so that a test
   * expecting a failure sees success and the message. */
  mh_puts("page_fault: no fault\n");
  mh_halt();
}
