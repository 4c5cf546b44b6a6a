/* SPDX-License-Identifier: MIT */
/* Units for the image loader: flat images, a well-formed ELF built in
 * memory, and one hostile ELF per refusal, each made from the good one
 * by changing one field. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include <glib.h>

#include "error.h"
#include "loader.h"
#include "unit-main.h"

#define RAM       (4ull << 20)
#define FILE_SIZE 0x200u
#define CODE_OFF  0x100u
#define DATA_OFF  0x110u

/* An ELF64 x86-64 executable: a text segment (R X, 16 bytes at 0x1000,
 * the entry point) and a data segment (R W, 8 bytes at 0x2000 followed
 * by 0xff8 bytes of .bss). */
typedef struct {
  guint8 bytes[FILE_SIZE];
} TestElf;

static Elf64_Ehdr *
ehdr(TestElf *t)
{
  return (Elf64_Ehdr *)(void *)t->bytes;
}

static Elf64_Phdr *
phdr(TestElf *t, guint i)
{
  return (Elf64_Phdr *)(void *)(t->bytes + sizeof(Elf64_Ehdr) +
                                i * sizeof(Elf64_Phdr));
}

static void
good_elf(TestElf *t)
{
  Elf64_Ehdr *e = ehdr(t);

  memset(t, 0, sizeof *t);
  memcpy(e->e_ident, ELFMAG, SELFMAG);
  e->e_ident[EI_CLASS] = ELFCLASS64;
  e->e_ident[EI_DATA] = ELFDATA2LSB;
  e->e_ident[EI_VERSION] = EV_CURRENT;
  e->e_type = ET_EXEC;
  e->e_machine = EM_X86_64;
  e->e_version = EV_CURRENT;
  e->e_entry = 0x1000;
  e->e_phoff = sizeof(Elf64_Ehdr);
  e->e_ehsize = sizeof(Elf64_Ehdr);
  e->e_phentsize = sizeof(Elf64_Phdr);
  e->e_phnum = 2;
  *phdr(t, 0) = (Elf64_Phdr){
    .p_type = PT_LOAD,
    .p_flags = PF_R | PF_X,
    .p_offset = CODE_OFF,
    .p_vaddr = 0x1000,
    .p_paddr = 0x1000,
    .p_filesz = 16,
    .p_memsz = 16,
    .p_align = 16,
  };
  *phdr(t, 1) = (Elf64_Phdr){
    .p_type = PT_LOAD,
    .p_flags = PF_R | PF_W,
    .p_offset = DATA_OFF,
    .p_vaddr = 0x2000,
    .p_paddr = 0x2000,
    .p_filesz = 8,
    .p_memsz = 0x1000,
    .p_align = 16,
  };
  memset(t->bytes + CODE_OFF, 0xf4, 16); /* hlt */
  memset(t->bytes + DATA_OFF, 0xab, 8);
}

static MhImage *
load(const TestElf *t, gsize size, GError **error)
{
  return mh_image_load_data("t.elf", t->bytes, size, RAM, error);
}

static void
test_good(void)
{
  TestElf t;
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = NULL;
  g_autofree guint8 *ram = g_malloc0(RAM);

  good_elf(&t);
  image = load(&t, sizeof t.bytes, &error);
  g_assert_no_error(error);
  g_assert_true(image->elf);
  g_assert_cmphex(image->entry, ==, 0x1000);
  g_assert_cmpuint(image->n_segments, ==, 2);
  g_assert_cmpuint(mh_image_mem_size(image), ==, 0x1010);
  /* Garbage where .bss goes: the copy must not touch it (RAM starts
   * zeroed), nor anything past the file bytes. */
  memset(ram + 0x2008, 0x55, 0xff8);
  mh_image_copy_to(image, ram, RAM);
  for (guint i = 0; i < 16; i++)
    g_assert_cmpuint(ram[0x1000 + i], ==, 0xf4);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpuint(ram[0x2000 + i], ==, 0xab);
  g_assert_cmpuint(ram[0x2008], ==, 0x55);
  g_assert_cmpuint(ram[0xfff], ==, 0);
  g_assert_cmpuint(ram[0x1010], ==, 0);
}

