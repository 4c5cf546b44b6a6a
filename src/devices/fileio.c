/* SPDX-License-Identifier: MIT */
/* fileio.c - file requests on the host: fds, copy-on-write, quota, the
 * VM's directory.  Requests arrive decoded and checked (fileproto.c)
 * through the port (fileport.c). */
#include "config.h"

#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "text.h"
#include "fileproto.h"

/* An open guest fd. */
typedef struct {
  char *name;      /* the guest's name for it                     */
  int host_fd;     /* owned, unless it is a shared file's fd      */
  gboolean shared; /* reading the host original (fd not owned)    */
  gboolean readable;
  gboolean writable;
  gboolean append;
  guint64 offset; /* the guest's position                        */
} MhOpenFile;

static void
open_file_free(gpointer data)
{
  MhOpenFile *f = data;
  if (!f->shared && f->host_fd >= 0)
    close(f->host_fd);
  g_free(f->name);
  g_free(f);
}

/* ------------------------------------------------------------------ */
/* Shared files                                                         */

MhSharedFiles *
mh_shared_files_open(GStrv paths, GError **error)
{
  g_autoptr(MhSharedFiles) shared = g_new0(MhSharedFiles, 1);
  guint n = g_strv_length(paths);

  shared->files = g_new0(MhSharedFile, n);
  shared->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++) {
    MhSharedFile *f = &shared->files[i];
    g_autofree char *safe = mh_text_escape(paths[i]);
    const MhSharedFile *other;
    struct stat st;

    f->fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    shared->n_files++;
    if (f->fd < 0 || fstat(f->fd, &st) < 0) {
      mh_throw_errno(error, MH_ERROR_USAGE, "shared file '%s'", safe);
      return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "shared file '%s': not a regular file", safe);
      return NULL;
    }
    f->path = g_strdup(paths[i]);
    f->name = g_path_get_basename(paths[i]);
    /* A base name is never empty, has no '/', and a host file's cannot
     * be "." or "..", nor over 255 bytes: only the reserved prefix is
     * left to refuse. */
    if (mh_file_name_check((const guint8 *)f->name, strlen(f->name)) < 0) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "shared file '%s': guests could not name it (names starting "
                  "with '" MH_FILE_RESERVED_PREFIX "' are reserved)",
                  safe);
      return NULL;
    }
    other = g_hash_table_lookup(shared->by_name, f->name);
    if (other != NULL) {
      g_autofree char *other_safe = mh_text_escape(other->path);
      g_autofree char *name_safe = mh_text_escape(f->name);

      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "shared files '%s' and '%s' have the same name '%s': guests "
                  "could not tell them apart",
                  other_safe, safe, name_safe);
      return NULL;
    }
    g_hash_table_insert(shared->by_name, f->name, f);
  }
  return g_steal_pointer(&shared);
}

void
mh_shared_files_free(MhSharedFiles *shared)
{
  if (shared == NULL)
    return;
  for (guint i = 0; i < shared->n_files; i++) {
    if (shared->files[i].fd >= 0)
      close(shared->files[i].fd);
    g_free(shared->files[i].name);
    g_free(shared->files[i].path);
  }
  g_clear_pointer(&shared->by_name, g_hash_table_unref);
  g_free(shared->files);
  g_free(shared);
}

/* ------------------------------------------------------------------ */
/* Names and host paths                                                 */

/* Opens @name inside the directory @dir_fd and never outside it: no
 * symlinks, no "..", no magic links (openat2 RESOLVE_*; on kernels before
 * 5.6, O_NOFOLLOW on a name already checked to be flat).  With O_PATH a
 * trailing symlink is opened as the link itself, not refused. */
static int
files_openat(int dir_fd, const char *name, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = (guint64)(flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY),
    .mode = (flags & O_CREAT) ? mode : 0,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd;

  /* openat2 refuses O_PATH with any flag it would ignore, O_NOCTTY too. */
  if (flags & O_PATH)
    how.flags &= ~(guint64)O_NOCTTY;
  fd = (int)syscall(SYS_openat2, dir_fd, name, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS)
    fd = openat(dir_fd, name, (int)how.flags, how.mode);
  return fd;
}

