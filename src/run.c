/* SPDX-License-Identifier: MIT */
/* run.c - one run: its VMs, their threads, the main thread's wait loop,
 * the report and the exit status. */
#include "config.h"

#include "run.h"

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
#include "fdio.h"
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

/* How often the main thread repeats the kick to VMs that were told to
 * stop and have not ended yet (a kick may land just before a blocking
 * call and be lost). */
#define RUN_REKICK_MS 50
/* How often the main thread reads each VM's CPU clock for --cpu-limit
 * (a VM may overrun its limit by about this much). */
#define RUN_CPU_CHECK_MS 20

/* One VM of the run, as the main thread tracks it. */
typedef struct {
  MhRun   *run;
  char    *name;    /* "vm N (image)", escaped: how messages name it */
  MhVm    *vm;      /* NULL if it could not be built                 */
  GThread *thread;  /* NULL if it never started                      */
  GError  *error;   /* why it failed to build or to halt             */
  gint     ended;   /* atomic: its thread has finished with the VM   */
  int      gdb_fd;  /* its gdb listening socket, or -1                */
  char    *gdb_unlink; /* its gdb socket file, removed at the end     */
  MhTraceVm *trace; /* --trace: its records (written by its thread)  */
  char    *kept_dir; /* the directory of the files it kept, or NULL  */
} MhRunSlot;

/* The descriptors the wait loop polls, by name. */
enum {
  RUN_POLL_DONE,   /* VM threads: "I have ended"                      */
  RUN_POLL_SIGNAL, /* SIGINT, SIGTERM, SIGHUP                         */
  RUN_POLL_SPACE,  /* input queues: "I have room again"               */
  RUN_POLL_STDIN,  /* standard input, while it may be read            */
  RUN_POLL_OUTPUT, /* the output writer: "standard output failed"     */
  RUN_POLL_STDOUT, /* a pipe on standard output: POLLERR once its reader
                      is gone, before anyone writes to it              */
  RUN_POLL_COUNT
};

struct MhRun {
  const MhConfig *config;
  GPtrArray      *images;     /* MhImage*, in argv order (borrowed)    */
  GPtrArray      *owned_images; /* each distinct image once (owned)    */
  MhSharedFiles  *shared;
  MhRunDir        dir;
  MhFileConfig    files;
  MhMachine       machine;
  MhKvm           kvm;
  MhSandbox       sandbox;
  MhOutput        output;
  gboolean        output_ready;

  MhRunSlot      *slots;
  guint           n_slots;
  MhMachine      *machines;   /* one per slot: the run's, with the VM's
                                 own memory and page size               */
  guint           n_running;
  int             done_fd;
  int             signal_fd;
  int             space_fd;
  int             output_fd;
  int             stdin_fd;   /* -1 once standard input has ended       */
  gboolean        stdout_is_pipe;
  gboolean        coalescing; /* VMs may queue console output in rings  */
  MhInput       **queues;     /* one per slot, for the router           */
  MhRouter        router;
  gboolean        routing;

  int            *gdb_fds;    /* per VM: its gdb socket until its slot
                                 takes it, or -1 (NULL without --gdb)   */
  GStrv           gdb_targets; /* per VM: "target remote" argument      */
  GStrv           gdb_unlink; /* per VM: socket file to remove, or NULL */

  MhStopReason    stop;       /* the first reason the run was stopped   */
  int             stop_signal;

  MhTrace        *trace;      /* --trace FILE, or NULL                  */
  int             console_fd; /* where the guests' console goes         */
  int             console_dir_fd; /* --console-dir, or -1                */
};

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
 * directory), plus the files its guest opens; the process needs a few of
 * its own. */
#define RUN_FDS_PER_VM 3u
#define RUN_FDS_BASE   32u

/* Raises the open-file limit to its hard maximum, then gives every VM a
 * fair share of it: --max-open files each, or fewer where the limit
 * cannot hold that many for every VM at once, so that no VM can take the
 * descriptors another needs.  Refuses a run that cannot give each VM at
 * least one file.  Returns the files per VM, or 0. */
