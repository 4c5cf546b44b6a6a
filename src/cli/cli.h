/* SPDX-License-Identifier: MIT */
/* cli.h - the command line: parsing and validation into an MhConfig. */
#ifndef MH_CLI_H
#define MH_CLI_H

#include <glib.h>

#include "settings.h"

/* Parses argv (not modified) into @config.  Every error it returns is a
 * usage error naming the culprit.  --help is printed and exits 0 inside
 * GOption; --version sets *@exit_now for the caller to print it. */
gboolean mh_cli_parse(int argc, char **argv, MhConfig *config,
                      gboolean *exit_now, GError **error);
void mh_cli_clear(MhConfig *config);

/* Value parsers, exposed for unit tests. */
gboolean mh_cli_parse_memory(const char *text, guint *mb, GError **error);
gboolean mh_cli_parse_page(const char *text, guint64 *size, GError **error);
gboolean mh_cli_parse_timeout(const char *text, gdouble *seconds,
                              GError **error);
gboolean mh_cli_parse_max_open(const char *text, guint *n, GError **error);
gboolean mh_cli_parse_quota(const char *text, guint64 *bytes, GError **error);
gboolean mh_cli_parse_cpu_limit(const char *text, gdouble *seconds,
                                GError **error);
gboolean mh_cli_parse_output_limit(const char *text, guint64 *bytes,
                                   GError **error);
gboolean mh_cli_parse_sandbox(const char *text, MhSandboxMode *mode,
                              GError **error);
/* --gdb tcp:[HOST]:PORT or unix:PATH, into config's gdb_* fields. */
gboolean mh_cli_parse_gdb(const char *text, MhConfig *config, GError **error);
/* --parallel: 1 to MH_PARALLEL_MAX. */
gboolean mh_cli_parse_parallel(const char *text, guint *n, GError **error);
gboolean mh_cli_parse_trace_limit(const char *text, guint64 *bytes,
                                  GError **error);
/* Splits "-g" text into the image's path and its own settings: the text
 * after the last ':' is settings when it is empty or a comma-separated
 * list of m=MB and p=SIZE (each at most once); otherwise the whole text
 * is the path.  Unset settings are 0.  Errors name @text. */
gboolean mh_cli_split_guest(const char *text, char **path,
                            MhGuestSettings *settings, GError **error);
/* Rewrites "-g a b c" into "-g a -g b -g c" (likewise -f/--file). */
GStrv mh_cli_expand_multi(int argc, char **argv);

#endif /* MH_CLI_H */
