/* SPDX-License-Identifier: MIT */
/* Units for the I/O port table: registration limits, dispatch, counters. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "ports.h"
#include "unit-main.h"

/* A device that records what reached it. */
typedef struct {
  guint calls;
  guint16 last_port;
  MhIoDir last_dir;
  gboolean refuse; /* fail every access, as a device does on a bad width */
} Device;

static gboolean
device_io(gpointer opaque, const MhIoAccess *io, GError **error)
{
  Device *d = opaque;

  d->calls++;
  d->last_port = io->port;
  d->last_dir = io->dir;
  if (d->refuse) {
    g_set_error(error, MH_ERROR, MH_ERROR_GUEST, "refused by the device");
    return FALSE;
  }
  if (io->dir == MH_IO_IN)
    memset(io->data, 0xA5, (gsize)io->size * io->count);
  return TRUE;
}

static void
assert_refused(MhPortTable *t, guint16 first, guint16 count, const char *name,
               const char *message)
{
  g_autoptr(GError) error = NULL;
  Device d = {0};
  guint before = t->n_ranges;

  g_assert_false(
    mh_ports_register(t, first, count, name, device_io, &d, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_assert_cmpstr(error->message, ==, message);
  g_assert_cmpuint(t->n_ranges, ==, before); /* nothing half-added */
}

static void
test_overlap(void)
{
  g_autoptr(GError) error = NULL;
  MhPortTable t = {0};
  Device d = {0};

  g_assert_true(
    mh_ports_register(&t, 0x100, 0x10, "dev", device_io, &d, &error));
  g_assert_no_error(error);
  /* Same start, inside, across either end, around it. */
  assert_refused(&t, 0x100, 1, "a",
                 "port range 0x100+1 for a overlaps dev (0x100+16)");
  assert_refused(&t, 0x105, 2, "b",
                 "port range 0x105+2 for b overlaps dev (0x100+16)");
  assert_refused(&t, 0xF8, 9, "c",
                 "port range 0xf8+9 for c overlaps dev (0x100+16)");
  assert_refused(&t, 0x10F, 5, "d",
                 "port range 0x10f+5 for d overlaps dev (0x100+16)");
  assert_refused(&t, 0x80, 0x100, "e",
                 "port range 0x80+256 for e overlaps dev (0x100+16)");
  /* Touching either end is no overlap. */
  g_assert_true(
    mh_ports_register(&t, 0xF0, 0x10, "below", device_io, &d, &error));
  g_assert_true(
    mh_ports_register(&t, 0x110, 1, "above", device_io, &d, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(t.n_ranges, ==, 3);
}

static void
test_full_table(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL;
  MhPortTable t = {0};
  Device d = {0};

  for (guint i = 0; i < MH_PORTS_MAX; i++) {
    g_assert_true(mh_ports_register(&t, (guint16)(0x10 * i), 1, "dev",
                                    device_io, &d, &error));
    g_assert_no_error(error);
  }
  want = g_strdup_printf("cannot register port range 0x400+1 for one more: "
                         "the port table is full (%u ranges)",
                         MH_PORTS_MAX);
  assert_refused(&t, 0x400, 1, "one more", want);
  /* The ranges already there still work. */
  {
    guint8 byte = 0;
    MhIoAccess io = {0x70, MH_IO_OUT, 1, 1, &byte};
    g_assert_true(mh_ports_dispatch(&t, &io, &error));
    g_assert_cmpuint(d.last_port, ==, 0x70);
  }
}

static void
test_range_limits(void)
{
  g_autoptr(GError) error = NULL;
  MhPortTable t = {0};
  Device d = {0};

  assert_refused(&t, 0xFFFF, 2, "wide",
                 "cannot register port range 0xffff+2 for wide: it ends past "
                 "port 0xffff");
  assert_refused(&t, 0x8000, 0xFFFF, "huge",
                 "cannot register port range 0x8000+65535 for huge: it ends "
                 "past port 0xffff");
  assert_refused(&t, 0x10, 0, "empty",
                 "cannot register port range 0x10+0 for empty: it is empty");
  /* The last port itself, and a range ending exactly at it, are fine. */
  g_assert_true(
    mh_ports_register(&t, 0xFFFF, 1, "last", device_io, &d, &error));
  g_assert_true(
    mh_ports_register(&t, 0xFF00, 0xFF, "end", device_io, &d, &error));
  g_assert_no_error(error);
  {
    guint8 byte = 0;
    MhIoAccess io = {0xFFFF, MH_IO_IN, 1, 1, &byte};
    g_assert_true(mh_ports_dispatch(&t, &io, &error));
    g_assert_cmpuint(byte, ==, 0xA5);
    g_assert_cmpuint(t.ranges[0].in_ops, ==, 1);
    g_assert_cmpuint(t.ranges[1].in_ops, ==, 0);
  }
}

static void
test_dispatch_and_counters(void)
{
  g_autoptr(GError) error = NULL;
  MhPortTable t = {0};
  Device con = {0}, file = {0}, bad = {.refuse = TRUE};
  guint8 data[8] = {0};

  g_assert_true(
    mh_ports_register(&t, 0xE9, 1, "console", device_io, &con, &error));
  g_assert_true(
    mh_ports_register(&t, 0x278, 3, "file", device_io, &file, &error));
  g_assert_true(
    mh_ports_register(&t, 0x300, 1, "bad", device_io, &bad, &error));
  g_assert_no_error(error);

  {
    MhIoAccess out = {0xE9, MH_IO_OUT, 1, 1, data};
    MhIoAccess in = {0xE9, MH_IO_IN, 1, 1, data};
    g_assert_true(mh_ports_dispatch(&t, &out, &error));
    g_assert_true(mh_ports_dispatch(&t, &out, &error));
    g_assert_true(mh_ports_dispatch(&t, &in, &error));
  }
  {
    /* Every port of a range reaches its device, with the port as sent;
     * a rep access counts once (one exit). */
    MhIoAccess io = {0x27A, MH_IO_IN, 4, 2, data};
    g_assert_true(mh_ports_dispatch(&t, &io, &error));
    g_assert_cmpuint(file.last_port, ==, 0x27A);
    g_assert_cmpint(file.last_dir, ==, MH_IO_IN);
    g_assert_cmpuint(data[7], ==, 0xA5);
  }
  g_assert_no_error(error);
  g_assert_cmpuint(con.calls, ==, 3);
  g_assert_cmpuint(file.calls, ==, 1);
  g_assert_cmpuint(t.ranges[0].out_ops, ==, 2);
  g_assert_cmpuint(t.ranges[0].in_ops, ==, 1);
  g_assert_cmpuint(t.ranges[1].out_ops, ==, 0);
  g_assert_cmpuint(t.ranges[1].in_ops, ==, 1);

  /* A device's refusal comes back as is, and still counts. */
  {
    MhIoAccess io = {0x300, MH_IO_OUT, 2, 1, data};
    g_assert_false(mh_ports_dispatch(&t, &io, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
    g_assert_cmpstr(error->message, ==, "refused by the device");
    g_assert_cmpuint(t.ranges[2].out_ops, ==, 1);
    g_clear_error(&error);
  }
}

static void
test_unregistered(void)
{
  MhPortTable t = {0};
  Device d = {0};
  guint8 data[4] = {0};
  static const struct {
    guint16 port;
    MhIoDir dir;
    guint size;
    const char *message;
  } cases[] = {
    {0x80, MH_IO_OUT, 1, "1-byte OUT on unknown port 0x80"},
    {0x27B, MH_IO_IN, 2, "2-byte IN on unknown port 0x27b"},
    {0x277, MH_IO_OUT, 4, "4-byte OUT on unknown port 0x277"},
    {0xFFFF, MH_IO_IN, 1, "1-byte IN on unknown port 0xffff"},
  };

  g_assert_true(mh_ports_register(&t, 0x278, 3, "file", device_io, &d, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    MhIoAccess io = {cases[i].port, cases[i].dir, cases[i].size, 1, data};
    g_assert_false(mh_ports_dispatch(&t, &io, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
    g_assert_cmpstr(error->message, ==, cases[i].message);
  }
  g_assert_cmpuint(d.calls, ==, 0);
  g_assert_cmpuint(t.ranges[0].in_ops + t.ranges[0].out_ops, ==, 0);
  /* An empty table refuses every port. */
  {
    g_autoptr(GError) error = NULL;
    MhPortTable empty = {0};
    MhIoAccess io = {0xE9, MH_IO_OUT, 1, 1, data};
    g_assert_false(mh_ports_dispatch(&empty, &io, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_GUEST);
  }
}

/* Devices as records: their ports, then their hooks in the order they
 * were added; a reset that a device lacks or refuses stops the others
 * and names it. */
static GString *hook_log;

/* The hooks' devices take any access; their state is their name. */
static gboolean
hook_io(gpointer state G_GNUC_UNUSED, const MhIoAccess *io G_GNUC_UNUSED,
        GError **error G_GNUC_UNUSED)
{
  return TRUE;
}

static void
hook_quiesce(gpointer state)
{
  g_string_append_printf(hook_log, "q%s ", (const char *)state);
}

static gboolean
hook_reset(gpointer state, GError **error)
{
  if (g_str_equal(state, "bad")) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "it said no");
    return FALSE;
  }
  g_string_append_printf(hook_log, "r%s ", (const char *)state);
  return TRUE;
}

static void
test_device_hooks(void)
{
  static const MhDeviceOps a = {"a",     0x10,         2,
                                hook_io, hook_quiesce, hook_reset};
  static const MhDeviceOps b = {"b", 0x20, 1, hook_io, NULL, hook_reset};
  static const MhDeviceOps fixed = {"fixed", 0x30,         1,
                                    hook_io, hook_quiesce, NULL};
  static const MhDeviceOps bad = {"bad", 0x40, 1, hook_io, NULL, hook_reset};
  MhPortTable t = {0};
  g_autoptr(GError) error = NULL;
  guint8 byte = 0;
  MhIoAccess io = {.port = 0x11,
                   .dir = MH_IO_OUT,
                   .size = 1,
                   .count = 1,
                   .data = &byte};

  hook_log = g_string_new(NULL);
  g_assert_true(mh_ports_add_device(&t, &a, "a", &error));
  g_assert_true(mh_ports_add_device(&t, &b, "b", &error));
  g_assert_no_error(error);
  /* Its ports are the record's, and dispatch reaches its handler. */
  g_assert_false(mh_ports_add_device(&t,
                                     &(MhDeviceOps){.name = "c",
                                                    .first = 0x11,
                                                    .count = 1,
                                                    .io = hook_io},
                                     "c", &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_assert_cmpstr(error->message, ==,
                  "port range 0x11+1 for c overlaps a (0x10+2)");
  g_clear_error(&error);
  g_assert_true(mh_ports_dispatch(&t, &io, &error));
  g_assert_cmpuint(t.ranges[0].out_ops, ==, 1);

  mh_ports_quiesce(&t);
  g_assert_cmpstr(hook_log->str, ==, "qa ");
  /* Reset: every hook in order; the counters start again. */
  g_string_truncate(hook_log, 0);
  g_assert_true(mh_ports_reset(&t, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(hook_log->str, ==, "ra rb ");
  g_assert_cmpuint(t.ranges[0].out_ops, ==, 0);

  /* A range registered without a device, or a device without a reset:
   * the VM cannot be reset, and the message names the device. */
  g_assert_true(mh_ports_add_device(&t, &fixed, "fixed", &error));
  g_assert_false(mh_ports_reset(&t, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_assert_cmpstr(error->message, ==, "the fixed device cannot be reset");
  g_clear_error(&error);

  MhPortTable t2 = {0};
  g_string_truncate(hook_log, 0);
  g_assert_true(mh_ports_add_device(&t2, &a, "a", &error));
  g_assert_true(mh_ports_add_device(&t2, &bad, "bad", &error));
  g_assert_true(mh_ports_add_device(&t2, &b, "b", &error));
  g_assert_false(mh_ports_reset(&t2, &error));
  g_assert_cmpstr(error->message, ==,
                  "cannot reset the bad device: it said no");
  g_assert_cmpstr(hook_log->str, ==, "ra ");
  g_string_free(hook_log, TRUE);
}

static const MhUnitTest tests[] = {
  {"/ports/overlap", test_overlap},
  {"/ports/full-table", test_full_table},
  {"/ports/range-limits", test_range_limits},
  {"/ports/dispatch-and-counters", test_dispatch_and_counters},
  {"/ports/unregistered", test_unregistered},
  {"/ports/device-hooks", test_device_hooks},
};

MH_UNIT_MAIN(tests)
