/* SPDX-License-Identifier: MIT */
/*
 * fuzz_loader - guest image loading: the input is written to a file that
 * mh_image_load() reads with every RAM size a VM can have and with limits
 * around the file's own size.
 *
 * Invariants: an image loads exactly when it is not empty and fits the
 * RAM; a loaded image holds the file's bytes and path; a refused one is a
 * usage error that names the file.
 */
#include "config.h"

#include "fuzz-common.h"

#include <fcntl.h>
#include <unistd.h>

#include "error.h"
#include "loader.h"

static char *scratch;
static char *image_path;

static void
remove_scratch(void)
{
  fuzz_rm_rf(scratch);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_glib_strict();
  scratch = fuzz_scratch_dir("loader");
  atexit(remove_scratch);
  image_path = g_build_filename(scratch, "guest.img", NULL);
  return 0;
}

static void
load_with(const guint8 *data, size_t size, guint64 ram_size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = mh_image_load(image_path, ram_size, &error);

  if (size > 0 && size <= ram_size) {
    FUZZ_CHECK(image != NULL, "%zu bytes refused with RAM %" G_GUINT64_FORMAT
               ": %s", size, ram_size, error ? error->message : "?");
    FUZZ_CHECK(error == NULL, "loaded with an error set");
    FUZZ_CHECK(image->size == size && memcmp(image->data, data, size) == 0,
               "image bytes differ from the file");
    FUZZ_CHECK(strcmp(image->path, image_path) == 0, "path differs");
  } else {
    FUZZ_CHECK(image == NULL, "%zu bytes loaded with RAM %" G_GUINT64_FORMAT,
               size, ram_size);
    FUZZ_CHECK(error != NULL && error->domain == MH_ERROR &&
               error->code == MH_ERROR_USAGE, "not a usage error");
    FUZZ_CHECK(strstr(error->message, image_path) != NULL,
               "the message does not name the file: %s", error->message);
  }
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  int fd = open(image_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  /* Plain writes: g_file_set_contents() would fsync an existing file. */
  FUZZ_CHECK(fd >= 0 && write(fd, data, size) == (ssize_t)size &&
             close(fd) == 0, "writing the image");
  for (guint mb = 2; mb <= 8; mb *= 2)
    load_with(data, size, (guint64)mb << 20);
  load_with(data, size, size);
  load_with(data, size, size + 1);
  if (size > 0)
    load_with(data, size, size - 1);
  load_with(data, size, 0);
  return 0;
}
