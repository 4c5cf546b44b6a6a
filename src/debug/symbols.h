/* SPDX-License-Identifier: MIT */
/*
 * symbols.h - names for guest code addresses: the function (from the
 * ELF symbol table) and the source line (from the DWARF line tables,
 * .debug_line) of an ELF guest.
 *
 * Everything is read into plain tables when the image is loaded, before
 * any VM thread confines itself: a lookup opens no file, allocates only
 * the returned string and reads only const data, so the VM threads of
 * one image may query the same MhSymbols at once.
 *
 * The file is hostile: what it makes the reader hold and do is bounded
 * (the limits below, stated in mini_hypervisor(1), LIMITS), whatever its
 * sections claim.  A table beyond a limit is left out whole, and said so
 * once; the guest runs all the same.
 */
#ifndef MH_SYMBOLS_H
#define MH_SYMBOLS_H

#include <glib.h>
#include <libelf.h>

/* Symbol-table entries read, in all SHT_SYMTAB sections together. */
#define MH_SYMBOLS_FUNCS_MAX 65536u
/* Bytes of function names kept (each cut at 200), and of file names. */
#define MH_SYMBOLS_NAMES_MAX (1u << 20)
/* Bytes the compressed sections read (.debug_line, .debug_line_str,
 * .debug_str) may inflate to, together. */
#define MH_SYMBOLS_INFLATE_MAX (4u << 20)
/* Line-table rows kept, and file entries of the line tables. */
#define MH_SYMBOLS_ROWS_MAX  524288u
#define MH_SYMBOLS_FILES_MAX 65536u

typedef struct MhSymbols MhSymbols;

/* Reads the function symbols and line tables of @elf (an ELF64
 * executable the loader checked, in memory).  NULL when it has neither:
 * a stripped file is no error, and neither is a table that cannot be
 * read (the diagnoses then name addresses only).  A table beyond the
 * limits above is left out, and *@warning (when not NULL) set to what
 * was too big, for one warning ("symbol table of 1048575 entries, more
 * than 65536: diagnoses name no functions"); else it is left NULL. */
MhSymbols *mh_symbols_new(Elf *elf, char **warning);
void mh_symbols_free(MhSymbols *symbols);

/* "fill_buffer+0x23, memtest.c:41", "fill_buffer+0x23", "memtest.c:41",
 * or NULL when nothing is known about @addr (or @symbols is NULL). */
char *mh_symbols_describe(const MhSymbols *symbols, guint64 addr);

/* The same for a return address @ret: the function and offset of @ret,
 * the line of the call before it. */
char *mh_symbols_describe_return(const MhSymbols *symbols, guint64 ret);

/* The one way a diagnosis names a guest code address: "RIP 0x1f3" and,
 * when known, " (fill_buffer+0x23, memtest.c:41)".  @what is the
 * register's or the address's name ("RIP"); @symbols may be NULL. */
char *mh_symbols_format(const MhSymbols *symbols, const char *what,
                        guint64 addr);

/* Numbers of functions and line-table rows read (for --verbose). */
guint mh_symbols_n_functions(const MhSymbols *symbols);
guint mh_symbols_n_lines(const MhSymbols *symbols);

#endif /* MH_SYMBOLS_H */
