/* SPDX-License-Identifier: MIT */
/*
 * trace.h - --trace FILE: one record per VM exit, in the Chrome trace
 * event format (JSON Object Format), for Perfetto or chrome://tracing.
 *
 * The file:  {"displayTimeUnit":"ns","traceEvents":[
 *              <process_name metadata>
 *              ,<a VM's records> ... (any order between VMs)
 *            ]}
 * One process (pid 1: the run), one track per VM, named by a thread_name
 * metadata event "vm N (image)": its tid is the VM's index plus 1, since
 * Perfetto reads tid 0 as "no thread" and puts such events on the
 * process's main thread, tid = pid = 1 (json_trace_tokenizer.cc).
 * Each KVM_RUN is an "X" (complete) event named "guest"; each exit after it an "X" event named
 * after the exit ("io out 0xe9", "hlt", ...) whose ts is when KVM_RUN
 * returned and whose dur is the time the hypervisor took to handle it, up
 * to the next KVM_RUN.  Times are microseconds from the run's start, with
 * nanoseconds as the fraction.  mini_hypervisor(1), TRACE FORMAT, lists
 * the args.
 *
 * Who writes what: the main thread writes the head (mh_trace_open) and
 * the tail (mh_trace_close, after every VM thread ended); each VM's
 * thread is the only writer of its records.  It formats them into a
 * buffer of its own and appends whole records to the shared fd, opened
 * with O_APPEND, at most PIPE_BUF bytes per write: each write lands whole
 * and in one piece (the kernel appends a regular-file write atomically),
 * so VMs never need a lock, never interleave inside a record, and memory
 * stays bounded whatever the trace's length.  The fd is opened before the
 * threads confine themselves and kept by their sandbox; write(2) is in
 * its allowlist.  A VM that fails or is stopped still ends its records
 * (mh_trace_vm_end), and the main thread ends the file: the JSON stays
 * valid.  Each VM's records stop at --trace-limit bytes (plus one closing
 * marker and its end), so that no guest can fill the disk.
 */
#ifndef MH_TRACE_H
#define MH_TRACE_H

#include <glib.h>
#include <linux/kvm.h>

#define MH_TRACE_DATA_MAX 8u /* bytes of an access's data shown  */

/* The file, owned by the main thread. */
typedef struct MhTrace MhTrace;
/* One VM's records, written by that VM's thread only. */
typedef struct MhTraceVm MhTraceVm;

/* Main thread, before any VM runs: creates (or truncates) @path, a
 * regular file, and writes the head.  Time 0 of the trace is now.  A path
 * that cannot be written is a usage error naming it. */
MhTrace *mh_trace_open(const char *path, guint64 limit, GError **error);
/* The fd every VM thread keeps through its sandbox. */
int mh_trace_fd(const MhTrace *trace);
/* Main thread, after every VM thread ended: writes the tail and closes
 * the file; FALSE if the file could not be written. */
gboolean mh_trace_close(MhTrace *trace, GError **error);
void mh_trace_free(MhTrace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhTrace, mh_trace_free)

/* Main thread: the records of VM @index, whose track is named @name
 * ("vm N (image)", already escaped for the terminal). */
MhTraceVm *mh_trace_vm_new(MhTrace *trace, guint index, const char *name);
/* Main thread, once the VM's vCPU exists (mh_vm_new): the run mapping
 * that KVM_RUN fills, and KVM_CAP_SYNC_REGS if @vm_fd has it, so that
 * RIP comes with every exit and costs no extra system call. */
void mh_trace_vm_attach(MhTraceVm *t, int vm_fd, int vcpu_fd,
                        struct kvm_run *run, gsize run_size);
/* The VM's thread: KVM_RUN, timed, with the previous exit recorded now
 * that its handling is over.  Returns what ioctl(KVM_RUN) returned, with
 * its errno. */
int mh_trace_run(MhTraceVm *t);
/* The VM's thread, after its last KVM_RUN: records the last exit and the
 * VM's end (@error, or NULL if it halted), and writes what is left. */
void mh_trace_vm_end(MhTraceVm *t, const GError *error);
/* Main thread, after the VM's thread ended: why its records are
 * incomplete, or NULL; *@failed tells a failed write (an error: the file
 * is not whole) from the limit (a warning). */
char *mh_trace_vm_problem(const MhTraceVm *t, gboolean *failed);
void mh_trace_vm_free(MhTraceVm *t);

/* The formatting, exposed for unit tests. */

/* One exit, as recorded. */
typedef struct {
  guint tid;      /* its track: VM index + 1                 */
  gint64 ts_ns;   /* KVM_RUN returned, from the trace's start */
  gint64 dur_ns;  /* handling, to the next KVM_RUN           */
  guint32 reason; /* KVM_EXIT_*                              */
  int run_errno;  /* KVM_RUN failed with it (reason unused)  */
  gboolean has_rip;
  guint64 rip;
  /* KVM_EXIT_IO and KVM_EXIT_MMIO */
  guint64 addr;   /* port or guest-physical address          */
  gboolean write; /* OUT or MMIO write                       */
  guint size;
  guint count;        /* IO only                                 */
  const guint8 *data; /* size * count bytes, or NULL             */
} MhTraceExit;

/* Appends the exit's event to @out: ",\n{...}". */
void mh_trace_format_exit(GString *out, const MhTraceExit *e);
/* Appends a "guest" span: ",\n{...}". */
void mh_trace_format_guest(GString *out, guint tid, gint64 ts_ns,
                           gint64 dur_ns);

#endif /* MH_TRACE_H */
