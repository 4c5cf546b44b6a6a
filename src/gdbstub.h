/* SPDX-License-Identifier: MIT */
/*
 * gdbstub.h - a gdb remote stub per VM (--gdb, -s, -S).
 *
 * The main thread opens each listening socket (mh_gdb_listen) before the
 * VMs start.  With -S the VM's own thread accepts gdb's first connection
 * before it confines itself, so the connection is in its file table (the
 * sandbox keeps it), and the guest waits for gdb before its first
 * instruction.  Otherwise the guest runs at once, and the main thread
 * watches the listening socket: it accepts a connection and sends it
 * over a socket pair (SCM_RIGHTS) whose one end the VM's thread kept,
 * then kicks that thread, which takes it (recvmsg on that one fd is all
 * the sandbox adds) and stops the guest where it is.  Either way the
 * thread talks to gdb with read, write and poll only; after gdb leaves,
 * the stub listens again.
 *
 * While the guest runs, the main thread polls the connection for input
 * (it never reads it) and kicks the VM's thread, which reads the byte:
 * Ctrl-C (0x03) stops the guest, the end of the connection detaches.
 */
#ifndef MH_GDBSTUB_H
#define MH_GDBSTUB_H

#include <glib.h>

#include "kvm.h"

/* Where gdb connects, from --gdb/-s. */
typedef struct {
  char  *host;   /* TCP: NULL for the loopback address            */
  guint  port;   /* TCP: the first VM's port (0: any free port)   */
  char  *path;   /* a Unix socket instead of TCP, or NULL         */
} MhGdbSpec;

/* Main thread: whether KVM can debug guests at all. */
gboolean mh_gdb_check_kvm(const MhKvm *kvm, GError **error);

/* Main thread: opens VM @index's listening socket (VM @index of @n_vms
 * listens on PORT + @index, or PATH.@index when @n_vms > 1 and @single
 * is FALSE).  Returns the fd, or -1; *@target says what to type in gdb
 * ("target remote :1234"), *@unlink_path the socket file to remove at
 * the end (or NULL). */
int mh_gdb_listen(const MhGdbSpec *spec, guint index, guint n_vms,
                  gboolean single, char **target, char **unlink_path,
                  GError **error);

#endif /* MH_GDBSTUB_H */
