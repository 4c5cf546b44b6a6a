/* SPDX-License-Identifier: MIT */
/* Units for input routing: addressing, broadcast, split reads, limits. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "input.h"

#define N 3

typedef struct {
  MhInput   queues[N];
  MhInput  *ptrs[N];
  MhRouter  router;
  GString  *warnings;
} Fixture;

static void
on_warn(gpointer user, const char *message)
{
  Fixture *f = user;
  g_string_append_printf(f->warnings, "%s\n", message);
}

static void
fixture_setup(Fixture *f, guint n)
{
  for (guint i = 0; i < n; i++) {
    mh_input_init(&f->queues[i], -1);
    f->ptrs[i] = &f->queues[i];
  }
  f->warnings = g_string_new(NULL);
  mh_router_init(&f->router, f->ptrs, n, on_warn, f);
}

static void
fixture_teardown(Fixture *f, guint n)
{
  mh_router_clear(&f->router);
  for (guint i = 0; i < n; i++)
    mh_input_clear(&f->queues[i]);
  g_string_free(f->warnings, TRUE);
}

/* Everything queued for VM @i, read until end of input. */
static char *
drain(Fixture *f, guint i)
{
  GString *s = g_string_new(NULL);
  gint stop = 0;
  guint8 buf[7]; /* small, to exercise partial reads */
  gsize got;

  while ((got = mh_input_read(&f->queues[i], buf, sizeof buf, &stop)) > 0)
    g_string_append_len(s, (const char *)buf, (gssize)got);
  return g_string_free(s, FALSE);
}

static void
feed(Fixture *f, const char *text)
{
  mh_router_feed(&f->router, (const guint8 *)text, strlen(text));
}

static void
test_addressing(void)
{
  Fixture f;
  fixture_setup(&f, N);
  feed(&f, "all\n0:zero\n2:two\n*:star\n*plain\n12345\n\n1:\n9:none\n:x\n");
  mh_router_finish(&f.router);
  {
    g_autofree char *q0 = drain(&f, 0), *q1 = drain(&f, 1), *q2 = drain(&f, 2);
    g_assert_cmpstr(q0, ==, "all\nzero\nstar\n*plain\n12345\n\n:x\n");
    g_assert_cmpstr(q1, ==, "all\nstar\n*plain\n12345\n\n\n:x\n");
    g_assert_cmpstr(q2, ==, "all\ntwo\nstar\n*plain\n12345\n\n:x\n");
  }
  g_assert_cmpstr(f.warnings->str, ==,
                  "input line 9 is for VM 9, but the VMs are 0 to 2: line dropped\n");
  fixture_teardown(&f, N);
}

static void
test_split_feeds(void)
{
  const char *text = "1:hello world\n0:bye\nboth\n2";
  Fixture f;

  fixture_setup(&f, N);
  /* One byte at a time must route exactly as one big feed. */
  for (const char *p = text; *p; p++)
    mh_router_feed(&f.router, (const guint8 *)p, 1);
  mh_router_finish(&f.router);
  {
    g_autofree char *q0 = drain(&f, 0), *q1 = drain(&f, 1), *q2 = drain(&f, 2);
    g_assert_cmpstr(q0, ==, "bye\nboth\n2");
    g_assert_cmpstr(q1, ==, "hello world\nboth\n2");
    g_assert_cmpstr(q2, ==, "both\n2"); /* a final unterminated line, for all */
  }
  fixture_teardown(&f, N);
}

static void
test_long_line_streams(void)
{
  g_autofree char *big = g_malloc(3 * MH_INPUT_HIGH + 1);
  Fixture f;

  memset(big, 'z', 3 * MH_INPUT_HIGH);
  big[3 * MH_INPUT_HIGH] = '\0';
  fixture_setup(&f, N);
  feed(&f, "1:");
  feed(&f, big);
  feed(&f, "\n");
  mh_router_finish(&f.router);
  g_assert_cmpuint(mh_input_pending(&f.queues[0]), ==, 0);
  g_assert_cmpuint(mh_input_pending(&f.queues[1]), ==, 3 * MH_INPUT_HIGH + 1);
  fixture_teardown(&f, N);
}

static void
test_raw_single(void)
{
  Fixture f;
  fixture_setup(&f, 1);
  feed(&f, "0:not an address\n*:nor this");
  mh_router_finish(&f.router);
  {
    g_autofree char *q0 = drain(&f, 0);
    g_assert_cmpstr(q0, ==, "0:not an address\n*:nor this");
  }
  fixture_teardown(&f, 1);
}

static void
test_abandon_and_stop(void)
{
  MhInput in;
  gint stop = 0;
  guint8 buf[4];

  mh_input_init(&in, -1);
  mh_input_push(&in, (const guint8 *)"abc", 3);
  g_assert_cmpuint(mh_input_read(&in, buf, 2, &stop), ==, 2);
  /* A stop request makes a read return at once, data or not. */
  stop = 1;
  g_assert_cmpuint(mh_input_read(&in, buf, 4, &stop), ==, 0);
  stop = 0;
  mh_input_abandon(&in);
  mh_input_push(&in, (const guint8 *)"dropped", 7);
  g_assert_cmpuint(mh_input_pending(&in), ==, 0);
  mh_input_close(&in);
  g_assert_cmpuint(mh_input_read(&in, buf, 4, &stop), ==, 0);
  mh_input_clear(&in);
}

static void
test_cap_drops_and_warns_once(void)
{
  g_autofree char *big = g_malloc(MH_INPUT_MAX);
  Fixture f;

  memset(big, 'q', MH_INPUT_MAX);
  fixture_setup(&f, N);
  feed(&f, "0:");
  mh_router_feed(&f.router, (const guint8 *)big, MH_INPUT_MAX);
  feed(&f, "\n0:more\n0:and more\n1:for one\n");
  /* VM 0 holds the cap; its later lines are dropped, reported once; the
   * others are not held up. */
  g_assert_cmpuint(mh_input_pending(&f.queues[0]), ==, MH_INPUT_MAX);
  g_assert_cmpuint(mh_input_pending(&f.queues[1]), ==, 8);
  g_assert_cmpstr(f.warnings->str, ==,
                  "VM 0 has left 64 MiB of its input unread: its input from "
                  "line 1 on is dropped\n");
  fixture_teardown(&f, N);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/input/addressing", test_addressing);
  g_test_add_func("/input/split-feeds", test_split_feeds);
  g_test_add_func("/input/long-line", test_long_line_streams);
  g_test_add_func("/input/raw-single-vm", test_raw_single);
  g_test_add_func("/input/abandon-and-stop", test_abandon_and_stop);
  g_test_add_func("/input/cap", test_cap_drops_and_warns_once);
  return g_test_run();
}
