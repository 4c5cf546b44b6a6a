/* SPDX-License-Identifier: MIT */
/* Units for the JSON reader (src/base/jsonparse.c): every kind of value,
 * strictness (what RFC 8259 refuses, and the rules of jsonparse.h), the
 * error's column, nesting, and what the writer (json.c) writes reading
 * back the same. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "error.h"
#include "json.h"
#include "jsonparse.h"
#include "unit-main.h"

static MhJsonValue *
parse_ok(const char *text)
{
  g_autoptr(GError) error = NULL;
  MhJsonValue *v = mh_json_parse(text, -1, &error);

  g_assert_no_error(error);
  g_assert_nonnull(v);
  return v;
}

/* @text is refused with a message that contains @want. */
static void
assert_refused(const char *text, gssize len, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MhJsonValue) v = mh_json_parse(text, len, &error);

  g_assert_null(v);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  if (strstr(error->message, want) == NULL)
    g_error("'%s': message '%s' lacks '%s'", text, error->message, want);
  /* Without a GError the answer is the same NULL. */
  g_assert_null(mh_json_parse(text, len, NULL));
}

static void
test_scalars(void)
{
  g_autoptr(MhJsonValue) t = parse_ok(" true ");
  g_autoptr(MhJsonValue) f = parse_ok("false");
  g_autoptr(MhJsonValue) n = parse_ok("\t\r\nnull\n");
  g_autoptr(MhJsonValue) i = parse_ok("-42");
  g_autoptr(MhJsonValue) max = parse_ok("9223372036854775807");
  g_autoptr(MhJsonValue) min = parse_ok("-9223372036854775808");
  g_autoptr(MhJsonValue) big = parse_ok("9223372036854775808");
  g_autoptr(MhJsonValue) d = parse_ok("1.5e3");
  g_autoptr(MhJsonValue) e = parse_ok("2E-1");
  g_autoptr(MhJsonValue) zero = parse_ok("-0");
  g_autoptr(MhJsonValue) frac = parse_ok("0.25");

  g_assert_cmpint(t->kind, ==, MH_JSON_BOOL);
  g_assert_true(t->boolean);
  g_assert_cmpint(f->kind, ==, MH_JSON_BOOL);
  g_assert_false(f->boolean);
  g_assert_cmpint(n->kind, ==, MH_JSON_NULL);
  g_assert_cmpint(i->kind, ==, MH_JSON_INT);
  g_assert_cmpint(i->integer, ==, -42);
  g_assert_cmpint(max->kind, ==, MH_JSON_INT);
  g_assert_cmpint(max->integer, ==, G_MAXINT64);
  g_assert_cmpint(min->kind, ==, MH_JSON_INT);
  g_assert_cmpint(min->integer, ==, G_MININT64);
  /* One past: a double, never a wrapped or clamped integer. */
  g_assert_cmpint(big->kind, ==, MH_JSON_DOUBLE);
  g_assert_cmpfloat(big->number, ==, 9223372036854775808.0);
  g_assert_cmpint(d->kind, ==, MH_JSON_DOUBLE);
  g_assert_cmpfloat(d->number, ==, 1500.0);
  g_assert_cmpfloat(e->number, ==, 0.2);
  g_assert_cmpint(zero->kind, ==, MH_JSON_INT);
  g_assert_cmpint(zero->integer, ==, 0);
  g_assert_cmpfloat(frac->number, ==, 0.25);
}

