/* SPDX-License-Identifier: MIT */
/* loader.c - guest images: one read, checked before any VM exists. */
#include "config.h"

#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "text.h"

static gboolean
image_fail(GError **error, const char *path, const char *what)
{
  g_autofree char *safe = mh_text_escape(path);

  g_set_error(error, MH_ERROR, MH_ERROR_USAGE, "guest image '%s': %s", safe,
              what);
  return FALSE;
}

/* Reads exactly @size bytes; a file that changes size underneath fails. */
static gboolean
image_read_all(int fd, guint8 *buf, gsize size, const char *path,
               GError **error)
{
  gsize done = 0;
  char extra;

  while (done < size) {
    ssize_t got = read(fd, buf + done, size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return image_fail(error, path, g_strerror(errno));
    if (got == 0)
      return image_fail(error, path, "file shrank while being read");
    done += (gsize)got;
  }
  if (read(fd, &extra, 1) > 0)
    return image_fail(error, path, "file grew while being read");
  return TRUE;
}

MhImage *
mh_image_load(const char *path, guint64 ram_size, GError **error)
{
  g_autoptr(MhImage) image = NULL;
  g_auto(MhFd) fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  struct stat st;

  if (fd < 0) {
    image_fail(error, path, g_strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) < 0) {
    image_fail(error, path, g_strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    image_fail(error, path, "is a directory, not an image file");
  } else if (!S_ISREG(st.st_mode)) {
    image_fail(error, path, "not a regular file");
  } else if (st.st_size == 0) {
    image_fail(error, path, "file is empty");
  } else if ((guint64)st.st_size > ram_size) {
    g_autofree char *msg = g_strdup_printf(
      "%" G_GUINT64_FORMAT " bytes, larger than the %" G_GUINT64_FORMAT
      " MB of guest RAM (see --memory)",
      (guint64)st.st_size, ram_size >> 20);
    image_fail(error, path, msg);
  } else {
    image = g_new0(MhImage, 1);
    image->path = g_strdup(path);
    image->size = (gsize)st.st_size;
    image->data = g_malloc(image->size);
    if (!image_read_all(fd, image->data, image->size, path, error))
      g_clear_pointer(&image, mh_image_free);
  }
  return g_steal_pointer(&image);
}

void
mh_image_free(MhImage *image)
{
  if (image == NULL)
    return;
  g_free(image->path);
  g_free(image->data);
  g_free(image);
}
