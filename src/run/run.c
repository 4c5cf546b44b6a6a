/* SPDX-License-Identifier: MIT */
/* run.c - one run, made and freed: every input read or opened before any
 * VM exists (images, shared files, KVM, gdb sockets, output paths).  Its
 * VMs are built and started in run-slot.c, waited for in run-wait.c and
 * summed up in run-end.c. */
#include "config.h"

#include "run-private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "error.h"
#include "fileio.h"
#include "gdbstub.h"
#include "input.h"
#include "kvm.h"
#include "loader.h"
#include "report.h"
#include "outfile.h"
#include "rundir.h"
#include "sandbox.h"
#include "text.h"
#include "trace.h"
#include "vm.h"

/* ------------------------------------------------------------------ */
/* Getting ready                                                        */

static void
on_kick(int signo)
{
  (void)signo; /* only here to interrupt KVM_RUN, read(), write() */
}

/* Signals: SIGINT/SIGTERM/SIGHUP are blocked in every thread and read by
 * the main thread through a signalfd; the kick signal has a no-op handler
 * without SA_RESTART; SIGPIPE and SIGXFSZ are ignored (the failing write
 * reports the error instead). */
static int
run_setup_signals(GError **error)
{
  struct sigaction kick = {.sa_handler = on_kick};
  sigset_t stop_set;
  int fd;

  sigemptyset(&kick.sa_mask);
  sigaction(MH_KICK_SIGNAL, &kick, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* A file growing past the host's size limit (ulimit -f) must fail that
   * one write (EFBIG, reported to the guest), not kill every VM. */
  signal(SIGXFSZ, SIG_IGN);

  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGTERM);
  sigaddset(&stop_set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
  fd = signalfd(-1, &stop_set, SFD_CLOEXEC);
  if (fd < 0)
    mh_throw_errno(error, MH_ERROR_HOST, "signalfd");
  return fd;
}

/* Each VM always holds three descriptors (its VM, its vCPU and its
 * directory), plus the files its guest opens (and a job its console and
 * its own shared files); the process needs a few of its own. */
#define RUN_FDS_PER_VM 3u
#define RUN_FDS_BASE   32u

/* Raises the open-file limit to its hard maximum, then gives every VM a
 * fair share of it: --max-open files each, or fewer where the limit
 * cannot hold that many for every VM at once, so that no VM can take the
 * descriptors another needs.  Refuses a run that cannot give each VM at
 * least one file.  Returns the files per VM, or 0. */
static guint
run_share_fd_limit(guint n_vms, guint extra, guint max_open, GError **error)
{
  struct rlimit rl;
  guint64 limit, share;

  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return max_open;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  limit = rl.rlim_cur == RLIM_INFINITY ? G_MAXUINT64 : (guint64)rl.rlim_cur;
  share = limit <= RUN_FDS_BASE ? 0 : (limit - RUN_FDS_BASE) / n_vms;
  share = share <= RUN_FDS_PER_VM + extra ? 0 : share - RUN_FDS_PER_VM - extra;
  if (share == 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "%u VMs need at least %" G_GUINT64_FORMAT
                " open files, but the "
                "limit is %" G_GUINT64_FORMAT " (raise it with ulimit -n, or "
                "run fewer VMs)",
                n_vms,
                (guint64)n_vms * (RUN_FDS_PER_VM + extra + 1) + RUN_FDS_BASE,
                limit);
    return 0;
  }
  return (guint)MIN(share, (guint64)max_open);
}

/* Loads each distinct image path once per RAM size (it must fit each
 * VM's RAM); keeps them in argv order. */
static gboolean
run_load_images(MhRun *run, GError **error)
{
  g_autoptr(GHashTable)
    by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GStrv paths = run->config->guests;

  for (guint i = 0; paths[i] != NULL; i++) {
    guint64 ram = (guint64)run->config->guest_settings[i].memory_mb << 20;
    char *key = g_strdup_printf("%" G_GUINT64_FORMAT ":%s", ram, paths[i]);
    MhImage *image = g_hash_table_lookup(by_path, key);

    if (image == NULL) {
      image = mh_image_load(paths[i], ram, error);
      if (image == NULL) {
        g_free(key);
        return FALSE;
      }
      /* Once per image, however many VMs run it. */
      if (image->warning != NULL)
        run_warn("%s", image->warning);
      g_ptr_array_add(run->owned_images, image);
      g_hash_table_insert(by_path, key, image);
    } else {
      g_free(key);
    }
    g_ptr_array_add(run->images, image);
  }
  return TRUE;
}

void
run_warn(const char *fmt, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start(ap, fmt);
  message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: warning: %s\n", g_get_prgname(), message);
}

/* Opens the gdb sockets of the VMs that gdb debugs, before any VM
 * exists: a port that cannot be had fails the run, not one VM (which
 * would leave the others waiting for a debugger). */
