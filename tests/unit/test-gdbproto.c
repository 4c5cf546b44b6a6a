/* SPDX-License-Identifier: MIT */
/* Units for the gdb remote protocol: framing, acks and Ctrl-C, hostile
 * packets, and each command against a fake target; and the stub's
 * lookup of who owns a TCP connection in /proc/net/tcp and tcp6. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include <glib/gstdio.h>

#include "gdbproto.h"
#include "gdbstub.h"
#include "unit-main.h"

#define BASE 0x1000u
#define SIZE 0x100u

typedef struct {
  guint8 mem[SIZE];
  MhGdbRegs regs;
  MhGdbBpType bp_type;
  guint64 bp_addr, bp_kind;
  guint bp_calls;
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
  MhGdbAction a = mh_gdbproto_handle(&ops, f, cmd, strlen(cmd), "T05thread:1;",
                                     reply);
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
    g_autofree char
      *cmd = g_strdup_printf("qXfer:features:read:target.xml:%x,100", off);
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

/* What gdb may not give the guest is refused with E16, and nothing
 * changes: a non-canonical RIP, RFLAGS bits that must be clear, any
 * segment selector, x87 values (there is no x87 state to keep). */
static void
test_register_checks(void)
{
  Fake f = {0};
  GString *r = g_string_new(NULL);
  g_autofree char *g = NULL;
  g_autofree char *g2 = NULL;

  f.regs.rip = 0x40;
  f.regs.eflags = 0x2;
  f.regs.seg[0] = 0x8;
  f.regs.seg[1] = 0x10;
  /* Canonical: 0x00007fffffffffff and 0xffff800000000000 are. */
  g_assert_cmpstr(ask(&f, r, "P10=ffffffffff7f0000", NULL), ==, "OK");
  g_assert_cmphex(f.regs.rip, ==, 0x00007fffffffffffull);
  g_assert_cmpstr(ask(&f, r, "P10=000000000080ffff", NULL), ==, "OK");
  g_assert_cmphex(f.regs.rip, ==, 0xffff800000000000ull);
  g_assert_cmpstr(ask(&f, r, "P10=0000000000800000", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P10=0000000000000080", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P10=00000000ffff7fff", NULL), ==, "E16");
  g_assert_cmphex(f.regs.rip, ==, 0xffff800000000000ull);
  g_assert_cmpstr(ask(&f, r, "P10=4000000000000000", NULL), ==, "OK");
  /* eflags: IF, TF, DF, IOPL, AC, ID are the guest's to have... */
  g_assert_cmpstr(ask(&f, r, "P11=07730400", NULL), ==, "OK");
  g_assert_cmphex(f.regs.eflags, ==, 0x47307);
  /* ...bits 3, 5, 15, VM (17) and 22-31 are not. */
  g_assert_cmpstr(ask(&f, r, "P11=0a000000", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P11=22000000", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P11=02800000", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P11=02000200", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P11=02000040", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P11=02000080", NULL), ==, "E16");
  g_assert_cmphex(f.regs.eflags, ==, 0x47307);
  /* Segments: the same value is fine (what gdb sends back), another is
   * refused, for cs, ss and the others. */
  g_assert_cmpstr(ask(&f, r, "P12=08000000", NULL), ==, "OK");
  g_assert_cmpstr(ask(&f, r, "P12=33000000", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P13=ffff0000", NULL), ==, "E16");
  g_assert_cmpstr(ask(&f, r, "P17=2b000000", NULL), ==, "E16");
  g_assert_cmphex(f.regs.seg[0], ==, 0x8);
  g_assert_cmphex(f.regs.seg[1], ==, 0x10);
  /* x87: 0 is what reads back; anything else would be lost. */
  g_assert_cmpstr(ask(&f, r, "P18=00000000000000000000", NULL), ==, "OK");
  g_assert_cmpstr(ask(&f, r, "P18=0000000000000080ff3f", NULL), ==, "E16");
  /* G: the set unchanged is fine; with cs changed, or a non-canonical
   * rip, it is refused as a whole. */
  g = g_strdup(ask(&f, r, "g", NULL));
  {
    g_autofree char *cmd = g_strconcat("G", g, NULL);
    g_assert_cmpstr(ask(&f, r, cmd, NULL), ==, "OK");
  }
  g2 = g_strdup(g);
  /* rax's first byte, and cs (register 18, after 16 GPRs, rip, eflags). */
  g2[0] = '5';
  g2[2 * (16 * 8 + 8 + 4)] = '9';
  {
    g_autofree char *cmd = g_strconcat("G", g2, NULL);
    g_assert_cmpstr(ask(&f, r, cmd, NULL), ==, "E16");
  }
  g_assert_cmphex(f.regs.gpr[0], ==, 0);
  g_free(g2);
  g2 = g_strdup(g);
  memcpy(g2 + 2 * 16 * 8, "0000000000000080", 16);
  {
    g_autofree char *cmd = g_strconcat("G", g2, NULL);
    g_assert_cmpstr(ask(&f, r, cmd, NULL), ==, "E16");
  }
  g_assert_cmphex(f.regs.rip, ==, 0x40);
  g_string_free(r, TRUE);
}

/* The stub hands a connection over once gdb spoke: a whole packet (good
 * or bad checksum) or a Ctrl-C; not before. */
static void
test_has_packet(void)
{
#define HAS(s) mh_gdbproto_has_packet((const guint8 *)(s), sizeof(s) - 1)
  g_assert_false(HAS(""));
  g_assert_false(HAS("+"));
  g_assert_false(HAS("+$qSupported:multiprocess+"));
  g_assert_false(HAS("$qSupported#3"));
  g_assert_false(HAS("GET / HTTP/1.0\r\n\r\n"));
  g_assert_true(HAS("+$qSupported#37"));
  g_assert_true(HAS("$?#3f"));
  g_assert_true(HAS("$?#00"));
  g_assert_true(HAS("\x03"));
  g_assert_true(HAS("noise\x03"));
#undef HAS
}

/* /proc/net/tcp and tcp6, as the kernel writes them (the addresses as
 * native-endian words: these tests assume little-endian, as on x86). */
static const char proc_tcp[] =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
  "retrnsmt   uid  timeout inode\n"
  /* the listening socket */
  "   0: 0100007F:04D2 00000000:0000 0A 00000000:00000000 00:00000000 "
  "00000000  1000        0 11111 1 0000000000000000 100 0 0 10 0\n"
  /* the stub's end of a connection: not the one looked for */
  "   1: 0100007F:04D2 0100007F:A0F0 01 00000000:00000000 00:00000000 "
  "00000000  1000        0 22222 1 0000000000000000 20 4 30 10 -1\n"
  /* the connecting end, owned by uid 65534 */
  "   2: 0100007F:A0F0 0100007F:04D2 01 00000000:00000000 00:00000000 "
  "00000000 65534        0 33333 1 0000000000000000 20 4 30 10 -1\n"
  /* a connecting end its owner closed: time-wait, uid 0, inode 0 */
  "   3: 0100007F:A0F2 0100007F:04D2 06 00000000:00000000 03:00000FA0 "
  "00000000     0        0 0 3 0000000000000000\n";

static const char proc_tcp6[] =
  "  sl  local_address                         remote_address             "
  "           st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
  /* [::1]:41200 -> [::1]:1234, uid 1001 */
  "   0: 00000000000000000000000001000000:A0F0 "
  "00000000000000000000000001000000:04D2 01 00000000:00000000 00:00000000 "
  "00000000  1001        0 44444 1 0000000000000000 20 4 30 10 -1\n"
  /* an IPv6 socket to 127.0.0.1: [::ffff:127.0.0.1]:41201, uid 1002 */
  "   1: 0000000000000000FFFF00000100007F:A0F1 "
  "0000000000000000FFFF00000100007F:04D2 01 00000000:00000000 00:00000000 "
  "00000000  1002        0 55555 1 0000000000000000 20 4 30 10 -1\n";

static MhGdbEndpoint
endpoint(const char *addr, guint port)
{
  MhGdbEndpoint e = {.port = port};
  guint8 v4[4];

  if (strchr(addr, ':') == NULL) {
    g_assert_true(
      sscanf(addr, "%hhu.%hhu.%hhu.%hhu", &v4[0], &v4[1], &v4[2], &v4[3]) == 4);
    e.addr[10] = e.addr[11] = 0xff;
    memcpy(e.addr + 12, v4, 4);
  } else {
    g_assert_cmpstr(addr, ==, "::1");
    e.addr[15] = 1;
  }
  return e;
}

static void
test_proc_net_owner(void)
{
  g_autofree char *dir = g_dir_make_tmp("test-gdb-XXXXXX", NULL);
  g_autofree char *tcp = g_build_filename(dir, "tcp", NULL);
  g_autofree char *tcp6 = g_build_filename(dir, "tcp6", NULL);
  MhGdbEndpoint stub = endpoint("127.0.0.1", 1234);
  MhGdbEndpoint stub6 = endpoint("::1", 1234);
  MhGdbEndpoint e;
  uid_t uid = 42;

  g_assert_true(g_file_set_contents(tcp, proc_tcp, -1, NULL));
  g_assert_true(g_file_set_contents(tcp6, proc_tcp6, -1, NULL));
  /* The connecting socket's owner, looked up with its ends as it has
   * them: its own address first. */
  e = endpoint("127.0.0.1", 0xa0f0);
  g_assert_cmpint(mh_gdb_proc_net_owner(tcp, FALSE, &e, &stub, &uid), ==,
                  MH_GDB_OWNER_FOUND);
  g_assert_cmpuint(uid, ==, 65534);
  /* The other way round is the stub's own end (uid 1000). */
  g_assert_cmpint(mh_gdb_proc_net_owner(tcp, FALSE, &stub, &e, &uid), ==,
                  MH_GDB_OWNER_FOUND);
  g_assert_cmpuint(uid, ==, 1000);
  /* Closed by its owner: its uid is no longer known. */
  e = endpoint("127.0.0.1", 0xa0f2);
  g_assert_cmpint(mh_gdb_proc_net_owner(tcp, FALSE, &e, &stub, &uid), ==,
                  MH_GDB_OWNER_NOT_OPEN);
  e = endpoint("127.0.0.1", 0xa0f3);
  g_assert_cmpint(mh_gdb_proc_net_owner(tcp, FALSE, &e, &stub, &uid), ==,
                  MH_GDB_OWNER_NONE);
  /* IPv6, and IPv4 from an IPv6 socket (mapped, in tcp6). */
  e = endpoint("::1", 0xa0f0);
  g_assert_cmpint(mh_gdb_proc_net_owner(tcp6, TRUE, &e, &stub6, &uid), ==,
                  MH_GDB_OWNER_FOUND);
  g_assert_cmpuint(uid, ==, 1001);
  e = endpoint("127.0.0.1", 0xa0f1);
  g_assert_cmpint(mh_gdb_proc_net_owner(tcp6, TRUE, &e, &stub, &uid), ==,
                  MH_GDB_OWNER_FOUND);
  g_assert_cmpuint(uid, ==, 1002);
  /* A missing table finds nothing. */
  g_assert_cmpint(mh_gdb_proc_net_owner("/nonexistent/tcp", FALSE, &e, &stub,
                                        &uid),
                  ==, MH_GDB_OWNER_NONE);
  g_unlink(tcp);
  g_unlink(tcp6);
  g_rmdir(dir);
}

/* A listening socket takes connections from this machine only when it
 * is bound to a loopback address or is a Unix socket. */
static void
test_listen_is_local(void)
{
  static const struct {
    int family;
    const char *addr;
    gboolean local;
  } cases[] = {
    {AF_INET, "127.0.0.1", TRUE}, {AF_INET, "127.1.2.3", TRUE},
    {AF_INET, "0.0.0.0", FALSE},  {AF_INET6, "::1", TRUE},
    {AF_INET6, "::", FALSE},      {AF_INET6, "::ffff:127.0.0.1", TRUE},
  };
  g_autofree char *dir = g_dir_make_tmp("test-gdb-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "sock", NULL);
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  int fd;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    struct sockaddr_storage ss = {0};
    socklen_t len;
    fd = socket(cases[i].family, SOCK_STREAM, 0);
    if (fd < 0) {
      g_test_message("no socket of family %d here", cases[i].family);
      continue;
    }
    if (cases[i].family == AF_INET) {
      struct sockaddr_in *in = (struct sockaddr_in *)&ss;
      in->sin_family = AF_INET;
      g_assert_cmpint(inet_pton(AF_INET, cases[i].addr, &in->sin_addr), ==, 1);
      len = sizeof *in;
    } else {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
      in6->sin6_family = AF_INET6;
      g_assert_cmpint(inet_pton(AF_INET6, cases[i].addr, &in6->sin6_addr), ==,
                      1);
      len = sizeof *in6;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
      g_test_message("cannot bind %s here: %s", cases[i].addr,
                     g_strerror(errno));
      close(fd);
      continue;
    }
    g_assert_cmpint(mh_gdb_listen_is_local(fd), ==, cases[i].local);
    close(fd);
  }
  g_assert_cmpuint(strlen(path), <, sizeof un.sun_path);
  strcpy(un.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  g_assert_cmpint(bind(fd, (struct sockaddr *)&un, sizeof un), ==, 0);
  g_assert_true(mh_gdb_listen_is_local(fd));
  close(fd);
  g_unlink(path);
  g_rmdir(dir);
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

static const MhUnitTest tests[] = {
  {"/gdbproto/rx/packet", test_rx_packet},
  {"/gdbproto/rx/overlong", test_rx_overlong},
  {"/gdbproto/frame", test_frame},
  {"/gdbproto/hex", test_hex},
  {"/gdbproto/queries", test_queries},
  {"/gdbproto/target-xml", test_target_xml},
  {"/gdbproto/registers", test_registers},
  {"/gdbproto/register-checks", test_register_checks},
  {"/gdbproto/has-packet", test_has_packet},
  {"/gdbstub/proc-net-owner", test_proc_net_owner},
  {"/gdbstub/listen-is-local", test_listen_is_local},
  {"/gdbproto/memory", test_memory},
  {"/gdbproto/breakpoints", test_breakpoints},
  {"/gdbproto/actions", test_actions},
};

MH_UNIT_MAIN(tests)
