/* SPDX-License-Identifier: MIT */
/* symbols.c - function names (ELF .symtab) and source lines (DWARF
 * .debug_line) of an ELF guest, read once into sorted tables.
 *
 * Both are parsed here, from the file's bytes, in time linear in the
 * bytes read and in memory bounded by the limits of symbols.h, rather
 * than with libdw and libelf's string lookups: libdw joins directory and
 * name for every file entry of a line table (a 300 KB file held 1.3 GB),
 * keeps a row per byte of line program with ~100 bytes each, and inflates
 * every compressed debug section whatever its size (a 2 MB file, 2 GB);
 * elf_strptr() inflates a compressed string table and scans to its end
 * on every call.  libelf still walks the section headers (the loader
 * bounded their number); the compressed sections read are inflated
 * here, into a buffer of their declared size once that is checked
 * (libelf's elf_compress() would write the new size into the header of
 * the image in memory, whose bytes the report hashes). */
#include "config.h"

#include "symbols.h"

#include <gelf.h>
#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "text.h"

#define SYMBOLS_NAME_MAX 200  /* bytes of a name or file name kept      */
#define SYMBOLS_PATH_MAX 4096 /* a file name longer than this: unnamed */

/* DWARF 5 (dwarfstd.org), section 7.22 and 6.2.5: the line program's
 * opcodes, entry formats and forms the reader knows. */
enum {
  LNS_COPY = 1,
  LNS_ADVANCE_PC,
  LNS_ADVANCE_LINE,
  LNS_SET_FILE,
  LNS_SET_COLUMN,
  LNS_NEGATE_STMT,
  LNS_SET_BASIC_BLOCK,
  LNS_CONST_ADD_PC,
  LNS_FIXED_ADVANCE_PC,
  LNE_END_SEQUENCE = 1,
  LNE_SET_ADDRESS,
  LNE_DEFINE_FILE,
  LNCT_PATH = 1,
  FORM_DATA2 = 0x05,
  FORM_DATA4 = 0x06,
  FORM_DATA8 = 0x07,
  FORM_STRING = 0x08,
  FORM_BLOCK = 0x09,
  FORM_BLOCK1 = 0x0a,
  FORM_DATA1 = 0x0b,
  FORM_SDATA = 0x0d,
  FORM_STRP = 0x0e,
  FORM_UDATA = 0x0f,
  FORM_STRX = 0x1a,
  FORM_DATA16 = 0x1e,
  FORM_LINE_STRP = 0x1f,
  FORM_STRX1 = 0x25,
  FORM_STRX2,
  FORM_STRX3,
  FORM_STRX4,
};

#define SYMBOLS_END_FILE G_MAXUINT32 /* SymLine.file of a sequence's end */

typedef struct {
  guint64 start;
  guint64 end;      /* past the last byte: st_size, or the section's end
                        for an unsized label (an assembly function)   */
  const char *name; /* in the string chunk                           */
  gboolean func;    /* STT_FUNC: preferred to a label at one address */
} SymFunc;

typedef struct {
  guint64 addr;
  guint32 line; /* 0: unknown                                    */
  guint32 file; /* in MhSymbols.files; SYMBOLS_END_FILE: the end
                        of a sequence, no line from here on           */
} SymLine;

struct MhSymbols {
  GArray *funcs;    /* SymFunc, sorted by start                  */
  GArray *lines;    /* SymLine, sorted by address, ends first    */
  GPtrArray *files; /* base names (in strings); [0] is "?"        */
  GStringChunk *strings;
};

/* A section's bytes: in the file, or inflated (then in SymRead.owned). */
typedef struct {
  const guint8 *data;
  gsize size;
} SymBytes;

/* What reading costs so far, against the limits; the first limit passed
 * names itself in @why, for the one warning. */
typedef struct {
  Elf *elf;
  const guint8 *file;
  gsize file_size;
  guint64 inflated; /* bytes inflated so far                   */
  GPtrArray *owned; /* the inflated sections' buffers          */
  gsize names;      /* bytes of names kept (the current table) */
  gboolean stop;    /* the current table passed a limit        */
  GString *why;     /* what was too big, "; "-separated        */
} SymRead;

static void symbols_too_big(SymRead *r, const char *fmt, ...)
  G_GNUC_PRINTF(2, 3);

static void
symbols_too_big(SymRead *r, const char *fmt, ...)
{
  va_list ap;

  r->stop = TRUE;
  if (r->why->len > 0)
    g_string_append(r->why, "; ");
  va_start(ap, fmt);
  g_string_append_vprintf(r->why, fmt, ap);
  va_end(ap);
}

