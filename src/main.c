/* SPDX-License-Identifier: MIT */
/*
 * main.c - the main thread: parse the command line, load every image,
 * open KVM once, build the VMs, run each in its own GThread, handle
 * signals and --timeout, then report and choose the exit status.
 *
 * Only this file prints errors, and only this file decides the exit
 * status.  VM threads never exit the process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "kvm.h"
#include "loader.h"
#include "sandbox.h"
#include "vm.h"

/* The signal the main thread sends a vCPU thread to break KVM_RUN. */
#define MH_KICK_SIGNAL SIGUSR1

/* One VM of the run, as the main thread tracks it. */
typedef struct {
  guint            index;
  const MhImage   *image;
  const MhSandbox *sandbox;
  MhVm            *vm;     /* NULL if it could not be built        */
  GThread       *thread;
  GError        *error;    /* why it failed to build or to halt    */
  int            done_fd;  /* eventfd the thread signals at its end */
} MhRunSlot;

static void
print_error(const char *prefix, const GError *error)
{
  fprintf(stderr, "%s: error: %s%s\n", g_get_prgname(), prefix ? prefix : "",
          error->message);
}

/* The fds a VM's thread uses besides its VM's, vCPU's and directory's:
 * standard output (its console) and error, the eventfds it signals, the
 * shared files.  Not the run's directory: only the main thread uses it,
 * and in the thread it would lead to the other VMs' directories. */
static GArray *
vm_thread_fds(const MhRunSlot *slot)
{
  const MhVm *vm = slot->vm;
  const MhSharedFiles *shared = vm->machine->files->shared;
  const int fds[] = {STDOUT_FILENO, STDERR_FILENO, slot->done_fd,
                     vm->input.space_fd, vm->console.output->notify_fd};
  GArray *keep = g_array_new(FALSE, FALSE, sizeof(int));

  g_array_append_vals(keep, fds, G_N_ELEMENTS(fds));
  for (guint i = 0; shared != NULL && i < shared->n_files; i++)
    g_array_append_val(keep, shared->files[i].fd);
  return keep;
}

static gpointer
run_vm_thread(gpointer data)
{
  MhRunSlot *slot = data;
  g_autoptr(GArray) keep = vm_thread_fds(slot);
  MhSandboxFds fds = {
    .vm_dir_fd = slot->vm->files.dir_fd,
    .vm_fd = slot->vm->vm_fd,
    .vcpu_fd = slot->vm->vcpu_fd,
    .keep = (const int *)keep->data,
    .n_keep = keep->len,
  };
  guint64 one = 1;

  /* Confine this thread before the guest's first instruction. */
  if (mh_sandbox_enter(slot->sandbox, &fds, &slot->error))
    mh_vm_run(slot->vm, &slot->error);
  else
    g_prefix_error(&slot->error, "cannot confine its thread: ");
  /* The files the guest opened exist in this thread's own file table
   * only: close them here.  The main thread must not, after the join, by
   * number: in its table those numbers are other files. */
  g_hash_table_remove_all(slot->vm->files.fds);
  /* Wake the main thread; an eventfd write of 1 cannot fail short. */
  while (write(slot->done_fd, &one, sizeof one) < 0 && errno == EINTR)
    ;
  return NULL;
}

static void
on_kick(int signo)
{
  (void)signo; /* only here to interrupt KVM_RUN and read() with EINTR */
}

/* Signals: SIGINT/SIGTERM/SIGHUP are blocked in every thread and read by
 * the main thread through a signalfd; the kick signal has a no-op handler
 * without SA_RESTART; SIGPIPE and SIGXFSZ are ignored (the failing write
 * reports the error instead). */
static int
setup_signals(GError **error)
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
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "signalfd: %s",
                g_strerror(errno));
  return fd;
}

/* Each VM always holds four descriptors (its VM, its vCPU, and its and
 * the run's directories), plus the files its guest opens; the process
 * needs a few of its own. */
#define MH_FDS_PER_VM 4u
#define MH_FDS_BASE   32u

/* Raises the open-file limit to its hard maximum, then gives every VM a
 * fair share of it: --max-open files each, or fewer where the limit
 * cannot hold that many for every VM at once, so that no VM can take the
 * descriptors another needs.  Refuses a run that cannot give each VM at
 * least one file.  Returns the files per VM, or 0. */
