/* SPDX-License-Identifier: MIT */
/* Units for the guest-address bounds helper: edges and overflow. */
#include "config.h"

#include <glib.h>

#include "guestmem.h"
#include "unit-main.h"

static void
test_bounds(void)
{
  guint8 ram[4096];
  MhGuestMem mem = {ram, sizeof ram};

  g_assert_true(mh_guestmem_range(&mem, 0, 4096) == ram);
  g_assert_true(mh_guestmem_range(&mem, 4095, 1) == ram + 4095);
  g_assert_true(mh_guestmem_range(&mem, 4096, 0) == ram + 4096);
  g_assert_true(mh_guestmem_range(&mem, 0, 0) == ram);
  g_assert_null(mh_guestmem_range(&mem, 4096, 1));
  g_assert_null(mh_guestmem_range(&mem, 4095, 2));
  g_assert_null(mh_guestmem_range(&mem, 0, 4097));
  g_assert_null(mh_guestmem_range(&mem, 4097, 0));
}

static void
test_overflow(void)
{
  guint8 ram[4096];
  MhGuestMem mem = {ram, sizeof ram};

  /* gpa + len wraps to a small number: must still be refused. */
  g_assert_null(mh_guestmem_range(&mem, G_MAXUINT64, 2));
  g_assert_null(mh_guestmem_range(&mem, 16, G_MAXUINT64 - 8));
  g_assert_null(mh_guestmem_range(&mem, G_MAXUINT64 - 4000, 4096));
  g_assert_null(mh_guestmem_range(&mem, 1ull << 63, 1ull << 63));
  g_assert_null(mh_guestmem_range(&mem, 0, G_MAXUINT64));
}

static void
test_no_ram(void)
{
  MhGuestMem mem = {NULL, 0};
  g_assert_null(mh_guestmem_range(&mem, 0, 0));
}

static const MhUnitTest tests[] = {
  {"/guestmem/bounds", test_bounds},
  {"/guestmem/overflow", test_overflow},
  {"/guestmem/no-ram", test_no_ram},
};

MH_UNIT_MAIN(tests)