/* Records a host failure for the end-of-run report; returns EIO.  The
 * name comes from the guest: it is escaped (\n, \033, ...) so that it
 * cannot forge lines or terminal sequences on our standard error. */
static gint64
files_host_error(MhFileService *svc, const char *what, const char *name,
                 int err)
{
  g_autofree char *safe = mh_text_escape(name);

  svc->host_errors++;
  g_free(svc->last_host_error);
  svc->last_host_error = g_strdup_printf("%s '%s': %s", what, safe,
                                         g_strerror(err));
  return MH_FILE_EIO;
}

/* Maps an errno from opening a private file to a guest status. */
static gint64
files_open_status(MhFileService *svc, const char *name, int err)
{
  switch (err) {
  case ENOENT: return MH_FILE_ENOENT;
  case EMFILE: /* the host's limits, not the VM's: still "too many" */
  case ENFILE:
    files_host_error(svc, "opening", name, err);
    return MH_FILE_EMFILE;
  case ELOOP: /* a symlink where a file should be */
  case EXDEV: /* a path escaping the directory    */
  case EACCES:
  case EPERM:
  case EISDIR:
  case EEXIST: /* something planted under that name */
  case ENXIO: /* a socket or fifo                 */ return MH_FILE_EPERM;
  default: return files_host_error(svc, "opening", name, err);
  }
}

/* Notes why the VM's directory could not be made, for the first time the
 * guest needs it (a run that writes nothing never hears of it). */
static void
files_dir_failed(MhFileService *svc, const char *what, const char *name,
                 int err)
{
  svc->dir_error = g_strdup_printf("%s '%s': %s", what, name, g_strerror(err));
}

/* Makes vmN-name beneath the run's directory (config->run_fd), on the
 * VM's thread, the first time the guest creates or writes a file: a VM
 * that writes nothing makes and removes no directory.  A failure is kept
 * and reported at each later need, never retried. */
static void
files_make_dir(MhFileService *svc)
{
  const MhFileConfig *c = svc->config;

  if (c->run_fd < 0)
    svc->dir_error = g_strdup(c->run_error ? c->run_error
                                           : "no run directory for files");
  else if (mkdirat(c->run_fd, svc->dir_name, MH_FILES_DIR_MODE) < 0)
    files_dir_failed(svc, "creating directory", svc->dir_name, errno);
  else {
    /* It exists: mh_files_finish() removes it if it stays empty. */
    svc->dir_path = g_build_filename(c->run_path, svc->dir_name, NULL);
    svc->dir_fd = files_openat(c->run_fd, svc->dir_name, O_RDONLY | O_DIRECTORY,
                               0);
    if (svc->dir_fd < 0)
      files_dir_failed(svc, "opening directory", svc->dir_name, errno);
  }
}

gboolean
mh_files_finish(MhFileService *svc)
{
  if (svc->dir_path == NULL) /* never made */
    return FALSE;
  if (g_hash_table_size(svc->privates) > 0)
    return TRUE;
  /* Kept nothing: the empty directory goes (rmdir never removes files). */
  unlinkat(svc->config->run_fd, svc->dir_name, AT_REMOVEDIR);
  return FALSE;
}

/* The VM's directory, made now if this is the first need, or why there
 * is none. */
static gint64
files_need_dir(MhFileService *svc)
{
  if (svc->dir_fd < 0 && svc->dir_error == NULL)
    files_make_dir(svc);
  if (svc->dir_fd >= 0)
    return 0;
  svc->host_errors++;
  g_free(svc->last_host_error);
  svc->last_host_error = g_strdup(svc->dir_error ? svc->dir_error
                                                 : "no directory for files");
  return MH_FILE_EIO;
}

/* Opens the VM's private file @name with host @flags; regular files only.
 * A new file gets @mode (less the umask). */
static int
files_open_private(MhFileService *svc, const char *name, int flags, mode_t mode,
                   gint64 *status)
{
  struct stat st;
  int fd = files_openat(svc->dir_fd, name, flags | O_NONBLOCK, mode);

  if (fd < 0) {
    *status = files_open_status(svc, name, errno);
    return -1;
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    *status = MH_FILE_EPERM;
    return -1;
  }
  return fd;
}

