/* SPDX-License-Identifier: MIT */
/* gdbstub.c - the gdb stub of one VM: the listening socket (main thread),
 * then, on the VM's thread, the connection, the stops and the commands
 * (through gdbproto.c) on top of KVM's guest debugging. */
#include "config.h"

#include "gdbstub.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "gdbproto.h"
#include "text.h"
#include "input.h"
#include "vcpu.h"

#define GDB_SW_BP_MAX 64
#define GDB_DR7_FIXED 0x400ull     /* DR7 bit 10 reads as 1 (SDM 3B §18.2.4) */
#define GDB_DR6_BS    (1ull << 14) /* single step */

/* Signal numbers in stop replies, as gdb numbers them. */
enum {
  GDB_SIGINT = 2,
  GDB_SIGILL = 4,
  GDB_SIGTRAP = 5,
  GDB_SIGFPE = 8,
  GDB_SIGSEGV = 11
};

typedef struct {
  guint64 addr;
  guint8 orig;
} GdbSwBp;

/* Where gdb's connection is (atomic: both threads look). */
enum {
  GDB_LISTENING, /* none (yet, or since gdb left): the main thread
                    watches listen_fd                                    */
  GDB_GREETING,  /* the main thread accepted one (main_fd) from a user
                    who may debug, and waits for its first packet        */
  GDB_HANDED,    /* the main thread sent it on chan                      */
  GDB_TAKEN,     /* the VM's thread has it                               */
};

/* The bytes the main thread looks at for a first packet: far more than
 * the largest packet, so that gdb's first one always fits. */
#define GDB_HELLO_MAX (4 * MH_GDB_PACKET_MAX)

/* Refused connections reported per VM: a user who connects in a loop
 * must not flood standard error. */
#define GDB_REFUSED_WARNINGS 10

struct MhGdb {
  MhGdbTarget target;    /* what it debugs (borrowed from the VM)       */
  int listen_fd;         /* owned by the run, closed by the main thread */
  gboolean local;        /* listen_fd takes connections from this
                             machine only (loopback, Unix socket)        */
  gboolean wait;         /* -S: the VM's thread waits for the first
                             connection before the first instruction     */
  int fd;                /* the connection in the VM thread's file
                             table, or -1                                */
  int main_fd;           /* the main thread's copy of the connection,
                             which it polls while the guest runs, or -1 */
  gint64 hello_deadline; /* GDB_GREETING: when it gives up
                             (g_get_monotonic_time)                      */
  char *peer;            /* GDB_GREETING: who connected, for messages   */
  guint refused;         /* connections refused so far                  */
  gint state;            /* GDB_*, atomic                               */
  int chan[2];           /* a datagram socket pair: the main thread's
                             end [0], the VM thread's [1] (kept in its
                             file table), on which an accepted
                             connection comes over (SCM_RIGHTS)          */
  gint watch;            /* atomic: the main thread may poll fd         */
  gint kicked;           /* atomic: the main thread saw input on fd     */
  gboolean attached;     /* gdb is connected and not detached           */
  GError *killed;        /* gdb killed the guest while it waited for
                             input: reported after the next KVM_RUN      */
  MhGdbRx rx;
  GString *out; /* a framed reply                              */
  GString *reply;
  struct kvm_guest_debug dbg;
  gboolean stepping;
  GdbSwBp sw[GDB_SW_BP_MAX];
  guint n_sw;
  guint64 hw_addr[4];
  MhGdbBpType hw_type[4];
  guint hw_len[4]; /* DR7's LEN field for each                   */
  guint hw_used;   /* bit per debug register                      */
  /* While stopped on a fault the hypervisor's handler caught: the
   * guest's RIP, RSP and RFLAGS from the exception frame. */
  gboolean in_fault;
  guint64 fault_rip, fault_rsp, fault_rflags;
  /* While stopped inside an IN from the console that waits for input:
   * KVM completes it at the next KVM_RUN, at this RIP only. */
  gboolean in_input;
};

gboolean
mh_gdb_check_kvm(const MhKvm *kvm, GError **error)
{
  if (ioctl(kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG) <= 0) {
    g_set_error_literal(error, MH_ERROR, MH_ERROR_HOST,
                        "--gdb: this host's KVM cannot debug guests (no "
                        "KVM_CAP_SET_GUEST_DEBUG)");
    return FALSE;
  }
  return TRUE;
}

static int
gdb_listen_unix(const char *path, char **target, GError **error)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int fd;

  if (strlen(path) >= sizeof addr.sun_path) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "--gdb: socket path '%s' is too long", path);
    return -1;
  }
  strcpy(addr.sun_path, path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    mh_throw_errno(error, MH_ERROR_HOST, "--gdb: socket");
    return -1;
  }
  /* The socket file gets this mode (less the umask) when bound, so no
   * other user can connect to it at all (connecting needs write
   * permission); SO_PEERCRED is checked at each accept all the same. */
  if (fchmod(fd, 0600) < 0) {
    mh_throw_errno(error, MH_ERROR_HOST, "--gdb: socket");
    close(fd);
    return -1;
  }
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(fd, 1) < 0) {
    mh_throw_errno(error, MH_ERROR_HOST, "--gdb: cannot listen on %s", path);
    close(fd);
    return -1;
  }
  *target = g_strdup(path);
  return fd;
}

static int
gdb_listen_tcp(const char *host, guint port, char **target, GError **error)
{
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
  struct addrinfo *list = NULL;
  g_autofree char *service = g_strdup_printf("%u", port);
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  int fd = -1, rc, one = 1, err = 0;

  /* No host: the loopback address only (AI_PASSIVE is ignored then). */
  if (host == NULL)
    hints.ai_family = AF_INET;
  rc = getaddrinfo(host ? host : "127.0.0.1", service, &hints, &list);
  if (rc != 0) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST, "--gdb: host '%s': %s",
                host ? host : "127.0.0.1", gai_strerror(rc));
    return -1;
  }
  for (struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
    /* Non-blocking: a connection that went between poll and accept
     * must not block the thread that accepts. */
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
      err = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(list);
  if (fd < 0) {
    mh_throw_errnum(error, MH_ERROR_HOST, err, "--gdb: cannot listen on %s:%u",
                    host ? host : "127.0.0.1", port);
    return -1;
  }
  /* Port 0 chose a free port: say which. */
  if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) == 0)
    port = ntohs(bound.ss_family == AF_INET6
                   ? ((struct sockaddr_in6 *)&bound)->sin6_port
                   : ((struct sockaddr_in *)&bound)->sin_port);
  *target = g_strdup_printf("%s:%u", host ? host : "", port);
  return fd;
}

