/* SPDX-License-Identifier: MIT */
/* report.c - the JSON report of a run (mini_hypervisor-report(5)). */
#include "config.h"

#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "json.h"
#include "outfile.h"
#include "text.h"

struct MhReport {
  const MhConfig *config;
  GDateTime *start; /* UTC                                      */
  gint64 start_us;  /* monotonic, for the wall time             */
  GPtrArray *vms;   /* one object per VM, written (owned)       */
  int dir_fd;       /* the report's directory (outfile.h)       */
  char *base;       /* the report's name in it                  */
  char *tmp_name;   /* the temporary file there, until renamed  */
  int tmp_fd;
};

MhReport *
mh_report_new(const MhConfig *config)
{
  MhReport *report = g_new0(MhReport, 1);

  report->config = config;
  report->start = g_date_time_new_now_utc();
  report->start_us = g_get_monotonic_time();
  report->vms = g_ptr_array_new_with_free_func(g_free);
  report->tmp_fd = report->dir_fd = -1;
  return report;
}

void
mh_report_free(MhReport *report)
{
  if (report == NULL)
    return;
  /* Never written (the process is failing): leave no temporary behind. */
  if (report->tmp_name != NULL)
    unlinkat(report->dir_fd, report->tmp_name, 0);
  mh_fd_close(report->tmp_fd);
  mh_fd_close(report->dir_fd);
  g_free(report->tmp_name);
  g_free(report->base);
  g_ptr_array_unref(report->vms);
  g_date_time_unref(report->start);
  g_free(report);
}

static gboolean
report_to_stdout(const MhReport *report)
{
  return strcmp(report->config->report, "-") == 0;
}

/* The report is written to a temporary file beside it and renamed over
 * it once whole (mh_report_write()): a reader never sees half a report.
 * Its directory and any report it replaces are checked as every output
 * file is (outfile.h); a new report is private (0600), one that replaces
 * an earlier report keeps that one's mode. */
gboolean
mh_report_open(MhReport *report, GError **error)
{
  const char *path = report->config->report;
  g_autofree char *safe = NULL;
  mode_t mode = 0;

  if (report_to_stdout(report))
    return TRUE;
  safe = mh_text_escape(path);
  report->dir_fd = mh_out_parent_open(path, "--report", &report->base, error);
  if (report->dir_fd < 0 ||
      !mh_out_check_target(report->dir_fd, report->base, MH_ERROR_USAGE, &mode,
                           error)) {
    g_prefix_error(error, "cannot write the report '%s': ", safe);
    return FALSE;
  }
  for (guint attempt = 0; report->tmp_fd < 0 && attempt < 100; attempt++) {
    g_free(report->tmp_name);
    /* (at most 200 bytes of the name: the temporary's must fit NAME_MAX) */
    report->tmp_name = g_strdup_printf(".%.200s.%08x", report->base,
                                       g_random_int());
    report->tmp_fd = openat(report->dir_fd, report->tmp_name,
                            O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            MH_OUT_FILE_MODE);
    if (report->tmp_fd < 0 && errno != EEXIST)
      break;
  }
  if (report->tmp_fd < 0) {
    g_clear_pointer(&report->tmp_name, g_free);
    return mh_throw_errno(error, MH_ERROR_USAGE, "cannot write the report '%s'",
                          safe);
  }
  if (mode != 0)
    fchmod(report->tmp_fd, mode & 0777);
  return TRUE;
}

/* An unsigned value as a JSON integer, exactly (an upper-half address
 * too: JSON numbers have no size; a reader that keeps only doubles may
 * round it, and the diagnosis message names it exactly). */
static void
report_add_u64(MhJson *j, const char *member, guint64 value)
{
  mh_json_name(j, member);
  mh_json_uint(j, value);
}

static void
report_add_string(MhJson *j, const char *member, const char *value)
{
  mh_json_name(j, member);
  mh_json_string(j, value); /* NULL: null */
}

static void
report_add_double(MhJson *j, const char *member, gdouble value)
{
  mh_json_name(j, member);
  mh_json_double(j, value);
}

