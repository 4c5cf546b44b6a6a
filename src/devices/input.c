/* SPDX-License-Identifier: MIT */
/* input.c - per-VM input queues and the routing of standard input. */
#include "config.h"

#include "input.h"

#include <string.h>

#include "fdio.h"

void
mh_input_init(MhInput *in, int space_fd)
{
  g_mutex_init(&in->lock);
  g_cond_init(&in->cond);
  in->buf = NULL;
  in->size = 0;
  in->head = 0;
  in->count = 0;
  in->limit = MH_INPUT_MAX;
  in->closed = FALSE;
  in->abandoned = FALSE;
  in->space_fd = space_fd;
  in->pause_fn = NULL;
  in->pause_data = NULL;
  in->paused = FALSE;
}

void
mh_input_clear(MhInput *in)
{
  g_clear_pointer(&in->buf, g_free);
  in->size = in->head = in->count = 0;
  g_cond_clear(&in->cond);
  g_mutex_clear(&in->lock);
}

gsize
mh_input_share(guint n_queues)
{
  gsize share = MH_INPUT_RUN_MAX / MAX(n_queues, 1u);

  share = CLAMP(share, MH_INPUT_MIN, MH_INPUT_MAX);
  return share - share % MH_INPUT_MIN;
}

void
mh_input_set_limit(MhInput *in, gsize limit)
{
  g_mutex_lock(&in->lock);
  in->limit = limit;
  g_mutex_unlock(&in->lock);
}

gsize
mh_input_limit(MhInput *in)
{
  gsize limit;

  g_mutex_lock(&in->lock);
  limit = in->limit;
  g_mutex_unlock(&in->lock);
  return limit;
}

/* Gives the ring back once it is read, unless it is small enough to keep
 * for the next bytes: a queue nobody writes to costs nothing. */
static void
input_release(MhInput *in)
{
  in->head = 0;
  if (in->size > MH_INPUT_LOW) {
    g_clear_pointer(&in->buf, g_free);
    in->size = 0;
  }
}

/* Makes room for @need unread bytes (need <= in->limit): doubles the ring
 * up to the limit, moving the unread bytes to its start. */
static void
input_grow(MhInput *in, gsize need)
{
  gsize size = MAX(in->size, (gsize)4096);
  guint8 *buf;
  gsize first;

  if (need <= in->size)
    return;
  while (size < need)
    size *= 2;
  size = MIN(size, MAX(in->limit, need));
  buf = g_malloc(size);
  first = MIN(in->count, in->size - in->head);
  if (in->count > 0) {
    memcpy(buf, in->buf + in->head, first);
    memcpy(buf + first, in->buf, in->count - first);
  }
  g_free(in->buf);
  in->buf = buf;
  in->size = size;
  in->head = 0;
}

gsize
mh_input_push(MhInput *in, const guint8 *bytes, gsize n)
{
  gsize take = 0;

  g_mutex_lock(&in->lock);
  if (!in->closed && !in->abandoned && n > 0) {
    gsize room = in->count < in->limit ? in->limit - in->count : 0;
    take = MIN(n, room);
    if (take > 0) {
      gsize tail, first;
      input_grow(in, in->count + take);
      tail = (in->head + in->count) % in->size;
      first = MIN(take, in->size - tail);
      memcpy(in->buf + tail, bytes, first);
      memcpy(in->buf, bytes + first, take - first);
      in->count += take;
      g_cond_broadcast(&in->cond);
    }
  } else {
    take = n; /* nobody will read it: not "dropped for lack of room" */
  }
  g_mutex_unlock(&in->lock);
  return n - take;
}

void
mh_input_close(MhInput *in)
{
  g_mutex_lock(&in->lock);
  in->closed = TRUE;
  g_cond_broadcast(&in->cond);
  g_mutex_unlock(&in->lock);
}

void
mh_input_abandon(MhInput *in)
{
  g_mutex_lock(&in->lock);
  in->abandoned = TRUE;
  in->count = 0;
  input_release(in);
  g_mutex_unlock(&in->lock);
}

