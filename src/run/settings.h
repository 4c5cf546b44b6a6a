/* SPDX-License-Identifier: MIT */
/*
 * settings.h - what a run is asked to do (MhConfig): filled by the
 * command line (src/cli/cli.c), read by the run and its report.
 */
#ifndef MH_SETTINGS_H
#define MH_SETTINGS_H

#include <glib.h>

#include "sandbox.h" /* MhSandboxMode only: the settings need no sandbox
                        code (nor libseccomp) */

struct MhJobList; /* joblist.h */

#define MH_DEFAULT_MEMORY_MB 4u
#define MH_DEFAULT_PAGE_SIZE (2u << 20)

/* One guest's own settings, from "-g IMAGE:m=8,p=4". */
typedef struct {
  guint memory_mb;   /* 0 until resolved: then -m's value or its own  */
  guint64 page_size; /* 0 until resolved: then -p's value or its own  */
} MhGuestSettings;

typedef struct {
  guint memory_mb;       /* guest RAM in MiB: a power of two from
                          MH_RAM_MB_MIN to MH_RAM_MB_MAX (2, 4 or 8) */
  guint64 page_size;     /* identity-map page size: 4096 or 2 MiB       */
  GStrv guests;          /* guest image paths, one VM each (>= 1)       */
  GStrv files;           /* shared host files (may be empty, never NULL) */
  gboolean verbose;      /* -v: show the machine and exit statistics    */
  gboolean version;      /* --version was given                         */
  gdouble timeout;       /* --timeout seconds; 0 = none                 */
  char *output_dir;      /* -o: where VMs' files go                      */
  guint max_open;        /* --max-open: open files per VM                */
  guint64 quota;         /* --quota: bytes a VM may write                */
  MhSandboxMode sandbox; /* --sandbox: on, off or strict             */
  /* The gdb stub (-s, -S, --gdb, --gdb-vm): */
  gboolean gdb;               /* a VM waits for gdb                          */
  char *gdb_host;             /* tcp: host to listen on, NULL for loopback   */
  guint gdb_port;             /* tcp: port of VM 0 (VM N: port + N)          */
  char *gdb_path;             /* unix: socket path instead of tcp, or NULL   */
  gint gdb_vm;                /* --gdb-vm: the one VM debugged, or -1 (all)  */
  gboolean gdb_wait;          /* -S                                          */
  gboolean gdb_default;       /* -s                                         */
  char *trace_path;           /* --trace FILE, or NULL                        */
  guint64 trace_limit;        /* --trace-limit: bytes of records per VM      */
  gboolean trace_limit_given; /* (only with --trace)                 */
  char *report;         /* --report: JSON report file, "-" = stdout, or NULL */
  gdouble cpu_limit;    /* --cpu-limit: CPU seconds per VM; 0 = none     */
  guint64 output_limit; /* --output-limit: console bytes per VM; 0 = none */
  GStrv argv;           /* the command line as given (for the report)   */
  MhGuestSettings *guest_settings; /* one per guests[i], resolved      */
  char *console_dir; /* --console-dir: each VM's console in a file, or NULL */
  /* --jobs: guests[] and guest_settings[] then hold each job's image,
   * memory and page size, in the list's order. */
  char *jobs_path;            /* --jobs FILE ("-": standard input), or NULL */
  struct MhJobList *job_list; /* the list, read and checked by the cli  */
  guint parallel;             /* --parallel: jobs at once (0 until set) */
} MhConfig;

#define MH_DEFAULT_OUTPUT_DIR  "mini_hypervisor.out"
#define MH_DEFAULT_MAX_OPEN    32u
#define MH_MAX_OPEN_LIMIT      1024u
#define MH_DEFAULT_QUOTA       (64ull << 20)
#define MH_DEFAULT_TRACE_LIMIT (64ull << 20)
/* A job's console is kept in memory for its result: bounded unless the
 * run or the job sets its own --output-limit. */
#define MH_JOB_OUTPUT_LIMIT (1ull << 20)
#define MH_PARALLEL_MAX     4096u

#endif /* MH_SETTINGS_H */
