/* SPDX-License-Identifier: MIT */
/* Units for symbol lookup: on a test guest built as an ELF with -g
 * (tests/guests/elf_page_fault.elf, built for make check), with no
 * symbols at all, and on that guest with tables added past the reader's
 * limits (issue 19: "ELF memory bombs"), built here in memory. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>

#include "loader.h"
#include "symbols.h"
#include "unit-main.h"

static void
test_none(void)
{
  g_autofree char *rip = mh_symbols_format(NULL, "RIP", 0x1f3);

  g_assert_cmpstr(rip, ==, "RIP 0x1f3");
  g_assert_null(mh_symbols_describe(NULL, 0));
  g_assert_cmpuint(mh_symbols_n_functions(NULL), ==, 0);
}

static void
test_guest(void)
{
  g_autofree char *path = g_test_build_filename(G_TEST_BUILT, "..", "guests",
                                                "elf_page_fault.elf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MhImage) image = mh_image_load(path, 4u << 20, &error);
  g_autofree char *entry = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *rip = NULL;

  g_assert_no_error(error);
  g_assert_nonnull(image->symbols);
  g_assert_cmpuint(mh_symbols_n_functions(image->symbols), >, 2);
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), >, 10);
  /* The entry point is crt0's _start, an assembly function with lines. */
  entry = mh_symbols_describe(image->symbols, image->entry);
  g_assert_true(g_str_has_prefix(entry, "_start, crt0.S:"));
  inside = mh_symbols_describe(image->symbols, image->entry + 1);
  g_assert_true(g_str_has_prefix(inside, "_start+0x1, crt0.S:"));
  /* Past every section: no name. */
  outside = mh_symbols_describe(image->symbols, 4u << 20);
  g_assert_null(outside);
  rip = mh_symbols_format(image->symbols, "RIP", image->entry);
  g_assert_true(g_str_has_prefix(rip, "RIP 0x0 (_start, crt0.S:"));
}

/* The test guest's bytes, and an editor that adds sections to them: the
 * new ones after the old contents, then a new section-name table and
 * header table at the end. */
typedef struct {
  GByteArray *bytes; /* the file up to its old section headers, then
                          the added sections' contents              */
  GByteArray *names; /* the section-name table                    */
  GArray *shdrs;     /* Elf64_Shdr                                */
} Edit;

static guint8 *
guest_bytes(gsize *size)
{
  g_autofree char *path = g_test_build_filename(G_TEST_BUILT, "..", "guests",
                                                "elf_page_fault.elf", NULL);
  g_autoptr(GError) error = NULL;
  char *data;

  g_assert_true(g_file_get_contents(path, &data, size, &error));
  return (guint8 *)data;
}

static Edit *
edit_new(void)
{
  Edit *e = g_new0(Edit, 1);
  gsize size;
  g_autofree guint8 *data = guest_bytes(&size);
  Elf64_Ehdr eh;
  const Elf64_Shdr *sh;

  memcpy(&eh, data, sizeof eh);
  e->bytes = g_byte_array_new();
  g_byte_array_append(e->bytes, data, (guint)eh.e_shoff);
  e->shdrs = g_array_new(FALSE, FALSE, sizeof(Elf64_Shdr));
  g_array_append_vals(e->shdrs, data + eh.e_shoff, eh.e_shnum);
  sh = &g_array_index(e->shdrs, Elf64_Shdr, eh.e_shstrndx);
  e->names = g_byte_array_new();
  g_byte_array_append(e->names, data + sh->sh_offset, (guint)sh->sh_size);
  return e;
}

/* Renames section @from (a whole name) to @to, of the same length. */
static void
edit_rename(Edit *e, const char *from, const char *to)
{
  gsize len = strlen(from) + 1;

  g_assert_cmpuint(strlen(to) + 1, ==, len);
  for (guint i = 0; i + len <= e->names->len; i++) {
    if ((i == 0 || e->names->data[i - 1] == 0) &&
        memcmp(e->names->data + i, from, len) == 0) {
      memcpy(e->names->data + i, to, len);
      return;
    }
  }
  g_assert_not_reached();
}

static guint
edit_add(Edit *e, const char *name, guint32 type, guint64 flags,
         const void *data, gsize size, guint32 link, guint64 entsize)
{
  Elf64_Shdr sh = {
    .sh_name = e->names->len,
    .sh_type = type,
    .sh_flags = flags,
    .sh_link = link,
    .sh_addralign = 8,
    .sh_entsize = entsize,
  };
  static const guint8 zero[8];

  g_byte_array_append(e->bytes, zero, (8 - e->bytes->len % 8) % 8);
  sh.sh_offset = e->bytes->len;
  sh.sh_size = size;
  g_byte_array_append(e->bytes, data, (guint)size);
  g_byte_array_append(e->names, (const guint8 *)name, (guint)strlen(name) + 1);
  g_array_append_val(e->shdrs, sh);
  return e->shdrs->len - 1;
}

/* The edited file, loaded as "t.elf" against 4 MiB of RAM; @copy (when
 * not NULL) gets the file's bytes. */
