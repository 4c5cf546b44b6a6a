/* SPDX-License-Identifier: MIT */
/*
 * run-private.h - the fields of MhRun and its slots, for the run's own
 * files: run.c (getting ready, the end of the run), run-slot.c (each VM:
 * built, given its thread), run-wait.c (the main thread's wait loop) and
 * run-end.c (the summary, the exit status and the report).
 */
#ifndef MH_RUN_PRIVATE_H
#define MH_RUN_PRIVATE_H

#include "console.h"
#include "fileio.h"
#include "input.h"
#include "joblist.h"
#include "kvm.h"
#include "run.h"
#include "rundir.h"
#include "sandbox.h"
#include "trace.h"
#include "vm.h"

/* How often the main thread repeats the kick to VMs that were told to
 * stop and have not ended yet (a kick may land just before a blocking
 * call and be lost). */
#define RUN_REKICK_MS 50
/* How often the main thread reads each VM's CPU clock for --cpu-limit
 * (a VM may overrun its limit by about this much). */
#define RUN_CPU_CHECK_MS 20

/* One VM of the run, as the main thread tracks it. */
typedef struct {
  MhRun *run;
  char *name;        /* "vm N (image)", escaped: how messages name it */
  MhVm *vm;          /* NULL if it could not be built                 */
  GThread *thread;   /* NULL if it never started                      */
  GError *error;     /* why it failed to build or to halt             */
  gint ended;        /* atomic: its thread has finished with the VM   */
  int gdb_fd;        /* its gdb listening socket from the start, or -1 */
  char *gdb_target;  /* what to type in gdb ("target remote :1234") */
  char *gdb_unlink;  /* its gdb socket file, removed at the end     */
  MhTraceVm *trace;  /* --trace: its records (written by its thread)  */
  char *kept_dir;    /* the directory of the files it kept, or NULL  */
  gdouble cpu_limit; /* --cpu-limit (or its job's); 0 = none        */
  /* A job of --jobs (run-jobs.c); job is NULL outside a job list. */
  const MhJob *job;
  MhSharedFiles *job_shared; /* its own shared files, or NULL: the run's */
  MhFileConfig job_files;    /* its file service's settings             */
  MhOutput capture;          /* its console, into capture_fd            */
  int capture_fd;            /* a memfd, or -1                          */
  gint64 deadline;           /* its timeout, monotonic; G_MAXINT64: none */
} MhRunSlot;

/* The descriptors the wait loop polls, by name. */
enum {
  RUN_POLL_DONE,   /* VM threads: "I have ended"                      */
  RUN_POLL_SIGNAL, /* SIGINT, SIGTERM, SIGHUP                         */
  RUN_POLL_SPACE,  /* input queues: "I have room again"               */
  RUN_POLL_STDIN,  /* standard input, while it may be read            */
  RUN_POLL_OUTPUT, /* the output writer: "standard output failed"     */
  RUN_POLL_STDOUT, /* a pipe on standard output: POLLERR once its reader
                      is gone, before anyone writes to it              */
  RUN_POLL_COUNT
};

struct MhRun {
  const MhConfig *config;
  GPtrArray *images;       /* MhImage*, in argv order (borrowed)    */
  GPtrArray *owned_images; /* each distinct image once (owned)    */
  MhSharedFiles *shared;
  MhRunDir dir;
  MhFileConfig files;
  MhMachine machine;
  MhKvm kvm;
  MhSandbox sandbox;
  MhOutput output;
  gboolean output_ready;

  MhRunSlot *slots;
  guint n_slots;
  guint *live; /* the slots that may run: every slot, or with --jobs
                   those started and not yet finished with         */
  guint n_live;
  MhMachine *machines; /* one per slot: the run's, with the VM's
                                 own memory and page size               */
  guint n_running;
  int done_fd;
  int signal_fd;
  int space_fd;
  int output_fd;
  int stdin_fd; /* -1 once standard input has ended       */
  gboolean stdout_is_pipe;
  gboolean coalescing; /* VMs may queue console output in rings  */
  MhInput **queues;    /* one per slot, for the router           */
  MhRouter router;
  gboolean routing;

  MhStopReason stop; /* the first reason the run was stopped   */
  int stop_signal;

  MhTrace *trace;     /* --trace FILE, or NULL                  */
  int console_fd;     /* where the guests' console goes         */
  int console_dir_fd; /* --console-dir, or -1                */

  /* --jobs (run-jobs.c) */
  const MhJobList *jobs; /* NULL outside a job list               */
  guint next_job;        /* the first job not started             */
  guint parallel;        /* jobs at once                          */
  int results_fd;        /* where result lines go                 */
  gboolean results_failed;
  guint outcomes[MH_OUTCOME_COUNT]; /* jobs ended so, for the summary */
  int jobs_status;                  /* the worst of the jobs' exit statuses   */
  gboolean kept_files;              /* some job kept files                    */
};

/* "mini_hypervisor: warning: ..." on standard error. */
void run_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* run-slot.c: slot @i's name for messages (set once); builds its VM
 * (one that cannot be built fails alone, in slot->error) with @keep, the
 * fds its thread keeps (run_vm_fds(), plus any of its own); starts the
 * thread of a VM built (FALSE, with slot->error, if it cannot). */
void run_slot_name(MhRun *run, guint i);
void run_slot_build(MhRun *run, guint i, GArray *keep);
gboolean run_slot_start_thread(MhRun *run, guint i);
/* The run's fds every VM thread keeps, plus the shared files of
 * @shared. */
GArray *run_vm_fds(MhRun *run, const MhSharedFiles *shared);

/* run-end.c */
MhOutcome run_slot_outcome(const MhRunSlot *slot);
int run_slot_exit_status(const MhRunSlot *slot);
void run_slot_summary(MhRunSlot *slot, const char *prefix, gboolean verbose,
                      gboolean tell_files, int *status, gboolean *kept_files);
void run_slot_report_vm(MhRun *run, guint i, MhReportVm *vm, MhVmStats *stats);

/* run-jobs.c: --jobs. */
gboolean run_jobs_open(MhRun *run, GError **error);
/* Starts jobs while fewer than --parallel run and the run goes on. */
void run_jobs_start(MhRun *run);
/* Finishes with each job whose thread ended (its result written, its VM
 * freed), then starts more. */
void run_jobs_reap(MhRun *run);
/* Stops each job past its timeout; the time until the next one's, in ms
 * (-1: none). */
int run_jobs_check_deadlines(MhRun *run);
int run_jobs_finish(MhRun *run);

#endif /* MH_RUN_PRIVATE_H */
