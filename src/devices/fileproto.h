/* SPDX-License-Identifier: MIT */
/*
 * fileproto.h - the file-service protocol, without any I/O.
 *
 * Guest-controlled values pass here first, one helper each, the same for
 * both transports: mh_file_req_decode() turns a header's bytes into a
 * request, mh_file_req_check() validates it, mh_file_name_copy() copies a
 * name out of guest memory and checks the copy.  MhByteChannel is the byte transport's state machine: it
 * assembles requests from 1-byte OUTs, runs each through an executor
 * callback, and serves the reply to 1-byte INs, resynchronising after any
 * malformed sequence exactly as mh_abi.h documents.  Pure, so it is unit-
 * tested and fuzzed on its own.
 */
#ifndef MH_FILEPROTO_H
#define MH_FILEPROTO_H

#include <glib.h>

#include "mh_abi.h"

/* Names starting with this are the hypervisor's (temporary copies). */
#define MH_FILE_RESERVED_PREFIX ".mh-"

/* Decodes the MH_FILE_HDR_SIZE bytes at @bytes (little-endian, as both
 * transports carry them) into @req; buf and result are set to 0.  Each
 * byte is read once, so @bytes may be guest memory: only @req is used
 * afterwards. */
void mh_file_req_decode(struct mh_file_req *req, const guint8 *bytes);

/* Checks what can be checked in a request header alone: a known command,
 * known flags, lengths within @max_len (the transport's limit for READ and
 * WRITE).  Returns 0 or a negative MH_FILE_E* status. */
gint64 mh_file_req_check(const struct mh_file_req *req, guint64 max_len);

/* Checks a guest file name of @len bytes: 1 to MH_FILE_NAME_MAX bytes, no
 * '/' or NUL, not "." or "..", not MH_FILE_RESERVED_PREFIX...  Returns 0
 * or MH_FILE_ENAME. */
gint64 mh_file_name_check(const guint8 *name, gsize len);

/* Copies the guest's name of @len bytes at @raw (which may be guest memory)
 * into @out, NUL-terminated, then checks the copy: the guest cannot change
 * a name between its check and its use.  Returns 0 or MH_FILE_ENAME (and
 * then @out is the empty string). */
gint64 mh_file_name_copy(char out[MH_FILE_NAME_MAX + 1], const guint8 *raw,
                         gsize len);

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
  MhChanState state;
  guint8 hdr[MH_FILE_HDR_SIZE]; /* header bytes so far         */
  gsize hdr_len;
  struct mh_file_req req; /* the decoded header          */
  guint8 *payload;        /* req.len bytes when needed   */
  gsize payload_len;
  guint8 *reply; /* result (8 bytes) + data     */
  gsize reply_len;
  gsize reply_pos;
  guint64 requests; /* statistics                  */
  guint64 resets;   /* malformed sequences         */
} MhByteChannel;

void mh_chan_init(MhByteChannel *ch);
void mh_chan_clear(MhByteChannel *ch);
void mh_chan_out(MhByteChannel *ch, guint8 byte, MhFileExec exec,
                 gpointer user);
guint8 mh_chan_in(MhByteChannel *ch);

#endif /* MH_FILEPROTO_H */
