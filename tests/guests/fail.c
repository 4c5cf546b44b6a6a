/* SPDX-License-Identifier: MIT */
/* fail.c - fails on purpose through the SDK: prints the message, then
 * mh_fail's ud2 stops the VM with "invalid opcode (#UD) at RIP <ud2>". */
#include "mh_guest.h"

int
main(void)
{
  mh_fail("deliberate failure");
}
