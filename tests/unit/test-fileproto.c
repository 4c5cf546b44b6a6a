/* SPDX-License-Identifier: MIT */
/* Units for the file-service protocol: header checks, the byte channel's
 * state machine and its resynchronisation, and the name check. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fileproto.h"
#include "unit-main.h"

/* An executor that records what it was asked and answers a fixed value. */
typedef struct {
  guint calls;
  struct mh_file_req last;
  guint8 payload[MH_FILE_BYTE_MAX];
  gint64 answer;
  const char *read_data; /* what a READ returns */
} Exec;

static gint64
exec_stub(gpointer user, const struct mh_file_req *req, const guint8 *payload,
          guint8 *dest)
{
  Exec *e = user;

  e->calls++;
  e->last = *req;
  if (payload != NULL &&
      (req->cmd == MH_FILE_OPEN || req->cmd == MH_FILE_WRITE))
    memcpy(e->payload, payload, req->len);
  if (req->cmd == MH_FILE_READ && e->read_data != NULL) {
    gsize n = MIN(strlen(e->read_data), req->len);
    memcpy(dest, e->read_data, n);
    return (gint64)n;
  }
  return e->answer;
}

static void
send_header(MhByteChannel *ch, Exec *e, guint32 cmd, gint32 fd, guint32 flags,
            guint32 len, gint64 offset)
{
  struct mh_file_req r = {GUINT32_TO_LE(cmd),
                          (gint32)GUINT32_TO_LE((guint32)fd),
                          GUINT32_TO_LE(flags),
                          GUINT32_TO_LE(len),
                          (gint64)GUINT64_TO_LE((guint64)offset),
                          0,
                          0};
  const guint8 *bytes = (const guint8 *)&r;
  for (guint i = 0; i < MH_FILE_HDR_SIZE; i++)
    mh_chan_out(ch, bytes[i], exec_stub, e);
}

static void
send_bytes(MhByteChannel *ch, Exec *e, const char *data, gsize n)
{
  for (gsize i = 0; i < n; i++)
    mh_chan_out(ch, (guint8)data[i], exec_stub, e);
}

static gint64
read_result(MhByteChannel *ch)
{
  guint64 v = 0;
  for (guint i = 0; i < 8; i++)
    v |= (guint64)mh_chan_in(ch) << (8 * i);
  return (gint64)v;
}

static void
test_req_check(void)
{
  struct mh_file_req r = {0};

  r.cmd = MH_FILE_OPEN, r.flags = MH_FILE_RDONLY, r.len = 3;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, 0);
  r.flags = 0;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
  r.flags = MH_FILE_RDONLY | MH_FILE_TRUNC; /* truncate without write */
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
  r.flags = MH_FILE_RDONLY | 0x80; /* unknown flag */
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
  r.flags = MH_FILE_WRONLY | MH_FILE_APPEND, r.len = 0;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_ENAME);
  r.len = 256;
  g_assert_cmpint(mh_file_req_check(&r, 1000), ==, MH_FILE_ENAME);
  r.cmd = MH_FILE_READ, r.len = 101;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
  r.len = 100;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, 0);
  r.cmd = MH_FILE_SEEK, r.flags = 3;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
  r.cmd = 0;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
  r.cmd = 7;
  g_assert_cmpint(mh_file_req_check(&r, 100), ==, MH_FILE_EINVAL);
}

static void
test_open_then_read(void)
{
  MhByteChannel ch;
  Exec e = {.answer = 5};

  mh_chan_init(&ch);
  send_header(&ch, &e, MH_FILE_OPEN, 0, MH_FILE_RDONLY, 4, 0);
  g_assert_cmpuint(e.calls, ==, 0); /* waits for the name */
  send_bytes(&ch, &e, "data", 4);
  g_assert_cmpuint(e.calls, ==, 1);
  g_assert_cmpuint(e.last.cmd, ==, MH_FILE_OPEN);
  g_assert_cmpmem(e.payload, 4, "data", 4);
  g_assert_cmpint(read_result(&ch), ==, 5);

  e.read_data = "hello";
  send_header(&ch, &e, MH_FILE_READ, 5, 0, 100, 0);
  g_assert_cmpuint(e.calls, ==, 2);
  g_assert_cmpint(e.last.fd, ==, 5);
  g_assert_cmpint(read_result(&ch), ==, 5);
  for (const char *p = "hello"; *p; p++)
    g_assert_cmpuint(mh_chan_in(&ch), ==, (guint8)*p);
  /* The reply is over: the channel is idle and reads 0xFF. */
  g_assert_cmpuint(mh_chan_in(&ch), ==, 0xff);
  g_assert_cmpint(ch.state, ==, MH_CHAN_REQUEST);
  mh_chan_clear(&ch);
}

