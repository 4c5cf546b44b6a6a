/* SPDX-License-Identifier: MIT */
/* Units for the exit decoder (src/vm/exit.c): every exit the loop handles,
 * from run areas built here, without KVM; above all the I/O data offset,
 * which must lie in the run area before any device sees it. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "exit.h"
#include "mh_abi.h"
#include "unit-main.h"

/* A run area as KVM maps it: the struct, then the page it shares with
 * the I/O data (one page is what KVM_GET_VCPU_MMAP_SIZE gives at least). */
#define RUN_SIZE 4096

typedef union {
  struct kvm_run run;
  guint8 bytes[RUN_SIZE];
} RunArea;

static void
run_io(RunArea *a, guint8 direction, guint8 size, guint16 port, guint32 count,
       guint64 offset)
{
  memset(a, 0, sizeof *a);
  a->run.exit_reason = KVM_EXIT_IO;
  a->run.io.direction = direction;
  a->run.io.size = size;
  a->run.io.port = port;
  a->run.io.count = count;
  a->run.io.data_offset = offset;
}

static MhExit
decode(RunArea *a)
{
  MhExit e;

  memset(&e, 0xAB, sizeof e); /* every field must be the decoder's */
  mh_exit_decode(&a->run, RUN_SIZE, &e);
  return e;
}

static void
test_io_out(void)
{
  RunArea a;
  MhExit e;

  run_io(&a, KVM_EXIT_IO_OUT, 1, MH_PORT_CONSOLE, 1, 0x1000 - 8);
  a.bytes[0x1000 - 8] = 'x';
  e = decode(&a);
  g_assert_cmpint(e.kind, ==, MH_EXIT_IO);
  g_assert_cmpuint(e.reason, ==, KVM_EXIT_IO);
  g_assert_cmpuint(e.io.port, ==, MH_PORT_CONSOLE);
  g_assert_cmpint(e.io.dir, ==, MH_IO_OUT);
  g_assert_cmpuint(e.io.size, ==, 1);
  g_assert_cmpuint(e.io.count, ==, 1);
  g_assert_true(e.io.data == &a.bytes[0x1000 - 8]);
  g_assert_cmpint(e.io.data[0], ==, 'x');
  g_assert_false(mh_exit_is_exception_report(&e)); /* another port */
}

static void
test_io_in_string(void)
{
  RunArea a;
  MhExit e;

  /* rep insd: 4-byte elements, 16 of them, the last byte the area's. */
  run_io(&a, KVM_EXIT_IO_IN, 4, MH_PORT_FILE, 16, RUN_SIZE - 64);
  e = decode(&a);
  g_assert_cmpint(e.kind, ==, MH_EXIT_IO);
  g_assert_cmpint(e.io.dir, ==, MH_IO_IN);
  g_assert_cmpuint(e.io.size, ==, 4);
  g_assert_cmpuint(e.io.count, ==, 16);
  g_assert_true(e.io.data == &a.bytes[RUN_SIZE - 64]);
}

/* Data that does not lie wholly in the run area reaches no device. */
static void
test_io_data_outside(void)
{
  static const struct {
    guint8 size;
    guint32 count;
    guint64 offset;
  } bad[] = {
    {1, 1, RUN_SIZE},               /* just past the end          */
    {1, 1, G_MAXUINT64},            /* far past it                */
    {4, 16, RUN_SIZE - 63},         /* one byte over              */
    {4, G_MAXUINT32, 0x100},        /* size x count overflows 32 bits */
    {2, G_MAXUINT32, RUN_SIZE / 2}, /* and past the end           */
  };

  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    RunArea a;
    MhExit e;

    run_io(&a, KVM_EXIT_IO_OUT, bad[i].size, MH_PORT_FILE, bad[i].count,
           bad[i].offset);
    e = decode(&a);
    g_assert_cmpint(e.kind, ==, MH_EXIT_BAD_IO_DATA);
    g_assert_null(e.io.data);
    g_assert_false(mh_exit_is_exception_report(&e));
  }
}