static gboolean
run_gdb_listen(MhRun *run, GError **error)
{
  const MhConfig *c = run->config;
  guint n = run->machine.vm_count;
  MhGdbSpec spec = {c->gdb_host, c->gdb_port, c->gdb_path};
  gboolean exposed = FALSE;

  if (!mh_gdb_check_kvm(&run->kvm, error))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    MhRunSlot *slot = &run->slots[i];

    if (c->gdb_vm >= 0 && (guint)c->gdb_vm != i)
      continue;
    slot->gdb_fd = mh_gdb_listen(&spec, i, n, c->gdb_vm >= 0, &slot->gdb_target,
                                 &slot->gdb_unlink, error);
    if (slot->gdb_fd < 0)
      return FALSE;
    if (!exposed && !mh_gdb_listen_is_local(slot->gdb_fd)) {
      exposed = TRUE;
      run_warn("--gdb: listening on %s, beyond the loopback address: "
               "anyone who can reach it from another machine can debug the "
               "guests and read their files",
               c->gdb_host);
    }
  }
  return TRUE;
}

/* One slot per VM, from the start: each owns its gdb socket as soon as
 * there is one. */
static void
run_make_slots(MhRun *run)
{
  run->n_slots = run->images->len;
  run->slots = g_new0(MhRunSlot, run->n_slots);
  run->queues = g_new0(MhInput *, run->n_slots);
  run->machines = g_new0(MhMachine, run->n_slots);
  run->live = g_new0(guint, run->n_slots);
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];

    slot->run = run;
    slot->gdb_fd = -1;
    slot->capture_fd = -1;
    slot->deadline = G_MAXINT64;
    slot->cpu_limit = run->config->cpu_limit;
    if (run->jobs != NULL) {
      slot->job = run->jobs->jobs->pdata[i];
      slot->cpu_limit = slot->job->cpu_limit;
    } else {
      run->live[run->n_live++] = i; /* every VM, from the start */
    }
  }
}

/* The most shared files any job of the list has (each running job holds
 * its own), and the largest --max-open any asks for. */
static guint
run_jobs_fd_needs(const MhJobList *jobs, guint *max_open)
{
  guint most = 0;

  for (guint i = 0; i < jobs->jobs->len; i++) {
    const MhJob *job = jobs->jobs->pdata[i];
    most = MAX(most, g_strv_length(job->files));
    *max_open = MAX(*max_open, job->max_open);
  }
  return most;
}

static int
run_eventfd(int flags, GError **error)
{
  int fd = eventfd(0, EFD_CLOEXEC | flags);

  if (fd < 0)
    mh_throw_errno(error, MH_ERROR_HOST, "eventfd");
  return fd;
}

/* --console-dir: made if missing (one level, like mkdir), checked like
 * -o: it holds a file per VM (outfile.h). */
static int
run_open_console_dir(const char *path, GError **error)
{
  static const MhOutDir dir = {"--console-dir", "--console-dir",
                               MH_OUT_DIR_PRIVATE};

  return mh_out_dir_open(path, &dir, TRUE, error);
}

/* The run's outputs, once every input checked out: the trace (opened and
 * truncated only now), the output directory, --console-dir, the file
 * service's settings and the console writer. */
static gboolean
run_open_outputs(MhRun *run, guint max_open, GError **error)
{
  const MhConfig *config = run->config;
  struct stat st;

  if (config->trace_path != NULL) {
    run->trace = mh_trace_open(config->trace_path, config->trace_limit, error);
    if (run->trace == NULL)
      return FALSE;
  }
  if (!mh_run_dir_open(&run->dir, config->output_dir, error))
    return FALSE;
  if (config->console_dir != NULL &&
      (run->console_dir_fd = run_open_console_dir(config->console_dir, error)) <
        0)
    return FALSE;

  run->files = (MhFileConfig){
    .shared = run->shared,
    .run_fd = run->dir.run_fd,
    .run_path = run->dir.run_path,
    .run_error = run->dir.error,
    .max_open = max_open,
    .quota = config->quota,
  };
  mh_output_init(&run->output, run->console_fd, run->output_fd);
  run->output_ready = TRUE;
  run->stdout_is_pipe = fstat(run->console_fd, &st) == 0 &&
                        S_ISFIFO(st.st_mode);
  return TRUE;
}