int
mh_gdb_listen(const MhGdbSpec *spec, guint index, guint n_vms, gboolean single,
              char **target, char **unlink_path, GError **error)
{
  int fd;

  *unlink_path = NULL;
  if (spec->path != NULL) {
    g_autofree char *path = n_vms > 1 && !single
                              ? g_strdup_printf("%s.%u", spec->path, index)
                              : g_strdup(spec->path);
    fd = gdb_listen_unix(path, target, error);
    if (fd >= 0)
      *unlink_path = g_steal_pointer(&path);
    return fd;
  }
  if (!single && spec->port != 0 && spec->port + index > 65535) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "--gdb: VM %u would listen on port %u, past 65535", index,
                spec->port + index);
    return -1;
  }
  return gdb_listen_tcp(spec->host,
                        spec->port == 0 || single ? spec->port
                                                  : spec->port + index,
                        target, error);
}

gboolean
mh_gdb_listen_is_local(int fd)
{
  struct sockaddr_storage a;
  socklen_t len = sizeof a;

  if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
    return FALSE;
  if (a.ss_family == AF_UNIX)
    return TRUE;
  if (a.ss_family == AF_INET)
    return (ntohl(((struct sockaddr_in *)&a)->sin_addr.s_addr) >> 24) == 127;
  if (a.ss_family == AF_INET6) {
    const struct in6_addr *in6 = &((struct sockaddr_in6 *)&a)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(in6) ||
           (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
  }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Who connected (main thread)                                          */

/* @sa as an endpoint; FALSE for a family that is not IP. */
static gboolean
gdb_endpoint(const struct sockaddr_storage *sa, MhGdbEndpoint *e)
{
  memset(e, 0, sizeof *e);
  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    e->addr[10] = e->addr[11] = 0xff;
    memcpy(e->addr + 12, &in->sin_addr, 4);
    e->port = ntohs(in->sin_port);
    return TRUE;
  }
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    memcpy(e->addr, &in6->sin6_addr, 16);
    e->port = ntohs(in6->sin6_port);
    return TRUE;
  }
  return FALSE;
}

/* Parses "ADDR:PORT" as /proc/net/tcp (8 hex digits: the address's four
 * bytes as one native-endian word) or tcp6 (32: four such words) prints
 * it, into @e (an IPv4 address mapped). */
static gboolean
gdb_parse_proc_endpoint(const char *text, gboolean v6, MhGdbEndpoint *e)
{
  guint words = v6 ? 4 : 1;
  const char *colon = strchr(text, ':');
  guint64 port;

  memset(e, 0, sizeof *e);
  if (colon == NULL || (gsize)(colon - text) != 8 * words)
    return FALSE;
  for (guint i = 0; i < words; i++) {
    char hex[9];
    guint64 w;
    guint32 w32;
    memcpy(hex, text + 8 * i, 8);
    hex[8] = '\0';
    if (!g_ascii_string_to_unsigned(hex, 16, 0, G_MAXUINT32, &w, NULL))
      return FALSE;
    w32 = (guint32)w;
    memcpy(e->addr + (v6 ? 4 * i : 12), &w32, 4);
  }
  if (!v6)
    e->addr[10] = e->addr[11] = 0xff;
  if (!g_ascii_string_to_unsigned(colon + 1, 16, 0, 65535, &port, NULL))
    return FALSE;
  e->port = (guint)port;
  return TRUE;
}

static gboolean
gdb_endpoint_equal(const MhGdbEndpoint *a, const MhGdbEndpoint *b)
{
  return a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

MhGdbOwner
mh_gdb_proc_net_owner(const char *path, gboolean v6, const MhGdbEndpoint *local,
                      const MhGdbEndpoint *remote, uid_t *uid)
{
  FILE *f = fopen(path, "re");
  char *line = NULL;
  size_t size = 0;
  MhGdbOwner found = MH_GDB_OWNER_NONE;

  if (f == NULL)
    return MH_GDB_OWNER_NONE;
  /* "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...", a
   * header line first (proc_net_tcp(5)). */
  while (found == MH_GDB_OWNER_NONE && getline(&line, &size, f) > 0) {
    g_auto(GStrv) w = g_strsplit_set(g_strstrip(line), " ", -1);
    const char *field[10];
    guint n = 0;
    MhGdbEndpoint l, r;
    guint64 st, owner;

    for (guint i = 0; w[i] != NULL && n < G_N_ELEMENTS(field); i++)
      if (w[i][0] != '\0')
        field[n++] = w[i];
    if (n < G_N_ELEMENTS(field) || !gdb_parse_proc_endpoint(field[1], v6, &l) ||
        !gdb_parse_proc_endpoint(field[2], v6, &r) ||
        !gdb_endpoint_equal(&l, local) || !gdb_endpoint_equal(&r, remote) ||
        !g_ascii_string_to_unsigned(field[3], 16, 0, 0xff, &st, NULL) ||
        !g_ascii_string_to_unsigned(field[7], 10, 0, G_MAXUINT32, &owner, NULL))
      continue;
    /* 01: established.  A socket its owner closed lingers as a
     * time-wait entry (uid 0, inode 0): whoever sent what waits in our
     * queue is no longer known. */
    if (st == 0x01 && g_strcmp0(field[9], "0") != 0) {
      *uid = (uid_t)owner;
      found = MH_GDB_OWNER_FOUND;
    } else {
      found = MH_GDB_OWNER_NOT_OPEN;
    }
  }
  free(line);
  fclose(f);
  return found;
}

/* "uid 1000 (alice)", or "uid 1000" for a uid with no name. */
static char *
gdb_describe_uid(uid_t uid)
{
  struct passwd pw, *found = NULL;
  char buf[1024];

  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL) {
    g_autofree char *name = mh_text_escape(found->pw_name);
    return g_strdup_printf("uid %u (%s)", (guint)uid, name);
  }
  return g_strdup_printf("uid %u", (guint)uid);
}

