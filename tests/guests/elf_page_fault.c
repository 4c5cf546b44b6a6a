/* SPDX-License-Identifier: MIT */
/* elf_page_fault.c - run as an ELF, a page fault named by function and
 * line: fill_buffer() writes 32 bytes from 16 below the end of RAM, and
 * the store on the line marked FAULT page-faults at the RAM size.  The
 * diagnosis names "fill_buffer+0x..., elf_page_fault.c:<that line>". */
#include "mh_guest.h"

/* Global and not inlined: the fault is in a function of this name. */
__attribute__((noinline)) void
fill_buffer(volatile uint8_t *p, uint64_t n)
{
  for (uint64_t i = 0; i < n; i++)
    p[i] = (uint8_t)i; /* FAULT */
}

int
main(void)
{
  mh_puts("elf_page_fault: filling past the end of RAM\n");
  fill_buffer((volatile uint8_t *)(uintptr_t)(mh_ram_size() - 16), 32);
  mh_puts("elf_page_fault: no fault\n");
  return 0;
}
