/* SPDX-License-Identifier: MIT */
/* cli.c - command line parsing (GOptionContext) and value validation. */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "joblist.h"
#include "mh_abi.h"
#include "text.h"

/* The messages, --help and mini_hypervisor(1) spell the RAM sizes out as
 * "2, 4 or 8": they must change with the ABI's limits. */
G_STATIC_ASSERT(MH_RAM_MB_MIN == 2 && MH_RAM_MB_MAX == 8);
G_STATIC_ASSERT(MH_DEFAULT_MEMORY_MB >= MH_RAM_MB_MIN &&
                MH_DEFAULT_MEMORY_MB <= MH_RAM_MB_MAX);

/* Strips an optional unit suffix (case-insensitive) from @text into
 * @number; returns FALSE if the suffix is not one of @suffixes. */
static gboolean
cli_split_unit(const char *text, char *number, gsize size,
               const char *const *suffixes)
{
  gsize digits = strspn(text, "0123456789");

  if (digits == 0 || digits >= size)
    return FALSE;
  memcpy(number, text, digits);
  number[digits] = '\0';
  if (text[digits] == '\0')
    return TRUE;
  for (const char *const *s = suffixes; *s; s++)
    if (g_ascii_strcasecmp(text + digits, *s) == 0)
      return TRUE;
  return FALSE;
}

gboolean
mh_cli_parse_memory(const char *text, guint *mb, GError **error)
{
  static const char *const units[] = {"M", "MB", "MiB", NULL};
  char number[8];

  if (cli_split_unit(text, number, sizeof number, units)) {
    guint64 value = g_ascii_strtoull(number, NULL, 10);
    /* The ABI's sizes: every power of two from its minimum to maximum. */
    if (value >= MH_RAM_MB_MIN && value <= MH_RAM_MB_MAX &&
        (value & (value - 1)) == 0) {
      *mb = (guint)value;
      return TRUE;
    }
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid --memory value '%s': must be 2, 4 or 8 (MB of guest RAM)",
              text);
  return FALSE;
}

gboolean
mh_cli_parse_page(const char *text, guint64 *size, GError **error)
{
  static const char *const units_k[] = {"K", "KB", "KiB", NULL};
  static const char *const units_m[] = {"M", "MB", "MiB", NULL};
  char number[8];

  if (cli_split_unit(text, number, sizeof number, units_k) &&
      strcmp(number, "4") == 0) {
    *size = 4096;
    return TRUE;
  }
  if (cli_split_unit(text, number, sizeof number, units_m) &&
      strcmp(number, "2") == 0) {
    *size = 2u << 20;
    return TRUE;
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid --page value '%s': must be 4 (4 KB pages) or 2 (2 MB pages)",
              text);
  return FALSE;
}

/* A number of seconds for @option: greater than 0, at most 1e7. */
static gboolean
cli_parse_seconds(const char *option, const char *text, gdouble *seconds,
                  GError **error)
{
  char *end = NULL;
  gdouble value;

  errno = 0;
  value = g_ascii_strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(value > 0) ||
      value > 1e7) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "invalid %s value '%s': must be a number of seconds "
                "greater than 0",
                option, text);
    return FALSE;
  }
  *seconds = value;
  return TRUE;
}

gboolean
mh_cli_parse_timeout(const char *text, gdouble *seconds, GError **error)
{
  return cli_parse_seconds("--timeout", text, seconds, error);
}

gboolean
mh_cli_parse_cpu_limit(const char *text, gdouble *seconds, GError **error)
{
  return cli_parse_seconds("--cpu-limit", text, seconds, error);
}

gboolean
mh_cli_parse_max_open(const char *text, guint *n, GError **error)
{
  guint64 value;

  if (g_ascii_string_to_unsigned(text, 10, 1, MH_MAX_OPEN_LIMIT, &value,
                                 NULL)) {
    *n = (guint)value;
    return TRUE;
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid --max-open value '%s': must be a number from 1 to %u",
              text, MH_MAX_OPEN_LIMIT);
  return FALSE;
}

