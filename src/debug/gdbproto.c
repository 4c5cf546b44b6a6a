/* SPDX-License-Identifier: MIT */
/* gdbproto.c - the gdb remote serial protocol: framing and commands. */
#include "config.h"

#include "gdbproto.h"

#include <string.h>

/* The registers of gdb's own features/i386/64bit-core.xml, with the
 * same names, sizes and types: gdb 12 and later check them against
 * amd64's, and a size that differs (eflags as 64 bits, say) makes gdb
 * refuse the description. */
const char mh_gdbproto_target_xml[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
  "<target version=\"1.0\">\n"
  "<architecture>i386:x86-64</architecture>\n"
  "<feature name=\"org.gnu.gdb.i386.core\">\n"
  "<flags id=\"i386_eflags\" size=\"4\">\n"
  "<field name=\"CF\" start=\"0\" end=\"0\"/>\n"
  "<field name=\"\" start=\"1\" end=\"1\"/>\n"
  "<field name=\"PF\" start=\"2\" end=\"2\"/>\n"
  "<field name=\"AF\" start=\"4\" end=\"4\"/>\n"
  "<field name=\"ZF\" start=\"6\" end=\"6\"/>\n"
  "<field name=\"SF\" start=\"7\" end=\"7\"/>\n"
  "<field name=\"TF\" start=\"8\" end=\"8\"/>\n"
  "<field name=\"IF\" start=\"9\" end=\"9\"/>\n"
  "<field name=\"DF\" start=\"10\" end=\"10\"/>\n"
  "<field name=\"OF\" start=\"11\" end=\"11\"/>\n"
  "<field name=\"NT\" start=\"14\" end=\"14\"/>\n"
  "<field name=\"RF\" start=\"16\" end=\"16\"/>\n"
  "<field name=\"VM\" start=\"17\" end=\"17\"/>\n"
  "<field name=\"AC\" start=\"18\" end=\"18\"/>\n"
  "<field name=\"VIF\" start=\"19\" end=\"19\"/>\n"
  "<field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
  "<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
  "</flags>\n"
  "<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
  "<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
  "<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
  "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
  "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
  "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
  "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
  "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
  "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
  "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
  "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
  "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
  "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
  "</feature>\n"
  "</target>\n";

enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2 };

/* Each register's size in bytes, by gdb's number. */
static guint
gdbproto_reg_size(guint n)
{
  if (n <= MH_GDB_REG_RIP)
    return 8;
  if (n >= 24 && n < 32)
    return 10; /* st0-7 */
  return 4;
}

static int
gdbproto_hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void
mh_gdbproto_rx_init(MhGdbRx *rx)
{
  memset(rx, 0, sizeof *rx);
}

MhGdbRxEvent
mh_gdbproto_rx_byte(MhGdbRx *rx, guint8 byte)
{
  int v;

  /* '$' always starts a packet afresh: the peer gave up on the last. */
  if (byte == '$') {
    rx->state = RX_DATA;
    rx->len = 0;
    rx->sum = 0;
    rx->overflow = FALSE;
    rx->data[0] = '\0';
    return MH_GDB_RX_NONE;
  }
  switch (rx->state) {
  case RX_IDLE:
    /* Acks, NAKs and noise between packets are ignored. */
    return byte == 0x03 ? MH_GDB_RX_INTERRUPT : MH_GDB_RX_NONE;
  case RX_DATA:
    if (byte == '#') {
      rx->state = RX_SUM1;
      return MH_GDB_RX_NONE;
    }
    rx->sum = (guint8)(rx->sum + byte);
    if (rx->len < MH_GDB_PACKET_MAX)
      rx->data[rx->len++] = (char)byte;
    else
      rx->overflow = TRUE;
    return MH_GDB_RX_NONE;
  case RX_SUM1:
    v = gdbproto_hexval((char)byte);
    rx->want = (guint8)((v < 0 ? 0 : v) << 4);
    rx->overflow |= v < 0;
    rx->state = RX_SUM2;
    return MH_GDB_RX_NONE;
  default:
    v = gdbproto_hexval((char)byte);
    rx->want |= (guint8)(v < 0 ? 0 : v);
    rx->state = RX_IDLE;
    rx->data[rx->len] = '\0';
    if (v < 0 || rx->overflow || rx->want != rx->sum)
      return MH_GDB_RX_BAD;
    return MH_GDB_RX_PACKET;
  }
}