static guint
run_share_fd_limit(guint n_vms, guint max_open, GError **error)
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
  share = share <= RUN_FDS_PER_VM ? 0 : share - RUN_FDS_PER_VM;
  if (share == 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "%u VMs need at least %" G_GUINT64_FORMAT " open files, but the "
                "limit is %" G_GUINT64_FORMAT " (raise it with ulimit -n, or "
                "run fewer VMs)", n_vms,
                (guint64)n_vms * (RUN_FDS_PER_VM + 1) + RUN_FDS_BASE, limit);
    return 0;
  }
  return (guint)MIN(share, (guint64)max_open);
}

static void run_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Loads each distinct image path once per RAM size (it must fit each
 * VM's RAM); keeps them in argv order. */
static gboolean
run_load_images(MhRun *run, GError **error)
{
  g_autoptr(GHashTable) by_path = g_hash_table_new_full(g_str_hash,
                                                        g_str_equal, g_free,
                                                        NULL);
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

static void
run_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void
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
  run->gdb_fds = g_new(int, n);
  run->gdb_targets = g_new0(char *, n + 1);
  run->gdb_unlink = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++)
    run->gdb_fds[i] = -1;
  for (guint i = 0; i < n; i++) {
    if (c->gdb_vm >= 0 && (guint)c->gdb_vm != i) {
      run->gdb_targets[i] = g_strdup("");
      continue;
    }
    run->gdb_fds[i] = mh_gdb_listen(&spec, i, n, c->gdb_vm >= 0,
                                    &run->gdb_targets[i], &run->gdb_unlink[i],
                                    error);
    if (run->gdb_fds[i] < 0) {
      run->gdb_targets[i] = g_strdup("");
      return FALSE;
    }
    if (!exposed && !mh_gdb_listen_is_local(run->gdb_fds[i])) {
      exposed = TRUE;
      run_warn("--gdb: listening on %s, beyond the loopback address: "
               "anyone who can reach it from another machine can debug the "
               "guests and read their files", c->gdb_host);
    }
  }
  return TRUE;
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

/* The console file of VM @index: vmN-IMAGE.console, replaced if it
 * exists (as a shell's > would), opened as every output file is
 * (outfile.h); its name bounded like every name made from an image's. */
static int
run_open_console_file(MhRun *run, guint index, const char *base,
                      GError **error)
{
  g_autofree char *prefix = g_strdup_printf("vm%u-", index);
  g_autofree char *name = mh_text_file_name(prefix, base, ".console");
  g_autofree char *safe = mh_text_escape(name);
  int fd = mh_out_file_open(run->console_dir_fd, name, 0, MH_ERROR_HOST,
                            error);

  if (fd < 0)
    g_prefix_error(error, "cannot create its console file '%s': ", safe);
  return fd;
}

MhRun *
mh_run_new(const MhConfig *config, GError **error)
{
  g_autoptr(MhRun) run = g_new0(MhRun, 1);
  struct stat st;
  guint max_open;

  run->config = config;
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
  run->machine.output_limit = config->output_limit;
  /* With the report on standard output, the console moves out of its
   * way (mini_hypervisor-report(5)). */
  run->console_fd = config->report != NULL && strcmp(config->report, "-") == 0
                      ? STDERR_FILENO : STDOUT_FILENO;

  /* Every input is read or opened before any VM exists. */
  if (!run_load_images(run, error))
    return NULL;
  run->shared = mh_shared_files_open(config->files, error);
  if (run->shared == NULL)
    return NULL;
  max_open = run_share_fd_limit(run->machine.vm_count, config->max_open,
                                error);
  if (max_open == 0)
    return NULL;
  if (max_open < config->max_open)
    run_warn("the open-file limit leaves each of the %u VMs %u open files, "
             "not %u (raise it with ulimit -n)", run->machine.vm_count,
             max_open, config->max_open);

  if (!mh_sandbox_probe(&run->sandbox, config->sandbox, error))
    return NULL;
  if (run->sandbox.missing != NULL)
    run_warn("sandbox: %s (use --sandbox=off to silence this, or "
             "--sandbox=strict to refuse)", run->sandbox.missing);
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
  /* Opened (and truncated) only once every other input checked out. */
  if (config->trace_path != NULL) {
    run->trace = mh_trace_open(config->trace_path, config->trace_limit, error);
    if (run->trace == NULL)
      return NULL;
  }
  if (!mh_run_dir_open(&run->dir, config->output_dir, error))
    return NULL;
  if (config->console_dir != NULL &&
      (run->console_dir_fd = run_open_console_dir(config->console_dir,
                                                  error)) < 0)
    return NULL;

  run->files = (MhFileConfig){
    .shared = run->shared,
    .run_fd = run->dir.run_fd,
    .run_path = run->dir.run_path,
    .run_error = run->dir.error,
    .max_open = max_open,
    .quota = config->quota,
  };
  run->machine.files = &run->files;
  mh_output_init(&run->output, run->console_fd, run->output_fd);
  run->output_ready = TRUE;
  run->stdout_is_pipe = fstat(run->console_fd, &st) == 0 &&
                        S_ISFIFO(st.st_mode);
  /* Standard input is routed to the VMs by this thread. */
  run->stdin_fd = STDIN_FILENO;
  /* Any VM may switch to coalesced console output while it runs. */
  run->coalescing = run->kvm.coalesced_pio &&
                    g_getenv("MINI_HYPERVISOR_NO_COALESCING") == NULL;
  return g_steal_pointer(&run);
}

/* ------------------------------------------------------------------ */
/* Starting                                                             */

static gpointer
run_vm_thread(gpointer data)
{
  MhRunSlot *slot = data;

  mh_vm_run(slot->vm, &slot->error);
  g_atomic_int_set(&slot->ended, 1);
  mh_fd_signal(slot->run->done_fd); /* wake the main thread */
  return NULL;
}

static void
run_warn_input(gpointer user, const char *message)
{
  (void)user;
  run_warn("%s", message);
}

/* The fds of the run that every VM thread uses, for its sandbox: it
 * writes the console to standard output (and sanitizers' reports to
 * standard error), signals the run's eventfds and reads the shared
 * files.  Not the run's directory: only the main thread uses it, and it
 * leads to the other VMs' directories. */
static GArray *
run_vm_fds(MhRun *run)
{
  GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
  int fixed[] = {STDOUT_FILENO, STDERR_FILENO, run->done_fd, run->space_fd,
                 run->output_fd};

  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    if (fixed[i] >= 0)
      g_array_append_val(fds, fixed[i]);
  for (guint i = 0; i < run->shared->n_files; i++)
    g_array_append_val(fds, run->shared->files[i].fd);
  /* Each VM thread appends its own trace records (trace.h). */
  if (run->trace != NULL) {
    int fd = mh_trace_fd(run->trace);
    g_array_append_val(fds, fd);
  }
  return fds;
}

void
mh_run_start(MhRun *run)
{
  g_autoptr(GArray) keep = run_vm_fds(run);

  run->n_slots = run->images->len;
  run->slots = g_new0(MhRunSlot, run->n_slots);
  run->queues = g_new0(MhInput *, run->n_slots);
  run->machines = g_new0(MhMachine, run->n_slots);

  /* Every VM is built first (one that cannot be built fails alone)... */
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];
    const MhImage *image = run->images->pdata[i];
    g_autofree char *base = g_path_get_basename(image->path);
    g_autofree char *safe = mh_text_escape(base);
    g_autofree char *tag = run->n_slots > 1 ? g_strdup_printf("[%u:%s] ", i,
                                                              safe)
                                            : NULL;
    MhVmSetup setup = {
      .kvm = &run->kvm,
      .machine = &run->machines[i],
      .image = image,
      .index = i,
      .output = &run->output,
      .console_tag = tag,
      .input_space_fd = run->space_fd,
      .sandbox = &run->sandbox,
      .keep_fds = (const int *)(void *)keep->data,
      .n_keep_fds = keep->len,
      .console_fd = -1,
    };
    g_autofree char *wait_notice = NULL;

    run->machines[i] = run->machine;
    run->machines[i].ram_size =
      (guint64)run->config->guest_settings[i].memory_mb << 20;
    run->machines[i].page_size = run->config->guest_settings[i].page_size;
    slot->run = run;
    slot->name = g_strdup_printf("vm %u (%s)", i, safe);
    /* A person typing at a terminal for several VMs cannot tell which
     * one waits for a line: it says so, each time, on the terminal. */
    if (run->n_slots > 1 && isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
      wait_notice = g_strdup_printf("%s: %s: waiting for input (a line "
                                    "that starts with '%u:' goes to it "
                                    "alone)\n", g_get_prgname(),
                                    slot->name, i);
      setup.wait_notice = wait_notice;
    }
    slot->gdb_fd = run->gdb_fds != NULL ? run->gdb_fds[i] : -1;
    if (slot->gdb_fd >= 0) {
      run->gdb_fds[i] = -1; /* the slot's now */
      slot->gdb_unlink = g_steal_pointer(&run->gdb_unlink[i]);
      setup.gdb = TRUE;
      setup.gdb_wait = run->config->gdb_wait;
      setup.gdb_listen_fd = slot->gdb_fd;
      fprintf(stderr, "%s: %s: gdb: target remote %s\n", g_get_prgname(),
              slot->name, run->gdb_targets[i]);
    }
    if (run->trace != NULL)
      slot->trace = setup.trace = mh_trace_vm_new(run->trace, i, slot->name);
    if (run->console_dir_fd >= 0) {
      setup.console_fd = run_open_console_file(run, i, base, &slot->error);
      if (setup.console_fd < 0) {
        run->queues[i] = g_new0(MhInput, 1);
        mh_input_init(run->queues[i], -1);
        mh_input_abandon(run->queues[i]);
        continue;
      }
    }
    slot->vm = mh_vm_new(&setup, &slot->error);
    if (slot->vm == NULL) {
      /* Its input goes nowhere: a queue that is closed from the start. */
      run->queues[i] = g_new0(MhInput, 1);
      mh_input_init(run->queues[i], -1);
      mh_input_abandon(run->queues[i]);
      continue;
    }
    run->queues[i] = mh_vm_input(slot->vm);
    if (run->config->verbose) {
      g_autofree char *desc = mh_vm_describe(slot->vm);
      fprintf(stderr, "%s: %s: %s\n", g_get_prgname(), slot->name, desc);
    }
  }
  mh_router_init(&run->router, run->queues, run->n_slots, run_warn_input,
                 NULL);
  run->routing = TRUE;

  /* ...then each gets its thread. */
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];
    g_autofree char *name = g_strdup_printf("vm%u", i);

    if (slot->vm == NULL)
      continue;
    slot->thread = g_thread_try_new(name, run_vm_thread, slot, &slot->error);
    if (slot->thread != NULL)
      run->n_running++;
    else
      g_prefix_error(&slot->error, "cannot start its thread: ");
  }
  if (run->config->verbose) {
    g_autofree char *desc = mh_sandbox_describe(&run->sandbox);
    fprintf(stderr, "%s: %s\n", g_get_prgname(), desc);
  }
}