/* A size in bytes for @option, with an optional K, M or G suffix. */
static gboolean
cli_parse_size(const char *option, const char *text, guint64 *bytes,
               GError **error)
{
  static const struct {
    const char *suffix;
    guint shift;
  } units[] = {
    {"", 0},    {"K", 10},   {"KB", 10}, {"KiB", 10}, {"M", 20},
    {"MB", 20}, {"MiB", 20}, {"G", 30},  {"GB", 30},  {"GiB", 30},
  };
  gsize digits = strspn(text, "0123456789");
  char number[21];

  if (digits > 0 && digits < sizeof number) {
    guint64 value;
    memcpy(number, text, digits);
    number[digits] = '\0';
    value = g_ascii_strtoull(number, NULL, 10);
    for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
      if (g_ascii_strcasecmp(text + digits, units[i].suffix) == 0 &&
          value <= (G_MAXUINT64 >> 1) >> units[i].shift) {
        *bytes = value << units[i].shift;
        return TRUE;
      }
    }
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid %s value '%s': must be a size in bytes, with an "
              "optional K, M or G suffix",
              option, text);
  return FALSE;
}

gboolean
mh_cli_parse_quota(const char *text, guint64 *bytes, GError **error)
{
  return cli_parse_size("--quota", text, bytes, error);
}

gboolean
mh_cli_parse_output_limit(const char *text, guint64 *bytes, GError **error)
{
  if (!cli_parse_size("--output-limit", text, bytes, error))
    return FALSE;
  if (*bytes == 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "invalid --output-limit value '%s': must be at least 1 byte",
                text);
    return FALSE;
  }
  return TRUE;
}

gboolean
mh_cli_parse_sandbox(const char *text, MhSandboxMode *mode, GError **error)
{
  static const struct {
    const char *name;
    MhSandboxMode mode;
  } modes[] = {
    {"on", MH_SANDBOX_ON},
    {"off", MH_SANDBOX_OFF},
    {"strict", MH_SANDBOX_STRICT},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(modes); i++) {
    if (strcmp(text, modes[i].name) == 0) {
      *mode = modes[i].mode;
      return TRUE;
    }
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid --sandbox value '%s': must be on, off or strict", text);
  return FALSE;
}

gboolean
mh_cli_parse_gdb(const char *text, MhConfig *config, GError **error)
{
  const char *colon;
  guint64 port;

  g_clear_pointer(&config->gdb_host, g_free);
  g_clear_pointer(&config->gdb_path, g_free);
  if (g_str_has_prefix(text, "unix:") && text[5] != '\0') {
    config->gdb_path = g_strdup(text + 5);
    config->gdb = TRUE;
    return TRUE;
  }
  /* tcp:HOST:PORT, the host maybe empty or in brackets (IPv6). */
  colon = strrchr(text, ':');
  if (g_str_has_prefix(text, "tcp:") && colon != NULL && colon > text + 3 &&
      g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
    const char *host = text + 4;
    gsize len = (gsize)(colon - host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
      host++;
      len -= 2;
    }
    config->gdb_host = len > 0 ? g_strndup(host, len) : NULL;
    config->gdb_port = (guint)port;
    config->gdb = TRUE;
    return TRUE;
  }
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid --gdb value '%s': must be tcp:[HOST]:PORT or "
              "unix:PATH",
              text);
  return FALSE;
}

gboolean
mh_cli_parse_trace_limit(const char *text, guint64 *bytes, GError **error)
{
  /* The sizes --quota takes, but not 0. */
  if (mh_cli_parse_quota(text, bytes, NULL) && *bytes > 0)
    return TRUE;
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
              "invalid --trace-limit value '%s': must be a size in bytes "
              "greater than 0, with an optional K, M or G suffix",
              text);
  return FALSE;
}

/* Whether @text (the part after the last ':' of a -g value) has the form
 * of settings: empty, or KEY=VALUE items with KEY m or p, by commas. */