static void
test_flat(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = NULL;
  const guint8 code[] = {0xf4, 0x7f, 'E', 'L'}; /* the magic, but not first */
  g_autofree guint8 *ram = g_malloc0(RAM);

  image = mh_image_load_data("t.img", code, sizeof code, RAM, &error);
  g_assert_no_error(error);
  g_assert_false(image->elf);
  g_assert_cmphex(image->entry, ==, 0);
  g_assert_null(image->symbols);
  mh_image_copy_to(image, ram, RAM);
  g_assert_cmpmem(ram, sizeof code, code, sizeof code);
  g_clear_pointer(&image, mh_image_free);

  /* Exactly RAM-sized flat images load; one byte more does not. */
  {
    g_autofree guint8 *big = g_malloc0(RAM + 1);
    image = mh_image_load_data("t.img", big, RAM, RAM, &error);
    g_assert_no_error(error);
    g_clear_pointer(&image, mh_image_free);
    image = mh_image_load_data("t.img", big, RAM + 1, RAM, &error);
    g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
    g_assert_null(image);
  }
}

typedef void (*Breaker)(TestElf *t, gsize *size);

typedef struct {
  const char *name;
  Breaker brk;
  const char *expect; /* part of the one-line message */
} Hostile;

static void
b_elf32(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_ident[EI_CLASS] = ELFCLASS32;
}
static void
b_bigend(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_ident[EI_DATA] = ELFDATA2MSB;
}
static void
b_machine(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_machine = EM_386;
}
static void
b_dyn(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_type = ET_DYN;
}
static void
b_rel(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_type = ET_REL;
}
static void
b_trunc_ident(TestElf *t, gsize *s)
{
  (void)t;
  *s = 10;
}
static void
b_trunc_ehdr(TestElf *t, gsize *s)
{
  (void)t;
  *s = 40;
}
static void
b_trunc_phdr(TestElf *t, gsize *s)
{
  (void)t;
  *s = sizeof(Elf64_Ehdr) + 60;
}
static void
b_phoff(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_phoff = 0xffffffffffffff00ull;
}
static void
b_phentsize(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_phentsize = 32;
}
static void
b_no_load(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 0)->p_type = PT_NOTE;
  phdr(t, 1)->p_type = PT_NOTE;
}
static void
b_no_phdrs(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_phnum = 0;
}
static void
b_outside_ram(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_paddr = phdr(t, 1)->p_vaddr = RAM - 0x800;
}
static void
b_far(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_paddr = phdr(t, 1)->p_vaddr = 0x40000000;
}
static void
b_wrap(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_paddr = phdr(t, 1)->p_vaddr = 0x2000;
  phdr(t, 1)->p_memsz = 0xfffffffffffff000ull;
  phdr(t, 1)->p_filesz = 8;
}
static void
b_filesz(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 0)->p_filesz = 32;
}
static void
b_offset(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_offset = FILE_SIZE + 8;
}
static void
b_offset_end(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_offset = FILE_SIZE - 4;
}
static void
b_offset_wrap(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_offset = 0xfffffffffffffff8ull;
}
static void
b_overlap(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 1)->p_paddr = phdr(t, 1)->p_vaddr = 0x1008;
}
static void
b_entry_data(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_entry = 0x2000;
}
static void
b_entry_past(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_entry = 0x1010;
}
static void
b_entry_far(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_entry = 0xffffffff80000000ull;
}
static void
b_vaddr(TestElf *t, gsize *s)
{
  (void)s;
  phdr(t, 0)->p_vaddr = 0xffffffff80001000ull;
}
/* Section headers past the limit, before libelf takes them in: counted
 * by e_shnum, or with extended numbering by section 0's sh_size. */