/* ------------------------------------------------------------------ */
/* Waiting                                                              */

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
  for (guint i = 0; i < run->n_slots; i++)
    if (run->slots[i].vm != NULL)
      mh_vm_request_stop(run->slots[i].vm, reason);
}

/* Kicks the VMs whose thread should look at its state again: every VM
 * still running once the run stops, or else the VMs with console output
 * queued in their ring (so that a guest that prints and then computes is
 * seen).  Only a signal: the VM's own thread does the work. */
static void
run_kick(MhRun *run)
{
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];

    if (slot->vm == NULL || slot->thread == NULL ||
        g_atomic_int_get(&slot->ended))
      continue;
    if (run->stop != MH_STOP_NONE || mh_vm_output_pending(slot->vm) ||
        mh_vm_stop_reason(slot->vm) != MH_STOP_NONE)
      mh_vm_kick(slot->vm);
  }
}

/* --cpu-limit: stops each VM whose thread has used its CPU time; only
 * that VM, the others run on. */
static void
run_check_cpu(MhRun *run)
{
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];

    if (slot->vm == NULL || slot->thread == NULL ||
        g_atomic_int_get(&slot->ended) ||
        mh_vm_stop_reason(slot->vm) != MH_STOP_NONE)
      continue;
    if (mh_vm_cpu_seconds(slot->vm) >= run->config->cpu_limit)
      mh_vm_request_stop(slot->vm, MH_STOP_CPU_LIMIT);
  }
}

