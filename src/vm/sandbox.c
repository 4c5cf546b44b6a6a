/* SPDX-License-Identifier: MIT */
/* sandbox.c - Landlock and seccomp for the vCPU threads. */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <string.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"

/* Newer than Debian 12's headers (Landlock ABI 3, kernel 6.2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436 /* Linux 5.9, the same on every architecture */
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
    sb->missing =
      g_strdup_printf("the kernel has no Landlock (%s): guest-serving threads keep "
                      "filesystem access",
                      g_strerror(errno));
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
sandbox_landlock(const MhSandbox *sb, int files_dir_fd, GError **error)
{
  struct landlock_ruleset_attr attr = {
    .handled_access_fs = landlock_handled(sb->landlock_abi),
  };
  /* Beneath the run's directory the VM may do what its file service
   * does: make its own directory there (when the guest first writes),
   * create, read, write, truncate, rename and remove regular files. */
  struct landlock_path_beneath_attr beneath = {
    .allowed_access =
      (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
       LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_DIR |
       LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE |
       (sb->landlock_abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0)),
    .parent_fd = files_dir_fd,
  };
  g_auto(MhFd)
    ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);

  if (ruleset < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "landlock_create_ruleset");
  if (files_dir_fd >= 0 && syscall(SYS_landlock_add_rule, ruleset,
                                   LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "landlock_add_rule");
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "landlock_restrict_self");
  return TRUE;
}

/* The system calls a vCPU thread makes, measured with strace over every
 * console and file operation, plus what GLib and the C library use for
 * memory, locks and thread exit.  Nothing here makes a new fd number
 * point at an open file the thread did not open itself: dup, dup2 and
 * dup3 are absent, and fcntl is allowed only for sandbox_fcntl_cmds. */
static const char *const sandbox_allowed[] = {
  /* files: the service works through fds and directory fds */
  "read",
  "pread64",
  "write",
  "writev",
  "pwrite64",
  "lseek",
  "close",
  "fstat",
  "newfstatat",
  "statx",
  "openat",
  "openat2",
  "copy_file_range",
  "renameat",
  "renameat2",
  "unlinkat",
  "mkdirat", /* its own directory, beneath the run's (Landlock) */
  /* the console: waiting until standard output takes bytes again */
  "poll",
  "ppoll",
  /* memory, locks, signals, time, exit */
  "mmap",
  "munmap",
  "mprotect",
  "madvise",
  "mremap",
  "brk",
  "futex",
  "rt_sigprocmask",
  "rt_sigreturn",
  "restart_syscall",
  "sched_yield",
  "clock_gettime",
  "clock_nanosleep",
  "nanosleep",
  "gettid",
  "getpid",
  "getrandom",
  "exit",
  "exit_group",
};

/* The vCPU loop and file service make no fcntl call at all (strace of
 * the console and file guests); these two only read an fd's flags, for
 * libraries that ask.  F_DUPFD and F_DUPFD_CLOEXEC stay out: with them a
 * thread could put any fd it holds at its vCPU's number, where the ioctl
 * rules below would let it through. */
static const int sandbox_fcntl_cmds[] = {F_GETFD, F_GETFL};

static gboolean
sandbox_seccomp(int vm_fd, int vcpu_fd, gboolean debug, int gdb_chan_fd,
                GError **error)
{
  /* The vCPU loop's only ioctls, and only on its own vCPU (the last
   * three only for a gdb stub, gdbstub.h)... */
  static const unsigned long ioctls[] = {KVM_RUN,       KVM_GET_REGS,
                                         KVM_GET_SREGS, KVM_SET_GUEST_DEBUG,
                                         KVM_SET_REGS,  KVM_TRANSLATE};
  gsize n_ioctls = debug ? G_N_ELEMENTS(ioctls) : 3;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  int rc = ctx == NULL ? -ENOMEM : 0;

  /* ...and, on its own VM, the switch to coalesced console output.  The
   * rules compare all 64 bits of the fd and the request: an fd number
   * with high bits set (which the kernel would truncate) matches none. */
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
  for (gsize i = 0; rc == 0 && i < G_N_ELEMENTS(sandbox_fcntl_cmds); i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                          SCMP_A1(SCMP_CMP_EQ,
                                  (scmp_datum_t)sandbox_fcntl_cmds[i]));
  for (gsize i = 0; rc == 0 && i < n_ioctls; i++)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
                          SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctls[i]));
  /* A gdb connection accepted later comes on the socket pair: recvmsg
   * on that one fd only (and whatever it brings is read and written like
   * a connection taken before). */
  if (rc == 0 && gdb_chan_fd >= 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)gdb_chan_fd));
  if (rc == 0)
    rc = seccomp_load(ctx); /* this thread only: no TSYNC */
  if (ctx != NULL)
    seccomp_release(ctx);
  if (rc < 0)
    return mh_throw_errnum(error, MH_ERROR_HOST, -rc, "seccomp");
  return TRUE;
}