/* Text for JSON: file names and guest text need not be UTF-8; a report
 * must be (RFC 8259), so invalid bytes become U+FFFD. */
static char *
report_text(const char *text)
{
  return g_utf8_make_valid(text, -1);
}

static void
report_add_text(MhJson *j, const char *member, const char *value)
{
  g_autofree char *valid = value != NULL ? report_text(value) : NULL;

  report_add_string(j, member, valid);
}

char *
mh_report_sha256_file(int dir_fd, const char *name, guint64 *budget,
                      GError **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *safe = mh_text_escape(name);
  g_auto(MhFd)
    fd = openat(dir_fd, name,
                O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  guint8 buf[65536];
  guint64 left;
  struct stat st;
  ssize_t got;

  if (fd < 0 || fstat(fd, &st) < 0) {
    mh_throw_errno(error, MH_ERROR_HOST, "%s", safe);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "%s: not a regular file", safe);
    return NULL;
  }
  left = (guint64)st.st_size;
  if (budget != NULL) {
    if (left > *budget) {
      g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                  "%s: larger than what is left to hash", safe);
      return NULL;
    }
    *budget -= left;
  }
  /* Its size when opened, no more: a file that grows is not read on. */
  while (left > 0 && (got = read(fd, buf, MIN(sizeof buf, left))) != 0) {
    if (got < 0) {
      if (errno == EINTR)
        continue;
      mh_throw_errno(error, MH_ERROR_HOST, "%s", safe);
      return NULL;
    }
    g_checksum_update(sum, buf, (gsize)got);
    left -= (guint64)got;
  }
  return g_strdup(g_checksum_get_string(sum));
}

static gint
report_compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "files": every regular file in the VM's directory, by name.  The VM's
 * files together hold at most its --quota bytes (the file service
 * charges holes too), and that is all the hashing reads: a file found
 * beyond it (put there by someone else) has a null sha256. */
