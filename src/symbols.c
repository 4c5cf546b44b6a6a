/* SPDX-License-Identifier: MIT */
/* symbols.c - function names (ELF .symtab) and source lines (DWARF line
 * tables) of an ELF guest, read once into sorted tables. */
#include "config.h"

#include "symbols.h"

#include <elfutils/libdw.h>
#include <gelf.h>
#include <string.h>

#include "text.h"

#define SYMBOLS_NAME_MAX 200 /* bytes of a name or file name kept */

typedef struct {
  guint64     start;
  guint64     end;   /* past the last byte: st_size, or the section's end
                        for an unsized label (an assembly function)   */
  const char *name;  /* in the string chunk                           */
  gboolean    func;  /* STT_FUNC: preferred to a label at one address */
} SymFunc;

typedef struct {
  guint64     addr;
  const char *file;  /* base name, in the string chunk                */
  guint       line;
  gboolean    end;   /* end of a sequence: no line from here on       */
} SymLine;

struct MhSymbols {
  GArray       *funcs; /* SymFunc, sorted by start                    */
  GArray       *lines; /* SymLine, sorted by address, ends first      */
  GStringChunk *strings;
};

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

  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  /* A sequence that ends where another begins: the beginning wins. */
  return (int)y->end - (int)x->end;
}

/* Code symbols: functions, and labels in executable sections (assembly
 * guests rarely say .type).  Section and file symbols, local labels
 * (.L*) and linker-script markers outside code are left out. */
static void
symbols_read_symtab(MhSymbols *s, Elf *elf)
{
  Elf_Scn *scn = NULL;

  while ((scn = elf_nextscn(elf, scn)) != NULL) {
    GElf_Shdr sh;
    Elf_Data *data;
    size_t n;

    if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB ||
        sh.sh_entsize == 0 || (data = elf_getdata(scn, NULL)) == NULL)
      continue;
    n = data->d_size / sh.sh_entsize;
    for (size_t i = 0; i < n; i++) {
      GElf_Sym sym;
      GElf_Shdr in;
      Elf_Scn *owner;
      const char *name;
      guint type;
      SymFunc f;

      if (gelf_getsym(data, (int)i, &sym) == NULL)
        break;
      type = GELF_ST_TYPE(sym.st_info);
      if ((type != STT_FUNC && type != STT_NOTYPE) ||
          sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
        continue;
      owner = elf_getscn(elf, sym.st_shndx);
      if (owner == NULL || gelf_getshdr(owner, &in) == NULL ||
          !(in.sh_flags & SHF_EXECINSTR) || in.sh_addr + in.sh_size < in.sh_addr)
        continue;
      name = elf_strptr(elf, sh.sh_link, sym.st_name);
      if (name == NULL || name[0] == '\0' || g_str_has_prefix(name, ".L"))
        continue;
      f.start = sym.st_value;
      if (sym.st_size > 0 && sym.st_value + sym.st_size > sym.st_value)
        f.end = sym.st_value + sym.st_size;
      else
        f.end = in.sh_addr + in.sh_size;
      if (f.end <= f.start)
        continue;
      /* A hostile file's names are as long as it likes: a diagnosis
       * stays one readable line. */
      f.name = g_string_chunk_insert_len(s->strings, name,
                                         (gssize)strnlen(name, SYMBOLS_NAME_MAX));
      f.func = type == STT_FUNC;
      g_array_append_val(s->funcs, f);
    }
  }
  g_array_sort(s->funcs, func_compare);
}

static void
symbols_read_lines(MhSymbols *s, Elf *elf)
{
  Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
  Dwarf_CU *cu = NULL;
  Dwarf_Die cudie;
  guint8 unit_type;
  Dwarf_Half version;

  if (dw == NULL)
    return;
  while (dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, NULL) == 0) {
    Dwarf_Lines *lines;
    size_t n;

    if (dwarf_getsrclines(&cudie, &lines, &n) != 0)
      continue;
    for (size_t i = 0; i < n; i++) {
      Dwarf_Line *l = dwarf_onesrcline(lines, i);
      Dwarf_Addr addr;
      int lineno = 0;
      bool end = false;
      const char *src;
      g_autofree char *base = NULL;
      SymLine row;

      if (l == NULL || dwarf_lineaddr(l, &addr) != 0 ||
          dwarf_lineendsequence(l, &end) != 0)
        continue;
      src = dwarf_linesrc(l, NULL, NULL);
      (void)dwarf_lineno(l, &lineno);
      base = g_path_get_basename(src != NULL ? src : "?");
      if (strlen(base) > SYMBOLS_NAME_MAX)
        base[SYMBOLS_NAME_MAX] = '\0';
      row = (SymLine){
        .addr = addr,
        .file = g_string_chunk_insert_const(s->strings, base),
        .line = lineno > 0 ? (guint)lineno : 0,
        .end = end,
      };
      g_array_append_val(s->lines, row);
    }
  }
  dwarf_end(dw);
  g_array_sort(s->lines, line_compare);
}

MhSymbols *
mh_symbols_new(Elf *elf)
{
  MhSymbols *s = g_new0(MhSymbols, 1);

  s->funcs = g_array_new(FALSE, FALSE, sizeof(SymFunc));
  s->lines = g_array_new(FALSE, FALSE, sizeof(SymLine));
  s->strings = g_string_chunk_new(1024);
  symbols_read_symtab(s, elf);
  symbols_read_lines(s, elf);
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
  return best != NULL && !best->end && best->line > 0 ? best : NULL;
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
    g_autofree char *file = mh_text_escape(l->file);
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
