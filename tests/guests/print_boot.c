/* SPDX-License-Identifier: MIT */
/* print_boot.c - prints the boot registers crt0 saved, one line:
 *   ram=<dec> index=<dec> page=<dec> count=<dec> magic=<hex> abi=<dec> */
#include "mh_guest.h"

int
main(void)
{
  mh_puts("ram=");
  mh_put_dec(mh_ram_size());
  mh_puts(" index=");
  mh_put_dec(mh_vm_index());
  mh_puts(" page=");
  mh_put_dec(mh_page_size());
  mh_puts(" count=");
  mh_put_dec(mh_vm_count());
  mh_puts(" magic=");
  mh_put_hex(mh_boot_magic());
  mh_puts(" abi=");
  mh_put_dec(mh_abi_version());
  mh_putc('\n');
  return 0;
}