MhRun *
mh_run_new(const MhConfig *config, GError **error)
{
  g_autoptr(MhRun) run = g_new0(MhRun, 1);
  guint max_open, extra = 0;
  guint n_at_once = g_strv_length(config->guests);
  guint want_open = config->max_open;

  run->config = config;
  run->jobs = config->job_list;
  run->parallel = config->parallel;
  run->results_fd = -1;
  run->done_fd = run->signal_fd = run->space_fd = run->output_fd = -1;
  run->stdin_fd = -1;
  run->console_dir_fd = -1;
  run->kvm.fd = -1;
  run->dir.out_fd = run->dir.run_fd = -1;
  run->images = g_ptr_array_new();
  run->owned_images = g_ptr_array_new_with_free_func(
    (GDestroyNotify)mh_image_free);
  run->machine.ram_size = (guint64)config->memory_mb << 20;
  run->machine.page_size = config->page_size;
  run->machine.vm_count = g_strv_length(config->guests);
  /* With the report on standard output, the console moves out of its
   * way (mini_hypervisor-report(5)). */
  run->console_fd = config->report != NULL && strcmp(config->report, "-") == 0
                      ? STDERR_FILENO
                      : STDOUT_FILENO;

  /* Every input is read or opened before any VM exists. */
  if (!run_load_images(run, error))
    return NULL;
  run_make_slots(run);
  run->shared = mh_shared_files_open(config->files, error);
  if (run->shared == NULL)
    return NULL;
  if (run->jobs != NULL) {
    /* --parallel VMs at once, each with its console's memfd, its console
     * file and its own shared files. */
    want_open = config->max_open;
    extra = 2 + run_jobs_fd_needs(run->jobs, &want_open);
    n_at_once = run->parallel;
  }
  max_open = run_share_fd_limit(n_at_once, extra, want_open, error);
  if (max_open == 0)
    return NULL;
  if (max_open < want_open)
    run_warn("the open-file limit leaves each of the %u VMs %u open files, "
             "not %u (raise it with ulimit -n)",
             n_at_once, max_open, want_open);

  if (!mh_sandbox_probe(&run->sandbox, config->sandbox, error))
    return NULL;
  if (run->sandbox.missing != NULL)
    run_warn("sandbox: %s (use --sandbox=off to silence this, or "
             "--sandbox=strict to refuse)",
             run->sandbox.missing);
  run->signal_fd = run_setup_signals(error);
  if (run->signal_fd < 0)
    return NULL;
  if (!mh_kvm_open(&run->kvm, g_getenv("MINI_HYPERVISOR_KVM") ?: "/dev/kvm",
                   error))
    return NULL;
  if (config->gdb && !run_gdb_listen(run, error))
    return NULL;
  if ((run->done_fd = run_eventfd(0, error)) < 0 ||
      (run->space_fd = run_eventfd(EFD_NONBLOCK, error)) < 0 ||
      (run->output_fd = run_eventfd(EFD_NONBLOCK, error)) < 0)
    return NULL;
  if (!run_open_outputs(run, max_open, error))
    return NULL;
  if (run->jobs != NULL) {
    /* Each job reads its own input ("stdin"), nothing else. */
    if (!run_jobs_open(run, error))
      return NULL;
  } else {
    /* Standard input is routed to the VMs by this thread. */
    run->stdin_fd = STDIN_FILENO;
  }
  /* Any VM may switch to coalesced console output while it runs. */
  run->coalescing = run->kvm.coalesced_pio &&
                    g_getenv("MINI_HYPERVISOR_NO_COALESCING") == NULL;
  return g_steal_pointer(&run);
}

void
mh_run_free(MhRun *run)
{
  if (run == NULL)
    return;
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];
    if (slot->thread != NULL)
      g_thread_join(slot->thread);
    if (slot->vm == NULL && run->queues != NULL && run->queues[i] != NULL) {
      mh_input_clear(run->queues[i]);
      g_free(run->queues[i]);
    }
    g_clear_pointer(&slot->vm, mh_vm_free);
    g_clear_pointer(&slot->trace, mh_trace_vm_free);
    g_clear_error(&slot->error);
    g_free(slot->name);
    mh_fd_close(slot->gdb_fd);
    if (slot->gdb_unlink != NULL)
      unlink(slot->gdb_unlink);
    g_free(slot->gdb_unlink);
    g_free(slot->gdb_target);
    g_free(slot->kept_dir);
    if (slot->capture_fd >= 0) { /* a job not finished with */
      mh_output_clear(&slot->capture);
      close(slot->capture_fd);
    }
    g_clear_pointer(&slot->job_shared, mh_shared_files_free);
  }
  if (run->routing)
    mh_router_clear(&run->router);
  g_free(run->queues);
  g_free(run->slots);
  g_free(run->machines);
  g_free(run->live);
  if (run->results_fd > STDERR_FILENO)
    close(run->results_fd);
  if (run->output_ready)
    mh_output_clear(&run->output);
  mh_run_dir_clear(&run->dir);
  g_clear_pointer(&run->trace, mh_trace_free);
  mh_sandbox_clear(&run->sandbox);
  mh_kvm_close(&run->kvm);
  mh_fd_close(run->done_fd);
  mh_fd_close(run->space_fd);
  mh_fd_close(run->output_fd);
  mh_fd_close(run->signal_fd);
  mh_fd_close(run->console_dir_fd);
  g_clear_pointer(&run->shared, mh_shared_files_free);
  g_ptr_array_unref(run->images);
  g_ptr_array_unref(run->owned_images);
  g_free(run);
}

gboolean
mh_run_leave(MhRun *run)
{
#ifdef MH_FREE_AT_EXIT
  (void)run;
  return FALSE;
#else
  if (g_getenv("MINI_HYPERVISOR_FREE_AT_EXIT") != NULL)
    return FALSE;
  for (guint i = 0; i < run->n_slots; i++)
    if (run->slots[i].gdb_unlink != NULL)
      unlink(run->slots[i].gdb_unlink);
  return TRUE;
#endif
}
