/* SPDX-License-Identifier: MIT */
/* Units for the gdb remote protocol: framing, acks and Ctrl-C, hostile
 * packets, and each command against a fake target. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "gdbproto.h"

#define BASE 0x1000u
#define SIZE 0x100u

typedef struct {
  guint8      mem[SIZE];
  MhGdbRegs   regs;
  MhGdbBpType bp_type;
  guint64     bp_addr, bp_kind;
  guint       bp_calls;
} Fake;

static gboolean
fake_in(guint64 addr, gsize len)
{
  return addr >= BASE && len <= SIZE && addr - BASE <= SIZE - len;
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
  if (!fake_in(addr, len))
    return FALSE;
  memcpy(buf, ((Fake *)t)->mem + addr - BASE, len);
  return TRUE;
}

static gboolean
fake_write(gpointer t, guint64 addr, const guint8 *buf, gsize len)
{
  if (!fake_in(addr, len))
    return FALSE;
  memcpy(((Fake *)t)->mem + addr - BASE, buf, len);
  return TRUE;
}

static int
fake_bp(gpointer t, MhGdbBpType type, guint64 addr, guint64 kind)
{
  Fake *f = t;

  f->bp_calls++;
  f->bp_type = type;
  f->bp_addr = addr;
  f->bp_kind = kind;
  if (type == MH_GDB_BP_READ)
    return 0;
  return fake_in(addr, 1) ? 1 : -1;
}

static const MhGdbTargetOps ops = {
  fake_get_regs, fake_set_regs, fake_read, fake_write, fake_bp, fake_bp,
};

/* Answers @cmd; returns the reply (owned by the test's GString). */
static const char *
ask(Fake *f, GString *reply, const char *cmd, MhGdbAction *act)
{
  MhGdbAction a = mh_gdbproto_handle(&ops, f, cmd, strlen(cmd),
                                     "T05thread:1;", reply);
  if (act != NULL)
    *act = a;
  return reply->str;
}

/* Feeds @text; returns the last event. */
static MhGdbRxEvent
feed(MhGdbRx *rx, const char *text, gsize len)
{
  MhGdbRxEvent ev = MH_GDB_RX_NONE;

  for (gsize i = 0; i < len; i++)
    ev = mh_gdbproto_rx_byte(rx, (guint8)text[i]);
  return ev;
}

static void
test_rx_packet(void)
{
  MhGdbRx rx;

  mh_gdbproto_rx_init(&rx);
  /* "g" sums to 0x67. */
  g_assert_cmpint(feed(&rx, "+$g#67", 6), ==, MH_GDB_RX_PACKET);
  g_assert_cmpstr(rx.data, ==, "g");
  g_assert_cmpuint(rx.len, ==, 1);
  g_assert_cmpint(feed(&rx, "$g#66", 5), ==, MH_GDB_RX_BAD);
  g_assert_cmpint(feed(&rx, "$g#6z", 5), ==, MH_GDB_RX_BAD);
  /* Ctrl-C between packets; inside a packet it is data. */
  g_assert_cmpint(feed(&rx, "\x03", 1), ==, MH_GDB_RX_INTERRUPT);
  g_assert_cmpint(feed(&rx, "$\x03", 2), ==, MH_GDB_RX_NONE);
  /* '$' restarts a packet. */
  g_assert_cmpint(feed(&rx, "$mm$g#67", 8), ==, MH_GDB_RX_PACKET);
  g_assert_cmpstr(rx.data, ==, "g");
}

static void
test_rx_overlong(void)
{
  MhGdbRx rx;
  GString *s = g_string_new("$");
  guint8 sum = 0;

  for (guint i = 0; i < MH_GDB_PACKET_MAX + 10; i++) {
    g_string_append_c(s, 'a');
    sum = (guint8)(sum + 'a');
  }
  g_string_append_printf(s, "#%02x", sum);
  mh_gdbproto_rx_init(&rx);
  g_assert_cmpint(feed(&rx, s->str, s->len), ==, MH_GDB_RX_BAD);
  g_assert_cmpuint(rx.len, <=, MH_GDB_PACKET_MAX);
  /* And the next good packet gets through. */
  g_assert_cmpint(feed(&rx, "$g#67", 5), ==, MH_GDB_RX_PACKET);
  g_string_free(s, TRUE);
}

static void
test_frame(void)
{
  GString *out = g_string_new(NULL);

  mh_gdbproto_frame(out, "OK", 2);
  g_assert_cmpstr(out->str, ==, "$OK#9a");
  g_string_truncate(out, 0);
  /* '#' (0x23) goes as "}\x03". */
  mh_gdbproto_frame(out, "a#", 2);
  g_assert_cmpstr(out->str, ==, "$a}\x03#e1");
  g_string_free(out, TRUE);
}