static int
func_compare(gconstpointer a, gconstpointer b)
{
  const SymFunc *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

static int
line_compare(gconstpointer a, gconstpointer b)
{
  const SymLine *x = a, *y = b;
  gboolean xend = x->file == SYMBOLS_END_FILE;
  gboolean yend = y->file == SYMBOLS_END_FILE;

  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  /* A sequence that ends where another begins: the beginning wins. */
  if (xend != yend)
    return (int)yend - (int)xend;
  /* Sequences that overlap (a hostile file's): one order, whatever
   * qsort does. */
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->file < y->file ? -1 : x->file > y->file;
}

/* The bytes of @sh inside the file; FALSE when they are not all there
 * (or the section has none in the file). */
static gboolean
symbols_raw(const SymRead *r, const GElf_Shdr *sh, SymBytes *out)
{
  if (sh->sh_type == SHT_NOBITS || sh->sh_offset > r->file_size ||
      sh->sh_size > r->file_size - sh->sh_offset)
    return FALSE;
  out->data = r->file + sh->sh_offset;
  out->size = (gsize)sh->sh_size;
  return TRUE;
}

/* Whether @sh is named @s in the section-name table @names (comparing
 * strlen(@s) + 1 bytes, however long the table's string runs). */
static gboolean
symbols_name_is(const SymBytes *names, const GElf_Shdr *sh, const char *s)
{
  gsize len = strlen(s);

  return names->data != NULL && sh->sh_name < names->size &&
         names->size - sh->sh_name > len &&
         memcmp(names->data + sh->sh_name, s, len + 1) == 0;
}

/* Inflates the zlib stream @in (@in_size bytes) into a new buffer of
 * exactly @size bytes: NULL when the stream does not fill it exactly.
 * Its time is bounded by @in_size and @size, whatever the stream. */
static guint8 *
symbols_inflate(const guint8 *in, gsize in_size, gsize size)
{
  g_autofree guint8 *out = g_malloc(size);
  z_stream z = {0};
  int res;

  if (in_size > UINT_MAX || size > UINT_MAX || inflateInit(&z) != Z_OK)
    return NULL;
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)in_size;
  z.next_out = out;
  z.avail_out = (uInt)size;
  /* One call with all of the input and room for exactly @size bytes:
   * Z_FINISH either ends the stream in that room or fails. */
  res = inflate(&z, Z_FINISH);
  inflateEnd(&z);
  if (res != Z_STREAM_END || z.total_out != size)
    return NULL;
  return g_steal_pointer(&out);
}

/* The first section named .@name or, compressed the GNU way, .z@name
 * (as a DWARF reader takes it: not in a group, not NOBITS), inflated:
 * its declared size is checked against what is left of the limit first.
 * FALSE when there is none, it cannot be read, or it is too big (then
 * said in r->why). */
static gboolean
symbols_debug_section(SymRead *r, const char *name, SymBytes *out)
{
  g_autofree char *plain = g_strconcat(".", name, NULL);
  g_autofree char *gnu = g_strconcat(".z", name, NULL);
  SymBytes names = {0};
  Elf_Scn *scn = NULL;
  size_t shstrndx;
  GElf_Shdr sh;

  if (elf_getshdrstrndx(r->elf, &shstrndx) != 0 ||
      (scn = elf_getscn(r->elf, shstrndx)) == NULL ||
      gelf_getshdr(scn, &sh) == NULL || (sh.sh_flags & SHF_COMPRESSED) ||
      !symbols_raw(r, &sh, &names))
    return FALSE;
  scn = NULL;
  while ((scn = elf_nextscn(r->elf, scn)) != NULL) {
    gboolean is_gnu;
    guint64 size;
    gsize header;
    SymBytes raw;

    if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS ||
        (sh.sh_flags & SHF_GROUP))
      continue;
    is_gnu = symbols_name_is(&names, &sh, gnu);
    if (!is_gnu && !symbols_name_is(&names, &sh, plain))
      continue;
    if (!symbols_raw(r, &sh, &raw))
      return FALSE;
    if (!is_gnu && !(sh.sh_flags & SHF_COMPRESSED)) {
      *out = raw;
      return TRUE;
    }
    /* The size it inflates to, as declared: Elf64_Chdr.ch_size, or the
     * big-endian 64-bit number after "ZLIB" (.zdebug_*). */
    if (is_gnu) {
      if (raw.size < 12 || memcmp(raw.data, "ZLIB", 4) != 0)
        return FALSE;
      size = 0;
      for (guint i = 4; i < 12; i++)
        size = size << 8 | raw.data[i];
      header = 12;
    } else {
      Elf64_Chdr ch;
      if (raw.size < sizeof ch)
        return FALSE;
      memcpy(&ch, raw.data, sizeof ch);
      if (ch.ch_type != ELFCOMPRESS_ZLIB)
        return FALSE;
      size = ch.ch_size;
      header = sizeof ch;
    }
    if (size == 0)
      return FALSE;
    if (size > MH_SYMBOLS_INFLATE_MAX - r->inflated) {
      symbols_too_big(r,
                      "%s inflates to %" G_GUINT64_FORMAT " bytes, more "
                      "than %u (compressed sections, in total): diagnoses "
                      "name no source lines",
                      is_gnu ? gnu : plain, size, MH_SYMBOLS_INFLATE_MAX);
      return FALSE;
    }
    r->inflated += size;
    out->size = (gsize)size;
    out->data = symbols_inflate(raw.data + header, raw.size - header,
                                out->size);
    if (out->data == NULL)
      return FALSE;
    g_ptr_array_add(r->owned, (gpointer)out->data);
    return TRUE;
  }
  return FALSE;
}