gboolean
mh_gdbproto_has_packet(const guint8 *buf, gsize len)
{
  g_autofree MhGdbRx *rx = g_new(MhGdbRx, 1);

  mh_gdbproto_rx_init(rx);
  for (gsize i = 0; i < len; i++)
    if (mh_gdbproto_rx_byte(rx, buf[i]) != MH_GDB_RX_NONE)
      return TRUE;
  return FALSE;
}

/* RFLAGS bits that must be 0 (SDM 1 §3.4.3; VM, 17, cannot be set in
 * long mode, where VM entry on Intel refuses it). */
#define GDB_EFLAGS_MUST_BE_0 \
  ((1u << 3) | (1u << 5) | (1u << 15) | (1u << 17) | 0xffc00000u)

gboolean
mh_gdbproto_regs_check(const MhGdbRegs *old, const MhGdbRegs *regs,
                       const char **why)
{
  /* Canonical: bits 63 to 47 all equal. */
  guint64 top = regs->rip >> 47;

  if (top != 0 && top != (G_MAXUINT64 >> 47)) {
    *why = "rip is not canonical";
    return FALSE;
  }
  if (regs->eflags & GDB_EFLAGS_MUST_BE_0) {
    *why = "eflags has a bit set that must be clear";
    return FALSE;
  }
  if (memcmp(old->seg, regs->seg, sizeof regs->seg) != 0) {
    *why = "the segment registers cannot be changed";
    return FALSE;
  }
  return TRUE;
}

void
mh_gdbproto_frame(GString *out, const char *data, gsize len)
{
  guint8 sum = 0;

  g_string_append_c(out, '$');
  for (gsize i = 0; i < len; i++) {
    char c = data[i];
    if (c == '#' || c == '$' || c == '}' || c == '*') {
      g_string_append_c(out, '}');
      sum = (guint8)(sum + '}');
      c ^= 0x20;
    }
    g_string_append_c(out, c);
    sum = (guint8)(sum + (guint8)c);
  }
  g_string_append_printf(out, "#%02x", sum);
}

gboolean
mh_gdbproto_parse_hex(const char *text, gsize len, guint64 *value)
{
  guint64 v = 0;

  if (len == 0 || len > 16)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    int d = gdbproto_hexval(text[i]);
    if (d < 0)
      return FALSE;
    v = v << 4 | (guint)d;
  }
  *value = v;
  return TRUE;
}

