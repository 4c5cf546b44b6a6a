/* SPDX-License-Identifier: MIT */
/* run-jobs.c - a --jobs list run in one process: at most --parallel jobs
 * at once, each on a VM and thread of its own, started as others end;
 * each job's result written as one JSON line the moment it ends
 * (mini_hypervisor-report(5)), its VM freed at once.
 *
 * A job is a slot of the run like a -g guest (run-slot.c builds it), with
 * what a job has of its own: its console kept in a memfd for its result
 * (never on standard output, where the results may go), its input read
 * from its "stdin" file (standard input is never routed), its shared
 * files, limits and timeout. */
#include "config.h"

#include "run-private.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "outfile.h"
#include "report.h"
#include "text.h"

/* The most console input a job's "stdin" file may hold (it is queued
 * whole before the job starts). */
#define RUN_JOB_STDIN_MAX MH_INPUT_MAX

gboolean
run_jobs_open(MhRun *run, GError **error)
{
  const char *path = run->config->report;
  g_autofree char *base = NULL;
  g_auto(MhFd) dir_fd = -1;

  if (path == NULL || strcmp(path, "-") == 0) {
    run->results_fd = STDOUT_FILENO;
    return TRUE;
  }
  /* Checked and opened as every output file is (outfile.h), and written
   * as the jobs end: a regular file of this user's, never through a
   * symbolic link, in a directory nobody else can swap it in. */
  dir_fd = mh_out_parent_open(path, "--report", &base, error);
  if (dir_fd >= 0)
    run->results_fd = mh_out_file_open(dir_fd, base, 0, MH_ERROR_USAGE, error);
  if (run->results_fd < 0) {
    g_autofree char *safe = mh_text_escape(path);
    g_prefix_error(error, "cannot write the results '%s': ", safe);
    return FALSE;
  }
  return TRUE;
}

/* What job @slot has of its own before its VM is built: its shared files
 * (the run's when it lists the same), its file service's settings, the
 * memfd that keeps its console. */
static gboolean
run_job_prepare(MhRun *run, MhRunSlot *slot, GError **error)
{
  const MhJob *job = slot->job;

  if (!g_strv_equal((const char *const *)job->files,
                    (const char *const *)run->config->files)) {
    slot->job_shared = mh_shared_files_open(job->files, error);
    if (slot->job_shared == NULL)
      return FALSE;
  }
  slot->job_files = run->files;
  slot->job_files.shared = slot->job_shared != NULL ? slot->job_shared
                                                    : run->shared;
  /* run->files.max_open is what the open-file limit leaves each VM. */
  slot->job_files.max_open = MIN(job->max_open, run->files.max_open);
  slot->job_files.quota = job->quota;
  slot->capture_fd = memfd_create("mini_hypervisor-console", MFD_CLOEXEC);
  if (slot->capture_fd < 0)
    return mh_throw_errno(error, MH_ERROR_HOST,
                          "cannot keep its console (memfd_create)");
  mh_output_init(&slot->capture, slot->capture_fd, -1);
  return TRUE;
}

/* Queues the bytes of the job's "stdin" file, then end of input: the
 * guest reads them and then EOF, as from "< FILE". */
static gboolean
run_job_feed(const MhJob *job, MhInput *queue, GError **error)
{
  g_autoptr(GMappedFile) map = NULL;
  g_autofree char *safe = NULL;
  gsize len;

  if (job->stdin_path != NULL) {
    safe = mh_text_escape(job->stdin_path);
    map = g_mapped_file_new(job->stdin_path, FALSE, NULL);
    if (map == NULL)
      return mh_throw_errno(error, MH_ERROR_HOST, "cannot read its stdin '%s'",
                            safe);
    len = g_mapped_file_get_length(map);
    if (len > RUN_JOB_STDIN_MAX) {
      g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                  "its stdin '%s' holds more than %u MiB", safe,
                  RUN_JOB_STDIN_MAX >> 20);
      return FALSE;
    }
    mh_input_set_limit(queue, MAX(len, mh_input_limit(queue)));
    mh_input_push(queue, (const guint8 *)g_mapped_file_get_contents(map), len);
  }
  mh_input_close(queue);
  return TRUE;
}

