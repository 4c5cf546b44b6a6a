/* SPDX-License-Identifier: MIT */
/* run-wait.c - the main thread while VMs run: standard input routed,
 * signals, --timeout and --cpu-limit, kicks, gdb connections. */
#include "config.h"

#include "run-private.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "error.h"
#include "gdbstub.h"

/* TRUE while the only VM's queue is too full to take more input.  With
 * several VMs there is no such pause (see MH_INPUT_MAX): one VM that
 * never reads must not hold up the input of the others. */
static gboolean
run_input_backlogged(MhRun *run)
{
  return run->router.raw && mh_input_pending(run->queues[0]) > MH_INPUT_HIGH;
}

/* Reads one chunk of standard input and routes it; at its end (or on a
 * read error) every VM's input is closed. */
static void
run_route_stdin(MhRun *run)
{
  guint8 buf[65536];
  ssize_t got = read(run->stdin_fd, buf, sizeof buf);

  if (got < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (got > 0) {
    mh_router_feed(&run->router, buf, (gsize)got);
    return;
  }
  if (got < 0)
    run_warn("reading standard input: %s (the guests see end of input)",
             g_strerror(errno));
  mh_router_finish(&run->router);
  run->stdin_fd = -1;
}

static guint64
run_drain_eventfd(int fd)
{
  guint64 n = 0;

  return read(fd, &n, sizeof n) == sizeof n ? n : 0;
}

/* Stops every VM, for the first reason only. */
static void
run_stop(MhRun *run, MhStopReason reason, int signo)
{
  if (run->stop != MH_STOP_NONE)
    return;
  run->stop = reason;
  run->stop_signal = signo;
  for (guint k = 0; k < run->n_live; k++)
    if (run->slots[run->live[k]].vm != NULL)
      mh_vm_request_stop(run->slots[run->live[k]].vm, reason);
}

/* Kicks the VMs whose thread should look at its state again: every VM
 * still running once the run stops, or else the VMs with console output
 * queued in their ring (so that a guest that prints and then computes is
 * seen).  Only a signal: the VM's own thread does the work. */
static void
run_kick(MhRun *run)
{
  for (guint k = 0; k < run->n_live; k++) {
    MhRunSlot *slot = &run->slots[run->live[k]];

    if (slot->vm == NULL || slot->thread == NULL ||
        g_atomic_int_get(&slot->ended))
      continue;
    if (run->stop != MH_STOP_NONE || mh_vm_output_pending(slot->vm) ||
        mh_vm_stop_reason(slot->vm) != MH_STOP_NONE)
      mh_vm_kick(slot->vm);
  }
}

/* --cpu-limit (or a job's cpu_limit): stops each VM whose thread has
 * used its CPU time; only that VM, the others run on.  Whether any VM
 * has such a limit. */
static gboolean
run_check_cpu(MhRun *run)
{
  gboolean limited = FALSE;

  for (guint k = 0; k < run->n_live; k++) {
    MhRunSlot *slot = &run->slots[run->live[k]];

    if (slot->cpu_limit <= 0 || slot->vm == NULL || slot->thread == NULL ||
        g_atomic_int_get(&slot->ended) ||
        mh_vm_stop_reason(slot->vm) != MH_STOP_NONE)
      continue;
    limited = TRUE;
    if (mh_vm_cpu_seconds(slot->vm) >= slot->cpu_limit)
      mh_vm_request_stop(slot->vm, MH_STOP_CPU_LIMIT);
  }
  return limited;
}

/* How long the loop may sleep: until the deadline, or less where
 * something must be looked at now and then. */
static int
run_wait_ms(const MhRun *run, gint64 deadline, int jobs_ms, gboolean cpu)
{
  int wait_ms = jobs_ms;

  if (deadline != G_MAXINT64)
    wait_ms = (int)CLAMP((deadline - g_get_monotonic_time() + 999) / 1000, 0,
                         G_MAXINT);
  if (run->coalescing && (wait_ms < 0 || wait_ms > MH_DRAIN_INTERVAL_MS))
    wait_ms = MH_DRAIN_INTERVAL_MS;
  if (run->stop != MH_STOP_NONE && (wait_ms < 0 || wait_ms > RUN_REKICK_MS))
    wait_ms = RUN_REKICK_MS;
  /* gdb connections are looked at now and then (run_serve_gdb). */
  if (run->config->gdb && (wait_ms < 0 || wait_ms > RUN_REKICK_MS))
    wait_ms = RUN_REKICK_MS;
  if (cpu && (wait_ms < 0 || wait_ms > RUN_CPU_CHECK_MS))
    wait_ms = RUN_CPU_CHECK_MS;
  return wait_ms;
}

/* The gdb sockets and connections: a connection to accept, check and
 * hand over; input from gdb (Ctrl-C, or gdb gone), which the VM's own
 * thread reads once woken.  @fds: one per slot. */
static void
run_serve_gdb(MhRun *run, struct pollfd *fds)
{
  for (guint i = 0; i < run->n_slots; i++) {
    MhVm *vm = run->slots[i].vm;
    fds[i] = (struct pollfd){vm != NULL &&
                                 !g_atomic_int_get(&run->slots[i].ended)
                               ? mh_gdb_main_fd(mh_vm_gdb(vm))
                               : -1,
                             POLLIN, 0};
  }
  if (poll(fds, run->n_slots, 0) < 0)
    return;
  for (guint i = 0; i < run->n_slots; i++) {
    g_autoptr(GError) warning = NULL;
    if (fds[i].fd >= 0 &&
        !mh_gdb_service(mh_vm_gdb(run->slots[i].vm), fds[i].revents, &warning))
      run_warn("%s: gdb: %s", run->slots[i].name, warning->message);
  }
}

void
mh_run_wait(MhRun *run)
{
  /* With --jobs, the timeout is each job's (run_jobs_check_deadlines). */
  gdouble timeout = run->jobs == NULL ? run->config->timeout : 0;
  gint64 deadline = timeout > 0
                      ? g_get_monotonic_time() + (gint64)(timeout * 1e6)
                      : G_MAXINT64;
  int jobs_ms = run->jobs != NULL ? run_jobs_check_deadlines(run) : -1;
  gboolean cpu = run_check_cpu(run);

  g_autofree struct pollfd *gdb_fds = g_new0(struct pollfd, run->n_slots + 1);

  while (run->n_running > 0) {
    struct pollfd fds[RUN_POLL_COUNT] = {
      [RUN_POLL_DONE] = {run->done_fd, POLLIN, 0},
      [RUN_POLL_SIGNAL] = {run->signal_fd, POLLIN, 0},
      [RUN_POLL_SPACE] = {run->space_fd, POLLIN, 0},
      [RUN_POLL_STDIN] = {-1, POLLIN, 0},
      [RUN_POLL_OUTPUT] = {run->output_fd, POLLIN, 0},
      [RUN_POLL_STDOUT] = {run->stdout_is_pipe ? run->console_fd : -1, 0, 0},
    };

    if (run->stdin_fd >= 0 && !run_input_backlogged(run))
      fds[RUN_POLL_STDIN].fd = run->stdin_fd;
    if (poll(fds, RUN_POLL_COUNT, run_wait_ms(run, deadline, jobs_ms, cpu)) <
          0 &&
        errno != EINTR)
      break;
    if (run->config->gdb)
      run_serve_gdb(run, gdb_fds);

    if (fds[RUN_POLL_DONE].revents & POLLIN) {
      guint64 ended = run_drain_eventfd(run->done_fd);
      if (run->jobs != NULL)
        run_jobs_reap(run); /* counts them itself, and starts more */
      else
        run->n_running -= (guint)MIN(ended, (guint64)run->n_running);
    }
    if (fds[RUN_POLL_SPACE].revents & POLLIN)
      run_drain_eventfd(run->space_fd);
    if (fds[RUN_POLL_STDIN].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
      run_route_stdin(run);
    if (fds[RUN_POLL_SIGNAL].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(run->signal_fd, &info, sizeof info) == sizeof info)
        run_stop(run, MH_STOP_SIGNAL_BASE + (int)info.ssi_signo,
                 (int)info.ssi_signo);
    }
    /* Standard output failed: nobody can see the guests any more.  A
     * closed pipe ("| head") ends the run as SIGPIPE would. */
    if (fds[RUN_POLL_STDOUT].revents & POLLERR) {
      run->stdout_is_pipe = FALSE;
      run_stop(run, MH_STOP_SIGNAL_BASE + SIGPIPE, SIGPIPE);
    }
    if (fds[RUN_POLL_OUTPUT].revents & POLLIN) {
      run_drain_eventfd(run->output_fd);
      if (g_atomic_int_get(&run->output.write_errno) == EPIPE)
        run_stop(run, MH_STOP_SIGNAL_BASE + SIGPIPE, SIGPIPE);
      else
        run_stop(run, MH_STOP_OUTPUT, 0);
    }
    if (deadline != G_MAXINT64 && g_get_monotonic_time() >= deadline) {
      deadline = G_MAXINT64; /* once */
      run_stop(run, MH_STOP_TIMEOUT, 0);
    }
    if (run->jobs != NULL)
      jobs_ms = run_jobs_check_deadlines(run);
    cpu = run_check_cpu(run);
    run_kick(run);
  }
}
