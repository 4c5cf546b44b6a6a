/* SPDX-License-Identifier: MIT */
/*
 * string.c - the C library functions a freestanding guest still needs.
 *
 * GCC may emit calls to memset, memcpy, memmove and memcmp by itself, so
 * these must exist.  Byte loops keep them small and free of SSE; this
 * file is built with -fno-tree-loop-distribute-patterns so GCC does not
 * turn the loops back into calls to themselves.
 */
#include "mh_guest.h"

void *
memset(void *dst, int c, size_t n)
{
  unsigned char *d = dst;

  while (n-- > 0)
    *d++ = (unsigned char)c;
  return dst;
}

void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;

  while (n-- > 0)
    *d++ = *s++;
  return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;

  if (d == s || n == 0)
    return dst;
  if (d < s) {
    while (n-- > 0)
      *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n-- > 0)
      *--d = *--s;
  }
  return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
  const unsigned char *p = a;
  const unsigned char *q = b;

  for (; n > 0; n--, p++, q++) {
    if (*p != *q)
      return *p < *q ? -1 : 1;
  }
  return 0;
}

size_t
strlen(const char *s)
{
  size_t n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}

int
strcmp(const char *a, const char *b)
{
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return (unsigned char)*a - (unsigned char)*b;
}
