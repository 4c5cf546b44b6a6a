/* SPDX-License-Identifier: MIT */
/*
 * fuzz_bytechannel - the file service's byte transport (MhByteChannel),
 * driven by random sequences of 1-byte OUTs and INs as a hostile guest
 * would send them, checked against a model written from mh_abi.h.
 *
 * The input is a program: each op byte says OUT one byte, OUT a run of
 * bytes, IN one byte, IN a run, or OUT a well-formed header (so that
 * requests get through the header check often).  The executor stands in
 * for the file service: it checks that it is called only with a request
 * that passed mh_file_req_check(), with exactly the payload the guest
 * sent; a READ fills all of req->len (an overflow would be caught by
 * ASan) and returns a result the input chooses, sometimes larger than
 * req->len.  After every op the channel's fields are within their bounds,
 * and every byte an IN returns is the byte the model expects.
 */
#include "config.h"

#include "fuzz-common.h"

#include "fileproto.h"

/* The model: what the guest must see, per mh_abi.h. */
typedef struct {
  guint8 hdr[MH_FILE_HDR_SIZE];
  gsize hdr_len;
  struct mh_file_req req;
  gsize payload_need;
  guint8 *payload; /* what the guest sent, to compare with the executor's */
  gsize payload_len;
  gboolean discard;  /* bad header answered; OUTs ignored until an IN   */
  gboolean in_reply; /* serving a reply                                 */
  guint8 *reply;
  gsize reply_len, reply_pos;
  gboolean exec_due; /* the model expects the executor to run now       */
} Model;

typedef struct {
  FuzzIn *in;
  Model *model;
  guint calls;
} Exec;

static void
model_set_reply(Model *m, gint64 result, const guint8 *data, gsize n)
{
  guint64 le = GUINT64_TO_LE((guint64)result);
  memcpy(m->reply, &le, 8);
  if (n > 0)
    memcpy(m->reply + 8, data, n);
  m->reply_len = 8 + n;
  m->reply_pos = 0;
  m->hdr_len = 0;
  m->payload_len = 0;
}

/* Results the executor returns: the edges of every range that matters. */
static gint64
exec_pick_result(FuzzIn *in, const struct mh_file_req *req)
{
  switch (fuzz_u8(in) % 10) {
  case 0: return 0;
  case 1: return req->len;
  case 2: return (gint64)req->len + 1 + fuzz_u8(in);
  case 3: return req->len > 0 ? fuzz_u32(in) % req->len : 0;
  case 4: return -(gint64)(1 + fuzz_u8(in) % 9); /* MH_FILE_E* */
  case 5: return G_MAXINT64;
  case 6: return G_MININT64;
  case 7: return (gint64)fuzz_u64(in);
  case 8: return MH_FILE_BYTE_MAX + 1;
  default: return 1;
  }
}

static gint64
fake_exec(gpointer user, const struct mh_file_req *req, const guint8 *payload,
          guint8 *dest)
{
  Exec *x = user;
  Model *m = x->model;
  gint64 result;

  x->calls++;
  FUZZ_CHECK(m->exec_due, "executor called when no request was complete");
  m->exec_due = FALSE;
  FUZZ_CHECK(mh_file_req_check(req, MH_FILE_BYTE_MAX) == 0,
             "executor got a request that fails the header check");
  FUZZ_CHECK(memcmp(req, &m->req, MH_FILE_HDR_SIZE) == 0,
             "executor got another header than the guest sent");
  if (req->cmd == MH_FILE_OPEN || req->cmd == MH_FILE_WRITE) {
    FUZZ_CHECK(m->payload_len == req->len, "payload %zu bytes, len %u",
               m->payload_len, req->len);
    FUZZ_CHECK(memcmp(payload, m->payload, req->len) == 0,
               "payload differs from what the guest sent");
  }
  result = exec_pick_result(x->in, req);
  if (req->cmd == MH_FILE_READ) {
    /* The most a READ may write: all of req->len. */
    for (guint32 i = 0; i < req->len; i++)
      dest[i] = (guint8)(i * 7 + req->len);
  }
  /* What the guest must then read back. */
  {
    gsize n = 0;
    if (req->cmd == MH_FILE_READ && result > 0)
      n = (gsize)MIN((guint64)result, (guint64)req->len);
    model_set_reply(m, result, dest, n);
  }
  m->in_reply = TRUE;
  return result;
}

