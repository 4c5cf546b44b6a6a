/* SPDX-License-Identifier: MIT */
/* jsonparse.c - JSON read into a tree (jsonparse.h). */
#include "config.h"

#include "jsonparse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"

typedef struct {
  const char *text;
  gsize len;
  gsize pos;
  guint depth;
  GError **error;
} Parser;

/* Sets the error once (the first failure is the one that counts) and
 * returns NULL for the caller to pass up. */
G_GNUC_PRINTF(2, 3)
static MhJsonValue *
parse_fail(Parser *p, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  if (p->error == NULL || *p->error != NULL)
    return NULL;
  va_start(ap, fmt);
  what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(p->error, MH_ERROR, MH_ERROR_USAGE,
              "%s at column %" G_GSIZE_FORMAT, what, p->pos + 1);
  return NULL;
}

static gboolean
parse_at_end(const Parser *p)
{
  return p->pos >= p->len;
}

static void
parse_skip_space(Parser *p)
{
  while (!parse_at_end(p) && strchr(" \t\n\r", p->text[p->pos]) != NULL &&
         p->text[p->pos] != '\0')
    p->pos++;
}

/* What is at the current position, for messages: the character, or
 * "the end". */
static char *
parse_here(const Parser *p)
{
  guchar c;

  if (parse_at_end(p))
    return g_strdup("the end");
  c = (guchar)p->text[p->pos];
  if (c >= 0x20 && c < 0x7f)
    return g_strdup_printf("'%c'", c);
  return g_strdup_printf("byte 0x%02x", c);
}

static MhJsonValue *
parse_unexpected(Parser *p, const char *wanted)
{
  g_autofree char *here = parse_here(p);

  return parse_fail(p, "%s where %s was expected", here, wanted);
}

static MhJsonValue *
value_new(MhJsonKind kind)
{
  MhJsonValue *v = g_new0(MhJsonValue, 1);

  v->kind = kind;
  return v;
}

static gboolean
parse_literal(Parser *p, const char *word)
{
  gsize n = strlen(word);

  if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
    return FALSE;
  p->pos += n;
  return TRUE;
}

/* Four hex digits of a \u escape. */
static gboolean
parse_hex4(Parser *p, gunichar *out)
{
  *out = 0;
  for (int i = 0; i < 4; i++) {
    int d = parse_at_end(p) ? -1 : g_ascii_xdigit_value(p->text[p->pos]);
    if (d < 0) {
      parse_unexpected(p, "a hex digit of a \\u escape");
      return FALSE;
    }
    *out = *out << 4 | (gunichar)d;
    p->pos++;
  }
  return TRUE;
}

/* After "\u": one character, a surrogate pair taking two escapes. */
static gboolean
parse_unicode_escape(Parser *p, GString *out)
{
  gunichar c, low;

  if (!parse_hex4(p, &c))
    return FALSE;
  if (c >= 0xdc00 && c <= 0xdfff) {
    parse_fail(p, "a \\u escape of a lone low surrogate");
    return FALSE;
  }
  if (c >= 0xd800 && c <= 0xdbff) {
    if (!parse_literal(p, "\\u")) {
      parse_fail(p, "a \\u escape of a high surrogate without its low half");
      return FALSE;
    }
    if (!parse_hex4(p, &low))
      return FALSE;
    if (low < 0xdc00 || low > 0xdfff) {
      parse_fail(p, "a \\u escape of a high surrogate without its low half");
      return FALSE;
    }
    c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
  }
  if (c == 0) {
    parse_fail(p, "a NUL character (\\u0000) in a string");
    return FALSE;
  }
  g_string_append_unichar(out, c);
  return TRUE;
}

