/* SPDX-License-Identifier: MIT */
/* fdio.c - writing whole buffers, waking eventfds, copying file ranges. */
#include "config.h"

#include "fdio.h"

#include <errno.h>
#include <unistd.h>

int
mh_fd_write_all(int fd, const void *data, gsize len, const gint *stop)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR &&
        (stop == NULL || g_atomic_int_get(stop) == 0))
      continue;
    if (n < 0)
      return errno;
    if (n == 0)
      return EIO;
    p += n;
    len -= (gsize)n;
  }
  return 0;
}

void
mh_fd_signal(int fd)
{
  guint64 one = 1;

  while (write(fd, &one, sizeof one) < 0 && errno == EINTR)
    ;
}

int
mh_fd_copy_range(int in_fd, guint64 in_offset, int out_fd, guint64 len,
                 guint64 *copied)
{
  off_t in_off = (off_t)in_offset;
  guint64 done = 0;
  int err = 0;

  if (in_offset > G_MAXINT64 || len > G_MAXINT64 - in_offset)
    err = EINVAL; /* no file reaches that far: copy nothing */
  while (err == 0 && done < len) {
    size_t want = (size_t)MIN(len - done, (guint64)G_MAXSSIZE);
    ssize_t n = copy_file_range(in_fd, &in_off, out_fd, NULL, want, 0);
    if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                  errno == EOPNOTSUPP)) {
      /* No in-kernel copy between these files: copy by hand, in chunks
       * bounded by what is left of @len. */
      char buf[65536];
      ssize_t got = pread(in_fd, buf, MIN(sizeof buf, want), in_off);
      n = got > 0 ? write(out_fd, buf, (size_t)got) : got;
      if (n > 0)
        in_off += n;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      err = n < 0 ? errno : EIO; /* 0: @in_fd ended early */
    else
      done += (guint64)n;
  }
  if (copied != NULL)
    *copied = done;
  return err;
}
