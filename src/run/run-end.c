/* SPDX-License-Identifier: MIT */
/* run-end.c - the end of a run: each VM joined and summed up in one line
 * on standard error, the exit status (the worst of its VMs'), the
 * report. */
#include "config.h"

#include "run-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "text.h"
#include "ending.h"
#include "report.h"

/* How a VM ended: its own diagnosis, or a host error for one that could
 * not be built or started. */
MhOutcome
run_slot_outcome(const MhRunSlot *slot)
{
  MhOutcome outcome = slot->vm != NULL ? mh_vm_diagnosis(slot->vm)->outcome
                                       : MH_OUTCOME_HOST_ERROR;

  if (slot->error != NULL && outcome == MH_OUTCOME_HALTED)
    outcome = MH_OUTCOME_HOST_ERROR;
  return outcome;
}

/* The exit status its end calls for (ending.c); a signal's carries the
 * signal's number, as the shell has it (128 + N). */
int
run_slot_exit_status(const MhRunSlot *slot)
{
  MhOutcome outcome = run_slot_outcome(slot);
  int status = mh_ending(outcome)->exit_status;

  if (outcome == MH_OUTCOME_SIGNAL &&
      (mh_vm_diagnosis(slot->vm)->has & MH_DIAG_SIGNAL))
    status += mh_vm_diagnosis(slot->vm)->signal;
  return status;
}

static void
run_print_error(const char *prefix, const GError *error)
{
  fprintf(stderr, "%s: error: %s%s\n", g_get_prgname(), prefix, error->message);
}

/* What VM @slot leaves besides its error: its exits (--verbose), its
 * console file's and file service's host errors, its trace's problem
 * (a failed trace is a host error: *@status), the files it kept (said
 * on standard error with @tell_files). */
void
run_slot_summary(MhRunSlot *slot, const char *prefix, gboolean verbose,
                 gboolean tell_files, int *status, gboolean *kept_files)
{
  const char *dir_path, *last_error;
  guint64 host_errors;

  if (verbose) {
    g_autofree char *exits = mh_vm_describe_exits(slot->vm);
    fprintf(stderr, "%s: %s%s; %s\n", g_get_prgname(), prefix,
            slot->error ? "failed" : "halted", exits);
  }
  if (mh_vm_console_file_error(slot->vm) != 0)
    run_warn("%swriting its console file: %s", prefix,
             g_strerror(mh_vm_console_file_error(slot->vm)));
  host_errors = mh_vm_host_errors(slot->vm, &last_error);
  if (host_errors > 0)
    run_warn("%s%" G_GUINT64_FORMAT " file operation(s) failed on the "
             "host, the last: %s",
             prefix, host_errors, last_error);
  if (slot->trace != NULL) {
    gboolean failed;
    g_autofree char *problem = mh_trace_vm_problem(slot->trace, &failed);
    if (problem != NULL && failed) {
      fprintf(stderr, "%s: error: %s%s\n", g_get_prgname(), prefix, problem);
      *status = mh_exit_status_worst(*status, MH_EXIT_HOST);
    } else if (problem != NULL) {
      run_warn("%s%s", prefix, problem);
    }
  }
  if (mh_vm_keep_files(slot->vm, &dir_path)) {
    g_autofree char *safe_dir = mh_text_escape(dir_path);
    slot->kept_dir = g_strdup(dir_path);
    if (tell_files)
      fprintf(stderr, "%s: %sfiles in %s\n", g_get_prgname(), prefix, safe_dir);
    *kept_files = TRUE;
  }
}

int
mh_run_finish(MhRun *run)
{
  g_autoptr(GError) dir_error = NULL;
  gboolean kept_files = FALSE;
  /* When the reader of our output went away ("| head"), the VMs it
   * stopped are no news: only other failures are reported. */
  gboolean quiet_stops = run->stop_signal == SIGPIPE;
  int status = MH_EXIT_OK;
  int write_errno;

  if (run->jobs != NULL)
    return run_jobs_finish(run);
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];
    g_autofree char *prefix = g_strdup_printf("%s: ", slot->name);

    if (slot->thread != NULL)
      g_thread_join(slot->thread);
    slot->thread = NULL;
    if (slot->vm != NULL)
      run_slot_summary(slot, prefix, run->config->verbose, TRUE, &status,
                       &kept_files);
    if (slot->error != NULL) {
      status = mh_exit_status_worst(status, run_slot_exit_status(slot));
      if (!(quiet_stops && slot->vm != NULL &&
            mh_vm_stop_reason(slot->vm) != MH_STOP_NONE))
        run_print_error(prefix, slot->error);
      if (run->config->verbose && slot->vm != NULL &&
          mh_vm_fault_detail(slot->vm) != NULL) {
        g_auto(GStrv)
          detail = g_strsplit(mh_vm_fault_detail(slot->vm), "\n", -1);
        for (guint j = 0; detail[j] != NULL; j++)
          fprintf(stderr, "%s: %s%s\n", g_get_prgname(), prefix, detail[j]);
      }
    }
    /* slot->error stays for mh_run_report(). */
  }
  if (!mh_run_dir_finish(&run->dir, kept_files, &dir_error))
    run_warn("%s", dir_error->message);
  /* Every VM thread has ended: the trace's tail goes last. */
  if (run->trace != NULL) {
    g_autoptr(GError) trace_error = NULL;
    if (!mh_trace_close(run->trace, &trace_error)) {
      run_print_error("", trace_error);
      status = mh_exit_status_worst(status, MH_EXIT_HOST);
    }
  }

  write_errno = g_atomic_int_get(&run->output.write_errno);
  if (write_errno != 0 && write_errno != EPIPE) {
    fprintf(stderr, "%s: error: writing guest output: %s\n", g_get_prgname(),
            g_strerror(write_errno));
    status = mh_exit_status_worst(status, MH_EXIT_HOST);
  }
  /* A signal outranks every other end (the VMs it stopped say the same). */
  if (run->stop_signal != 0)
    status = mh_exit_status_worst(status, MH_EXIT_SIGNAL + run->stop_signal);
  return status;
}

void
run_slot_report_vm(MhRun *run, guint i, MhReportVm *vm, MhVmStats *stats)
{
  MhRunSlot *slot = &run->slots[i];
  const MhImage *image = run->images->pdata[i];

  *vm = (MhReportVm){
    .index = i,
    .name = slot->name,
    .image_path = image->path,
    .image_data = image->data,
    .image_size = image->size,
    .memory_mb = run->config->guest_settings[i].memory_mb,
    .page_size = run->config->guest_settings[i].page_size,
    .outcome = run_slot_outcome(slot),
    .message = slot->error != NULL ? slot->error->message : NULL,
    .files_dir = slot->kept_dir,
  };
  if (slot->vm != NULL) {
    mh_vm_stats(slot->vm, stats);
    vm->stats = stats;
    vm->diagnosis = mh_vm_diagnosis(slot->vm);
  }
}

void
mh_run_report(MhRun *run, MhReport *report)
{
  for (guint i = 0; i < run->n_slots; i++) {
    MhReportVm vm;
    MhVmStats stats;

    run_slot_report_vm(run, i, &vm, &stats);
    mh_report_add_vm(report, &vm);
  }
}