/* After a backslash. */
static gboolean
parse_escape(Parser *p, GString *out)
{
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *hit;

  if (parse_at_end(p)) {
    parse_unexpected(p, "an escape");
    return FALSE;
  }
  if (p->text[p->pos] == 'u') {
    p->pos++;
    return parse_unicode_escape(p, out);
  }
  hit = p->text[p->pos] != '\0' ? strchr(from, p->text[p->pos]) : NULL;
  if (hit == NULL) {
    parse_unexpected(p, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
    return FALSE;
  }
  g_string_append_c(out, to[hit - from]);
  p->pos++;
  return TRUE;
}

/* At the opening quote; returns the string's UTF-8 (owned) or NULL. */
static char *
parse_string_text(Parser *p)
{
  g_autoptr(GString) out = g_string_new(NULL);
  gsize start;

  p->pos++; /* the quote */
  for (;;) {
    guchar c;

    /* A run of plain bytes at once, checked as UTF-8 below. */
    start = p->pos;
    while (!parse_at_end(p) && p->text[p->pos] != '"' &&
           p->text[p->pos] != '\\' && (guchar)p->text[p->pos] >= 0x20)
      p->pos++;
    if (!g_utf8_validate(p->text + start, (gssize)(p->pos - start), NULL)) {
      const char *end = NULL;

      g_utf8_validate(p->text + start, (gssize)(p->pos - start), &end);
      p->pos = (gsize)(end - p->text);
      parse_fail(p, "a string that is not valid UTF-8");
      return NULL;
    }
    g_string_append_len(out, p->text + start, (gssize)(p->pos - start));
    if (parse_at_end(p)) {
      parse_fail(p, "a string without its closing quote");
      return NULL;
    }
    c = (guchar)p->text[p->pos];
    if (c == '"') {
      p->pos++;
      return g_string_free(g_steal_pointer(&out), FALSE);
    }
    if (c == '\\') {
      p->pos++;
      if (!parse_escape(p, out))
        return NULL;
      continue;
    }
    if (c == '\0')
      parse_fail(p, "a NUL byte in a string");
    else
      parse_fail(p, "control character 0x%02x in a string (escape it)", c);
    return NULL;
  }
}

/* The digits of RFC 8259's number grammar, checked here; the value is
 * then read by the C library from exactly those bytes. */
static MhJsonValue *
parse_number(Parser *p)
{
  gsize start = p->pos;
  gboolean integral = TRUE;
  g_autofree char *copy = NULL;
  MhJsonValue *v;

  if (p->text[p->pos] == '-')
    p->pos++;
  if (parse_at_end(p) || !g_ascii_isdigit(p->text[p->pos]))
    return parse_unexpected(p, "a digit");
  if (p->text[p->pos] == '0') {
    p->pos++;
    if (!parse_at_end(p) && g_ascii_isdigit(p->text[p->pos]))
      return parse_fail(p, "a number with a leading zero");
  } else {
    while (!parse_at_end(p) && g_ascii_isdigit(p->text[p->pos]))
      p->pos++;
  }
  if (!parse_at_end(p) && p->text[p->pos] == '.') {
    integral = FALSE;
    p->pos++;
    if (parse_at_end(p) || !g_ascii_isdigit(p->text[p->pos]))
      return parse_unexpected(p, "a digit after the decimal point");
    while (!parse_at_end(p) && g_ascii_isdigit(p->text[p->pos]))
      p->pos++;
  }
  if (!parse_at_end(p) && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
    integral = FALSE;
    p->pos++;
    if (!parse_at_end(p) && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
      p->pos++;
    if (parse_at_end(p) || !g_ascii_isdigit(p->text[p->pos]))
      return parse_unexpected(p, "a digit of the exponent");
    while (!parse_at_end(p) && g_ascii_isdigit(p->text[p->pos]))
      p->pos++;
  }
  copy = g_strndup(p->text + start, p->pos - start);
  if (integral) {
    char *end;
    gint64 n;

    errno = 0;
    n = g_ascii_strtoll(copy, &end, 10);
    if (errno == 0 && *end == '\0') {
      v = value_new(MH_JSON_INT);
      v->integer = n;
      return v;
    }
  }
  v = value_new(MH_JSON_DOUBLE);
  v->number = g_ascii_strtod(copy, NULL);
  if (!isfinite(v->number)) {
    g_free(v);
    p->pos = start;
    return parse_fail(p, "a number too large for a double");
  }
  return v;
}

static MhJsonValue *parse_value(Parser *p);

/* After an element or member: skips to ',' (FALSE: another follows) or
 * @close (TRUE, *@done set: the container ends); anything else fails. */
static gboolean
parse_after_item(Parser *p, char close, gboolean *done)
{
  parse_skip_space(p);
  if (!parse_at_end(p) &&
      (p->text[p->pos] == ',' || p->text[p->pos] == close)) {
    *done = p->text[p->pos++] == close;
    return TRUE;
  }
  parse_unexpected(p, close == ']' ? "',' or ']'" : "',' or '}'");
  return FALSE;
}

static MhJsonValue *
parse_array(Parser *p)
{
  g_autoptr(MhJsonValue) v = value_new(MH_JSON_ARRAY);

  v->items = g_ptr_array_new_with_free_func((GDestroyNotify)mh_json_value_free);
  p->pos++; /* [ */
  parse_skip_space(p);
  if (!parse_at_end(p) && p->text[p->pos] == ']') {
    p->pos++;
    return g_steal_pointer(&v);
  }
  for (;;) {
    MhJsonValue *item = parse_value(p);
    gboolean done;

    if (item == NULL)
      return NULL;
    g_ptr_array_add(v->items, item);
    if (!parse_after_item(p, ']', &done))
      return NULL;
    if (done)
      return g_steal_pointer(&v);
  }
}

static void
member_clear(gpointer data)
{
  MhJsonMember *m = data;

  g_free(m->name);
  mh_json_value_free(m->value);
}

static MhJsonValue *
parse_object(Parser *p)
{
  g_autoptr(MhJsonValue) v = value_new(MH_JSON_OBJECT);
  /* The names so far (borrowed from the members): a repeat is found in
   * constant time however many members a line holds. */
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);

  v->members = g_array_new(FALSE, FALSE, sizeof(MhJsonMember));
  g_array_set_clear_func(v->members, member_clear);
  p->pos++; /* { */
  parse_skip_space(p);
  if (!parse_at_end(p) && p->text[p->pos] == '}') {
    p->pos++;
    return g_steal_pointer(&v);
  }
  for (;;) {
    MhJsonMember m = {NULL, NULL};
    gboolean done;
    gsize name_pos = p->pos;

    if (parse_at_end(p) || p->text[p->pos] != '"')
      return parse_unexpected(p, "a member name in double quotes");
    m.name = parse_string_text(p);
    if (m.name == NULL)
      return NULL;
    if (g_hash_table_contains(names, m.name)) {
      g_autofree char *name = m.name;

      p->pos = name_pos;
      return parse_fail(p, "member \"%s\" given twice", name);
    }
    parse_skip_space(p);
    if (parse_at_end(p) || p->text[p->pos] != ':') {
      g_free(m.name);
      return parse_unexpected(p, "':'");
    }
    p->pos++;
    m.value = parse_value(p);
    if (m.value == NULL) {
      g_free(m.name);
      return NULL;
    }
    g_array_append_val(v->members, m);
    g_hash_table_add(names, m.name);
    if (!parse_after_item(p, '}', &done))
      return NULL;
    if (done)
      return g_steal_pointer(&v);
    parse_skip_space(p);
  }
}

static MhJsonValue *
parse_value(Parser *p)
{
  MhJsonValue *v = NULL;
  char c;

  parse_skip_space(p);
  if (parse_at_end(p))
    return parse_unexpected(p, "a value");
  c = p->text[p->pos];
  if (c == '{' || c == '[') {
    if (p->depth + 1 >= MH_JSON_DEPTH_MAX)
      return parse_fail(p, "nesting deeper than %d", MH_JSON_DEPTH_MAX - 1);
    p->depth++;
    v = c == '{' ? parse_object(p) : parse_array(p);
    p->depth--;
    return v;
  }
  if (c == '"') {
    char *s = parse_string_text(p);
    if (s == NULL)
      return NULL;
    v = value_new(MH_JSON_STRING);
    v->string = s;
    return v;
  }
  if (c == '-' || g_ascii_isdigit(c))
    return parse_number(p);
  if (parse_literal(p, "true")) {
    v = value_new(MH_JSON_BOOL);
    v->boolean = TRUE;
    return v;
  }
  if (parse_literal(p, "false"))
    return value_new(MH_JSON_BOOL); /* boolean FALSE */
  if (parse_literal(p, "null"))
    return value_new(MH_JSON_NULL);
  return parse_unexpected(p, "a value");
}

MhJsonValue *
mh_json_parse(const char *text, gssize len, GError **error)
{
  Parser p = {
    .text = text,
    .len = len < 0 ? strlen(text) : (gsize)len,
    .error = error,
  };
  g_autoptr(MhJsonValue) v = NULL;
  GError *local = NULL;

  /* The failure is noted here even when the caller passes no GError. */
  if (error == NULL)
    p.error = &local;
  v = parse_value(&p);
  if (v != NULL) {
    parse_skip_space(&p);
    if (!parse_at_end(&p)) {
      parse_unexpected(&p, "the end after the value");
      g_clear_pointer(&v, mh_json_value_free);
    }
  }
  g_clear_error(&local);
  return g_steal_pointer(&v);
}

void
mh_json_value_free(MhJsonValue *value)
{
  if (value == NULL)
    return;
  switch (value->kind) {
  case MH_JSON_STRING: g_free(value->string); break;
  case MH_JSON_ARRAY: g_ptr_array_unref(value->items); break;
  case MH_JSON_OBJECT: g_array_unref(value->members); break;
  default: break;
  }
  g_free(value);
}

const MhJsonValue *
mh_json_member(const MhJsonValue *object, const char *name)
{
  if (object == NULL || object->kind != MH_JSON_OBJECT)
    return NULL;
  for (guint i = 0; i < object->members->len; i++) {
    const MhJsonMember *m = &g_array_index(object->members, MhJsonMember, i);
    if (strcmp(m->name, name) == 0)
      return m->value;
  }
  return NULL;
}

const char *
mh_json_kind_name(MhJsonKind kind)
{
  switch (kind) {
  case MH_JSON_NULL: return "null";
  case MH_JSON_BOOL: return "true or false";
  case MH_JSON_INT: return "an integer";
  case MH_JSON_DOUBLE: return "a number with a fraction or exponent";
  case MH_JSON_STRING: return "a string";
  case MH_JSON_ARRAY: return "an array";
  case MH_JSON_OBJECT: return "an object";
  }
  return "a value";
}