static void
test_negative_fields(void)
{
  MhByteChannel ch;
  Exec e = {.answer = 0};

  mh_chan_init(&ch);
  send_header(&ch, &e, MH_FILE_SEEK, -7, MH_FILE_SEEK_END, 0, -123);
  g_assert_cmpint(e.last.fd, ==, -7);
  g_assert_cmpint(e.last.offset, ==, -123);
  mh_chan_clear(&ch);
}

static void
test_bad_header_discards_until_read(void)
{
  MhByteChannel ch;
  Exec e = {.answer = 0};

  mh_chan_init(&ch);
  /* A WRITE longer than the byte transport allows: its payload follows,
   * and none of it may be taken for a new request. */
  send_header(&ch, &e, MH_FILE_WRITE, 0, 0, MH_FILE_BYTE_MAX + 1, 0);
  send_header(&ch, &e, MH_FILE_CLOSE, 0, 0, 0, 0); /* looks like a request */
  send_bytes(&ch, &e, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 40);
  g_assert_cmpuint(e.calls, ==, 0);
  g_assert_cmpint(read_result(&ch), ==, MH_FILE_EINVAL);
  /* After the error is read, the channel takes requests again. */
  send_header(&ch, &e, MH_FILE_CLOSE, 3, 0, 0, 0);
  g_assert_cmpuint(e.calls, ==, 1);
  g_assert_cmpint(read_result(&ch), ==, 0);
  g_assert_cmpuint(ch.resets, ==, 1);
  mh_chan_clear(&ch);
}

static void
test_in_mid_request(void)
{
  MhByteChannel ch;
  Exec e = {.answer = 0};

  mh_chan_init(&ch);
  send_bytes(&ch, &e, "\x01\x00\x00", 3);
  g_assert_cmpint(read_result(&ch), ==, MH_FILE_EPROTO);
  g_assert_cmpuint(e.calls, ==, 0);
  /* Idle again: an 8-byte read now is all ones, -1 = EPROTO too. */
  g_assert_cmpint(read_result(&ch), ==, -1);
  send_header(&ch, &e, MH_FILE_SIZE, 1, 0, 0, 0);
  g_assert_cmpuint(e.calls, ==, 1);
  mh_chan_clear(&ch);
}

static void
test_out_during_reply(void)
{
  MhByteChannel ch;
  Exec e = {.answer = 42};

  mh_chan_init(&ch);
  send_header(&ch, &e, MH_FILE_SIZE, 1, 0, 0, 0);
  (void)mh_chan_in(&ch); /* read one byte of eight, then move on */
  send_header(&ch, &e, MH_FILE_SIZE, 2, 0, 0, 0);
  g_assert_cmpuint(e.calls, ==, 2);
  g_assert_cmpint(e.last.fd, ==, 2);
  g_assert_cmpint(read_result(&ch), ==, 42);
  mh_chan_clear(&ch);
}

static void
test_random_streams_never_wedge(void)
{
  /* Whatever bytes come, a full reply can always be read afterwards
   * and a well-formed request then runs. */
  GRand *rand = g_rand_new_with_seed(1234);
  MhByteChannel ch;
  Exec e = {.answer = 7};

  mh_chan_init(&ch);
  for (guint round = 0; round < 2000; round++) {
    guint n = (guint)g_rand_int_range(rand, 0, 200);
    for (guint i = 0; i < n; i++) {
      if (g_rand_int_range(rand, 0, 10) == 0)
        (void)mh_chan_in(&ch);
      else
        mh_chan_out(&ch, (guint8)g_rand_int(rand), exec_stub, &e);
    }
    /* Drain: an IN ends any partial request or discard. */
    while (ch.state != MH_CHAN_REQUEST || ch.hdr_len != 0)
      (void)mh_chan_in(&ch);
    e.calls = 0;
    send_header(&ch, &e, MH_FILE_SIZE, 9, 0, 0, 0);
    g_assert_cmpuint(e.calls, ==, 1);
    g_assert_cmpint(read_result(&ch), ==, 7);
  }
  mh_chan_clear(&ch);
  g_rand_free(rand);
}

