/* SPDX-License-Identifier: MIT */
/*
 * rundir.h - the run's output directory: OUTPUT/run-YYYYmmdd-HHMMSS-PID,
 * where each VM that writes files gets its own vmN-IMAGE directory, and
 * OUTPUT/latest, a link to the newest run that kept files.
 *
 * Made once, by the main thread, before any VM: OUTPUT like mkdir -p, then
 * the run's directory in it.  A VM makes its own directory beneath the
 * run's fd, on its thread, when its guest first writes a file (fileio.h).  An OUTPUT that someone else could
 * have prepared is refused, as ssh's StrictModes refuses a home directory
 * others can write: it must be owned by this user (or root) and writable
 * by nobody else, or a `latest` link planted there could show another
 * user's files as this run's results.
 */
#ifndef MH_RUNDIR_H
#define MH_RUNDIR_H

#include <glib.h>

typedef struct {
  char *output_dir;     /* OUTPUT, as given                                */
  char *run_name;       /* "run-YYYYmmdd-HHMMSS-PID"                       */
  char *run_path;       /* OUTPUT/RUN, for messages                        */
  int out_fd;           /* OUTPUT, or -1                                   */
  int run_fd;           /* OUTPUT/RUN, or -1                               */
  char *error;          /* why there is no run directory, or NULL          */
  gboolean made_output; /* this run created OUTPUT                         */
} MhRunDir;

/* Makes OUTPUT (if missing) and the run's directory in it.  Fails (a
 * usage error) only for an OUTPUT it must not use; a directory that
 * cannot be made is noted in rd->error instead, for the first guest that
 * needs it: a run that writes no files does not need one. */
gboolean mh_run_dir_open(MhRunDir *rd, const char *output_dir, GError **error);

/* After every VM: if some VM kept files, points OUTPUT/latest at the run
 * (atomically; an error if `latest` is not a link or cannot be
 * replaced); otherwise removes the run's directory, and OUTPUT if this
 * run made it, so that a run that wrote nothing leaves nothing behind. */
gboolean mh_run_dir_finish(MhRunDir *rd, gboolean kept, GError **error);

void mh_run_dir_clear(MhRunDir *rd);

#endif /* MH_RUNDIR_H */
