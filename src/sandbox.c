/* SPDX-License-Identifier: MIT */
/* sandbox.c - Landlock and seccomp for the vCPU threads. */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"

/* Newer than Debian 12's headers (Landlock ABI 3, kernel 6.2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

static int
landlock_abi(void)
{
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
                     LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : (int)abi;
}

/* Every filesystem access this Landlock ABI can restrict. */
static guint64
landlock_handled(int abi)
{
  guint64 all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1 */
  if (abi >= 2)
    all |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    all |= LANDLOCK_ACCESS_FS_TRUNCATE;
  return all;
}

gboolean
mh_sandbox_probe(MhSandbox *sb, MhSandboxMode mode, GError **error)
{
  memset(sb, 0, sizeof *sb);
  sb->mode = mode;
  if (mode == MH_SANDBOX_OFF)
    return TRUE;
  sb->landlock_abi = landlock_abi();
  if (sb->landlock_abi == 0)
    sb->missing = g_strdup_printf(
      "the kernel has no Landlock (%s): guest-serving threads keep "
      "filesystem access", g_strerror(errno));
  if (sb->missing != NULL && mode == MH_SANDBOX_STRICT) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "--sandbox=strict: %s",
                sb->missing);
    mh_sandbox_clear(sb);
    return FALSE;
  }
  return TRUE;
}

void
mh_sandbox_clear(MhSandbox *sb)
{
  g_clear_pointer(&sb->missing, g_free);
}

static gboolean
sandbox_landlock(const MhSandbox *sb, int vm_dir_fd, GError **error)
{
  struct landlock_ruleset_attr attr = {
    .handled_access_fs = landlock_handled(sb->landlock_abi),
  };
  /* Beneath its directory the VM may do what its file service does:
   * create, read, write, truncate, rename and remove regular files. */
  struct landlock_path_beneath_attr beneath = {
    .allowed_access = (LANDLOCK_ACCESS_FS_READ_FILE |
                       LANDLOCK_ACCESS_FS_WRITE_FILE |
                       LANDLOCK_ACCESS_FS_READ_DIR |
                       LANDLOCK_ACCESS_FS_MAKE_REG |
                       LANDLOCK_ACCESS_FS_REMOVE_FILE |
                       (sb->landlock_abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0)),
    .parent_fd = vm_dir_fd,
  };
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  gboolean ok = FALSE;

  if (ruleset < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "landlock_create_ruleset: %s",
                g_strerror(errno));
    return FALSE;
  }
  if (vm_dir_fd >= 0 &&
      syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
              &beneath, 0) < 0)
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "landlock_add_rule: %s",
                g_strerror(errno));
  else if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "landlock_restrict_self: %s",
                g_strerror(errno));
  else
    ok = TRUE;
  close(ruleset);
  return ok;
}

/* The system calls a vCPU thread makes, measured with strace over every
 * console and file operation, plus what GLib and the C library use for
 * memory, locks and thread exit. */
static const char *const sandbox_allowed[] = {
  /* files: the service works through fds and directory fds */
  "read", "pread64", "write", "writev", "pwrite64", "lseek", "close",
  "fstat", "newfstatat", "statx", "openat", "openat2", "copy_file_range",
  "renameat", "renameat2", "unlinkat", "fcntl",
  /* memory, locks, signals, time, exit */
  "mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "futex",
  "rt_sigprocmask", "rt_sigreturn", "restart_syscall", "sched_yield",
  "clock_gettime", "clock_nanosleep", "nanosleep", "gettid", "getpid",
  "getrandom", "exit", "exit_group",
};

static gboolean
sandbox_seccomp(int vm_fd, int vcpu_fd, GError **error)
{
  /* The vCPU loop's only ioctls, and only on its own vCPU... */
  static const unsigned long ioctls[] = {KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS};
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  int rc = ctx == NULL ? -ENOMEM : 0;

  /* ...and, on its own VM, the switch to coalesced console output. */
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vm_fd),
                          SCMP_A1(SCMP_CMP_EQ,
                                  (scmp_datum_t)KVM_REGISTER_COALESCED_MMIO));

  for (gsize i = 0; rc == 0 && i < G_N_ELEMENTS(sandbox_allowed); i++) {
    int nr = seccomp_syscall_resolve_name(sandbox_allowed[i]);
    if (nr != __NR_SCMP_ERROR)
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  }
  for (gsize i = 0; rc == 0 && i < G_N_ELEMENTS(ioctls); i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctls[i]));
  if (rc == 0)
    rc = seccomp_load(ctx); /* this thread only: no TSYNC */
  if (ctx != NULL)
    seccomp_release(ctx);
  if (rc < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "seccomp: %s", g_strerror(-rc));
    return FALSE;
  }
  return TRUE;
}

gboolean
mh_sandbox_enter(const MhSandbox *sb, int vm_dir_fd, int vm_fd, int vcpu_fd,
                 GError **error)
{
  if (sb->mode == MH_SANDBOX_OFF)
    return TRUE;
  /* Both Landlock and unprivileged seccomp need no_new_privs. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "PR_SET_NO_NEW_PRIVS: %s",
                g_strerror(errno));
    return FALSE;
  }
  if (sb->landlock_abi > 0 && !sandbox_landlock(sb, vm_dir_fd, error))
    return FALSE;
  return sandbox_seccomp(vm_fd, vcpu_fd, error);
}

char *
mh_sandbox_describe(const MhSandbox *sb)
{
  if (sb->mode == MH_SANDBOX_OFF)
    return g_strdup("sandbox off");
  return g_strdup_printf("sandbox: seccomp allowlist (%" G_GSIZE_FORMAT
                         " calls, ioctl on the own vCPU and VM only), %s",
                         G_N_ELEMENTS(sandbox_allowed),
                         sb->landlock_abi > 0 ? "Landlock (own directory only)"
                                              : "no Landlock");
}
