/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - confining the vCPU threads, which run on behalf of guest
 * code: if a guest ever found a bug in the code that serves it, the
 * thread it took over could still reach nothing but its own VM.
 *
 *  - Landlock (filesystem): the thread may open files only beneath its
 *    VM's own directory; everything it needs besides (the KVM fds, the
 *    shared files) was opened before.
 *  - seccomp (libseccomp): an allowlist of system calls, with ioctl
 *    limited to the three requests the loop makes on its own vCPU fd and
 *    the switch to coalesced console output on its own VM fd.  Anything
 *    else fails with EPERM.
 *
 * The main thread, which runs no guest code, stays unconfined: it reads
 * standard input, joins the threads and cleans up.
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
  int           landlock_abi; /* 0: Landlock unavailable              */
  char         *missing;      /* why confinement is partial, or NULL  */
} MhSandbox;

/* Main thread, before any VM runs: probes what the kernel supports.
 * Strict mode fails if something is missing; otherwise sb->missing says
 * what (for one warning). */
gboolean mh_sandbox_probe(MhSandbox *sb, MhSandboxMode mode, GError **error);
void     mh_sandbox_clear(MhSandbox *sb);

/* In a vCPU thread, before its guest runs: confines this thread.
 * @vm_dir_fd is the VM's directory (or -1: no files at all), @vm_fd its
 * VM, @vcpu_fd its vCPU.  Fails only where the probe said the feature
 * works. */
gboolean mh_sandbox_enter(const MhSandbox *sb, int vm_dir_fd, int vm_fd,
                          int vcpu_fd, GError **error);

/* A one-line description for --verbose. */
char *mh_sandbox_describe(const MhSandbox *sb);

#endif /* MH_SANDBOX_H */