static gboolean
cli_looks_like_settings(const char *text)
{
  g_auto(GStrv) items = NULL;

  if (text[0] == '\0')
    return TRUE;
  items = g_strsplit(text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    if (!(g_str_has_prefix(items[i], "m=") || g_str_has_prefix(items[i], "p=")))
      return FALSE;
  return TRUE;
}

gboolean
mh_cli_split_guest(const char *text, char **path, MhGuestSettings *settings,
                   GError **error)
{
  const char *colon = strrchr(text, ':');
  g_auto(GStrv) items = NULL;

  memset(settings, 0, sizeof *settings);
  if (colon == NULL || !cli_looks_like_settings(colon + 1)) {
    *path = g_strdup(text);
    return TRUE;
  }
  items = colon[1] != '\0' ? g_strsplit(colon + 1, ",", -1) : g_new0(char *, 1);
  for (guint i = 0; items[i] != NULL; i++) {
    const char *value = items[i] + 2;
    gboolean ok;

    if (items[i][0] == 'm') {
      ok = settings->memory_mb == 0 &&
           mh_cli_parse_memory(value, &settings->memory_mb, error);
    } else {
      ok = settings->page_size == 0 &&
           mh_cli_parse_page(value, &settings->page_size, error);
    }
    if (!ok) {
      g_autofree char *safe = mh_text_escape(text);
      if (error != NULL && *error == NULL)
        g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "'%c=' given twice",
                    items[i][0]);
      g_prefix_error(error, "in -g '%s': ", safe);
      return FALSE;
    }
  }
  *path = g_strndup(text, (gsize)(colon - text));
  if (**path == '\0') {
    g_autofree char *safe = mh_text_escape(text);
    g_clear_pointer(path, g_free);
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "in -g '%s': no image before the ':'", safe);
    return FALSE;
  }
  return TRUE;
}

/* The options that take one or more values: "-g a b c". */
static const char *
cli_multi_option(const char *arg)
{
  static const char *const names[] = {"-g", "--guest", "-f", "--file", NULL};

  for (const char *const *n = names; *n; n++) {
    gsize len = strlen(*n);
    if (strcmp(arg, *n) == 0 || (strncmp(arg, "--", 2) == 0 &&
                                 strncmp(arg, *n, len) == 0 && arg[len] == '='))
      return *n;
  }
  return NULL;
}

GStrv
mh_cli_expand_multi(int argc, char **argv)
{
  g_autoptr(GStrvBuilder) out = g_strv_builder_new();
  gboolean positional = FALSE;

  for (int i = 0; i < argc; i++) {
    const char *name;

    g_strv_builder_add(out, argv[i]);
    if (i == 0 || positional)
      continue;
    if (strcmp(argv[i], "--") == 0) {
      positional = TRUE;
      continue;
    }
    name = cli_multi_option(argv[i]);
    if (name == NULL)
      continue;
    /* "-g a": the value is the next word, which GOption consumes. */
    if (strchr(argv[i], '=') == NULL && i + 1 < argc && argv[i + 1][0] != '-')
      g_strv_builder_add(out, argv[++i]);
    /* Every further word up to the next option is one more value. */
    while (i + 1 < argc && argv[i + 1][0] != '-') {
      g_strv_builder_add(out, name);
      g_strv_builder_add(out, argv[++i]);
    }
  }
  return g_strv_builder_end(out);
}

typedef struct {
  MhConfig *config;
} CliState;

gboolean
mh_cli_parse_parallel(const char *text, guint *n, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned(text, 10, 1, MH_PARALLEL_MAX, &value, NULL)) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "invalid --parallel value '%s': must be a number of VMs from "
                "1 to %u",
                text, MH_PARALLEL_MAX);
    return FALSE;
  }
  *n = (guint)value;
  return TRUE;
}

/* A file name that looks like an option is a missing value. */
static gboolean
cli_check_value(const char *option, const char *value, GError **error)
{
  if (value[0] == '\0') {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "empty file name given to %s",
                option);
    return FALSE;
  }
  if (value[0] == '-') {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "missing file name after %s (got '%s'; for a file whose name "
                "starts with '-', write ./%s)",
                option, value, value);
    return FALSE;
  }
  return TRUE;
}

/* One callback for every option whose value needs parsing: GOption gives
 * the name as typed ("-m" or "--memory"). */