/* A name for the tables: at most SYMBOLS_NAME_MAX bytes of @name (@len
 * long), against the names budget.  NULL past it. */
static const char *
symbols_keep_name(MhSymbols *s, SymRead *r, const char *name, gsize len)
{
  len = MIN(len, (gsize)SYMBOLS_NAME_MAX);
  if (len + 1 > MH_SYMBOLS_NAMES_MAX - r->names)
    return NULL;
  r->names += len + 1;
  return g_string_chunk_insert_len(s->strings, name, (gssize)len);
}

/* Code symbols: functions, and labels in executable sections (assembly
 * guests rarely say .type).  Section and file symbols, local labels
 * (.L*) and linker-script markers outside code are left out.  Read from
 * the file's bytes: the string table is neither inflated nor scanned
 * past SYMBOLS_NAME_MAX bytes a name. */
/* Whether @sym, in a table whose names are @strs, names code: a
 * function (or an untyped label) in an executable section, with a name
 * that ends in the table and is not a local label.  Its name (*@name,
 * *@len) and its range and kind in @f (the name is kept by the caller). */
static gboolean
symbols_code_symbol(SymRead *r, const Elf64_Sym *sym, const SymBytes *strs,
                    SymFunc *f, const char **name, gsize *len)
{
  guint type = ELF64_ST_TYPE(sym->st_info);
  GElf_Shdr in;
  Elf_Scn *owner;

  if ((type != STT_FUNC && type != STT_NOTYPE) || sym->st_shndx == SHN_UNDEF ||
      sym->st_shndx >= SHN_LORESERVE || sym->st_name == 0 ||
      sym->st_name >= strs->size)
    return FALSE;
  owner = elf_getscn(r->elf, sym->st_shndx);
  if (owner == NULL || gelf_getshdr(owner, &in) == NULL ||
      !(in.sh_flags & SHF_EXECINSTR) || in.sh_addr + in.sh_size < in.sh_addr)
    return FALSE;
  *name = (const char *)strs->data + sym->st_name;
  *len = strnlen(*name,
                 MIN(strs->size - sym->st_name, (gsize)SYMBOLS_NAME_MAX + 1));
  /* A name must end inside its table (it may be cut when kept). */
  if (*len == strs->size - sym->st_name || *len == 0 ||
      g_str_has_prefix(*name, ".L"))
    return FALSE;
  f->start = sym->st_value;
  if (sym->st_size > 0 && sym->st_value + sym->st_size > sym->st_value)
    f->end = sym->st_value + sym->st_size;
  else
    f->end = in.sh_addr + in.sh_size;
  f->func = type == STT_FUNC;
  return f->end > f->start;
}

