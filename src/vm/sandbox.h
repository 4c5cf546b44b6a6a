/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - confining the vCPU threads, which run on behalf of guest
 * code.  If a guest ever found a bug in the code that serves it, the
 * thread it took over would be limited, by the kernel, in what it can ask
 * of the host:
 *
 *  - its own file table (unshare(CLONE_FILES)), in which every fd but its
 *    VM's is closed: its VM and vCPU, the run's directory, standard
 *    output and error, the eventfds it signals, the shared files.  Other VMs' vCPUs and open files are not in it, and what its
 *    guest opens is in no other table.
 *  - Landlock (filesystem): it may open files only beneath the run's
 *    directory, where it makes its VM's own the first time the guest
 *    writes a file (a VM that writes nothing makes none); everything it
 *    needs besides was opened before.  The run's, not the VM's: a
 *    directory must exist for a rule to name it, and the threads of one
 *    run share memory anyway (below).
 *  - seccomp (libseccomp): an allowlist of system calls, with ioctl
 *    limited to the three requests the loop makes on its own vCPU fd and
 *    the switch to coalesced console output on its own VM fd, and no way
 *    to put another file at those numbers (no dup, dup2, dup3, F_DUPFD).
 *    Anything else fails with EPERM.  Could it close its vCPU's number and
 *    open something there instead?  Only a file beneath the run's
 *    directory (Landlock), or an O_PATH fd, on which ioctl fails: no KVM
 *    fd, since /dev/kvm is outside that directory and its table holds no
 *    other VM.
 *
 * What it does not do: threads of one process share memory.  A thread
 * that is taken over can still read and write every other VM's RAM and
 * the hypervisor's own memory, the main thread's (which is not confined)
 * included.  The sandbox bounds the system calls of such a thread; it is
 * no wall between the VMs of one run.  Guests that must not trust each
 * other run in separate processes (one run per guest).  Without Landlock
 * (an older kernel, which the probe reports) the thread keeps the user's
 * filesystem access, other VMs' files through /proc included.
 *
 * The main thread, which runs no guest code, stays unconfined: it reads
 * standard input, joins the threads and cleans up.  It must never close
 * by number an fd a VM thread opened: that number, in its table, is
 * another file.
 */
#ifndef MH_SANDBOX_H
#define MH_SANDBOX_H

#include <glib.h>

typedef enum {
  MH_SANDBOX_OFF,    /* --sandbox=off                                  */
  MH_SANDBOX_ON,     /* default: confine; warn where the kernel cannot */
  MH_SANDBOX_STRICT, /* confine, or refuse to run                      */
} MhSandboxMode;

typedef struct {
  MhSandboxMode mode;
  int landlock_abi; /* 0: Landlock unavailable              */
  char *missing;    /* why confinement is partial, or NULL  */
} MhSandbox;

/* Main thread, before any VM runs: probes what the kernel supports.
 * Strict mode fails if something is missing; otherwise sb->missing says
 * what (for one warning). */
gboolean mh_sandbox_probe(MhSandbox *sb, MhSandboxMode mode, GError **error);
void mh_sandbox_clear(MhSandbox *sb);

/* The fds a vCPU thread keeps; every other is closed in its table. */
typedef struct {
  int files_dir_fd; /* the run's directory, its VM's beneath it, or
                            -1: no files at all                       */
  int vm_fd;        /* its VM: coalesced console output            */
  int vcpu_fd;      /* its vCPU: KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS */
  const int *keep;  /* the others it uses; -1 entries are ignored  */
  gsize n_keep;
  int gdb_fd;      /* its gdb connection (read, write, poll), or -1;
                           if set, the vCPU also takes the debugger's
                           ioctls (KVM_SET_GUEST_DEBUG, KVM_SET_REGS,
                           KVM_TRANSLATE)                             */
  int gdb_chan_fd; /* the socket pair's end on which a gdb
                           connection accepted later comes (recvmsg on
                           it alone), or -1; if set, the debugger's
                           ioctls too                                 */
} MhSandboxFds;

/* In a vCPU thread, before its guest runs: confines this thread (see
 * above), which then holds only @fds.  Fds the thread opens afterwards
 * exist in its table only: close them from this thread, before it ends
 * (the kernel closes what is left when it exits).  Fails only where the
 * probe said the feature works. */
gboolean mh_sandbox_enter(const MhSandbox *sb, const MhSandboxFds *fds,
                          GError **error);

/* A one-line description for --verbose. */
char *mh_sandbox_describe(const MhSandbox *sb);

#endif /* MH_SANDBOX_H */
