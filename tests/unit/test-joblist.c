/* SPDX-License-Identifier: MIT */
/* Units for the --jobs list (src/cli/joblist.c): every member, the run's
 * values for those left out, and every refusal named by list, line and
 * member. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "error.h"
#include "joblist.h"
#include "unit-main.h"

typedef struct {
  char *dir;
  char *image; /* a readable file */
  char *input;
  char *shared;
  MhConfig run;
} Fixture;

static char *
fixture_file(Fixture *f, const char *name)
{
  char *path = g_build_filename(f->dir, name, NULL);

  g_assert_true(g_file_set_contents(path, "x", 1, NULL));
  return path;
}

static void
setup(Fixture *f, gconstpointer data)
{
  static char *no_files[] = {NULL};

  (void)data;
  f->dir = g_dir_make_tmp("mh-test-joblist-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  f->image = fixture_file(f, "guest.img");
  f->input = fixture_file(f, "input.txt");
  f->shared = fixture_file(f, "notes.txt");
  f->run = (MhConfig){
    .memory_mb = 4,
    .page_size = 2u << 20,
    .files = no_files,
    .timeout = 0,
    .cpu_limit = 0,
    .output_limit = 0,
    .quota = 64u << 20,
    .max_open = 32,
  };
}

static void
teardown(Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

  (void)data;
  g_assert_cmpint(system(cmd), ==, 0);
  g_free(f->image);
  g_free(f->input);
  g_free(f->shared);
  g_free(f->dir);
}

/* The list of @text, which must be accepted. */
static MhJobList *
parse_ok(Fixture *f, const char *text)
{
  g_autoptr(GError) error = NULL;
  MhJobList *list = mh_job_list_parse("jobs.jsonl", text, strlen(text), &f->run,
                                      &error);

  g_assert_no_error(error);
  g_assert_nonnull(list);
  return list;
}

/* @text is refused with exactly @want. */
static void
assert_refused(Fixture *f, const char *text, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MhJobList)
    list = mh_job_list_parse("jobs.jsonl", text, strlen(text), &f->run, &error);

  g_assert_null(list);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  g_assert_cmpstr(error->message, ==, want);
}

static void
test_defaults(Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strdup_printf(
    "{\"id\": \"a\", \"image\": \"%s\"}\n\n  \n{\"image\": \"%s\", \"id\": "
    "\"b\"}",
    f->image, f->image);
  g_autoptr(MhJobList) list = parse_ok(f, text);
  MhJob *a, *b;

  (void)data;
  g_assert_cmpuint(list->jobs->len, ==, 2);
  a = list->jobs->pdata[0];
  b = list->jobs->pdata[1];
  g_assert_cmpuint(a->line, ==, 1);
  g_assert_cmpuint(b->line, ==, 4); /* blank lines count */
  g_assert_cmpstr(a->id, ==, "a");
  g_assert_cmpstr(b->image, ==, f->image);
  g_assert_null(a->stdin_path);
  g_assert_cmpuint(a->memory_mb, ==, 4);
  g_assert_cmpuint(a->page_size, ==, 2u << 20);
  g_assert_nonnull(a->files);
  g_assert_cmpuint(g_strv_length(a->files), ==, 0);
  g_assert_cmpfloat(a->timeout, ==, 0);
  g_assert_cmpuint(a->quota, ==, 64u << 20);
  g_assert_cmpuint(a->max_open, ==, 32);
}

static void
test_every_member(Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_strdup_printf(
    "{\"id\": \"\xc3\xa9 1\", \"image\": \"%s\", \"stdin\": \"%s\", "
    "\"memory\": 8, \"page\": \"4K\", \"files\": [\"%s\", \"%s\"], "
    "\"timeout\": 1.5, \"cpu_limit\": \"2\", \"output_limit\": \"1K\", "
    "\"quota\": 4096, \"max_open\": 3}\r\n",
    f->image, f->input, f->shared, f->input);
  g_autoptr(MhJobList) list = parse_ok(f, text);
  MhJob *j = list->jobs->pdata[0];

  (void)data;
  g_assert_cmpstr(list->source, ==, "jobs.jsonl");
  g_assert_cmpstr(j->id, ==, "\xc3\xa9 1");
  g_assert_cmpstr(j->stdin_path, ==, f->input);
  g_assert_cmpuint(j->memory_mb, ==, 8);
  g_assert_cmpuint(j->page_size, ==, 4096);
  g_assert_cmpuint(g_strv_length(j->files), ==, 2);
  g_assert_cmpstr(j->files[1], ==, f->input);
  g_assert_cmpfloat(j->timeout, ==, 1.5);
  g_assert_cmpfloat(j->cpu_limit, ==, 2.0);
  g_assert_cmpuint(j->output_limit, ==, 1024);
  g_assert_cmpuint(j->quota, ==, 4096);
  g_assert_cmpuint(j->max_open, ==, 3);
}