/* The job's console, as its guest wrote it (within its output limit). */
static GString *
run_job_console(MhRunSlot *slot)
{
  GString *text = g_string_new(NULL);
  struct stat st;
  gsize done = 0;

  if (slot->capture_fd < 0 || fstat(slot->capture_fd, &st) < 0 ||
      st.st_size <= 0)
    return text;
  g_string_set_size(text, (gsize)st.st_size);
  while (done < text->len) {
    ssize_t got = pread(slot->capture_fd, text->str + done, text->len - done,
                        (off_t)done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    done += (gsize)got;
  }
  g_string_set_size(text, done);
  return text;
}

/* Writes @line to the results; the first failure is said once, and no
 * job starts after it (its result would be lost). */
static void
run_job_write_result(MhRun *run, const char *line)
{
  int err;

  if (run->results_failed)
    return;
  err = mh_fd_write_all(run->results_fd, line, strlen(line), NULL);
  if (err == 0)
    return;
  run->results_failed = TRUE;
  if (err == EPIPE) {
    /* Nobody reads them any more ("| head"): the run ends as SIGPIPE
     * would end it, its jobs stopped. */
    run->stop_signal = SIGPIPE;
    for (guint k = 0; k < run->n_live; k++)
      mh_vm_request_stop(run->slots[run->live[k]].vm,
                         MH_STOP_SIGNAL_BASE + SIGPIPE);
    return;
  }
  fprintf(stderr, "%s: error: writing the results: %s (no more jobs start)\n",
          g_get_prgname(), g_strerror(err));
}

/* The end of job @i, which ran or could not: its result line written,
 * its counts added, then everything it had freed (its VM first: memory
 * stays bounded by --parallel VMs). */
static void
run_job_end(MhRun *run, guint i)
{
  MhRunSlot *slot = &run->slots[i];
  g_autofree char *prefix = g_strdup_printf("%s: ", slot->name);
  g_autoptr(GString) console = NULL;
  g_autofree char *line = NULL;
  int status = MH_EXIT_OK;
  MhReportVm vm;
  MhVmStats stats;
  MhReportJob job;

  if (slot->thread != NULL)
    g_thread_join(slot->thread);
  slot->thread = NULL;
  if (slot->vm != NULL)
    run_slot_summary(slot, prefix, run->config->verbose, FALSE, &status,
                     &run->kept_files);
  status = mh_exit_status_worst(status, run_slot_exit_status(slot));
  console = run_job_console(slot);
  run_slot_report_vm(run, i, &vm, &stats);
  job = (MhReportJob){
    .id = slot->job->id,
    .line = slot->job->line,
    .exit_status = status,
    .vm = &vm,
    .console = console,
    .quota = slot->job->quota,
  };
  line = mh_report_job_line(&job);
  run_job_write_result(run, line);
  run->outcomes[vm.outcome]++;
  run->jobs_status = mh_exit_status_worst(run->jobs_status, status);

  if (slot->vm == NULL && run->queues[i] != NULL) {
    mh_input_clear(run->queues[i]);
    g_free(run->queues[i]);
  }
  run->queues[i] = NULL;
  g_clear_pointer(&slot->vm, mh_vm_free);
  if (slot->capture_fd >= 0) {
    mh_output_clear(&slot->capture);
    close(slot->capture_fd);
    slot->capture_fd = -1;
  }
  g_clear_pointer(&slot->job_shared, mh_shared_files_free);
  g_clear_error(&slot->error);
  g_clear_pointer(&slot->kept_dir, g_free);
  g_clear_pointer(&slot->name, g_free);
}

/* Starts job @i; one that cannot start ends at once, its result saying
 * why. */
static void
run_job_start(MhRun *run, guint i)
{
  MhRunSlot *slot = &run->slots[i];
  g_autoptr(GArray) keep = NULL;

  run_slot_name(run, i);
  if (run_job_prepare(run, slot, &slot->error)) {
    keep = run_vm_fds(run, slot->job_files.shared);
    g_array_append_val(keep, slot->capture_fd);
    run_slot_build(run, i, keep);
    if (slot->vm != NULL &&
        run_job_feed(slot->job, run->queues[i], &slot->error)) {
      if (slot->job->timeout > 0)
        slot->deadline = g_get_monotonic_time() +
                         (gint64)(slot->job->timeout * G_USEC_PER_SEC);
      if (run_slot_start_thread(run, i)) {
        run->live[run->n_live++] = i;
        return;
      }
    }
  }
  run_job_end(run, i);
}

void
run_jobs_start(MhRun *run)
{
  while (run->n_running < run->parallel && run->next_job < run->n_slots &&
         run->stop == MH_STOP_NONE && !run->results_failed)
    run_job_start(run, run->next_job++);
}

void
run_jobs_reap(MhRun *run)
{
  for (guint k = 0; k < run->n_live;) {
    guint i = run->live[k];

    if (!g_atomic_int_get(&run->slots[i].ended)) {
      k++;
      continue;
    }
    run->live[k] = run->live[--run->n_live];
    run->n_running--;
    run_job_end(run, i);
  }
  run_jobs_start(run);
}

int
run_jobs_check_deadlines(MhRun *run)
{
  gint64 now = g_get_monotonic_time();
  gint64 next = G_MAXINT64;

  for (guint k = 0; k < run->n_live; k++) {
    MhRunSlot *slot = &run->slots[run->live[k]];

    if (slot->deadline == G_MAXINT64)
      continue;
    if (now >= slot->deadline) {
      slot->deadline = G_MAXINT64; /* once */
      mh_vm_request_stop(slot->vm, MH_STOP_TIMEOUT);
      continue;
    }
    next = MIN(next, slot->deadline);
  }
  if (next == G_MAXINT64)
    return -1;
  return (int)CLAMP((next - now + 999) / 1000, 0, G_MAXINT);
}

/* "N jobs: A halted, B guest-fault, ..." and those not started. */
static char *
run_jobs_summary(const MhRun *run)
{
  GString *s = g_string_new(NULL);
  const char *sep = ": ";

  g_string_printf(s, "%u job%s", run->n_slots, run->n_slots == 1 ? "" : "s");
  for (guint o = 0; o < MH_OUTCOME_COUNT; o++) {
    if (run->outcomes[o] == 0)
      continue;
    g_string_append_printf(s, "%s%u %s", sep, run->outcomes[o],
                           mh_ending((MhOutcome)o)->name);
    sep = ", ";
  }
  if (run->next_job < run->n_slots)
    g_string_append_printf(s, "%s%u not started", sep,
                           run->n_slots - run->next_job);
  return g_string_free(s, FALSE);
}

int
run_jobs_finish(MhRun *run)
{
  g_autoptr(GError) dir_error = NULL;
  g_autofree char *summary = run_jobs_summary(run);
  int status = run->jobs_status;

  if (!mh_run_dir_finish(&run->dir, run->kept_files, &dir_error))
    run_warn("%s", dir_error->message);
  fprintf(stderr, "%s: %s\n", g_get_prgname(), summary);
  if (run->results_failed)
    status = mh_exit_status_worst(status, MH_EXIT_HOST);
  /* A signal outranks every other end (the jobs it stopped say the same). */
  if (run->stop_signal != 0)
    status = mh_exit_status_worst(status, MH_EXIT_SIGNAL + run->stop_signal);
  return status;
}