static void
test_strings(void)
{
  g_autoptr(MhJsonValue) plain = parse_ok("\"guest 1.img\"");
  g_autoptr(MhJsonValue) esc = parse_ok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
  g_autoptr(MhJsonValue) uni = parse_ok("\"\\u00e9\\u20ac\\ud83d\\ude00\"");
  g_autoptr(MhJsonValue) utf8 = parse_ok("\"\xc3\xa9t\xc3\xa9\"");
  g_autoptr(MhJsonValue) empty = parse_ok("\"\"");

  g_assert_cmpint(plain->kind, ==, MH_JSON_STRING);
  g_assert_cmpstr(plain->string, ==, "guest 1.img");
  g_assert_cmpstr(esc->string, ==, "\"\\/\b\f\n\r\t");
  g_assert_cmpstr(uni->string, ==, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  g_assert_cmpstr(utf8->string, ==, "\xc3\xa9t\xc3\xa9");
  g_assert_cmpstr(empty->string, ==, "");
}

static void
test_containers(void)
{
  g_autoptr(MhJsonValue) v = parse_ok(
    "{\"id\": \"a\", \"files\": [\"x\", \"y\"], \"memory\": 4,"
    " \"empty\": {}, \"none\": [], \"deep\": [[1], {\"k\": null}]}");
  const MhJsonValue *files, *deep;

  g_assert_cmpint(v->kind, ==, MH_JSON_OBJECT);
  g_assert_cmpuint(v->members->len, ==, 6);
  /* In the order written. */
  g_assert_cmpstr(g_array_index(v->members, MhJsonMember, 0).name, ==, "id");
  g_assert_cmpstr(g_array_index(v->members, MhJsonMember, 5).name, ==, "deep");
  g_assert_cmpstr(mh_json_member(v, "id")->string, ==, "a");
  files = mh_json_member(v, "files");
  g_assert_cmpint(files->kind, ==, MH_JSON_ARRAY);
  g_assert_cmpuint(files->items->len, ==, 2);
  g_assert_cmpstr(((MhJsonValue *)files->items->pdata[1])->string, ==, "y");
  g_assert_cmpint(mh_json_member(v, "memory")->integer, ==, 4);
  g_assert_cmpuint(mh_json_member(v, "empty")->members->len, ==, 0);
  g_assert_cmpuint(mh_json_member(v, "none")->items->len, ==, 0);
  deep = mh_json_member(v, "deep");
  g_assert_cmpint(((MhJsonValue *)deep->items->pdata[1])->kind, ==,
                  MH_JSON_OBJECT);
  g_assert_null(mh_json_member(v, "absent"));
  g_assert_null(mh_json_member(files, "x")); /* not an object */
}

/* What RFC 8259 refuses, each with its message and column. */
static void
test_grammar_refused(void)
{
  assert_refused("", -1, "the end where a value was expected at column 1");
  assert_refused("   ", -1, "at column 4");
  assert_refused(
    "{\"a\": 1,}", -1,
    "'}' where a member name in double quotes was expected at column 9");
  assert_refused("[1,]", -1, "']' where a value was expected at column 4");
  assert_refused("[1 2]", -1, "'2' where ',' or ']' was expected at column 4");
  assert_refused("{\"a\" 1}", -1, "'1' where ':' was expected at column 6");
  assert_refused("{'a': 1}", -1, "member name in double quotes");
  assert_refused("{a: 1}", -1, "member name in double quotes");
  assert_refused("[1] [2]", -1,
                 "'[' where the end after the value was expected at column 5");
  assert_refused("// c\n1", -1, "'/' where a value was expected");
  assert_refused("tru", -1, "'t' where a value was expected at column 1");
  assert_refused("True", -1, "a value");
  assert_refused("NaN", -1, "a value");
  assert_refused("Infinity", -1, "a value");
  assert_refused("-", -1, "the end where a digit was expected at column 2");
  assert_refused("+1", -1, "a value");
  assert_refused("01", -1, "a number with a leading zero at column 2");
  assert_refused("1.", -1, "a digit after the decimal point");
  assert_refused(".5", -1, "a value");
  assert_refused("1e", -1, "a digit of the exponent");
  assert_refused("1e999", -1, "a number too large for a double at column 1");
  assert_refused("0x10", -1, "'x' where the end after the value");
  assert_refused("\"abc", -1, "a string without its closing quote");
  assert_refused("\"a\\x\"", -1, "where one of");
  assert_refused("\"a\\u12g4\"", -1,
                 "'g' where a hex digit of a \\u escape was expected at column 7");
  assert_refused("\"a\tb\"", -1,
                 "control character 0x09 in a string (escape it) at column 3");
  assert_refused("\"a\nb\"", -1, "control character 0x0a");
}

/* DEL needs no escape in JSON (only U+0000-U+001F do). */
static void
test_del_allowed(void)
{
  g_autoptr(MhJsonValue) v = parse_ok("\"\x7f\"");

  g_assert_cmpstr(v->string, ==, "\x7f");
}

/* The rules jsonparse.h adds: UTF-8, no NUL, no repeated member, depth. */
static void
test_rules_refused(void)
{
  static const char nul[] = "\"a\0b\"";
  g_autoptr(GString) deep = g_string_new(NULL);
  g_autoptr(GString) ok = g_string_new(NULL);
  g_autoptr(MhJsonValue) v = NULL;

  assert_refused("\"\xff\"", -1,
                 "a string that is not valid UTF-8 at column 2");
  assert_refused("\"ab\xc3\"", -1, "not valid UTF-8 at column 4");
  assert_refused("\"\xed\xa0\x80\"", -1, "not valid UTF-8"); /* a surrogate */
  assert_refused("\"\xc0\xaf\"", -1, "not valid UTF-8");     /* overlong '/' */
  assert_refused(nul, sizeof nul - 1, "a NUL byte in a string at column 3");
  assert_refused("\"a\\u0000b\"", -1, "a NUL character (\\u0000) in a string");
  assert_refused("\"\\udc00\"", -1, "a lone low surrogate");
  assert_refused("\"\\ud800\"", -1, "a high surrogate without its low half");
  assert_refused("\"\\ud800\\u0041\"", -1, "without its low half");
  assert_refused("{\"id\": 1, \"x\": 2, \"id\": 3}", -1,
                 "member \"id\" given twice at column 19");
  /* A NUL outside a string is no whitespace either. */
  assert_refused("1\0", 2, "byte 0x00 where the end after the value");

  for (int i = 0; i < MH_JSON_DEPTH_MAX; i++)
    g_string_append_c(deep, '[');
  assert_refused(deep->str, -1, "nesting deeper than");
  for (int i = 0; i < MH_JSON_DEPTH_MAX - 1; i++)
    g_string_append_c(ok, '[');
  for (int i = 0; i < MH_JSON_DEPTH_MAX - 1; i++)
    g_string_append_c(ok, ']');
  v = parse_ok(ok->str);
  g_assert_cmpint(v->kind, ==, MH_JSON_ARRAY);
}

/* @len bounds the text: what follows is not read. */
static void
test_length(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MhJsonValue) v = mh_json_parse("[1]garbage", 3, &error);

  g_assert_no_error(error);
  g_assert_cmpint(v->kind, ==, MH_JSON_ARRAY);
  assert_refused("\"abc\"", 3, "without its closing quote");
}