void
mh_run_wait(MhRun *run)
{
  gdouble timeout = run->config->timeout;
  gint64 deadline = timeout > 0 ? g_get_monotonic_time() + (gint64)(timeout * 1e6)
                                : G_MAXINT64;

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
    int wait_ms = -1;

    if (run->stdin_fd >= 0 && !run_input_backlogged(run))
      fds[RUN_POLL_STDIN].fd = run->stdin_fd;
    if (deadline != G_MAXINT64)
      wait_ms = (int)CLAMP((deadline - g_get_monotonic_time() + 999) / 1000, 0,
                           G_MAXINT);
    if (run->coalescing && (wait_ms < 0 || wait_ms > MH_DRAIN_INTERVAL_MS))
      wait_ms = MH_DRAIN_INTERVAL_MS;
    if (run->stop != MH_STOP_NONE && (wait_ms < 0 || wait_ms > RUN_REKICK_MS))
      wait_ms = RUN_REKICK_MS;
    /* gdb connections are looked at now and then (below). */
    if (run->config->gdb && (wait_ms < 0 || wait_ms > RUN_REKICK_MS))
      wait_ms = RUN_REKICK_MS;
    if (run->config->cpu_limit > 0 &&
        (wait_ms < 0 || wait_ms > RUN_CPU_CHECK_MS))
      wait_ms = RUN_CPU_CHECK_MS;
    if (poll(fds, RUN_POLL_COUNT, wait_ms) < 0 && errno != EINTR)
      break;
    /* The gdb sockets and connections: a connection to accept, check
     * and hand over; input from gdb (Ctrl-C, or gdb gone), which the
     * VM's own thread reads once woken. */
    for (guint i = 0; run->config->gdb && i < run->n_slots; i++) {
      MhVm *vm = run->slots[i].vm;
      gdb_fds[i] = (struct pollfd){
        vm != NULL && !g_atomic_int_get(&run->slots[i].ended)
          ? mh_vm_gdb_fd(vm) : -1, POLLIN, 0};
    }
    if (run->config->gdb && poll(gdb_fds, run->n_slots, 0) >= 0)
      for (guint i = 0; i < run->n_slots; i++) {
        g_autoptr(GError) warning = NULL;
        if (gdb_fds[i].fd >= 0 &&
            !mh_vm_gdb_service(run->slots[i].vm, gdb_fds[i].revents, &warning))
          run_warn("%s: gdb: %s", run->slots[i].name, warning->message);
      }

    if (fds[RUN_POLL_DONE].revents & POLLIN) {
      guint64 ended = run_drain_eventfd(run->done_fd);
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
    if (run->config->cpu_limit > 0)
      run_check_cpu(run);
    run_kick(run);
  }
}