gsize
mh_input_pending(MhInput *in)
{
  gsize n;

  g_mutex_lock(&in->lock);
  n = in->count;
  g_mutex_unlock(&in->lock);
  return n;
}

gboolean
mh_input_would_wait(MhInput *in)
{
  gboolean wait;

  g_mutex_lock(&in->lock);
  wait = in->count == 0 && !in->closed;
  g_mutex_unlock(&in->lock);
  return wait;
}

gsize
mh_input_peek(MhInput *in, guint8 *buf, gsize n)
{
  gsize got, first;

  g_mutex_lock(&in->lock);
  got = MIN(n, in->count);
  first = MIN(got, in->size - in->head);
  if (got > 0) {
    memcpy(buf, in->buf + in->head, first);
    memcpy(buf + first, in->buf, got - first);
  }
  g_mutex_unlock(&in->lock);
  return got;
}

gsize
mh_input_held(MhInput *in)
{
  gsize n;

  g_mutex_lock(&in->lock);
  n = in->size;
  g_mutex_unlock(&in->lock);
  return n;
}

void
mh_input_wake(MhInput *in)
{
  g_mutex_lock(&in->lock);
  g_cond_broadcast(&in->cond);
  g_mutex_unlock(&in->lock);
}

void
mh_input_set_pause(MhInput *in, MhInputPauseFn fn, gpointer data)
{
  g_mutex_lock(&in->lock);
  in->pause_fn = fn;
  in->pause_data = data;
  g_mutex_unlock(&in->lock);
}

void
mh_input_pause(MhInput *in)
{
  g_mutex_lock(&in->lock);
  in->paused = in->pause_fn != NULL;
  g_cond_broadcast(&in->cond);
  g_mutex_unlock(&in->lock);
}

gsize
mh_input_read(MhInput *in, guint8 *buf, gsize n, const gint *stop)
{
  gsize got = 0, before, after;

  g_mutex_lock(&in->lock);
  while (in->count == 0 && !in->closed && !g_atomic_int_get(stop)) {
    if (in->paused) {
      /* Unlocked: the router goes on queueing meanwhile. */
      gboolean wait_on;
      in->paused = FALSE;
      g_mutex_unlock(&in->lock);
      wait_on = in->pause_fn(in->pause_data);
      g_mutex_lock(&in->lock);
      if (!wait_on) {
        g_mutex_unlock(&in->lock);
        return 0;
      }
      continue;
    }
    g_cond_wait(&in->cond, &in->lock);
  }
  before = in->count;
  if (before > 0 && !g_atomic_int_get(stop)) {
    gsize first;
    got = MIN(n, before);
    first = MIN(got, in->size - in->head);
    memcpy(buf, in->buf + in->head, first);
    memcpy(buf + first, in->buf, got - first);
    in->head = (in->head + got) % in->size;
    in->count -= got;
    if (in->count == 0)
      input_release(in);
  }
  after = in->count;
  g_mutex_unlock(&in->lock);

  if (in->space_fd >= 0 && before >= MH_INPUT_LOW && after < MH_INPUT_LOW)
    mh_fd_signal(in->space_fd);
  return got;
}

void
mh_router_init(MhRouter *r, MhInput **queues, guint n_queues, MhRouteWarn warn,
               gpointer warn_user)
{
  memset(r, 0, sizeof *r);
  r->queues = queues;
  r->n_queues = n_queues;
  r->raw = n_queues == 1;
  r->target = MH_ROUTE_UNDECIDED;
  r->line_no = 1;
  r->warn = warn;
  r->warn_user = warn_user;
  r->overflowed = g_new0(gboolean, n_queues);
  for (guint i = 0; n_queues > 1 && i < n_queues; i++)
    mh_input_set_limit(queues[i], mh_input_share(n_queues));
}

void
mh_router_clear(MhRouter *r)
{
  r->queues = NULL;
  g_clear_pointer(&r->overflowed, g_free);
}

