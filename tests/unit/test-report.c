/* SPDX-License-Identifier: MIT */
/* Units for the report: exit statuses and their precedence, outcome
 * names, the --cpu-limit and --output-limit parsers, and the JSON
 * document built from a run (read back with json-glib). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cli.h"
#include "ending.h"
#include "error.h"
#include "report.h"
#include "unit-main.h"

static void
test_outcomes(void)
{
  static const struct {
    MhOutcome outcome;
    const char *name;
    int status;
  } cases[] = {
    {MH_OUTCOME_HALTED, "halted", 0},
    {MH_OUTCOME_GUEST_FAULT, "guest-fault", 1},
    {MH_OUTCOME_BAD_IO, "bad-io", 1},
    {MH_OUTCOME_TIMEOUT, "timeout", 3},
    {MH_OUTCOME_CPU_LIMIT, "cpu-limit", 3},
    {MH_OUTCOME_OUTPUT_LIMIT, "output-limit", 3},
    {MH_OUTCOME_SIGNAL, "signal", 128},
    {MH_OUTCOME_HOST_ERROR, "host-error", 4},
  };

  G_STATIC_ASSERT(G_N_ELEMENTS(cases) == MH_OUTCOME_COUNT);
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    const MhEnding *e = mh_ending(cases[i].outcome);
    g_assert_cmpint(e->outcome, ==, cases[i].outcome);
    g_assert_cmpstr(e->name, ==, cases[i].name);
    g_assert_cmpint(e->exit_status, ==, cases[i].status);
    /* A stop ends the VM with the outcome its row names. */
    if (e->stop != MH_STOP_NONE)
      g_assert_true(mh_ending_of_stop(e->stop) == e);
  }
}

static void
test_exit_precedence(void)
{
  /* signal > host error > guest failure > limit > success */
  static const int order[] = {MH_EXIT_OK, MH_EXIT_LIMIT, MH_EXIT_GUEST,
                              MH_EXIT_HOST, MH_EXIT_SIGNAL + 15};

  for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
    for (gsize j = 0; j < G_N_ELEMENTS(order); j++) {
      int want = order[MAX(i, j)];
      g_assert_cmpint(mh_exit_status_worst(order[i], order[j]), ==, want);
    }
  }
  g_assert_cmpint(mh_exit_status_worst(MH_EXIT_SIGNAL + 13, MH_EXIT_HOST), ==,
                  141);
}

static void
test_error_status(void)
{
  g_autoptr(GError) usage = g_error_new(MH_ERROR, MH_ERROR_USAGE, "u");
  g_autoptr(GError) host = g_error_new(MH_ERROR, MH_ERROR_HOST, "h");
  g_autoptr(GError) guest = g_error_new(MH_ERROR, MH_ERROR_GUEST, "g");

  g_assert_cmpint(mh_error_exit_status(NULL), ==, 0);
  g_assert_cmpint(mh_error_exit_status(usage), ==, 2);
  g_assert_cmpint(mh_error_exit_status(host), ==, 4);
  g_assert_cmpint(mh_error_exit_status(guest), ==, 1);
}

static void
test_limit_values(void)
{
  static const char *const bad_seconds[] = {"", "0", "-1", "x", "1e8", "nan"};
  static const char *const bad_sizes[] = {"", "0", "-1", "1X", "K", "1 K"};
  gdouble seconds = 0;
  guint64 bytes = 0;

  g_assert_true(mh_cli_parse_cpu_limit("0.25", &seconds, NULL));
  g_assert_cmpfloat(seconds, ==, 0.25);
  for (gsize i = 0; i < G_N_ELEMENTS(bad_seconds); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(mh_cli_parse_cpu_limit(bad_seconds[i], &seconds, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "--cpu-limit"));
  }
  g_assert_true(mh_cli_parse_output_limit("1", &bytes, NULL));
  g_assert_cmpuint(bytes, ==, 1);
  g_assert_true(mh_cli_parse_output_limit("4K", &bytes, NULL));
  g_assert_cmpuint(bytes, ==, 4096);
  for (gsize i = 0; i < G_N_ELEMENTS(bad_sizes); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(mh_cli_parse_output_limit(bad_sizes[i], &bytes, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "--output-limit"));
  }
}

