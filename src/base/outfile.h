/* SPDX-License-Identifier: MIT */
/*
 * outfile.h - the one way a run opens what it writes for its user: the
 * report, the trace and the console files, and the directories they and
 * the VMs' files go in (-o, --console-dir).
 *
 * Another local user may have prepared any path on the command line: a
 * symbolic link in /tmp pointing at the victim's files, a FIFO, a file of
 * theirs that the run would fill with a guest's output, a directory they
 * can write to and swap files in.  So, for every path:
 *   - a symbolic link that ends a directory's path is followed only if it
 *     is this user's (or root's), as fs.protected_symlinks would;
 *   - a directory is this user's or root's, and nobody else may write to
 *     it (MH_OUT_DIR_PRIVATE), or, for the directory of one named file
 *     (the report, the trace), it may also be a sticky directory such as
 *     /tmp, where nobody else can remove or rename this user's files
 *     (MH_OUT_DIR_STICKY);
 *   - a file is never a symbolic link (O_NOFOLLOW), only ever a regular
 *     file, this user's own if it exists, and it is truncated only after
 *     those checks;
 *   - what the run creates is private whatever the umask: directories
 *     0700, files 0600 (a guest's output may come from a -f file others
 *     cannot read).  An existing file keeps its mode.
 */
#ifndef MH_OUTFILE_H
#define MH_OUTFILE_H

#include <glib.h>
#include <sys/stat.h>

#include "error.h"

typedef enum {
  MH_OUT_DIR_PRIVATE, /* holds many files of the run's (-o, --console-dir) */
  MH_OUT_DIR_STICKY,  /* holds one named file (report, trace): a sticky
                         directory that others may write to is fine     */
} MhOutDirKind;

/* Mode of everything the run creates. */
#define MH_OUT_DIR_MODE  0700
#define MH_OUT_FILE_MODE 0600

/* What a directory is for, in messages: "output directory 'out' belongs
 * to user 65534, not to you: refusing to use it (choose another with
 * -o)". */
typedef struct {
  const char *what;   /* "output directory"                        */
  const char *option; /* the option that chooses another: "-o"       */
  MhOutDirKind kind;
} MhOutDir;

/* Checks an open directory (@path names it in messages): owned by this
 * user or root, and not writable by others unless @dir->kind allows a
 * sticky one.  Fails with MH_ERROR_USAGE (MH_ERROR_HOST if it cannot
 * be looked at). */
gboolean mh_out_check_dir(int dir_fd, const char *path, const MhOutDir *dir,
                          GError **error);

/* Checks that @path, if it is a symbolic link, is this user's or root's.
 * Fails with MH_ERROR_USAGE. */
gboolean mh_out_check_link(const char *path, const MhOutDir *dir,
                           GError **error);

/* Opens directory @path for writing files in, checked as above; with
 * @create, makes it first if missing (one level, mode 0700).  Returns
 * the fd (O_CLOEXEC), or -1 with @error set (MH_ERROR_USAGE). */
int mh_out_dir_open(const char *path, const MhOutDir *dir, gboolean create,
                    GError **error);

/* Opens the directory that holds the file @path (named with @option on
 * the command line: "--report") as MH_OUT_DIR_STICKY, and sets @base to
 * the file's name in it.  Returns the fd, or -1 with @error set
 * (MH_ERROR_USAGE), its message about "its directory" (the caller
 * prefixes the file's name). */
int mh_out_parent_open(const char *path, const char *option, char **base,
                       GError **error);

/* Checks what is at @name in @dir_fd before it is replaced or written:
 * nothing, or a regular file of this user's (its mode in @mode, if not
 * NULL; 0 when there is nothing).  @code classes the error. */
gboolean mh_out_check_target(int dir_fd, const char *name, MhErrorCode code,
                             mode_t *mode, GError **error);

/* Opens (creating, mode 0600) the regular file @name in @dir_fd for
 * writing, with @flags added (O_APPEND), and truncates it: never a
 * symbolic link, never another user's file, never a FIFO or device (no
 * wait for a reader either).  Returns the fd (O_CLOEXEC), or -1 with
 * @error set in class @code, its message saying why without the name
 * (the caller prefixes it). */
int mh_out_file_open(int dir_fd, const char *name, int flags, MhErrorCode code,
                     GError **error);

#endif /* MH_OUTFILE_H */
