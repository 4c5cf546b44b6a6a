/* SPDX-License-Identifier: MIT */
/* Units for the command line: value parsers and the multi-value rewrite. */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "error.h"
#include "unit-main.h"

static void
test_memory_values(void)
{
  static const struct {
    const char *text;
    guint mb;
  } good[] = {
    {"2", 2}, {"4", 4}, {"8", 8}, {"4M", 4}, {"4mb", 4}, {"8MiB", 8},
  };
  static const char *const bad[] = {
    "",    "0",   "1",  "3",  "6",  "7",  "16",
    "04x", "abc", "4G", "-4", "4 ", " 4", "99999999999",
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
  static const struct {
    const char *text;
    guint64 size;
  } good[] = {
    {"4", 4096},      {"4K", 4096},      {"4KB", 4096},
    {"4kb", 4096},    {"4KiB", 4096},    {"2", 2u << 20},
    {"2M", 2u << 20}, {"2MB", 2u << 20}, {"2mib", 2u << 20},
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

static void
test_max_open_values(void)
{
  static const struct {
    const char *text;
    guint n;
  } good[] = {
    {"1", 1},
    {"32", 32},
    {"1024", 1024},
    {"0032", 32},
  };
  static const char *const bad[] = {
    "",    "0",  "1025", "4294967297", "99999999999999999999999",
    "-1",  "+1", " 1",   "1 ",         "0x10",
    "1e3", "8K", "abc",  "1.0",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    guint n = 0;
    if (!mh_cli_parse_max_open(good[i].text, &n, &error))
      g_error("--max-open '%s' refused: %s", good[i].text, error->message);
    g_assert_cmpuint(n, ==, good[i].n);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf(
      "invalid --max-open value '%s': must be a number from 1 to 1024", bad[i]);
    guint n = 7;
    if (mh_cli_parse_max_open(bad[i], &n, &error))
      g_error("--max-open '%s' accepted as %u", bad[i], n);
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_cmpstr(error->message, ==, want);
    g_assert_cmpuint(n, ==, 7); /* untouched on error */
  }
}

static void
test_quota_values(void)
{
  static const struct {
    const char *text;
    guint64 bytes;
  } good[] = {
    {"0", 0},
    {"1", 1},
    {"4096", 4096},
    {"007", 7},
    {"2K", 2048},
    {"2k", 2048},
    {"2KB", 2048},
    {"2kb", 2048},
    {"2KiB", 2048},
    {"2kib", 2048},
    {"64M", 64ull << 20},
    {"64m", 64ull << 20},
    {"64MB", 64ull << 20},
    {"64MiB", 64ull << 20},
    {"64mib", 64ull << 20},
    {"3G", 3ull << 30},
    {"3g", 3ull << 30},
    {"3GB", 3ull << 30},
    {"3GiB", 3ull << 30},
    {"3gib", 3ull << 30},
    /* The largest: 2^63 - 1 bytes, and as many whole K, M and G. */
    {"9223372036854775807", G_MAXINT64},
    {"9007199254740991K", 9007199254740991ull << 10},
    {"8589934591G", 8589934591ull << 30},
  };
  static const char *const bad[] = {
    "",
    "K",
    "M",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.5G",
    "1e9",
    "0x10",
    "10T",
    "10KK",
    "10 K",
    "10Kb ",
    "10B",
    "1MiBs",
    "abc",
    "9223372036854775808",
    "9007199254740992K",
    "8589934592G",
    "18446744073709551616",
    "123456789012345678901",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    guint64 bytes = 1;
    if (!mh_cli_parse_quota(good[i].text, &bytes, &error))
      g_error("--quota '%s' refused: %s", good[i].text, error->message);
    g_assert_cmpuint(bytes, ==, good[i].bytes);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *want =
      g_strdup_printf("invalid --quota value '%s': must be a size in bytes, with an "
                      "optional K, M or G suffix",
                      bad[i]);
    guint64 bytes = 7;
    if (mh_cli_parse_quota(bad[i], &bytes, &error))
      g_error("--quota '%s' accepted as %" G_GUINT64_FORMAT, bad[i], bytes);
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_cmpstr(error->message, ==, want);
    g_assert_cmpuint(bytes, ==, 7);
  }
}

static void
test_sandbox_values(void)
{
  static const struct {
    const char *text;
    MhSandboxMode mode;
  } good[] = {
    {"on", MH_SANDBOX_ON},
    {"off", MH_SANDBOX_OFF},
    {"strict", MH_SANDBOX_STRICT},
  };
  static const char *const bad[] = {"", "ON", "yes", "on ", "stric", "1"};

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    MhSandboxMode mode = 99;
    g_assert_true(mh_cli_parse_sandbox(good[i].text, &mode, &error));
    g_assert_cmpint(mode, ==, good[i].mode);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *want =
      g_strdup_printf("invalid --sandbox value '%s': must be on, off or strict",
                      bad[i]);
    MhSandboxMode mode = MH_SANDBOX_ON;
    g_assert_false(mh_cli_parse_sandbox(bad[i], &mode, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_cmpstr(error->message, ==, want);
  }
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
  static const struct {
    const char *in, *out;
  } cases[] = {
    {"mh -g a.img", "mh -g a.img"},
    {"mh -g a b c", "mh -g a -g b -g c"},
    {"mh -g a b -f x y -m 4", "mh -g a -g b -f x -f y -m 4"},
    {"mh --guest a b", "mh --guest a --guest b"},
    {"mh --guest=a b", "mh --guest=a --guest b"},
    {"mh -m 4 -p 2 -g a", "mh -m 4 -p 2 -g a"},
    {"mh -g -f x", "mh -g -f x"},     /* GOption reports -g's value */
    {"mh -g a -- b", "mh -g a -- b"}, /* after --, nothing expands  */
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
  static const struct {
    const char *line, *needle;
  } cases[] = {
    {"mh", "no guest image"},
    {"mh -m 3 -g a", "'3'"},
    {"mh -p 8 -g a", "'8'"},
    {"mh -g a --bogus", "--bogus"},
    {"mh -g a -- b", "'b'"},
    {"mh -m", "-m"},
    {"mh -g -f x", "missing file name after -g/--guest"},
    {"mh -g a -f", "-f"},
    {"mh -g a -f -v", "missing file name after -f/--file"},
    {"mh -g a --parallel 2", "give --jobs FILE too"},
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

static void
test_parallel_values(void)
{
  static const char *const bad[] = {"", "0", "-1", "4097", "2x", " 2", "1e3"};
  guint n = 0;

  g_assert_true(mh_cli_parse_parallel("1", &n, NULL));
  g_assert_cmpuint(n, ==, 1);
  g_assert_true(mh_cli_parse_parallel("4096", &n, NULL));
  g_assert_cmpuint(n, ==, 4096);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(mh_cli_parse_parallel(bad[i], &n, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "--parallel"));
  }
}

/* --jobs: each job's image, memory and page size become a guest's, in
 * the list's order; --parallel defaults to the CPUs and never exceeds
 * the jobs; the console is bounded by default; what a list cannot do is
 * refused. */
static void
test_parse_jobs(void)
{
  g_autofree char *dir = g_dir_make_tmp("mh-cli-XXXXXX", NULL);
  g_autofree char *image = g_build_filename(dir, "g.img", NULL);
  g_autofree char *list = g_build_filename(dir, "jobs", NULL);
  g_autofree char *text =
    g_strdup_printf("{\"id\":\"a\",\"image\":\"%s\"}\n"
                    "{\"id\":\"b\",\"image\":\"%s\",\"memory\":8,\"page\":4}\n",
                    image, image);
  static const struct {
    const char *args, *needle;
  } refused[] = {
    {"-g x", "exclude each other"},
    {"-s", "no debugger"},
    {"--gdb-vm 0", "no debugger"},
    {"--trace t.json", "no trace"},
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strdup_printf("mh --jobs %s --parallel 64", list);
  MhConfig c;

  g_assert_nonnull(dir);
  g_assert_true(g_file_set_contents(image, "\xf4", 1, NULL));
  g_assert_true(g_file_set_contents(list, text, -1, NULL));
  g_assert_true(parse(line, &c, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(c.guests), ==, 2);
  g_assert_cmpstr(c.guests[1], ==, image);
  g_assert_cmpuint(c.guest_settings[0].memory_mb, ==, 4);
  g_assert_cmpuint(c.guest_settings[1].memory_mb, ==, 8);
  g_assert_cmpuint(c.guest_settings[1].page_size, ==, 4096);
  g_assert_cmpuint(c.parallel, ==, 2);
  g_assert_cmpuint(c.output_limit, ==, MH_JOB_OUTPUT_LIMIT);
  mh_cli_clear(&c);

  g_free(line);
  line = g_strdup_printf("mh --jobs %s --output-limit 5", list);
  g_assert_true(parse(line, &c, &error));
  g_assert_cmpuint(c.parallel, >=, 1);
  g_assert_cmpuint(c.output_limit, ==, 5);
  mh_cli_clear(&c);

  for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
    g_autoptr(GError) e = NULL;
    g_free(line);
    line = g_strdup_printf("mh --jobs %s %s", list, refused[i].args);
    g_assert_false(parse(line, &c, &e));
    g_assert_error(e, MH_ERROR, MH_ERROR_USAGE);
    if (strstr(e->message, refused[i].needle) == NULL)
      g_error("'%s': message '%s' lacks '%s'", line, e->message,
              refused[i].needle);
    g_assert_null(c.guests);
    g_assert_null(c.job_list);
  }
  g_unlink(list);
  g_unlink(image);
  g_rmdir(dir);
}

static const MhUnitTest tests[] = {
  {"/cli/memory", test_memory_values},
  {"/cli/page", test_page_values},
  {"/cli/timeout", test_timeout_values},
  {"/cli/max-open", test_max_open_values},
  {"/cli/quota", test_quota_values},
  {"/cli/sandbox", test_sandbox_values},
  {"/cli/expand-multi", test_expand_multi},
  {"/cli/parse", test_parse_full},
  {"/cli/parse-errors", test_parse_errors},
  {"/cli/parallel", test_parallel_values},
  {"/cli/jobs", test_parse_jobs},
};

MH_UNIT_MAIN(tests)
