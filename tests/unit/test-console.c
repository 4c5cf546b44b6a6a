/* SPDX-License-Identifier: MIT */
/* Units for the console line buffer: complete, partial and long lines. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "console.h"

typedef struct {
  GString *text;  /* everything emitted, pieces separated by '|' */
  guint    lines; /* complete lines                              */
  guint    parts; /* partial pieces                              */
} Sink;

static void
sink(gpointer user, const char *data, gsize len, gboolean complete)
{
  Sink *s = user;
  g_string_append_len(s->text, data, (gssize)len);
  g_string_append_c(s->text, '|');
  if (complete)
    s->lines++;
  else
    s->parts++;
}

static void
push(MhLineBuf *lb, const char *text, Sink *s)
{
  mh_linebuf_push(lb, (const guint8 *)text, strlen(text), sink, s);
}

static void
test_whole_lines(void)
{
  MhLineBuf lb;
  Sink s = {g_string_new(NULL), 0, 0};

  mh_linebuf_init(&lb, 64);
  push(&lb, "hel", &s);
  g_assert_cmpuint(s.text->len, ==, 0); /* nothing until the newline */
  push(&lb, "lo\nwor", &s);
  g_assert_cmpstr(s.text->str, ==, "hello\n|");
  push(&lb, "ld\n\nx", &s);
  g_assert_cmpstr(s.text->str, ==, "hello\n|world\n|\n|");
  g_assert_cmpuint(s.lines, ==, 3);
  mh_linebuf_flush(&lb, sink, &s);
  g_assert_cmpstr(s.text->str, ==, "hello\n|world\n|\n|x|");
  g_assert_cmpuint(s.parts, ==, 1);
  mh_linebuf_flush(&lb, sink, &s); /* nothing left: emits nothing */
  g_assert_cmpuint(s.parts, ==, 1);
  mh_linebuf_clear(&lb);
  g_string_free(s.text, TRUE);
}

static void
test_long_line(void)
{
  MhLineBuf lb;
  Sink s = {g_string_new(NULL), 0, 0};

  mh_linebuf_init(&lb, 4);
  push(&lb, "abcdefghij\n", &s);
  g_assert_cmpstr(s.text->str, ==, "abcd|efgh|ij\n|");
  g_assert_cmpuint(s.parts, ==, 2);
  g_assert_cmpuint(s.lines, ==, 1);
  /* Exactly full, then a newline: the newline ends an empty piece. */
  push(&lb, "wxyz\n", &s);
  g_assert_cmpstr(s.text->str, ==, "abcd|efgh|ij\n|wxyz|\n|");
  mh_linebuf_clear(&lb);
  g_string_free(s.text, TRUE);
}

static void
test_byte_at_a_time(void)
{
  MhLineBuf lb;
  Sink s = {g_string_new(NULL), 0, 0};
  const char *text = "one\ntwo\n";

  mh_linebuf_init(&lb, 16);
  for (const char *p = text; *p; p++)
    mh_linebuf_push(&lb, (const guint8 *)p, 1, sink, &s);
  g_assert_cmpstr(s.text->str, ==, "one\n|two\n|");
  mh_linebuf_clear(&lb);
  g_string_free(s.text, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/console/whole-lines", test_whole_lines);
  g_test_add_func("/console/long-line", test_long_line);
  g_test_add_func("/console/byte-at-a-time", test_byte_at_a_time);
  return g_test_run();
}
