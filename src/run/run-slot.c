/* SPDX-License-Identifier: MIT */
/* run-slot.c - each VM of a run: built from the run's settings and its
 * own, given its console file and gdb socket, then its thread. */
#include "config.h"

#include "run-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "text.h"
#include "gdbstub.h"
#include "outfile.h"

/* The console file of VM @index: vmN-IMAGE.console, replaced if it
 * exists (as a shell's > would), opened as every output file is
 * (outfile.h); its name bounded like every name made from an image's. */
static int
run_open_console_file(MhRun *run, guint index, const char *base, GError **error)
{
  g_autofree char *prefix = g_strdup_printf("vm%u-", index);
  g_autofree char *name = mh_text_file_name(prefix, base, ".console");
  g_autofree char *safe = mh_text_escape(name);
  int fd = mh_out_file_open(run->console_dir_fd, name, 0, MH_ERROR_HOST, error);

  if (fd < 0)
    g_prefix_error(error, "cannot create its console file '%s': ", safe);
  return fd;
}

/* The input queue of a VM that will not run: its input goes nowhere, a
 * queue abandoned from the start. */
static MhInput *
run_dead_queue(void)
{
  MhInput *queue = g_new0(MhInput, 1);

  mh_input_init(queue, -1);
  mh_input_abandon(queue);
  return queue;
}

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
 * files.  The run's directory, where the thread makes its VM's own, is
 * kept by mh_vm_run() (MhSandboxFds.files_dir_fd). */
GArray *
run_vm_fds(MhRun *run, const MhSharedFiles *shared)
{
  GArray *fds = g_array_new(FALSE, FALSE, sizeof(int));
  int fixed[] = {STDOUT_FILENO, STDERR_FILENO, run->done_fd, run->space_fd,
                 run->output_fd};

  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    if (fixed[i] >= 0)
      g_array_append_val(fds, fixed[i]);
  for (guint i = 0; i < shared->n_files; i++)
    g_array_append_val(fds, shared->files[i].fd);
  /* Each VM thread appends its own trace records (trace.h). */
  if (run->trace != NULL) {
    int fd = mh_trace_fd(run->trace);
    g_array_append_val(fds, fd);
  }
  return fds;
}

/* Builds VM @i in its slot: its machine (the run's, with its own memory
 * and page size), its name and console tag, its console file, gdb and
 * trace.  One that cannot be built fails alone (slot->error), its input
 * going nowhere. */
void
run_slot_name(MhRun *run, guint i)
{
  MhRunSlot *slot = &run->slots[i];
  const MhImage *image = run->images->pdata[i];
  g_autofree char *base = NULL;
  g_autofree char *safe = NULL;

  if (slot->name != NULL)
    return;
  base = g_path_get_basename(image->path);
  safe = mh_text_escape(base);
  if (slot->job != NULL) {
    g_autofree char *id = mh_text_escape(slot->job->id);
    slot->name = g_strdup_printf("job '%s' (%s)", id, safe);
  } else {
    slot->name = g_strdup_printf("vm %u (%s)", i, safe);
  }
}