static gboolean
cli_on_value(const char *name, const char *value, gpointer data, GError **error)
{
  MhConfig *c = ((CliState *)data)->config;
  const char *long_name = name + strspn(name, "-");

  if (strcmp(name, "-m") == 0 || strcmp(long_name, "memory") == 0)
    return mh_cli_parse_memory(value, &c->memory_mb, error);
  if (strcmp(name, "-p") == 0 || strcmp(long_name, "page") == 0)
    return mh_cli_parse_page(value, &c->page_size, error);
  if (strcmp(long_name, "max-open") == 0)
    return mh_cli_parse_max_open(value, &c->max_open, error);
  if (strcmp(long_name, "quota") == 0)
    return mh_cli_parse_quota(value, &c->quota, error);
  if (strcmp(long_name, "sandbox") == 0)
    return mh_cli_parse_sandbox(value, &c->sandbox, error);
  if (strcmp(long_name, "gdb") == 0)
    return mh_cli_parse_gdb(value, c, error);
  if (strcmp(long_name, "gdb-vm") == 0) {
    guint64 n;
    if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT, &n, NULL)) {
      c->gdb_vm = (gint)n;
      return TRUE;
    }
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "invalid --gdb-vm value '%s': must be a VM number from 0",
                value);
    return FALSE;
  }
  if (strcmp(long_name, "trace-limit") == 0) {
    c->trace_limit_given = TRUE;
    return mh_cli_parse_trace_limit(value, &c->trace_limit, error);
  }
  if (strcmp(long_name, "cpu-limit") == 0)
    return mh_cli_parse_cpu_limit(value, &c->cpu_limit, error);
  if (strcmp(long_name, "output-limit") == 0)
    return mh_cli_parse_output_limit(value, &c->output_limit, error);
  if (strcmp(long_name, "parallel") == 0)
    return mh_cli_parse_parallel(value, &c->parallel, error);
  g_assert(strcmp(long_name, "timeout") == 0);
  return mh_cli_parse_timeout(value, &c->timeout, error);
}

static const char cli_description[] =
  "Runs each guest image as its own virtual machine (one vCPU, 64-bit long\n"
  "mode) in its own thread.  A guest writes to and reads from the console on\n"
  "port 0xE9 and ends by executing hlt.\n"
  "\n"
  "Examples:\n"
  "  mini_hypervisor --memory 4 --page 2 --guest guest.img\n"
  "  mini_hypervisor -m 4 -p 2 -g guest1.img guest2.img\n"
  "  mini_hypervisor -m 4 -p 2 -g guest1.img guest2.img -f ./flowers.png\n"
  "  mini_hypervisor --jobs jobs.jsonl --report results.jsonl\n"
  "\n"
  "Exit status: 0 if every VM halted, 1 if a guest failed, 2 for a usage\n"
  "error, 3 if --timeout or a limit stopped a VM, 4 for a host error,\n"
  "128+N when stopped by signal N.\n"
  "See mini_hypervisor(1), mini_hypervisor-report(5) and\n"
  "mini_hypervisor-abi(7).";

static void
cli_set_defaults(MhConfig *config)
{
  memset(config, 0, sizeof *config);
  config->memory_mb = MH_DEFAULT_MEMORY_MB;
  config->page_size = MH_DEFAULT_PAGE_SIZE;
  config->max_open = MH_DEFAULT_MAX_OPEN;
  config->quota = MH_DEFAULT_QUOTA;
  config->sandbox = MH_SANDBOX_ON;
  config->gdb_vm = -1;
  config->trace_limit = MH_DEFAULT_TRACE_LIMIT;
}

/* The gdb options together: -s is --gdb tcp::1234; -S and --gdb-vm need
 * one of them; each VM's port fits. */
static gboolean
cli_check_gdb(MhConfig *config, GError **error)
{
  if (config->gdb_default && !config->gdb) {
    config->gdb = TRUE;
    config->gdb_port = 1234;
  }
  if (config->gdb_wait && !config->gdb) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "-S waits for gdb: give -s or --gdb too");
    return FALSE;
  }
  if (config->gdb_vm >= 0 && !config->gdb) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "--gdb-vm picks the VM gdb debugs: give -s or --gdb "
                        "too");
    return FALSE;
  }
  if (config->gdb_vm >= (gint)g_strv_length(config->guests)) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "invalid --gdb-vm value '%d': there are VMs 0 to %u only",
                config->gdb_vm, g_strv_length(config->guests) - 1);
    return FALSE;
  }
  if (config->gdb && config->gdb_path == NULL && config->gdb_vm < 0 &&
      config->gdb_port != 0 &&
      config->gdb_port + g_strv_length(config->guests) - 1 > 65535) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "--gdb port %u: VM %u would listen on port %u, past 65535 "
                "(VM N listens on PORT+N)",
                config->gdb_port, g_strv_length(config->guests) - 1,
                config->gdb_port + g_strv_length(config->guests) - 1);
    return FALSE;
  }
  return TRUE;
}

