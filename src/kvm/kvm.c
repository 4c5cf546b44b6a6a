/* SPDX-License-Identifier: MIT */
/* kvm.c - opening /dev/kvm and checking what it offers. */
#include "config.h"

#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "error.h"

/* KVM_GET_SUPPORTED_CPUID fails with E2BIG until the array is big enough. */
static struct kvm_cpuid2 *
kvm_get_supported_cpuid(int fd, GError **error)
{
  /* 256 entries hold what today's CPUs report at once. */
  for (guint n = 256; n <= 4096; n *= 2) {
    struct kvm_cpuid2 *cpuid = g_malloc0(sizeof *cpuid +
                                         n * sizeof cpuid->entries[0]);
    cpuid->nent = n;
    if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
      return cpuid;
    int saved = errno;
    g_free(cpuid);
    if (saved != E2BIG) {
      mh_throw_errnum(error, MH_ERROR_HOST, saved, "KVM_GET_SUPPORTED_CPUID");
      return NULL;
    }
  }
  g_set_error_literal(error, MH_ERROR, MH_ERROR_HOST,
                      "KVM_GET_SUPPORTED_CPUID: too many entries");
  return NULL;
}

gboolean
mh_kvm_open(MhKvm *kvm, const char *path, GError **error)
{
  static const struct {
    int cap;
    const char *name;
  } required[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
  };
  int version, size;

  kvm->fd = open(path, O_RDWR | O_CLOEXEC);
  if (kvm->fd < 0) {
    int saved = errno;
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "cannot open %s: %s%s", path,
                g_strerror(saved),
                saved == ENOENT ? " (is KVM enabled? load kvm_intel or kvm_amd)"
                : saved == EACCES ? " (add your user to the 'kvm' group)"
                                  : "");
    return FALSE;
  }
  version = ioctl(kvm->fd, KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "%s speaks KVM API version %d, expected %d", path, version,
                KVM_API_VERSION);
    goto fail;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(required); i++) {
    if (ioctl(kvm->fd, KVM_CHECK_EXTENSION, required[i].cap) <= 0) {
      g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                  "%s lacks %s, which mini_hypervisor needs", path,
                  required[i].name);
      goto fail;
    }
  }
  size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < (int)sizeof(struct kvm_run)) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "KVM_GET_VCPU_MMAP_SIZE: %s",
                size < 0 ? g_strerror(errno) : "too small");
    goto fail;
  }
  kvm->run_size = (gsize)size;
  /* Coalesced PIO lets console OUTs skip the exit to user space: KVM
   * queues them in a ring inside the run mapping. */
  kvm->coalesced_page = ioctl(kvm->fd, KVM_CHECK_EXTENSION,
                              KVM_CAP_COALESCED_MMIO);
  kvm->coalesced_pio = kvm->coalesced_page > 0 &&
                       ioctl(kvm->fd, KVM_CHECK_EXTENSION,
                             KVM_CAP_COALESCED_PIO) > 0 &&
                       (gsize)kvm->coalesced_page *
                             (gsize)sysconf(_SC_PAGESIZE) +
                           (gsize)sysconf(_SC_PAGESIZE) <=
                         kvm->run_size;
  kvm->cpuid = kvm_get_supported_cpuid(kvm->fd, error);
  if (kvm->cpuid == NULL)
    goto fail;
  return TRUE;

fail:
  close(kvm->fd);
  kvm->fd = -1;
  return FALSE;
}

void
mh_kvm_close(MhKvm *kvm)
{
  if (kvm->fd >= 0)
    close(kvm->fd);
  kvm->fd = -1;
  g_clear_pointer(&kvm->cpuid, g_free);
}

const char *
mh_kvm_exit_name(guint reason)
{
  static const char *const names[] = {
    [KVM_EXIT_UNKNOWN] = "unknown",
    [KVM_EXIT_EXCEPTION] = "exception",
    [KVM_EXIT_IO] = "io",
    [KVM_EXIT_HYPERCALL] = "hypercall",
    [KVM_EXIT_DEBUG] = "debug",
    [KVM_EXIT_HLT] = "hlt",
    [KVM_EXIT_MMIO] = "mmio",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window",
    [KVM_EXIT_SHUTDOWN] = "shutdown",
    [KVM_EXIT_FAIL_ENTRY] = "fail-entry",
    [KVM_EXIT_INTR] = "intr",
    [KVM_EXIT_INTERNAL_ERROR] = "internal-error",
    [KVM_EXIT_SET_TPR] = "set-tpr",
  };
  if (reason < G_N_ELEMENTS(names) && names[reason] != NULL)
    return names[reason];
  return NULL;
}
