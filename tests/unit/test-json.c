/* SPDX-License-Identifier: MIT */
/* Units for the JSON writer (src/base/json.c): layout, escaping, numbers,
 * fragments; every document also read back by json-glib's parser. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "json.h"
#include "unit-main.h"

static JsonNode *
parse(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
  g_assert_no_error(error);
  return json_node_copy(json_parser_get_root(parser));
}

/* The same values, compact and pretty. */
static void
write_sample(MhJson *j)
{
  mh_json_begin_object(j);
  mh_json_name(j, "a");
  mh_json_int(j, -1);
  mh_json_name(j, "b");
  mh_json_begin_array(j);
  mh_json_string(j, "x");
  mh_json_null(j);
  mh_json_bool(j, TRUE);
  mh_json_begin_object(j);
  mh_json_end_object(j);
  mh_json_begin_array(j);
  mh_json_end_array(j);
  mh_json_end_array(j);
  mh_json_name(j, "c");
  mh_json_string(j, NULL);
  mh_json_end_object(j);
}

static void
test_layout(void)
{
  g_autoptr(GString) compact = g_string_new(NULL);
  g_autoptr(GString) pretty = g_string_new(NULL);
  MhJson j;

  mh_json_init(&j, compact, FALSE, 0);
  write_sample(&j);
  g_assert_cmpstr(compact->str, ==,
                  "{\"a\":-1,\"b\":[\"x\",null,true,{},[]],\"c\":null}");
  mh_json_init(&j, pretty, TRUE, 0);
  write_sample(&j);
  g_assert_cmpstr(pretty->str, ==,
                  "{\n"
                  "  \"a\" : -1,\n"
                  "  \"b\" : [\n"
                  "    \"x\",\n"
                  "    null,\n"
                  "    true,\n"
                  "    {},\n"
                  "    []\n"
                  "  ],\n"
                  "  \"c\" : null\n"
                  "}");
  json_node_unref(parse(compact->str));
  json_node_unref(parse(pretty->str));
}

/* Every byte but NUL, in a string and as a member name: what a strict
 * reader (RFC 8259 section 7) must accept and read back as it was. */
static void
test_escape(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  char all[128];
  JsonNode *root;
  JsonObject *o;
  MhJson j;

  for (guint i = 1; i < 128; i++)
    all[i - 1] = (char)i;
  all[127] = '\0';
  mh_json_init(&j, out, FALSE, 0);
  mh_json_begin_object(&j);
  mh_json_name(&j, all);
  mh_json_string(&j, all);
  mh_json_end_object(&j);
  for (const char *p = out->str; *p != '\0'; p++)
    g_assert_true((guchar)*p >= 0x20 && *p != 0x7f);
  root = parse(out->str);
  o = json_node_get_object(root);
  g_assert_cmpstr(json_object_get_string_member(o, all), ==, all);
  json_node_unref(root);
  g_string_truncate(out, 0);
  mh_json_escape(out, "q\"b\\n\n\x1f\x7f\xc3\xa9");
  g_assert_cmpstr(out->str, ==, "\"q\\\"b\\\\n\\n\\u001f\\u007f\xc3\xa9\"");
}