static void
report_add_files(MhJson *j, const char *dir_path, guint64 budget)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_auto(MhFd) dir_fd = -1;
  DIR *dir = NULL;
  struct dirent *entry;

  mh_json_name(j, "files");
  mh_json_begin_array(j);
  if (dir_path != NULL)
    dir_fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir_fd >= 0)
    dir = fdopendir(dup(dir_fd));
  while (dir != NULL && (entry = readdir(dir)) != NULL)
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
      g_ptr_array_add(names, g_strdup(entry->d_name));
  if (dir != NULL)
    closedir(dir);
  g_ptr_array_sort(names, report_compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename(dir_path, names->pdata[i], NULL);
    g_autofree char *sha = NULL;
    struct stat st;

    if (fstatat(dir_fd, names->pdata[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !S_ISREG(st.st_mode))
      continue;
    sha = mh_report_sha256_file(dir_fd, names->pdata[i], &budget, NULL);
    mh_json_begin_object(j);
    report_add_text(j, "name", names->pdata[i]);
    report_add_u64(j, "size", (guint64)st.st_size);
    report_add_string(j, "sha256", sha);
    report_add_text(j, "path", path);
    mh_json_end_object(j);
  }
  mh_json_end_array(j);
}

static void
report_add_diagnosis(MhJson *j, const MhReportVm *vm)
{
  const MhDiagnosis *d = vm->diagnosis;

  mh_json_name(j, "diagnosis");
  if (vm->outcome == MH_OUTCOME_HALTED) {
    mh_json_null(j);
    return;
  }
  mh_json_begin_object(j);
  report_add_text(j, "message", vm->message ? vm->message : "");
  if (d != NULL) {
    if (d->has & MH_DIAG_RIP)
      report_add_u64(j, "rip", d->rip);
    if (d->has & MH_DIAG_RSP)
      report_add_u64(j, "rsp", d->rsp);
    if (d->has & MH_DIAG_CR2)
      report_add_u64(j, "cr2", d->cr2);
    if (d->has & MH_DIAG_PORT)
      report_add_u64(j, "port", d->port);
    if (d->has & MH_DIAG_VECTOR)
      report_add_u64(j, "vector", d->vector);
    if (d->has & MH_DIAG_ERROR_CODE)
      report_add_u64(j, "error_code", d->error_code);
    if (d->has & MH_DIAG_SIGNAL)
      report_add_u64(j, "signal", (guint64)d->signal);
  }
  mh_json_end_object(j);
}

static void
report_add_exits(MhJson *j, const MhVmStats *s)
{
  mh_json_name(j, "exits");
  mh_json_begin_object(j);
  report_add_u64(j, "total", s ? s->exits_total : 0);
  mh_json_name(j, "by_reason");
  mh_json_begin_object(j);
  for (guint i = 0; s != NULL && i < MH_KVM_EXIT_REASONS; i++) {
    g_autofree char *other = NULL;
    const char *name = mh_kvm_exit_name(i);

    if (s->exits[i] == 0)
      continue;
    if (name == NULL)
      name = other = g_strdup_printf("exit-%u", i);
    report_add_u64(j, name, s->exits[i]);
  }
  mh_json_end_object(j);
  mh_json_name(j, "by_port");
  mh_json_begin_object(j);
  for (guint i = 0; s != NULL && i < s->n_ports; i++) {
    g_autofree char *port = g_strdup_printf("0x%x", s->ports[i].first);

    mh_json_name(j, port);
    mh_json_begin_object(j);
    report_add_u64(j, "out", s->ports[i].out);
    report_add_u64(j, "in", s->ports[i].in);
    mh_json_end_object(j);
  }
  mh_json_end_object(j);
  mh_json_end_object(j);
}

/* The members of @vm's object, from "index" to "files" (the job form
 * writes its console's text in place of the counts: mh_report_job_line()). */
static void
report_vm_members(MhJson *j, const MhReportVm *vm, guint64 quota,
                  const GString *console_text)
{
  g_autofree char *image_sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                           vm->image_data,
                                                           vm->image_size);
  const MhVmStats *s = vm->stats;

  report_add_u64(j, "index", vm->index);
  report_add_text(j, "name", vm->name);
  mh_json_name(j, "image");
  mh_json_begin_object(j);
  report_add_text(j, "path", vm->image_path);
  report_add_string(j, "sha256", image_sha);
  mh_json_end_object(j);
  report_add_u64(j, "memory_mb", vm->memory_mb);
  report_add_u64(j, "page_size", vm->page_size);
  report_add_string(j, "outcome", mh_ending(vm->outcome)->name);
  report_add_diagnosis(j, vm);
  report_add_exits(j, s);
  report_add_double(j, "wall_seconds", s ? s->wall_seconds : 0);
  report_add_double(j, "cpu_seconds", s ? s->cpu_seconds : 0);
  mh_json_name(j, console_text != NULL ? "console_bytes" : "console");
  mh_json_begin_object(j);
  report_add_u64(j, "bytes_out", s ? s->console_out : 0);
  report_add_u64(j, "bytes_in", s ? s->console_in : 0);
  mh_json_end_object(j);
  if (console_text != NULL) {
    mh_json_name(j, "console");
    mh_json_bytes(j, (const guint8 *)console_text->str, console_text->len);
  }
  report_add_files(j, vm->files_dir, quota);
}

void
mh_report_add_vm(MhReport *report, const MhReportVm *vm)
{
  GString *out = g_string_new(NULL);
  MhJson writer, *j = &writer;

  /* Written where it will stand in the report: in "vms", two deep. */
  mh_json_init(j, out, TRUE, 2);
  mh_json_begin_object(j);
  report_vm_members(j, vm, report->config->quota, NULL);
  mh_json_end_object(j);
  g_ptr_array_add(report->vms, g_string_free(out, FALSE));
}

char *
mh_report_job_line(const MhReportJob *job)
{
  GString *out = g_string_new(NULL);
  MhJson writer, *j = &writer;

  mh_json_init(j, out, FALSE, 0);
  mh_json_begin_object(j);
  report_add_string(j, "schema", MH_REPORT_JOB_SCHEMA);
  report_add_u64(j, "version", MH_REPORT_VERSION);
  report_add_text(j, "id", job->id);
  report_add_u64(j, "line", job->line);
  report_add_u64(j, "exit_status", (guint64)job->exit_status);
  report_vm_members(j, job->vm, job->quota, job->console);
  mh_json_end_object(j);
  g_string_append_c(out, '\n');
  return g_string_free(out, FALSE);
}

