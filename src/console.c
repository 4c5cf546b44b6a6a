/* SPDX-License-Identifier: MIT */
/* console.c - line-buffered console output and byte input on port 0xE9. */
#include "config.h"

#include "console.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "error.h"
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

/* Writes every byte of @iov, retrying after partial writes and EINTR. */
static int
output_writev_all(int fd, struct iovec *iov, int n)
{
  while (n > 0) {
    ssize_t done = writev(fd, iov, n);
    if (done < 0) {
      if (errno == EINTR)
        continue;
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
mh_output_write(MhOutput *out, const char *prefix, const char *data, gsize len,
                gboolean terminate)
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
   * and the main thread is told once: it stops the run. */
  if (out->write_errno == 0) {
    out->write_errno = output_writev_all(out->fd, iov, n);
    if (out->write_errno != 0 && out->notify_fd >= 0) {
      guint64 one = 1;
      while (write(out->notify_fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
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
  mh_output_write(con->output, con->tag, data, len, con->tag != NULL);
}

void
mh_console_init(MhConsole *con, MhOutput *output, const char *tag,
                MhInput *input, const gint *stop)
{
  memset(con, 0, sizeof *con);
  g_mutex_init(&con->lock);
  mh_linebuf_init(&con->line, MH_CONSOLE_LINE_MAX);
  con->output = output;
  con->tag = g_strdup(tag);
  con->input = input;
  con->stop = stop;
}

void
mh_console_clear(MhConsole *con)
{
  mh_console_flush(con);
  mh_linebuf_clear(&con->line);
  g_clear_pointer(&con->tag, g_free);
  g_mutex_clear(&con->lock);
}

void
mh_console_put(MhConsole *con, const guint8 *bytes, gsize n)
{
  g_mutex_lock(&con->lock);
  mh_linebuf_push(&con->line, bytes, n, console_sink, con);
  con->bytes_out += n;
  g_mutex_unlock(&con->lock);
}

void
mh_console_flush(MhConsole *con)
{
  g_mutex_lock(&con->lock);
  mh_linebuf_flush(&con->line, console_sink, con);
  g_mutex_unlock(&con->lock);
}

/* Returns the next input byte, or MH_CONSOLE_EOF at end of input. */
static guint8
console_getc(MhConsole *con)
{
  if (!con->in_eof && con->in_pos == con->in_len) {
    /* The guest may wait for input: show what it printed so far (a
     * prompt) before blocking. */
    mh_console_flush(con);
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
                io->size, io->dir == MH_IO_IN ? "IN" : "OUT",
                io->port);
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