static void
symbols_read_symtab(MhSymbols *s, SymRead *r)
{
  Elf_Scn *scn = NULL;
  guint64 total = 0;

  while ((scn = elf_nextscn(r->elf, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) != NULL && sh.sh_type == SHT_SYMTAB)
      total += sh.sh_size / sizeof(Elf64_Sym);
  }
  if (total > MH_SYMBOLS_FUNCS_MAX) {
    symbols_too_big(r,
                    "symbol table of %" G_GUINT64_FORMAT " entries, more "
                    "than %u: diagnoses name no functions",
                    total, MH_SYMBOLS_FUNCS_MAX);
    return;
  }
  g_array_set_size(s->funcs, 0);
  r->names = 0;
  while ((scn = elf_nextscn(r->elf, scn)) != NULL) {
    GElf_Shdr sh, strsh;
    Elf_Scn *strscn;
    SymBytes syms, strs;

    if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB ||
        sh.sh_entsize != sizeof(Elf64_Sym) || (sh.sh_flags & SHF_COMPRESSED) ||
        !symbols_raw(r, &sh, &syms) ||
        (strscn = elf_getscn(r->elf, sh.sh_link)) == NULL ||
        gelf_getshdr(strscn, &strsh) == NULL || strsh.sh_type != SHT_STRTAB ||
        (strsh.sh_flags & SHF_COMPRESSED) || !symbols_raw(r, &strsh, &strs))
      continue;
    for (gsize i = 0; i < syms.size / sizeof(Elf64_Sym); i++) {
      Elf64_Sym sym;
      const char *name;
      gsize len;
      SymFunc f;

      memcpy(&sym, syms.data + i * sizeof sym, sizeof sym);
      if (!symbols_code_symbol(r, &sym, &strs, &f, &name, &len))
        continue;
      /* A hostile file's names are as long as it likes: a diagnosis
       * stays one readable line. */
      f.name = symbols_keep_name(s, r, name, len);
      if (f.name == NULL) {
        /* The names budget alone: all of them, or none. */
        symbols_too_big(r,
                        "function names of more than %u bytes: diagnoses "
                        "name no functions",
                        MH_SYMBOLS_NAMES_MAX);
        g_array_set_size(s->funcs, 0);
        return;
      }
      g_array_append_val(s->funcs, f);
    }
  }
  g_array_sort(s->funcs, func_compare);
}

/* A bounded little-endian reader over one line table's bytes: reading
 * past the end sets @bad and yields zeroes. */
typedef struct {
  const guint8 *p;
  const guint8 *end;
  gboolean bad;
} SymReader;

static guint64
rd_u(SymReader *d, guint n)
{
  guint64 v = 0;

  if (d->bad || n > 8 || (gsize)(d->end - d->p) < n) {
    d->bad = TRUE;
    return 0;
  }
  for (guint i = 0; i < n; i++)
    v |= (guint64)d->p[i] << (8 * i);
  d->p += n;
  return v;
}

static guint64
rd_uleb(SymReader *d)
{
  guint64 v = 0;
  guint shift = 0;

  for (;;) {
    guint8 b = (guint8)rd_u(d, 1);
    if (d->bad)
      return 0;
    if (shift < 64)
      v |= (guint64)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80))
      return v;
  }
}

static gint64
rd_sleb(SymReader *d)
{
  guint64 v = 0;
  guint shift = 0;
  guint8 b;

  do {
    b = (guint8)rd_u(d, 1);
    if (d->bad)
      return 0;
    if (shift < 64)
      v |= (guint64)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40))
    v |= ~(guint64)0 << shift;
  return (gint64)v;
}

static void
rd_skip(SymReader *d, guint64 n)
{
  if (d->bad || (guint64)(d->end - d->p) < n)
    d->bad = TRUE;
  else
    d->p += n;
}

/* An inline string: its length, the reader past its NUL. */
static const char *
rd_str(SymReader *d, gsize *len)
{
  const guint8 *nul;

  if (d->bad || (nul = memchr(d->p, 0, (gsize)(d->end - d->p))) == NULL) {
    d->bad = TRUE;
    return NULL;
  }
  *len = (gsize)(nul - d->p);
  d->p = nul + 1;
  return (const char *)nul - *len;
}

/* One line table's context: its header's fields and its strings. */
typedef struct {
  guint version;
  guint offset_size;  /* 4, or 8 for 64-bit DWARF             */
  SymBytes line_str;  /* .debug_line_str, for DW_FORM_line_strp */
  SymBytes str;       /* .debug_str, for DW_FORM_strp          */
  guint32 first_file; /* its file 0 (DWARF 5) or 1 in s->files  */
  guint32 n_files;
  guint seq_start; /* the current sequence's first row       */
} SymTable;

/* Registers a file of the current table by its path (@len bytes, or
 * NULL: unknown): its base name.  FALSE past the limits. */
static gboolean
symbols_add_file(MhSymbols *s, SymRead *r, SymTable *t, const char *path,
                 gsize len)
{
  const char *name = "?";
  const char *slash;

  if (s->files->len >= MH_SYMBOLS_FILES_MAX + 1) {
    symbols_too_big(r,
                    "line tables naming more than %u files: diagnoses "
                    "name no source lines",
                    MH_SYMBOLS_FILES_MAX);
    return FALSE;
  }
  if (path != NULL && len > 0 && len <= SYMBOLS_PATH_MAX) {
    slash = memrchr(path, '/', len);
    if (slash != NULL) {
      len -= (gsize)(slash + 1 - path);
      path = slash + 1;
    }
    if (len > 0 && (name = symbols_keep_name(s, r, path, len)) == NULL) {
      symbols_too_big(r,
                      "line-table file names of more than %u bytes: "
                      "diagnoses name no source lines",
                      MH_SYMBOLS_NAMES_MAX);
      return FALSE;
    }
    if (len == 0)
      name = "?";
  }
  g_ptr_array_add(s->files, (gpointer)name);
  t->n_files++;
  return TRUE;
}