static void
test_refused(Fixture *f, gconstpointer data)
{
  g_autofree char *ok = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\"}",
                                        f->image);
  g_autofree char *text = NULL;
  g_autofree char *missing = g_build_filename(f->dir, "missing.img", NULL);

  (void)data;
  assert_refused(f, "", "--jobs 'jobs.jsonl': no job in it");
  assert_refused(f, "\n \n", "--jobs 'jobs.jsonl': no job in it");
  assert_refused(f, "[1]",
                 "--jobs 'jobs.jsonl' line 1: a job is an object, not an array");
  assert_refused(f, "{\"id\": \"a\",}",
                 "--jobs 'jobs.jsonl' line 1: '}' where a member name in double "
                 "quotes was expected at column 12");
  text = g_strdup_printf("%s\n{\"id\": \"b\", \"image\": \"%s\", \"mem\": 4}",
                         ok, f->image);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 2: unknown member \"mem\" (a job "
                 "takes id, image, stdin, memory, page, files, timeout, "
                 "cpu_limit, output_limit, quota, max_open)");
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("%s\n\n%s", ok, ok);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 3: id \"a\" was given before, on "
                 "line 1");
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"image\": \"%s\"}", f->image);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 1: no \"id\" (it is required)");
  assert_refused(f, "{\"id\": \"a\"}",
                 "--jobs 'jobs.jsonl' line 1: no \"image\" (it is required)");
  assert_refused(f, "{\"id\": 7}",
                 "--jobs 'jobs.jsonl' line 1: \"id\": must be a string, not an "
                 "integer");
  assert_refused(f, "{\"id\": \"\"}",
                 "--jobs 'jobs.jsonl' line 1: \"id\": must not be empty");
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\"}", missing);
  {
    g_autofree char *want = g_strdup_printf(
      "--jobs 'jobs.jsonl' line 1: \"image\": '%s': No such file or directory",
      missing);
    assert_refused(f, text, want);
  }
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\"}", f->dir);
  {
    g_autofree char *want = g_strdup_printf(
      "--jobs 'jobs.jsonl' line 1: \"image\": '%s': not a regular file",
      f->dir);
    assert_refused(f, text, want);
  }
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\", \"memory\": 3}",
                         f->image);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 1: \"memory\": invalid --memory value "
                 "'3': must be 2, 4 or 8 (MB of guest RAM)");
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\", \"page\": true}",
                         f->image);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 1: \"page\": must be a number or a "
                 "string, not true or false");
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\", \"timeout\": -1}",
                         f->image);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 1: \"timeout\": invalid --timeout "
                 "value '-1': must be a number of seconds greater than 0");
  g_clear_pointer(&text, g_free);
  text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\", \"files\": \"x\"}",
                         f->image);
  assert_refused(f, text,
                 "--jobs 'jobs.jsonl' line 1: \"files\": must be an array of "
                 "paths, not a string");
  g_clear_pointer(&text, g_free);
  /* A name with control characters is escaped in the message. */
  assert_refused(f, "{\"a\\u001bb\": 1}",
                 "--jobs 'jobs.jsonl' line 1: unknown member \"a\\033b\" (a job "
                 "takes id, image, stdin, memory, page, files, timeout, "
                 "cpu_limit, output_limit, quota, max_open)");
}

/* From a file and from a missing one. */
static void
test_load(Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename(f->dir, "jobs.jsonl", NULL);
  g_autofree char
    *text = g_strdup_printf("{\"id\": \"a\", \"image\": \"%s\"}\n", f->image);
  g_autoptr(GError) error = NULL;
  g_autoptr(MhJobList) list = NULL;

  (void)data;
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  list = mh_job_list_load(path, &f->run, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->jobs->len, ==, 1);
  g_assert_cmpstr(list->source, ==, path);
  g_clear_pointer(&list, mh_job_list_free);
  g_assert_cmpint(g_unlink(path), ==, 0);
  list = mh_job_list_load(path, &f->run, &error);
  g_assert_null(list);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  g_assert_true(
    g_str_has_suffix(error->message, "jobs.jsonl': No such file or directory"));
}

static void
add_tests(void)
{
  g_test_add("/joblist/defaults", Fixture, NULL, setup, test_defaults,
             teardown);
  g_test_add("/joblist/every-member", Fixture, NULL, setup, test_every_member,
             teardown);
  g_test_add("/joblist/refused", Fixture, NULL, setup, test_refused, teardown);
  g_test_add("/joblist/load", Fixture, NULL, setup, test_load, teardown);
}

MH_UNIT_MAIN_ONLY(add_tests)
