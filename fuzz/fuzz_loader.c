/* SPDX-License-Identifier: MIT */
/*
 * fuzz_loader - guest image loading: the input is written to a file that
 * mh_image_load() reads with every RAM size a VM can have and with limits
 * around the file's own size.  Inputs that start with the ELF magic go
 * through the ELF loader (libelf) and the symbol reader (symbol and
 * DWARF line tables, compressed sections inflated within bounds).
 *
 * make fuzz-run adds real ELF guests (hello.elf, unknown_port.elf) to
 * the seeds.
 *
 * Invariants: a flat image loads exactly when it is not empty and fits
 * the RAM, and holds the file's bytes and path; an ELF image that loads
 * has its entry point in one of its segments, and segments that are
 * sorted, do not overlap, lie in RAM and take their bytes from inside
 * the file (copied into a RAM buffer of exactly that size, under the
 * sanitizers); every address it is asked about names something or
 * nothing without a crash; a refused image is a usage error that names
 * the file, in one line.
 */
#include "config.h"

#include "fuzz-common.h"

#include <elf.h>
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

/* What every loaded ELF image must satisfy (see the top). */
static void
check_elf(const MhImage *image, const guint8 *data, size_t size,
          guint64 ram_size)
{
  gboolean entry_inside = FALSE;
  g_autofree guint8 *ram = g_malloc0(ram_size);

  FUZZ_CHECK(image->n_segments > 0, "ELF image with no segment");
  for (guint i = 0; i < image->n_segments; i++) {
    const MhImageSegment *s = &image->segments[i];
    FUZZ_CHECK(s->filesz <= s->memsz && s->memsz > 0, "segment %u sizes", i);
    FUZZ_CHECK(s->gpa <= ram_size && s->memsz <= ram_size - s->gpa,
               "segment %u outside RAM", i);
    FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset,
               "segment %u outside the file", i);
    FUZZ_CHECK(i == 0 ||
                 image->segments[i - 1].gpa + image->segments[i - 1].memsz <=
                   s->gpa,
               "segments %u and %u overlap or are out of order", i - 1, i);
    if (image->entry >= s->gpa && image->entry - s->gpa < s->memsz)
      entry_inside = TRUE;
  }
  FUZZ_CHECK(entry_inside, "entry 0x%" G_GINT64_MODIFIER "x in no segment",
             image->entry);
  mh_image_copy_to(image, ram, ram_size);
  for (guint i = 0; i < image->n_segments; i++) {
    const MhImageSegment *s = &image->segments[i];
    FUZZ_CHECK(memcmp(ram + s->gpa, data + s->offset, s->filesz) == 0,
               "segment %u copied wrong", i);
  }
  /* Names: at the entry, at each segment's ends, and far away. */
  for (guint i = 0; i <= image->n_segments; i++) {
    guint64 addr = i < image->n_segments ? image->segments[i].gpa
                                         : image->entry;
    guint64 probes[] = {addr, addr + 1, addr + 0x40, G_MAXUINT64, 0};
    for (guint j = 0; j < G_N_ELEMENTS(probes); j++) {
      g_autofree char *what = mh_symbols_describe(image->symbols, probes[j]);
      g_autofree char *ret = mh_symbols_describe_return(image->symbols,
                                                        probes[j]);
      g_autofree char *rip = mh_symbols_format(image->symbols, "RIP",
                                               probes[j]);
      FUZZ_CHECK(strchr(rip, '\n') == NULL, "a name with a newline: %s", rip);
      FUZZ_CHECK(what == NULL || strlen(what) < 1024, "a name too long");
      (void)ret;
    }
  }
}

static void
load_with(const guint8 *data, size_t size, guint64 ram_size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = mh_image_load(image_path, ram_size, &error);
  gboolean elf = size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;

  if (image != NULL) {
    FUZZ_CHECK(error == NULL, "loaded with an error set");
    FUZZ_CHECK(image->size == size && memcmp(image->data, data, size) == 0,
               "image bytes differ from the file");
    FUZZ_CHECK(strcmp(image->path, image_path) == 0, "path differs");
    FUZZ_CHECK(image->elf == elf, "ELF magic and loader disagree");
  }
  if (!elf && size > 0 && size <= ram_size) {
    FUZZ_CHECK(image != NULL,
               "%zu bytes refused with RAM %" G_GUINT64_FORMAT ": %s", size,
               ram_size, error ? error->message : "?");
    FUZZ_CHECK(image->entry == 0 && image->n_segments == 1 &&
                 image->symbols == NULL,
               "a flat image is one segment at 0");
  } else if (!elf) {
    FUZZ_CHECK(image == NULL, "%zu bytes loaded with RAM %" G_GUINT64_FORMAT,
               size, ram_size);
  } else if (image != NULL) {
    check_elf(image, data, size, ram_size);
  }
  if (image == NULL) {
    FUZZ_CHECK(error != NULL && error->domain == MH_ERROR &&
                 error->code == MH_ERROR_USAGE,
               "not a usage error");
    FUZZ_CHECK(strstr(error->message, image_path) != NULL,
               "the message does not name the file: %s", error->message);
    FUZZ_CHECK(strchr(error->message, '\n') == NULL,
               "the message is not one line: %s", error->message);
  }
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
  int fd = open(image_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  /* Plain writes: g_file_set_contents() would fsync an existing file. */
  FUZZ_CHECK(fd >= 0 && write(fd, data, size) == (ssize_t)size &&
               close(fd) == 0,
             "writing the image");
  for (guint mb = 2; mb <= 8; mb *= 2)
    load_with(data, size, (guint64)mb << 20);
  load_with(data, size, size);
  load_with(data, size, size + 1);
  if (size > 0)
    load_with(data, size, size - 1);
  load_with(data, size, 0);
  return 0;
}