/* The exception handlers' report is one byte OUT to its port, only. */
static void
test_exception_report(void)
{
  RunArea a;
  MhExit e;

  run_io(&a, KVM_EXIT_IO_OUT, 1, MH_PORT_EXCEPTION, 1, 0x800);
  e = decode(&a);
  g_assert_true(mh_exit_is_exception_report(&e));
  run_io(&a, KVM_EXIT_IO_IN, 1, MH_PORT_EXCEPTION, 1, 0x800);
  e = decode(&a);
  g_assert_false(mh_exit_is_exception_report(&e));
  run_io(&a, KVM_EXIT_IO_OUT, 2, MH_PORT_EXCEPTION, 1, 0x800);
  e = decode(&a);
  g_assert_false(mh_exit_is_exception_report(&e));
  run_io(&a, KVM_EXIT_IO_OUT, 1, MH_PORT_EXCEPTION, 2, 0x800);
  e = decode(&a);
  g_assert_false(mh_exit_is_exception_report(&e));
}

static void
test_mmio(void)
{
  RunArea a = {0};
  MhExit e;

  a.run.exit_reason = KVM_EXIT_MMIO;
  a.run.mmio.phys_addr = 0x400000;
  a.run.mmio.len = 8;
  a.run.mmio.is_write = 1;
  e = decode(&a);
  g_assert_cmpint(e.kind, ==, MH_EXIT_MMIO);
  g_assert_cmphex(e.mmio.gpa, ==, 0x400000);
  g_assert_cmpuint(e.mmio.len, ==, 8);
  g_assert_true(e.mmio.write);
  a.run.mmio.is_write = 0;
  e = decode(&a);
  g_assert_false(e.mmio.write);
}

static void
test_internal(void)
{
  RunArea a = {0};
  MhExit e;

  a.run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
  a.run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
  e = decode(&a);
  g_assert_cmpint(e.kind, ==, MH_EXIT_EMULATION);
  a.run.internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
  e = decode(&a);
  g_assert_cmpint(e.kind, ==, MH_EXIT_INTERNAL);
  g_assert_cmpuint(e.suberror, ==, KVM_INTERNAL_ERROR_DELIVERY_EV);
}

static void
test_fail_entry(void)
{
  RunArea a = {0};
  MhExit e;

  a.run.exit_reason = KVM_EXIT_FAIL_ENTRY;
  a.run.fail_entry.hardware_entry_failure_reason = 0x80000021;
  e = decode(&a);
  g_assert_cmpint(e.kind, ==, MH_EXIT_ENTRY_FAILED);
  g_assert_cmphex(e.hw_reason, ==, 0x80000021);
}

/* The reasons with nothing to decode, and those this program does not
 * handle (KVM_EXIT_UNKNOWN, a reason past every name). */
static void
test_plain_reasons(void)
{
  static const struct {
    guint32 reason;
    MhExitKind kind;
  } map[] = {
    {KVM_EXIT_HLT, MH_EXIT_HALT},
    {KVM_EXIT_SHUTDOWN, MH_EXIT_TRIPLE_FAULT},
    {KVM_EXIT_INTR, MH_EXIT_INTERRUPTED},
    {KVM_EXIT_DEBUG, MH_EXIT_DEBUG},
    {KVM_EXIT_SET_TPR, MH_EXIT_NOTHING},
    {KVM_EXIT_UNKNOWN, MH_EXIT_UNKNOWN},
    {KVM_EXIT_EXCEPTION, MH_EXIT_UNKNOWN},
    {KVM_EXIT_SYSTEM_EVENT, MH_EXIT_UNKNOWN},
    {1000, MH_EXIT_UNKNOWN},
    {G_MAXUINT32, MH_EXIT_UNKNOWN},
  };

  for (guint i = 0; i < G_N_ELEMENTS(map); i++) {
    RunArea a = {0};
    MhExit e;

    a.run.exit_reason = map[i].reason;
    e = decode(&a);
    g_assert_cmpint(e.kind, ==, map[i].kind);
    g_assert_cmpuint(e.reason, ==, map[i].reason);
    g_assert_null(e.io.data);
  }
}

static const MhUnitTest tests[] = {
  {"/exit/io/out", test_io_out},
  {"/exit/io/in-string", test_io_in_string},
  {"/exit/io/data-outside-run-area", test_io_data_outside},
  {"/exit/io/exception-report", test_exception_report},
  {"/exit/mmio", test_mmio},
  {"/exit/internal-error", test_internal},
  {"/exit/fail-entry", test_fail_entry},
  {"/exit/plain-reasons", test_plain_reasons},
};

MH_UNIT_MAIN(tests)
