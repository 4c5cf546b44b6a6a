/* SPDX-License-Identifier: MIT */
/*
 * fuzz_linebuf - the console's line buffer (MhLineBuf) under random
 * pushes and flushes, with a random capacity.
 *
 * Invariants: every byte pushed comes out exactly once and in order;
 * a piece marked complete ends in its only newline; a piece is never
 * empty and never longer than the capacity; an incomplete piece holds
 * no newline and, unless it came from a flush, is exactly the capacity
 * long; after a flush nothing is held back.
 */
#include "config.h"

#include "fuzz-common.h"

#include "console.h"

typedef struct {
  GByteArray *out; /* every byte the sink got, in order     */
  gsize cap;
  gboolean flushing; /* inside mh_linebuf_flush()             */
  guint flush_pieces;
} Sink;

static void
sink_piece(gpointer user, const char *data, gsize len, gboolean complete)
{
  Sink *s = user;
  const char *nl = memchr(data, '\n', len);

  FUZZ_CHECK(len > 0, "empty piece");
  FUZZ_CHECK(len <= s->cap, "piece of %zu bytes, capacity %zu", len, s->cap);
  if (complete) {
    FUZZ_CHECK(!s->flushing, "a flush emitted a complete line");
    FUZZ_CHECK(nl == data + len - 1, "a complete piece must end in its "
                                     "only newline");
  } else {
    FUZZ_CHECK(nl == NULL, "an incomplete piece holds a newline");
    FUZZ_CHECK(s->flushing || len == s->cap,
               "a piece cut at %zu bytes with capacity %zu", len, s->cap);
  }
  if (s->flushing)
    s->flush_pieces++;
  g_byte_array_append(s->out, (const guint8 *)data, (guint)len);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_glib_strict();
  return 0;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  FuzzIn in;
  MhLineBuf lb;
  g_autoptr(GByteArray) sent = g_byte_array_new();
  Sink s = {.out = g_byte_array_new()};

  fuzz_in_init(&in, data, size);
  /* Capacity 1 .. 64, or the console's own. */
  s.cap = fuzz_u8(&in) % 65;
  if (s.cap == 0)
    s.cap = MH_CONSOLE_LINE_MAX;
  mh_linebuf_init(&lb, s.cap);
  while (!fuzz_in_done(&in)) {
    guint8 op = fuzz_u8(&in);

    if (op % 8 == 0) {
      s.flushing = TRUE;
      s.flush_pieces = 0;
      mh_linebuf_flush(&lb, sink_piece, &s);
      s.flushing = FALSE;
      FUZZ_CHECK(s.flush_pieces <= 1, "a flush emitted %u pieces",
                 s.flush_pieces);
      FUZZ_CHECK(lb.len == 0, "%zu bytes held after a flush", lb.len);
      FUZZ_CHECK(s.out->len == sent->len, "after a flush, %u of %u bytes out",
                 s.out->len, sent->len);
    } else {
      gsize n;
      const guint8 *bytes = fuzz_bytes(&in, op, &n);
      mh_linebuf_push(&lb, bytes, n, sink_piece, &s);
      g_byte_array_append(sent, bytes, (guint)n);
    }
    FUZZ_CHECK(lb.len < lb.cap, "%zu bytes held, capacity %zu", lb.len, lb.cap);
    FUZZ_CHECK(s.out->len + lb.len == sent->len,
               "bytes lost or duplicated: "
               "%u out + %zu held != %u in",
               s.out->len, lb.len, sent->len);
    FUZZ_CHECK(memchr(lb.data, '\n', lb.len) == NULL,
               "a newline held back in the buffer");
  }
  s.flushing = TRUE;
  mh_linebuf_flush(&lb, sink_piece, &s);
  FUZZ_CHECK(s.out->len == sent->len &&
               (sent->len == 0 ||
                memcmp(s.out->data, sent->data, sent->len) == 0),
             "output differs from input");
  mh_linebuf_clear(&lb);
  g_byte_array_unref(s.out);
  return 0;
}
