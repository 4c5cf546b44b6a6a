/* SPDX-License-Identifier: MIT */
/*
 * fuzz_router - the routing of standard input to 1..8 VM queues
 * (MhRouter, MhInput), fed in random chunks, with queues abandoned at
 * random points (their VM ended).
 *
 * The oracle is a line-at-a-time reading of input.h, applied to the whole
 * input at once: with one VM every byte passes unchanged; with several,
 * "N:text" goes to VM N only, "*:text" to every VM, any other line whole
 * to every VM, and a line for a VM that does not exist is dropped with
 * one warning.  The streaming router must give every queue exactly that,
 * however the input is cut into chunks; an abandoned queue holds nothing;
 * every queue is closed at the end.
 */
#include "config.h"

#include "fuzz-common.h"

#include "input.h"

#define FUZZ_MAX_QUEUES 8

typedef struct {
  guint warnings;
} Warn;

static void
on_warn(gpointer user, const char *message)
{
  Warn *w = user;
  FUZZ_CHECK(strstr(message, "is for VM") != NULL, "warning '%s'", message);
  w->warnings++;
}

/* The expected content of each queue, and the number of warnings. */
static guint
reference(const guint8 *s, gsize n, guint n_queues, GByteArray **want)
{
  guint warnings = 0;
  gsize pos = 0;

  if (n_queues == 1) {
    g_byte_array_append(want[0], s, (guint)n);
    return 0;
  }
  while (pos < n) {
    const guint8 *line = s + pos;
    const guint8 *nl = memchr(line, '\n', n - pos);
    gsize len = nl ? (gsize)(nl - line) + 1 : n - pos;
    gsize digits = 0, skip = 0;
    guint64 index = 0;
    gint64 target = -1; /* every VM */

    pos += len;
    if (len >= 2 && line[0] == '*' && line[1] == ':') {
      skip = 2;
    } else {
      while (digits < len && digits < 9 && g_ascii_isdigit(line[digits]))
        index = index * 10 + (guint64)(line[digits++] - '0');
      if (digits > 0 && digits < len && line[digits] == ':') {
        skip = digits + 1;
        if (index >= n_queues) {
          warnings++;
          continue; /* dropped */
        }
        target = (gint64)index;
      }
    }
    for (guint q = 0; q < n_queues; q++)
      if (target < 0 || (guint)target == q)
        g_byte_array_append(want[q], line + skip, (guint)(len - skip));
  }
  return warnings;
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
  MhInput inputs[FUZZ_MAX_QUEUES];
  MhInput *queues[FUZZ_MAX_QUEUES];
  GByteArray *want[FUZZ_MAX_QUEUES];
  gboolean abandoned[FUZZ_MAX_QUEUES] = {FALSE};
  g_autoptr(GByteArray) stream = g_byte_array_new();
  MhRouter router;
  Warn warn = {0};
  guint n_queues, expect_warnings;
  FuzzIn in;

  fuzz_in_init(&in, data, size);
  n_queues = 1 + fuzz_u8(&in) % FUZZ_MAX_QUEUES;
  for (guint q = 0; q < n_queues; q++) {
    mh_input_init(&inputs[q], -1);
    queues[q] = &inputs[q];
    want[q] = g_byte_array_new();
  }
  mh_router_init(&router, queues, n_queues, on_warn, &warn);

  while (!fuzz_in_done(&in)) {
    guint8 op = fuzz_u8(&in);

    if (op == 0xff) {
      guint q = fuzz_u8(&in) % n_queues;
      mh_input_abandon(queues[q]);
      abandoned[q] = TRUE;
    } else {
      gsize n;
      const guint8 *bytes = fuzz_bytes(&in, op, &n);
      mh_router_feed(&router, bytes, n);
      g_byte_array_append(stream, bytes, (guint)n);
    }
  }
  mh_router_finish(&router);

  expect_warnings = reference(stream->data, stream->len, n_queues, want);
  FUZZ_CHECK(warn.warnings == expect_warnings, "%u warnings, expected %u",
             warn.warnings, expect_warnings);
  for (guint q = 0; q < n_queues; q++) {
    MhInput *qi = queues[q];
    const GByteArray *exp = want[q];
    gsize have = mh_input_pending(qi);
    g_autofree guint8 *got = g_malloc(have + 1);

    FUZZ_CHECK(qi->closed, "queue %u not closed at the end", q);
    if (abandoned[q]) {
      FUZZ_CHECK(have == 0, "abandoned queue %u holds %zu bytes", q, have);
    } else {
      FUZZ_CHECK(have == exp->len, "queue %u: %zu bytes, expected %u", q, have,
                 exp->len);
      /* An empty GByteArray's data may be NULL: memcmp() must not see it. */
      FUZZ_CHECK(mh_input_peek(qi, got, have) == have &&
                   (have == 0 || memcmp(got, exp->data, have) == 0),
                 "queue %u: other bytes than expected", q);
    }
  }
  mh_router_clear(&router);
  for (guint q = 0; q < n_queues; q++) {
    mh_input_clear(&inputs[q]);
    g_byte_array_unref(want[q]);
  }
  return 0;
}
