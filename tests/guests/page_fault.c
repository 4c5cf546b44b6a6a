/* SPDX-License-Identifier: MIT */
/* page_fault.c - reads the first byte past RAM.  Nothing is mapped there,
 * so the read page-faults (CR2 = the RAM size) and the hypervisor's IDT
 * stops the VM with "page fault (#PF) at RIP <read>: read from address
 * <RAM size> (CR2), outside guest RAM; error code 0x0 (...); RSP ...".  Before the read
 * it prints "page_fault: reading <RAM size> at RIP <read>", the address
 * of the reading instruction. */
#include "mh_guest.h"

/* The read is the first instruction of a function of its own, so its
 * address is the function's: movzbl (%rdi), %eax. */
uint8_t read_byte(uint64_t addr);
__asm__(".pushsection .text\n"
        "read_byte: movzbl (%rdi), %eax\n"
        "           ret\n"
        ".popsection\n");

int
main(void)
{
  mh_puts("page_fault: reading ");
  mh_put_hex(mh_ram_size());
  mh_puts(" at RIP ");
  mh_put_hex((uint64_t)(uintptr_t)read_byte);
  mh_putc('\n');
  (void)read_byte(mh_ram_size());
  /* Only reached if the read did not fault: halt cleanly so that a test
   * expecting a failure sees success and the message. */
  mh_puts("page_fault: no fault\n");
  mh_halt();
}