/* "127.0.0.1:41234", "[::1]:41234" or "a Unix socket". */
static char *
gdb_describe_peer(const struct sockaddr_storage *sa)
{
  char host[INET6_ADDRSTRLEN] = "?";

  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return g_strdup_printf("%s:%u", host, ntohs(in->sin_port));
  }
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return g_strdup_printf("[%s]:%u", host, ntohs(in6->sin6_port));
  }
  return g_strdup("a Unix socket");
}

/* Whether @uid may debug this process's guests: its own user's (real
 * or effective), or root. */
static gboolean
gdb_uid_allowed(uid_t uid)
{
  return uid == 0 || uid == getuid() || uid == geteuid();
}

/* Who made connection @fd.  TRUE if that user may debug the guest; FALSE
 * with @error saying who it was and why not.  *@peer describes it. */
static gboolean
gdb_check_peer(MhGdb *g, int fd, char **peer, GError **error)
{
  struct sockaddr_storage ours, theirs;
  socklen_t ours_len = sizeof ours, theirs_len = sizeof theirs;
  MhGdbEndpoint local, remote;
  MhGdbOwner owner = MH_GDB_OWNER_NONE;
  uid_t uid = (uid_t)-1;
  g_autofree char *who = NULL;

  if (getsockname(fd, (struct sockaddr *)&ours, &ours_len) < 0 ||
      getpeername(fd, (struct sockaddr *)&theirs, &theirs_len) < 0) {
    *peer = g_strdup("a connection");
    return mh_throw_errno(error, MH_ERROR_HOST,
                          "refused a connection that is already gone");
  }
  *peer = gdb_describe_peer(&theirs);
  if (theirs.ss_family == AF_UNIX) {
    struct ucred cred;
    socklen_t cred_len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0)
      return mh_throw_errno(error, MH_ERROR_HOST,
                            "refused a connection whose user cannot be "
                            "told (SO_PEERCRED)");
    uid = cred.uid;
    owner = MH_GDB_OWNER_FOUND;
  } else if (gdb_endpoint(&ours, &local) && gdb_endpoint(&theirs, &remote)) {
    /* The connecting socket is listed with its ends the other way round:
     * its local end is our peer.  An IPv4 one is in tcp, or in tcp6 as
     * IPv4-mapped when it was made as an IPv6 socket. */
    static const guint8 mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (memcmp(remote.addr, mapped, 12) == 0)
      owner = mh_gdb_proc_net_owner("/proc/net/tcp", FALSE, &remote, &local,
                                    &uid);
    if (owner == MH_GDB_OWNER_NONE)
      owner = mh_gdb_proc_net_owner("/proc/net/tcp6", TRUE, &remote, &local,
                                    &uid);
  }
  switch (owner) {
  case MH_GDB_OWNER_FOUND:
    if (gdb_uid_allowed(uid))
      return TRUE;
    who = gdb_describe_uid(uid);
    if (getuid() == 0) {
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "refused a connection from %s, %s: only root may debug "
                  "this VM",
                  *peer, who);
    } else {
      g_autofree char *me = gdb_describe_uid(getuid());
      g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                  "refused a connection from %s, %s: only %s and root may "
                  "debug this VM",
                  *peer, who, me);
    }
    return FALSE;
  case MH_GDB_OWNER_NOT_OPEN:
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "refused a connection from %s: it was closed before its "
                "user could be told",
                *peer);
    return FALSE;
  default:
    /* Not a socket of this machine (of this network namespace): another
     * machine, which only a stub listening beyond loopback lets in. */
    if (!g->local)
      return TRUE;
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "refused a connection from %s: its user cannot be told (not "
                "in /proc/net/tcp or tcp6)",
                *peer);
    return FALSE;
  }
}

/* ------------------------------------------------------------------ */
/* The VM's side                                                        */

MhGdb *
mh_gdb_new(const MhGdbTarget *target, int listen_fd, gboolean wait,
           GError **error)
{
  MhGdb *g = g_new0(MhGdb, 1);

  g->target = *target;

  g->listen_fd = listen_fd;
  g->local = mh_gdb_listen_is_local(listen_fd);
  g->wait = wait;
  g->fd = g->main_fd = -1;
  g->state = GDB_LISTENING;
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, g->chan) < 0) {
    mh_throw_errno(error, MH_ERROR_HOST, "--gdb: socketpair");
    g_free(g);
    return NULL;
  }
  g->out = g_string_new(NULL);
  g->reply = g_string_new(NULL);
  mh_gdbproto_rx_init(&g->rx);
  return g;
}

void
mh_gdb_free(MhGdb *g)
{
  if (g == NULL)
    return;
  /* The VM's thread closed its copy (mh_gdb_finish, gdb_detach). */
  mh_fd_close(g->main_fd);
  mh_fd_close(g->chan[0]);
  mh_fd_close(g->chan[1]);
  g_string_free(g->out, TRUE);
  g_string_free(g->reply, TRUE);
  g_clear_error(&g->killed);
  g_free(g->peer);
  g_free(g);
}

int
mh_gdb_chan_fd(const MhGdb *g)
{
  return g != NULL ? g->chan[1] : -1;
}

/* Sends the framed packet in g->out; FALSE once gdb is gone. */
static gboolean
gdb_send_out(MhGdb *g)
{
  return mh_fd_write_all(g->fd, g->out->str, g->out->len,
                         &g->target.vcpu->stop) == 0;
}

