/* SPDX-License-Identifier: MIT */
/*
 * fileio.h - the file service on port 0x278: what a guest's file requests
 * do on the host.
 *
 * Shared, read-only after start-up (MhSharedFiles): the -f files, opened
 * once, looked up by base name.  Per VM (MhFileService): the fd table, the
 * copy-on-write map, the quota, the VM's private directory, and the byte
 * channel.  Nothing mutable is shared between VMs: each VM creates and
 * uses its own directory, and the filesystem arbitrates the one directory
 * they have in common (the run's).
 */
#ifndef MH_FILEIO_H
#define MH_FILEIO_H

#include <glib.h>

#include "fileproto.h"
#include "guestmem.h"
#include "ports.h"

typedef struct {
  char   *name; /* base name: what guests open                */
  char   *path; /* as given with -f                           */
  int     fd;   /* O_RDONLY, opened at start-up, never written */
} MhSharedFile;

typedef struct {
  MhSharedFile *files;
  guint         n_files;
  GHashTable   *by_name; /* name -> MhSharedFile* (borrowed)      */
} MhSharedFiles;

/* Opens every -f file (a regular, readable file; base names unique). */
MhSharedFiles *mh_shared_files_open(GStrv paths, GError **error);
void           mh_shared_files_free(MhSharedFiles *shared);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhSharedFiles, mh_shared_files_free)

/* Settings common to every VM's file service. */
typedef struct {
  const MhSharedFiles *shared;
  int                  run_fd;     /* the run's directory, or -1         */
  const char          *run_path;   /* its path, for messages             */
  const char          *run_error;  /* why there is none, or NULL         */
  guint                max_open;   /* open files per VM                  */
  guint64              quota;      /* bytes a VM may write               */
} MhFileConfig;

/* Files one VM may create or copy (each costs an inode even if empty). */
#define MH_FILES_PRIVATE_MAX 4096u

/* How a name is known to one VM (values of the copy-on-write map). */
typedef enum {
  MH_PRIVATE_CREATED = 1, /* the VM created it                           */
  MH_PRIVATE_COPY = 2,    /* the VM's own copy of a shared file          */
} MhPrivateKind;

typedef struct {
  const MhFileConfig *config;
  MhGuestMem         *ram;       /* for the block transport               */
  char               *dir_name;  /* "vm<N>-<image>"                       */
  char               *dir_path;  /* for messages, once created            */
  char               *dir_error; /* why it could not be made, or NULL     */
  int                 run_fd;    /* the run's directory, -1 until needed  */
  int                 dir_fd;    /* the VM's directory, -1 until needed   */
  GHashTable         *fds;       /* guest fd -> MhOpenFile* (owned)       */
  GHashTable         *privates;  /* name -> MhPrivateKind: copy-on-write map */
  guint64             written;   /* bytes counted against the quota       */
  guint               tmp_seq;   /* temporary names for atomic copies     */
  MhByteChannel       channel;
  guint64             ops;       /* statistics                            */
  guint64             host_errors;
  char               *last_host_error;
} MhFileService;

void mh_files_init(MhFileService *svc, const MhFileConfig *config,
                   MhGuestMem *ram, guint vm_index, const char *image_name);
void mh_files_clear(MhFileService *svc);

/* Main thread, before the VM runs: makes RUN/vmN-name beneath the run's
 * directory, so that the VM's thread needs no access to anything above it.  A failure is kept
 * for the first time the guest needs the directory. */
void mh_files_prepare_dir(MhFileService *svc);
/* After the VM ended: removes its directory if it kept nothing there.
 * Returns TRUE if the VM kept files. */
gboolean mh_files_finish(MhFileService *svc);

/* Port handler for MH_PORT_FILE. */
gboolean mh_files_io(gpointer opaque, const MhIoAccess *io, GError **error);

/* Runs one checked request (both transports end here). */
gint64 mh_files_exec(gpointer svc, const struct mh_file_req *req,
                     const guint8 *payload, guint8 *dest);

/* Checks a guest file name; returns 0 or MH_FILE_ENAME. */
gint64 mh_file_name_check(const guint8 *name, gsize len);

#endif /* MH_FILEIO_H */