static MhImage *
edit_load(Edit *e, GBytes **copy)
{
  Elf64_Shdr names = {.sh_type = SHT_STRTAB, .sh_addralign = 1};
  static const guint8 zero[8];
  Elf64_Ehdr eh;
  g_autoptr(GError) error = NULL;
  MhImage *image;

  names.sh_name = e->names->len;
  g_byte_array_append(e->names, (const guint8 *)".shstrtab.t", 12);
  names.sh_offset = e->bytes->len;
  names.sh_size = e->names->len;
  g_byte_array_append(e->bytes, e->names->data, e->names->len);
  g_array_append_val(e->shdrs, names);
  g_byte_array_append(e->bytes, zero, (8 - e->bytes->len % 8) % 8);
  memcpy(&eh, e->bytes->data, sizeof eh);
  eh.e_shoff = e->bytes->len;
  eh.e_shnum = (Elf64_Half)e->shdrs->len;
  eh.e_shstrndx = (Elf64_Half)(e->shdrs->len - 1);
  memcpy(e->bytes->data, &eh, sizeof eh);
  g_byte_array_append(e->bytes, (const guint8 *)e->shdrs->data,
                      e->shdrs->len * (guint)sizeof(Elf64_Shdr));
  image = mh_image_load_data("t.elf", e->bytes->data, e->bytes->len, 4u << 20,
                             &error);
  g_assert_no_error(error);
  if (copy != NULL)
    *copy = g_bytes_new(e->bytes->data, e->bytes->len);
  g_byte_array_unref(e->bytes);
  g_byte_array_unref(e->names);
  g_array_unref(e->shdrs);
  g_free(e);
  return image;
}

/* The guest's own .debug_line. */
static GBytes *
guest_line_table(void)
{
  Edit *e = edit_new();
  g_autoptr(MhImage) image = NULL;
  GBytes *line = NULL;

  for (guint i = 0; i < e->shdrs->len; i++) {
    const Elf64_Shdr *sh = &g_array_index(e->shdrs, Elf64_Shdr, i);
    if (strcmp((const char *)e->names->data + sh->sh_name, ".debug_line") == 0)
      line = g_bytes_new(e->bytes->data + sh->sh_offset, sh->sh_size);
  }
  image = edit_load(e, NULL);
  g_assert_nonnull(line);
  return line;
}

/* @data behind an Elf64_Chdr declaring @size bytes, zlib-compressed when
 * @compress (else as it is: a declared size is checked before a byte is
 * inflated). */
static GByteArray *
compressed_section(const void *data, gsize len, guint64 size, gboolean compress)
{
  Elf64_Chdr ch = {.ch_type = ELFCOMPRESS_ZLIB,
                   .ch_size = size,
                   .ch_addralign = 1};
  GByteArray *out = g_byte_array_new();

  g_byte_array_append(out, (const guint8 *)&ch, sizeof ch);
  if (compress) {
    g_autoptr(GZlibCompressor)
      z = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
    guint8 buf[65536];
    gsize got_in, got_out;
    g_autoptr(GError) error = NULL;
    GConverterResult res = g_converter_convert(G_CONVERTER(z), data, len, buf,
                                               sizeof buf,
                                               G_CONVERTER_INPUT_AT_END,
                                               &got_in, &got_out, &error);
    g_assert_no_error(error);
    g_assert_cmpint(res, ==, G_CONVERTER_FINISHED);
    g_byte_array_append(out, buf, (guint)got_out);
  } else {
    g_byte_array_append(out, data, (guint)len);
  }
  return out;
}

/* A compressed line table is inflated into memory of the reader's own:
 * the names come as from the plain one, and the image's bytes (which the
 * report hashes) stay the file's. */
static void
test_compressed(void)
{
  g_autoptr(GBytes) line = guest_line_table();
  g_autoptr(GByteArray)
    z = compressed_section(g_bytes_get_data(line, NULL), g_bytes_get_size(line),
                           g_bytes_get_size(line), TRUE);
  Edit *e = edit_new();
  g_autoptr(MhImage) plain = edit_load(edit_new(), NULL);
  g_autoptr(MhImage) image = NULL;
  g_autoptr(GBytes) file = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  edit_rename(e, ".debug_line", ".nodbg_line");
  edit_add(e, ".debug_line", SHT_PROGBITS, SHF_COMPRESSED, z->data, z->len, 0,
           0);
  image = edit_load(e, &file);
  g_assert_null(image->warning);
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), ==,
                   mh_symbols_n_lines(plain->symbols));
  a = mh_symbols_describe(plain->symbols, image->entry + 1);
  b = mh_symbols_describe(image->symbols, image->entry + 1);
  g_assert_cmpstr(a, ==, b);
  g_assert_cmpmem(image->data, image->size, g_bytes_get_data(file, NULL),
                  g_bytes_get_size(file));
}

/* A line table that claims to inflate to 2 GiB is left unread, with one
 * warning; function names stay. */
