/* SPDX-License-Identifier: MIT */
/*
 * gdbstub.h - a gdb remote stub per VM (--gdb, -s, -S).
 *
 * The main thread opens each listening socket (mh_gdb_listen) before the
 * VMs start, and is the only one that accepts: with or without -S it
 * watches the listening socket, accepts a connection, checks who made
 * it (below), waits for its first packet, then sends it over a socket
 * pair (SCM_RIGHTS) whose one end the VM's thread kept, and kicks that
 * thread, which takes it (recvmsg on that one fd is all the sandbox
 * adds) and stops the guest where it is.  With -S the VM's thread,
 * confined, waits for that first connection before the guest's first
 * instruction.  The thread talks to gdb with read, write and poll only;
 * after gdb leaves, the stub listens again.
 *
 * Who may connect: the user who started mini_hypervisor, and root.  A
 * Unix socket's peer is known from SO_PEERCRED; a TCP connection's from
 * the owner of the connecting socket, found in /proc/net/tcp and
 * /proc/net/tcp6 by its address and port (as identd does).  Any other
 * connection is closed before a byte is read or written, with a
 * warning, and the stub listens on.  A peer that cannot be found there
 * is refused too, unless the stub listens beyond the loopback address
 * (--gdb tcp:HOST:PORT), where it may be another machine: binding HOST
 * lets anyone who can reach it debug the guest, and says so.
 *
 * The guest is stopped when gdb's first packet (or Ctrl-C) arrives, not
 * at connect: a connection that sends none within MH_GDB_HELLO_SECONDS is
 * closed with a warning, and the stub listens again.
 *
 * While the guest runs, the main thread polls the connection for input
 * (it never reads it once handed over) and kicks the VM's thread, which
 * reads the byte: Ctrl-C (0x03) stops the guest, the end of the
 * connection detaches.  A guest that waits for console input is paused
 * in that wait (mh_input_pause) instead, and served there.
 */
#ifndef MH_GDBSTUB_H
#define MH_GDBSTUB_H

#include <glib.h>

#include <sys/types.h>

#include "kvm.h"

/* How long a connection may stay silent before its first packet. */
#define MH_GDB_HELLO_SECONDS 10

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

/* Main thread: whether listening socket @fd is bound to a loopback
 * address or is a Unix socket (only this machine can connect). */
gboolean mh_gdb_listen_is_local(int fd);

/* One end of a TCP connection, an IPv4 address as IPv4-mapped IPv6. */
typedef struct {
  guint8 addr[16];
  guint  port;      /* host byte order */
} MhGdbEndpoint;

/* What mh_gdb_proc_net_owner() found. */
typedef enum {
  MH_GDB_OWNER_NONE,        /* no such socket                           */
  MH_GDB_OWNER_FOUND,       /* an established socket: *uid is its owner */
  MH_GDB_OWNER_NOT_OPEN,    /* the socket is there but closing (its
                               owner is no longer recorded)             */
} MhGdbOwner;

/* Looks in @path, a /proc/net/tcp (@v6 FALSE) or tcp6 table, for the
 * socket whose local end is @local and remote end @remote. */
MhGdbOwner mh_gdb_proc_net_owner(const char *path, gboolean v6,
                                 const MhGdbEndpoint *local,
                                 const MhGdbEndpoint *remote, uid_t *uid);

#endif /* MH_GDBSTUB_H */