/* FALSE, with a usage error, if @value was given to @option empty (a
 * @what: "file name", "directory name"). */
static gboolean
cli_refuse_empty(const char *value, const char *what, const char *option,
                 GError **error)
{
  if (value == NULL || value[0] != '\0')
    return TRUE;
  g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "empty %s given to %s", what,
              option);
  return FALSE;
}

/* The output paths' checks and defaults, and -f's (a job list's files
 * default to them). */
static gboolean
cli_check_outputs(MhConfig *config, GError **error)
{
  if (!cli_refuse_empty(config->console_dir, "directory name", "--console-dir",
                        error) ||
      !cli_refuse_empty(config->report, "file name", "--report", error) ||
      !cli_refuse_empty(config->output_dir, "directory name", "-o/--output-dir",
                        error))
    return FALSE;
  if (config->files == NULL)
    config->files = g_new0(char *, 1);
  if (config->output_dir == NULL)
    config->output_dir = g_strdup(MH_DEFAULT_OUTPUT_DIR);
  return TRUE;
}

/* --jobs: the list read and checked whole (joblist.h), against the run's
 * values; each job's image, memory and page size become a guest's, in
 * the list's order, so that the run loads and builds them as it does
 * -g's.  What a job list cannot do is refused here. */
static gboolean
cli_check_jobs(MhConfig *config, GError **error)
{
  MhJobList *list;
  guint n;

  if (config->guests != NULL) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "--jobs and -g/--guest exclude each other (the job "
                        "list names each job's image)");
    return FALSE;
  }
  if (config->gdb || config->gdb_default || config->gdb_wait ||
      config->gdb_vm >= 0 || config->trace_path != NULL) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "--jobs runs no debugger and no trace: debug one job "
                        "with -g and --gdb or --trace");
    return FALSE;
  }
  if (!cli_refuse_empty(config->jobs_path, "file name", "--jobs", error))
    return FALSE;
  /* Each job's console is kept in memory for its result. */
  if (config->output_limit == 0)
    config->output_limit = MH_JOB_OUTPUT_LIMIT;
  list = mh_job_list_load(config->jobs_path, config, error);
  if (list == NULL)
    return FALSE;
  config->job_list = list;
  n = list->jobs->len; /* at least one (joblist.c refuses an empty list) */
  config->guests = g_new0(char *, n + 1);
  config->guest_settings = g_new0(MhGuestSettings, n);
  for (guint i = 0; i < n; i++) {
    const MhJob *job = list->jobs->pdata[i];
    config->guests[i] = g_strdup(job->image);
    config->guest_settings[i].memory_mb = job->memory_mb;
    config->guest_settings[i].page_size = job->page_size;
  }
  if (config->parallel == 0)
    config->parallel = (guint)CLAMP(g_get_num_processors(), 1,
                                    (gint)MH_PARALLEL_MAX);
  config->parallel = MIN(config->parallel, n);
  return TRUE;
}

/* What GOption cannot check: values it took for options, leftover
 * words, the guests' own settings, empty paths, defaults. */