static guint
share_fd_limit(guint n_vms, guint max_open, GError **error)
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
  share = limit <= MH_FDS_BASE ? 0 : (limit - MH_FDS_BASE) / n_vms;
  share = share <= MH_FDS_PER_VM ? 0 : share - MH_FDS_PER_VM;
  if (share == 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "%u VMs need at least %" G_GUINT64_FORMAT " open files, but the "
                "limit is %" G_GUINT64_FORMAT " (raise it with ulimit -n, or "
                "run fewer VMs)", n_vms,
                (guint64)n_vms * (MH_FDS_PER_VM + 1) + MH_FDS_BASE, limit);
    return 0;
  }
  return (guint)MIN(share, (guint64)max_open);
}

/* Loads each distinct image path once; returns images in argv order. */
static GPtrArray *
load_images(GStrv paths, guint64 ram_size, GPtrArray *owned, GError **error)
{
  g_autoptr(GHashTable) by_path = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) images = g_ptr_array_new();

  for (guint i = 0; paths[i] != NULL; i++) {
    MhImage *image = g_hash_table_lookup(by_path, paths[i]);
    if (image == NULL) {
      image = mh_image_load(paths[i], ram_size, error);
      if (image == NULL)
        return NULL;
      g_ptr_array_add(owned, image);
      g_hash_table_insert(by_path, paths[i], image);
    }
    g_ptr_array_add(images, image);
  }
  return g_steal_pointer(&images);
}

/* Everything the main thread's wait loop looks after. */
typedef struct {
  MhRunSlot *slots;
  guint      n_slots;
  guint      n_running;
  int        done_fd;    /* VM threads: "I have ended"                   */
  int        signal_fd;  /* SIGINT, SIGTERM, SIGHUP                      */
  int        space_fd;   /* input queues: "I have room again"            */
  int        output_fd;  /* the output writer: "standard output failed"  */
  gboolean   stdout_is_pipe; /* watched for its reader going away      */
  MhOutput  *output;
  int        stdin_fd;   /* -1 once standard input has ended             */
  MhRouter   router;
  gboolean   wrote_files; /* some VM kept files                          */
  gboolean   coalescing;  /* VMs queue console output in rings           */
} MhWait;

static void
warn_input(gpointer user, const char *message)
{
  (void)user;
  fprintf(stderr, "%s: warning: %s\n", g_get_prgname(), message);
}

/* TRUE while the only VM's queue is too full to take more input.  With
 * several VMs there is no such pause (see MH_INPUT_MAX): one VM that
 * never reads must not hold up the input of the others. */
static gboolean
input_backlogged(MhWait *w)
{
  for (guint i = 0; w->router.raw && i < w->n_slots; i++)
    if (w->slots[i].vm != NULL &&
        mh_input_pending(&w->slots[i].vm->input) > MH_INPUT_HIGH)
      return TRUE;
  return FALSE;
}

/* Reads one chunk of standard input and routes it; at its end (or on a
 * read error) every VM's input is closed. */
