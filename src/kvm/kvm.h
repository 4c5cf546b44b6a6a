/* SPDX-License-Identifier: MIT */
/*
 * kvm.h - the process-wide handle on /dev/kvm.
 *
 * Opened once at start-up, before any VM: it checks the API version and
 * the capabilities we rely on, and caches what every VM needs (the size of
 * the kvm_run mapping, the CPUID the host supports).  Read-only after
 * mh_kvm_open(), so VM threads share it without locking.
 */
#ifndef MH_KVM_H
#define MH_KVM_H

#include <glib.h>
#include <linux/kvm.h>

typedef struct {
  int fd;                   /* /dev/kvm                          */
  gsize run_size;           /* KVM_GET_VCPU_MMAP_SIZE            */
  struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID           */
  int coalesced_page;       /* KVM_CAP_COALESCED_MMIO: page offset
                                         of the ring in the run mapping, or 0 */
  gboolean coalesced_pio;   /* KVM_CAP_COALESCED_PIO             */
} MhKvm;

/* The data of the I/O exit in @run (a run area of @run_size bytes), or
 * NULL when KVM put it outside the area: the one check before anything
 * reads it. */
static inline guint8 *
mh_kvm_io_data(struct kvm_run *run, gsize run_size)
{
  if (run->io.data_offset >= run_size ||
      (guint64)run->io.size * run->io.count > run_size - run->io.data_offset)
    return NULL;
  return (guint8 *)run + run->io.data_offset;
}

/* Exit reasons counted per VM (every KVM_EXIT_* is below it). */
#define MH_KVM_EXIT_REASONS 64

/* KVM_EXIT_* @reason by name ("io", "hlt", ...), or NULL for one this
 * program does not name. */
const char *mh_kvm_exit_name(guint reason);

gboolean mh_kvm_open(MhKvm *kvm, const char *path, GError **error);
void mh_kvm_close(MhKvm *kvm);

#endif /* MH_KVM_H */