/* A string in @sec at @off: its length (at most SYMBOLS_PATH_MAX + 1
 * looked at), or NULL. */
static const char *
symbols_str_at(const SymBytes *sec, guint64 off, gsize *len)
{
  gsize n;

  if (sec->data == NULL || off >= sec->size)
    return NULL;
  n = strnlen((const char *)sec->data + off,
              MIN(sec->size - off, (gsize)SYMBOLS_PATH_MAX + 1));
  if (n == sec->size - off)
    return NULL;
  *len = n;
  return (const char *)sec->data + off;
}

/* One attribute of a DWARF 5 directory or file entry, of @form: a path
 * when it is a string the reader can find, else skipped.  FALSE on a
 * form a line table may not hold. */
static gboolean
rd_form(SymReader *d, const SymTable *t, guint64 form, const char **path,
        gsize *len)
{
  *path = NULL;
  switch (form) {
  case FORM_STRING: *path = rd_str(d, len); break;
  case FORM_LINE_STRP:
    *path = symbols_str_at(&t->line_str, rd_u(d, t->offset_size), len);
    break;
  case FORM_STRP:
    *path = symbols_str_at(&t->str, rd_u(d, t->offset_size), len);
    break;
  /* The string-offsets table belongs to a compilation unit, which this
   * reader does not open: a name it does not know. */
  case FORM_STRX:
  case FORM_UDATA: (void)rd_uleb(d); break;
  case FORM_SDATA: (void)rd_sleb(d); break;
  case FORM_STRX1:
  case FORM_DATA1: rd_skip(d, 1); break;
  case FORM_STRX2:
  case FORM_DATA2: rd_skip(d, 2); break;
  case FORM_STRX3: rd_skip(d, 3); break;
  case FORM_STRX4:
  case FORM_DATA4: rd_skip(d, 4); break;
  case FORM_DATA8: rd_skip(d, 8); break;
  case FORM_DATA16: rd_skip(d, 16); break;
  case FORM_BLOCK1: rd_skip(d, rd_u(d, 1)); break;
  case FORM_BLOCK: rd_skip(d, rd_uleb(d)); break;
  default: return FALSE;
  }
  return !d->bad;
}

/* DWARF 5 directory or file entries (6.2.4.1): formats, count, entries.
 * Files are registered; directories only read past.  Each entry takes at
 * least a byte (every form above does), so a count larger than the
 * header stops at its end. */
static gboolean
symbols_v5_entries(MhSymbols *s, SymRead *r, SymReader *d, SymTable *t,
                   gboolean files)
{
  guint64 fmt[255][2];
  guint n_fmt = (guint)rd_u(d, 1);
  guint64 count;

  for (guint i = 0; i < n_fmt; i++) {
    fmt[i][0] = rd_uleb(d);
    fmt[i][1] = rd_uleb(d);
  }
  count = rd_uleb(d);
  if (d->bad)
    return FALSE;
  /* No formats: entries without a byte, and without a name. */
  if (n_fmt == 0)
    return TRUE;
  for (guint64 e = 0; e < count; e++) {
    const char *name = NULL;
    gsize name_len = 0;

    for (guint i = 0; i < n_fmt; i++) {
      const char *path;
      gsize len = 0;

      if (!rd_form(d, t, fmt[i][1], &path, &len))
        return FALSE;
      if (fmt[i][0] == LNCT_PATH && path != NULL) {
        name = path;
        name_len = len;
      }
    }
    if (files && !symbols_add_file(s, r, t, name, name_len))
      return FALSE;
  }
  return TRUE;
}

/* Appends a row, against the limit.  A row at the address of the one
 * before it in its sequence replaces it: that one covers no byte (and an
 * end of sequence there ends the line, as libdw and addr2line read it). */