static void
test_name_check(void)
{
  static const struct {
    const char *name;
    gsize len;
    gint64 want;
  } cases[] = {
    {"a", 1, 0},
    {"flowers.png", 11, 0},
    {".hidden", 7, 0},
    {"..x", 3, 0},
    {"", 0, MH_FILE_ENAME},
    {".", 1, MH_FILE_ENAME},
    {"..", 2, MH_FILE_ENAME},
    {"a/b", 3, MH_FILE_ENAME},
    {"/etc/passwd", 11, MH_FILE_ENAME},
    {"../x", 4, MH_FILE_ENAME},
    {"a\0b", 3, MH_FILE_ENAME},
    {".mh-tmp-0", 9, MH_FILE_ENAME},
  };
  char long_name[300];

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(mh_file_name_check((const guint8 *)cases[i].name,
                                       cases[i].len),
                    ==, cases[i].want);
  memset(long_name, 'n', sizeof long_name);
  g_assert_cmpint(mh_file_name_check((const guint8 *)long_name, 255), ==, 0);
  g_assert_cmpint(mh_file_name_check((const guint8 *)long_name, 256), ==,
                  MH_FILE_ENAME);
}

/* A name is copied, NUL-terminated, before it is checked; a refused name
 * leaves an empty string, never a partial copy. */
static void
test_name_copy(void)
{
  char out[MH_FILE_NAME_MAX + 1];
  guint8 raw[300];

  memset(raw, 'n', sizeof raw);
  g_assert_cmpint(mh_file_name_copy(out, (const guint8 *)"abcdef", 3), ==, 0);
  g_assert_cmpstr(out, ==, "abc");
  g_assert_cmpint(mh_file_name_copy(out, raw, 255), ==, 0);
  g_assert_cmpuint(strlen(out), ==, 255);
  g_assert_cmpint(mh_file_name_copy(out, raw, 256), ==, MH_FILE_ENAME);
  g_assert_cmpstr(out, ==, "");
  g_assert_cmpint(mh_file_name_copy(out, (const guint8 *)"a/b", 3), ==,
                  MH_FILE_ENAME);
  g_assert_cmpstr(out, ==, "");
  g_assert_cmpint(mh_file_name_copy(out, (const guint8 *)"a\0b", 3), ==,
                  MH_FILE_ENAME);
  g_assert_cmpint(mh_file_name_copy(out, raw, 0), ==, MH_FILE_ENAME);
}

/* One decode for both transports: little-endian fields at their ABI
 * offsets, buf and result zero whatever follows the header. */
static void
test_req_decode(void)
{
  static const guint8 bytes[MH_FILE_REQ_SIZE] = {
    0x04, 0,    0,    0,    /* cmd WRITE      */
    0xfe, 0xff, 0xff, 0xff, /* fd -2          */
    0x10, 0x02, 0,    0,    /* flags 0x210    */
    0x00, 0x00, 0x01, 0,    /* len 65536      */
    0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, /* offset -1 */
    1,    2,    3,    4,
    5,    6,    7,    8, /* buf: not part of the header */
    9,    9,    9,    9,
    9,    9,    9,    9,
  };
  struct mh_file_req req;

  memset(&req, 0x5a, sizeof req);
  mh_file_req_decode(&req, bytes);
  g_assert_cmpuint(req.cmd, ==, MH_FILE_WRITE);
  g_assert_cmpint(req.fd, ==, -2);
  g_assert_cmpuint(req.flags, ==, 0x210);
  g_assert_cmpuint(req.len, ==, 65536);
  g_assert_cmpint(req.offset, ==, -1);
  g_assert_cmpuint(req.buf, ==, 0);
  g_assert_cmpint(req.result, ==, 0);
}

static const MhUnitTest tests[] = {
  {"/fileproto/req-check", test_req_check},
  {"/fileproto/open-then-read", test_open_then_read},
  {"/fileproto/negative-fields", test_negative_fields},
  {"/fileproto/bad-header-discards", test_bad_header_discards_until_read},
  {"/fileproto/in-mid-request", test_in_mid_request},
  {"/fileproto/out-during-reply", test_out_during_reply},
  {"/fileproto/random-streams", test_random_streams_never_wedge},
  {"/fileproto/name-check", test_name_check},
  {"/fileproto/name-copy", test_name_copy},
  {"/fileproto/req-decode", test_req_decode},
};

MH_UNIT_MAIN(tests)
