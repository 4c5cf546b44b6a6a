/* SPDX-License-Identifier: MIT */
/*
 * console.h - the serial console on port 0xE9.
 *
 * Three parts:
 *  - MhLineBuf: a pure line buffer (no I/O), unit-tested on its own;
 *  - MhOutput: the one writer to standard output, shared by every VM, that
 *    writes whole lines under one lock so lines of different VMs never mix;
 *  - MhConsole: one VM's console device (its port handler, its output line
 *    buffer, its input).
 */
#ifndef MH_CONSOLE_H
#define MH_CONSOLE_H

#include <glib.h>

#include "input.h"
#include "ports.h"

/* Called with a complete line (ending in '\n') or, when the buffer fills
 * or is flushed, with a partial line (@complete FALSE). */
typedef void (*MhLineSink)(gpointer user, const char *data, gsize len,
                           gboolean complete);

typedef struct {
  char *data; /* buffered bytes of the current line */
  gsize len;
  gsize cap; /* a line longer than this is emitted in pieces */
} MhLineBuf;

void mh_linebuf_init(MhLineBuf *lb, gsize cap);
void mh_linebuf_clear(MhLineBuf *lb);
void mh_linebuf_push(MhLineBuf *lb, const guint8 *bytes, gsize n,
                     MhLineSink sink, gpointer user);
void mh_linebuf_flush(MhLineBuf *lb, MhLineSink sink, gpointer user);

typedef struct {
  int fd;          /* where output goes (standard output)          */
  GMutex lock;     /* one line at a time, whole                    */
  int write_errno; /* first write error, 0 if none                 */
  int notify_fd;   /* eventfd told of that error, or -1            */
} MhOutput;

void mh_output_init(MhOutput *out, int fd, int notify_fd);
void mh_output_clear(MhOutput *out);
/* Writes @prefix (may be NULL) then @data, plus a newline if @data does not
 * end in one and @terminate is set, in one locked, complete write.  Once
 * *@stop (may be NULL) is set, it gives up rather than wait for room. */
void mh_output_write(MhOutput *out, const gint *stop, const char *prefix,
                     const char *data, gsize len, gboolean terminate);

#define MH_CONSOLE_LINE_MAX 4096 /* longer lines are written in pieces */

/* Used by the VM's thread only. */
typedef struct {
  MhLineBuf line;   /* output not yet written                        */
  MhOutput *output; /* shared writer                                 */
  char *tag;        /* "[index:name] " with several VMs, else NULL  */
  MhInput *input;   /* this VM's input queue (not owned)             */
  guint8 in_buf[256];
  gsize in_pos, in_len;
  gboolean in_eof;   /* once set, every IN returns MH_CONSOLE_EOF     */
  const gint *stop;  /* set when the VM must stop: abandon input and
                             give up a blocked write                       */
  guint64 bytes_out; /* statistics */
  guint64 bytes_in;
  guint64 out_limit;  /* --output-limit: bytes written at most; 0: none */
  gboolean limit_hit; /* the guest wrote past it (the rest dropped)  */
  int file_fd;        /* --console-dir: its own file, untagged, or -1 */
  char *wait_notice;  /* said on standard error each time the guest
                              waits for input, or NULL (see run-slot.c) */
  int file_errno;     /* the first error writing it, 0 if none      */
} MhConsole;

/* What a console is set up with (mh_console_init() copies it). */
typedef struct {
  MhOutput *output;        /* the shared writer to standard output      */
  const char *tag;         /* "[index:name] " with several VMs, or NULL */
  guint64 out_limit;       /* --output-limit: bytes at most; 0: none    */
  int file_fd;             /* --console-dir: its own file (taken), or -1 */
  const char *wait_notice; /* said on standard error each time the guest
                              waits for input, or NULL                  */
} MhConsoleConfig;

/* Sets @con up by @config, reading from @input, giving up when *@stop
 * is set. */
void mh_console_init(MhConsole *con, const MhConsoleConfig *config,
                     MhInput *input, const gint *stop);
void mh_console_clear(MhConsole *con);
void mh_console_flush(MhConsole *con);
/* Writes @n bytes as if the guest had written them: those within
 * out_limit, if set (past it, sets limit_hit and drops the rest). */
void mh_console_put(MhConsole *con, const guint8 *bytes, gsize n);
/* Port handler for MH_PORT_CONSOLE. */
gboolean mh_console_io(gpointer opaque, const MhIoAccess *io, GError **error);
/* Back to the state right after mh_console_init() (the output, tag,
 * input queue, limits and file kept; what it wrote flushed first).  Its
 * input queue is its owner's to reset. */
void mh_console_reset(MhConsole *con);

/* The console device (port MH_PORT_CONSOLE): its end flushes what the
 * guest printed and abandons its input queue. */
extern const MhDeviceOps mh_console_device;

#endif /* MH_CONSOLE_H */
