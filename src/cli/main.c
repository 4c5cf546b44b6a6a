/* SPDX-License-Identifier: MIT */
/*
 * main.c - the process: the command line, the locale, the standard
 * descriptors, and the exit status.  The run itself (VMs, threads,
 * signals, the report) is run.c's.
 *
 * Only the main thread prints errors, and only this file decides the exit
 * status (mh_error_exit_status() for errors before any VM runs, the run's
 * own status after).  VM threads never exit the process.  The --report
 * document is written last, whatever the run came to.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "report.h"
#include "run.h"

static void
print_error(const GError *error)
{
  fprintf(stderr, "%s: error: %s\n", g_get_prgname(), error->message);
}

/* A closed standard descriptor would be reused by the next open() (a
 * signalfd read as "standard input", guest output written into a KVM
 * fd...): point any closed one at /dev/null first. */
static void
ensure_std_fds(void)
{
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (null >= 0 && null != fd) {
        dup2(null, fd);
        close(null);
      }
    }
  }
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) report_error = NULL;
  MhReport *report = NULL;
  MhRun *run;
  MhConfig config;
  gboolean exit_now;
  int status;

  ensure_std_fds();
  /* The character set (for file names and messages) and the language of
   * system error texts: all this program takes from the locale.  Loading
   * every category would cost a dozen file opens at every start. */
  setlocale(LC_CTYPE, "");
  setlocale(LC_MESSAGES, "");
  g_set_prgname("mini_hypervisor");

  if (!mh_cli_parse(argc, argv, &config, &exit_now, &error)) {
    /* GOption's own messages ("Unknown option --x") name no remedy. */
    if (error->domain == G_OPTION_ERROR) {
      char *message = g_strdup_printf("%s (see %s --help)", error->message,
                                      g_get_prgname());
      g_free(error->message);
      error->message = message;
    }
    print_error(error);
    return MH_EXIT_USAGE;
  }
  if (exit_now) {
#ifdef MH_TEST_HOOKS
    printf("%s %s (test hooks: not for production use)\n", g_get_prgname(),
           PACKAGE_VERSION);
#else
    printf("%s %s\n", g_get_prgname(), PACKAGE_VERSION);
#endif
    return MH_EXIT_OK;
  }
  /* With --jobs, --report names where the results go (run-jobs.c). */
  if (config.report != NULL && config.jobs_path == NULL) {
    report = mh_report_new(&config);
    if (!mh_report_open(report, &error)) {
      print_error(error);
      g_clear_pointer(&report, mh_report_free);
      mh_cli_clear(&config);
      return mh_error_exit_status(error);
    }
  }
  run = mh_run_new(&config, &error);
  if (run == NULL) {
    print_error(error);
    status = mh_error_exit_status(error);
  } else {
    mh_run_start(run);
    mh_run_wait(run);
    status = mh_run_finish(run);
    if (report != NULL)
      mh_run_report(run, report);
    /* The process ends here: the kernel tears down the VMs (run.h). */
    if (!mh_run_leave(run))
      mh_run_free(run);
    run = NULL;
  }
  if (report != NULL && !mh_report_write(report, status, &report_error)) {
    print_error(report_error);
    status = mh_exit_status_worst(status, MH_EXIT_HOST);
  }
  g_clear_pointer(&report, mh_report_free);
  mh_cli_clear(&config);
  return status;
}
