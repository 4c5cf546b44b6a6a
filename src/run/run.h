/* SPDX-License-Identifier: MIT */
/*
 * run.h - one run of mini_hypervisor: every VM of the command line, from
 * start to report, on the main thread.
 *
 *   mh_run_new()     reads every input (images, shared files) and gets the
 *                    host ready (fd limits, sandbox, signals, KVM, the
 *                    output directory) before any VM exists;
 *   mh_run_start()   builds the VMs and starts one thread each;
 *   mh_run_wait()    routes standard input, handles signals, --timeout and
 *                    a failed standard output, kicks VMs that have queued
 *                    console output, until every VM thread has ended;
 *   mh_run_finish()  joins the threads, reports each VM's end, updates
 *                    the output directory, and returns the exit status;
 *   mh_run_report()  adds each VM to the --report document.
 *
 * The main thread never writes to standard output while VMs run, and
 * never takes a VM's lock: it cannot be held up by a reader that stopped
 * reading, so --timeout and the stop signals always work.
 */
#ifndef MH_RUN_H
#define MH_RUN_H

#include <glib.h>

#include "settings.h"
#include "report.h"

typedef struct MhRun MhRun;

MhRun *mh_run_new(const MhConfig *config, GError **error);
void mh_run_start(MhRun *run);
void mh_run_wait(MhRun *run);
int mh_run_finish(MhRun *run);
/* After mh_run_finish(): one entry per VM in @report. */
void mh_run_report(MhRun *run, MhReport *report);
/* Frees everything: the VMs, their threads (joined), their memory. */
void mh_run_free(MhRun *run);
/* Instead of mh_run_free() when the process is about to exit: does only
 * what exit would not (removes the gdb sockets' files) and leaves the
 * rest to the kernel, which tears down every VM at once (mh_run_free()
 * would close and unmap them one by one, each a walk over every VM still
 * there, and the freeing itself is work the exit makes needless).
 * Returns FALSE, and does nothing, in the builds that check for leaks
 * (sanitizers; MINI_HYPERVISOR_FREE_AT_EXIT=1, as under valgrind): there
 * mh_run_free() must run. */
gboolean mh_run_leave(MhRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhRun, mh_run_free)

#endif /* MH_RUN_H */
