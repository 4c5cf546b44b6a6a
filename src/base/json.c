/* SPDX-License-Identifier: MIT */
/* json.c - JSON written straight into a GString (json.h). */
#include "config.h"

#include "json.h"

#include <math.h>
#include <string.h>

void
mh_json_init(MhJson *j, GString *out, gboolean pretty, guint base)
{
  *j = (MhJson){.out = out, .pretty = pretty, .base = base};
}

static void
json_newline(MhJson *j)
{
  if (!j->pretty)
    return;
  g_string_append_c(j->out, '\n');
  for (guint i = 0; i < j->base + j->depth; i++)
    g_string_append(j->out, "  ");
}

/* Before a value (or a member name): the comma and the line it needs. */
static void
json_before(MhJson *j)
{
  if (j->named) { /* the value of the member just named */
    j->named = FALSE;
    return;
  }
  if (j->depth == 0)
    return;
  if (j->filled & (1u << j->depth))
    g_string_append_c(j->out, ',');
  j->filled |= 1u << j->depth;
  json_newline(j);
}

static void
json_open(MhJson *j, char c)
{
  json_before(j);
  g_string_append_c(j->out, c);
  g_return_if_fail(j->depth + 1 < MH_JSON_DEPTH_MAX);
  j->depth++;
  j->filled &= ~(1u << j->depth);
}

static void
json_close(MhJson *j, char c)
{
  gboolean filled;

  g_return_if_fail(j->depth > 0);
  filled = (j->filled & (1u << j->depth)) != 0;
  j->depth--;
  if (filled)
    json_newline(j);
  g_string_append_c(j->out, c);
}

void
mh_json_begin_object(MhJson *j)
{
  json_open(j, '{');
}

void
mh_json_end_object(MhJson *j)
{
  json_close(j, '}');
}

void
mh_json_begin_array(MhJson *j)
{
  json_open(j, '[');
}

void
mh_json_end_array(MhJson *j)
{
  json_close(j, ']');
}

void
mh_json_name(MhJson *j, const char *name)
{
  json_before(j);
  mh_json_escape(j->out, name);
  g_string_append(j->out, j->pretty ? " : " : ":");
  j->named = TRUE;
}

/* One byte below 0x80 of a string, escaped as RFC 8259 needs (and DEL,
 * so that no control character reaches a terminal). */
static void
json_escape_ascii(GString *out, guchar c)
{
  switch (c) {
  case '"': g_string_append(out, "\\\""); break;
  case '\\': g_string_append(out, "\\\\"); break;
  case '\n': g_string_append(out, "\\n"); break;
  case '\r': g_string_append(out, "\\r"); break;
  case '\t': g_string_append(out, "\\t"); break;
  default:
    if (c < 0x20 || c == 0x7f)
      g_string_append_printf(out, "\\u%04x", c);
    else
      g_string_append_c(out, (char)c);
    break;
  }
}

void
mh_json_escape(GString *out, const char *text)
{
  g_string_append_c(out, '"');
  for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
    if (*p < 0x80)
      json_escape_ascii(out, *p);
    else
      g_string_append_c(out, (char)*p);
  }
  g_string_append_c(out, '"');
}

void
mh_json_bytes(MhJson *j, const guint8 *data, gsize len)
{
  json_before(j);
  g_string_append_c(j->out, '"');
  for (gsize i = 0; i < len;) {
    gunichar c;

    if (data[i] < 0x80) {
      json_escape_ascii(j->out, data[i++]);
      continue;
    }
    c = g_utf8_get_char_validated((const char *)data + i, (gssize)(len - i));
    if (c == (gunichar)-1 || c == (gunichar)-2) {
      g_string_append(j->out, "\xef\xbf\xbd"); /* U+FFFD */
      i++;
      continue;
    }
    gsize n = (gsize)(g_utf8_next_char((const char *)data + i) -
                      ((const char *)data + i));
    g_string_append_len(j->out, (const char *)data + i, (gssize)n);
    i += n;
  }
  g_string_append_c(j->out, '"');
}

void
mh_json_string(MhJson *j, const char *text)
{
  if (text == NULL) {
    mh_json_null(j);
    return;
  }
  json_before(j);
  mh_json_escape(j->out, text);
}

void
mh_json_null(MhJson *j)
{
  json_before(j);
  g_string_append(j->out, "null");
}

void
mh_json_bool(MhJson *j, gboolean value)
{
  json_before(j);
  g_string_append(j->out, value ? "true" : "false");
}

void
mh_json_int(MhJson *j, gint64 value)
{
  json_before(j);
  g_string_append_printf(j->out, "%" G_GINT64_FORMAT, value);
}

void
mh_json_uint(MhJson *j, guint64 value)
{
  json_before(j);
  g_string_append_printf(j->out, "%" G_GUINT64_FORMAT, value);
}

void
mh_json_double(MhJson *j, gdouble value)
{
  static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite(value)) {
    mh_json_null(j);
    return;
  }
  json_before(j);
  /* The shortest of %.15g to %.17g that reads back exactly. */
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(buf, sizeof buf, formats[i], value);
    if (g_ascii_strtod(buf, NULL) == value)
      break;
  }
  g_string_append(j->out, buf);
  if (strpbrk(buf, ".eE") == NULL)
    g_string_append(j->out, ".0");
}

void
mh_json_raw(MhJson *j, const char *json)
{
  json_before(j);
  g_string_append(j->out, json);
}
