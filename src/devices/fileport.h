/* SPDX-License-Identifier: MIT */
/*
 * fileport.h - port 0x278: the file service's two transports.
 *
 * The port handler takes a guest's accesses, reads requests out of guest
 * memory (block transport) or assembles them from single bytes (byte
 * transport, MhByteChannel), decodes and checks each with fileproto.h,
 * and hands it to mh_files_exec() (fileio.h), which does the host file
 * work.  Everything that touches guest memory for the file service is
 * here.
 */
#ifndef MH_FILEPORT_H
#define MH_FILEPORT_H

#include <glib.h>

#include "fileio.h"
#include "ports.h"

/* Port handler for MH_PORT_FILE; @opaque is the VM's MhFileService.
 * 1-byte IN/OUT: the byte transport; a 4-byte OUT: the address of a
 * request block.  Anything else, or a block, name or buffer not wholly in
 * RAM, is a protocol violation: FALSE with an MH_ERROR_GUEST error. */
gboolean mh_files_io(gpointer opaque, const MhIoAccess *io, GError **error);

/* The file service device (port MH_PORT_FILE): its end closes the
 * guest's files, on the VM's thread, whose own fd table holds them
 * (sandbox.h).  No reset yet: a VM whose guest used it is made anew. */
extern const MhDeviceOps mh_file_device;

#endif /* MH_FILEPORT_H */