/* Many members: a repeat is still found (and fast: a hash, not a scan). */
static void
test_many_members(void)
{
  g_autoptr(GString) text = g_string_new("{");
  g_autoptr(MhJsonValue) v = NULL;

  for (int i = 0; i < 20000; i++)
    g_string_append_printf(text, "%s\"k%d\": %d", i ? ", " : "", i, i);
  g_string_append_c(text, '}');
  v = parse_ok(text->str);
  g_assert_cmpuint(v->members->len, ==, 20000);
  g_assert_cmpint(mh_json_member(v, "k19999")->integer, ==, 19999);
  g_string_truncate(text, text->len - 1);
  g_string_append(text, ", \"k7\": 0}");
  assert_refused(text->str, -1, "member \"k7\" given twice");
}

/* What the writer writes, the reader reads back as it was. */
static void
test_round_trip(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(MhJsonValue) v = NULL;
  const char *tricky = "tab\t nl\n quote\" bs\\ del\x7f \x01 \xc3\xa9";
  MhJson j;

  for (int pretty = 0; pretty <= 1; pretty++) {
    g_string_truncate(out, 0);
    mh_json_init(&j, out, pretty, 0);
    mh_json_begin_object(&j);
    mh_json_name(&j, "s");
    mh_json_string(&j, tricky);
    mh_json_name(&j, "i");
    mh_json_int(&j, G_MININT64);
    mh_json_name(&j, "u");
    mh_json_uint(&j, 12345);
    mh_json_name(&j, "d");
    mh_json_double(&j, 0.1);
    mh_json_name(&j, "a");
    mh_json_begin_array(&j);
    mh_json_bool(&j, FALSE);
    mh_json_null(&j);
    mh_json_end_array(&j);
    mh_json_end_object(&j);
    g_clear_pointer(&v, mh_json_value_free);
    v = parse_ok(out->str);
    g_assert_cmpstr(mh_json_member(v, "s")->string, ==, tricky);
    g_assert_cmpint(mh_json_member(v, "i")->integer, ==, G_MININT64);
    g_assert_cmpint(mh_json_member(v, "u")->integer, ==, 12345);
    g_assert_cmpfloat(mh_json_member(v, "d")->number, ==, 0.1);
    g_assert_cmpuint(mh_json_member(v, "a")->items->len, ==, 2);
  }
}

static void
test_kind_names(void)
{
  g_assert_cmpstr(mh_json_kind_name(MH_JSON_STRING), ==, "a string");
  g_assert_cmpstr(mh_json_kind_name(MH_JSON_INT), ==, "an integer");
  g_assert_cmpstr(mh_json_kind_name(MH_JSON_OBJECT), ==, "an object");
}

static const MhUnitTest tests[] = {
  {"/jsonparse/scalars", test_scalars},
  {"/jsonparse/strings", test_strings},
  {"/jsonparse/containers", test_containers},
  {"/jsonparse/grammar-refused", test_grammar_refused},
  {"/jsonparse/del-allowed", test_del_allowed},
  {"/jsonparse/rules-refused", test_rules_refused},
  {"/jsonparse/length", test_length},
  {"/jsonparse/many-members", test_many_members},
  {"/jsonparse/round-trip", test_round_trip},
  {"/jsonparse/kind-names", test_kind_names},
};

MH_UNIT_MAIN(tests)