static void
b_sections(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_shoff = 0x180;
  ehdr(t)->e_shnum = 4097;
}
static void
b_sections_ext(TestElf *t, gsize *s)
{
  (void)s;
  ehdr(t)->e_shoff = 0x180;
  ehdr(t)->e_shnum = 0;
  ((Elf64_Shdr *)(void *)(t->bytes + 0x180))->sh_size = 250000;
}

static const Hostile hostile[] = {
  {"elf32", b_elf32, "ELF class ELF32: only ELF64 (x86-64) guests run"},
  {"big-endian", b_bigend, "ELF data encoding big-endian"},
  {"machine", b_machine, "ELF machine 3: not x86-64"},
  {"dyn", b_dyn,
   "ELF type 3: not an executable (ET_EXEC); link with -static -no-pie"},
  {"rel", b_rel, "ELF type 1: not an executable (ET_EXEC); an object file"},
  {"truncated-ident", b_trunc_ident,
   "truncated ELF header: 10 bytes, an ELF64 header has 64"},
  {"truncated-ehdr", b_trunc_ehdr, "truncated ELF header: 40 bytes"},
  {"truncated-phdr", b_trunc_phdr, "ELF program headers outside the file"},
  {"phoff", b_phoff,
   "ELF program headers unreadable (offset 0xffffffffffffff00, 2 entries)"},
  {"phentsize", b_phentsize, "ELF program header entries of 32 bytes, not 56"},
  {"no-load", b_no_load, "no loadable (PT_LOAD) segment"},
  {"no-phdrs", b_no_phdrs, "no loadable (PT_LOAD) segment"},
  {"outside-ram", b_outside_ram,
   "ELF segment 1: guest-physical [0x3ff800, 0x400800) outside the 4 MB of guest RAM"},
  {"far", b_far,
   "ELF segment 1: guest-physical [0x40000000, 0x40001000) outside"},
  {"wrap", b_wrap,
   "ELF segment 1: address 0x2000 + size 0xfffffffffffff000 wraps around"},
  {"filesz", b_filesz,
   "ELF segment 0: file size 0x20 larger than its memory size 0x10"},
  {"offset", b_offset,
   "ELF segment 1: file bytes [0x208, +0x8) outside the 512-byte file"},
  {"offset-end", b_offset_end,
   "ELF segment 1: file bytes [0x1fc, +0x8) outside"},
  {"offset-wrap", b_offset_wrap,
   "ELF segment 1: file bytes [0xfffffffffffffff8, +0x8) outside"},
  {"overlap", b_overlap,
   "ELF segments overlap: [0x1000, 0x1010) and [0x1008, 0x2008)"},
  {"entry-data", b_entry_data,
   "ELF entry point 0x2000 outside every executable segment"},
  {"entry-past", b_entry_past,
   "ELF entry point 0x1010 outside every executable segment"},
  {"entry-far", b_entry_far, "ELF entry point 0xffffffff80000000 outside"},
  {"sections", b_sections,
   "ELF file with 4097 section headers, more than 4096"},
  {"sections-extended", b_sections_ext,
   "ELF file with 250000 section headers, more than 4096"},
  {"vaddr", b_vaddr,
   "ELF segment 0: virtual address 0xffffffff80001000 differs from its physical address 0x1000"},
};

static void
test_hostile(gconstpointer data)
{
  const Hostile *h = data;
  TestElf t;
  gsize size = sizeof t.bytes;
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = NULL;

  good_elf(&t);
  h->brk(&t, &size);
  image = load(&t, size, &error);
  g_assert_null(image);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  g_assert_true(g_str_has_prefix(error->message, "guest image 't.elf': "));
  if (strstr(error->message, h->expect) == NULL)
    g_error("%s: expected \"%s\" in \"%s\"", h->name, h->expect,
            error->message);
  g_assert_null(strchr(error->message, '\n'));
}