static gboolean
symbols_add_row(MhSymbols *s, SymRead *r, SymTable *t, guint64 addr,
                gint64 line, guint64 file, gboolean end)
{
  SymLine row = {.addr = addr};
  SymLine *last = s->lines->len > t->seq_start
                    ? &g_array_index(s->lines, SymLine, s->lines->len - 1)
                    : NULL;

  if (last != NULL && last->addr == addr)
    g_array_set_size(s->lines, s->lines->len - 1);
  else if (s->lines->len >= MH_SYMBOLS_ROWS_MAX) {
    symbols_too_big(r,
                    "line tables of more than %u rows: diagnoses name "
                    "no source lines",
                    MH_SYMBOLS_ROWS_MAX);
    return FALSE;
  }
  /* DWARF 5 numbers files from 0, earlier versions from 1. */
  if (t->version < 5)
    file--;
  row.line = line > 0 && line <= G_MAXINT32 ? (guint32)line : 0;
  row.file = end                 ? SYMBOLS_END_FILE
             : file < t->n_files ? t->first_file + (guint32)file
                                 : 0;
  g_array_append_val(s->lines, row);
  if (end)
    t->seq_start = s->lines->len;
  return TRUE;
}

/* One line table (6.2.4, 6.2.5), @d over its bytes after the unit
 * length.  FALSE when a limit is passed; a malformed table ends where
 * it stops making sense, its rows so far kept. */
/* A line table's header (DWARF 5, 6.2.4), as the program needs it. */
typedef struct {
  guint min_inst, max_ops, line_range, opcode_base;
  gint line_base;
  guint8 std_len[256];
  const guint8 *program;
} SymLineHeader;

/* Reads the header up to its directory and file tables; FALSE for a
 * version or field this reader does not take (the table is skipped). */
static gboolean
symbols_line_header(SymReader *d, SymTable *t, SymLineHeader *h)
{
  guint64 header_len;

  memset(h, 0, sizeof *h);
  t->version = (guint)rd_u(d, 2);
  if (d->bad || t->version < 2 || t->version > 5)
    return FALSE;
  if (t->version >= 5)
    rd_skip(d, 2); /* address_size, segment_selector_size */
  header_len = rd_u(d, t->offset_size);
  if (d->bad || header_len > (guint64)(d->end - d->p))
    return FALSE;
  h->program = d->p + header_len;
  h->min_inst = (guint)rd_u(d, 1);
  h->max_ops = t->version >= 4 ? (guint)rd_u(d, 1) : 1;
  rd_skip(d, 1); /* default_is_stmt: every row is kept */
  h->line_base = (gint8)rd_u(d, 1);
  h->line_range = (guint)rd_u(d, 1);
  h->opcode_base = (guint)rd_u(d, 1);
  if (d->bad || h->max_ops == 0 || h->line_range == 0 || h->opcode_base == 0)
    return FALSE;
  for (guint i = 1; i < h->opcode_base; i++)
    h->std_len[i] = (guint8)rd_u(d, 1);
  return TRUE;
}

/* DWARF 2-4: the include directories (read past) and the file names;
 * FALSE once a limit stops the reading. */
static gboolean
symbols_v4_files(MhSymbols *s, SymRead *r, SymReader *d, SymTable *t)
{
  gsize len;
  const char *name;

  do
    name = rd_str(d, &len);
  while (!d->bad && len > 0);
  for (;;) {
    name = rd_str(d, &len);
    if (d->bad || len == 0)
      return TRUE;
    (void)rd_uleb(d); /* directory, time, length */
    (void)rd_uleb(d);
    (void)rd_uleb(d);
    if (!symbols_add_file(s, r, t, name, len))
      return FALSE;
  }
}

/* The line number program (6.2.5): its rows into @s; FALSE once a limit
 * stops the reading, TRUE at its end or at the first bad byte. */
