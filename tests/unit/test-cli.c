/* SPDX-License-Identifier: MIT */
/* Units for the command line: value parsers and the multi-value rewrite. */
#include "config.h"

#include <glib.h>

#include "cli.h"
#include "error.h"

static void
test_memory_values(void)
{
  static const struct { const char *text; guint mb; } good[] = {
    {"2", 2}, {"4", 4}, {"8", 8}, {"4M", 4}, {"4mb", 4}, {"8MiB", 8},
  };
  static const char *const bad[] = {
    "", "0", "1", "3", "16", "04x", "abc", "4G", "-4", "4 ", " 4", "99999999999",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    guint mb = 0;
    g_assert_true(mh_cli_parse_memory(good[i].text, &mb, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(mb, ==, good[i].mb);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    guint mb = 0;
    g_assert_false(mh_cli_parse_memory(bad[i], &mb, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "2, 4 or 8"));
  }
}

static void
test_page_values(void)
{
  static const struct { const char *text; guint64 size; } good[] = {
    {"4", 4096}, {"4K", 4096}, {"4KB", 4096}, {"4kb", 4096}, {"4KiB", 4096},
    {"2", 2u << 20}, {"2M", 2u << 20}, {"2MB", 2u << 20}, {"2mib", 2u << 20},
  };
  static const char *const bad[] = {"", "8", "1", "4M", "2K", "1G", "x", "44"};

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    guint64 size = 0;
    g_assert_true(mh_cli_parse_page(good[i].text, &size, &error));
    g_assert_cmpuint(size, ==, good[i].size);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    guint64 size = 0;
    g_assert_false(mh_cli_parse_page(bad[i], &size, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  }
}

static void
test_timeout_values(void)
{
  g_autoptr(GError) error = NULL;
  gdouble s = 0;

  g_assert_true(mh_cli_parse_timeout("1.5", &s, &error));
  g_assert_cmpfloat(s, ==, 1.5);
  g_assert_false(mh_cli_parse_timeout("0", &s, &error));
  g_clear_error(&error);
  g_assert_false(mh_cli_parse_timeout("-1", &s, &error));
  g_clear_error(&error);
  g_assert_false(mh_cli_parse_timeout("nan", &s, &error));
  g_clear_error(&error);
  g_assert_false(mh_cli_parse_timeout("5s", &s, &error));
}

/* Joins a vector with spaces for compact comparisons. */
static char *
expand(const char *line)
{
  g_auto(GStrv) argv = g_strsplit(line, " ", -1);
  g_auto(GStrv) out = mh_cli_expand_multi((int)g_strv_length(argv), argv);
  return g_strjoinv(" ", out);
}

static void
test_expand_multi(void)
{
  static const struct { const char *in, *out; } cases[] = {
    {"mh -g a.img", "mh -g a.img"},
    {"mh -g a b c", "mh -g a -g b -g c"},
    {"mh -g a b -f x y -m 4", "mh -g a -g b -f x -f y -m 4"},
    {"mh --guest a b", "mh --guest a --guest b"},
    {"mh --guest=a b", "mh --guest=a --guest b"},
    {"mh -m 4 -p 2 -g a", "mh -m 4 -p 2 -g a"},
    {"mh -g -f x", "mh -g -f x"},            /* GOption reports -g's value */
    {"mh -g a -- b", "mh -g a -- b"},        /* after --, nothing expands  */
    {"mh -v -g a b -v", "mh -v -g a -g b -v"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = expand(cases[i].in);
    g_assert_cmpstr(got, ==, cases[i].out);
  }
}

static gboolean
parse(const char *line, MhConfig *config, GError **error)
{
  g_auto(GStrv) argv = g_strsplit(line, " ", -1);
  gboolean exit_now;
  return mh_cli_parse((int)g_strv_length(argv), argv, config, &exit_now, error);
}

static void
test_parse_full(void)
{
  g_autoptr(GError) error = NULL;
  MhConfig c;

  g_assert_true(parse("mh -m 8 -p 4K -g a b -f x --timeout 2 -v", &c, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(c.memory_mb, ==, 8);
  g_assert_cmpuint(c.page_size, ==, 4096);
  g_assert_cmpuint(g_strv_length(c.guests), ==, 2);
  g_assert_cmpstr(c.guests[1], ==, "b");
  g_assert_cmpuint(g_strv_length(c.files), ==, 1);
  g_assert_cmpfloat(c.timeout, ==, 2.0);
  g_assert_true(c.verbose);
  mh_cli_clear(&c);

  /* Defaults: 4 MB, 2 MB pages, no shared files. */
  g_assert_true(parse("mh -g a", &c, &error));
  g_assert_cmpuint(c.memory_mb, ==, 4);
  g_assert_cmpuint(c.page_size, ==, 2u << 20);
  g_assert_nonnull(c.files);
  g_assert_null(c.files[0]);
  mh_cli_clear(&c);
}

static void
test_parse_errors(void)
{
  static const struct { const char *line, *needle; } cases[] = {
    {"mh", "no guest image"},
    {"mh -m 3 -g a", "'3'"},
    {"mh -p 8 -g a", "'8'"},
    {"mh -g a --bogus", "--bogus"},
    {"mh -g a -- b", "'b'"},
    {"mh -m", "-m"},
    {"mh -g -f x", "missing file name after -g/--guest"},
    {"mh -g a -f", "-f"},
    {"mh -g a -f -v", "missing file name after -f/--file"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    MhConfig c;
    g_assert_false(parse(cases[i].line, &c, &error));
    g_assert_nonnull(error);
    if (strstr(error->message, cases[i].needle) == NULL)
      g_error("'%s': message '%s' lacks '%s'", cases[i].line, error->message,
              cases[i].needle);
    g_assert_null(c.guests);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/memory", test_memory_values);
  g_test_add_func("/cli/page", test_page_values);
  g_test_add_func("/cli/timeout", test_timeout_values);
  g_test_add_func("/cli/expand-multi", test_expand_multi);
  g_test_add_func("/cli/parse", test_parse_full);
  g_test_add_func("/cli/parse-errors", test_parse_errors);
  return g_test_run();
}
