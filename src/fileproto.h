/* SPDX-License-Identifier: MIT */
/*
 * fileproto.h - the file-service protocol, without any I/O.
 *
 * mh_file_req_check() validates a request header, the same way for both
 * transports.  MhByteChannel is the byte transport's state machine: it
 * assembles requests from 1-byte OUTs, runs each through an executor
 * callback, and serves the reply to 1-byte INs, resynchronising after any
 * malformed sequence exactly as mh_abi.h documents.  Pure, so it is unit-
 * tested and fuzzed on its own.
 */
#ifndef MH_FILEPROTO_H
#define MH_FILEPROTO_H

#include <glib.h>

#include "mh_abi.h"

/* Checks what can be checked in a request header alone: a known command,
 * known flags, lengths within @max_len (the transport's limit for READ and
 * WRITE).  Returns 0 or a negative MH_FILE_E* status. */
gint64 mh_file_req_check(const struct mh_file_req *req, guint64 max_len);

/* Runs a checked request.  @payload holds the name (OPEN) or the data
 * (WRITE), req->len bytes; a READ stores up to req->len bytes at @dest.
 * Returns the request's result. */
typedef gint64 (*MhFileExec)(gpointer user, const struct mh_file_req *req,
                             const guint8 *payload, guint8 *dest);

typedef enum {
  MH_CHAN_REQUEST, /* collecting a request's bytes (none yet = idle)     */
  MH_CHAN_DISCARD, /* bad header answered: ignoring OUTs until an IN     */
  MH_CHAN_REPLY,   /* serving the reply to INs                            */
} MhChanState;

typedef struct {
  MhChanState        state;
  guint8             hdr[MH_FILE_HDR_SIZE]; /* header bytes so far         */
  gsize              hdr_len;
  struct mh_file_req req;                   /* the decoded header          */
  guint8            *payload;               /* req.len bytes when needed   */
  gsize              payload_len;
  guint8            *reply;                 /* result (8 bytes) + data     */
  gsize              reply_len;
  gsize              reply_pos;
  guint64            requests;              /* statistics                  */
  guint64            resets;                /* malformed sequences         */
} MhByteChannel;

void   mh_chan_init(MhByteChannel *ch);
void   mh_chan_clear(MhByteChannel *ch);
void   mh_chan_out(MhByteChannel *ch, guint8 byte, MhFileExec exec,
                   gpointer user);
guint8 mh_chan_in(MhByteChannel *ch);

#endif /* MH_FILEPROTO_H */
