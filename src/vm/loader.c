/* SPDX-License-Identifier: MIT */
/* loader.c - guest images: one read, checked before any VM exists.  A
 * flat binary is taken as it is; an ELF executable is parsed with
 * elfutils' libelf and every field the loader uses is checked against
 * the file and the RAM before anything trusts it. */
#include "config.h"

#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "mh_abi.h"
#include "text.h"

static gboolean image_fail(GError **error, const char *path, const char *fmt,
                           ...) G_GNUC_PRINTF(3, 4);

static gboolean
image_fail(GError **error, const char *path, const char *fmt, ...)
{
  g_autofree char *safe = mh_text_escape(path);
  g_autofree char *what = NULL;
  va_list ap;

  va_start(ap, fmt);
  what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
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
      return image_fail(error, path, "%s", g_strerror(errno));
    if (got == 0)
      return image_fail(error, path, "file shrank while being read");
    done += (gsize)got;
  }
  if (read(fd, &extra, 1) > 0)
    return image_fail(error, path, "file grew while being read");
  return TRUE;
}

static gboolean
image_is_elf(const guint8 *data, gsize size)
{
  return size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static gboolean
image_too_big(const char *path, guint64 size, guint64 ram_size, GError **error)
{
  return image_fail(error, path,
                    "%" G_GUINT64_FORMAT
                    " bytes, larger than the %" G_GUINT64_FORMAT
                    " MB of guest RAM (see --memory)",
                    size, ram_size >> 20);
}

static gboolean
image_elf_too_big(const char *path, guint64 size, GError **error)
{
  return image_fail(error, path,
                    "ELF file of %" G_GUINT64_FORMAT " bytes, larger than %u "
                    "MiB",
                    size, MH_IMAGE_ELF_MAX >> 20);
}

/* The section headers libelf would take in, counted from the raw header
 * as libelf counts them (e_shnum, or with extended numbering section 0's
 * sh_size): elf_memory() allocates a descriptor for each at once. */
static guint64
image_elf_n_sections(const guint8 *data, gsize size)
{
  Elf64_Ehdr eh;
  Elf64_Shdr sh0;

  memcpy(&eh, data, sizeof eh);
  if (eh.e_shnum != 0 || eh.e_shoff == 0)
    return eh.e_shnum;
  if (eh.e_shoff > size || size - eh.e_shoff < sizeof sh0)
    return 0;
  memcpy(&sh0, data + eh.e_shoff, sizeof sh0);
  return sh0.sh_size;
}

static gboolean
image_setup_flat(MhImage *image, guint64 ram_size, GError **error)
{
  if (image->size > ram_size)
    return image_too_big(image->path, image->size, ram_size, error);
  image->segments = g_new0(MhImageSegment, 1);
  image->segments[0] = (MhImageSegment){
    .gpa = 0,
    .offset = 0,
    .filesz = image->size,
    .memsz = image->size,
  };
  image->n_segments = 1;
  image->entry = MH_BOOT_REG_RIP;
  return TRUE;
}

static int
segment_compare(gconstpointer a, gconstpointer b)
{
  const MhImageSegment *x = a, *y = b;

  return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* Checks one PT_LOAD program header (number @i) against the file and
 * RAM, with overflow-safe arithmetic on every half-open range. */
static gboolean
elf_check_load(const MhImage *image, guint i, const GElf_Phdr *ph,
               guint64 ram_size, GError **error)
{
  const char *p = image->path;

  if (ph->p_filesz > ph->p_memsz)
    return image_fail(error, p,
                      "ELF segment %u: file size 0x%" G_GINT64_MODIFIER
                      "x larger than its memory size 0x%" G_GINT64_MODIFIER "x",
                      i, ph->p_filesz, ph->p_memsz);
  if (ph->p_offset > image->size || ph->p_filesz > image->size - ph->p_offset)
    return image_fail(error, p,
                      "ELF segment %u: file bytes [0x%" G_GINT64_MODIFIER
                      "x, +0x%" G_GINT64_MODIFIER "x) "
                      "outside the %" G_GSIZE_FORMAT "-byte file",
                      i, ph->p_offset, ph->p_filesz, image->size);
  if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
    return image_fail(error, p,
                      "ELF segment %u: address 0x%" G_GINT64_MODIFIER
                      "x + size 0x%" G_GINT64_MODIFIER "x wraps around",
                      i, ph->p_paddr, ph->p_memsz);
  if (ph->p_paddr > ram_size || ph->p_memsz > ram_size - ph->p_paddr)
    return image_fail(error, p,
                      "ELF segment %u: guest-physical [0x%" G_GINT64_MODIFIER
                      "x, 0x%" G_GINT64_MODIFIER "x) "
                      "outside the %" G_GUINT64_FORMAT " MB of guest RAM "
                      "(see --memory)",
                      i, ph->p_paddr, ph->p_paddr + ph->p_memsz,
                      ram_size >> 20);
  /* The guest runs identity-mapped: code linked for another virtual
   * address would run at the wrong one. */
  if (ph->p_vaddr != ph->p_paddr)
    return image_fail(error, p,
                      "ELF segment %u: virtual address 0x%" G_GINT64_MODIFIER
                      "x differs from its physical address "
                      "0x%" G_GINT64_MODIFIER "x (the guest runs "
                      "identity-mapped)",
                      i, ph->p_vaddr, ph->p_paddr);
  return TRUE;
}

/* The ELF identification and sizes, byte by byte, before libelf sees the
 * file: libelf takes any class and byte order, and converts. */
static gboolean
elf_check_ident(const MhImage *image, GError **error)
{
  const char *p = image->path;
  guint64 n_sh;

  if (image->size >= EI_NIDENT && image->data[EI_CLASS] != ELFCLASS64)
    return image_fail(error, p, "ELF class %s: only ELF64 (x86-64) guests run",
                      image->data[EI_CLASS] == ELFCLASS32 ? "ELF32"
                                                          : "invalid");
  if (image->size >= EI_NIDENT && image->data[EI_DATA] != ELFDATA2LSB)
    return image_fail(error, p,
                      "ELF data encoding %s: x86-64 is "
                      "little-endian",
                      image->data[EI_DATA] == ELFDATA2MSB ? "big-endian"
                                                          : "invalid");
  if (image->size < sizeof(Elf64_Ehdr))
    return image_fail(error, p,
                      "truncated ELF header: %" G_GSIZE_FORMAT
                      " bytes, an ELF64 header has %zu",
                      image->size, sizeof(Elf64_Ehdr));
  if (image->size > MH_IMAGE_ELF_MAX)
    return image_elf_too_big(p, image->size, error);
  n_sh = image_elf_n_sections(image->data, image->size);
  if (n_sh > MH_IMAGE_SECTIONS_MAX)
    return image_fail(error, p,
                      "ELF file with %" G_GUINT64_FORMAT " section "
                      "headers, more than %u",
                      n_sh, MH_IMAGE_SECTIONS_MAX);
  return TRUE;
}

/* The ELF header as libelf reads it: an x86-64 executable whose program
 * headers lie in the file, no more than the bound; *@n_ph of them. */
static gboolean
elf_check_header(const MhImage *image, Elf *elf, GElf_Ehdr *eh, size_t *n_ph,
                 GError **error)
{
  const char *p = image->path;

  if (elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, eh) == NULL)
    return image_fail(error, p,
                      "truncated or invalid ELF header (%" G_GSIZE_FORMAT
                      " bytes)",
                      image->size);
  if (eh->e_machine != EM_X86_64)
    return image_fail(error, p, "ELF machine %u: not x86-64 (EM_X86_64 = %u)",
                      eh->e_machine, EM_X86_64);
  if (eh->e_type != ET_EXEC)
    return image_fail(error, p, "ELF type %u: not an executable (ET_EXEC)%s",
                      eh->e_type,
                      eh->e_type == ET_DYN   ? "; link with -static -no-pie"
                      : eh->e_type == ET_REL ? "; an object file, not linked"
                                             : "");
  if (eh->e_phnum > 0 && eh->e_phentsize != sizeof(Elf64_Phdr))
    return image_fail(error, p,
                      "ELF program header entries of %u bytes, not "
                      "%zu",
                      eh->e_phentsize, sizeof(Elf64_Phdr));
  if (elf_getphdrnum(elf, n_ph) != 0)
    return image_fail(error, p,
                      "ELF program headers unreadable (offset 0x%" G_GINT64_MODIFIER
                      "x, %u entries): %s",
                      eh->e_phoff, eh->e_phnum, elf_errmsg(-1));
  /* The header's own count, unless it says the real one is elsewhere
   * (PN_XNUM): libelf quietly counts only the entries the file holds. */
  if (eh->e_phnum != PN_XNUM)
    *n_ph = eh->e_phnum;
  if (eh->e_phoff > image->size ||
      (guint64)*n_ph * sizeof(Elf64_Phdr) > image->size - eh->e_phoff)
    return image_fail(error, p,
                      "ELF program headers outside the file "
                      "(offset 0x%" G_GINT64_MODIFIER "x, %zu entries)",
                      eh->e_phoff, *n_ph);
  if (*n_ph > MH_IMAGE_SEGMENTS_MAX)
    return image_fail(error, p,
                      "ELF file with %zu program headers, more "
                      "than %u",
                      *n_ph, MH_IMAGE_SEGMENTS_MAX);
  return TRUE;
}

/* The loadable segments that take memory, into @segs (the executable
 * ones into @exec too), each checked against the file and RAM. */
static gboolean
elf_read_segments(MhImage *image, Elf *elf, size_t n_ph, guint64 ram_size,
                  GArray *segs, GArray *exec, GError **error)
{
  for (size_t i = 0; i < n_ph; i++) {
    GElf_Phdr ph;
    MhImageSegment seg;

    if (gelf_getphdr(elf, (int)i, &ph) == NULL)
      return image_fail(error, image->path,
                        "ELF program header %zu "
                        "unreadable: %s",
                        i, elf_errmsg(-1));
    if (ph.p_type != PT_LOAD)
      continue;
    if (!elf_check_load(image, (guint)i, &ph, ram_size, error))
      return FALSE;
    if (ph.p_memsz == 0)
      continue;
    seg = (MhImageSegment){
      .gpa = ph.p_paddr,
      .offset = (gsize)ph.p_offset,
      .filesz = (gsize)ph.p_filesz,
      .memsz = ph.p_memsz,
    };
    g_array_append_val(segs, seg);
    if (ph.p_flags & PF_X)
      g_array_append_val(exec, seg);
  }
  if (segs->len == 0)
    return image_fail(error, image->path,
                      "ELF file with no loadable "
                      "(PT_LOAD) segment");
  return TRUE;
}

/* The segments, sorted, do not overlap, and @entry lies in an executable
 * one. */
static gboolean
elf_check_layout(const char *p, GArray *segs, GArray *exec, guint64 entry,
                 GError **error)
{
  g_array_sort(segs, segment_compare);
  for (guint i = 1; i < segs->len; i++) {
    const MhImageSegment *a = &g_array_index(segs, MhImageSegment, i - 1);
    const MhImageSegment *b = &g_array_index(segs, MhImageSegment, i);
    if (a->gpa + a->memsz > b->gpa)
      return image_fail(error, p,
                        "ELF segments overlap: [0x%" G_GINT64_MODIFIER
                        "x, 0x%" G_GINT64_MODIFIER
                        "x) and [0x%" G_GINT64_MODIFIER
                        "x, 0x%" G_GINT64_MODIFIER "x)",
                        a->gpa, a->gpa + a->memsz, b->gpa, b->gpa + b->memsz);
  }
  for (guint i = 0; i < exec->len; i++) {
    const MhImageSegment *s = &g_array_index(exec, MhImageSegment, i);
    if (entry >= s->gpa && entry - s->gpa < s->memsz)
      return TRUE;
  }
  return image_fail(error, p,
                    "ELF entry point 0x%" G_GINT64_MODIFIER "x "
                    "outside every executable segment",
                    entry);
}

static gboolean
image_setup_elf(MhImage *image, guint64 ram_size, GError **error)
{
  const char *p = image->path;
  g_autoptr(GArray) segs = g_array_new(FALSE, FALSE, sizeof(MhImageSegment));
  g_autoptr(GArray) exec = g_array_new(FALSE, FALSE, sizeof(MhImageSegment));
  g_autofree char *why = NULL;
  Elf *elf;
  GElf_Ehdr eh;
  size_t n_ph = 0;
  gboolean ok;

  image->elf = TRUE;
  if (elf_version(EV_CURRENT) == EV_NONE)
    return image_fail(error, p, "libelf: %s", elf_errmsg(-1));
  if (!elf_check_ident(image, error))
    return FALSE;
  elf = elf_memory((char *)image->data, image->size);
  if (elf == NULL)
    return image_fail(error, p, "not a readable ELF file: %s", elf_errmsg(-1));
  ok = elf_check_header(image, elf, &eh, &n_ph, error) &&
       elf_read_segments(image, elf, n_ph, ram_size, segs, exec, error) &&
       elf_check_layout(p, segs, exec, eh.e_entry, error);
  if (ok) {
    image->entry = eh.e_entry;
    image->n_segments = segs->len;
    image->segments = (MhImageSegment *)(void *)
      g_array_free(g_steal_pointer(&segs), FALSE);
    /* Names for diagnoses, read now: nothing is opened once the VM's
     * thread is confined. */
    image->symbols = mh_symbols_new(elf, &why);
    if (why != NULL) {
      g_autofree char *safe = mh_text_escape(p);
      image->warning = g_strdup_printf("guest image '%s': %s", safe, why);
    }
  }
  elf_end(elf);
  return ok;
}

/* Takes @data (@size bytes, g_malloc()ed) whatever happens: the file is
 * held once, not copied. */
static MhImage *
image_load_owned(const char *path, guint8 *data, gsize size, guint64 ram_size,
                 GError **error)
{
  g_autoptr(MhImage) image = g_new0(MhImage, 1);

  image->path = g_strdup(path);
  image->size = size;
  image->data = data;
  if (size == 0) {
    image_fail(error, path, "file is empty");
    return NULL;
  }
  if (!(image_is_elf(data, size) ? image_setup_elf(image, ram_size, error)
                                 : image_setup_flat(image, ram_size, error)))
    return NULL;
  return g_steal_pointer(&image);
}

MhImage *
mh_image_load_data(const char *path, const guint8 *data, gsize size,
                   guint64 ram_size, GError **error)
{
  return image_load_owned(path, g_memdup2(data, size), size, ram_size, error);
}

MhImage *
mh_image_load(const char *path, guint64 ram_size, GError **error)
{
  g_autoptr(MhImage) image = NULL;
  g_auto(MhFd) fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  guint8 *data;
  guint8 magic[SELFMAG];
  struct stat st;

  if (fd < 0) {
    image_fail(error, path, "%s", g_strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) < 0) {
    image_fail(error, path, "%s", g_strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    image_fail(error, path, "is a directory, not an image file");
  } else if (!S_ISREG(st.st_mode)) {
    image_fail(error, path, "not a regular file");
  } else if (st.st_size == 0) {
    image_fail(error, path, "file is empty");
  } else if ((guint64)st.st_size > MAX(ram_size, (guint64)MH_IMAGE_ELF_MAX)) {
    /* An ELF file may be larger than RAM (symbols, debug information),
     * within MH_IMAGE_ELF_MAX; a flat image may not (checked below).
     * Refused before a byte is held. */
    if (pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
        image_is_elf(magic, sizeof magic))
      image_elf_too_big(path, (guint64)st.st_size, error);
    else
      image_too_big(path, (guint64)st.st_size, ram_size, error);
  } else {
    data = g_malloc((gsize)st.st_size);
    if (image_read_all(fd, data, (gsize)st.st_size, path, error))
      image = image_load_owned(path, data, (gsize)st.st_size, ram_size, error);
    else
      g_free(data);
  }
  return g_steal_pointer(&image);
}

void
mh_image_copy_to(const MhImage *image, guint8 *ram, guint64 ram_size)
{
  for (guint i = 0; i < image->n_segments; i++) {
    const MhImageSegment *s = &image->segments[i];
    /* Checked at load time against this RAM size. */
    g_assert(s->gpa <= ram_size && s->filesz <= ram_size - s->gpa);
    memcpy(ram + s->gpa, image->data + s->offset, s->filesz);
  }
}

guint64
mh_image_mem_size(const MhImage *image)
{
  guint64 total = 0;

  for (guint i = 0; i < image->n_segments; i++)
    total += image->segments[i].memsz;
  return total;
}

void
mh_image_free(MhImage *image)
{
  if (image == NULL)
    return;
  mh_symbols_free(image->symbols);
  g_free(image->warning);
  g_free(image->segments);
  g_free(image->path);
  g_free(image->data);
  g_free(image);
}
