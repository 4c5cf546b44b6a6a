/* SPDX-License-Identifier: MIT */
/* elf_port.c - run as an ELF, an OUT to port 0x80, where no device
 * listens, from a function of its own: the diagnosis names
 * "poke_port+0x..., elf_port.c:<the line marked PORT>". */
#include "mh_guest.h"

__attribute__((noinline)) void
poke_port(uint8_t value)
{
  __asm__ volatile("outb %0, $0x80" : : "a"(value)); /* PORT */
}

int
main(void)
{
  mh_puts("elf_port: writing to port 0x80\n");
  poke_port(0x42);
  mh_puts("elf_port: continued\n");
  return 0;
}
