/* SPDX-License-Identifier: MIT */
/* runtime.c - stopping the VM, and the check that crt0.S stores the boot
 * registers where MhBootInfo expects them. */
#include "mh_guest.h"

/* crt0.S writes these offsets by hand. */
_Static_assert(offsetof(MhBootInfo, ram_size) == 0, "crt0.S layout");
_Static_assert(offsetof(MhBootInfo, vm_index) == 8, "crt0.S layout");
_Static_assert(offsetof(MhBootInfo, page_size) == 16, "crt0.S layout");
_Static_assert(offsetof(MhBootInfo, vm_count) == 24, "crt0.S layout");
_Static_assert(offsetof(MhBootInfo, magic) == 32, "crt0.S layout");
_Static_assert(offsetof(MhBootInfo, abi_version) == 40, "crt0.S layout");
_Static_assert(offsetof(MhBootInfo, entry_rsp) == 48, "crt0.S layout");
_Static_assert(sizeof(MhBootInfo) == 56, "crt0.S reserves 56 bytes");

void
mh_halt(void)
{
  /* Interrupts are off, so hlt exits to the hypervisor; loop in case the
   * VM is ever resumed. */
  for (;;)
    __asm__ volatile("hlt" : : : "memory");
}

void
mh_fail(const char *msg)
{
  mh_puts(msg);
  mh_putc('\n');
  /* #UD: the hypervisor's handler reports it, a VM failure. */
  for (;;)
    __asm__ volatile("ud2" : : : "memory");
}
