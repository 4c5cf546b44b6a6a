/* SPDX-License-Identifier: MIT */
/* elf_jump.c - run as an ELF, a call through a pointer to the first
 * address past RAM: the fetch page-faults where no code is, and the
 * diagnosis names the caller from the return address at RSP
 * ("[RSP] 0x... (main+0x..., elf_jump.c:<line>)"). */
#include "mh_guest.h"

typedef void (*elf_jump_fn)(void);

int
main(void)
{
  /* volatile: the compiler must make the call, not prove it wrong. */
  elf_jump_fn volatile away = (elf_jump_fn)(uintptr_t)mh_ram_size();

  mh_puts("elf_jump: calling past RAM\n");
  away(); /* CALL */
  mh_puts("elf_jump: returned\n");
  return 0;
}