static void
test_parse_report_options(void)
{
  char *argv[] = {"mh",          "--report", "-",
                  "--cpu-limit", "2",        "--output-limit",
                  "1M",          "-g",       "a.img",
                  NULL};
  g_autoptr(GError) error = NULL;
  MhConfig config;
  gboolean exit_now;

  g_assert_true(mh_cli_parse(9, argv, &config, &exit_now, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(config.report, ==, "-");
  g_assert_cmpfloat(config.cpu_limit, ==, 2);
  g_assert_cmpuint(config.output_limit, ==, 1u << 20);
  g_assert_cmpuint(g_strv_length(config.argv), ==, 9);
  g_assert_cmpstr(config.argv[2], ==, "-");
  mh_cli_clear(&config);
}

/* A report of one faulting VM, read back: every field where the schema
 * puts it, numbers as integers. */
static void
test_document(void)
{
  char *argv[] = {"mh", "--report", "x.json", "-g", "a.img", NULL};
  static const guint8 image[] = {0xf4};
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(MhReport) report = NULL;
  g_autofree char *json = NULL;
  MhConfig config;
  gboolean exit_now;
  JsonObject *root, *vm, *diag, *exits;
  MhDiagnosis d = {
    .outcome = MH_OUTCOME_GUEST_FAULT,
    .has = MH_DIAG_RIP | MH_DIAG_CR2 | MH_DIAG_VECTOR | MH_DIAG_ERROR_CODE,
    .rip = 0x3c,
    .cr2 = 0x400000,
    .vector = 14,
    .error_code = 2,
  };
  MhVmStats stats = {
    .exits_total = 5,
    .n_ports = 1,
    .console_out = 7,
    .console_in = 1,
    .wall_seconds = 0.5,
    .cpu_seconds = 0.25,
  };
  MhReportVm entry = {
    .index = 0,
    .name = "vm 0 (a.img)",
    .image_path = "a.img",
    .image_data = image,
    .image_size = sizeof image,
    .memory_mb = 4,
    .page_size = 4096,
    .outcome = MH_OUTCOME_GUEST_FAULT,
    .diagnosis = &d,
    .message = "page fault",
    .stats = &stats,
    .files_dir = NULL,
  };

  stats.exits[2] = 4; /* KVM_EXIT_IO */
  stats.exits[5] = 1; /* KVM_EXIT_HLT */
  stats.ports[0].first = 0xe9;
  stats.ports[0].out = 4;
  g_assert_true(mh_cli_parse(5, argv, &config, &exit_now, &error));
  report = mh_report_new(&config);
  mh_report_add_vm(report, &entry);
  json = mh_report_to_json(report, 1);
  g_assert_true(json_parser_load_from_data(parser, json, -1, &error));
  g_assert_no_error(error);

  root = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(root, "schema"), ==,
                  "mini_hypervisor-report");
  g_assert_cmpint(json_object_get_int_member(root, "version"), ==, 1);
  g_assert_cmpint(json_object_get_int_member(root, "exit_status"), ==, 1);
  g_assert_cmpuint(json_array_get_length(
                     json_object_get_array_member(root, "argv")),
                   ==, 5);
  g_assert_cmpint(
    json_object_get_int_member(json_object_get_object_member(root, "options"),
                               "memory_mb"),
    ==, 4);

  vm = json_array_get_object_element(json_object_get_array_member(root, "vms"),
                                     0);
  g_assert_cmpstr(json_object_get_string_member(vm, "outcome"), ==,
                  "guest-fault");
  g_assert_cmpint(json_object_get_int_member(vm, "page_size"), ==, 4096);
  /* sha256 of the single byte 0xf4 */
  g_assert_cmpstr(
    json_object_get_string_member(json_object_get_object_member(vm, "image"),
                                  "sha256"),
    ==, "2017ff3461395672aa0aa4f64894fd2f95a4b120e2690e8951656d79adc2eed2");
  diag = json_object_get_object_member(vm, "diagnosis");
  g_assert_cmpstr(json_object_get_string_member(diag, "message"), ==,
                  "page fault");
  g_assert_cmpint(json_node_get_value_type(json_object_get_member(diag, "rip")),
                  ==, G_TYPE_INT64);
  g_assert_cmpint(json_object_get_int_member(diag, "rip"), ==, 0x3c);
  g_assert_cmpint(json_object_get_int_member(diag, "cr2"), ==, 0x400000);
  g_assert_cmpint(json_object_get_int_member(diag, "vector"), ==, 14);
  g_assert_cmpint(json_object_get_int_member(diag, "error_code"), ==, 2);
  g_assert_false(json_object_has_member(diag, "port"));
  g_assert_false(json_object_has_member(diag, "signal"));

  exits = json_object_get_object_member(vm, "exits");
  g_assert_cmpint(json_object_get_int_member(exits, "total"), ==, 5);
  g_assert_cmpint(json_object_get_int_member(
                    json_object_get_object_member(exits, "by_reason"), "io"),
                  ==, 4);
  g_assert_cmpint(json_object_get_int_member(
                    json_object_get_object_member(exits, "by_reason"), "hlt"),
                  ==, 1);
  g_assert_cmpint(json_object_get_int_member(
                    json_object_get_object_member(
                      json_object_get_object_member(exits, "by_port"), "0xe9"),
                    "out"),
                  ==, 4);
  g_assert_cmpint(json_object_get_int_member(
                    json_object_get_object_member(vm, "console"), "bytes_out"),
                  ==, 7);
  g_assert_cmpfloat(json_object_get_double_member(vm, "cpu_seconds"), ==, 0.25);
  g_assert_cmpuint(json_array_get_length(
                     json_object_get_array_member(vm, "files")),
                   ==, 0);
  mh_cli_clear(&config);
}

/* A halted VM has a null diagnosis; text that is not UTF-8 is made so. */
static void
test_halted_and_text(void)
{
  char *argv[] = {"mh", "--report", "x.json", "-g", "a\xff.img", NULL};
  static const guint8 image[] = {0xf4};
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(MhReport) report = NULL;
  g_autofree char *json = NULL;
  MhConfig config;
  gboolean exit_now;
  JsonObject *vm;
  MhReportVm entry = {
    .name = "vm 0 (a\\xff.img)",
    .image_path = "a\xff.img",
    .image_data = image,
    .image_size = sizeof image,
    .memory_mb = 4,
    .page_size = 2u << 20,
    .outcome = MH_OUTCOME_HALTED,
  };

  g_assert_true(mh_cli_parse(5, argv, &config, &exit_now, NULL));
  report = mh_report_new(&config);
  mh_report_add_vm(report, &entry);
  json = mh_report_to_json(report, 0);
  g_assert_true(g_utf8_validate(json, -1, NULL));
  g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
  vm = json_array_get_object_element(
    json_object_get_array_member(json_node_get_object(
                                   json_parser_get_root(parser)),
                                 "vms"),
    0);
  g_assert_true(json_object_get_null_member(vm, "diagnosis"));
  g_assert_cmpstr(json_object_get_string_member(
                    json_object_get_object_member(vm, "image"), "path"),
                  ==, "a\xef\xbf\xbd.img");
  mh_cli_clear(&config);
}

/* Every byte 0x01-0x1F and 0x7F in a name, and bytes that are not UTF-8:
 * the document stays strict JSON (no raw control character in any
 * string, RFC 8259 section 7; valid UTF-8) and reads back to the name
 * (invalid bytes as U+FFFD). */
static void
test_control_bytes(void)
{
  char *argv[] = {"mh", "--report", "x.json", "-g", "n.img", NULL};
  static const guint8 image[] = {0xf4};
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(MhReport) report = NULL;
  g_autofree char *json = NULL;
  char name[0x21 + 8];
  guint n = 0;
  MhConfig config;
  gboolean exit_now;
  JsonObject *vm;
  MhReportVm entry = {
    .name = "vm 0",
    .image_data = image,
    .image_size = sizeof image,
    .memory_mb = 4,
    .page_size = 2u << 20,
    .outcome = MH_OUTCOME_HALTED,
  };

  for (guint c = 1; c < 0x20; c++)
    name[n++] = (char)c;
  name[n++] = 0x7f;
  name[n++] = (char)0xc3; /* a truncated UTF-8 sequence */
  name[n++] = 'x';
  name[n] = '\0';
  entry.image_path = name;
  g_assert_true(mh_cli_parse(5, argv, &config, &exit_now, NULL));
  report = mh_report_new(&config);
  mh_report_add_vm(report, &entry);
  json = mh_report_to_json(report, 0);
  g_assert_true(g_utf8_validate(json, -1, NULL));
  for (const char *p = json; *p != '\0'; p++)
    if ((guchar)*p < 0x20 && *p != '\n')
      g_error("raw control byte 0x%02x at offset %zu", (guchar)*p,
              (size_t)(p - json));
  g_assert_nonnull(strstr(json, "\\u001f"));
  g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
  vm = json_array_get_object_element(
    json_object_get_array_member(json_node_get_object(
                                   json_parser_get_root(parser)),
                                 "vms"),
    0);
  name[0x20] = '\0'; /* the bytes up to 0x7f come back as they were */
  g_assert_true(
    g_str_has_prefix(json_object_get_string_member(
                       json_object_get_object_member(vm, "image"), "path"),
                     name));
  mh_cli_clear(&config);
}

/* Hashing reads regular files only, never through a link, and no more
 * than its budget: a file larger than what is left is not read. */
static void
test_sha256_file(void)
{
  g_autofree char *dir = g_dir_make_tmp("mh-report-XXXXXX", NULL);
  g_autofree char *abc = g_build_filename(dir, "abc", NULL);
  g_autofree char *link = g_build_filename(dir, "link", NULL);
  g_autofree char *sum = NULL;
  g_autoptr(GError) error = NULL;
  guint64 budget = 5;
  int dir_fd;

  g_assert_nonnull(dir);
  g_assert_true(g_file_set_contents(abc, "abc", 3, NULL));
  g_assert_cmpint(symlink("abc", link), ==, 0);
  dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
  g_assert_cmpint(dir_fd, >=, 0);
  sum = mh_report_sha256_file(dir_fd, "abc", &budget, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(
    sum, ==,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  g_assert_cmpuint(budget, ==, 2);
  /* 3 bytes with 2 left: not read, and the budget stays. */
  g_assert_null(mh_report_sha256_file(dir_fd, "abc", &budget, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_clear_error(&error);
  g_assert_cmpuint(budget, ==, 2);
  g_assert_null(mh_report_sha256_file(dir_fd, "link", NULL, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_clear_error(&error);
  g_assert_null(mh_report_sha256_file(dir_fd, ".", NULL, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_clear_error(&error);
  g_unlink(link);
  g_unlink(abc);
  g_assert_null(mh_report_sha256_file(dir_fd, "abc", NULL, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  close(dir_fd);
  g_rmdir(dir);
}

static void
test_split_guest(void)
{
  static const struct {
    const char *text, *path;
    guint mb;
    guint64 page;
  } good[] = {
    {"a.img", "a.img", 0, 0},
    {"a.img:m=8", "a.img", 8, 0},
    {"a.img:p=4", "a.img", 0, 4096},
    {"a.img:m=2,p=2", "a.img", 2, 2u << 20},
    {"dir:x/a.img", "dir:x/a.img", 0, 0},
    {"a:b.img", "a:b.img", 0, 0},
    {"x:m=8:", "x:m=8", 0, 0},
    {"a.img:", "a.img", 0, 0},
    {"a.img:q=1", "a.img:q=1", 0, 0},
    {"a.img:m=2,", "a.img:m=2,", 0, 0}, /* not the form of settings */
  };
  static const char *const bad[] = {"a.img:m=3", "a.img:p=8", "a.img:m=2,m=2",
                                    ":m=2", "a.img:m="};

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    MhGuestSettings gs;
    g_assert_true(mh_cli_split_guest(good[i].text, &path, &gs, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(path, ==, good[i].path);
    g_assert_cmpuint(gs.memory_mb, ==, good[i].mb);
    g_assert_cmpuint(gs.page_size, ==, good[i].page);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    char *path = NULL;
    MhGuestSettings gs;
    g_assert_false(mh_cli_split_guest(bad[i], &path, &gs, &error));
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_null(path);
    g_assert_nonnull(strstr(error->message, bad[i]));
  }
}

/* A job's result: one line, its own members first, the VM's members,
 * its console as a string and the counts as console_bytes. */
static void
test_job_line(void)
{
  static const guint8 image[] = {0xf4};
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GString) console = g_string_new_len("out\0\xff\n", 6);
  g_autofree char *line = NULL;
  MhVmStats stats = {.console_out = 6, .console_in = 2};
  MhDiagnosis diag = {.outcome = MH_OUTCOME_GUEST_FAULT,
                      .has = MH_DIAG_RIP | MH_DIAG_VECTOR,
                      .rip = 0x3c,
                      .vector = 14};
  MhReportVm vm = {
    .index = 2,
    .name = "job 'x' (a.img)",
    .image_path = "a.img",
    .image_data = image,
    .image_size = sizeof image,
    .memory_mb = 8,
    .page_size = 4096,
    .outcome = MH_OUTCOME_GUEST_FAULT,
    .diagnosis = &diag,
    .message = "page fault",
    .stats = &stats,
  };
  MhReportJob job = {
    .id = "alice \"one\"",
    .line = 3,
    .exit_status = 1,
    .vm = &vm,
    .console = console,
    .quota = 1024,
  };
  JsonObject *o;

  line = mh_report_job_line(&job);
  g_assert_true(g_str_has_prefix(line, "{\"schema\":\"mini_hypervisor-job\","
                                       "\"version\":1,\"id\":\"alice \\\"one"
                                       "\\\"\",\"line\":3,\"exit_status\":1,"
                                       "\"index\":2,"));
  g_assert_true(g_str_has_suffix(line, "}\n"));
  g_assert_true(strchr(line, '\n') == line + strlen(line) - 1); /* one line */
  g_assert_true(json_parser_load_from_data(parser, line, -1, NULL));
  o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(o, "outcome"), ==,
                  "guest-fault");
  g_assert_cmpint(json_object_get_int_member(
                    json_object_get_object_member(o, "diagnosis"), "rip"),
                  ==, 0x3c);
  g_assert_cmpint(json_object_get_int_member(
                    json_object_get_object_member(o, "console_bytes"),
                    "bytes_in"),
                  ==, 2);
  g_assert_nonnull(strstr(line, "\"console\":\"out\\u0000\xef\xbf\xbd\\n\""));
  g_assert_cmpint(json_object_get_int_member(o, "memory_mb"), ==, 8);
}

static const MhUnitTest tests[] = {
  {"/report/outcomes", test_outcomes},
  {"/report/exit-precedence", test_exit_precedence},
  {"/report/error-status", test_error_status},
  {"/report/limit-values", test_limit_values},
  {"/report/parse-options", test_parse_report_options},
  {"/report/document", test_document},
  {"/report/halted-and-text", test_halted_and_text},
  {"/report/control-bytes", test_control_bytes},
  {"/report/sha256-file", test_sha256_file},
  {"/report/split-guest", test_split_guest},
  {"/report/job-line", test_job_line},
};

MH_UNIT_MAIN(tests)