static gboolean
cli_check(MhConfig *config, GStrv args, GError **error)
{
  /* "-g -f x": GOption took "-f" as the image name. */
  for (GStrv list = config->guests; list && *list; list++)
    if (!cli_check_value("-g/--guest", *list, error))
      return FALSE;
  for (GStrv list = config->files; list && *list; list++)
    if (!cli_check_value("-f/--file", *list, error))
      return FALSE;
  if (config->trace_path != NULL &&
      !cli_check_value("--trace", config->trace_path, error))
    return FALSE;
  if (config->trace_limit_given && config->trace_path == NULL) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "--trace-limit needs --trace FILE");
    return FALSE;
  }
  /* Leftover words: a stray "--" or a value GOption did not take. */
  for (guint i = 1; args[i] != NULL; i++) {
    if (strcmp(args[i], "--") == 0)
      continue;
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "unexpected argument '%s' (guest images follow -g/--guest)",
                args[i]);
    return FALSE;
  }
  if (config->parallel != 0 && config->jobs_path == NULL) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "--parallel sets how many jobs of --jobs run at once: "
                        "give --jobs FILE too");
    return FALSE;
  }
  if (!cli_check_outputs(config, error))
    return FALSE;
  if (config->jobs_path != NULL)
    return cli_check_jobs(config, error);
  if (config->guests == NULL || config->guests[0] == NULL) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_USAGE,
                        "no guest image given: use -g/--guest IMAGE... (or "
                        "--jobs FILE)");
    return FALSE;
  }
  if (!cli_check_gdb(config, error))
    return FALSE;
  /* Each image's own settings, or -m and -p. */
  config->guest_settings = g_new0(MhGuestSettings,
                                  g_strv_length(config->guests));
  for (guint i = 0; config->guests[i] != NULL; i++) {
    MhGuestSettings *gs = &config->guest_settings[i];
    char *path = NULL;

    if (!mh_cli_split_guest(config->guests[i], &path, gs, error))
      return FALSE;
    g_free(config->guests[i]);
    config->guests[i] = path;
    if (gs->memory_mb == 0)
      gs->memory_mb = config->memory_mb;
    if (gs->page_size == 0)
      gs->page_size = config->page_size;
  }
  return TRUE;
}

