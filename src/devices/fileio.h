/* SPDX-License-Identifier: MIT */
/*
 * fileio.h - the file service on port 0x278: what a guest's file requests
 * do on the host.
 *
 * Shared, read-only after start-up (MhSharedFiles): the -f files, opened
 * once, looked up by base name.  Per VM (MhFileService): the fd table, the
 * copy-on-write map, the quota, the VM's private directory, and the byte
 * channel of its port (fileport.h).  Nothing mutable is shared between
 * VMs: the run makes its directory once, each VM makes and uses its own
 * beneath it.
 */
#ifndef MH_FILEIO_H
#define MH_FILEIO_H

#include <glib.h>

#include "fileproto.h"
#include "guestmem.h"

typedef struct {
  char *name; /* base name: what guests open                */
  char *path; /* as given with -f                           */
  int fd;     /* O_RDONLY, opened at start-up, never written */
} MhSharedFile;

typedef struct {
  MhSharedFile *files;
  guint n_files;
  GHashTable *by_name; /* name -> MhSharedFile* (borrowed)      */
} MhSharedFiles;

/* Opens every -f file (a regular, readable file; base names unique). */
MhSharedFiles *mh_shared_files_open(GStrv paths, GError **error);
void mh_shared_files_free(MhSharedFiles *shared);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhSharedFiles, mh_shared_files_free)

/* Settings common to every VM's file service. */
typedef struct {
  const MhSharedFiles *shared;
  int run_fd;            /* the run's directory, opened once by
                                   * the run (not owned), or -1          */
  const char *run_path;  /* its path, for messages             */
  const char *run_error; /* why there is no run_fd, or NULL    */
  guint max_open;        /* open files per VM                  */
  guint64 quota;         /* bytes a VM may write               */
} MhFileConfig;

/* Modes of what a VM makes (less the umask): its directory and its new
 * files are private; a copy of a shared file has the original's read
 * bits (mh_files_exec). */
#define MH_FILES_DIR_MODE 0700
#define MH_FILES_MODE     0600

/* Files one VM may create or copy (each costs an inode even if empty);
 * one more is MH_FILE_EQUOTA. */
#define MH_FILES_PRIVATE_MAX 4096u

/* How a name is known to one VM (values of the copy-on-write map). */
typedef enum {
  MH_PRIVATE_CREATED = 1, /* the VM created it                           */
  MH_PRIVATE_COPY = 2,    /* the VM's own copy of a shared file          */
} MhPrivateKind;

typedef struct {
  const MhFileConfig *config;
  MhGuestMem *ram;       /* for the block transport               */
  char *dir_name;        /* "vm<N>-<image>"                       */
  char *dir_path;        /* set once made (files_make_dir)        */
  char *dir_error;       /* why it could not be made, or NULL     */
  int dir_fd;            /* the VM's directory, or -1; in the VM
                            thread's file table                   */
  GHashTable *fds;       /* guest fd -> MhOpenFile* (owned)       */
  GHashTable *privates;  /* name -> MhPrivateKind: copy-on-write map */
  guint64 written;       /* bytes counted against the quota       */
  guint tmp_seq;         /* temporary names for atomic copies     */
  MhByteChannel channel; /* the port's byte transport (fileport.c) */
  guint64 ops;           /* statistics                            */
  guint64 host_errors;
  char *last_host_error;
} MhFileService;

void mh_files_init(MhFileService *svc, const MhFileConfig *config,
                   MhGuestMem *ram, guint vm_index, const char *image_name);

/* The VM's own thread, when its guest has ended: closes every file the
 * guest had open (empties the fd table).  Only that thread may: its file
 * table may be its own (unshare(CLONE_FILES)). */
void mh_files_close_all(MhFileService *svc);

/* Frees the service, on any thread, after mh_files_close_all() or when
 * the guest never ran.  It closes no guest fd: any left are forgotten,
 * since their numbers may belong to another thread's file table. */
void mh_files_clear(MhFileService *svc);

/* The VM's directory, vmN-name beneath the run's (config->run_fd), is
 * made by the VM's own thread the first time its guest creates or writes
 * a file; a VM that writes nothing has none.  After the VM ended (and
 * mh_files_close_all()): removes the directory if it kept nothing there.
 * Returns TRUE if the VM kept files. */
gboolean mh_files_finish(MhFileService *svc);

/* Bytes the VM may still write under its quota: 0 when none, never a
 * wrapped value.  Every quota check goes through it. */
guint64 mh_files_quota_room(const MhFileService *svc);

/* Runs one request that mh_file_req_check() accepted (both transports end
 * here; an MhFileExec).  @payload (OPEN's name, WRITE's data) and @dest
 * (READ's) may be guest memory: a name is copied before it is checked. */
gint64 mh_files_exec(gpointer svc, const struct mh_file_req *req,
                     const guint8 *payload, guint8 *dest);

#endif /* MH_FILEIO_H */