static gboolean
gdb_send(MhGdb *g, const char *data, gsize len)
{
  g_string_truncate(g->out, 0);
  mh_gdbproto_frame(g->out, data, len);
  return gdb_send_out(g);
}

static gboolean
gdb_send_raw(MhGdb *g, const char *text)
{
  g_string_assign(g->out, text);
  return gdb_send_out(g);
}

/* gdb went away: the guest runs on without it. */
static void
gdb_detach(MhGdb *g)
{
  struct kvm_guest_debug none = {0};

  g->attached = FALSE;
  g_atomic_int_set(&g->watch, 0);
  /* The connection goes (the main thread closes its copy when it
   * accepts the next one), and the stub listens again, as QEMU's does. */
  if (g->fd >= 0)
    close(g->fd);
  g->fd = -1;
  mh_gdbproto_rx_init(&g->rx);
  g_atomic_int_set(&g->state, GDB_LISTENING);
  /* The breakpoints gdb left go with it: the guest's own int3 is its
   * own again. */
  for (guint i = 0; i < g->n_sw; i++) {
    guint8 *p = NULL;
    struct kvm_translation t = {.linear_address = g->sw[i].addr};
    if (ioctl(g->target.vcpu->fd, KVM_TRANSLATE, &t) == 0 && t.valid &&
        (p = mh_guestmem_range(g->target.ram, t.physical_address, 1)) != NULL &&
        *p == 0xcc)
      *p = g->sw[i].orig;
  }
  g->n_sw = 0;
  g->hw_used = 0;
  g->stepping = FALSE;
  memset(&g->dbg, 0, sizeof g->dbg);
  ioctl(g->target.vcpu->fd, KVM_SET_GUEST_DEBUG, &none);
}

/* Hands KVM the debug state: breakpoints, watchpoints, stepping. */
static gboolean
gdb_apply(MhGdb *g)
{
  guint64 dr7 = GDB_DR7_FIXED;

  memset(&g->dbg, 0, sizeof g->dbg);
  g->dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
  if (g->stepping)
    g->dbg.control |= KVM_GUESTDBG_SINGLESTEP;
  for (guint i = 0; i < 4; i++) {
    guint64 rw = 0;
    if (!(g->hw_used & (1u << i)))
      continue;
    g->dbg.arch.debugreg[i] = g->hw_addr[i];
    if (g->hw_type[i] == MH_GDB_BP_WRITE)
      rw = 1;
    else if (g->hw_type[i] != MH_GDB_BP_HW)
      rw = 3;
    dr7 |= (2ull << (2 * i)) /* G: kept over task switches */ |
           (rw << (16 + 4 * i)) | ((guint64)g->hw_len[i] << (18 + 4 * i));
  }
  if (g->hw_used != 0) {
    g->dbg.control |= KVM_GUESTDBG_USE_HW_BP;
    g->dbg.arch.debugreg[7] = dr7;
  }
  return ioctl(g->target.vcpu->fd, KVM_SET_GUEST_DEBUG, &g->dbg) == 0;
}

/* Copies between @buf and guest-virtual [@addr, @addr + @len), a page at
 * a time through the guest's own page tables.  FALSE if any byte is not
 * mapped or not in RAM. */