/* The options of the machine, its files and its limits. */
static void
cli_add_run_options(GOptionGroup *group, MhConfig *config)
{
  /* G_OPTION_FLAG_FILENAME on the callbacks: GOption passes their values
   * as given, rather than failing on one that is not valid text in the
   * locale with a message that names no option; the parsers reject such
   * a value themselves, naming it. */
  const GOptionEntry entries[] = {
    {"memory", 'm', G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value, "Guest RAM in MB: 2, 4 or 8 (default 4)", "MB"},
    {"page", 'p', G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Page size of the guest's identity map: 4 (4 KB) or 2 (2 MB) (default 2)",
     "SIZE"},
    {"guest", 'g', 0, G_OPTION_ARG_FILENAME_ARRAY, &config->guests,
     "Guest image(s) to run, one VM each (or --jobs); IMAGE:m=MB,p=SIZE "
     "gives one its own memory and page size",
     "IMAGE..."},
    {"file", 'f', 0, G_OPTION_ARG_FILENAME_ARRAY, &config->files,
     "Host file(s) shared with every VM (a VM that writes one gets its own copy)",
     "FILE..."},
    {"output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &config->output_dir,
     "Where VMs' own files go, one directory per run (default " MH_DEFAULT_OUTPUT_DIR
     ")",
     "DIR"},
    {"max-open", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value, "Files a VM may have open at once (default 32)",
     "N"},
    {"quota", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Bytes a VM may write, copies of shared files included (default 64M)",
     "SIZE"},
    {"sandbox", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Confine the threads that serve guests: on, off or strict (default on)",
     "MODE"},
    {"timeout", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Stop VMs still running after SECONDS (exit status 3)", "SECONDS"},
    {"cpu-limit", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Stop a VM whose vCPU thread used SECONDS of CPU time", "SECONDS"},
    {"output-limit", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Stop a VM that writes more than SIZE console bytes (the first SIZE are kept)",
     "SIZE"},
    {"console-dir", 0, 0, G_OPTION_ARG_FILENAME, &config->console_dir,
     "Also write each VM's console, untagged, to its own file in DIR "
     "(vmN-IMAGE.console)",
     "DIR"},
    {"report", 0, 0, G_OPTION_ARG_FILENAME, &config->report,
     "Write a JSON report of the run to FILE ('-': standard output, the "
     "console then goes to standard error); with --jobs, the results",
     "FILE"},
    {"jobs", 0, 0, G_OPTION_ARG_FILENAME, &config->jobs_path,
     "Run the jobs of FILE ('-': standard input), JSON Lines, one guest run "
     "each; their results as JSON Lines to --report or standard output",
     "FILE"},
    {"parallel", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Jobs of --jobs run at once (default: the CPUs available)", "N"},
    G_OPTION_ENTRY_NULL,
  };

  g_option_group_add_entries(group, entries); /* (GOption copies them) */
}

/* The options of debugging and of what a run says about itself. */
static void
cli_add_debug_options(GOptionGroup *group, MhConfig *config)
{
  const GOptionEntry entries[] = {
    {"gdb", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Listen for gdb on tcp:[HOST]:PORT (loopback unless HOST is given) or "
     "unix:PATH; VM N listens on PORT+N (PATH.N)",
     "DEV"},
    {"gdb-vm", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value, "Debug only VM N, on PORT (PATH) itself", "N"},
    {"gdb-default", 's', 0, G_OPTION_ARG_NONE, &config->gdb_default,
     "Shorthand for --gdb tcp::1234", NULL},
    {"gdb-wait", 'S', 0, G_OPTION_ARG_NONE, &config->gdb_wait,
     "Do not run the guest until gdb continues it (with --gdb or -s)", NULL},
    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &config->trace_path,
     "Write every VM exit to FILE as Chrome trace-event JSON (Perfetto, "
     "chrome://tracing)",
     "FILE"},
    {"trace-limit", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK,
     (gpointer)cli_on_value,
     "Bytes of --trace records per VM; later exits are not recorded "
     "(default 64M)",
     "SIZE"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &config->verbose,
     "Describe the machine built and print exit statistics", NULL},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &config->version,
     "Print the version and exit", NULL},
    G_OPTION_ENTRY_NULL,
  };

  g_option_group_add_entries(group, entries);
}

/* The options, as GOption takes them: values that need checking go
 * through cli_on_value() (with @state), the others straight into
 * @config. */
static GOptionGroup *
cli_option_group(MhConfig *config, CliState *state)
{
  GOptionGroup *group = g_option_group_new(NULL, NULL, NULL, state, NULL);

  cli_add_run_options(group, config);
  cli_add_debug_options(group, config);
  return group;
}

gboolean
mh_cli_parse(int argc, char **argv, MhConfig *config, gboolean *exit_now,
             GError **error)
{
  CliState state = {config};
  g_auto(GStrv) args = NULL;
  g_autoptr(GOptionContext) context = NULL;

  cli_set_defaults(config);
  *exit_now = FALSE;

  context = g_option_context_new("- run tiny 64-bit guests on KVM");
  g_option_context_set_description(context, cli_description);
  g_option_context_set_main_group(context, cli_option_group(config, &state));

  config->argv = g_new0(char *, argc + 1);
  for (int i = 0; i < argc; i++)
    config->argv[i] = g_strdup(argv[i]);
  args = mh_cli_expand_multi(argc, argv);
  /* GOption prints --help itself and exits 0, before any VM exists. */
  if (!g_option_context_parse_strv(context, &args, error)) {
    mh_cli_clear(config);
    return FALSE;
  }
  if (config->version) {
    /* The caller prints the version and exits: it needs nothing else. */
    mh_cli_clear(config);
    *exit_now = TRUE;
    return TRUE;
  }
  if (!cli_check(config, args, error))
    goto fail;
  return TRUE;

fail:
  mh_cli_clear(config);
  return FALSE;
}

void
mh_cli_clear(MhConfig *config)
{
  g_clear_pointer(&config->guests, g_strfreev);
  g_clear_pointer(&config->files, g_strfreev);
  g_clear_pointer(&config->output_dir, g_free);
  g_clear_pointer(&config->gdb_host, g_free);
  g_clear_pointer(&config->gdb_path, g_free);
  g_clear_pointer(&config->trace_path, g_free);
  g_clear_pointer(&config->report, g_free);
  g_clear_pointer(&config->argv, g_strfreev);
  g_clear_pointer(&config->guest_settings, g_free);
  g_clear_pointer(&config->console_dir, g_free);
  g_clear_pointer(&config->jobs_path, g_free);
  g_clear_pointer(&config->job_list, mh_job_list_free);
}