static gboolean
symbols_line_program(MhSymbols *s, SymRead *r, SymReader *d, SymTable *t,
                     const SymLineHeader *h)
{
  guint64 addr = 0, op_index = 0, file = 1;
  gint64 line = 1;

  d->p = h->program;
  while (d->p < d->end) {
    guint op = (guint)rd_u(d, 1);
    guint64 advance = 0;

    if (op >= h->opcode_base) {
      guint adj = op - h->opcode_base;
      advance = adj / h->line_range;
      line += h->line_base + (gint)(adj % h->line_range);
    } else if (op == 0) {
      guint64 len = rd_uleb(d);
      const guint8 *next;
      guint sub;

      if (d->bad || len == 0 || len > (guint64)(d->end - d->p))
        break;
      next = d->p + len;
      sub = (guint)rd_u(d, 1);
      if (sub == LNE_END_SEQUENCE) {
        if (!symbols_add_row(s, r, t, addr, line, file, TRUE))
          return FALSE;
        addr = op_index = 0;
        file = line = 1;
      } else if (sub == LNE_SET_ADDRESS) {
        addr = rd_u(d, (guint)MIN(len - 1, (guint64)8));
        op_index = 0;
      } else if (sub == LNE_DEFINE_FILE && t->version < 5) {
        gsize flen;
        const char *name = rd_str(d, &flen);
        if (!d->bad && !symbols_add_file(s, r, t, name, flen))
          return FALSE;
      }
      d->p = next;
      d->bad = FALSE;
      continue;
    } else {
      switch (op) {
      case LNS_COPY: break;
      case LNS_ADVANCE_PC: advance = rd_uleb(d); break;
      case LNS_ADVANCE_LINE: line += rd_sleb(d); break;
      case LNS_SET_FILE: file = rd_uleb(d); break;
      case LNS_CONST_ADD_PC:
        advance = (255 - h->opcode_base) / h->line_range;
        break;
      case LNS_FIXED_ADVANCE_PC:
        addr += rd_u(d, 2);
        op_index = 0;
        break;
      default:
        /* Known or not, its operands are ULEB128s, as many as the
         * header says (set_column, negate_stmt, set_isa, ...). */
        for (guint i = 0; i < h->std_len[op]; i++)
          (void)rd_uleb(d);
      }
      if (d->bad)
        break;
    }
    /* 6.2.5.1: the address and op_index advance together (VLIW). */
    if (h->max_ops == 1) {
      addr += h->min_inst * advance;
    } else {
      addr += h->min_inst * ((op_index + advance) / h->max_ops);
      op_index = (op_index + advance) % h->max_ops;
    }
    if ((op >= h->opcode_base || op == LNS_COPY) &&
        !symbols_add_row(s, r, t, addr, line, file, FALSE))
      return FALSE;
  }
  return TRUE;
}

static gboolean
symbols_read_table(MhSymbols *s, SymRead *r, SymReader *d, SymTable *t)
{
  SymLineHeader h;

  if (!symbols_line_header(d, t, &h))
    return TRUE;
  t->first_file = s->files->len;
  t->n_files = 0;
  t->seq_start = s->lines->len;
  if (t->version >= 5) {
    if (!symbols_v5_entries(s, r, d, t, FALSE) ||
        !symbols_v5_entries(s, r, d, t, TRUE))
      return !r->stop;
  } else if (!symbols_v4_files(s, r, d, t)) {
    return FALSE;
  }
  if (d->bad || d->p > h.program)
    return TRUE;
  return symbols_line_program(s, r, d, t, &h);
}

/* Every line table of .debug_line, one after the other (as DWARF 5's
 * own tables are meant to be read, without the compilation units), with
 * the rows of all in one table.  FALSE when a limit is passed. */
static gboolean
symbols_read_lines(MhSymbols *s, SymRead *r)
{
  SymBytes line;
  SymTable t = {0};
  gsize off = 0;

  r->stop = FALSE;
  if (!symbols_debug_section(r, "debug_line", &line) ||
      (!symbols_debug_section(r, "debug_line_str", &t.line_str) && r->stop) ||
      (!symbols_debug_section(r, "debug_str", &t.str) && r->stop))
    return !r->stop;
  /* A row takes at least a byte: the rows' room, once. */
  g_array_set_size(s->lines, MIN(line.size, (gsize)MH_SYMBOLS_ROWS_MAX));
  g_array_set_size(s->lines, 0);
  r->names = 0;
  while (line.size - off >= 4) {
    SymReader d = {.p = line.data + off, .end = line.data + line.size};
    guint64 unit = rd_u(&d, 4);

    t.offset_size = 4;
    if (unit == 0xffffffffu) {
      unit = rd_u(&d, 8);
      t.offset_size = 8;
    } else if (unit >= 0xfffffff0u) {
      break; /* reserved (7.4) */
    }
    if (d.bad || unit > (guint64)(d.end - d.p))
      break;
    d.end = d.p + unit;
    off = (gsize)(d.end - line.data);
    if (!symbols_read_table(s, r, &d, &t))
      return FALSE;
  }
  g_array_sort(s->lines, line_compare);
  return TRUE;
}

MhSymbols *
mh_symbols_new(Elf *elf, char **warning)
{
  MhSymbols *s = g_new0(MhSymbols, 1);
  SymRead r = {.elf = elf,
               .why = g_string_new(NULL),
               .owned = g_ptr_array_new_with_free_func(g_free)};
  size_t size;

  r.file = (const guint8 *)elf_rawfile(elf, &size);
  r.file_size = r.file != NULL ? size : 0;
  s->funcs = g_array_new(FALSE, FALSE, sizeof(SymFunc));
  s->lines = g_array_new(FALSE, FALSE, sizeof(SymLine));
  s->files = g_ptr_array_new();
  s->strings = g_string_chunk_new(4096);
  g_ptr_array_add(s->files, (gpointer) "?");
  if (r.file != NULL) {
    symbols_read_symtab(s, &r);
    if (!symbols_read_lines(s, &r) || s->lines->len == 0) {
      /* Left out whole: the rows' room back. */
      g_array_unref(s->lines);
      s->lines = g_array_new(FALSE, FALSE, sizeof(SymLine));
      g_ptr_array_set_size(s->files, 1);
    }
  }
  g_ptr_array_unref(r.owned);
  if (warning != NULL)
    *warning = r.why->len > 0 ? g_string_free(g_steal_pointer(&r.why), FALSE)
                              : NULL;
  if (r.why != NULL)
    g_string_free(r.why, TRUE);
  if (s->funcs->len == 0 && s->lines->len == 0) {
    mh_symbols_free(s);
    return NULL;
  }
  return s;
}