static void
route_stdin(MhWait *w)
{
  guint8 buf[65536];
  ssize_t got = read(w->stdin_fd, buf, sizeof buf);

  if (got < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (got > 0) {
    mh_router_feed(&w->router, buf, (gsize)got);
    return;
  }
  if (got < 0)
    fprintf(stderr, "%s: warning: reading standard input: %s (the guests see "
            "end of input)\n", g_get_prgname(), g_strerror(errno));
  mh_router_finish(&w->router);
  w->stdin_fd = -1;
}

static void
drain_eventfd(int fd, guint64 *count)
{
  guint64 n = 0;
  if (read(fd, &n, sizeof n) == sizeof n && count != NULL)
    *count = n;
}

/* Waits for every VM thread, feeding them input and handling stop signals
 * and --timeout.  Returns the signal that stopped the run, or 0. */
static int
wait_for_vms(MhWait *w, gdouble timeout)
{
  gint64 deadline = timeout > 0 ? g_get_monotonic_time() + (gint64)(timeout * 1e6)
                                : G_MAXINT64;
  int stop_signal = 0;

  while (w->n_running > 0) {
    struct pollfd fds[6] = {
      {w->done_fd, POLLIN, 0},
      {w->signal_fd, POLLIN, 0},
      {w->space_fd, POLLIN, 0},
      {-1, POLLIN, 0}, /* standard input, while it may be read */
      {w->output_fd, POLLIN, 0},
      /* A pipe on standard output reports POLLERR once its reader is
       * gone, before anyone writes to it. */
      {w->stdout_is_pipe ? STDOUT_FILENO : -1, 0, 0},
    };
    MhStopReason reason = MH_STOP_NONE;
    int wait_ms = -1;

    if (w->stdin_fd >= 0 && !input_backlogged(w))
      fds[3].fd = w->stdin_fd;
    if (deadline != G_MAXINT64)
      wait_ms = (int)CLAMP((deadline - g_get_monotonic_time() + 999) / 1000, 0,
                           G_MAXINT);
    /* Console bytes KVM queued without an exit are moved on at least
     * this often, so a guest that prints and then computes is seen. */
    if (w->coalescing && (wait_ms < 0 || wait_ms > MH_DRAIN_INTERVAL_MS))
      wait_ms = MH_DRAIN_INTERVAL_MS;
    if (poll(fds, G_N_ELEMENTS(fds), wait_ms) < 0 && errno != EINTR)
      break;
    for (guint i = 0; w->coalescing && i < w->n_slots; i++)
      if (w->slots[i].vm != NULL)
        mh_vm_drain(w->slots[i].vm);

    if (fds[0].revents & POLLIN) {
      guint64 n = 0;
      drain_eventfd(w->done_fd, &n);
      w->n_running -= (guint)MIN(n, w->n_running);
    }
    if (fds[2].revents & POLLIN)
      drain_eventfd(w->space_fd, NULL);
    if (fds[3].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
      route_stdin(w);
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(w->signal_fd, &info, sizeof info) == sizeof info &&
          stop_signal == 0) {
        stop_signal = (int)info.ssi_signo;
        reason = MH_STOP_SIGNAL_BASE + stop_signal;
      }
    }
    /* Standard output failed: nobody can see the guests any more.  A
     * closed pipe ("| head") ends the run as SIGPIPE would. */
    if ((fds[5].revents & POLLERR) && stop_signal == 0) {
      w->stdout_is_pipe = FALSE;
      stop_signal = SIGPIPE;
      reason = MH_STOP_SIGNAL_BASE + SIGPIPE;
    }
    if ((fds[4].revents & POLLIN) && stop_signal == 0) {
      drain_eventfd(w->output_fd, NULL);
      if (w->output->write_errno == EPIPE) {
        stop_signal = SIGPIPE;
        reason = MH_STOP_SIGNAL_BASE + SIGPIPE;
      } else {
        reason = MH_STOP_OUTPUT;
      }
    }
    if (deadline != G_MAXINT64 && g_get_monotonic_time() >= deadline) {
      deadline = G_MAXINT64; /* once */
      reason = MH_STOP_TIMEOUT;
    }
    if (reason != MH_STOP_NONE)
      for (guint i = 0; i < w->n_slots; i++)
        if (w->slots[i].vm != NULL)
          mh_vm_request_stop(w->slots[i].vm, reason, MH_KICK_SIGNAL);
  }
  return stop_signal;
}

/* Builds every VM (a VM that cannot be built fails alone), then starts
 * one thread per VM.  Returns how many threads run. */
static guint
start_vms(MhWait *w, const MhConfig *config, GPtrArray *images,
          const MhKvm *kvm, const MhMachine *machine, MhOutput *output,
          const MhSandbox *sandbox)
{
  g_autofree MhInput **queues = g_new0(MhInput *, w->n_slots);
  guint running = 0;

  for (guint i = 0; i < w->n_slots; i++) {
    MhRunSlot *slot = &w->slots[i];
    g_autofree char *base = g_path_get_basename(config->guests[i]);
    g_autofree char *tag = w->n_slots > 1 ? g_strdup_printf("[%u:%s] ", i, base)
                                          : NULL;

    slot->index = i;
    slot->image = images->pdata[i];
    slot->sandbox = sandbox;
    slot->done_fd = w->done_fd;
    slot->vm = mh_vm_new(kvm, machine, slot->image, i, output, tag,
                         w->space_fd, &slot->error);
    if (slot->vm == NULL) {
      /* Its input goes nowhere: a queue that is closed from the start. */
      queues[i] = g_new0(MhInput, 1);
      mh_input_init(queues[i], -1);
      mh_input_abandon(queues[i]);
      continue;
    }
    queues[i] = &slot->vm->input;
    mh_files_prepare_dir(&slot->vm->files);
    if (config->verbose) {
      g_autofree char *desc = mh_vm_describe(slot->vm);
      fprintf(stderr, "%s: vm %u (%s): %s\n", g_get_prgname(), i,
              slot->vm->name, desc);
    }
  }
  mh_router_init(&w->router, g_steal_pointer(&queues), w->n_slots, warn_input,
                 NULL);

  for (guint i = 0; i < w->n_slots; i++) {
    MhRunSlot *slot = &w->slots[i];
    g_autofree char *name = g_strdup_printf("vm%u", i);

    if (slot->vm == NULL)
      continue;
    slot->thread = g_thread_try_new(name, run_vm_thread, slot, &slot->error);
    if (slot->thread != NULL)
      running++;
    else
      g_prefix_error(&slot->error, "cannot start its thread: ");
  }
  return running;
}

