/* SPDX-License-Identifier: MIT */
/*
 * report.h - the JSON report of a run (--report), schema
 * "mini_hypervisor-report" version MH_REPORT_VERSION, documented in
 * mini_hypervisor-report(5) and src/report.schema.json (installed in
 * $(pkgdatadir)).
 *
 * The main thread opens it before anything runs (so that a bad path is a
 * usage error, not a run whose results are lost), the run adds one entry
 * per VM once its thread has ended, and main writes it last, whatever
 * happened: to standard output, or to a temporary file beside FILE that
 * is then renamed over it, so that a reader never sees half a report.
 */
#ifndef MH_REPORT_H
#define MH_REPORT_H

#include <glib.h>

#include "settings.h"
#include "error.h"
#include "vm.h"

#define MH_REPORT_SCHEMA     "mini_hypervisor-report"
#define MH_REPORT_VERSION    1
#define MH_REPORT_JOB_SCHEMA "mini_hypervisor-job"

typedef struct MhReport MhReport;

/* What the report says about one VM. */
typedef struct {
  guint index;
  const char *name;         /* "vm N (image)"                       */
  const char *image_path;   /* as given on the command line         */
  const guint8 *image_data; /* for its sha256                       */
  gsize image_size;
  guint memory_mb;
  guint64 page_size;
  MhOutcome outcome;
  const MhDiagnosis *diagnosis; /* fields of the end; NULL: none        */
  const char *message;          /* why it did not halt; NULL if it did  */
  const MhVmStats *stats;       /* NULL if it never ran                 */
  const char *files_dir;        /* the files it kept, or NULL           */
} MhReportVm;

/* A job of a --jobs list, as its result line gives it. */
typedef struct {
  const char *id;         /* the job's "id"                         */
  guint line;             /* its line in the list, from 1           */
  int exit_status;        /* what the job alone would exit with     */
  const MhReportVm *vm;   /* the run of it                          */
  const GString *console; /* what its guest wrote, within its limit */
  guint64 quota;          /* the job's, bounding the files' hashing */
} MhReportJob;

/* The JSON line of @job's result (schema MH_REPORT_JOB_SCHEMA, version
 * MH_REPORT_VERSION: mini_hypervisor-report(5)), newline included. */
char *mh_report_job_line(const MhReportJob *job);

/* Notes the start time and the options of @config (borrowed until
 * mh_report_free()). */
MhReport *mh_report_new(const MhConfig *config);
void mh_report_free(MhReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhReport, mh_report_free)

/* Gets the destination ready: a temporary file beside the report's path
 * (nothing for "-").  Errors are usage errors naming the path. */
gboolean mh_report_open(MhReport *report, GError **error);

/* Adds one VM (everything in @vm is copied or read now). */
void mh_report_add_vm(MhReport *report, const MhReportVm *vm);

/* The whole document, for a run that ends with @exit_status. */
char *mh_report_to_json(MhReport *report, int exit_status);

/* Writes the document: to standard output for "-", else into the
 * temporary file, renamed over the report's path. */
gboolean mh_report_write(MhReport *report, int exit_status, GError **error);

/* The lowercase hex SHA-256 of the regular file @name in @dir_fd (never
 * through a symbolic link), or NULL with @error.  With @budget, reads
 * only a file no larger than *@budget bytes and takes its size from it:
 * whatever is in a directory, hashing it costs at most the budget. */
char *mh_report_sha256_file(int dir_fd, const char *name, guint64 *budget,
                            GError **error);

#endif /* MH_REPORT_H */