static int
sandbox_fd_compare(gconstpointer a, gconstpointer b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Whether @fd is in @keep (sorted). */
static gboolean
sandbox_fd_kept(const GArray *keep, int fd)
{
  return bsearch(&fd, keep->data, keep->len, sizeof(int), sandbox_fd_compare) !=
         NULL;
}

/* ThreadSanitizer knows fds by number, as if the process had one table:
 * two threads that each open a file at the same number in their own
 * tables look to it like a race on one fd (seen with two file-service
 * VMs).  TSan builds therefore keep one shared table: they test
 * everything else, and the fd-table tests skip there. */
#if defined(__SANITIZE_THREAD__)
#define SANDBOX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SANDBOX_TSAN 1
#endif
#endif

/* Without close_range(2) (Linux < 5.9): the fds this thread's table
 * holds, listed through /proc/thread-self (/proc/self is the process's
 * first thread, whose table is no longer ours), are closed but @keep's. */
static gboolean
sandbox_close_listed(const GArray *keep, GError **error)
{
  g_autoptr(GArray) open_fds = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open("/proc/thread-self/fd", 0, &local);
  const char *name;

  if (dir == NULL) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "listing its fds: %s",
                local->message);
    return FALSE;
  }
  /* Listed first, closed after: the listing's own fd goes with the dir. */
  while ((name = g_dir_read_name(dir)) != NULL) {
    int fd = (int)g_ascii_strtoll(name, NULL, 10);
    g_array_append_val(open_fds, fd);
  }
  g_clear_pointer(&dir, g_dir_close);
  for (guint i = 0; i < open_fds->len; i++) {
    int fd = g_array_index(open_fds, int, i);
    if (!sandbox_fd_kept(keep, fd))
      close(fd);
  }
  return TRUE;
}

/* Gives this thread a file table of its own, then closes in it every fd
 * but @fds's.  The other threads' tables are untouched: closing here only
 * drops this table's references.  The kernel frees the table when the
 * thread ends, closing whatever the thread left open in it. */
static gboolean
sandbox_own_fds(const MhSandboxFds *fds, GError **error)
{
  g_autoptr(GArray) keep = g_array_new(FALSE, FALSE, sizeof(int));
  const int mine[] = {fds->files_dir_fd, fds->vm_fd, fds->vcpu_fd, fds->gdb_fd,
                      fds->gdb_chan_fd};
  unsigned int from = 0;
  guint n = 0;

  g_array_append_vals(keep, mine, G_N_ELEMENTS(mine));
  if (fds->n_keep > 0)
    g_array_append_vals(keep, fds->keep, (guint)fds->n_keep);
  g_array_sort(keep, sandbox_fd_compare);
  /* Sorted, without -1s and repeats. */
  for (guint i = 0; i < keep->len; i++) {
    int fd = g_array_index(keep, int, i);
    if (fd >= 0 && (n == 0 || g_array_index(keep, int, n - 1) != fd))
      g_array_index(keep, int, n++) = fd;
  }
  g_array_set_size(keep, n);

#ifdef SANDBOX_TSAN
  return TRUE;
#endif
  if (unshare(CLONE_FILES) < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "unshare(CLONE_FILES)");
  /* close_range over each gap between kept fds, then above the last. */
  for (guint i = 0; i <= keep->len; i++) {
    unsigned int to = i < keep->len ? (unsigned int)g_array_index(keep, int, i)
                                    : ~0u;
    if (to > from || i == keep->len) {
      if (syscall(SYS_close_range, from, i < keep->len ? to - 1 : to, 0) < 0) {
        if (errno == ENOSYS)
          return sandbox_close_listed(keep, error);
        return mh_throw_errno(error, MH_ERROR_HOST, "close_range");
      }
    }
    from = to + 1;
  }
  return TRUE;
}

gboolean
mh_sandbox_enter(const MhSandbox *sb, const MhSandboxFds *fds, GError **error)
{
  if (sb->mode == MH_SANDBOX_OFF)
    return TRUE;
  /* First the file table, while nothing limits this thread: what it
   * cannot see, no later bug can reach through it. */
  if (!sandbox_own_fds(fds, error))
    return FALSE;
  /* Both Landlock and unprivileged seccomp need no_new_privs. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return mh_throw_errno(error, MH_ERROR_HOST, "PR_SET_NO_NEW_PRIVS");
  if (sb->landlock_abi > 0 && !sandbox_landlock(sb, fds->files_dir_fd, error))
    return FALSE;
  return sandbox_seccomp(fds->vm_fd, fds->vcpu_fd,
                         fds->gdb_fd >= 0 || fds->gdb_chan_fd >= 0,
                         fds->gdb_chan_fd, error);
}

char *
mh_sandbox_describe(const MhSandbox *sb)
{
#ifdef SANDBOX_TSAN
  const char *table = "one shared file table (ThreadSanitizer build)";
#else
  const char *table = "own file table (its VM's fds only)";
#endif

  if (sb->mode == MH_SANDBOX_OFF)
    return g_strdup("sandbox off");
  return g_strdup_printf("sandbox: %s, "
                         "seccomp allowlist (%" G_GSIZE_FORMAT " calls and "
                         "fcntl's flag reads; no dup; ioctl on the own vCPU "
                         "and VM only), %s",
                         table, G_N_ELEMENTS(sandbox_allowed),
                         sb->landlock_abi > 0
                           ? "Landlock (the run's directory only)"
                           : "no Landlock");
}