/* ------------------------------------------------------------------ */
/* Finishing                                                            */

/* How a VM ended: its own diagnosis, or a host error for one that could
 * not be built or started. */
static MhOutcome
run_slot_outcome(const MhRunSlot *slot)
{
  MhOutcome outcome = slot->vm != NULL ? mh_vm_diagnosis(slot->vm)->outcome
                                       : MH_OUTCOME_HOST_ERROR;

  if (slot->error != NULL && outcome == MH_OUTCOME_HALTED)
    outcome = MH_OUTCOME_HOST_ERROR;
  return outcome;
}

static void
run_print_error(const char *prefix, const GError *error)
{
  fprintf(stderr, "%s: error: %s%s\n", g_get_prgname(), prefix, error->message);
}

int
mh_run_finish(MhRun *run)
{
  g_autoptr(GError) dir_error = NULL;
  gboolean kept_files = FALSE;
  /* When the reader of our output went away ("| head"), the VMs it
   * stopped are no news: only other failures are reported. */
  gboolean quiet_stops = run->stop_signal == SIGPIPE;
  int status = MH_EXIT_OK;
  int write_errno;

  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];
    g_autofree char *prefix = g_strdup_printf("%s: ", slot->name);
    const char *dir_path, *last_error;
    guint64 host_errors;

    if (slot->thread != NULL)
      g_thread_join(slot->thread);
    slot->thread = NULL;
    if (slot->vm != NULL) {
      if (run->config->verbose) {
        g_autofree char *exits = mh_vm_describe_exits(slot->vm);
        fprintf(stderr, "%s: %s%s; %s\n", g_get_prgname(), prefix,
                slot->error ? "failed" : "halted", exits);
      }
      if (mh_vm_console_file_error(slot->vm) != 0)
        run_warn("%swriting its console file: %s", prefix,
                 g_strerror(mh_vm_console_file_error(slot->vm)));
      host_errors = mh_vm_host_errors(slot->vm, &last_error);
      if (host_errors > 0)
        run_warn("%s%" G_GUINT64_FORMAT " file operation(s) failed on the "
                 "host, the last: %s", prefix, host_errors, last_error);
      if (slot->trace != NULL) {
        gboolean failed;
        g_autofree char *problem = mh_trace_vm_problem(slot->trace, &failed);
        if (problem != NULL && failed) {
          fprintf(stderr, "%s: error: %s%s\n", g_get_prgname(), prefix,
                  problem);
          status = mh_exit_status_worst(status, MH_EXIT_HOST);
        } else if (problem != NULL) {
          run_warn("%s%s", prefix, problem);
        }
      }
      if (mh_vm_keep_files(slot->vm, &dir_path)) {
        g_autofree char *safe_dir = mh_text_escape(dir_path);
        slot->kept_dir = g_strdup(dir_path);
        fprintf(stderr, "%s: %sfiles in %s\n", g_get_prgname(), prefix,
                safe_dir);
        kept_files = TRUE;
      }
    }
    if (slot->error != NULL) {
      status = mh_exit_status_worst(
        status, mh_outcome_exit_status(run_slot_outcome(slot)));
      if (!(quiet_stops && slot->vm != NULL &&
            mh_vm_stop_reason(slot->vm) != MH_STOP_NONE))
        run_print_error(prefix, slot->error);
      if (run->config->verbose && slot->vm != NULL &&
          mh_vm_fault_detail(slot->vm) != NULL) {
        g_auto(GStrv) detail = g_strsplit(mh_vm_fault_detail(slot->vm), "\n", -1);
        for (guint j = 0; detail[j] != NULL; j++)
          fprintf(stderr, "%s: %s%s\n", g_get_prgname(), prefix, detail[j]);
      }
    }
    /* slot->error stays for mh_run_report(). */
  }
  if (!mh_run_dir_finish(&run->dir, kept_files, &dir_error))
    run_warn("%s", dir_error->message);
  /* Every VM thread has ended: the trace's tail goes last. */
  if (run->trace != NULL) {
    g_autoptr(GError) trace_error = NULL;
    if (!mh_trace_close(run->trace, &trace_error)) {
      run_print_error("", trace_error);
      status = mh_exit_status_worst(status, MH_EXIT_HOST);
    }
  }

  write_errno = g_atomic_int_get(&run->output.write_errno);
  if (write_errno != 0 && write_errno != EPIPE) {
    fprintf(stderr, "%s: error: writing guest output: %s\n", g_get_prgname(),
            g_strerror(write_errno));
    status = mh_exit_status_worst(status, MH_EXIT_HOST);
  }
  if (run->stop_signal != 0)
    status = MH_EXIT_SIGNAL + run->stop_signal;
  return status;
}