static void
test_hex(void)
{
  guint64 v;
  guint8 b[2];

  g_assert_true(mh_gdbproto_parse_hex("fFfF", 4, &v));
  g_assert_cmphex(v, ==, 0xffff);
  g_assert_true(mh_gdbproto_parse_hex("ffffffffffffffff", 16, &v));
  g_assert_false(mh_gdbproto_parse_hex("1ffffffffffffffff", 17, &v));
  g_assert_false(mh_gdbproto_parse_hex("", 0, &v));
  g_assert_false(mh_gdbproto_parse_hex("12x", 3, &v));
  g_assert_true(mh_gdbproto_unhex("a0B1", 4, b));
  g_assert_cmphex(b[0], ==, 0xa0);
  g_assert_cmphex(b[1], ==, 0xb1);
  g_assert_false(mh_gdbproto_unhex("a0B", 3, b));
  g_assert_false(mh_gdbproto_unhex("g0", 2, b));
}

static void
test_queries(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);

  g_assert_nonnull(strstr(ask(&f, r, "qSupported:swbreak+;hwbreak+", NULL),
                          "qXfer:features:read+"));
  g_assert_nonnull(strstr(r->str, "swbreak+"));
  g_assert_nonnull(strstr(r->str, "hwbreak+"));
  g_assert_nonnull(strstr(r->str, "PacketSize=1000"));
  g_assert_cmpstr(ask(&f, r, "?", NULL), ==, "T05thread:1;");
  g_assert_cmpstr(ask(&f, r, "qAttached", NULL), ==, "1");
  g_assert_cmpstr(ask(&f, r, "qC", NULL), ==, "QC1");
  g_assert_cmpstr(ask(&f, r, "qfThreadInfo", NULL), ==, "m1");
  g_assert_cmpstr(ask(&f, r, "qsThreadInfo", NULL), ==, "l");
  g_assert_cmpstr(ask(&f, r, "vCont?", NULL), ==, "");
  g_assert_cmpstr(ask(&f, r, "vMustReplyEmpty", NULL), ==, "");
  g_assert_cmpstr(ask(&f, r, "Hg0", NULL), ==, "OK");
  g_string_free(r, TRUE);
}

static void
test_target_xml(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);
  GString *whole = g_string_new(NULL);
  guint off = 0;

  /* Read in small pieces, as gdb may: 'm' until the last, 'l'. */
  for (;;) {
    g_autofree char *cmd = g_strdup_printf(
      "qXfer:features:read:target.xml:%x,100", off);
    ask(&f, r, cmd, NULL);
    g_assert_true(r->str[0] == 'm' || r->str[0] == 'l');
    g_string_append(whole, r->str + 1);
    off += (guint)r->len - 1;
    if (r->str[0] == 'l')
      break;
  }
  g_assert_cmpstr(whole->str, ==, mh_gdbproto_target_xml);
  g_assert_nonnull(strstr(whole->str, "i386:x86-64"));
  g_assert_nonnull(strstr(whole->str, "name=\"eflags\" bitsize=\"32\""));
  g_assert_nonnull(strstr(whole->str, "name=\"rip\" bitsize=\"64\""));
  g_assert_cmpstr(ask(&f, r, "qXfer:features:read:target.xml:ffffff,10", NULL),
                  ==, "l");
  g_assert_cmpstr(ask(&f, r, "qXfer:features:read:other.xml:0,10", NULL), ==,
                  "E00");
  g_assert_cmpstr(ask(&f, r, "qXfer:features:read:target.xml:0", NULL), ==,
                  "E01");
  g_string_free(whole, TRUE);
  g_string_free(r, TRUE);
}

static void
test_registers(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);
  g_autofree char *g = NULL;

  f.regs.gpr[0] = 0x1122334455667788ull; /* rax */
  f.regs.rip = 0x40;
  f.regs.eflags = 0x202;
  f.regs.seg[0] = 0x8;
  g = g_strdup(ask(&f, r, "g", NULL));
  /* 16 GPRs, rip, eflags, 6 segments, 8 x 10-byte st, 8 x 4-byte x87. */
  g_assert_cmpuint(strlen(g), ==, 2 * (16 * 8 + 8 + 4 + 6 * 4 + 80 + 32));
  g_assert_true(g_str_has_prefix(g, "8877665544332211"));
  g_assert_cmpstr(ask(&f, r, "p10", NULL), ==, "4000000000000000");
  g_assert_cmpstr(ask(&f, r, "p11", NULL), ==, "02020000");
  g_assert_cmpstr(ask(&f, r, "p12", NULL), ==, "08000000");
  g_assert_cmpstr(ask(&f, r, "p18", NULL), ==, "00000000000000000000");
  g_assert_cmpstr(ask(&f, r, "p28", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "P10=8000000000000000", NULL), ==, "OK");
  g_assert_cmphex(f.regs.rip, ==, 0x80);
  g_assert_cmphex(f.regs.gpr[0], ==, 0x1122334455667788ull);
  g_assert_cmpstr(ask(&f, r, "P10=80", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "P10", NULL), ==, "E01");
  /* G: the whole set back, with rax changed. */
  g[0] = '9';
  {
    g_autofree char *cmd = g_strconcat("G", g, NULL);
    g_assert_cmpstr(ask(&f, r, cmd, NULL), ==, "OK");
  }
  g_assert_cmphex(f.regs.gpr[0], ==, 0x1122334455667798ull);
  g_assert_cmphex(f.regs.rip, ==, 0x40);
  g_assert_cmpstr(ask(&f, r, "G00", NULL), ==, "E01");
  g_string_free(r, TRUE);
}