static void
test_numbers(void)
{
  static const gdouble doubles[] = {0.0,   -0.0,    0.1, 1.0 / 3,
                                    1e300, 5e-324,  2.5, 123456789.0,
                                    1e21,  -7.25e-5};
  g_autoptr(GString) out = g_string_new(NULL);
  MhJson j;

  mh_json_init(&j, out, FALSE, 0);
  mh_json_begin_array(&j);
  mh_json_uint(&j, G_MAXUINT64);
  mh_json_int(&j, G_MININT64);
  mh_json_double(&j, NAN);
  mh_json_double(&j, INFINITY);
  mh_json_end_array(&j);
  g_assert_cmpstr(out->str, ==,
                  "[18446744073709551615,-9223372036854775808,null,null]");
  for (guint i = 0; i < G_N_ELEMENTS(doubles); i++) {
    g_autoptr(GString) one = g_string_new(NULL);
    char *end;

    mh_json_init(&j, one, FALSE, 0);
    mh_json_double(&j, doubles[i]);
    /* Read back exactly, and still a double (a '.' or an exponent). */
    g_assert_true(g_ascii_strtod(one->str, &end) == doubles[i]);
    g_assert_cmpint(*end, ==, '\0');
    g_assert_nonnull(strpbrk(one->str, ".eE"));
    g_assert_cmpint(strlen(one->str), <=, 24);
  }
  g_string_truncate(out, 0);
  mh_json_init(&j, out, FALSE, 0);
  mh_json_double(&j, 0.1);
  g_assert_cmpstr(out->str, ==, "0.1"); /* the shortest, not %.17g */
  g_string_truncate(out, 0);
  mh_json_init(&j, out, FALSE, 0);
  mh_json_double(&j, 3.0);
  g_assert_cmpstr(out->str, ==, "3.0");
}

/* A fragment written at its depth stands in a document as if written
 * there. */
static void
test_fragment(void)
{
  g_autoptr(GString) frag = g_string_new(NULL);
  g_autoptr(GString) doc = g_string_new(NULL);
  g_autoptr(GString) direct = g_string_new(NULL);
  MhJson j;

  mh_json_init(&j, frag, TRUE, 2);
  mh_json_begin_object(&j);
  mh_json_name(&j, "k");
  mh_json_uint(&j, 1);
  mh_json_end_object(&j);

  mh_json_init(&j, doc, TRUE, 0);
  mh_json_begin_object(&j);
  mh_json_name(&j, "vms");
  mh_json_begin_array(&j);
  mh_json_raw(&j, frag->str);
  mh_json_raw(&j, frag->str);
  mh_json_end_array(&j);
  mh_json_end_object(&j);

  mh_json_init(&j, direct, TRUE, 0);
  mh_json_begin_object(&j);
  mh_json_name(&j, "vms");
  mh_json_begin_array(&j);
  for (guint i = 0; i < 2; i++) {
    mh_json_begin_object(&j);
    mh_json_name(&j, "k");
    mh_json_uint(&j, 1);
    mh_json_end_object(&j);
  }
  mh_json_end_array(&j);
  mh_json_end_object(&j);
  g_assert_cmpstr(doc->str, ==, direct->str);
  json_node_unref(parse(doc->str));
}

/* mh_json_bytes(): any bytes make a valid JSON string: ASCII escaped as
 * mh_json_escape() does it, NUL too; valid UTF-8 (2, 3 and 4 bytes)
 * kept; each byte of an invalid sequence (a stray continuation byte, a
 * lead byte cut short, an overlong form, a surrogate) one U+FFFD. */
static void
test_bytes(void)
{
  static const guint8 in[] = "a\0b\xff\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                             "\x80\xe2\x82\xc0\x80\xed\xa0\x80\x01\x7f\"\n";
  g_autoptr(GString) out = g_string_new(NULL);
  MhJson j;

  mh_json_init(&j, out, FALSE, 0);
  mh_json_bytes(&j, in, sizeof in - 1);
  g_assert_cmpstr(out->str, ==,
                  "\"a\\u0000b\xef\xbf\xbd\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\\u0001\\u007f\\\"\\n\"");
  g_assert_true(g_utf8_validate(out->str, -1, NULL));
  /* Nothing at all, and a sequence cut short by the end. */
  g_string_truncate(out, 0);
  mh_json_init(&j, out, FALSE, 0);
  mh_json_bytes(&j, (const guint8 *)"", 0);
  mh_json_bytes(&j, (const guint8 *)"\xe2\x82", 2);
  g_assert_cmpstr(out->str, ==, "\"\"\"\xef\xbf\xbd\xef\xbf\xbd\"");
}

static const MhUnitTest tests[] = {
  {"/json/layout", test_layout},     {"/json/escape", test_escape},
  {"/json/bytes", test_bytes},       {"/json/numbers", test_numbers},
  {"/json/fragment", test_fragment},
};

MH_UNIT_MAIN(tests)