void
mh_symbols_free(MhSymbols *s)
{
  if (s == NULL)
    return;
  g_array_unref(s->funcs);
  g_array_unref(s->lines);
  g_ptr_array_unref(s->files);
  g_string_chunk_free(s->strings);
  g_free(s);
}

/* How well @f names its address, among symbols at the same one: a
 * function before a label, and a name with fewer leading underscores
 * (_start before the linker script's __mh_image_start). */
static guint
symbols_rank(const SymFunc *f)
{
  guint underscores = 0;

  while (f->name[underscores] == '_')
    underscores++;
  return (f->func ? 0x100u : 0u) + (0xffu - MIN(underscores, 0xffu));
}

/* The innermost code symbol covering @addr: the latest start, then the
 * best name (symbols_rank()). */
static const SymFunc *
symbols_func_at(const MhSymbols *s, guint64 addr)
{
  const SymFunc *best = NULL;

  for (guint i = 0; i < s->funcs->len; i++) {
    const SymFunc *f = &g_array_index(s->funcs, SymFunc, i);
    if (f->start > addr)
      break;
    if (addr < f->end &&
        (best == NULL || f->start > best->start ||
         (f->start == best->start && symbols_rank(f) > symbols_rank(best))))
      best = f;
  }
  return best;
}

static const SymLine *
symbols_line_at(const MhSymbols *s, guint64 addr)
{
  const SymLine *best = NULL;

  for (guint i = 0; i < s->lines->len; i++) {
    const SymLine *l = &g_array_index(s->lines, SymLine, i);
    if (l->addr > addr)
      break;
    best = l;
  }
  return best != NULL && best->file != SYMBOLS_END_FILE && best->line > 0
           ? best
           : NULL;
}

/* "func+0xoff, file:line" with the function of @addr and the line of
 * @line_addr. */
static char *
symbols_describe(const MhSymbols *s, guint64 addr, guint64 line_addr)
{
  const SymFunc *f;
  const SymLine *l;
  GString *out;

  if (s == NULL)
    return NULL;
  f = symbols_func_at(s, addr);
  l = symbols_line_at(s, line_addr);
  if (f == NULL && l == NULL)
    return NULL;
  out = g_string_new(NULL);
  if (f != NULL) {
    /* Names come from the guest's file: escaped like any guest text. */
    g_autofree char *name = mh_text_escape(f->name);
    g_string_append(out, name);
    if (addr != f->start)
      g_string_append_printf(out, "+0x%" G_GINT64_MODIFIER "x",
                             addr - f->start);
  }
  if (l != NULL) {
    g_autofree char *file = mh_text_escape(s->files->pdata[l->file]);
    g_string_append_printf(out, "%s%s:%u", f != NULL ? ", " : "", file,
                           l->line);
  }
  return g_string_free(out, FALSE);
}

char *
mh_symbols_describe(const MhSymbols *s, guint64 addr)
{
  return symbols_describe(s, addr, addr);
}

char *
mh_symbols_describe_return(const MhSymbols *s, guint64 ret)
{
  /* The call is the instruction before @ret: its line is the one the
   * reader wants, as in a debugger's backtrace. */
  return ret > 0 ? symbols_describe(s, ret, ret - 1) : NULL;
}

char *
mh_symbols_format(const MhSymbols *s, const char *what, guint64 addr)
{
  g_autofree char *where = mh_symbols_describe(s, addr);

  if (where == NULL)
    return g_strdup_printf("%s 0x%" G_GINT64_MODIFIER "x", what, addr);
  return g_strdup_printf("%s 0x%" G_GINT64_MODIFIER "x (%s)", what, addr,
                         where);
}

guint
mh_symbols_n_functions(const MhSymbols *s)
{
  return s != NULL ? s->funcs->len : 0;
}

guint
mh_symbols_n_lines(const MhSymbols *s)
{
  return s != NULL ? s->lines->len : 0;
}
