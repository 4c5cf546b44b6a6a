/* SPDX-License-Identifier: MIT */
/*
 * error.h - the GError domain shared by every module, the one way to turn
 * a failed system call into a GError, an auto-closing fd, and the one
 * mapping from an error to the process's exit status.
 */
#ifndef MH_ERROR_H
#define MH_ERROR_H

#include <glib.h>

#define MH_ERROR (mh_error_quark())
GQuark mh_error_quark(void);

/* Error classes.  mh_error_exit_status() maps each to an exit status. */
typedef enum {
  MH_ERROR_USAGE, /* bad command line or input file: exit status 2    */
  MH_ERROR_HOST,  /* the host refused something (KVM, memory, fds): 4 */
  MH_ERROR_GUEST, /* the guest stopped abnormally (fault, bad access): 1 */
} MhErrorCode;

/* The process's exit statuses (mini_hypervisor(1), EXIT STATUS).  With
 * several VMs the most serious wins: signal > host > guest > limit. */
#define MH_EXIT_OK     0
#define MH_EXIT_GUEST  1 /* a guest failed (guest-fault, bad-io)      */
#define MH_EXIT_USAGE  2
#define MH_EXIT_LIMIT  3   /* --timeout or a limit stopped a VM         */
#define MH_EXIT_HOST   4   /* no KVM, permissions, resources            */
#define MH_EXIT_SIGNAL 128 /* + the signal's number                     */

/* The exit status an error leads to. */
int mh_error_exit_status(const GError *error);

/* The more serious of two exit statuses: signal > host > usage > guest >
 * limit > success. */
int mh_exit_status_worst(int a, int b);

/* Sets @error to "<formatted prefix>: <strerror(errno)>" with @code and
 * returns FALSE.  errno is read first, before anything can change it
 * (libglnx's glnx_throw_errno_prefix is the model). */
gboolean mh_throw_errno(GError **error, MhErrorCode code, const char *fmt, ...)
  G_GNUC_PRINTF(3, 4);

/* The same with an explicit error number (saved earlier). */
gboolean mh_throw_errnum(GError **error, MhErrorCode code, int errnum,
                         const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* An fd closed when it goes out of scope:
 *   g_auto(MhFd) fd = open(...);
 * g_steal_fd() keeps it (GLib 2.70). */
typedef int MhFd;
void mh_fd_close(int fd);
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(MhFd, mh_fd_close, -1)

#endif /* MH_ERROR_H */
