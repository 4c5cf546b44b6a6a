/* SPDX-License-Identifier: MIT */
/* guestmem.c - bounds-checked access to guest RAM. */
#include "config.h"

#include "guestmem.h"

guint8 *
mh_guestmem_range(const MhGuestMem *mem, MhGpa gpa, guint64 len)
{
  /* Written so that no sum can overflow: gpa <= size, then len <= size - gpa. */
  if (mem->host == NULL || gpa > mem->size || len > mem->size - gpa)
    return NULL;
  return mem->host + gpa;
}