void
run_slot_build(MhRun *run, guint i, GArray *keep)
{
  MhRunSlot *slot = &run->slots[i];
  const MhImage *image = run->images->pdata[i];
  g_autofree char *base = g_path_get_basename(image->path);
  g_autofree char *safe = mh_text_escape(base);
  /* A job's console is its own: no tag. */
  g_autofree char *tag = run->n_slots > 1 && slot->job == NULL
                           ? g_strdup_printf("[%u:%s] ", i, safe)
                           : NULL;
  MhVmSetup setup = {
    .kvm = &run->kvm,
    .machine = &run->machines[i],
    .image = image,
    .index = i,
    .sandbox = &run->sandbox,
    .keep_fds = (const int *)(void *)keep->data,
    .n_keep_fds = keep->len,
    .console =
      {
        .output = slot->job != NULL ? &slot->capture : &run->output,
        .tag = tag,
        .out_limit = slot->job != NULL ? slot->job->output_limit
                                       : run->config->output_limit,
        .file_fd = -1,
      },
    .input_space_fd = run->space_fd,
    .files = slot->job != NULL ? &slot->job_files : &run->files,
  };
  g_autofree char *wait_notice = NULL;

  run->machines[i] = run->machine;
  run->machines[i].ram_size = (guint64)run->config->guest_settings[i].memory_mb
                              << 20;
  run->machines[i].page_size = run->config->guest_settings[i].page_size;
  if (slot->job != NULL) {
    run->machines[i].vm_count = 1; /* as in a run of its own */
    setup.alone = TRUE;
  }
  run_slot_name(run, i);
  /* A person typing at a terminal for several VMs cannot tell which
   * one waits for a line: it says so, each time, on the terminal. */
  if (run->n_slots > 1 && slot->job == NULL && isatty(STDIN_FILENO) &&
      isatty(STDERR_FILENO)) {
    wait_notice = g_strdup_printf("%s: %s: waiting for input (a line "
                                  "that starts with '%u:' goes to it "
                                  "alone)\n",
                                  g_get_prgname(), slot->name, i);
    setup.console.wait_notice = wait_notice;
  }
  if (slot->gdb_fd >= 0) {
    setup.gdb.on = TRUE;
    setup.gdb.wait = run->config->gdb_wait;
    setup.gdb.listen_fd = slot->gdb_fd;
    fprintf(stderr, "%s: %s: gdb: target remote %s\n", g_get_prgname(),
            slot->name, slot->gdb_target);
  }
  if (run->trace != NULL)
    slot->trace = setup.trace = mh_trace_vm_new(run->trace, i, slot->name);
  if (run->console_dir_fd >= 0) {
    setup.console.file_fd = run_open_console_file(run, i, base, &slot->error);
    if (setup.console.file_fd < 0) {
      run->queues[i] = run_dead_queue();
      return;
    }
  }
  slot->vm = mh_vm_new(&setup, &slot->error);
  if (slot->vm == NULL) {
    run->queues[i] = run_dead_queue();
    return;
  }
  run->queues[i] = mh_vm_input(slot->vm);
  if (run->config->verbose) {
    g_autofree char *desc = mh_vm_describe(slot->vm);
    fprintf(stderr, "%s: %s: %s\n", g_get_prgname(), slot->name, desc);
  }
}

gboolean
run_slot_start_thread(MhRun *run, guint i)
{
  MhRunSlot *slot = &run->slots[i];
  g_autofree char *name = g_strdup_printf("vm%u", i);

  slot->thread = g_thread_try_new(name, run_vm_thread, slot, &slot->error);
  if (slot->thread == NULL) {
    g_prefix_error(&slot->error, "cannot start its thread: ");
    return FALSE;
  }
  run->n_running++;
  return TRUE;
}

void
mh_run_start(MhRun *run)
{
  g_autoptr(GArray) keep = NULL;

  if (run->jobs != NULL) {
    run_jobs_start(run);
  } else {
    keep = run_vm_fds(run, run->shared);
    /* Every VM is built first (one that cannot be built fails alone)... */
    for (guint i = 0; i < run->n_slots; i++)
      run_slot_build(run, i, keep);
    mh_router_init(&run->router, run->queues, run->n_slots, run_warn_input,
                   NULL);
    run->routing = TRUE;
    /* ...then each gets its thread. */
    for (guint i = 0; i < run->n_slots; i++)
      if (run->slots[i].vm != NULL)
        run_slot_start_thread(run, i);
  }
  if (run->config->verbose) {
    g_autofree char *desc = mh_sandbox_describe(&run->sandbox);
    fprintf(stderr, "%s: %s\n", g_get_prgname(), desc);
  }
}
