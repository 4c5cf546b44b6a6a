/* SPDX-License-Identifier: MIT */
/* guestmem.c - bounds-checked access to guest RAM. */
#include "config.h"

#include "guestmem.h"

#include <string.h>

guint8 *
mh_guestmem_range(const MhGuestMem *mem, MhGpa gpa, guint64 len)
{
  /* Written so that no sum can overflow: gpa <= size, then len <= size - gpa. */
  if (mem->host == NULL || gpa > mem->size || len > mem->size - gpa)
    return NULL;
  return mem->host + gpa;
}

gsize
mh_guestmem_peek(const MhGuestMem *mem, MhGpa gpa, guint8 *buf, gsize max)
{
  guint64 n;
  const guint8 *host;

  /* gpa < size first, so that size - gpa cannot wrap. */
  if (gpa >= mem->size)
    return 0;
  n = MIN((guint64)max, mem->size - gpa);
  host = mh_guestmem_range(mem, gpa, n);
  if (host == NULL)
    return 0; /* no RAM at all */
  memcpy(buf, host, n);
  return (gsize)n;
}
