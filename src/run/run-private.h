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
  char *name;       /* "vm N (image)", escaped: how messages name it */
  MhVm *vm;         /* NULL if it could not be built                 */
  GThread *thread;  /* NULL if it never started                      */
  GError *error;    /* why it failed to build or to halt             */
  gint ended;       /* atomic: its thread has finished with the VM   */
  int gdb_fd;       /* its gdb listening socket from the start, or -1 */
  char *gdb_target; /* what to type in gdb ("target remote :1234") */
  char *gdb_unlink; /* its gdb socket file, removed at the end     */
  MhTraceVm *trace; /* --trace: its records (written by its thread)  */
  char *kept_dir;   /* the directory of the files it kept, or NULL  */
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
};

/* "mini_hypervisor: warning: ..." on standard error. */
void run_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#endif /* MH_RUN_PRIVATE_H */
