/* SPDX-License-Identifier: MIT */
/* loader.h - reading and checking guest images: flat binaries, loaded at
 * guest-physical 0 and entered there, or ELF64 x86-64 executables, whose
 * PT_LOAD segments go to their physical addresses and which are entered
 * at e_entry (mini_hypervisor-abi(7), "Guest images"). */
#ifndef MH_LOADER_H
#define MH_LOADER_H

#include <glib.h>

#include "symbols.h"

/* What loading one image may take (mini_hypervisor(1), LIMITS): the
 * file is held whole, once, so its size bounds the rest. */
#define MH_IMAGE_ELF_MAX      (16u << 20) /* bytes of an ELF file        */
#define MH_IMAGE_SECTIONS_MAX 4096u       /* ELF section headers         */
#define MH_IMAGE_SEGMENTS_MAX 4096u       /* ELF program headers         */

/* One piece of the image to put in RAM: @filesz bytes of the file from
 * @offset at guest-physical @gpa, then zeroes up to @memsz (.bss; RAM
 * starts zeroed, so nothing needs writing for them). */
typedef struct {
  guint64 gpa;
  gsize offset;
  gsize filesz;
  guint64 memsz; /* >= filesz; gpa + memsz <= RAM size */
} MhImageSegment;

typedef struct {
  char *path;               /* as given on the command line            */
  guint8 *data;             /* the whole file                          */
  gsize size;               /* bytes, 1 .. RAM size for a flat image   */
  gboolean elf;             /* an ELF executable, not a flat binary    */
  guint64 entry;            /* the first RIP: 0, or e_entry            */
  MhImageSegment *segments; /* sorted by address, not overlapping      */
  guint n_segments;
  MhSymbols *symbols; /* function names and lines, or NULL       */
  char *warning;      /* "guest image 'x.elf': ... too big", for
                                 one warning line, or NULL               */
} MhImage;

/* Reads @path and checks it against a RAM of @ram_size bytes: a flat
 * image is any non-empty regular file of at most @ram_size bytes; a file
 * that starts with the ELF magic must be a well-formed ELF64 x86-64
 * executable of at most MH_IMAGE_ELF_MAX bytes, MH_IMAGE_SECTIONS_MAX
 * section and MH_IMAGE_SEGMENTS_MAX program headers, whose segments fit
 * RAM.  Errors are usage errors naming the file and the problem in one
 * line.  Names it could not read within the limits of symbols.h leave
 * image->warning set (the caller says it once). */
MhImage *mh_image_load(const char *path, guint64 ram_size, GError **error);

/* The same for an image already in memory (@data, @size bytes, copied);
 * @path only names it in messages.  For the tests and the fuzzer. */
MhImage *mh_image_load_data(const char *path, const guint8 *data, gsize size,
                            guint64 ram_size, GError **error);

/* Copies @image's segments into @ram (zeroed, @ram_size bytes, which the
 * image was checked against). */
void mh_image_copy_to(const MhImage *image, guint8 *ram, guint64 ram_size);

/* Bytes of RAM the image occupies, .bss included (for --verbose). */
guint64 mh_image_mem_size(const MhImage *image);

void mh_image_free(MhImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhImage, mh_image_free)

#endif /* MH_LOADER_H */
