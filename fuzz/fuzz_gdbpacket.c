/* SPDX-License-Identifier: MIT */
/*
 * fuzz_gdbpacket - the gdb stub's protocol (gdbproto.c) fed what a
 * hostile or broken debugger could send: the input is the byte stream
 * on the socket.  Each complete packet is answered by a fake target with
 * 64 KiB of memory at 0x10000 and four breakpoint slots, as the real
 * target would (outside that memory: an error).  Invariants: the target
 * is only ever asked for memory inside a range the packet named and
 * within the packet size; every reply fits in a packet, and framed, it
 * reads back through a fresh receiver as one packet with a good
 * checksum.
 */
#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include "gdbproto.h"

#define FAKE_BASE 0x10000u
#define FAKE_SIZE 0x10000u

typedef struct {
  guint8 mem[FAKE_SIZE];
  MhGdbRegs regs;
  guint bps;
} Fake;

static gboolean
fake_range(guint64 addr, gsize len)
{
  FUZZ_CHECK(len <= MH_GDB_PACKET_MAX, "asked for %zu bytes", (size_t)len);
  return addr >= FAKE_BASE && len <= FAKE_SIZE &&
         addr - FAKE_BASE <= FAKE_SIZE - len;
}

static gboolean
fake_get_regs(gpointer t, MhGdbRegs *r)
{
  *r = ((Fake *)t)->regs;
  return TRUE;
}

static gboolean
fake_set_regs(gpointer t, const MhGdbRegs *r)
{
  ((Fake *)t)->regs = *r;
  return TRUE;
}

static gboolean
fake_read(gpointer t, guint64 addr, guint8 *buf, gsize len)
{
  if (!fake_range(addr, len))
    return FALSE;
  memcpy(buf, ((Fake *)t)->mem + (addr - FAKE_BASE), len);
  return TRUE;
}

static gboolean
fake_write(gpointer t, guint64 addr, const guint8 *buf, gsize len)
{
  if (!fake_range(addr, len))
    return FALSE;
  memcpy(((Fake *)t)->mem + (addr - FAKE_BASE), buf, len);
  return TRUE;
}

static int
fake_insert(gpointer t, MhGdbBpType type, guint64 addr, guint64 kind)
{
  Fake *f = t;

  FUZZ_CHECK(type <= MH_GDB_BP_ACCESS, "breakpoint type %d", (int)type);
  (void)kind;
  if (!fake_range(addr, 1) || f->bps == 4)
    return -1;
  f->bps++;
  return 1;
}

static int
fake_remove(gpointer t, MhGdbBpType type, guint64 addr, guint64 kind)
{
  Fake *f = t;

  FUZZ_CHECK(type <= MH_GDB_BP_ACCESS, "breakpoint type %d", (int)type);
  (void)kind;
  if (!fake_range(addr, 1) || f->bps == 0)
    return -1;
  f->bps--;
  return 1;
}

static const MhGdbTargetOps fake_ops = {
  fake_get_regs, fake_set_regs, fake_read, fake_write, fake_insert, fake_remove,
};

static void
check_reply(const GString *reply)
{
  g_autoptr(GString) framed = g_string_new(NULL);
  MhGdbRx rx;
  MhGdbRxEvent last = MH_GDB_RX_NONE;

  FUZZ_CHECK(reply->len <= MH_GDB_PACKET_MAX, "reply of %zu bytes",
             (size_t)reply->len);
  mh_gdbproto_frame(framed, reply->str, reply->len);
  mh_gdbproto_rx_init(&rx);
  for (gsize i = 0; i < framed->len; i++) {
    FUZZ_CHECK(last == MH_GDB_RX_NONE, "reply ended early at byte %zu",
               (size_t)i);
    last = mh_gdbproto_rx_byte(&rx, (guint8)framed->str[i]);
  }
  FUZZ_CHECK(last == MH_GDB_RX_PACKET, "framed reply reads back as %d",
             (int)last);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  static Fake fake;
  g_autoptr(GString) reply = g_string_new(NULL);
  MhGdbRx rx;

  memset(&fake, 0, sizeof fake);
  mh_gdbproto_rx_init(&rx);
  for (size_t i = 0; i < size; i++) {
    MhGdbRxEvent ev = mh_gdbproto_rx_byte(&rx, data[i]);

    FUZZ_CHECK(rx.len <= MH_GDB_PACKET_MAX, "packet of %zu bytes",
               (size_t)rx.len);
    if (ev != MH_GDB_RX_PACKET)
      continue;
    mh_gdbproto_handle(&fake_ops, &fake, rx.data, rx.len, "T05thread:1;",
                       reply);
    check_reply(reply);
  }
  return 0;
}
