/* SPDX-License-Identifier: MIT */
/*
 * input.h - console input: where standard input goes.
 *
 * The main thread reads standard input and routes it; each VM reads from
 * its own MhInput queue.  With one VM, bytes pass through unchanged.
 * With several, input is taken a line at a time:
 *
 *   N:text   goes to VM N only (N counts the -g images from 0)
 *   *:text   goes to every VM
 *   text     any other line also goes to every VM
 *
 * (the "N:" or "*:" prefix is removed).  At the end of standard input every
 * queue is closed and each VM reads MH_CONSOLE_EOF once its queue is empty.
 */
#ifndef MH_INPUT_H
#define MH_INPUT_H

#include <glib.h>

/* Called on the reader's thread while a read waits (mh_input_pause): TRUE
 * to wait on, FALSE to give up (the read returns 0, as when stopped). */
typedef gboolean (*MhInputPauseFn)(gpointer data);

/* A VM's input queue: filled by the main thread, drained by the VM.  A
 * ring that grows on demand up to its limit and is given back once read,
 * so what it holds is what it was sent and has not read, never more
 * than its limit. */
typedef struct {
  GMutex lock;
  GCond cond;
  guint8 *buf;             /* the ring, NULL while nothing is queued        */
  gsize size;              /* bytes allocated for buf                       */
  gsize head;              /* where the oldest unread byte is               */
  gsize count;             /* unread bytes, from head on (wrapping)         */
  gsize limit;             /* most unread bytes it takes (MH_INPUT_MAX, or
                           the share of a run with several VMs)          */
  gboolean closed;         /* no more data will come                        */
  gboolean abandoned;      /* the reader is gone: drop whatever is pushed   */
  int space_fd;            /* eventfd written when the queue drains below
                           MH_INPUT_LOW (the router may read again), or -1 */
  MhInputPauseFn pause_fn; /* what a waiting read does when paused, or
                           NULL                                          */
  gpointer pause_data;
  gboolean paused; /* mh_input_pause() was called: pause_fn is due  */
} MhInput;

/* With one VM, the router stops reading standard input while its queue
 * holds more than MH_INPUT_HIGH bytes, and reads again once it drains
 * below MH_INPUT_LOW: backpressure, nothing lost.  With several VMs that
 * would let one VM that never reads hold up every other VM's input, so
 * reading goes on and each queue takes at most its share of the run's
 * budget; input beyond that for that VM is dropped, with a warning.
 *
 * The share of each of n queues (n >= 2) is
 *
 *   share(n) = CLAMP(MH_INPUT_RUN_MAX / n, MH_INPUT_MIN, MH_INPUT_MAX)
 *
 * rounded down to a multiple of MH_INPUT_MIN, so the input a run holds is
 * at most n * share(n) <= max(MH_INPUT_RUN_MAX, n * MH_INPUT_MIN) bytes:
 * 256 MiB up to 4096 VMs, 64 KiB a VM beyond (a VM's guest RAM alone is
 * 2 MiB or more).  A queue's ring never outgrows its limit.  One VM
 * queues at most MH_INPUT_HIGH plus one 64 KiB read of standard input, in
 * a ring of at most 2 * MH_INPUT_HIGH.  A broadcast line counts in every
 * queue it is sent to. */
#define MH_INPUT_HIGH    (1u << 20)
#define MH_INPUT_LOW     (64u << 10)
#define MH_INPUT_MAX     (64u << 20)
#define MH_INPUT_MIN     (64u << 10)
#define MH_INPUT_RUN_MAX (256u << 20)

/* The limit of each queue of a run with @n_queues VMs (see above). */
gsize mh_input_share(guint n_queues);

void mh_input_init(MhInput *in, int space_fd);
void mh_input_clear(MhInput *in);
/* Sets the most unread bytes @in takes (MH_INPUT_MAX after init). */
void mh_input_set_limit(MhInput *in, gsize limit);
gsize mh_input_limit(MhInput *in);
/* Queues @n bytes; returns how many were dropped because the queue
 * already held its limit of unread bytes. */
gsize mh_input_push(MhInput *in, const guint8 *bytes, gsize n);
void mh_input_close(MhInput *in);
/* The reader will read no more (its VM ended): later pushes are dropped. */
void mh_input_abandon(MhInput *in);
gsize mh_input_pending(MhInput *in);
/* Whether a read would wait: nothing queued and more may come. */
gboolean mh_input_would_wait(MhInput *in);
/* Copies up to @n unread bytes to @buf without consuming them; returns
 * the count (for tests and fuzzers: they see what a VM would read). */
gsize mh_input_peek(MhInput *in, guint8 *buf, gsize n);
/* Bytes of memory the queue holds (its allocation, read or not). */
gsize mh_input_held(MhInput *in);
/* Blocks until data, end of input, or *@stop; copies up to @n bytes.
 * Returns the count, or 0 at end of input (or when stopped). */
gsize mh_input_read(MhInput *in, guint8 *buf, gsize n, const gint *stop);
/* Wakes a blocked reader so it can notice *stop. */
void mh_input_wake(MhInput *in);
/* A read that waits calls @fn(@data) on its own thread after each
 * mh_input_pause(), from any thread: how a debugger reaches a VM whose
 * thread waits for input (gdbstub.c).  Set before the reader starts. */
void mh_input_set_pause(MhInput *in, MhInputPauseFn fn, gpointer data);
void mh_input_pause(MhInput *in);

/* Routing of standard input to N queues. */
typedef void (*MhRouteWarn)(gpointer user, const char *message);

/* Where the rest of the current line goes. */
enum {
  MH_ROUTE_UNDECIDED = -3, /* still reading the line's first bytes */
  MH_ROUTE_DROP = -2,      /* addressed to a VM that does not exist */
  MH_ROUTE_ALL = -1,       /* every VM                              */
};

/* A streaming parser: only a line's prefix is ever buffered, so lines of
 * any length route without holding them in memory. */
typedef struct {
  MhInput **queues; /* one per VM (not owned)                    */
  guint n_queues;
  gboolean raw;      /* one VM: no line processing                */
  gint64 target;     /* MH_ROUTE_* or a VM index                  */
  guint8 prefix[12]; /* the line's first bytes while undecided    */
  gsize prefix_len;
  guint64 line_no;      /* 1-based, for warnings                     */
  gboolean *overflowed; /* per queue: dropping was reported already  */
  MhRouteWarn warn;
  gpointer warn_user;
} MhRouter;

/* Sets every queue's limit to mh_input_share(@n_queues) when there are
 * several (one queue keeps MH_INPUT_MAX: the caller applies backpressure
 * at MH_INPUT_HIGH). */
void mh_router_init(MhRouter *r, MhInput **queues, guint n_queues,
                    MhRouteWarn warn, gpointer warn_user);
void mh_router_clear(MhRouter *r);
/* Routes @n bytes of standard input. */
void mh_router_feed(MhRouter *r, const guint8 *bytes, gsize n);
/* End of standard input: routes a final unterminated line, closes all. */
void mh_router_finish(MhRouter *r);

#endif /* MH_INPUT_H */
