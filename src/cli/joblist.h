/* SPDX-License-Identifier: MIT */
/*
 * joblist.h - a --jobs list: JSON Lines, one job (one guest run) per
 * line, read and checked whole before anything runs.
 *
 * Each line is an object with these members:
 *   "id"            a string, unique in the list (required)
 *   "image"         the guest image's path (required)
 *   "stdin"         a file whose bytes are the guest's console input
 *   "memory"        as -m: 2, 4 or 8 (a number, or a string such as "8M")
 *   "page"          as -p: 4 or 2 (or "4K", "2M")
 *   "files"         an array of paths shared like -f (instead of the
 *                   run's -f files)
 *   "timeout", "cpu_limit"   seconds, as --timeout and --cpu-limit
 *   "output_limit", "quota"  bytes, as --output-limit and --quota
 *                   (a number, or a string with a K, M or G suffix)
 *   "max_open"      as --max-open
 * A member left out takes the run's value (the command line's, or its
 * default).  Every value goes through the command line's own parser, so
 * a job accepts exactly what the option does.  Blank lines are skipped.
 * Refused, naming the list, the line and the member: a line that is not
 * one JSON object (jsonparse.h: strict), an unknown member, a value of
 * the wrong kind or out of range, an id given before, and an image,
 * stdin or shared file that is not a readable regular file.
 */
#ifndef MH_JOBLIST_H
#define MH_JOBLIST_H

#include <glib.h>

#include "settings.h"

typedef struct {
  guint line;       /* in the list, from 1                          */
  char *id;         /* unique, UTF-8, no NUL                        */
  char *image;      /* path                                         */
  char *stdin_path; /* path, or NULL: no console input              */
  guint memory_mb;  /* every field below resolved: the job's own
                          value, or the run's                          */
  guint64 page_size;
  GStrv files;          /* shared files (never NULL; may be empty)      */
  gdouble timeout;      /* seconds; 0 = none                            */
  gdouble cpu_limit;    /* seconds; 0 = none                            */
  guint64 output_limit; /* bytes; 0 = none                             */
  guint64 quota;
  guint max_open;
} MhJob;

typedef struct MhJobList {
  char *source;    /* the list's name for messages ("-": standard input) */
  GPtrArray *jobs; /* MhJob *, in list order, owned                      */
} MhJobList;

/* Reads and checks the list at @path ("-": standard input) against the
 * run's settings @run (the values a job leaves out).  NULL with a usage
 * error naming the list, line and member on any bad line: then nothing
 * may run. */
MhJobList *mh_job_list_load(const char *path, const MhConfig *run,
                            GError **error);
/* The same, from @text (@len bytes) already read; @source names it. */
MhJobList *mh_job_list_parse(const char *source, const char *text, gsize len,
                             const MhConfig *run, GError **error);
void mh_job_list_free(MhJobList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhJobList, mh_job_list_free)

#endif /* MH_JOBLIST_H */
