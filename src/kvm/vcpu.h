/* SPDX-License-Identifier: MIT */
/*
 * vcpu.h - one KVM vCPU: its fd, its run area, why it was told to stop,
 * and the exits it took.
 *
 * Owned by the VM's thread, which runs it (KVM_RUN) and reads and writes
 * its registers.  Other threads hold it only as a handle: they may tell
 * it to stop (mh_vcpu_request_stop()) and kick it (mh_vcpu_kick()), at
 * any time, and read its thread's CPU time.  It calls nothing above the
 * KVM layer: the exit loop (vm-loop.c) and the gdb stub use it, never the
 * other way round.
 */
#ifndef MH_VCPU_H
#define MH_VCPU_H

#include <glib.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>

#include "kvm.h"

/* Why a vCPU was asked to stop; 0 means keep running. */
typedef enum {
  MH_STOP_NONE = 0,
  MH_STOP_TIMEOUT = 1,
  MH_STOP_OUTPUT = 2,          /* standard output failed           */
  MH_STOP_CPU_LIMIT = 3,       /* --cpu-limit                      */
  MH_STOP_OUTPUT_LIMIT = 4,    /* --output-limit                   */
  MH_STOP_SIGNAL_BASE = 0x100, /* + signal number */
} MhStopReason;

/* The signal that breaks a vCPU thread's KVM_RUN or blocking write.  Its
 * handler does nothing and is installed without SA_RESTART. */
#define MH_KICK_SIGNAL SIGUSR1

typedef struct {
  int fd;              /* KVM_CREATE_VCPU, or -1                 */
  struct kvm_run *run; /* shared with KVM, run_size bytes        */
  gsize run_size;
  gint stop;         /* MhStopReason; atomic                   */
  pthread_t thread;  /* valid once thread_ready is set         */
  gint thread_ready; /* atomic: the thread may be kicked       */
  guint64 exits[MH_KVM_EXIT_REASONS]; /* statistics               */
  guint64 exits_total;
  gint64 run_usec; /* wall time in the exit loop             */
} MhVcpu;

/* KVM_CREATE_VCPU (vCPU 0) on @vm_fd and its run area.  @vcpu is cleared
 * first, so that mh_vcpu_clear() is safe after a failure. */
gboolean mh_vcpu_init(MhVcpu *vcpu, const MhKvm *kvm, int vm_fd,
                      GError **error);
/* Unmaps and closes what mh_vcpu_init() made. */
void mh_vcpu_clear(MhVcpu *vcpu);

/* On the thread that will run it, before anything may kick it. */
void mh_vcpu_bind_thread(MhVcpu *vcpu);

/* Any thread: the first reason wins (FALSE if it had one already);
 * KVM_RUN returns at its next entry (immediate_exit).  The caller kicks
 * (mh_vcpu_kick()) once whatever else the thread may wait on is woken. */
gboolean mh_vcpu_request_stop(MhVcpu *vcpu, MhStopReason reason);
/* Any thread: breaks a KVM_RUN or a blocking call under way on the
 * vCPU's thread (MH_KICK_SIGNAL); nothing before mh_vcpu_bind_thread(). */
void mh_vcpu_kick(MhVcpu *vcpu);
/* Any thread: why it was told to stop, or MH_STOP_NONE. */
static inline MhStopReason
mh_vcpu_stop_reason(const MhVcpu *vcpu)
{
  return (MhStopReason)g_atomic_int_get((gint *)&vcpu->stop);
}
/* Any thread: CPU time its thread used so far, or a negative value when
 * it cannot be read (not started, or ended). */
gdouble mh_vcpu_cpu_seconds(const MhVcpu *vcpu);

/* The vCPU's thread: counts the exit KVM_RUN just returned. */
static inline void
mh_vcpu_count_exit(MhVcpu *vcpu)
{
  vcpu->exits_total++;
  if (vcpu->run->exit_reason < MH_KVM_EXIT_REASONS)
    vcpu->exits[vcpu->run->exit_reason]++;
}

/* "1234 exits in 5.678 ms, io 1200, hlt 1": for --verbose. */
void mh_vcpu_describe_exits(const MhVcpu *vcpu, GString *out);

#endif /* MH_VCPU_H */
