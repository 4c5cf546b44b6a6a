/* SPDX-License-Identifier: MIT */
/* fail.c - fails on purpose through the SDK: prints the message, then a
 * triple fault stops the VM. */
#include "mh_guest.h"

int
main(void)
{
  mh_fail("deliberate failure");
}