static void
model_header_done(Model *m)
{
  struct mh_file_req *r = &m->req;
  gint64 status;

  memset(r, 0, sizeof *r);
  memcpy(r, m->hdr, MH_FILE_HDR_SIZE);
  r->cmd = GUINT32_FROM_LE(r->cmd);
  r->fd = (gint32)GUINT32_FROM_LE((guint32)r->fd);
  r->flags = GUINT32_FROM_LE(r->flags);
  r->len = GUINT32_FROM_LE(r->len);
  r->offset = (gint64)GUINT64_FROM_LE((guint64)r->offset);
  status = mh_file_req_check(r, MH_FILE_BYTE_MAX);
  if (status < 0) {
    model_set_reply(m, status, NULL, 0);
    m->discard = TRUE;
    return;
  }
  m->payload_need = (r->cmd == MH_FILE_OPEN || r->cmd == MH_FILE_WRITE) ? r->len
                                                                        : 0;
  if (m->payload_need == 0)
    m->exec_due = TRUE;
}

/* One OUT, in the model then in the channel. */
static void
do_out(MhByteChannel *ch, Model *m, Exec *x, guint8 byte)
{
  guint calls = x->calls;
  gboolean expect_exec;

  if (!m->discard) {
    if (m->in_reply) {
      m->in_reply = FALSE; /* the unread rest of the reply is dropped */
      m->hdr_len = m->payload_len = 0;
    }
    if (m->hdr_len < MH_FILE_HDR_SIZE) {
      m->hdr[m->hdr_len++] = byte;
      if (m->hdr_len == MH_FILE_HDR_SIZE)
        model_header_done(m);
    } else {
      m->payload[m->payload_len++] = byte;
      if (m->payload_len == m->payload_need)
        m->exec_due = TRUE;
    }
  }
  expect_exec = m->exec_due;
  mh_chan_out(ch, byte, fake_exec, x);
  FUZZ_CHECK(x->calls == calls + (expect_exec ? 1u : 0u),
             "executor ran %u times, expected %d", x->calls - calls,
             expect_exec);
}

/* @n OUTs of @byte: a payload, or bytes the channel discards, stepped
 * through the model in bulk (the channel still gets every byte). */
static void
do_out_run(MhByteChannel *ch, Model *m, Exec *x, guint8 byte, gsize n)
{
  while (n > 0) {
    guint calls = x->calls;
    gsize k = 0;

    if (m->discard) {
      k = n; /* all ignored until an IN */
    } else if (!m->in_reply && m->hdr_len == MH_FILE_HDR_SIZE &&
               m->payload_len + 1 < m->payload_need) {
      k = MIN(n, m->payload_need - m->payload_len - 1); /* not the last */
      memset(m->payload + m->payload_len, byte, k);
      m->payload_len += k;
    }
    if (k == 0) {
      do_out(ch, m, x, byte);
      n--;
      continue;
    }
    for (gsize i = 0; i < k; i++)
      mh_chan_out(ch, byte, fake_exec, x);
    FUZZ_CHECK(x->calls == calls, "executor ran inside a payload or a discard");
    n -= k;
  }
}

/* One IN: the byte must be the model's. */
static void
do_in(MhByteChannel *ch, Model *m)
{
  guint8 want, got;

  if (m->discard) {
    m->discard = FALSE;
    m->in_reply = TRUE;
  } else if (!m->in_reply) {
    if (m->hdr_len == 0) {
      got = mh_chan_in(ch);
      FUZZ_CHECK(got == 0xff, "idle IN returned 0x%02x", got);
      return;
    }
    model_set_reply(m, MH_FILE_EPROTO, NULL, 0); /* IN mid-request */
    m->in_reply = TRUE;
  }
  want = m->reply[m->reply_pos++];
  if (m->reply_pos == m->reply_len) {
    m->in_reply = FALSE;
    m->hdr_len = m->payload_len = 0;
  }
  got = mh_chan_in(ch);
  FUZZ_CHECK(got == want, "IN returned 0x%02x, the reply's byte is 0x%02x", got,
             want);
}

/* @n INs: the middle of a reply, and idle INs, checked in bulk. */
static void
do_in_run(MhByteChannel *ch, Model *m, gsize n)
{
  static guint8 got[8 + MH_FILE_BYTE_MAX];

  while (n > 0) {
    gsize k = 0;
    const guint8 *want = NULL;

    if (m->in_reply && !m->discard && m->reply_len - m->reply_pos > 1) {
      k = MIN(n, m->reply_len - m->reply_pos - 1); /* not the last byte */
      want = m->reply + m->reply_pos;
    } else if (!m->in_reply && !m->discard && m->hdr_len == 0) {
      k = MIN(n, sizeof got); /* idle: every IN reads 0xFF */
    }
    if (k == 0) {
      do_in(ch, m);
      n--;
      continue;
    }
    for (gsize i = 0; i < k; i++)
      got[i] = mh_chan_in(ch);
    if (want != NULL) {
      FUZZ_CHECK(memcmp(got, want, k) == 0, "INs differ from the reply");
      m->reply_pos += k;
    } else {
      for (gsize i = 0; i < k; i++)
        FUZZ_CHECK(got[i] == 0xff, "idle IN returned 0x%02x", got[i]);
    }
    n -= k;
  }
}