gboolean
mh_gdbproto_unhex(const char *text, gsize len, guint8 *out)
{
  if (len % 2 != 0)
    return FALSE;
  for (gsize i = 0; i < len; i += 2) {
    int hi = gdbproto_hexval(text[i]), lo = gdbproto_hexval(text[i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i / 2] = (guint8)(hi << 4 | lo);
  }
  return TRUE;
}

static void
gdbproto_hex(GString *out, const guint8 *bytes, gsize len)
{
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(out, "%02x", bytes[i]);
}

/* A cursor over a packet's arguments. */
typedef struct {
  const char *p, *end;
} Args;

/* Reads a hex number up to @stop (consumed) or the end if @stop is 0. */
static gboolean
args_hex(Args *a, char stop, guint64 *value)
{
  const char *start = a->p;

  while (a->p < a->end && *a->p != stop)
    a->p++;
  if (stop != 0) {
    if (a->p == a->end)
      return FALSE;
    if (!mh_gdbproto_parse_hex(start, (gsize)(a->p - start), value))
      return FALSE;
    a->p++;
    return TRUE;
  }
  return mh_gdbproto_parse_hex(start, (gsize)(a->p - start), value);
}

/* The bytes of the registers in g's layout: @buf of MH_GDB_G_SIZE. */
#define MH_GDB_G_SIZE (16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4)

static void
gdbproto_regs_to_bytes(const MhGdbRegs *r, guint8 *buf)
{
  guint8 *p = buf;

  memset(buf, 0, MH_GDB_G_SIZE);
  for (guint i = 0; i < 16; i++, p += 8)
    for (guint b = 0; b < 8; b++)
      p[b] = (guint8)(r->gpr[i] >> (8 * b));
  for (guint b = 0; b < 8; b++)
    p[b] = (guint8)(r->rip >> (8 * b));
  p += 8;
  for (guint b = 0; b < 4; b++)
    p[b] = (guint8)(r->eflags >> (8 * b));
  p += 4;
  for (guint i = 0; i < 6; i++, p += 4)
    for (guint b = 0; b < 4; b++)
      p[b] = (guint8)(r->seg[i] >> (8 * b));
}

static guint64
gdbproto_le(const guint8 *p, guint n)
{
  guint64 v = 0;

  for (guint b = n; b > 0; b--)
    v = v << 8 | p[b - 1];
  return v;
}

/* The layout's x87 part: st0-7 and the control registers, which read as
 * 0 (the guest has no x87 state to show). */
#define GDB_X87_OFFSET (16 * 8 + 8 + 4 + 6 * 4)

static void
gdbproto_bytes_to_regs(const guint8 *buf, MhGdbRegs *r)
{
  for (guint i = 0; i < 16; i++)
    r->gpr[i] = gdbproto_le(buf + 8 * i, 8);
  r->rip = gdbproto_le(buf + 128, 8);
  r->eflags = (guint32)gdbproto_le(buf + 136, 4);
  for (guint i = 0; i < 6; i++)
    r->seg[i] = (guint32)gdbproto_le(buf + 140 + 4 * i, 4);
}

/* Whether the x87 part of @buf is still all 0: the stub keeps no x87
 * state, so a value written there would be lost. */
static gboolean
gdbproto_x87_clear(const guint8 *buf)
{
  for (guint i = GDB_X87_OFFSET; i < MH_GDB_G_SIZE; i++)
    if (buf[i] != 0)
      return FALSE;
  return TRUE;
}

/* The offset of register @n in g's layout. */
static guint
gdbproto_reg_offset(guint n)
{
  guint off = 0;

  for (guint i = 0; i < n; i++)
    off += gdbproto_reg_size(i);
  return off;
}

static void
reply_error(GString *reply, guint code)
{
  g_string_printf(reply, "E%02x", code);
}

/* m addr,len */
static void
gdbproto_read_mem(const MhGdbTargetOps *ops, gpointer target, Args *a,
                  GString *reply)
{
  guint8 buf[MH_GDB_PACKET_MAX / 2];
  guint64 addr, len;

  if (!args_hex(a, ',', &addr) || !args_hex(a, 0, &len)) {
    reply_error(reply, 1);
    return;
  }
  /* A shorter answer is allowed: gdb asks again for the rest. */
  len = MIN(len, (guint64)sizeof buf);
  if (len > 0 && !ops->read_mem(target, addr, buf, (gsize)len)) {
    reply_error(reply, 14); /* EFAULT */
    return;
  }
  gdbproto_hex(reply, buf, (gsize)len);
}

/* M addr,len:hex  or  X addr,len:binary */
static void
gdbproto_write_mem(const MhGdbTargetOps *ops, gpointer target, Args *a,
                   gboolean binary, GString *reply)
{
  guint8 buf[MH_GDB_PACKET_MAX];
  guint64 addr, len;
  gsize n = 0;

  if (!args_hex(a, ',', &addr) || !args_hex(a, ':', &len) || len > sizeof buf) {
    reply_error(reply, 1);
    return;
  }
  if (binary) {
    while (a->p < a->end && n < sizeof buf) {
      char c = *a->p++;
      if (c == '}') {
        if (a->p == a->end)
          break;
        c = (char)(*a->p++ ^ 0x20);
      }
      buf[n++] = (guint8)c;
    }
    if (a->p != a->end || n != len) {
      reply_error(reply, 1);
      return;
    }
  } else {
    if ((guint64)(a->end - a->p) != 2 * len ||
        !mh_gdbproto_unhex(a->p, (gsize)(a->end - a->p), buf)) {
      reply_error(reply, 1);
      return;
    }
    n = (gsize)len;
  }
  if (n > 0 && !ops->write_mem(target, addr, buf, n)) {
    reply_error(reply, 14);
    return;
  }
  g_string_assign(reply, "OK");
}

/* Gives the target @regs if they are valid (mh_gdbproto_regs_check):
 * E16 (EINVAL) if not, E02 if the target refuses. */
static void
gdbproto_set_regs(const MhGdbTargetOps *ops, gpointer target,
                  const MhGdbRegs *old, const MhGdbRegs *regs, GString *reply)
{
  const char *why;

  if (!mh_gdbproto_regs_check(old, regs, &why))
    reply_error(reply, 0x16);
  else if (!ops->set_regs(target, regs))
    reply_error(reply, 2);
  else
    g_string_assign(reply, "OK");
}

/* p n  or  P n=hex */
/* Writes the registers in @buf (the 'g' layout) over @old, unless the
 * x87 state in it is not the clear one the guest has (E16). */
static void
gdbproto_put_regs(const MhGdbTargetOps *ops, gpointer target, const guint8 *buf,
                  const MhGdbRegs *old, GString *reply)
{
  MhGdbRegs regs = *old;

  gdbproto_bytes_to_regs(buf, &regs);
  if (!gdbproto_x87_clear(buf))
    reply_error(reply, 0x16);
  else
    gdbproto_set_regs(ops, target, old, &regs, reply);
}

static void
gdbproto_one_reg(const MhGdbTargetOps *ops, gpointer target, Args *a,
                 gboolean write, GString *reply)
{
  guint8 buf[MH_GDB_G_SIZE];
  MhGdbRegs old;
  guint64 n;
  guint size, off;

  if (!args_hex(a, write ? '=' : 0, &n) || n >= MH_GDB_REG_COUNT) {
    reply_error(reply, 1);
    return;
  }
  if (!ops->get_regs(target, &old)) {
    reply_error(reply, 2);
    return;
  }
  gdbproto_regs_to_bytes(&old, buf);
  size = gdbproto_reg_size((guint)n);
  off = gdbproto_reg_offset((guint)n);
  if (!write) {
    gdbproto_hex(reply, buf + off, size);
    return;
  }
  if ((gsize)(a->end - a->p) != 2 * size ||
      !mh_gdbproto_unhex(a->p, 2 * size, buf + off)) {
    reply_error(reply, 1);
    return;
  }
  gdbproto_put_regs(ops, target, buf, &old, reply);
}

/* Z/z type,addr,kind */
static void
gdbproto_breakpoint(const MhGdbTargetOps *ops, gpointer target, Args *a,
                    gboolean insert, GString *reply)
{
  guint64 type, addr, kind;
  int rc;

  /* Conditions and commands (";X...") are an option gdb does not use
   * unless we offer them: a ';' makes the kind malformed. */
  if (!args_hex(a, ',', &type) || !args_hex(a, ',', &addr) ||
      !args_hex(a, 0, &kind) || type > MH_GDB_BP_ACCESS) {
    reply_error(reply, 1);
    return;
  }
  rc = (insert ? ops->insert_bp : ops->remove_bp)(target, (MhGdbBpType)type,
                                                  addr, kind);
  if (rc > 0)
    g_string_assign(reply, "OK");
  else if (rc < 0)
    reply_error(reply, 14);
}

/* qXfer:features:read:target.xml:offset,length */
static void
gdbproto_xfer(const char *annex_and_range, gsize len, GString *reply)
{
  static const char prefix[] = "target.xml:";
  gsize total = sizeof mh_gdbproto_target_xml - 1;
  Args a;
  guint64 off, want;

  if (len < sizeof prefix - 1 ||
      memcmp(annex_and_range, prefix, sizeof prefix - 1) != 0) {
    reply_error(reply, 0);
    return;
  }
  a = (Args){annex_and_range + sizeof prefix - 1, annex_and_range + len};
  if (!args_hex(&a, ',', &off) || !args_hex(&a, 0, &want)) {
    reply_error(reply, 1);
    return;
  }
  /* Framing may double each byte: stay within the packet size. */
  want = MIN(want, (guint64)(MH_GDB_PACKET_MAX / 2 - 8));
  if (off >= total) {
    g_string_assign(reply, "l");
    return;
  }
  want = MIN(want, (guint64)(total - off));
  g_string_append_c(reply, off + want == total ? 'l' : 'm');
  g_string_append_len(reply, mh_gdbproto_target_xml + off, (gssize)want);
}

static gboolean
starts(const char *data, gsize len, const char *word)
{
  gsize n = strlen(word);

  return len >= n && memcmp(data, word, n) == 0;
}

static gboolean
equals(const char *data, gsize len, const char *word)
{
  return len == strlen(word) && memcmp(data, word, len) == 0;
}

static void
gdbproto_query(const char *data, gsize len, GString *reply)
{
  static const char xfer[] = "qXfer:features:read:";

  if (starts(data, len, "qSupported"))
    g_string_printf(reply,
                    "PacketSize=%x;qXfer:features:read+;swbreak+;"
                    "hwbreak+",
                    MH_GDB_PACKET_MAX);
  else if (starts(data, len, xfer))
    gdbproto_xfer(data + sizeof xfer - 1, len - (sizeof xfer - 1), reply);
  else if (equals(data, len, "qAttached"))
    g_string_assign(reply, "1");
  else if (equals(data, len, "qC"))
    g_string_assign(reply, "QC1");
  else if (equals(data, len, "qfThreadInfo"))
    g_string_assign(reply, "m1");
  else if (equals(data, len, "qsThreadInfo"))
    g_string_assign(reply, "l");
  else if (starts(data, len, "qSymbol"))
    g_string_assign(reply, "OK");
  /* Everything else (qOffsets, qTStatus, ...): empty, "not supported". */
}

/* 'g' reads every register, 'G' writes them (the x87 state must be as
 * the guest has it: clear). */
static void
gdbproto_all_regs(const MhGdbTargetOps *ops, gpointer target, const char *data,
                  gsize len, GString *reply)
{
  MhGdbRegs regs, old;
  guint8 buf[MH_GDB_G_SIZE];

  if (data[0] == 'g') {
    if (!ops->get_regs(target, &regs)) {
      reply_error(reply, 2);
      return;
    }
    gdbproto_regs_to_bytes(&regs, buf);
    gdbproto_hex(reply, buf, sizeof buf);
    return;
  }
  if (len - 1 != 2 * sizeof buf || !ops->get_regs(target, &old) ||
      !mh_gdbproto_unhex(data + 1, len - 1, buf)) {
    reply_error(reply, 1);
    return;
  }
  gdbproto_put_regs(ops, target, buf, &old, reply);
}

MhGdbAction
mh_gdbproto_handle(const MhGdbTargetOps *ops, gpointer target, const char *data,
                   gsize len, const char *stop_reply, GString *reply)
{
  Args a = {data + 1, data + len};

  g_string_truncate(reply, 0);
  if (len == 0)
    return MH_GDB_ACT_NONE;
  switch (data[0]) {
  case '?': g_string_assign(reply, stop_reply); break;
  case 'g':
  case 'G': gdbproto_all_regs(ops, target, data, len, reply); break;
  case 'p':
  case 'P': gdbproto_one_reg(ops, target, &a, data[0] == 'P', reply); break;
  case 'm': gdbproto_read_mem(ops, target, &a, reply); break;
  case 'M':
  case 'X': gdbproto_write_mem(ops, target, &a, data[0] == 'X', reply); break;
  case 'Z':
  case 'z': gdbproto_breakpoint(ops, target, &a, data[0] == 'Z', reply); break;
  case 'c':
  case 's':
    /* "c ADDR" resumes elsewhere: not supported (gdb does not send it). */
    if (len != 1) {
      reply_error(reply, 1);
      break;
    }
    return data[0] == 'c' ? MH_GDB_ACT_CONTINUE : MH_GDB_ACT_STEP;
  case 'C':
  case 'S': {
    /* With a signal: the guest has no signals to take it, as with a
     * fault the hypervisor caught; resume without it. */
    guint64 sig;
    if (!args_hex(&a, 0, &sig) || sig > 0xff) {
      reply_error(reply, 1);
      break;
    }
    return data[0] == 'C' ? MH_GDB_ACT_CONTINUE : MH_GDB_ACT_STEP;
  }
  case 'k': return MH_GDB_ACT_KILL;
  case 'D': g_string_assign(reply, "OK"); return MH_GDB_ACT_DETACH;
  case 'H':
  case 'T':
    /* One thread: whichever gdb names is it. */
    g_string_assign(reply, "OK");
    break;
  case 'q': gdbproto_query(data, len, reply); break;
  default:
    /* vCont?, vMustReplyEmpty, ! and the rest: not supported. */
    break;
  }
  return MH_GDB_ACT_NONE;
}
