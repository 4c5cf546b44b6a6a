/* SPDX-License-Identifier: MIT */
/* outfile.c - opening what a run writes for its user, safely (outfile.h). */
#include "config.h"

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

/* Whose files and directories are trusted: this user's, and root's (who
 * could do anything anyway). */
static gboolean
out_trusted_owner(uid_t uid)
{
  return uid == geteuid() || uid == 0;
}

gboolean
mh_out_check_dir(int dir_fd, const char *path, const MhOutDir *dir,
                 GError **error)
{
  g_autofree char *safe = mh_text_escape(path);
  struct stat st;

  /* (a host error: on 9p a directory removed meanwhile fails here, and
   * rundir.c makes it again) */
  if (fstat(dir_fd, &st) < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "%s '%s'", dir->what, safe);
  if (!out_trusted_owner(st.st_uid)) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "%s '%s' belongs to user %u, not to you: refusing to use it "
                "(choose another with %s)",
                dir->what, safe, (guint)st.st_uid, dir->option);
    return FALSE;
  }
  /* In a sticky directory nobody but the owner of a file (and of the
   * directory) may remove or rename it (chmod(2), S_ISVTX). */
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
      !(dir->kind == MH_OUT_DIR_STICKY && (st.st_mode & S_ISVTX))) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "%s '%s' is writable by %s (mode %04o): refusing to use it "
                "(chmod go-w it, or choose another with %s)",
                dir->what, safe,
                (st.st_mode & S_IWOTH) ? "others" : "its group",
                (guint)(st.st_mode & 07777), dir->option);
    return FALSE;
  }
  return TRUE;
}

gboolean
mh_out_check_link(const char *path, const MhOutDir *dir, GError **error)
{
  g_autofree char *safe = NULL;
  struct stat st;

  if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode) ||
      out_trusted_owner(st.st_uid))
    return TRUE; /* (a missing path fails where it is opened) */
  safe = mh_text_escape(path);
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "%s '%s' is a symbolic link of user %u's: refusing to follow "
              "it (choose another with %s)",
              dir->what, safe, (guint)st.st_uid, dir->option);
  return FALSE;
}

int
mh_out_dir_open(const char *path, const MhOutDir *dir, gboolean create,
                GError **error)
{
  g_autofree char *safe = mh_text_escape(path);
  g_auto(MhFd) fd = -1;

  /* 0700 whatever the umask (it can only take bits away). */
  if (create && mkdir(path, MH_OUT_DIR_MODE) < 0 && errno != EEXIST) {
    mh_throw_errno(error, MH_ERROR_USAGE, "cannot use %s '%s'", dir->what,
                   safe);
    return -1;
  }
  if (!mh_out_check_link(path, dir, error))
    return -1;
  fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    mh_throw_errno(error, MH_ERROR_USAGE, "cannot use %s '%s'", dir->what,
                   safe);
    return -1;
  }
  if (!mh_out_check_dir(fd, path, dir, error))
    return -1;
  return g_steal_fd(&fd);
}

int
mh_out_parent_open(const char *path, const char *option, char **base,
                   GError **error)
{
  g_autofree char *parent = g_path_get_dirname(path);
  g_autofree char *name = g_path_get_basename(path);
  MhOutDir dir = {"its directory", option, MH_OUT_DIR_STICKY};
  int fd;

  /* "out/", ".", ".." or "/" name a directory, not a file in one. */
  if (g_str_has_suffix(path, "/") || strcmp(name, ".") == 0 ||
      strcmp(name, "..") == 0 || strcmp(name, "/") == 0) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE, "it is a directory");
    return -1;
  }
  fd = mh_out_dir_open(parent, &dir, FALSE, error);
  if (fd >= 0)
    *base = g_steal_pointer(&name);
  return fd;
}

/* What may be written over: a regular file of this user's. */
static gboolean
out_check_file(const struct stat *st, MhErrorCode code, GError **error)
{
  if (S_ISLNK(st->st_mode)) {
    g_set_error_literal(error, MH_ERROR, code,
                        "it is a symbolic link: refusing to follow it");
    return FALSE;
  }
  if (!S_ISREG(st->st_mode)) {
    g_set_error_literal(error, MH_ERROR, code,
                        S_ISDIR(st->st_mode) ? "it is a directory"
                                             : "not a regular file");
    return FALSE;
  }
  if (st->st_uid != geteuid()) {
    g_set_error(error, MH_ERROR, code,
                "it belongs to user %u, not to you: refusing to write it",
                (guint)st->st_uid);
    return FALSE;
  }
  return TRUE;
}

gboolean
mh_out_check_target(int dir_fd, const char *name, MhErrorCode code,
                    mode_t *mode, GError **error)
{
  struct stat st;

  if (mode != NULL)
    *mode = 0;
  if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? TRUE
                           : mh_throw_errno(error, code, "cannot look at it");
  if (!out_check_file(&st, code, error))
    return FALSE;
  if (mode != NULL)
    *mode = st.st_mode & 07777;
  return TRUE;
}

int
mh_out_file_open(int dir_fd, const char *name, int flags, MhErrorCode code,
                 GError **error)
{
  g_auto(MhFd) fd = -1;
  struct stat st;

  /* O_NOFOLLOW: a link is refused (ELOOP), never followed.  O_NONBLOCK:
   * a FIFO without a reader fails (ENXIO) instead of hanging the run; it
   * is refused below anyway.  No O_TRUNC: nothing is cut before the
   * checks, which look at what was opened, not at the name. */
  fd = openat(dir_fd, name,
              O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
                O_CLOEXEC | flags,
              MH_OUT_FILE_MODE);
  if (fd < 0) {
    if (errno == ELOOP)
      g_set_error_literal(error, MH_ERROR, code,
                          "it is a symbolic link: refusing to follow it");
    else
      mh_throw_errno(error, code, "cannot open it");
    return -1;
  }
  if (fstat(fd, &st) < 0) {
    mh_throw_errno(error, code, "cannot open it");
    return -1;
  }
  if (!out_check_file(&st, code, error))
    return -1;
  if (ftruncate(fd, 0) < 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
    mh_throw_errno(error, code, "cannot open it");
    return -1;
  }
  return g_steal_fd(&fd);
}