static void
test_compressed_bomb(void)
{
  static const guint8 stream[] = {0x78, 0x9c, 0x03, 0x00};
  g_autoptr(GByteArray)
    z = compressed_section(stream, sizeof stream, 2ull << 30, FALSE);
  Edit *e = edit_new();
  g_autoptr(MhImage) image = NULL;

  edit_rename(e, ".debug_line", ".nodbg_line");
  edit_add(e, ".debug_line", SHT_PROGBITS, SHF_COMPRESSED, z->data, z->len, 0,
           0);
  image = edit_load(e, NULL);
  g_assert_cmpstr(image->warning, ==,
                  "guest image 't.elf': .debug_line "
                  "inflates to 2147483648 bytes, more than 4194304 "
                  "(compressed sections, in total): diagnoses name no "
                  "source lines");
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), ==, 0);
  g_assert_cmpuint(mh_symbols_n_functions(image->symbols), >, 2);
}

/* A DWARF 4 line table of @rows rows at successive addresses. */
static GByteArray *
line_table_rows(guint rows)
{
  static const guint8 header[] = {
    4,   0,           /* version                              */
    0,   0,   0,   0, /* header_length, set below             */
    1,   1,   1,   (guint8)-5, 14, 13, /* min_inst .. opcode_base              */
    0,   1,   1,   1,          1,  0,  0, 0,
    1,   0,   0,   1, /* standard_opcode_lengths       */
    0,                /* no include directory                 */
    'b', '.', 'c', 0,          0,  0,  0, /* one file                             */
    0,
  };
  static const guint8 set_address[] = {0, 9, 2, 0, 0, 0, 0, 0, 0, 0, 0};
  static const guint8 end[] = {0, 1, 1};
  GByteArray *t = g_byte_array_new();
  guint32 len, hlen = sizeof header - 6;

  g_byte_array_append(t, (const guint8 *)"\0\0\0\0", 4);
  g_byte_array_append(t, header, sizeof header);
  memcpy(t->data + 6, &hlen, 4);
  g_byte_array_append(t, set_address, sizeof set_address);
  for (guint i = 0; i < rows; i++)
    g_byte_array_append(t, (const guint8 *)"\x20", 1); /* address + 1 */
  g_byte_array_append(t, end, sizeof end);
  len = t->len - 4;
  memcpy(t->data, &len, 4);
  return t;
}

static void
test_rows(void)
{
  g_autoptr(GByteArray) ok = line_table_rows(1000);
  g_autoptr(GByteArray) big = line_table_rows(MH_SYMBOLS_ROWS_MAX + 1);
  g_autoptr(MhImage) image = NULL;
  Edit *e = edit_new();

  edit_rename(e, ".debug_line", ".nodbg_line");
  edit_add(e, ".debug_line", SHT_PROGBITS, 0, ok->data, ok->len, 0, 0);
  image = edit_load(e, NULL);
  g_assert_null(image->warning);
  /* 1000 rows and the end: the last row and the end at one address are
   * one row, the end. */
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), ==, 1000);
  g_clear_pointer(&image, mh_image_free);
  e = edit_new();
  edit_rename(e, ".debug_line", ".nodbg_line");
  edit_add(e, ".debug_line", SHT_PROGBITS, 0, big->data, big->len, 0, 0);
  image = edit_load(e, NULL);
  g_assert_cmpstr(image->warning, ==,
                  "guest image 't.elf': line tables of "
                  "more than 524288 rows: diagnoses name no source lines");
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), ==, 0);
  g_assert_cmpuint(mh_symbols_n_functions(image->symbols), >, 2);
}

/* A symbol table past the limit: no function names, the lines stay. */
static void
test_symtab(void)
{
  static const char strtab[] = "\0f";
  gsize n = MH_SYMBOLS_FUNCS_MAX, size = n * sizeof(Elf64_Sym);
  g_autofree Elf64_Sym *syms = g_malloc0(size);
  g_autoptr(MhImage) image = NULL;
  Edit *e = edit_new();
  guint str;

  for (gsize i = 1; i < n; i++)
    syms[i] = (Elf64_Sym){.st_name = 1,
                          .st_shndx = 1,
                          .st_size = 1,
                          .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC)};
  str = edit_add(e, ".strtab.t", SHT_STRTAB, 0, strtab, sizeof strtab, 0, 0);
  edit_add(e, ".symtab.t", SHT_SYMTAB, 0, syms, size, str, sizeof *syms);
  image = edit_load(e, NULL);
  g_assert_nonnull(image->warning);
  g_assert_true(g_str_has_prefix(image->warning, "guest image 't.elf': "
                                                 "symbol table of "));
  g_assert_true(g_str_has_suffix(image->warning,
                                 " entries, more than 65536: "
                                 "diagnoses name no functions"));
  g_assert_cmpuint(mh_symbols_n_functions(image->symbols), ==, 0);
  g_assert_cmpuint(mh_symbols_n_lines(image->symbols), >, 10);
}

static const MhUnitTest tests[] = {
  {"/symbols/none", test_none},
  {"/symbols/guest", test_guest},
  {"/symbols/compressed", test_compressed},
  {"/symbols/compressed-bomb", test_compressed_bomb},
  {"/symbols/rows", test_rows},
  {"/symbols/symtab", test_symtab},
};

MH_UNIT_MAIN(tests)
