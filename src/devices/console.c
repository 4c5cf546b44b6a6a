/* SPDX-License-Identifier: MIT */
/* console.c - line-buffered console output and byte input on port 0xE9. */
#include "config.h"

#include "console.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "error.h"
#include "fdio.h"
#include "mh_abi.h"

void
mh_linebuf_init(MhLineBuf *lb, gsize cap)
{
  lb->data = g_malloc(cap);
  lb->len = 0;
  lb->cap = cap;
}

void
mh_linebuf_clear(MhLineBuf *lb)
{
  g_clear_pointer(&lb->data, g_free);
  lb->len = lb->cap = 0;
}

void
mh_linebuf_push(MhLineBuf *lb, const guint8 *bytes, gsize n, MhLineSink sink,
                gpointer user)
{
  while (n > 0) {
    gsize room = lb->cap - lb->len;
    gsize take = MIN(n, room);
    const guint8 *nl = memchr(bytes, '\n', take);

    if (nl != NULL)
      take = (gsize)(nl - bytes) + 1;
    memcpy(lb->data + lb->len, bytes, take);
    lb->len += take;
    bytes += take;
    n -= take;
    if (nl != NULL) {
      sink(user, lb->data, lb->len, TRUE);
      lb->len = 0;
    } else if (lb->len == lb->cap) {
      sink(user, lb->data, lb->len, FALSE);
      lb->len = 0;
    }
  }
}

void
mh_linebuf_flush(MhLineBuf *lb, MhLineSink sink, gpointer user)
{
  if (lb->len > 0)
    sink(user, lb->data, lb->len, FALSE);
  lb->len = 0;
}

void
mh_output_init(MhOutput *out, int fd, int notify_fd)
{
  out->fd = fd;
  out->notify_fd = notify_fd;
  out->write_errno = 0;
  g_mutex_init(&out->lock);
}

void
mh_output_clear(MhOutput *out)
{
  g_mutex_clear(&out->lock);
}

/* TRUE if @fd can take bytes now, or within @timeout_ms. */
static gboolean
output_writable(int fd, int timeout_ms)
{
  struct pollfd p = {.fd = fd, .events = POLLOUT};

  return poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLOUT);
}

/* Writes every byte of @iov: retries after partial writes and EINTR, and
 * waits for room on a non-blocking fd (EAGAIN) rather than failing.
 * Once *@stop is set (the writer's VM is stopping) it writes only what
 * the fd takes without waiting (PIPE_BUF bytes at a time, once poll()
 * says there is room), and gives up with ECANCELED as soon as the fd is
 * full: a reader that never reads cannot keep a stopped VM
 * alive.  A write blocked when the stop comes is broken by the kick
 * (EINTR; mh_vm_kick), which the main thread repeats until the VM's
 * thread ends, so a kick that lands just before writev() is not lost. */
static int
output_writev_all(int fd, struct iovec *iov, int n, const gint *stop)
{
  while (n > 0) {
    gboolean stopping = stop != NULL && g_atomic_int_get(stop) != 0;
    ssize_t done;

    if (stopping) {
      /* At most PIPE_BUF bytes, once the fd reports room: a pipe then
       * takes them without blocking, even a blocking one. */
      struct iovec part[3];
      int parts = 0;
      gsize room = PIPE_BUF;

      if (!output_writable(fd, 0))
        return ECANCELED;
      for (int i = 0; i < n && i < (int)G_N_ELEMENTS(part) && room > 0; i++) {
        part[parts] = iov[i];
        part[parts].iov_len = MIN(iov[i].iov_len, room);
        room -= part[parts++].iov_len;
      }
      done = writev(fd, part, parts);
    } else {
      done = writev(fd, iov, n);
    }
    if (done < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        /* A bounded wait, so that a stop is seen even without a kick. */
        output_writable(fd, stopping ? 0 : 100);
        continue;
      }
      return errno;
    }
    while (n > 0 && (gsize)done >= iov->iov_len) {
      done -= (ssize_t)iov->iov_len;
      iov++;
      n--;
    }
    if (n > 0) {
      iov->iov_base = (char *)iov->iov_base + done;
      iov->iov_len -= (gsize)done;
    }
  }
  return 0;
}

void
mh_output_write(MhOutput *out, const gint *stop, const char *prefix,
                const char *data, gsize len, gboolean terminate)
{
  struct iovec iov[3];
  int n = 0;

  if (prefix != NULL)
    iov[n++] = (struct iovec){(void *)prefix, strlen(prefix)};
  iov[n++] = (struct iovec){(void *)data, len};
  if (terminate && (len == 0 || data[len - 1] != '\n'))
    iov[n++] = (struct iovec){(void *)"\n", 1};

  g_mutex_lock(&out->lock);
  /* After a failed write (a closed pipe, a full disk) output is dropped
   * and the main thread is told once: it stops the run.  A write given
   * up because its VM is stopping is no failure of the output. */
  if (out->write_errno == 0) {
    int err = output_writev_all(out->fd, iov, n, stop);
    if (err != 0 && err != ECANCELED) {
      g_atomic_int_set(&out->write_errno, err);
      if (out->notify_fd >= 0)
        mh_fd_signal(out->notify_fd);
    }
  }
  g_mutex_unlock(&out->lock);
}

