/* SPDX-License-Identifier: MIT */
/*
 * gdbproto.h - the gdb remote serial protocol, without KVM or sockets:
 * framing ($data#cs, acks, Ctrl-C), and the commands, answered through a
 * small target interface.  Everything here treats the peer's bytes as
 * hostile: a bad checksum gets a NAK, an over-long packet is dropped
 * with a NAK, a malformed command gets an error reply (E01...), never a
 * crash.  Pure code, for the unit tests and the fuzzer.
 */
#ifndef MH_GDBPROTO_H
#define MH_GDBPROTO_H

#include <glib.h>

/* The largest packet we take (and say so in qSupported's PacketSize):
 * enough for a `G` of every register and for gdb's memory transfers. */
#define MH_GDB_PACKET_MAX 4096u

/* What one received byte completed. */
typedef enum {
  MH_GDB_RX_NONE,      /* nothing yet                                 */
  MH_GDB_RX_PACKET,    /* a packet with a good checksum: ack it       */
  MH_GDB_RX_BAD,       /* bad checksum or over-long: NAK it           */
  MH_GDB_RX_INTERRUPT, /* 0x03 between packets: Ctrl-C                */
} MhGdbRxEvent;

typedef struct {
  guint state;                      /* where in a packet we are          */
  guint8 sum;                       /* checksum of the data so far       */
  guint8 want;                      /* the checksum sent                 */
  gboolean overflow;                /* the packet outgrew data[]         */
  gsize len;                        /* data[] bytes                      */
  char data[MH_GDB_PACKET_MAX + 1]; /* the packet, NUL-terminated     */
} MhGdbRx;

void mh_gdbproto_rx_init(MhGdbRx *rx);
/* Whether @buf, the first bytes of a connection, holds a whole packet
 * (its checksum right or not) or a Ctrl-C: the peer speaks the protocol. */
gboolean mh_gdbproto_has_packet(const guint8 *buf, gsize len);
/* Feeds one byte; on MH_GDB_RX_PACKET, rx->data and rx->len hold it
 * until the next call. */
MhGdbRxEvent mh_gdbproto_rx_byte(MhGdbRx *rx, guint8 byte);

/* Frames @data as "$data#cs" into @out, escaping '#', '$', '}', '*'. */
void mh_gdbproto_frame(GString *out, const char *data, gsize len);

/* The registers gdb sees, in target.xml's order: rax rbx rcx rdx rsi rdi
 * rbp rsp r8-r15, rip, eflags (32 bits, as in gdb's 64bit-core.xml),
 * cs ss ds es fs gs; then the x87 registers, always 0 here. */
typedef struct {
  guint64 gpr[16];
  guint64 rip;
  guint32 eflags;
  guint32 seg[6];
} MhGdbRegs;

/* Whether gdb may give the guest @regs, @old being what it has: RIP
 * canonical (48 bits), no RFLAGS bit that must be clear set (3, 5, 15,
 * 22-31, and VM, 17, which long mode cannot have; bit 1 is set whatever
 * gdb sends), and the segment selectors unchanged (the stub loads no
 * segment: the machine's are fixed).  FALSE with *@why if not. */
gboolean mh_gdbproto_regs_check(const MhGdbRegs *old, const MhGdbRegs *regs,
                                const char **why);

#define MH_GDB_REG_RIP    16
#define MH_GDB_REG_EFLAGS 17
#define MH_GDB_REG_COUNT  40 /* with st0-7 and the 8 x87 control registers */

/* Breakpoint kinds, as Z/z number them. */
typedef enum {
  MH_GDB_BP_SW = 0,
  MH_GDB_BP_HW = 1,
  MH_GDB_BP_WRITE = 2,
  MH_GDB_BP_READ = 3,
  MH_GDB_BP_ACCESS = 4,
} MhGdbBpType;

/* What the target must do once a command is answered. */
typedef enum {
  MH_GDB_ACT_NONE,     /* stay stopped, read the next packet */
  MH_GDB_ACT_CONTINUE, /* c                                  */
  MH_GDB_ACT_STEP,     /* s                                  */
  MH_GDB_ACT_DETACH,   /* D: run on without the debugger     */
  MH_GDB_ACT_KILL,     /* k: stop the guest                  */
} MhGdbAction;

/* The stopped target, as the commands reach it.  Memory is by the
 * guest's virtual address; each returns FALSE where it cannot (an
 * address that is not mapped or not in RAM). */
typedef struct {
  gboolean (*get_regs)(gpointer target, MhGdbRegs *regs);
  gboolean (*set_regs)(gpointer target, const MhGdbRegs *regs);
  gboolean (*read_mem)(gpointer target, guint64 addr, guint8 *buf, gsize len);
  gboolean (*write_mem)(gpointer target, guint64 addr, const guint8 *buf,
                        gsize len);
  /* 1 done, 0 not supported (empty reply), -1 failed (error reply). */
  int (*insert_bp)(gpointer target, MhGdbBpType type, guint64 addr,
                   guint64 kind);
  int (*remove_bp)(gpointer target, MhGdbBpType type, guint64 addr,
                   guint64 kind);
} MhGdbTargetOps;

/* Answers one packet (@data, @len, as mh_gdbproto_rx_byte() gave it):
 * puts the reply's data (unframed, maybe empty) in @reply, and returns
 * what to do next.  @stop_reply answers `?`.  A resume command gets no
 * reply (@reply stays empty): its answer is the next stop. */
MhGdbAction mh_gdbproto_handle(const MhGdbTargetOps *ops, gpointer target,
                               const char *data, gsize len,
                               const char *stop_reply, GString *reply);

/* The target description gdb reads with qXfer:features:read. */
extern const char mh_gdbproto_target_xml[];

/* Helpers, exposed for the unit tests. */
/* Parses all of @text (@len chars) as hex into *@value; FALSE if empty,
 * not hex, or more than 64 bits. */
gboolean mh_gdbproto_parse_hex(const char *text, gsize len, guint64 *value);
/* Decodes @len hex digits (even) into @out; FALSE on a bad digit. */
gboolean mh_gdbproto_unhex(const char *text, gsize len, guint8 *out);

#endif /* MH_GDBPROTO_H */
