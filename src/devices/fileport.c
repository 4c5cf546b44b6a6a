/* SPDX-License-Identifier: MIT */
/* fileport.c - the file port: block and byte transports over guest memory. */
#include "config.h"

#include "fileport.h"

#include <string.h>

#include "error.h"
#include "fileproto.h"

/* Block transport: @gpa is the guest-physical address of a request. */
static gboolean
files_block(MhFileService *svc, guint64 gpa, GError **error)
{
  static const char *const names[] = {
    [MH_FILE_OPEN] = "OPEN name",
    [MH_FILE_READ] = "READ buffer",
    [MH_FILE_WRITE] = "WRITE buffer",
  };
  guint8 *block = mh_guestmem_range(svc->ram, gpa, MH_FILE_REQ_SIZE);
  guint8 copy[MH_FILE_REQ_SIZE];
  struct mh_file_req req;
  guint8 *buf = NULL;
  guint64 le;
  gint64 result;

  if (block == NULL) {
    g_set_error(error, MH_ERROR, MH_ERROR_GUEST,
                "file request block at 0x%" G_GINT64_MODIFIER "x runs outside "
                "guest RAM",
                gpa);
    return FALSE;
  }
  /* One copy of the guest's bytes, then only the copy is used: the guest
   * cannot change the request between its check and its use. */
  memcpy(copy, block, sizeof copy);
  mh_file_req_decode(&req, copy);
  memcpy(&le, copy + G_STRUCT_OFFSET(struct mh_file_req, buf), sizeof le);
  req.buf = GUINT64_FROM_LE(le);
  /* Only a valid request's buffer is checked, and only for the commands
   * that use one: SIZE, SEEK and CLOSE ignore buf whatever it holds. */
  result = mh_file_req_check(&req, G_MAXUINT32);
  if (result == 0 && (req.cmd == MH_FILE_OPEN || req.cmd == MH_FILE_READ ||
                      req.cmd == MH_FILE_WRITE)) {
    buf = mh_guestmem_range(svc->ram, req.buf, req.len);
    if (buf == NULL) {
      g_set_error(error, MH_ERROR, MH_ERROR_GUEST,
                  "file %s [0x%" G_GINT64_MODIFIER "x, +%u bytes) runs outside "
                  "guest RAM",
                  names[req.cmd], (guint64)req.buf, req.len);
      return FALSE;
    }
  }
  /* An OPEN's name stays in guest memory: mh_files_exec() copies it
   * before checking it.  READ and WRITE move data straight to and from
   * guest RAM. */
  if (result == 0)
    result = mh_files_exec(svc, &req, buf, buf);
  le = GUINT64_TO_LE((guint64)result);
  memcpy(block + G_STRUCT_OFFSET(struct mh_file_req, result), &le, sizeof le);
  return TRUE;
}

gboolean
mh_files_io(gpointer opaque, const MhIoAccess *io, GError **error)
{
  MhFileService *svc = opaque;

  if (io->size == 1) {
    for (guint i = 0; i < io->count; i++) {
      if (io->dir == MH_IO_OUT)
        mh_chan_out(&svc->channel, io->data[i], mh_files_exec, svc);
      else
        io->data[i] = mh_chan_in(&svc->channel);
    }
    return TRUE;
  }
  if (io->size == 4 && io->dir == MH_IO_OUT) {
    for (guint i = 0; i < io->count; i++) {
      guint32 gpa;
      memcpy(&gpa, io->data + 4 * i, sizeof gpa);
      if (!files_block(svc, GUINT32_FROM_LE(gpa), error))
        return FALSE;
    }
    return TRUE;
  }
  g_set_error(error, MH_ERROR, MH_ERROR_GUEST,
              "%u-byte %s on file port 0x%x (it takes 1-byte IN/OUT, or a "
              "4-byte OUT of a request block's address)",
              io->size, io->dir == MH_IO_IN ? "IN" : "OUT", io->port);
  return FALSE;
}

static void
file_quiesce(gpointer state)
{
  mh_files_close_all(state);
}

const MhDeviceOps mh_file_device = {
  .name = "file",
  .first = MH_PORT_FILE,
  .count = 1,
  .io = mh_files_io,
  .quiesce = file_quiesce,
  .reset = NULL,
};
