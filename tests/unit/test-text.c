/* SPDX-License-Identifier: MIT */
/* test-text.c - names from outside made safe to print (mh_text_escape)
 * and to use as file names (mh_text_file_name). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "text.h"
#include "unit-main.h"

static void
test_escape(void)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
    {"hello.img", "hello.img"},
    {"h\xc3\xa9llo.img", "h\xc3\xa9llo.img"}, /* UTF-8 stays */
    {"a\nb", "a\\nb"},
    {"a\x1b[2Kb", "a\\033[2Kb"}, /* a terminal sequence */
    {"a\\b", "a\\\\b"},
    {"\xff", "\\377"}, /* not UTF-8 */
    {"a\xe2\x80\xae"
     "b",
     "a\\342\\200\\256b"}, /* U+202E, bidi override */
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = mh_text_escape(cases[i].in);
    g_assert_cmpstr(got, ==, cases[i].out);
  }
}

/* Whatever the stem's length, the name fits NAME_MAX, keeps its prefix
 * and suffix, and never ends in half a UTF-8 character. */
static void
test_file_name(void)
{
  g_autofree char *short_name = mh_text_file_name("vm0-", "hello.img",
                                                  ".console");
  g_autoptr(GString) ascii = g_string_new(NULL);
  g_autoptr(GString) utf8 = g_string_new(NULL);

  g_assert_cmpstr(short_name, ==, "vm0-hello.img.console");
  for (guint i = 0; i < 300; i++) {
    g_string_append_c(ascii, 'a');
    g_string_append(utf8, "\xc3\xa9"); /* 2 bytes each */
  }
  for (guint len = 240; len <= 300; len++) {
    g_autofree char *stem = g_strndup(ascii->str, len);
    g_autofree char *name = mh_text_file_name("vm12-", stem, ".console");
    gsize want = MIN(strlen("vm12-") + len + strlen(".console"),
                     (gsize)MH_TEXT_NAME_MAX);

    g_assert_cmpuint(strlen(name), ==, want);
    g_assert_true(g_str_has_prefix(name, "vm12-a"));
    g_assert_true(g_str_has_suffix(name, ".console"));
  }
  for (guint chars = 120; chars <= 150; chars++) {
    g_autofree char *stem = g_strndup(utf8->str, chars * 2);
    g_autofree char *name = mh_text_file_name("vm1-", stem, "");

    g_assert_cmpuint(strlen(name), <=, MH_TEXT_NAME_MAX);
    g_assert_true(g_utf8_validate(name, -1, NULL));
  }
}

static const MhUnitTest tests[] = {
  {"/text/escape", test_escape},
  {"/text/file-name", test_file_name},
};

MH_UNIT_MAIN(tests)