static const char *
report_sandbox_name(MhSandboxMode mode)
{
  switch (mode) {
  case MH_SANDBOX_OFF: return "off";
  case MH_SANDBOX_STRICT: return "strict";
  case MH_SANDBOX_ON:
  default: return "on";
  }
}

static void
report_add_strv(MhJson *j, const char *member, GStrv strv)
{
  mh_json_name(j, member);
  mh_json_begin_array(j);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++) {
    g_autofree char *valid = report_text(strv[i]);
    mh_json_string(j, valid);
  }
  mh_json_end_array(j);
}

char *
mh_report_to_json(MhReport *report, int exit_status)
{
  GString *out = g_string_new(NULL);
  MhJson writer, *j = &writer;
  g_autofree char *start = g_date_time_format_iso8601(report->start);
  const MhConfig *c = report->config;

  mh_json_init(j, out, TRUE, 0);
  mh_json_begin_object(j);
  report_add_string(j, "schema", MH_REPORT_SCHEMA);
  report_add_u64(j, "version", MH_REPORT_VERSION);
  mh_json_name(j, "tool");
  mh_json_begin_object(j);
  report_add_string(j, "name", "mini_hypervisor");
  report_add_string(j, "version", PACKAGE_VERSION);
  mh_json_end_object(j);
  report_add_strv(j, "argv", c->argv);

  mh_json_name(j, "options");
  mh_json_begin_object(j);
  report_add_u64(j, "memory_mb", c->memory_mb);
  report_add_u64(j, "page_size", c->page_size);
  report_add_double(j, "timeout", c->timeout);
  report_add_double(j, "cpu_limit", c->cpu_limit);
  report_add_u64(j, "output_limit", c->output_limit);
  report_add_u64(j, "quota", c->quota);
  report_add_u64(j, "max_open", c->max_open);
  report_add_string(j, "sandbox", report_sandbox_name(c->sandbox));
  report_add_strv(j, "files", c->files);
  report_add_text(j, "output_dir", c->output_dir);
  mh_json_end_object(j);

  report_add_string(j, "start_time", start);
  report_add_double(j, "wall_seconds",
                    (g_get_monotonic_time() - report->start_us) /
                      (gdouble)G_USEC_PER_SEC);
  report_add_u64(j, "exit_status", (guint64)exit_status);
  mh_json_name(j, "vms");
  mh_json_begin_array(j);
  for (guint i = 0; i < report->vms->len; i++)
    mh_json_raw(j, report->vms->pdata[i]);
  mh_json_end_array(j);
  mh_json_end_object(j);

  return g_string_free(out, FALSE);
}

gboolean
mh_report_write(MhReport *report, int exit_status, GError **error)
{
  g_autofree char *json = mh_report_to_json(report, exit_status);
  g_autofree char *doc = g_strconcat(json, "\n", NULL);
  const char *path = report->config->report;
  g_autofree char *safe = mh_text_escape(path);
  int err;

  if (report_to_stdout(report)) {
    err = mh_fd_write_all(STDOUT_FILENO, doc, strlen(doc), NULL);
    if (err != 0)
      return mh_throw_errnum(error, MH_ERROR_HOST, err,
                             "writing the report to standard output");
    return TRUE;
  }
  if (report->tmp_fd < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "the report '%s' was not opened", safe);
    return FALSE;
  }
  err = mh_fd_write_all(report->tmp_fd, doc, strlen(doc), NULL);
  if (err == 0 && fdatasync(report->tmp_fd) < 0)
    err = errno;
  if (err != 0)
    return mh_throw_errnum(error, MH_ERROR_HOST, err, "writing the report '%s'",
                           safe);
  if (renameat(report->dir_fd, report->tmp_name, report->dir_fd, report->base) <
      0)
    return mh_throw_errno(error, MH_ERROR_HOST, "writing the report '%s'",
                          safe);
  g_clear_pointer(&report->tmp_name, g_free);
  return TRUE;
}