/* A name the VM has not made may still be in its directory, planted
 * there by someone on the host: anything but a regular file is EPERM, the
 * status the VM would get had it made the name itself, and never "no such
 * file" or the shared original behind it.  (A regular file stays unseen,
 * as before.)  O_PATH opens nothing: a FIFO cannot block, a device never
 * sees an open; with O_NOFOLLOW a symlink is the link itself. */
static gint64
files_check_planted(MhFileService *svc, const char *name)
{
  struct stat st;
  int fd, err;

  if (svc->dir_fd < 0)
    return 0; /* no directory, nothing planted */
  fd = files_openat(svc->dir_fd, name, O_PATH, 0);
  if (fd < 0)
    return errno == ENOENT ? 0 : files_open_status(svc, name, errno);
  err = fstat(fd, &st) < 0 ? errno : 0;
  close(fd);
  if (err != 0)
    return files_host_error(svc, "opening", name, err);
  return S_ISREG(st.st_mode) ? 0 : MH_FILE_EPERM;
}

/* Files a VM keeps, created or copied, each cost an inode even if empty:
 * at most MH_FILES_PRIVATE_MAX of them. */
static gint64
files_room_for_file(const MhFileService *svc)
{
  return g_hash_table_size(svc->privates) < MH_FILES_PRIVATE_MAX
           ? 0
           : MH_FILE_EQUOTA;
}

guint64
mh_files_quota_room(const MhFileService *svc)
{
  /* Saturating: even if written ever passed the quota, no wrap to 2^64. */
  return svc->written < svc->config->quota ? svc->config->quota - svc->written
                                           : 0;
}

/* Copies the shared original to a temporary name in the VM's directory,
 * then renames it into place: the private copy appears whole or not at
 * all.  With @truncate the copy starts empty.  @reserve bytes of quota
 * must be left after it (the write it is for).  The copy has the size that
 * was checked against the quota, st_size at the start: a shared file that
 * grows meanwhile gives a copy of its first st_size bytes, never more. */
static gint64
files_make_copy(MhFileService *svc, const MhSharedFile *orig, gboolean truncate,
                guint64 reserve)
{
  g_autofree char *tmp = g_strdup_printf(MH_FILE_RESERVED_PREFIX "tmp-%u",
                                         svc->tmp_seq++);
  struct stat st;
  gint64 status = 0;
  off_t size;
  g_auto(MhFd) fd = -1;
  int err;

  if (fstat(orig->fd, &st) < 0)
    return files_host_error(svc, "reading", orig->name, errno);
  size = truncate ? 0 : st.st_size;
  if ((guint64)size > mh_files_quota_room(svc) ||
      reserve > mh_files_quota_room(svc) - (guint64)size)
    return MH_FILE_EQUOTA;
  status = files_room_for_file(svc);
  if (status < 0)
    return status;
  /* Readable by whoever may read the original, and by nobody else (its
   * read bits; written by this user only), whatever the umask allows. */
  fd = files_open_private(svc, tmp, O_WRONLY | O_CREAT | O_EXCL,
                          (st.st_mode & 0444) | 0600, &status);
  if (fd < 0)
    return status;
  err = mh_fd_copy_range(orig->fd, 0, fd, (guint64)size, NULL);
  /* EIO: the original shrank under us; a short copy is no copy. */
  if (err != 0)
    status = files_host_error(svc, "copying", orig->name, err);
  if (status == 0 && renameat(svc->dir_fd, tmp, svc->dir_fd, orig->name) < 0)
    status = files_host_error(svc, "renaming copy of", orig->name, errno);
  if (status < 0) {
    unlinkat(svc->dir_fd, tmp, 0);
    return status;
  }
  svc->written += (guint64)size;
  g_hash_table_insert(svc->privates, g_strdup(orig->name),
                      GINT_TO_POINTER(MH_PRIVATE_COPY));
  return 0;
}

/* After a copy-on-write, every fd still on the original switches to the
 * copy, in its own mode and keeping its position: from then on the VM
 * sees only its copy.  Returns an error only for @must, the fd that is
 * about to write. */
