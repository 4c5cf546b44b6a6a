/* SPDX-License-Identifier: MIT */
/* Units for symbol lookup: on a test guest built as an ELF with -g
 * (tests/guests/elf_page_fault.elf, built for make check), and with no
 * symbols at all. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "loader.h"
#include "symbols.h"

static void
test_none(void)
{
  g_autofree char *rip = mh_symbols_format(NULL, "RIP", 0x1f3);

  g_assert_cmpstr(rip, ==, "RIP 0x1f3");
  g_assert_null(mh_symbols_describe(NULL, 0));
  g_assert_cmpuint(mh_symbols_n_functions(NULL), ==, 0);
}

static void
test_guest(void)
{
  g_autofree char *path = g_test_build_filename(
    G_TEST_BUILT, "..", "guests", "elf_page_fault.elf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = mh_image_load(path, 4u << 20, &error);
  g_autofree char *entry = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *rip = NULL;

  g_assert_no_error(error);
  g_assert_nonnull(image->symbols);
  g_assert_cmpuint(mh_symbols_n_functions(image->symbols), >, 2);
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), >, 10);
  /* The entry point is crt0's _start, an assembly function with lines. */
  entry = mh_symbols_describe(image->symbols, image->entry);
  g_assert_true(g_str_has_prefix(entry, "_start, crt0.S:"));
  inside = mh_symbols_describe(image->symbols, image->entry + 1);
  g_assert_true(g_str_has_prefix(inside, "_start+0x1, crt0.S:"));
  /* Past every section: no name. */
  outside = mh_symbols_describe(image->symbols, 4u << 20);
  g_assert_null(outside);
  rip = mh_symbols_format(image->symbols, "RIP", image->entry);
  g_assert_true(g_str_has_prefix(rip, "RIP 0x0 (_start, crt0.S:"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/symbols/none", test_none);
  g_test_add_func("/symbols/guest", test_guest);
  return g_test_run();
}