void
mh_run_report(MhRun *run, MhReport *report)
{
  for (guint i = 0; i < run->n_slots; i++) {
    MhRunSlot *slot = &run->slots[i];
    const MhImage *image = run->images->pdata[i];
    MhVmStats stats;
    MhReportVm vm = {
      .index = i,
      .name = slot->name,
      .image_path = image->path,
      .image_data = image->data,
      .image_size = image->size,
      .memory_mb = run->config->guest_settings[i].memory_mb,
      .page_size = run->config->guest_settings[i].page_size,
      .outcome = run_slot_outcome(slot),
      .message = slot->error != NULL ? slot->error->message : NULL,
      .files_dir = slot->kept_dir,
    };

    if (slot->vm != NULL) {
      mh_vm_stats(slot->vm, &stats);
      vm.stats = &stats;
      vm.diagnosis = mh_vm_diagnosis(slot->vm);
    }
    mh_report_add_vm(report, &vm);
  }
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
    g_free(slot->kept_dir);
  }
  for (guint i = 0; run->gdb_fds != NULL && i < run->machine.vm_count; i++) {
    mh_fd_close(run->gdb_fds[i]);
    if (run->gdb_unlink[i] != NULL)
      unlink(run->gdb_unlink[i]);
  }
  g_free(run->gdb_fds);
  g_strfreev(run->gdb_targets);
  /* (a GStrv with holes: free each entry, then the array) */
  for (guint i = 0; run->gdb_unlink != NULL && i < run->machine.vm_count; i++)
    g_free(run->gdb_unlink[i]);
  g_free(run->gdb_unlink);
  if (run->routing)
    mh_router_clear(&run->router);
  g_free(run->queues);
  g_free(run->slots);
  g_free(run->machines);
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