static void
check_bounds(const MhByteChannel *ch)
{
  FUZZ_CHECK(ch->state == MH_CHAN_REQUEST || ch->state == MH_CHAN_DISCARD ||
               ch->state == MH_CHAN_REPLY,
             "state %d", ch->state);
  FUZZ_CHECK(ch->hdr_len <= MH_FILE_HDR_SIZE, "hdr_len %zu", ch->hdr_len);
  FUZZ_CHECK(ch->payload_len <= MAX(MH_FILE_BYTE_MAX, MH_FILE_NAME_MAX),
             "payload_len %zu", ch->payload_len);
  if (ch->state != MH_CHAN_REQUEST) {
    FUZZ_CHECK(ch->reply_len >= 8 && ch->reply_len <= 8 + MH_FILE_BYTE_MAX,
               "reply_len %zu", ch->reply_len);
    FUZZ_CHECK(ch->reply_pos < ch->reply_len, "reply_pos %zu of %zu",
               ch->reply_pos, ch->reply_len);
  }
}

/* A header that passes the check (or nearly does): OUTs of 24 bytes. */
static void
out_header(MhByteChannel *ch, Model *m, Exec *x, FuzzIn *in)
{
  struct mh_file_req r = {0};
  guint8 raw[MH_FILE_HDR_SIZE];
  guint8 sel = fuzz_u8(in);

  r.cmd = 1 + sel % 7; /* OPEN .. SIZE, and one unknown      */
  r.fd = (gint32)(fuzz_u8(in) % 4) - 1;
  r.flags = fuzz_u8(in) & 0x3f; /* OPEN flags or SEEK whence          */
  switch ((sel >> 3) % 16) {    /* short, at and past the limits:    */
  case 0:                       /* the longest, rarely (each of its  */
    r.len = MH_FILE_BYTE_MAX + (fuzz_u8(in) % 3) - 1; /* bytes is an */
    break; /* IN or an OUT: slow)               */
  case 1: r.len = MH_FILE_NAME_MAX + (fuzz_u8(in) % 3) - 1; break;
  case 2: r.len = fuzz_u32(in); break;
  default: r.len = fuzz_u8(in) % 64; break;
  }
  r.offset = (gint64)fuzz_u64(in);
  r.cmd = GUINT32_TO_LE(r.cmd);
  r.flags = GUINT32_TO_LE(r.flags);
  r.len = GUINT32_TO_LE(r.len);
  memcpy(raw, &r, sizeof raw);
  for (gsize i = 0; i < sizeof raw; i++)
    do_out(ch, m, x, raw[i]);
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
  static guint8 payload[MAX(MH_FILE_BYTE_MAX, MH_FILE_NAME_MAX)];
  static guint8 reply[8 + MH_FILE_BYTE_MAX];
  MhByteChannel ch;
  Model m = {.payload = payload, .reply = reply};
  FuzzIn in;
  Exec x = {.in = &in, .model = &m};

  fuzz_in_init(&in, data, size);
  mh_chan_init(&ch);
  while (!fuzz_in_done(&in)) {
    guint8 op = fuzz_u8(&in);
    guint n;

    switch (op % 6) {
    case 0: /* one OUT */ do_out(&ch, &m, &x, fuzz_u8(&in)); break;
    case 1: { /* rep outsb of input bytes */
      gsize len;
      const guint8 *bytes = fuzz_bytes(&in, 1 + op / 6, &len);
      for (gsize i = 0; i < len; i++)
        do_out(&ch, &m, &x, bytes[i]);
      break;
    }
    case 2: /* one IN */ do_in(&ch, &m); break;
    case 3: /* rep insb: a short one, or one that reads the rest of the
             * reply (up to the largest READ's) and a few bytes past it */
      n = 1u + fuzz_u8(&in) % 40u;
      if (op >= 0xf0 && m.in_reply)
        n += (guint)(m.reply_len - m.reply_pos);
      do_in_run(&ch, &m, n);
      break;
    case 4: /* a (mostly) well-formed header */
      out_header(&ch, &m, &x, &in);
      break;
    default: { /* a run of one repeated byte: long payloads, cheaply */
      guint8 b = fuzz_u8(&in);
      /* Short, or the rest of the payload the header announced (up to the
       * largest) and a few bytes past it. */
      n = fuzz_u8(&in);
      if (op >= 0xf0 && !m.discard && !m.in_reply &&
          m.hdr_len == MH_FILE_HDR_SIZE)
        n = (guint)(m.payload_need - m.payload_len) + n % 8u;
      do_out_run(&ch, &m, &x, b, n);
      break;
    }
    }
    check_bounds(&ch);
  }
  mh_chan_clear(&ch);
  return 0;
}