/* Line sink: with a tag, every piece is written as a line of its own so
 * that it can never run into another VM's line. */
static void
console_sink(gpointer user, const char *data, gsize len, gboolean complete)
{
  MhConsole *con = user;

  (void)complete;
  mh_output_write(con->output, con->stop, con->tag, data, len,
                  con->tag != NULL);
  /* Its own file, exactly as the guest wrote it: a regular file never
   * blocks for long, so a stop does not cut it short. */
  if (con->file_fd >= 0 && con->file_errno == 0)
    con->file_errno = mh_fd_write_all(con->file_fd, data, len, NULL);
}

void
mh_console_init(MhConsole *con, const MhConsoleConfig *config, MhInput *input,
                const gint *stop)
{
  memset(con, 0, sizeof *con);
  mh_linebuf_init(&con->line, MH_CONSOLE_LINE_MAX);
  con->output = config->output;
  con->tag = g_strdup(config->tag);
  con->out_limit = config->out_limit;
  con->file_fd = config->file_fd;
  con->wait_notice = g_strdup(config->wait_notice);
  con->input = input;
  con->stop = stop;
}

/* Writes nothing: the VM's thread flushed the console when its guest
 * ended (its quiesce hook), and no other thread may write a VM's output. */
void
mh_console_clear(MhConsole *con)
{
  mh_linebuf_clear(&con->line);
  g_clear_pointer(&con->tag, g_free);
  g_clear_pointer(&con->wait_notice, g_free);
}

void
mh_console_put(MhConsole *con, const guint8 *bytes, gsize n)
{
  if (con->out_limit > 0 && n > con->out_limit - con->bytes_out) {
    n = (gsize)(con->out_limit - con->bytes_out);
    con->limit_hit = TRUE;
  }
  mh_linebuf_push(&con->line, bytes, n, console_sink, con);
  con->bytes_out += n;
}

void
mh_console_flush(MhConsole *con)
{
  mh_linebuf_flush(&con->line, console_sink, con);
}

/* Returns the next input byte, or MH_CONSOLE_EOF at end of input. */
static guint8
console_getc(MhConsole *con)
{
  if (!con->in_eof && con->in_pos == con->in_len) {
    /* The guest may wait for input: show what it printed so far (a
     * prompt) before blocking. */
    mh_console_flush(con);
    /* Several VMs share the terminal: say which one waits (one write,
     * whole; a terminal's, so it does not stall). */
    if (con->wait_notice != NULL && mh_input_would_wait(con->input) &&
        write(STDERR_FILENO, con->wait_notice, strlen(con->wait_notice)) < 0)
      g_clear_pointer(&con->wait_notice, g_free); /* said once too often */
    con->in_pos = 0;
    con->in_len = mh_input_read(con->input, con->in_buf, sizeof con->in_buf,
                                con->stop);
    /* 0: end of input, or the VM is being stopped. */
    con->in_eof = con->in_len == 0;
  }
  if (con->in_pos == con->in_len)
    return MH_CONSOLE_EOF;
  con->bytes_in++;
  return con->in_buf[con->in_pos++];
}

gboolean
mh_console_io(gpointer opaque, const MhIoAccess *io, GError **error)
{
  MhConsole *con = opaque;

  if (io->size != 1) {
    g_set_error(error, MH_ERROR, MH_ERROR_GUEST,
                "%u-byte %s on console port 0x%x (it takes 1-byte accesses)",
                io->size, io->dir == MH_IO_IN ? "IN" : "OUT", io->port);
    return FALSE;
  }
  if (io->dir == MH_IO_OUT) {
    mh_console_put(con, io->data, io->count);
  } else {
    for (guint i = 0; i < io->count; i++)
      io->data[i] = console_getc(con);
  }
  return TRUE;
}

void
mh_console_reset(MhConsole *con)
{
  mh_console_flush(con);
  con->in_pos = con->in_len = 0;
  con->in_eof = FALSE;
  con->bytes_out = con->bytes_in = 0;
  con->limit_hit = FALSE;
  con->file_errno = 0;
}

static void
console_quiesce(gpointer state)
{
  MhConsole *con = state;

  mh_console_flush(con);
  mh_input_abandon(con->input);
}

static gboolean
console_reset(gpointer state, GError **error G_GNUC_UNUSED)
{
  mh_console_reset(state);
  return TRUE;
}

const MhDeviceOps mh_console_device = {
  .name = "console",
  .first = MH_PORT_CONSOLE,
  .count = 1,
  .io = mh_console_io,
  .quiesce = console_quiesce,
  .reset = console_reset,
};
