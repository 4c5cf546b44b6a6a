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

#include "guestmem.h"
#include "input.h"
#include "kvm.h"
#include "vcpu.h"
#include "x86_64.h"

/* How long a connection may stay silent before its first packet. */
#define MH_GDB_HELLO_SECONDS 10

/* Where gdb connects, from --gdb/-s. */
typedef struct {
  char *host; /* TCP: NULL for the loopback address            */
  guint port; /* TCP: the first VM's port (0: any free port)   */
  char *path; /* a Unix socket instead of TCP, or NULL         */
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
  guint port; /* host byte order */
} MhGdbEndpoint;

/* What mh_gdb_proc_net_owner() found. */
typedef enum {
  MH_GDB_OWNER_NONE,     /* no such socket                           */
  MH_GDB_OWNER_FOUND,    /* an established socket: *uid is its owner */
  MH_GDB_OWNER_NOT_OPEN, /* the socket is there but closing (its
                               owner is no longer recorded)             */
} MhGdbOwner;

/* Looks in @path, a /proc/net/tcp (@v6 FALSE) or tcp6 table, for the
 * socket whose local end is @local and remote end @remote. */
MhGdbOwner mh_gdb_proc_net_owner(const char *path, gboolean v6,
                                 const MhGdbEndpoint *local,
                                 const MhGdbEndpoint *remote, uid_t *uid);

/* ------------------------------------------------------------------ */
/* One VM's stub.  It debugs a target, never the whole VM: a vCPU (its
 * registers, guest debugging, its run area and stop reason), the guest
 * RAM, the hypervisor's pages (where an exception frame lies) and the
 * console input it pauses while gdb holds the guest inside an IN. */
typedef struct {
  MhVcpu *vcpu;
  MhGuestMem *ram;
  const guint8 *monitor; /* MH_MONITOR_SIZE bytes at MH_MONITOR_GPA */
  MhInput *input;
} MhGdbTarget;

typedef struct MhGdb MhGdb;

/* Main thread, at the VM's creation: the stub of the VM whose listening
 * socket is @listen_fd (owned by the run); -S: @wait. */
MhGdb *mh_gdb_new(const MhGdbTarget *target, int listen_fd, gboolean wait,
                  GError **error);
void mh_gdb_free(MhGdb *g);

/* Main thread, each turn of its loop: the fd to poll (the listening
 * socket, or the connection: Ctrl-C or gdb gone), or -1; then
 * mh_gdb_service() with what poll said: accepts, checks and hands over a
 * connection, or makes the VM's thread look at it.  FALSE with a warning
 * to print (a connection refused or dropped). */
int mh_gdb_main_fd(MhGdb *g);
gboolean mh_gdb_service(MhGdb *g, short revents, GError **warning);

/* The rest runs on the VM's thread; each takes a NULL @g (no debugger)
 * and then does nothing. */

/* The VM thread's end of the socket pair that brings a connection the
 * main thread accepted, kept in its file table; or -1. */
int mh_gdb_chan_fd(const MhGdb *g);
/* Before the first instruction, confined: with -S, waits for gdb's
 * first connection and answers gdb until it resumes the guest. */
gboolean mh_gdb_start(MhGdb *g, GError **error);
/* After KVM_RUN was interrupted: a connection handed over, Ctrl-C from
 * gdb, or its end. */
gboolean mh_gdb_poll(MhGdb *g, GError **error);
/* The same while the guest waits for console input (an MhInputPauseFn
 * for the VM's input queue, @data the stub): FALSE if gdb killed it. */
gboolean mh_gdb_input_pause(gpointer data);
/* KVM_EXIT_DEBUG: a breakpoint, watchpoint or step. */
gboolean mh_gdb_on_debug(MhGdb *g, GError **error);
/* KVM_EXIT_INTERNAL_ERROR: some hosts (PVM) do not intercept int3 for
 * KVM_GUESTDBG_USE_SW_BP but fail to emulate it.  On one of gdb's
 * breakpoints that is the breakpoint: 1, answered (go on); 0 not ours;
 * -1 gdb killed the guest. */
int mh_gdb_on_unemulated(MhGdb *g, GError **error);
/* The hypervisor's handler caught a guest exception (@stub: the
 * registers in the handler).  One of gdb's breakpoints: the exception is
 * undone and reported, 1 (go on), or -1 if gdb killed the guest.  Else
 * gdb sees the guest stop there (SIGSEGV, SIGILL...), 0: the VM fails. */
int mh_gdb_on_fault(MhGdb *g, const MhException *ex,
                    const struct kvm_regs *stub, GError **error);
/* The VM's end: gdb hears it exited. */
void mh_gdb_finish(MhGdb *g, gboolean halted);

#endif /* MH_GDBSTUB_H */
