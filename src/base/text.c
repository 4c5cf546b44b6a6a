/* SPDX-License-Identifier: MIT */
/* text.c - escaping outside names for the terminal. */
#include "config.h"

#include "text.h"

#include <string.h>

static void
text_escape_byte(GString *out, guchar c)
{
  switch (c) {
  case '\n': g_string_append(out, "\\n"); break;
  case '\r': g_string_append(out, "\\r"); break;
  case '\t': g_string_append(out, "\\t"); break;
  case '\\': g_string_append(out, "\\\\"); break;
  default: g_string_append_printf(out, "\\%03o", c); break;
  }
}

char *
mh_text_escape(const char *name)
{
  GString *out = g_string_sized_new(strlen(name) + 8);
  const char *p = name;

  while (*p != '\0') {
    gunichar ch = g_utf8_get_char_validated(p, -1);

    if (ch == (gunichar)-1 || ch == (gunichar)-2) {
      text_escape_byte(out, (guchar)*p++); /* not UTF-8: one byte */
      continue;
    }
    /* C0 and C1 controls, DEL, the backslash itself, and what can
     * reorder or break a line on a terminal (bidi and other format
     * characters, U+2028/U+2029). */
    if (ch == '\\' || g_unichar_iscntrl(ch) || ch == 0x2028 || ch == 0x2029 ||
        g_unichar_type(ch) == G_UNICODE_FORMAT) {
      if (ch < 0x80) {
        text_escape_byte(out, (guchar)ch);
      } else {
        for (const char *q = p; q < g_utf8_next_char(p); q++)
          text_escape_byte(out, (guchar)*q);
      }
    } else {
      g_string_append_len(out, p, g_utf8_next_char(p) - p);
    }
    p = g_utf8_next_char(p);
  }
  return g_string_free(out, FALSE);
}

char *
mh_text_file_name(const char *prefix, const char *stem, const char *suffix)
{
  gsize fixed = strlen(prefix) + strlen(suffix);
  gsize room = fixed < MH_TEXT_NAME_MAX ? MH_TEXT_NAME_MAX - fixed : 0;
  gsize keep = strlen(stem);

  if (keep > room) {
    keep = room;
    /* Back to the start of a character: no half of one is left behind
     * (continuation bytes are 10xxxxxx). */
    if (g_utf8_validate(stem, -1, NULL))
      while (keep > 0 && ((guchar)stem[keep] & 0xc0) == 0x80)
        keep--;
  }
  return g_strdup_printf("%s%.*s%s", prefix, (int)keep, stem, suffix);
}