static void
router_push(MhRouter *r, guint i, const guint8 *bytes, gsize n)
{
  if (mh_input_push(r->queues[i], bytes, n) > 0 && !r->overflowed[i]) {
    gsize limit = mh_input_limit(r->queues[i]);
    /* Shares are multiples of 64 KiB: say MiB when it is a whole number. */
    g_autofree char *msg =
      g_strdup_printf("VM %u has left %" G_GSIZE_FORMAT
                      " %s of its input unread: its input "
                      "from line %" G_GUINT64_FORMAT " on is dropped",
                      i, limit % (1u << 20) == 0 ? limit >> 20 : limit >> 10,
                      limit % (1u << 20) == 0 ? "MiB" : "KiB", r->line_no);
    r->overflowed[i] = TRUE;
    if (r->warn)
      r->warn(r->warn_user, msg);
  }
}

static void
router_deliver(MhRouter *r, const guint8 *bytes, gsize n)
{
  if (r->target >= 0)
    router_push(r, (guint)r->target, bytes, n);
  else if (r->target == MH_ROUTE_ALL)
    for (guint i = 0; i < r->n_queues; i++)
      router_push(r, i, bytes, n);
}

/* Decides the current line's target from its first bytes, if they allow
 * it yet.  Digits then ':' address a VM; "*:" addresses all; anything
 * else is an ordinary line for all VMs, prefix bytes included. */
static void
router_decide(MhRouter *r)
{
  const guint8 *p = r->prefix;
  gsize n = r->prefix_len, digits = 0;
  guint64 index = 0;

  if (p[0] == '*') {
    if (n == 1)
      return; /* "*" alone: wait for the next byte */
    r->target = MH_ROUTE_ALL;
    if (p[1] != ':')
      router_deliver(r, p, n); /* an ordinary line that starts with '*' */
    r->prefix_len = 0;
    return;
  }
  while (digits < n && g_ascii_isdigit(p[digits]))
    index = index * 10 + (guint64)(p[digits++] - '0');
  if (digits == n && n < 10)
    return; /* only digits so far: wait */
  if (digits > 0 && digits == n - 1 && p[digits] == ':') {
    if (index < r->n_queues) {
      r->target = (gint64)index;
    } else {
      g_autofree char
        *msg = g_strdup_printf("input line %" G_GUINT64_FORMAT
                               " is for VM %" G_GUINT64_FORMAT
                               ", but the VMs are 0 to %u: line dropped",
                               r->line_no, index, r->n_queues - 1);
      r->target = MH_ROUTE_DROP;
      if (r->warn)
        r->warn(r->warn_user, msg);
    }
  } else {
    r->target = MH_ROUTE_ALL;
    router_deliver(r, p, n);
  }
  r->prefix_len = 0;
}

void
mh_router_feed(MhRouter *r, const guint8 *bytes, gsize n)
{
  if (r->raw) {
    router_push(r, 0, bytes, n); /* backpressure keeps it under the cap */
    return;
  }
  while (n > 0) {
    if (r->target == MH_ROUTE_UNDECIDED) {
      r->prefix[r->prefix_len++] = *bytes;
      bytes++;
      n--;
      router_decide(r);
      /* A newline among the first bytes ends the line (it was delivered
       * with them: a newline is never part of an address). */
      if (r->target != MH_ROUTE_UNDECIDED && bytes[-1] == '\n') {
        r->target = MH_ROUTE_UNDECIDED;
        r->line_no++;
      }
      continue;
    }
    const guint8 *nl = memchr(bytes, '\n', n);
    gsize take = nl ? (gsize)(nl - bytes) + 1 : n;
    router_deliver(r, bytes, take);
    bytes += take;
    n -= take;
    if (nl != NULL) {
      r->target = MH_ROUTE_UNDECIDED;
      r->line_no++;
    }
  }
}

void
mh_router_finish(MhRouter *r)
{
  if (!r->raw && r->target == MH_ROUTE_UNDECIDED && r->prefix_len > 0) {
    r->target = MH_ROUTE_ALL;
    router_deliver(r, r->prefix, r->prefix_len);
  }
  for (guint i = 0; i < r->n_queues; i++)
    mh_input_close(r->queues[i]);
}
