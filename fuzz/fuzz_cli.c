/* SPDX-License-Identifier: MIT */
/*
 * fuzz_cli - option parsing: the input, split at NUL bytes, is argv[1..]
 * for mh_cli_parse() and mh_cli_expand_multi().
 *
 * GOption prints help and calls exit() for --help, -h, -? and
 * --help-all (also inside a group of short options, "-vh"): such words are
 * left out, and so is --jobs, which reads a file or standard input
 * (fuzz_joblist fuzzes the list itself).  Invariants: a successful parse leaves a configuration that
 * main() may use as it is (at least one guest, no empty value and none
 * that looks like an option, every number within its documented range);
 * a failed one returns a usage error and frees everything it had
 * (mh_cli_clear() afterwards must find nothing); expanding "-g a b" keeps
 * every word, in order.
 */
#include "config.h"

#include "fuzz-common.h"

#include "cli.h"
#include "error.h"

#define FUZZ_MAX_ARGS 64

/* Would GOption print help and exit on this word, or the parser read a
 * job list? */
static gboolean
asks_for_help(const char *arg)
{
  if (g_str_has_prefix(arg, "--help") || g_str_has_prefix(arg, "--jobs"))
    return TRUE;
  /* A group of short options: "-h", "-?", "-vh". */
  return arg[0] == '-' && arg[1] != '-' &&
         (strchr(arg, 'h') != NULL || strchr(arg, '?') != NULL);
}

static void
check_config(const MhConfig *c)
{
  FUZZ_CHECK(c->guests != NULL && c->guests[0] != NULL, "no guest");
  for (GStrv g = c->guests; *g; g++)
    FUZZ_CHECK((*g)[0] != '\0' && (*g)[0] != '-', "guest '%s'", *g);
  FUZZ_CHECK(c->files != NULL, "files is NULL");
  for (GStrv f = c->files; *f; f++)
    FUZZ_CHECK((*f)[0] != '\0' && (*f)[0] != '-', "file '%s'", *f);
  FUZZ_CHECK(c->memory_mb == 2 || c->memory_mb == 4 || c->memory_mb == 8,
             "memory %u", c->memory_mb);
  FUZZ_CHECK(c->page_size == 4096 || c->page_size == 2u << 20,
             "page size %" G_GUINT64_FORMAT, c->page_size);
  FUZZ_CHECK(c->max_open >= 1 && c->max_open <= MH_MAX_OPEN_LIMIT,
             "max_open %u", c->max_open);
  FUZZ_CHECK(c->timeout == 0 || (c->timeout > 0 && c->timeout <= 1e7),
             "timeout %g", c->timeout);
  FUZZ_CHECK(c->output_dir != NULL && c->output_dir[0] != '\0', "output dir");
  FUZZ_CHECK(c->sandbox == MH_SANDBOX_OFF || c->sandbox == MH_SANDBOX_ON ||
               c->sandbox == MH_SANDBOX_STRICT,
             "sandbox %d", c->sandbox);
}

/* Every word of @argv is in @out, in order (the expansion only adds). */
static void
check_expansion(int argc, char **argv)
{
  g_auto(GStrv) out = mh_cli_expand_multi(argc, argv);
  guint j = 0, n = g_strv_length(out);

  FUZZ_CHECK(n >= (guint)argc, "expansion lost words");
  for (int i = 0; i < argc; i++) {
    while (j < n && strcmp(out[j], argv[i]) != 0)
      j++;
    FUZZ_CHECK(j < n, "word %d '%s' lost or moved", i, argv[i]);
    j++;
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
  g_autofree char *copy = g_malloc(size + 1);
  char *argv[FUZZ_MAX_ARGS + 1];
  int argc = 0;
  g_autoptr(GError) error = NULL;
  MhConfig config;
  gboolean exit_now = FALSE;
  gsize pos = 0;

  memcpy(copy, data, size);
  copy[size] = '\0';
  argv[argc++] = (char *)"mini_hypervisor";
  while (pos <= size && argc < FUZZ_MAX_ARGS) {
    char *word = copy + pos;
    pos += strlen(word) + 1;
    if (!asks_for_help(word))
      argv[argc++] = word;
  }
  argv[argc] = NULL;

  check_expansion(argc, argv);
  if (mh_cli_parse(argc, argv, &config, &exit_now, &error)) {
    FUZZ_CHECK(error == NULL, "success with an error set");
    if (!exit_now)
      check_config(&config);
  } else {
    FUZZ_CHECK(error != NULL, "failure without an error");
    /* Not G_CONVERT_ERROR ("Invalid byte sequence in conversion input",
     * naming no option): every option takes its value as given. */
    FUZZ_CHECK(error->domain == G_OPTION_ERROR ||
                 (error->domain == MH_ERROR && error->code == MH_ERROR_USAGE),
               "not a usage error naming its culprit: %s", error->message);
    FUZZ_CHECK(config.guests == NULL && config.files == NULL &&
                 config.output_dir == NULL,
               "a failed parse kept allocations");
  }
  mh_cli_clear(&config);
  return 0;
}