/* "run-YYYYmmdd-HHMMSS-PID": unique per run, sorts by time. */
static char *
make_run_name(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  return g_strdup_printf("run-%s-%d", stamp, (int)getpid());
}

/* After the run: points OUTPUT/latest at the run's directory if a VM
 * kept files (replacing an older link atomically), or removes the empty
 * directories made for the VMs, so that a run that wrote nothing leaves
 * nothing behind.  rmdir never removes a file, only empty directories. */
static void
finish_output(const MhFileConfig *files, gboolean kept, gboolean made_output)
{
  g_autofree char *run = g_build_filename(files->output_dir, files->run_name,
                                          NULL);

  if (kept) {
    g_autofree char *tmp = g_strdup_printf("%s/.latest-%d", files->output_dir,
                                           (int)getpid());
    g_autofree char *latest = g_build_filename(files->output_dir, "latest",
                                               NULL);
    if (symlink(files->run_name, tmp) == 0 && rename(tmp, latest) < 0)
      unlink(tmp);
    return;
  }
  rmdir(run);
  if (made_output)
    rmdir(files->output_dir);
}

/* Joins every VM, reports each one that failed; returns the exit status. */
static int
finish_vms(MhWait *w, const MhConfig *config, gboolean quiet_stops)
{
  int status = MH_EXIT_OK;

  for (guint i = 0; i < w->n_slots; i++) {
    MhRunSlot *slot = &w->slots[i];
    g_autofree char *name = g_path_get_basename(config->guests[i]);
    g_autofree char *prefix = g_strdup_printf("vm %u (%s): ", i, name);

    if (slot->thread != NULL)
      g_thread_join(slot->thread);
    if (config->verbose && slot->vm != NULL) {
      g_autofree char *exits = mh_vm_describe_exits(slot->vm);
      fprintf(stderr, "%s: %s%s; %s\n", g_get_prgname(), prefix,
              slot->error ? "failed" : "halted", exits);
    }
    if (slot->vm != NULL && slot->vm->files.host_errors > 0)
      fprintf(stderr, "%s: warning: %s%" G_GUINT64_FORMAT " file operation(s) "
              "failed on the host, the last: %s\n", g_get_prgname(), prefix,
              slot->vm->files.host_errors, slot->vm->files.last_host_error);
    if (slot->vm != NULL && mh_files_finish(&slot->vm->files)) {
      fprintf(stderr, "%s: %sfiles in %s\n", g_get_prgname(), prefix,
              slot->vm->files.dir_path);
      w->wrote_files = TRUE;
    }
    /* When the reader of our output went away ("| head"), the VMs it
     * stopped are no news: only other failures are reported. */
    if (slot->error != NULL) {
      status = MH_EXIT_FAILURE;
      if (!(quiet_stops && slot->vm != NULL &&
            g_atomic_int_get(&slot->vm->stop) != MH_STOP_NONE))
        print_error(prefix, slot->error);
    }
    g_clear_error(&slot->error);
    if (slot->vm == NULL && w->router.queues != NULL) {
      mh_input_clear(w->router.queues[i]);
      g_free(w->router.queues[i]);
    }
    g_clear_pointer(&slot->vm, mh_vm_free);
  }
  return status;
}

