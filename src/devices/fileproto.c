/* SPDX-License-Identifier: MIT */
/* fileproto.c - request decoding and validation, guest names, and the
 * byte-transport state machine. */
#include "config.h"

#include "fileproto.h"

#include <string.h>

void
mh_file_req_decode(struct mh_file_req *req, const guint8 *bytes)
{
  guint32 u32[4];
  guint64 u64;

  memcpy(u32, bytes, sizeof u32);
  memcpy(&u64, bytes + sizeof u32, sizeof u64);
  memset(req, 0, sizeof *req);
  req->cmd = GUINT32_FROM_LE(u32[0]);
  req->fd = (gint32)GUINT32_FROM_LE(u32[1]);
  req->flags = GUINT32_FROM_LE(u32[2]);
  req->len = GUINT32_FROM_LE(u32[3]);
  req->offset = (gint64)GUINT64_FROM_LE(u64);
}
G_STATIC_ASSERT(4 * sizeof(guint32) + sizeof(guint64) == MH_FILE_HDR_SIZE);
G_STATIC_ASSERT(G_STRUCT_OFFSET(struct mh_file_req, offset) == 16);

gint64
mh_file_name_check(const guint8 *name, gsize len)
{
  gsize prefix = strlen(MH_FILE_RESERVED_PREFIX);

  if (len == 0 || len > MH_FILE_NAME_MAX)
    return MH_FILE_ENAME;
  if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
    return MH_FILE_ENAME;
  if ((len == 1 && name[0] == '.') ||
      (len == 2 && name[0] == '.' && name[1] == '.'))
    return MH_FILE_ENAME;
  if (len >= prefix && memcmp(name, MH_FILE_RESERVED_PREFIX, prefix) == 0)
    return MH_FILE_ENAME;
  return 0;
}

gint64
mh_file_name_copy(char out[MH_FILE_NAME_MAX + 1], const guint8 *raw, gsize len)
{
  out[0] = '\0';
  if (len == 0 || len > MH_FILE_NAME_MAX)
    return MH_FILE_ENAME;
  memcpy(out, raw, len);
  out[len] = '\0';
  if (mh_file_name_check((const guint8 *)out, len) < 0) {
    out[0] = '\0';
    return MH_FILE_ENAME;
  }
  return 0;
}

gint64
mh_file_req_check(const struct mh_file_req *req, guint64 max_len)
{
  switch (req->cmd) {
  case MH_FILE_OPEN:
    if (req->flags & ~MH_FILE_FLAGS_ALL || !(req->flags & MH_FILE_RDWR))
      return MH_FILE_EINVAL;
    if ((req->flags & (MH_FILE_TRUNC | MH_FILE_APPEND)) &&
        !(req->flags & MH_FILE_WRONLY))
      return MH_FILE_EINVAL;
    if (req->len == 0 || req->len > MH_FILE_NAME_MAX)
      return MH_FILE_ENAME;
    return 0;
  case MH_FILE_READ:
  case MH_FILE_WRITE: return req->len <= max_len ? 0 : MH_FILE_EINVAL;
  case MH_FILE_SEEK: return req->flags <= MH_FILE_SEEK_END ? 0 : MH_FILE_EINVAL;
  case MH_FILE_CLOSE:
  case MH_FILE_SIZE: return 0;
  default: return MH_FILE_EINVAL;
  }
}

void
mh_chan_init(MhByteChannel *ch)
{
  memset(ch, 0, sizeof *ch);
  ch->state = MH_CHAN_REQUEST;
  ch->payload = g_malloc(MAX(MH_FILE_BYTE_MAX, MH_FILE_NAME_MAX));
  ch->reply = g_malloc(8 + MH_FILE_BYTE_MAX);
}

void
mh_chan_clear(MhByteChannel *ch)
{
  g_clear_pointer(&ch->payload, g_free);
  g_clear_pointer(&ch->reply, g_free);
}

static void
chan_set_reply(MhByteChannel *ch, gint64 result, gsize data_len)
{
  guint64 le = GUINT64_TO_LE((guint64)result);

  memcpy(ch->reply, &le, 8);
  ch->reply_len = 8 + data_len;
  ch->reply_pos = 0;
  ch->hdr_len = 0;
  ch->payload_len = 0;
}

/* The bytes of payload the current request carries after its header. */
static gsize
chan_payload_size(const struct mh_file_req *req)
{
  return req->cmd == MH_FILE_OPEN || req->cmd == MH_FILE_WRITE ? req->len : 0;
}

static void
chan_execute(MhByteChannel *ch, MhFileExec exec, gpointer user)
{
  gint64 result = exec(user, &ch->req, ch->payload, ch->reply + 8);
  gsize data = 0;

  if (ch->req.cmd == MH_FILE_READ && result > 0)
    data = (gsize)MIN((guint64)result, (guint64)ch->req.len);
  ch->requests++;
  chan_set_reply(ch, result, data);
  ch->state = MH_CHAN_REPLY;
}

/* The header is complete: decode it (little-endian), check it. */
static void
chan_header_done(MhByteChannel *ch, MhFileExec exec, gpointer user)
{
  struct mh_file_req *r = &ch->req;
  gint64 status;

  mh_file_req_decode(r, ch->hdr);
  status = mh_file_req_check(r, MH_FILE_BYTE_MAX);
  if (status < 0) {
    /* The guest may go on streaming a payload we cannot size: answer now
     * and ignore OUTs until it reads this reply. */
    ch->resets++;
    chan_set_reply(ch, status, 0);
    ch->state = MH_CHAN_DISCARD;
  } else if (chan_payload_size(r) == 0) {
    chan_execute(ch, exec, user);
  }
}

void
mh_chan_out(MhByteChannel *ch, guint8 byte, MhFileExec exec, gpointer user)
{
  switch (ch->state) {
  case MH_CHAN_DISCARD: return;
  case MH_CHAN_REPLY:
    /* A new request while a reply is unread: the rest is dropped. */
    ch->state = MH_CHAN_REQUEST;
    ch->hdr_len = ch->payload_len = 0;
    break;
  case MH_CHAN_REQUEST: break;
  }
  if (ch->hdr_len < MH_FILE_HDR_SIZE) {
    ch->hdr[ch->hdr_len++] = byte;
    if (ch->hdr_len == MH_FILE_HDR_SIZE)
      chan_header_done(ch, exec, user);
    return;
  }
  ch->payload[ch->payload_len++] = byte;
  if (ch->payload_len == chan_payload_size(&ch->req))
    chan_execute(ch, exec, user);
}

guint8
mh_chan_in(MhByteChannel *ch)
{
  switch (ch->state) {
  case MH_CHAN_REQUEST:
    if (ch->hdr_len == 0)
      return 0xff; /* idle: nothing to read */
    /* An IN in the middle of a request: it is discarded. */
    ch->resets++;
    chan_set_reply(ch, MH_FILE_EPROTO, 0);
    ch->state = MH_CHAN_REPLY;
    break;
  case MH_CHAN_DISCARD: ch->state = MH_CHAN_REPLY; break;
  case MH_CHAN_REPLY: break;
  }
  {
    guint8 byte = ch->reply[ch->reply_pos++];
    if (ch->reply_pos == ch->reply_len) {
      ch->state = MH_CHAN_REQUEST;
      ch->hdr_len = ch->payload_len = 0;
    }
    return byte;
  }
}
