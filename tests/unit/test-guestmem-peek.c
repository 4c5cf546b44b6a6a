/* SPDX-License-Identifier: MIT */
/* Units for mh_guestmem_peek(): how much of a range is in RAM, at RAM's
 * edges and near 2^64, and that nothing past it is read or written. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "guestmem.h"
#include "unit-main.h"

#define RAM_SIZE 4096u
#define SENTINEL 0xa5

typedef struct {
  guint8 ram[RAM_SIZE];
  MhGuestMem mem;
  guint8 buf[2 * RAM_SIZE];
} Peek;

static void
peek_setup(Peek *p, gconstpointer user)
{
  (void)user;
  for (guint i = 0; i < RAM_SIZE; i++)
    p->ram[i] = (guint8)(i * 13 + 1);
  p->mem = (MhGuestMem){p->ram, RAM_SIZE};
  memset(p->buf, SENTINEL, sizeof p->buf);
}

/* Peeks @max bytes at @gpa: @want of them, RAM's bytes, and nothing
 * after them in the buffer touched. */
static void
peek_check(Peek *p, MhGpa gpa, gsize max, gsize want)
{
  memset(p->buf, SENTINEL, sizeof p->buf);
  g_assert_cmpuint(max, <=, sizeof p->buf);
  g_assert_cmpuint(mh_guestmem_peek(&p->mem, gpa, p->buf, max), ==, want);
  if (want > 0)
    g_assert_cmpmem(p->buf, want, p->ram + gpa, want);
  for (gsize i = want; i < sizeof p->buf; i++)
    g_assert_cmpuint(p->buf[i], ==, SENTINEL);
}

static void
test_inside(Peek *p, gconstpointer user)
{
  (void)user;
  peek_check(p, 0, 15, 15);
  peek_check(p, 1, 15, 15);
  peek_check(p, 100, 1, 1);
  peek_check(p, 0, RAM_SIZE, RAM_SIZE);
  peek_check(p, RAM_SIZE - 15, 15, 15);
}

static void
test_edges(Peek *p, gconstpointer user)
{
  (void)user;
  /* Up to RAM's end, no further. */
  peek_check(p, RAM_SIZE - 14, 15, 14);
  peek_check(p, RAM_SIZE - 1, 15, 1);
  peek_check(p, 0, sizeof p->buf, RAM_SIZE);
  peek_check(p, 1, sizeof p->buf, RAM_SIZE - 1);
  /* From RAM's end on: nothing. */
  peek_check(p, RAM_SIZE, 15, 0);
  peek_check(p, RAM_SIZE + 1, 15, 0);
  peek_check(p, RAM_SIZE, 0, 0);
  /* Nothing asked, nothing given, anywhere. */
  peek_check(p, 0, 0, 0);
  peek_check(p, RAM_SIZE - 1, 0, 0);
}

/* gpa + max past 2^64: no sum may wrap back into RAM. */
static void
test_overflow(Peek *p, gconstpointer user)
{
  (void)user;
  peek_check(p, G_MAXUINT64, 15, 0);
  peek_check(p, G_MAXUINT64 - 14, 15, 0);
  peek_check(p, G_MAXUINT64 - RAM_SIZE + 1, RAM_SIZE, 0);
  peek_check(p, 1ull << 63, 15, 0);
  peek_check(p, (guint64)G_MAXUINT32 + 1, 15, 0);
  /* A @max that would wrap gpa + max, with a gpa in RAM: RAM's end
   * bounds it (the buffer is larger than RAM, so this is safe). */
  g_assert_cmpuint(mh_guestmem_peek(&p->mem, RAM_SIZE - 3, p->buf, G_MAXSIZE),
                   ==, 3);
  g_assert_cmpmem(p->buf, 3, p->ram + RAM_SIZE - 3, 3);
  g_assert_cmpuint(mh_guestmem_peek(&p->mem, G_MAXUINT64 - 1, p->buf,
                                    G_MAXSIZE),
                   ==, 0);
}

static void
test_no_ram(void)
{
  guint8 buf[15];
  MhGuestMem none = {NULL, 0};
  /* A size but no mapping (never so in a VM): still nothing. */
  MhGuestMem unmapped = {NULL, RAM_SIZE};

  memset(buf, SENTINEL, sizeof buf);
  g_assert_cmpuint(mh_guestmem_peek(&none, 0, buf, sizeof buf), ==, 0);
  g_assert_cmpuint(mh_guestmem_peek(&unmapped, 0, buf, sizeof buf), ==, 0);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmpuint(buf[i], ==, SENTINEL);
}

/* The peeks share a fixture: a page of RAM and a buffer twice its size. */
static void
add_fixture_tests(void)
{
  g_test_add("/guestmem/peek/inside", Peek, NULL, peek_setup, test_inside,
             NULL);
  g_test_add("/guestmem/peek/edges", Peek, NULL, peek_setup, test_edges, NULL);
  g_test_add("/guestmem/peek/overflow", Peek, NULL, peek_setup, test_overflow,
             NULL);
}

static const MhUnitTest tests[] = {
  {"/guestmem/peek/no-ram", test_no_ram},
};

MH_UNIT_MAIN_ADD(add_fixture_tests, tests)
