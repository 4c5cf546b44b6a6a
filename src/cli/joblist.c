/* SPDX-License-Identifier: MIT */
/* joblist.c - a --jobs list read and checked whole (joblist.h). */
#include "config.h"

#include "joblist.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "jsonparse.h"
#include "text.h"

/* A list longer than this is refused, not read into memory whole. */
#define JOB_LIST_MAX_BYTES (256u << 20)

/* One member's checker: the value into @job, or FALSE with @error. */
typedef gboolean (*JobMemberFn)(MhJob *job, const MhJsonValue *value,
                                GError **error);

/* The text a value has on the command line: a string as it is, a
 * number as written in decimal.  NULL (with @error) for other kinds. */
static char *
job_value_text(const MhJsonValue *value, GError **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (value->kind) {
  case MH_JSON_STRING: return g_strdup(value->string);
  case MH_JSON_INT: return g_strdup_printf("%" G_GINT64_FORMAT, value->integer);
  case MH_JSON_DOUBLE:
    return g_strdup(g_ascii_dtostr(buf, sizeof buf, value->number));
  default:
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "must be a number or a string, not %s",
                mh_json_kind_name(value->kind));
    return NULL;
  }
}

/* A string that names something: not empty. */
static const char *
job_string(const MhJsonValue *value, GError **error)
{
  if (value->kind != MH_JSON_STRING) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "must be a string, not %s",
                mh_json_kind_name(value->kind));
    return NULL;
  }
  if (value->string[0] == '\0') {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE, "must not be empty");
    return NULL;
  }
  return value->string;
}

/* A path to a regular file this user can read: checked now, so that a
 * typo is found before the first job runs, not after hours of them. */
static char *
job_readable_file(const MhJsonValue *value, GError **error)
{
  const char *path = job_string(value, error);
  g_autofree char *safe = NULL;
  struct stat st;

  if (path == NULL)
    return NULL;
  safe = mh_text_escape(path);
  if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "'%s': %s", safe,
                g_strerror(errno));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "'%s': not a regular file",
                safe);
    return NULL;
  }
  return g_strdup(path);
}

static gboolean
job_id(MhJob *job, const MhJsonValue *value, GError **error)
{
  const char *id = job_string(value, error);

  if (id == NULL)
    return FALSE;
  job->id = g_strdup(id);
  return TRUE;
}

static gboolean
job_image(MhJob *job, const MhJsonValue *value, GError **error)
{
  job->image = job_readable_file(value, error);
  return job->image != NULL;
}

static gboolean
job_stdin(MhJob *job, const MhJsonValue *value, GError **error)
{
  job->stdin_path = job_readable_file(value, error);
  return job->stdin_path != NULL;
}

static gboolean
job_files(MhJob *job, const MhJsonValue *value, GError **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

  if (value->kind != MH_JSON_ARRAY) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "must be an array of paths, not %s",
                mh_json_kind_name(value->kind));
    return FALSE;
  }
  for (guint i = 0; i < value->items->len; i++) {
    char *path = job_readable_file(value->items->pdata[i], error);
    if (path == NULL)
      return FALSE;
    g_ptr_array_add(files, path);
  }
  g_ptr_array_add(files, NULL);
  g_strfreev(job->files);
  job->files = (GStrv)g_ptr_array_free(g_steal_pointer(&files), FALSE);
  return TRUE;
}

/* The members whose value is what an option takes, parsed by the
 * option's own parser (cli.h). */
#define JOB_OPTION(fn, parser, field)                                      \
  static gboolean fn(MhJob *job, const MhJsonValue *value, GError **error) \
  {                                                                        \
    g_autofree char *text = job_value_text(value, error);                  \
    return text != NULL && parser(text, &job->field, error);               \
  }
JOB_OPTION(job_memory, mh_cli_parse_memory, memory_mb)
JOB_OPTION(job_page, mh_cli_parse_page, page_size)
JOB_OPTION(job_timeout, mh_cli_parse_timeout, timeout)
JOB_OPTION(job_cpu_limit, mh_cli_parse_cpu_limit, cpu_limit)
JOB_OPTION(job_output_limit, mh_cli_parse_output_limit, output_limit)
JOB_OPTION(job_quota, mh_cli_parse_quota, quota)
JOB_OPTION(job_max_open, mh_cli_parse_max_open, max_open)
#undef JOB_OPTION

static const struct {
  const char *name;
  JobMemberFn fn;
} job_members[] = {
  {"id", job_id},
  {"image", job_image},
  {"stdin", job_stdin},
  {"memory", job_memory},
  {"page", job_page},
  {"files", job_files},
  {"timeout", job_timeout},
  {"cpu_limit", job_cpu_limit},
  {"output_limit", job_output_limit},
  {"quota", job_quota},
  {"max_open", job_max_open},
};

static void
job_free(MhJob *job)
{
  if (job == NULL)
    return;
  g_free(job->id);
  g_free(job->image);
  g_free(job->stdin_path);
  g_strfreev(job->files);
  g_free(job);
}

