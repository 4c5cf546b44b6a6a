/* SPDX-License-Identifier: MIT */
/*
 * vcpu.c - the vCPU object (vcpu.h): made, told to stop, kicked, closed.
 */
#include "config.h"

#include "vcpu.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

gboolean
mh_vcpu_init(MhVcpu *vcpu, const MhKvm *kvm, int vm_fd, GError **error)
{
  void *run;

  *vcpu = (MhVcpu){.fd = -1};
  vcpu->fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
  if (vcpu->fd < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "KVM_CREATE_VCPU");
  run = mmap(NULL, kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
             0);
  if (run == MAP_FAILED)
    return mh_throw_errno(error, MH_ERROR_HOST,
                          "cannot map the vCPU run structure");
  vcpu->run = run;
  vcpu->run_size = kvm->run_size;
  return TRUE;
}

void
mh_vcpu_clear(MhVcpu *vcpu)
{
  if (vcpu->run != NULL)
    munmap(vcpu->run, vcpu->run_size);
  vcpu->run = NULL;
  if (vcpu->fd >= 0)
    close(vcpu->fd);
  vcpu->fd = -1;
}

void
mh_vcpu_bind_thread(MhVcpu *vcpu)
{
  vcpu->thread = pthread_self();
  g_atomic_int_set(&vcpu->thread_ready, 1);
}

gboolean
mh_vcpu_request_stop(MhVcpu *vcpu, MhStopReason reason)
{
  /* Order matters: the reason first, then immediate_exit (checked by KVM
   * at every KVM_RUN entry); the caller's kick comes last. */
  if (!g_atomic_int_compare_and_exchange(&vcpu->stop, MH_STOP_NONE, reason))
    return FALSE;
  __atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
  return TRUE;
}

void
mh_vcpu_kick(MhVcpu *vcpu)
{
  if (g_atomic_int_get(&vcpu->thread_ready))
    pthread_kill(vcpu->thread, MH_KICK_SIGNAL);
}

gdouble
mh_vcpu_cpu_seconds(const MhVcpu *vcpu)
{
  clockid_t clock;
  struct timespec ts;

  /* The thread is joinable and not joined before the run ends, so its
   * id stays valid; once it has exited the clock is simply unreadable. */
  if (!g_atomic_int_get((gint *)&vcpu->thread_ready) ||
      pthread_getcpuclockid(vcpu->thread, &clock) != 0 ||
      clock_gettime(clock, &ts) != 0)
    return -1;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
mh_vcpu_describe_exits(const MhVcpu *vcpu, GString *out)
{
  g_string_append_printf(out, "%" G_GUINT64_FORMAT " exits in %.3f ms",
                         vcpu->exits_total, vcpu->run_usec / 1000.0);
  for (guint i = 0; i < MH_KVM_EXIT_REASONS; i++) {
    if (vcpu->exits[i] == 0)
      continue;
    g_string_append_printf(out, ", %s %" G_GUINT64_FORMAT,
                           mh_kvm_exit_name(i) ?: "other", vcpu->exits[i]);
  }
}