static gint64
files_switch_to_copy(MhFileService *svc, const char *name, MhOpenFile *must)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init(&iter, svc->fds);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    MhOpenFile *f = value;
    gint64 status = 0;
    int mode, fd;

    if (!f->shared || strcmp(f->name, name) != 0)
      continue;
    mode = f->readable && f->writable ? O_RDWR
           : f->writable              ? O_WRONLY
                                      : O_RDONLY;
    fd = files_open_private(svc, name, mode, 0, &status);
    if (fd >= 0) {
      f->host_fd = fd;
      f->shared = FALSE;
    } else if (f == must) {
      return status;
    }
  }
  return 0;
}

static gint64
files_new_fd(MhFileService *svc, MhOpenFile *file)
{
  for (gint fd = 0; fd < (gint)svc->config->max_open; fd++) {
    if (!g_hash_table_contains(svc->fds, GINT_TO_POINTER(fd))) {
      g_hash_table_insert(svc->fds, GINT_TO_POINTER(fd), file);
      return fd;
    }
  }
  open_file_free(file);
  return MH_FILE_EMFILE;
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */

static gint64
files_open(MhFileService *svc, const guint8 *raw, guint32 len, guint32 flags)
{
  gboolean write = (flags & MH_FILE_WRONLY) != 0;
  gboolean create = write || (flags & MH_FILE_CREATE);
  gboolean truncate = (flags & MH_FILE_TRUNC) != 0;
  char name[MH_FILE_NAME_MAX + 1];
  const MhSharedFile *orig;
  MhOpenFile *file;
  gint64 status = 0;
  int host_flags;

  /* The checks, in the order mini_hypervisor-abi(7) documents. */
  if (mh_file_name_copy(name, raw, len) < 0)
    return MH_FILE_ENAME;
  if (g_hash_table_size(svc->fds) >= svc->config->max_open)
    return MH_FILE_EMFILE;
  orig = g_hash_table_lookup(svc->config->shared->by_name, name);

  file = g_new0(MhOpenFile, 1);
  file->readable = (flags & MH_FILE_RDONLY) != 0;
  file->writable = write;
  file->append = (flags & MH_FILE_APPEND) != 0;
  file->host_fd = -1;

  if (!g_hash_table_contains(svc->privates, name)) {
    status = files_check_planted(svc, name);
    if (status < 0) {
      open_file_free(file);
      return status;
    }
    if (orig != NULL && !truncate) {
      /* The host original, until the first write makes a private copy
       * (files_write). */
      file->name = g_strdup(name);
      file->host_fd = orig->fd;
      file->shared = TRUE;
      return files_new_fd(svc, file);
    }
    if (orig == NULL && !create) {
      open_file_free(file);
      return MH_FILE_ENOENT;
    }
    /* A new file, or an empty copy (made by files_make_copy). */
    status = orig == NULL ? files_room_for_file(svc) : 0;
    if (status == 0)
      status = files_need_dir(svc);
    /* A truncating open of a shared file: an empty private copy now. */
    if (status == 0 && orig != NULL)
      status = files_make_copy(svc, orig, TRUE, 0);
    if (status == 0 && orig != NULL)
      status = files_switch_to_copy(svc, name, NULL);
    if (status < 0) {
      open_file_free(file);
      return status;
    }
  }

  host_flags = (file->readable && write) ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (create && !g_hash_table_contains(svc->privates, name))
    host_flags |= O_CREAT | O_EXCL;
  if (truncate)
    host_flags |= O_TRUNC;
  /* A file the guest makes is private: only this user may read it. */
  file->host_fd = files_open_private(svc, name, host_flags, MH_FILES_MODE,
                                     &status);
  if (file->host_fd < 0) {
    open_file_free(file);
    return status;
  }
  if (host_flags & O_CREAT)
    g_hash_table_insert(svc->privates, g_strdup(name),
                        GINT_TO_POINTER(MH_PRIVATE_CREATED));
  file->name = g_strdup(name);
  return files_new_fd(svc, file);
}

static MhOpenFile *
files_lookup(MhFileService *svc, gint32 fd)
{
  return g_hash_table_lookup(svc->fds, GINT_TO_POINTER(fd));
}

static gint64
files_read(MhFileService *svc, MhOpenFile *f, guint8 *dest, guint32 len)
{
  guint64 done = 0;

  if (!f->readable)
    return MH_FILE_EPERM;
  while (done < len) {
    ssize_t n = pread(f->host_fd, dest + done, len - done,
                      (off_t)(f->offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return files_host_error(svc, "reading", f->name, errno);
    if (n == 0)
      break;
    done += (guint64)n;
  }
  f->offset += done;
  return (gint64)done;
}

static gint64
files_size(MhFileService *svc, MhOpenFile *f)
{
  struct stat st;

  if (fstat(f->host_fd, &st) < 0)
    return files_host_error(svc, "reading", f->name, errno);
  return st.st_size;
}

/* Where a WRITE of @len bytes goes: the fd's offset, or the end of the
 * file with APPEND.  EINVAL past MH_FILE_OFFSET_MAX. */
static gint64
files_write_offset(MhFileService *svc, MhOpenFile *f, guint32 len,
                   guint64 *offset)
{
  *offset = f->offset;
  if (f->append) {
    gint64 size = files_size(svc, f);
    if (size < 0)
      return size;
    *offset = (guint64)size;
  }
  if (*offset > MH_FILE_OFFSET_MAX || len > MH_FILE_OFFSET_MAX - *offset)
    return MH_FILE_EINVAL;
  return 0;
}

static gint64
files_write(MhFileService *svc, MhOpenFile *f, const guint8 *src, guint32 len)
{
  guint64 done = 0, offset = 0, gap = 0;
  gint64 status;

  /* An invalid request changes nothing: the offset is checked before the
   * first write to a shared file makes the copy. */
  if (!f->writable)
    return MH_FILE_EPERM;
  status = files_write_offset(svc, f, len, &offset);
  if (status < 0)
    return status;
  /* The quota, first for one file's size, then (after any copy) for the
   * bytes written. */
  if (len > 0 && offset + len > svc->config->quota)
    return MH_FILE_EQUOTA;
  if (f->shared) {
    /* The first write to a shared file: this VM gets its own copy, if
     * the copy and then this write both fit in the quota. */
    const MhSharedFile *orig = g_hash_table_lookup(svc->config->shared->by_name,
                                                   f->name);
    status = files_need_dir(svc);
    if (status == 0 && !g_hash_table_contains(svc->privates, f->name))
      status = files_make_copy(svc, orig, FALSE, len);
    if (status == 0)
      status = files_switch_to_copy(svc, f->name, f);
    /* The copy's size, not the original's, is the end for APPEND. */
    if (status == 0 && f->append)
      status = files_write_offset(svc, f, len, &offset);
    if (status < 0)
      return status;
  }
  /* The quota bounds the bytes written, and a write past the end pays
   * for the hole it leaves too: the VM's files together never hold more
   * than its quota, sparse or not, so whatever reads them all (the
   * report hashes them) reads at most that much.  (Checked again:
   * APPEND's end may have moved with the copy.) */
  /* (APPEND writes at the end, and a write at 0 leaves no hole: no
   * fstat for those) */
  if (len > 0 && !f->append && offset > 0) {
    gint64 size = files_size(svc, f);
    if (size < 0)
      return size;
    gap = offset > (guint64)size ? offset - (guint64)size : 0;
  }
  if (len > mh_files_quota_room(svc) || gap > mh_files_quota_room(svc) - len ||
      (len > 0 && offset + len > svc->config->quota))
    return MH_FILE_EQUOTA;
  while (done < len) {
    ssize_t n = pwrite(f->host_fd, src + done, len - done,
                       (off_t)(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      files_host_error(svc, "writing", f->name, n < 0 ? errno : EIO);
      break;
    }
    done += (guint64)n;
  }
  svc->written += done + (done > 0 ? gap : 0);
  f->offset = offset + done;
  return done > 0 || len == 0 ? (gint64)done : MH_FILE_EIO;
}

static gint64
files_seek(MhFileService *svc, MhOpenFile *f, gint64 offset, guint32 whence)
{
  gint64 base = 0, target;

  if (whence == MH_FILE_SEEK_CUR)
    base = (gint64)f->offset;
  else if (whence == MH_FILE_SEEK_END && (base = files_size(svc, f)) < 0)
    return base;
  /* Both are in [-2^63, 2^63); the sum must land in [0, OFFSET_MAX]. */
  if ((offset > 0 && base > G_MAXINT64 - offset) ||
      (offset < 0 && base < G_MININT64 - offset))
    return MH_FILE_EINVAL;
  target = base + offset;
  if (target < 0 || (guint64)target > MH_FILE_OFFSET_MAX)
    return MH_FILE_EINVAL;
  f->offset = (guint64)target;
  return target;
}

gint64
mh_files_exec(gpointer user, const struct mh_file_req *req,
              const guint8 *payload, guint8 *dest)
{
  MhFileService *svc = user;
  MhOpenFile *f = NULL;

  svc->ops++;
  if (req->cmd == MH_FILE_OPEN)
    return files_open(svc, payload, req->len, req->flags);
  f = files_lookup(svc, req->fd);
  if (f == NULL)
    return MH_FILE_EBADF;
  switch (req->cmd) {
  case MH_FILE_CLOSE:
    g_hash_table_remove(svc->fds, GINT_TO_POINTER(req->fd));
    return 0;
  case MH_FILE_READ: return files_read(svc, f, dest, req->len);
  case MH_FILE_WRITE: return files_write(svc, f, payload, req->len);
  case MH_FILE_SEEK: return files_seek(svc, f, req->offset, req->flags);
  case MH_FILE_SIZE: return files_size(svc, f);
  default: return MH_FILE_EINVAL; /* mh_file_req_check() lets none through */
  }
}

/* ------------------------------------------------------------------ */

void
mh_files_init(MhFileService *svc, const MhFileConfig *config, MhGuestMem *ram,
              guint vm_index, const char *image_name)
{
  g_autofree char *stem = g_strdup(image_name);
  g_autofree char *prefix = NULL;
  char *dot = g_str_has_suffix(stem, ".img") || g_str_has_suffix(stem, ".elf")
                ? strrchr(stem, '.')
                : NULL;

  memset(svc, 0, sizeof *svc);
  if (dot != NULL && dot != stem)
    *dot = '\0';
  /* Keep the directory name shell-friendly whatever the image is called. */
  g_strcanon(stem, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "._-+", '_');
  svc->config = config;
  svc->ram = ram;
  prefix = g_strdup_printf("vm%u-", vm_index);
  svc->dir_name = mh_text_file_name(prefix, stem, "");
  svc->dir_fd = -1;
  /* fds: keys are ints in pointers; values owned (closed when removed). */
  svc->fds = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                   open_file_free);
  /* privates: keys owned strings; values MhPrivateKind in pointers. */
  svc->privates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  mh_chan_init(&svc->channel);
}

void
mh_files_close_all(MhFileService *svc)
{
  if (svc->fds != NULL)
    g_hash_table_remove_all(svc->fds);
  /* Opened on this thread, like the guest's files (dir_path stays: it
   * says the directory exists). */
  if (svc->dir_fd >= 0)
    close(svc->dir_fd);
  svc->dir_fd = -1;
}

void
mh_files_clear(MhFileService *svc)
{
  if (svc->fds != NULL) {
    GHashTableIter iter;
    gpointer value;

    /* The guest's fds were closed by mh_files_close_all() on the VM's
     * own thread.  Any left here are forgotten, never closed: this runs
     * on another thread, and a VM thread with a file table of its own
     * (unshare(CLONE_FILES)) had them under numbers that here are other
     * files. */
    g_hash_table_iter_init(&iter, svc->fds);
    while (g_hash_table_iter_next(&iter, NULL, &value))
      ((MhOpenFile *)value)->host_fd = -1;
    g_clear_pointer(&svc->fds, g_hash_table_unref);
  }
  g_clear_pointer(&svc->privates, g_hash_table_unref);
  mh_chan_clear(&svc->channel);
  /* Like the guest's fds, the directory's, if still open, is forgotten:
   * its number belonged to the VM thread's table. */
  svc->dir_fd = -1;
  g_free(svc->dir_name);
  g_free(svc->dir_path);
  g_free(svc->dir_error);
  g_free(svc->last_host_error);
}