/* The load limits (mini_hypervisor(1), LIMITS): an ELF file of at most
 * 16 MiB, at most 4096 program headers. */
static void
test_limits(void)
{
  gsize big = MH_IMAGE_ELF_MAX + 1;
  g_autofree guint8 *data = g_malloc0(big);
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = NULL;
  TestElf t;
  Elf64_Ehdr *e;

  good_elf(&t);
  memcpy(data, t.bytes, sizeof t.bytes);
  image = mh_image_load_data("t.elf", data, MH_IMAGE_ELF_MAX, RAM, &error);
  g_assert_no_error(error);
  g_clear_pointer(&image, mh_image_free);
  image = mh_image_load_data("t.elf", data, big, RAM, &error);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  g_assert_cmpstr(error->message, ==,
                  "guest image 't.elf': ELF file of "
                  "16777217 bytes, larger than 16 MiB");
  g_clear_error(&error);
  /* 4097 program headers in the file: the two good ones and empty ones
   * (PT_NULL) after them. */
  e = (Elf64_Ehdr *)(void *)data;
  e->e_phoff = 0x1000;
  e->e_phnum = 4096;
  memcpy(data + 0x1000, t.bytes + sizeof(Elf64_Ehdr), 2 * sizeof(Elf64_Phdr));
  image = mh_image_load_data("t.elf", data, MH_IMAGE_ELF_MAX, RAM, &error);
  g_assert_no_error(error);
  g_clear_pointer(&image, mh_image_free);
  e->e_phnum = 4097;
  image = mh_image_load_data("t.elf", data, MH_IMAGE_ELF_MAX, RAM, &error);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
  g_assert_cmpstr(error->message, ==,
                  "guest image 't.elf': ELF file with "
                  "4097 program headers, more than 4096");
}

/* A segment with nothing in memory is ignored, not refused; one of only
 * .bss is zeroes. */
static void
test_empty_and_bss(void)
{
  TestElf t;
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = NULL;

  good_elf(&t);
  phdr(&t, 1)->p_filesz = 0;
  phdr(&t, 1)->p_offset = 0;
  image = load(&t, sizeof t.bytes, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(image->n_segments, ==, 2);
  g_clear_pointer(&image, mh_image_free);

  phdr(&t, 1)->p_memsz = 0;
  phdr(&t, 1)->p_paddr = phdr(&t, 1)->p_vaddr = 0x1008; /* would overlap */
  image = load(&t, sizeof t.bytes, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(image->n_segments, ==, 1);
}

/* The last byte of RAM may be loaded; the stack (RSP = RAM size) is the
 * guest's to place, as for a flat image. */
static void
test_ram_edge(void)
{
  TestElf t;
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = NULL;

  good_elf(&t);
  phdr(&t, 1)->p_paddr = phdr(&t, 1)->p_vaddr = RAM - 0x1000;
  image = load(&t, sizeof t.bytes, &error);
  g_assert_no_error(error);
  g_clear_pointer(&image, mh_image_free);
  phdr(&t, 1)->p_paddr = phdr(&t, 1)->p_vaddr = RAM - 0xfff;
  image = load(&t, sizeof t.bytes, &error);
  g_assert_error(error, MH_ERROR, MH_ERROR_USAGE);
}

/* One test a hostile ELF file of the table hostile. */
static void
add_hostile(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(hostile); i++) {
    g_autofree char *path = g_strdup_printf("/loader/elf/hostile/%s",
                                            hostile[i].name);
    g_test_add_data_func(path, &hostile[i], test_hostile);
  }
}

static const MhUnitTest tests[] = {
  {"/loader/elf/good", test_good},
  {"/loader/flat", test_flat},
  {"/loader/elf/empty-and-bss", test_empty_and_bss},
  {"/loader/elf/ram-edge", test_ram_edge},
  {"/loader/elf/limits", test_limits},
};

MH_UNIT_MAIN_ADD(add_hostile, tests)