static gboolean
gdb_access(MhGdb *g, guint64 addr, guint8 *buf, gsize len, gboolean write)
{
  while (len > 0) {
    struct kvm_translation t = {.linear_address = addr};
    gsize chunk = MIN(len, (gsize)(0x1000 - (addr & 0xfff)));
    guint8 *host;

    if (ioctl(g->target.vcpu->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
      return FALSE;
    host = mh_guestmem_range(g->target.ram, t.physical_address, chunk);
    if (host == NULL)
      return FALSE;
    if (write)
      memcpy(host, buf, chunk);
    else
      memcpy(buf, host, chunk);
    addr += chunk;
    buf += chunk;
    len -= chunk;
  }
  return TRUE;
}

static gboolean
gdb_read_mem(gpointer target, guint64 addr, guint8 *buf, gsize len)
{
  return gdb_access(target, addr, buf, len, FALSE);
}

static gboolean
gdb_write_mem(gpointer target, guint64 addr, const guint8 *buf, gsize len)
{
  return gdb_access(target, addr, (guint8 *)buf, len, TRUE);
}

static gboolean
gdb_get_regs(gpointer target, MhGdbRegs *r)
{
  MhGdb *g = target;
  struct kvm_regs regs;
  struct kvm_sregs sregs;

  if (ioctl(g->target.vcpu->fd, KVM_GET_REGS, &regs) < 0 ||
      ioctl(g->target.vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
    return FALSE;
  *r = (MhGdbRegs){
    .gpr = {regs.rax, regs.rbx, regs.rcx, regs.rdx, regs.rsi, regs.rdi,
            regs.rbp, regs.rsp, regs.r8, regs.r9, regs.r10, regs.r11, regs.r12,
            regs.r13, regs.r14, regs.r15},
    .rip = regs.rip,
    .eflags = (guint32)regs.rflags,
    .seg = {sregs.cs.selector, sregs.ss.selector, sregs.ds.selector,
            sregs.es.selector, sregs.fs.selector, sregs.gs.selector},
  };
  if (g->in_fault) {
    r->rip = g->fault_rip;
    r->gpr[7] = g->fault_rsp;
    r->eflags = (guint32)g->fault_rflags;
  }
  return TRUE;
}

static gboolean
gdb_set_regs(gpointer target, const MhGdbRegs *r)
{
  MhGdb *g = target;
  struct kvm_regs regs = {
    .rax = r->gpr[0],
    .rbx = r->gpr[1],
    .rcx = r->gpr[2],
    .rdx = r->gpr[3],
    .rsi = r->gpr[4],
    .rdi = r->gpr[5],
    .rbp = r->gpr[6],
    .rsp = r->gpr[7],
    .r8 = r->gpr[8],
    .r9 = r->gpr[9],
    .r10 = r->gpr[10],
    .r11 = r->gpr[11],
    .r12 = r->gpr[12],
    .r13 = r->gpr[13],
    .r14 = r->gpr[14],
    .r15 = r->gpr[15],
    .rip = r->rip,
    /* Reserved bit 1 stays set whatever gdb sends. */
    .rflags = (guint64)r->eflags | 0x2,
  };

  /* Inside the hypervisor's exception handler the guest cannot go on:
   * changing registers there would only garble the diagnosis. */
  if (g->in_fault)
    return FALSE;
  /* Stopped inside an IN that waits for console input: KVM ends that IN
   * when input comes, and only at this RIP (elsewhere it would drop the
   * IN while this thread still waited for its byte). */
  if (g->in_input) {
    struct kvm_regs now;
    if (ioctl(g->target.vcpu->fd, KVM_GET_REGS, &now) < 0 ||
        now.rip != regs.rip)
      return FALSE;
  }
  return ioctl(g->target.vcpu->fd, KVM_SET_REGS, &regs) == 0;
}

static int
gdb_insert_bp(gpointer target, MhGdbBpType type, guint64 addr, guint64 kind)
{
  MhGdb *g = target;
  static const guint8 int3 = 0xcc;
  static const guint8 dr7_len[9] = {[1] = 0, [2] = 1, [4] = 3, [8] = 2};
  guint i;

  if (type == MH_GDB_BP_SW) {
    GdbSwBp bp = {.addr = addr};
    for (i = 0; i < g->n_sw; i++)
      if (g->sw[i].addr == addr)
        return 1;
    if (g->n_sw == GDB_SW_BP_MAX || !gdb_access(g, addr, &bp.orig, 1, FALSE) ||
        !gdb_access(g, addr, (guint8 *)&int3, 1, TRUE))
      return -1;
    g->sw[g->n_sw++] = bp;
    return 1;
  }
  /* The debug registers: one per breakpoint or watched location, of 1,
   * 2, 4 or 8 bytes at an address aligned to its size. */
  if (type != MH_GDB_BP_HW && (kind > 8 || (kind & (kind - 1)) != 0 ||
                               kind == 0 || (addr & (kind - 1)) != 0))
    return -1;
  for (i = 0; i < 4 && (g->hw_used & (1u << i)); i++)
    ;
  if (i == 4)
    return -1;
  g->hw_used |= 1u << i;
  g->hw_addr[i] = addr;
  g->hw_type[i] = type;
  g->hw_len[i] = type == MH_GDB_BP_HW ? 0 : dr7_len[kind];
  return gdb_apply(g) ? 1 : -1;
}

static int
gdb_remove_bp(gpointer target, MhGdbBpType type, guint64 addr, guint64 kind)
{
  MhGdb *g = target;

  (void)kind;
  if (type == MH_GDB_BP_SW) {
    for (guint i = 0; i < g->n_sw; i++) {
      if (g->sw[i].addr != addr)
        continue;
      if (!gdb_access(g, addr, &g->sw[i].orig, 1, TRUE))
        return -1;
      g->sw[i] = g->sw[--g->n_sw];
      return 1;
    }
    return -1;
  }
  for (guint i = 0; i < 4; i++) {
    if ((g->hw_used & (1u << i)) && g->hw_addr[i] == addr &&
        g->hw_type[i] == type) {
      g->hw_used &= ~(1u << i);
      return gdb_apply(g) ? 1 : -1;
    }
  }
  return -1;
}

static const MhGdbTargetOps gdb_ops = {
  .get_regs = gdb_get_regs,
  .set_regs = gdb_set_regs,
  .read_mem = gdb_read_mem,
  .write_mem = gdb_write_mem,
  .insert_bp = gdb_insert_bp,
  .remove_bp = gdb_remove_bp,
};

/* Reads what gdb sent, waiting for it.  Returns the bytes read, 0 at the
 * end of the connection, -1 on an error or when the VM is told to stop
 * (the kick interrupts the read). */
static ssize_t
gdb_read(MhGdb *g, guint8 *buf, gsize size)
{
  for (;;) {
    ssize_t n = read(g->fd, buf, size);
    if (n >= 0)
      return n;
    if (errno != EINTR || mh_vcpu_stop_reason(g->target.vcpu) != MH_STOP_NONE)
      return -1;
  }
}

/* The guest is stopped: tells gdb why (@stop_reply), then answers its
 * commands until it resumes the guest.  FALSE (and @error) if gdb killed
 * it; a gdb that went away detaches. */
static gboolean
gdb_serve(MhGdb *g, const char *stop_reply, gboolean announce, GError **error)
{
  guint8 buf[1024];

  g_atomic_int_set(&g->watch, 0);
  if (announce && !gdb_send(g, stop_reply, strlen(stop_reply))) {
    gdb_detach(g);
    return TRUE;
  }
  for (;;) {
    ssize_t n = gdb_read(g, buf, sizeof buf);
    if (n <= 0) {
      if (mh_vcpu_stop_reason(g->target.vcpu) != MH_STOP_NONE)
        return TRUE; /* the loop reports the stop */
      gdb_detach(g);
      return TRUE;
    }
    for (ssize_t i = 0; i < n; i++) {
      MhGdbAction act;
      switch (mh_gdbproto_rx_byte(&g->rx, buf[i])) {
      case MH_GDB_RX_BAD:
        if (!gdb_send_raw(g, "-"))
          goto gone;
        continue;
      case MH_GDB_RX_PACKET: break;
      default:
        /* Ctrl-C while stopped: nothing to stop. */
        continue;
      }
      if (!gdb_send_raw(g, "+"))
        goto gone;
      act = mh_gdbproto_handle(&gdb_ops, g, g->rx.data, g->rx.len, stop_reply,
                               g->reply);
      switch (act) {
      case MH_GDB_ACT_NONE:
        if (!gdb_send(g, g->reply->str, g->reply->len))
          goto gone;
        break;
      case MH_GDB_ACT_CONTINUE:
      case MH_GDB_ACT_STEP:
        g->stepping = act == MH_GDB_ACT_STEP;
        if (!gdb_apply(g)) {
          if (!gdb_send(g, "E01", 3))
            goto gone;
          break;
        }
        /* Bytes after a resume (only a hostile gdb sends them) are
         * dropped; Ctrl-C comes later, through the main thread. */
        g_atomic_int_set(&g->watch, 1);
        return TRUE;
      case MH_GDB_ACT_DETACH:
        gdb_send(g, g->reply->str, g->reply->len);
        gdb_detach(g);
        return TRUE;
      case MH_GDB_ACT_KILL:
        gdb_detach(g);
        g_set_error_literal(error, MH_ERROR, MH_ERROR_GUEST, "killed by gdb");
        return FALSE;
      }
    }
  }
gone:
  gdb_detach(g);
  return TRUE;
}

static char *
gdb_stop_reply(guint signo, const char *why)
{
  return g_strdup_printf("T%02xthread:1;%s", signo, why ? why : "");
}

/* One byte carrying one descriptor (SCM_RIGHTS, unix(7)): how the main
 * thread hands gdb's connection to the VM's thread (gdb_hand_over,
 * gdb_receive). */
typedef struct {
  union {
    struct cmsghdr hdr;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  char byte;
  struct iovec iov;
  struct msghdr msg;
} GdbFdMsg;

static void
gdb_fd_msg_init(GdbFdMsg *m)
{
  memset(m, 0, sizeof *m);
  m->iov = (struct iovec){&m->byte, 1};
  m->msg = (struct msghdr){.msg_iov = &m->iov,
                           .msg_iovlen = 1,
                           .msg_control = m->control.buf,
                           .msg_controllen = sizeof m->control.buf};
}

/* On the VM's thread: takes the connection the main thread handed over
 * (gdb_hand_over) from the socket pair.  FALSE if nothing usable came:
 * the stub listens again. */
static gboolean
gdb_receive(MhGdb *g)
{
  GdbFdMsg m;
  struct cmsghdr *c;

  gdb_fd_msg_init(&m);
  if (recvmsg(g->chan[1], &m.msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1 ||
      (c = CMSG_FIRSTHDR(&m.msg)) == NULL || c->cmsg_level != SOL_SOCKET ||
      c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
    g_atomic_int_compare_and_exchange(&g->state, GDB_HANDED, GDB_LISTENING);
    return FALSE;
  }
  memcpy(&g->fd, CMSG_DATA(c), sizeof(int));
  mh_gdbproto_rx_init(&g->rx);
  g->attached = TRUE;
  g_atomic_int_set(&g->state, GDB_TAKEN);
  return TRUE;
}

gboolean
mh_gdb_start(MhGdb *g, GError **error)
{
  g_autofree char *reply = gdb_stop_reply(GDB_SIGTRAP, NULL);

  if (g == NULL || !g->wait)
    return TRUE; /* without -S the guest runs until gdb comes */
  /* -S: nothing runs before the main thread hands gdb's first connection
   * over.  Told to stop meanwhile (--timeout, a signal), the vCPU loop
   * reports the stop as it does any other. */
  while (!g->attached) {
    struct pollfd p = {g->chan[1], POLLIN, 0};
    if (mh_vcpu_stop_reason(g->target.vcpu) != MH_STOP_NONE)
      return TRUE;
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      return mh_throw_errno(error, MH_ERROR_HOST, "--gdb: poll");
    }
    if (p.revents & POLLIN)
      gdb_receive(g);
  }
  if (!gdb_apply(g))
    return mh_throw_errno(error, MH_ERROR_HOST, "KVM_SET_GUEST_DEBUG");
  /* gdb asks why the target stopped (`?`) once connected: no unasked
   * stop reply here. */
  return gdb_serve(g, reply, FALSE, error);
}

/* On the VM's thread: takes the connection the main thread accepted
 * (mh_gdb_service) and stops the guest where it is, as gdb expects of
 * a target it attaches to. */
static gboolean
gdb_take(MhGdb *g, GError **error)
{
  g_autofree char *reply = gdb_stop_reply(GDB_SIGTRAP, NULL);

  if (!gdb_receive(g))
    return TRUE; /* the guest runs on, the stub listens */
  if (!gdb_apply(g))
    return mh_throw_errno(error, MH_ERROR_HOST, "KVM_SET_GUEST_DEBUG");
  return gdb_serve(g, reply, FALSE, error);
}

gboolean
mh_gdb_input_pause(gpointer data)
{
  MhGdb *g = data;
  GError *error = NULL;
  gboolean ok;

  g->in_input = TRUE;
  ok = mh_gdb_poll(g, &error);
  g->in_input = FALSE;
  if (ok)
    return TRUE; /* the guest goes on waiting for its input */
  /* Killed: the read gives up, the IN ends, and the next KVM_RUN returns
   * at once into mh_gdb_poll, which fails the VM as after any kill. */
  g->killed = error;
  __atomic_store_n(&g->target.vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
  return FALSE;
}

gboolean
mh_gdb_poll(MhGdb *g, GError **error)
{
  gboolean interrupt = FALSE;
  guint8 buf[256];

  if (g != NULL && g->killed != NULL) {
    g_propagate_error(error, g_steal_pointer(&g->killed));
    return FALSE;
  }
  if (g == NULL || !g_atomic_int_compare_and_exchange(&g->kicked, 1, 0))
    return TRUE;
  /* The main thread set immediate_exit to make sure KVM_RUN returned;
   * a stop request sets it again after setting the stop reason.  Cleared even
   * when gdb has gone meanwhile (the main thread may have seen gdb's
   * last packets while this thread was answering them): left set, it
   * would make every KVM_RUN return at once. */
  if (mh_vcpu_stop_reason(g->target.vcpu) == MH_STOP_NONE)
    __atomic_store_n(&g->target.vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
  if (g_atomic_int_get(&g->state) == GDB_HANDED)
    return gdb_take(g, error);
  if (!g->attached)
    return TRUE;
  for (;;) {
    struct pollfd p = {g->fd, POLLIN, 0};
    ssize_t n;
    if (poll(&p, 1, 0) <= 0)
      break;
    n = read(g->fd, buf, sizeof buf);
    if (n <= 0) {
      gdb_detach(g);
      return TRUE;
    }
    for (ssize_t i = 0; i < n; i++)
      if (mh_gdbproto_rx_byte(&g->rx, buf[i]) == MH_GDB_RX_INTERRUPT)
        interrupt = TRUE;
  }
  if (!interrupt) {
    g_atomic_int_set(&g->watch, 1);
    return TRUE;
  }
  {
    g_autofree char *reply = gdb_stop_reply(GDB_SIGINT, NULL);
    return gdb_serve(g, reply, TRUE, error);
  }
}

gboolean
mh_gdb_on_debug(MhGdb *g, GError **error)
{
  const struct kvm_debug_exit_arch *arch = &g->target.vcpu->run->debug.arch;
  g_autofree char *why = NULL;
  g_autofree char *reply = NULL;

  if (g == NULL || !g->attached) {
    /* Left over from a debugger that just went away. */
    return TRUE;
  }
  if (arch->exception == 3) {
    gboolean ours = FALSE;
    for (guint i = 0; i < g->n_sw; i++)
      ours |= g->sw[i].addr == arch->pc;
    if (ours) {
      why = g_strdup("swbreak:;");
    } else {
      /* The guest's own int3: as for a process, RIP moves past it. */
      struct kvm_regs regs;
      if (ioctl(g->target.vcpu->fd, KVM_GET_REGS, &regs) == 0) {
        regs.rip++;
        ioctl(g->target.vcpu->fd, KVM_SET_REGS, &regs);
      }
    }
  } else {
    for (guint i = 0; i < 4 && why == NULL; i++) {
      if (!(arch->dr6 & (1u << i)) || !(g->hw_used & (1u << i)))
        continue;
      if (g->hw_type[i] == MH_GDB_BP_HW)
        why = g_strdup("hwbreak:;");
      else
        why = g_strdup_printf("%s:%" G_GINT64_MODIFIER "x;",
                              g->hw_type[i] == MH_GDB_BP_WRITE  ? "watch"
                              : g->hw_type[i] == MH_GDB_BP_READ ? "rwatch"
                                                                : "awatch",
                              g->hw_addr[i]);
    }
  }
  reply = gdb_stop_reply(GDB_SIGTRAP, why);
  return gdb_serve(g, reply, TRUE, error);
}

int
mh_gdb_on_unemulated(MhGdb *g, GError **error)
{
  struct kvm_regs regs;
  g_autofree char *reply = NULL;

  if (g == NULL || !g->attached ||
      g->target.vcpu->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
      ioctl(g->target.vcpu->fd, KVM_GET_REGS, &regs) < 0)
    return 0;
  for (guint i = 0; i < g->n_sw; i++) {
    if (g->sw[i].addr != regs.rip)
      continue;
    reply = gdb_stop_reply(GDB_SIGTRAP, "swbreak:;");
    return gdb_serve(g, reply, TRUE, error) ? 1 : -1;
  }
  return 0;
}

int
mh_gdb_on_fault(MhGdb *g, const MhException *ex, const struct kvm_regs *stub,
                GError **error)
{
  const guint64 base = MH_MONITOR_GPA + MH_MONITOR_STACK_OFF;
  g_autofree char *reply = NULL;
  g_autoptr(GError) ignored = NULL;
  guint64 rflags = 0;
  guint signo;

  if (g == NULL || !g->attached)
    return 0;
  /* The frame lies in the stack page (mh_x86_exception_frame checked
   * it): RIP, CS, RFLAGS, RSP, SS after any error code. */
  memcpy(&rflags,
         g->target.monitor + MH_MONITOR_STACK_OFF + (stub->rsp - base) +
           (ex->has_error ? 24 : 16),
         8);
  /* One of gdb's int3s that KVM did not intercept (QEMU's emulated SVM
   * does not, for KVM_GUESTDBG_USE_SW_BP): undo the exception as its
   * iretq would, with RIP back on the breakpoint, and report it. */
  if (ex->vector == 3) {
    for (guint i = 0; i < g->n_sw; i++) {
      struct kvm_regs regs = *stub;
      if (g->sw[i].addr != ex->rip - 1)
        continue;
      regs.rip = ex->rip - 1;
      regs.rsp = ex->rsp;
      regs.rflags = rflags;
      if (ioctl(g->target.vcpu->fd, KVM_SET_REGS, &regs) < 0)
        return 0;
      reply = gdb_stop_reply(GDB_SIGTRAP, "swbreak:;");
      return gdb_serve(g, reply, TRUE, error) ? 1 : -1;
    }
  }
  switch (ex->vector) {
  case 0: signo = GDB_SIGFPE; break;
  case 1:
  case 3: signo = GDB_SIGTRAP; break;
  case 6: signo = GDB_SIGILL; break;
  default: signo = GDB_SIGSEGV; break;
  }
  g->in_fault = TRUE;
  g->fault_rip = ex->rip;
  g->fault_rsp = ex->rsp;
  g->fault_rflags = rflags;
  reply = gdb_stop_reply(signo, NULL);
  /* Whatever gdb does next, the guest cannot go on: it fails with the
   * diagnosis, and gdb hears that it ended (mh_gdb_finish). */
  gdb_serve(g, reply, TRUE, &ignored);
  return 0;
}

void
mh_gdb_finish(MhGdb *g, gboolean halted)
{
  if (g == NULL)
    return;
  if (g->attached) {
    g_atomic_int_set(&g->watch, 0);
    /* W: exited with a status; X: terminated by a signal. */
    if (halted)
      gdb_send(g, "W00", 3);
    else
      gdb_send(g, "X09", 3);
  }
  /* A connection handed over is this thread's to close (its own file
   * table, or the shared one with the sandbox off). */
  if (g->fd >= 0)
    close(g->fd);
  g->fd = -1;
}

/* ------------------------------------------------------------------ */
/* The main thread's side                                               */

int
mh_gdb_main_fd(MhGdb *g)
{
  if (g == NULL)
    return -1;
  switch (g_atomic_int_get(&g->state)) {
  case GDB_LISTENING: return g->listen_fd;
  case GDB_GREETING:
    return g->main_fd; /* looked at every turn (mh_gdb_service) */
  case GDB_TAKEN: return g_atomic_int_get(&g->watch) ? g->main_fd : -1;
  default: return -1; /* GDB_HANDED: until the VM's thread took it */
  }
}

/* Makes the VM's thread look at gdb's connection: breaks its KVM_RUN
 * (the kick, immediate_exit), or the wait for console input it may be
 * in (which no signal breaks). */
static void
gdb_interrupt(MhGdb *g)
{
  g_atomic_int_set(&g->watch, 0);
  g_atomic_int_set(&g->kicked, 1);
  __atomic_store_n(&g->target.vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
  mh_vcpu_kick(g->target.vcpu);
  mh_input_pause(g->target.input);
}

/* Closes the connection the main thread holds, back to listening. */
static void
gdb_drop(MhGdb *g)
{
  mh_fd_close(g->main_fd);
  g->main_fd = -1;
  g_clear_pointer(&g->peer, g_free);
  g_atomic_int_set(&g->state, GDB_LISTENING);
}

/* While the stub listens: accepts a connection, and keeps it (GDB_GREETING)
 * if its user may debug the guest.  FALSE, with a warning in @error, if it
 * was refused. */
static gboolean
gdb_accept(MhGdb *g, GError **error)
{
  g_autoptr(GError) refused = NULL;
  g_autofree char *peer = NULL;
  int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC), one = 1;

  if (fd < 0)
    return TRUE; /* gone again (EAGAIN), or nothing to do about it */
  if (!gdb_check_peer(g, fd, &peer, &refused)) {
    /* Not a byte read or written: it learns nothing but that it ended. */
    close(fd);
    if (++g->refused > GDB_REFUSED_WARNINGS)
      return TRUE;
    if (g->refused == GDB_REFUSED_WARNINGS) {
      char *more = g_strdup_printf("%s (later refusals are not reported)",
                                   refused->message);
      g_free(refused->message);
      refused->message = more;
    }
    g_propagate_error(error, g_steal_pointer(&refused));
    return FALSE;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* The connection before is gone: the VM's thread set GDB_LISTENING
   * after it closed its copy. */
  mh_fd_close(g->main_fd);
  g->main_fd = fd;
  g_free(g->peer);
  g->peer = g_steal_pointer(&peer);
  g->hello_deadline = g_get_monotonic_time() +
                      (gint64)MH_GDB_HELLO_SECONDS * G_USEC_PER_SEC;
  g_atomic_int_set(&g->state, GDB_GREETING);
  return TRUE;
}

/* Sends the connection to the VM's thread over the socket pair (that
 * thread's file table is its own: no other way in), and wakes it.  The
 * main thread keeps its copy to watch for Ctrl-C. */
static gboolean
gdb_hand_over(MhGdb *g, GError **error)
{
  GdbFdMsg m;
  struct cmsghdr *c;

  gdb_fd_msg_init(&m);
  c = CMSG_FIRSTHDR(&m.msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &g->main_fd, sizeof(int));
  /* Handed before it is sent: with -S the VM's thread may take it (and
   * set GDB_TAKEN) as soon as it is. */
  g_atomic_int_set(&g->state, GDB_HANDED);
  if (sendmsg(g->chan[0], &m.msg, MSG_DONTWAIT | MSG_NOSIGNAL) != 1) {
    mh_throw_errno(error, MH_ERROR_HOST,
                   "dropped the connection from %s: "
                   "cannot hand it to the VM's thread",
                   g->peer);
    gdb_drop(g);
    return FALSE;
  }
  g_clear_pointer(&g->peer, g_free);
  gdb_interrupt(g);
  return TRUE;
}

/* A connection from a user who may debug: handed over once gdb's first
 * packet (or Ctrl-C) is there, which is what stops the guest; closed if
 * none comes in time.  The main thread only peeks at it. */
static gboolean
gdb_greet(MhGdb *g, GError **error)
{
  g_autofree guint8 *buf = g_malloc(GDB_HELLO_MAX);
  ssize_t n = recv(g->main_fd, buf, GDB_HELLO_MAX, MSG_PEEK | MSG_DONTWAIT);

  if (n > 0 && mh_gdbproto_has_packet(buf, (gsize)n))
    return gdb_hand_over(g, error);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    gdb_drop(g); /* gone before it said anything: nothing to report */
    return TRUE;
  }
  if (n == GDB_HELLO_MAX) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "dropped the connection from %s: %u bytes and no gdb packet",
                g->peer, (guint)GDB_HELLO_MAX);
  } else if (g_get_monotonic_time() >= g->hello_deadline) {
    g_set_error(error, MH_ERROR, MH_ERROR_USAGE,
                "dropped the connection from %s: no gdb packet within %d s",
                g->peer, MH_GDB_HELLO_SECONDS);
  } else {
    return TRUE; /* wait on */
  }
  gdb_drop(g);
  return FALSE;
}

gboolean
mh_gdb_service(MhGdb *g, short revents, GError **error)
{
  if (g == NULL)
    return TRUE;
  switch (g_atomic_int_get(&g->state)) {
  case GDB_LISTENING:
    if (revents == 0)
      return TRUE;
    if (!gdb_accept(g, error))
      return FALSE;
    if (g_atomic_int_get(&g->state) != GDB_GREETING)
      return TRUE;
    /* gdb sends its first packet as it connects: it may be here already. */
    return gdb_greet(g, error);
  case GDB_GREETING: return gdb_greet(g, error);
  case GDB_TAKEN:
    if (revents != 0)
      gdb_interrupt(g);
    return TRUE;
  default: return TRUE;
  }
}
