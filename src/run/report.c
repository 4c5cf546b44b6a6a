/* SPDX-License-Identifier: MIT */
/* report.c - the JSON report of a run, built with json-glib. */
#include "config.h"

#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "outfile.h"
#include "text.h"

struct MhReport {
  const MhConfig *config;
  GDateTime *start; /* UTC                                      */
  gint64 start_us;  /* monotonic, for the wall time             */
  GPtrArray *vms;   /* JsonNode*, one object per VM (owned)     */
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
  report->vms = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
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

/* A guest value as a JSON integer.  JSON has no unsigned 64-bit type in
 * json-glib: the rare value above 2^63-1 (an upper-half address) is
 * written as a number that is exact only to 53 bits; the diagnosis
 * message names it exactly. */
static void
report_add_u64(JsonBuilder *b, const char *member, guint64 value)
{
  json_builder_set_member_name(b, member);
  if (value <= G_MAXINT64)
    json_builder_add_int_value(b, (gint64)value);
  else
    json_builder_add_double_value(b, (gdouble)value);
}

static void
report_add_string(JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name(b, member);
  if (value != NULL)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

static void
report_add_double(JsonBuilder *b, const char *member, gdouble value)
{
  json_builder_set_member_name(b, member);
  json_builder_add_double_value(b, value);
}

/* Text for JSON: file names and guest text need not be UTF-8; a report
 * must be (RFC 8259), so invalid bytes become U+FFFD. */
static char *
report_text(const char *text)
{
  return g_utf8_make_valid(text, -1);
}

static void
report_add_text(JsonBuilder *b, const char *member, const char *value)
{
  g_autofree char *valid = value != NULL ? report_text(value) : NULL;

  report_add_string(b, member, valid);
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
report_add_files(JsonBuilder *b, const char *dir_path, guint64 budget)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_auto(MhFd) dir_fd = -1;
  DIR *dir = NULL;
  struct dirent *entry;

  json_builder_set_member_name(b, "files");
  json_builder_begin_array(b);
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
    json_builder_begin_object(b);
    report_add_text(b, "name", names->pdata[i]);
    report_add_u64(b, "size", (guint64)st.st_size);
    report_add_string(b, "sha256", sha);
    report_add_text(b, "path", path);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void
report_add_diagnosis(JsonBuilder *b, const MhReportVm *vm)
{
  const MhDiagnosis *d = vm->diagnosis;

  json_builder_set_member_name(b, "diagnosis");
  if (vm->outcome == MH_OUTCOME_HALTED) {
    json_builder_add_null_value(b);
    return;
  }
  json_builder_begin_object(b);
  report_add_text(b, "message", vm->message ? vm->message : "");
  if (d != NULL) {
    if (d->has & MH_DIAG_RIP)
      report_add_u64(b, "rip", d->rip);
    if (d->has & MH_DIAG_RSP)
      report_add_u64(b, "rsp", d->rsp);
    if (d->has & MH_DIAG_CR2)
      report_add_u64(b, "cr2", d->cr2);
    if (d->has & MH_DIAG_PORT)
      report_add_u64(b, "port", d->port);
    if (d->has & MH_DIAG_VECTOR)
      report_add_u64(b, "vector", d->vector);
    if (d->has & MH_DIAG_ERROR_CODE)
      report_add_u64(b, "error_code", d->error_code);
    if (d->has & MH_DIAG_SIGNAL)
      report_add_u64(b, "signal", (guint64)d->signal);
  }
  json_builder_end_object(b);
}

static void
report_add_exits(JsonBuilder *b, const MhVmStats *s)
{
  json_builder_set_member_name(b, "exits");
  json_builder_begin_object(b);
  report_add_u64(b, "total", s ? s->exits_total : 0);
  json_builder_set_member_name(b, "by_reason");
  json_builder_begin_object(b);
  for (guint i = 0; s != NULL && i < MH_KVM_EXIT_REASONS; i++) {
    g_autofree char *other = NULL;
    const char *name = mh_kvm_exit_name(i);

    if (s->exits[i] == 0)
      continue;
    if (name == NULL)
      name = other = g_strdup_printf("exit-%u", i);
    report_add_u64(b, name, s->exits[i]);
  }
  json_builder_end_object(b);
  json_builder_set_member_name(b, "by_port");
  json_builder_begin_object(b);
  for (guint i = 0; s != NULL && i < s->n_ports; i++) {
    g_autofree char *port = g_strdup_printf("0x%x", s->ports[i].first);

    json_builder_set_member_name(b, port);
    json_builder_begin_object(b);
    report_add_u64(b, "out", s->ports[i].out);
    report_add_u64(b, "in", s->ports[i].in);
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
}

void
mh_report_add_vm(MhReport *report, const MhReportVm *vm)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autofree char *image_sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                           vm->image_data,
                                                           vm->image_size);
  const MhVmStats *s = vm->stats;

  json_builder_begin_object(b);
  report_add_u64(b, "index", vm->index);
  report_add_text(b, "name", vm->name);
  json_builder_set_member_name(b, "image");
  json_builder_begin_object(b);
  report_add_text(b, "path", vm->image_path);
  report_add_string(b, "sha256", image_sha);
  json_builder_end_object(b);
  report_add_u64(b, "memory_mb", vm->memory_mb);
  report_add_u64(b, "page_size", vm->page_size);
  report_add_string(b, "outcome", mh_ending(vm->outcome)->name);
  report_add_diagnosis(b, vm);
  report_add_exits(b, s);
  report_add_double(b, "wall_seconds", s ? s->wall_seconds : 0);
  report_add_double(b, "cpu_seconds", s ? s->cpu_seconds : 0);
  json_builder_set_member_name(b, "console");
  json_builder_begin_object(b);
  report_add_u64(b, "bytes_out", s ? s->console_out : 0);
  report_add_u64(b, "bytes_in", s ? s->console_in : 0);
  json_builder_end_object(b);
  report_add_files(b, vm->files_dir, report->config->quota);
  json_builder_end_object(b);
  g_ptr_array_add(report->vms, json_builder_get_root(b));
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
report_add_strv(JsonBuilder *b, const char *member, GStrv strv)
{
  json_builder_set_member_name(b, member);
  json_builder_begin_array(b);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++) {
    g_autofree char *valid = report_text(strv[i]);
    json_builder_add_string_value(b, valid);
  }
  json_builder_end_array(b);
}

/* RFC 8259 section 7: every character below U+0020 is escaped in a
 * string.  json-glib 1.6's generator misses U+001F (it escapes only
 * below it), so a file or image name with that byte made a report that
 * strict parsers (Python's json) refuse.  Outside strings the generator
 * writes no control character but the newlines of its layout, so every
 * other one is inside a string and is escaped here.  Takes @json. */
static char *
report_escape_controls(char *json)
{
  GString *out;

  if (json == NULL)
    return NULL;
  for (const char *p = json; *p != '\0'; p++)
    if ((guchar)*p < 0x20 && *p != '\n')
      goto escape;
  return json;
escape:
  out = g_string_sized_new(strlen(json) + 16);
  for (const char *p = json; *p != '\0'; p++) {
    if ((guchar)*p < 0x20 && *p != '\n')
      g_string_append_printf(out, "\\u%04x", (guchar)*p);
    else
      g_string_append_c(out, *p);
  }
  g_free(json);
  return g_string_free(out, FALSE);
}

char *
mh_report_to_json(MhReport *report, int exit_status)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *start = g_date_time_format_iso8601(report->start);
  const MhConfig *c = report->config;

  json_builder_begin_object(b);
  report_add_string(b, "schema", MH_REPORT_SCHEMA);
  report_add_u64(b, "version", MH_REPORT_VERSION);
  json_builder_set_member_name(b, "tool");
  json_builder_begin_object(b);
  report_add_string(b, "name", "mini_hypervisor");
  report_add_string(b, "version", PACKAGE_VERSION);
  json_builder_end_object(b);
  report_add_strv(b, "argv", c->argv);

  json_builder_set_member_name(b, "options");
  json_builder_begin_object(b);
  report_add_u64(b, "memory_mb", c->memory_mb);
  report_add_u64(b, "page_size", c->page_size);
  report_add_double(b, "timeout", c->timeout);
  report_add_double(b, "cpu_limit", c->cpu_limit);
  report_add_u64(b, "output_limit", c->output_limit);
  report_add_u64(b, "quota", c->quota);
  report_add_u64(b, "max_open", c->max_open);
  report_add_string(b, "sandbox", report_sandbox_name(c->sandbox));
  report_add_strv(b, "files", c->files);
  report_add_text(b, "output_dir", c->output_dir);
  json_builder_end_object(b);

  report_add_string(b, "start_time", start);
  report_add_double(b, "wall_seconds",
                    (g_get_monotonic_time() - report->start_us) /
                      (gdouble)G_USEC_PER_SEC);
  report_add_u64(b, "exit_status", (guint64)exit_status);
  json_builder_set_member_name(b, "vms");
  json_builder_begin_array(b);
  for (guint i = 0; i < report->vms->len; i++)
    json_builder_add_value(b, json_node_copy(report->vms->pdata[i]));
  json_builder_end_array(b);
  json_builder_end_object(b);

  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  return report_escape_controls(json_generator_to_data(gen, NULL));
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
