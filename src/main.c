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
#include "vm.h"

#define MH_EXIT_OK       0
#define MH_EXIT_FAILURE  1
#define MH_EXIT_USAGE    2

/* The signal the main thread sends a vCPU thread to break KVM_RUN. */
#define MH_KICK_SIGNAL SIGUSR1

/* One VM of the run, as the main thread tracks it. */
typedef struct {
  guint          index;
  const MhImage *image;
  MhVm          *vm;       /* NULL if it could not be built        */
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

static gpointer
run_vm_thread(gpointer data)
{
  MhRunSlot *slot = data;
  guint64 one = 1;

  mh_vm_run(slot->vm, &slot->error);
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
 * without SA_RESTART; SIGPIPE is ignored (write errors are reported). */
static int
setup_signals(GError **error)
{
  struct sigaction kick = {.sa_handler = on_kick};
  sigset_t stop_set;
  int fd;

  sigemptyset(&kick.sa_mask);
  sigaction(MH_KICK_SIGNAL, &kick, NULL);
  signal(SIGPIPE, SIG_IGN);

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

/* Raise the open-file limit to its hard maximum: every VM holds a few
 * KVM descriptors, and a run may have hundreds of VMs. */
static void
raise_fd_limit(void)
{
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* Every shared file must be a readable regular file, and base names must
 * be unique because guests name shared files by base name. */
static gboolean
check_shared_files(GStrv files, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                     g_free, NULL);

  for (guint i = 0; files[i] != NULL; i++) {
    g_autofree char *base = g_path_get_basename(files[i]);
    struct stat st;
    int fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    const char *other;

    if (fd < 0 || fstat(fd, &st) < 0) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "shared file '%s': %s",
                  files[i], g_strerror(errno));
      if (fd >= 0)
        close(fd);
      return FALSE;
    }
    close(fd);
    if (!S_ISREG(st.st_mode)) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "shared file '%s': not a regular file", files[i]);
      return FALSE;
    }
    other = g_hash_table_lookup(seen, base);
    if (other != NULL) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "shared files '%s' and '%s' have the same name '%s': guests "
                  "could not tell them apart", other, files[i], base);
      return FALSE;
    }
    g_hash_table_insert(seen, g_steal_pointer(&base), files[i]);
  }
  return TRUE;
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

/* Waits for every VM thread, handling stop signals and --timeout.
 * Returns the signal that stopped the run, or 0. */
