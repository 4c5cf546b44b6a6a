/* SPDX-License-Identifier: MIT */
/* rundir.c - the run's output directory and OUTPUT/latest. */
#include "config.h"

#include "rundir.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "outfile.h"
#include "text.h"

#define RUN_DIR_LATEST "latest"

/* "run-YYYYmmdd-HHMMSS-PID": unique per run, sorts by time. */
static char *
run_dir_name(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");

  return g_strdup_printf("run-%s-%d", stamp, (int)getpid());
}

/* Refuses an OUTPUT another user could have prepared: a link of theirs,
 * a directory owned by someone else (root excepted), or writable by
 * group or others (outfile.h). */
static const MhOutDir run_dir_output = {"output directory", "-o",
                                        MH_OUT_DIR_PRIVATE};

static void
run_dir_failed(MhRunDir *rd, const char *what, const char *path, int err)
{
  g_autofree char *safe = mh_text_escape(path);

  rd->error = g_strdup_printf("%s '%s': %s", what, safe, g_strerror(err));
}

/* Another run using the same OUTPUT removes it when it made it and kept
 * nothing (mh_run_dir_finish).  When that falls between this run's
 * opening OUTPUT and its making the run's directory there, OUTPUT is
 * gone: mkdirat() fails with ENOENT (on 9p even fstat() of the open
 * directory does).  Then OUTPUT is made again; each retry means another
 * run ended meanwhile, so a few are plenty. */
#define RUN_DIR_ATTEMPTS 8

typedef enum { RUN_DIR_OK, RUN_DIR_VANISHED, RUN_DIR_FAILED } RunDirStep;

/* One attempt: OUTPUT (made if missing), checked, and the run's
 * directory in it.  RUN_DIR_VANISHED when OUTPUT went away meanwhile;
 * RUN_DIR_FAILED with @error set for an OUTPUT that must not be used;
 * any other failure is noted in rd->error (RUN_DIR_OK). */
static RunDirStep
run_dir_try_open(MhRunDir *rd, gboolean last, GError **error)
{
  g_autoptr(GError) local = NULL;

  rd->made_output = !g_file_test(rd->output_dir, G_FILE_TEST_EXISTS);
  /* Like mkdir -p: "-o results/today" makes both; private whatever the
   * umask, so that the next run accepts it and nobody else reads the
   * VMs' files. */
  if (rd->made_output &&
      g_mkdir_with_parents(rd->output_dir, MH_OUT_DIR_MODE) < 0) {
    if (errno == ENOENT && !last)
      return RUN_DIR_VANISHED;
    run_dir_failed(rd, "creating directory", rd->output_dir, errno);
    return RUN_DIR_OK;
  }
  rd->out_fd = open(rd->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rd->out_fd < 0) {
    if (errno == ENOENT && !last)
      return RUN_DIR_VANISHED;
    run_dir_failed(rd, "opening directory", rd->output_dir, errno);
    return RUN_DIR_OK;
  }
  if (!mh_out_check_link(rd->output_dir, &run_dir_output, error))
    return RUN_DIR_FAILED;
  if (!mh_out_check_dir(rd->out_fd, rd->output_dir, &run_dir_output, &local)) {
    if (g_error_matches(local, MH_ERROR, MH_ERROR_HOST) && !last)
      return RUN_DIR_VANISHED;
    g_propagate_error(error, g_steal_pointer(&local));
    return RUN_DIR_FAILED;
  }
  if (mkdirat(rd->out_fd, rd->run_name, MH_OUT_DIR_MODE) < 0) {
    if (errno == ENOENT && !last)
      return RUN_DIR_VANISHED;
    run_dir_failed(rd, "creating directory", rd->run_path, errno);
  } else if ((rd->run_fd = openat(rd->out_fd, rd->run_name,
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                    O_CLOEXEC)) < 0) {
    run_dir_failed(rd, "opening directory", rd->run_path, errno);
  }
  return RUN_DIR_OK;
}

gboolean
mh_run_dir_open(MhRunDir *rd, const char *output_dir, GError **error)
{
  memset(rd, 0, sizeof *rd);
  rd->out_fd = rd->run_fd = -1;
  rd->output_dir = g_strdup(output_dir);
  rd->run_name = run_dir_name();
  rd->run_path = g_build_filename(output_dir, rd->run_name, NULL);

  for (guint attempt = 1;; attempt++) {
    switch (run_dir_try_open(rd, attempt == RUN_DIR_ATTEMPTS, error)) {
    case RUN_DIR_OK: return TRUE;
    case RUN_DIR_FAILED: return FALSE;
    case RUN_DIR_VANISHED:
      if (rd->out_fd >= 0)
        close(rd->out_fd);
      rd->out_fd = -1;
      break;
    }
  }
}

/* Points OUTPUT/latest at the run: a new link under a temporary name,
 * renamed over the old one (atomic).  Only a link, or nothing, is ever
 * replaced: a file or directory someone put there is left alone, and
 * said so. */
static gboolean
run_dir_point_latest(MhRunDir *rd, GError **error)
{
  g_autofree char *tmp = g_strdup_printf(".latest-%d", (int)getpid());
  g_autofree char *latest = g_build_filename(rd->output_dir, RUN_DIR_LATEST,
                                             NULL);
  g_autofree char *safe = mh_text_escape(latest);
  struct stat st;

  if (fstatat(rd->out_fd, RUN_DIR_LATEST, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      !S_ISLNK(st.st_mode)) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "'%s' was not updated: it is a %s, not a link (remove it)",
                safe, S_ISDIR(st.st_mode) ? "directory" : "file");
    return FALSE;
  }
  unlinkat(rd->out_fd, tmp, 0); /* a leftover of a killed run */
  if (symlinkat(rd->run_name, rd->out_fd, tmp) < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "'%s' was not updated", safe);
  if (renameat(rd->out_fd, tmp, rd->out_fd, RUN_DIR_LATEST) < 0) {
    mh_throw_errno(error, MH_ERROR_HOST, "'%s' was not updated", safe);
    unlinkat(rd->out_fd, tmp, 0);
    return FALSE;
  }
  return TRUE;
}

gboolean
mh_run_dir_finish(MhRunDir *rd, gboolean kept, GError **error)
{
  if (rd->run_fd < 0)
    return TRUE;
  if (kept)
    return run_dir_point_latest(rd, error);
  /* rmdir never removes a file, only empty directories. */
  unlinkat(rd->out_fd, rd->run_name, AT_REMOVEDIR);
  if (rd->made_output)
    rmdir(rd->output_dir);
  return TRUE;
}

void
mh_run_dir_clear(MhRunDir *rd)
{
  if (rd->run_fd >= 0)
    close(rd->run_fd);
  if (rd->out_fd >= 0)
    close(rd->out_fd);
  g_free(rd->output_dir);
  g_free(rd->run_name);
  g_free(rd->run_path);
  g_free(rd->error);
  memset(rd, 0, sizeof *rd);
  rd->out_fd = rd->run_fd = -1;
}
