/* SPDX-License-Identifier: MIT */
/*
 * symbols.h - names for guest code addresses: the function (from the
 * ELF symbol table, with elfutils' libelf) and the source line (from
 * the DWARF line table, with libdw) of an ELF guest.
 *
 * Everything is read into plain tables when the image is loaded, before
 * any VM thread confines itself: a lookup opens no file, allocates only
 * the returned string and reads only const data, so the VM threads of
 * one image may query the same MhSymbols at once.
 */
#ifndef MH_SYMBOLS_H
#define MH_SYMBOLS_H

#include <glib.h>
#include <libelf.h>

typedef struct MhSymbols MhSymbols;

/* Reads the function symbols and line tables of @elf (an ELF64
 * executable the loader checked).  NULL when it has neither: a stripped
 * file is no error, and neither is debug information libdw cannot read
 * (the diagnoses then name addresses only). */
MhSymbols *mh_symbols_new(Elf *elf);
void       mh_symbols_free(MhSymbols *symbols);

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
