/* SPDX-License-Identifier: MIT */
/*
 * guestmem.h - guest RAM and the one checked way into it.
 *
 * Guest-physical addresses and lengths come from the guest and are hostile.
 * mh_guestmem_range() is the only function that turns them into a host
 * pointer: it checks the half-open range [gpa, gpa + len) against RAM with
 * overflow-safe arithmetic.  mh_guestmem_peek() copies out whatever part
 * of a range is in RAM.
 */
#ifndef MH_GUESTMEM_H
#define MH_GUESTMEM_H

#include <glib.h>

/* A guest-physical address: an integer, so it cannot be dereferenced. */
typedef guint64 MhGpa;

typedef struct {
  guint8 *host; /* host mapping of guest-physical 0 */
  gsize size;   /* bytes of RAM                     */
} MhGuestMem;

/* Returns a host pointer to [@gpa, @gpa + @len) if that range lies wholly
 * inside RAM, else NULL.  A zero-length range is valid anywhere in
 * [0, size]. */
guint8 *mh_guestmem_range(const MhGuestMem *mem, MhGpa gpa, guint64 len);

/* Copies to @buf the bytes of [@gpa, @gpa + @max) that lie in RAM, the
 * first ones up to RAM's end, and returns how many: @max, fewer at RAM's
 * end, 0 from RAM's end on.  For looking at what the guest left (the
 * instruction at RIP) without faulting on an address it chose. */
gsize mh_guestmem_peek(const MhGuestMem *mem, MhGpa gpa, guint8 *buf,
                       gsize max);

#endif /* MH_GUESTMEM_H */