/* A job with the run's values, before its line's members. */
static MhJob *
job_new(guint line, const MhConfig *run)
{
  MhJob *job = g_new0(MhJob, 1);

  job->line = line;
  job->memory_mb = run->memory_mb;
  job->page_size = run->page_size;
  job->files = g_strdupv(run->files);
  job->timeout = run->timeout;
  job->cpu_limit = run->cpu_limit;
  job->output_limit = run->output_limit;
  job->quota = run->quota;
  job->max_open = run->max_open;
  return job;
}

/* One member of a line's object into @job. */
static gboolean
job_member(MhJob *job, const MhJsonMember *m, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *name = mh_text_escape(m->name);

  for (gsize i = 0; i < G_N_ELEMENTS(job_members); i++) {
    if (strcmp(m->name, job_members[i].name) != 0)
      continue;
    if (job_members[i].fn(job, m->value, &local))
      return TRUE;
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "\"%s\": %s", name,
                local->message);
    return FALSE;
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "unknown member \"%s\" (a job takes id, image, stdin, memory, "
              "page, files, timeout, cpu_limit, output_limit, quota, "
              "max_open)",
              name);
  return FALSE;
}

/* One line's job, or NULL with @error (without the line's name). */
static MhJob *
job_from_line(guint line, const char *text, gsize len, const MhConfig *run,
              GError **error)
{
  g_autoptr(MhJsonValue) v = mh_json_parse(text, (gssize)len, error);
  MhJob *job;

  if (v == NULL)
    return NULL;
  if (v->kind != MH_JSON_OBJECT) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "a job is an object, not %s",
                mh_json_kind_name(v->kind));
    return NULL;
  }
  job = job_new(line, run);
  for (guint i = 0; i < v->members->len; i++) {
    if (!job_member(job, &g_array_index(v->members, MhJsonMember, i), error)) {
      job_free(job);
      return NULL;
    }
  }
  if (job->id == NULL || job->image == NULL) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "no \"%s\" (it is required)",
                job->id == NULL ? "id" : "image");
    job_free(job);
    return NULL;
  }
  return job;
}

/* Whether @text (@len bytes) holds only JSON whitespace. */
static gboolean
job_line_blank(const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
      return FALSE;
  return TRUE;
}

void
mh_job_list_free(MhJobList *list)
{
  if (list == NULL)
    return;
  g_free(list->source);
  g_ptr_array_unref(list->jobs);
  g_free(list);
}

MhJobList *
mh_job_list_parse(const char *source, const char *text, gsize len,
                  const MhConfig *run, GError **error)
{
  g_autoptr(MhJobList) list = g_new0(MhJobList, 1);
  g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
  g_autofree char *safe = mh_text_escape(source);
  gsize pos = 0;

  list->source = g_strdup(source);
  list->jobs = g_ptr_array_new_with_free_func((GDestroyNotify)job_free);
  for (guint line = 1; pos < len; line++) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    gsize end = nl != NULL ? (gsize)(nl - text) : len;
    g_autoptr(GError) local = NULL;
    MhJob *job, *first;

    if (!job_line_blank(text + pos, end - pos)) {
      job = job_from_line(line, text + pos, end - pos, run, &local);
      if (job == NULL) {
        g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "--jobs '%s' line %u: %s",
                    safe, line, local->message);
        return NULL;
      }
      g_ptr_array_add(list->jobs, job);
      first = g_hash_table_lookup(ids, job->id);
      if (first != NULL) {
        g_autofree char *id = mh_text_escape(job->id);
        g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                    "--jobs '%s' line %u: id \"%s\" was given before, on line "
                    "%u",
                    safe, line, id, first->line);
        return NULL;
      }
      g_hash_table_insert(ids, job->id, job);
    }
    pos = end + 1;
  }
  if (list->jobs->len == 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "--jobs '%s': no job in it",
                safe);
    return NULL;
  }
  return g_steal_pointer(&list);
}

/* All of @fd, at most JOB_LIST_MAX_BYTES. */
static GString *
job_read_fd(int fd, const char *safe, GError **error)
{
  g_autoptr(GString) text = g_string_new(NULL);
  char buf[65536];

  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      mh_throw_errno(error, MH_ERROR_USAGE, "--jobs '%s'", safe);
      return NULL;
    }
    if (n == 0)
      return g_steal_pointer(&text);
    if (text->len + (gsize)n > JOB_LIST_MAX_BYTES) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "--jobs '%s': larger than %u MiB (split it)", safe,
                  JOB_LIST_MAX_BYTES >> 20);
      return NULL;
    }
    g_string_append_len(text, buf, n);
  }
}

MhJobList *
mh_job_list_load(const char *path, const MhConfig *run, GError **error)
{
  gboolean std_in = strcmp(path, "-") == 0;
  g_autofree char *safe = mh_text_escape(path);
  g_autoptr(GString) text = NULL;
  int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0) {
    mh_throw_errno(error, MH_ERROR_USAGE, "--jobs '%s'", safe);
    return NULL;
  }
  text = job_read_fd(fd, safe, error);
  if (!std_in)
    close(fd);
  if (text == NULL)
    return NULL;
  return mh_job_list_parse(std_in ? "-" : path, text->str, text->len, run,
                           error);
}