static int
run(const MhConfig *config, GError **error)
{
  g_autoptr(GPtrArray) owned_images = g_ptr_array_new_with_free_func(
    (GDestroyNotify)mh_image_free);
  g_autoptr(GPtrArray) images = NULL;
  g_autofree MhRunSlot *slots = NULL;
  g_autoptr(MhSharedFiles) shared = NULL;
  g_autofree char *run_name = NULL;
  MhFileConfig files = {0};
  MhMachine machine = {0};
  MhKvm kvm = {.fd = -1};
  MhWait w = {.done_fd = -1, .signal_fd = -1, .space_fd = -1, .stdin_fd = -1,
              .output_fd = -1};
  MhSandbox sandbox = {0};
  gboolean made_output;
  guint max_open;
  MhOutput output;
  int stop_signal, status = MH_EXIT_FAILURE;

  machine.ram_size = (guint64)config->memory_mb << 20;
  machine.page_size = config->page_size;
  machine.vm_count = g_strv_length(config->guests);

  /* Every input is read or opened before any VM exists. */
  images = load_images(config->guests, machine.ram_size, owned_images, error);
  if (images == NULL)
    return MH_EXIT_USAGE;
  shared = mh_shared_files_open(config->files, error);
  if (shared == NULL)
    return MH_EXIT_USAGE;
  max_open = share_fd_limit(machine.vm_count, config->max_open, error);
  if (max_open == 0)
    return MH_EXIT_FAILURE;
  if (max_open < config->max_open)
    fprintf(stderr, "%s: warning: the open-file limit leaves each of the %u "
            "VMs %u open files, not %u (raise it with ulimit -n)\n",
            g_get_prgname(), machine.vm_count, max_open, config->max_open);
  run_name = make_run_name();
  files = (MhFileConfig){
    .shared = shared,
    .output_dir = config->output_dir,
    .run_name = run_name,
    .max_open = max_open,
    .quota = config->quota,
  };
  machine.files = &files;

  if (!mh_sandbox_probe(&sandbox, config->sandbox, error))
    return MH_EXIT_FAILURE;
  if (sandbox.missing != NULL)
    fprintf(stderr, "%s: warning: sandbox: %s (use --sandbox=off to silence "
            "this, or --sandbox=strict to refuse)\n", g_get_prgname(),
            sandbox.missing);
  w.signal_fd = setup_signals(error);
  if (w.signal_fd < 0)
    return MH_EXIT_FAILURE;
  if (!mh_kvm_open(&kvm, g_getenv("MINI_HYPERVISOR_KVM") ?: "/dev/kvm", error))
    goto out;
  w.done_fd = eventfd(0, EFD_CLOEXEC);
  w.space_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  w.output_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (w.done_fd < 0 || w.space_fd < 0 || w.output_fd < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "eventfd: %s", g_strerror(errno));
    goto out;
  }
  /* Standard input is routed to the VMs by this thread. */
  w.stdin_fd = STDIN_FILENO;

  mh_output_init(&output, STDOUT_FILENO, w.output_fd);
  w.output = &output;
  {
    struct stat st;
    w.stdout_is_pipe = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
  }
  w.n_slots = images->len;
  w.slots = slots = g_new0(MhRunSlot, w.n_slots);
  made_output = !g_file_test(config->output_dir, G_FILE_TEST_EXISTS);
  /* Any VM may switch to coalesced console output while it runs. */
  w.coalescing = kvm.coalesced_pio &&
                 g_getenv("MINI_HYPERVISOR_NO_COALESCING") == NULL;
  w.n_running = start_vms(&w, config, images, &kvm, &machine, &output,
                          &sandbox);
  if (config->verbose) {
    g_autofree char *desc = mh_sandbox_describe(&sandbox);
    fprintf(stderr, "%s: %s\n", g_get_prgname(), desc);
  }

  stop_signal = wait_for_vms(&w, config->timeout);
  status = finish_vms(&w, config, stop_signal == SIGPIPE);
  finish_output(&files, w.wrote_files, made_output);

  if (output.write_errno != 0 && output.write_errno != EPIPE) {
    fprintf(stderr, "%s: error: writing guest output: %s\n", g_get_prgname(),
            g_strerror(output.write_errno));
    status = MH_EXIT_FAILURE;
  }
  if (stop_signal != 0)
    status = 128 + stop_signal;
  g_free(w.router.queues);
  mh_router_clear(&w.router);
  mh_output_clear(&output);

out:
  mh_sandbox_clear(&sandbox);
  mh_kvm_close(&kvm);
  if (w.done_fd >= 0)
    close(w.done_fd);
  if (w.space_fd >= 0)
    close(w.space_fd);
  if (w.output_fd >= 0)
    close(w.output_fd);
  close(w.signal_fd);
  return status;
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
    print_error(NULL, error);
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
  status = run(&config, &error);
  if (error != NULL)
    print_error(NULL, error);
  mh_cli_clear(&config);
  return status;
}