static int
wait_for_vms(MhRunSlot *slots, guint n_slots, guint n_running, int done_fd,
             int signal_fd, gdouble timeout)
{
  gint64 deadline = timeout > 0 ? g_get_monotonic_time() + (gint64)(timeout * 1e6)
                                : G_MAXINT64;
  int stop_signal = 0;
  gboolean timed_out = FALSE;

  while (n_running > 0) {
    struct pollfd fds[2] = {{done_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    int wait_ms = -1;
    MhStopReason reason = MH_STOP_NONE;

    if (!timed_out && deadline != G_MAXINT64)
      wait_ms = (int)CLAMP((deadline - g_get_monotonic_time() + 999) / 1000, 0,
                           G_MAXINT);
    if (poll(fds, 2, wait_ms) < 0 && errno != EINTR)
      break;

    if (fds[0].revents & POLLIN) {
      guint64 n = 0;
      if (read(done_fd, &n, sizeof n) == sizeof n)
        n_running -= (guint)MIN(n, n_running);
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(signal_fd, &info, sizeof info) == sizeof info && stop_signal == 0) {
        stop_signal = (int)info.ssi_signo;
        reason = MH_STOP_SIGNAL_BASE + stop_signal;
      }
    }
    if (!timed_out && deadline != G_MAXINT64 && g_get_monotonic_time() >= deadline) {
      timed_out = TRUE;
      reason = MH_STOP_TIMEOUT;
    }
    if (reason != MH_STOP_NONE)
      for (guint i = 0; i < n_slots; i++)
        if (slots[i].vm != NULL)
          mh_vm_request_stop(slots[i].vm, reason, MH_KICK_SIGNAL);
  }
  return stop_signal;
}

static int
run(const MhConfig *config, GError **error)
{
  g_autoptr(GPtrArray) owned_images = g_ptr_array_new_with_free_func(
    (GDestroyNotify)mh_image_free);
  g_autoptr(GPtrArray) images = NULL;
  g_autofree MhRunSlot *slots = NULL;
  MhMachine machine = {0};
  MhKvm kvm = {.fd = -1};
  MhOutput output;
  int signal_fd, done_fd, stop_signal, status = MH_EXIT_OK;
  guint n_slots, n_running = 0;

  machine.ram_size = (guint64)config->memory_mb << 20;
  machine.page_size = config->page_size;
  machine.vm_count = g_strv_length(config->guests);

  if (!check_shared_files(config->files, error))
    return MH_EXIT_USAGE;
  images = load_images(config->guests, machine.ram_size, owned_images, error);
  if (images == NULL)
    return MH_EXIT_USAGE;

  raise_fd_limit();
  signal_fd = setup_signals(error);
  if (signal_fd < 0)
    return MH_EXIT_FAILURE;
  if (!mh_kvm_open(&kvm, g_getenv("MINI_HYPERVISOR_KVM") ?: "/dev/kvm", error)) {
    close(signal_fd);
    return MH_EXIT_FAILURE;
  }
  done_fd = eventfd(0, EFD_CLOEXEC);
  if (done_fd < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "eventfd: %s", g_strerror(errno));
    mh_kvm_close(&kvm);
    close(signal_fd);
    return MH_EXIT_FAILURE;
  }
  mh_output_init(&output, STDOUT_FILENO);

  n_slots = images->len;
  slots = g_new0(MhRunSlot, n_slots);
  for (guint i = 0; i < n_slots; i++) {
    MhRunSlot *slot = &slots[i];
    g_autofree char *base = g_path_get_basename(config->guests[i]);
    g_autofree char *tag = n_slots > 1 ? g_strdup_printf("[%u:%s] ", i, base)
                                       : NULL;

    slot->index = i;
    slot->image = images->pdata[i];
    slot->done_fd = done_fd;
    /* Standard input goes to the only VM; with several, none reads it
     * (each sees end of input). */
    slot->vm = mh_vm_new(&kvm, &machine, slot->image, i, &output, tag,
                         n_slots == 1 ? STDIN_FILENO : -1, &slot->error);
    if (slot->vm == NULL)
      continue;
    if (config->verbose) {
      g_autofree char *desc = mh_vm_describe(slot->vm);
      fprintf(stderr, "%s: vm %u (%s): %s\n", g_get_prgname(), i,
              slot->vm->name, desc);
    }
  }
  for (guint i = 0; i < n_slots; i++) {
    g_autofree char *name = g_strdup_printf("vm%u", i);
    if (slots[i].vm == NULL)
      continue;
    slots[i].thread = g_thread_try_new(name, run_vm_thread, &slots[i],
                                       &slots[i].error);
    if (slots[i].thread != NULL)
      n_running++;
  }

  stop_signal = wait_for_vms(slots, n_slots, n_running, done_fd, signal_fd,
                             config->timeout);

  for (guint i = 0; i < n_slots; i++) {
    MhRunSlot *slot = &slots[i];
    g_autofree char *prefix = g_strdup_printf(
      "vm %u (%s): ", i, slot->vm ? slot->vm->name : slot->image->path);

    if (slot->thread != NULL)
      g_thread_join(slot->thread);
    if (config->verbose && slot->vm != NULL) {
      g_autofree char *exits = mh_vm_describe_exits(slot->vm);
      fprintf(stderr, "%s: %s%s; %s\n", g_get_prgname(), prefix,
              slot->error ? "failed" : "halted", exits);
    }
    if (slot->error != NULL) {
      print_error(prefix, slot->error);
      status = MH_EXIT_FAILURE;
    }
    g_clear_error(&slot->error);
    g_clear_pointer(&slot->vm, mh_vm_free);
  }
  if (output.write_errno != 0) {
    fprintf(stderr, "%s: error: writing guest output: %s\n", g_get_prgname(),
            g_strerror(output.write_errno));
    status = MH_EXIT_FAILURE;
  }
  mh_output_clear(&output);
  mh_kvm_close(&kvm);
  close(done_fd);
  close(signal_fd);
  return stop_signal ? 128 + stop_signal : status;
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  MhConfig config;
  gboolean exit_now;
  int status;

  setlocale(LC_ALL, "");
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
    printf("%s %s\n", g_get_prgname(), PACKAGE_VERSION);
    return MH_EXIT_OK;
  }
  status = run(&config, &error);
  if (error != NULL)
    print_error(NULL, error);
  mh_cli_clear(&config);
  return status;
}