static void
test_memory(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);

  f.mem[0] = 0xab;
  f.mem[1] = 0xcd;
  g_assert_cmpstr(ask(&f, r, "m1000,2", NULL), ==, "abcd");
  g_assert_cmpstr(ask(&f, r, "m1000,0", NULL), ==, "");
  g_assert_cmpstr(ask(&f, r, "m2000,1", NULL), ==, "E0e");
  g_assert_cmpstr(ask(&f, r, "m10ff,2", NULL), ==, "E0e");
  g_assert_cmpstr(ask(&f, r, "mffffffffffffffff,2", NULL), ==, "E0e");
  g_assert_cmpstr(ask(&f, r, "m1000", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "mxyz,1", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "m11112222333344445,1", NULL), ==, "E01");
  /* A huge length is cut to what a reply holds. */
  ask(&f, r, "m1000,ffffffff", NULL);
  g_assert_true(r->len <= MH_GDB_PACKET_MAX);

  g_assert_cmpstr(ask(&f, r, "M1004,2:1234", NULL), ==, "OK");
  g_assert_cmphex(f.mem[4], ==, 0x12);
  g_assert_cmphex(f.mem[5], ==, 0x34);
  g_assert_cmpstr(ask(&f, r, "M1004,2:12", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "M1004,1:zz", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "M1004,ffffffff:00", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "M5000,1:00", NULL), ==, "E0e");
  /* X: binary, '}' escapes the next byte ^ 0x20. */
  g_assert_cmpstr(ask(&f, r, "X1008,3:a}]b", NULL), ==, "OK");
  g_assert_cmphex(f.mem[8], ==, 'a');
  g_assert_cmphex(f.mem[9], ==, '}');
  g_assert_cmphex(f.mem[10], ==, 'b');
  g_assert_cmpstr(ask(&f, r, "X1008,0:", NULL), ==, "OK");
  g_assert_cmpstr(ask(&f, r, "X1008,2:a", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "X1008,1:}", NULL), ==, "E01");
  g_string_free(r, TRUE);
}

static void
test_breakpoints(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);

  g_assert_cmpstr(ask(&f, r, "Z0,1010,1", NULL), ==, "OK");
  g_assert_cmpint(f.bp_type, ==, MH_GDB_BP_SW);
  g_assert_cmphex(f.bp_addr, ==, 0x1010);
  g_assert_cmpstr(ask(&f, r, "Z2,1020,8", NULL), ==, "OK");
  g_assert_cmpint(f.bp_type, ==, MH_GDB_BP_WRITE);
  g_assert_cmphex(f.bp_kind, ==, 8);
  g_assert_cmpstr(ask(&f, r, "Z3,1020,8", NULL), ==, "");
  g_assert_cmpstr(ask(&f, r, "z1,9000,1", NULL), ==, "E0e");
  f.bp_calls = 0;
  g_assert_cmpstr(ask(&f, r, "Z5,1010,1", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "Z0,1010", NULL), ==, "E01");
  g_assert_cmpstr(ask(&f, r, "Z0,1010,1;X1,0", NULL), ==, "E01");
  g_assert_cmpuint(f.bp_calls, ==, 0);
  g_string_free(r, TRUE);
}

static void
test_actions(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);
  MhGdbAction act;

  ask(&f, r, "c", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_CONTINUE);
  g_assert_cmpstr(r->str, ==, "");
  ask(&f, r, "s", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_STEP);
  ask(&f, r, "c1000", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_NONE);
  g_assert_cmpstr(r->str, ==, "E01");
  ask(&f, r, "C0b", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_CONTINUE);
  ask(&f, r, "S05", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_STEP);
  ask(&f, r, "C0b;1000", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_NONE);
  g_assert_cmpstr(r->str, ==, "E01");
  ask(&f, r, "D", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_DETACH);
  g_assert_cmpstr(r->str, ==, "OK");
  ask(&f, r, "k", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_KILL);
  ask(&f, r, "", &act);
  g_assert_cmpint(act, ==, MH_GDB_ACT_NONE);
  g_string_free(r, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gdbproto/rx/packet", test_rx_packet);
  g_test_add_func("/gdbproto/rx/overlong", test_rx_overlong);
  g_test_add_func("/gdbproto/frame", test_frame);
  g_test_add_func("/gdbproto/hex", test_hex);
  g_test_add_func("/gdbproto/queries", test_queries);
  g_test_add_func("/gdbproto/target-xml", test_target_xml);
  g_test_add_func("/gdbproto/registers", test_registers);
  g_test_add_func("/gdbproto/memory", test_memory);
  g_test_add_func("/gdbproto/breakpoints", test_breakpoints);
  g_test_add_func("/gdbproto/actions", test_actions);
  return g_test_run();
}
