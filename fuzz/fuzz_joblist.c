/* SPDX-License-Identifier: MIT */
/*
 * fuzz_joblist - a --jobs list: the input is the list's text for
 * mh_job_list_parse() (the strict JSON reader, then each member through
 * the option's own parser), against the command line's defaults.
 *
 * Invariants: an accepted list has at least one job, every job an id and
 * an image, ids unique, lines increasing, and every value within the
 * range its option allows; a refused one is a usage error that names the
 * list.
 */
#include "config.h"

#include "fuzz-common.h"

#include "error.h"
#include "joblist.h"

static void
check_list(const MhJobList *list)
{
  g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
  guint last_line = 0;

  FUZZ_CHECK(list->jobs->len > 0, "an accepted list without a job");
  for (guint i = 0; i < list->jobs->len; i++) {
    const MhJob *job = list->jobs->pdata[i];

    FUZZ_CHECK(job->id != NULL && job->image != NULL, "job %u: no id/image", i);
    FUZZ_CHECK(g_utf8_validate(job->id, -1, NULL), "job %u: id not UTF-8", i);
    FUZZ_CHECK(g_hash_table_add(ids, job->id), "id '%s' twice", job->id);
    FUZZ_CHECK(job->line > last_line, "line %u after %u", job->line, last_line);
    last_line = job->line;
    FUZZ_CHECK(job->memory_mb == 2 || job->memory_mb == 4 ||
                 job->memory_mb == 8,
               "memory %u", job->memory_mb);
    FUZZ_CHECK(job->page_size == 4096 || job->page_size == 2u << 20,
               "page size %" G_GUINT64_FORMAT, job->page_size);
    FUZZ_CHECK(job->max_open >= 1 && job->max_open <= MH_MAX_OPEN_LIMIT,
               "max_open %u", job->max_open);
    FUZZ_CHECK(job->files != NULL, "files is NULL");
    FUZZ_CHECK(job->timeout >= 0 && job->cpu_limit >= 0, "negative limit");
  }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_glib_strict();
  g_set_prgname("mini_hypervisor");
  return 0;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  char *no_files[] = {NULL};
  MhConfig run = {
    .memory_mb = MH_DEFAULT_MEMORY_MB,
    .page_size = MH_DEFAULT_PAGE_SIZE,
    .files = no_files,
    .max_open = MH_DEFAULT_MAX_OPEN,
    .quota = MH_DEFAULT_QUOTA,
    .output_limit = MH_JOB_OUTPUT_LIMIT,
  };
  g_autoptr(GError) error = NULL;
  MhJobList *list = mh_job_list_parse("fuzz", (const char *)data, size, &run,
                                      &error);

  if (list != NULL) {
    FUZZ_CHECK(error == NULL, "success with an error set");
    check_list(list);
    mh_job_list_free(list);
  } else {
    FUZZ_CHECK(error != NULL && error->domain == MH_ERROR &&
                 error->code == MH_ERROR_USAGE,
               "not a usage error");
    FUZZ_CHECK(strstr(error->message, "--jobs 'fuzz'") != NULL,
               "the error does not name the list: %s", error->message);
  }
  return 0;
}
