/* SPDX-License-Identifier: MIT */
/* loader.h - reading and checking guest images (flat binaries). */
#ifndef MH_LOADER_H
#define MH_LOADER_H

#include <glib.h>

typedef struct {
  char   *path; /* as given on the command line */
  guint8 *data; /* the whole image              */
  gsize   size; /* bytes, 1 .. RAM size         */
} MhImage;

/* Reads @path, refusing anything that is not a non-empty regular file of
 * at most @ram_size bytes.  Errors are usage errors naming the file. */
MhImage *mh_image_load(const char *path, guint64 ram_size, GError **error);
void     mh_image_free(MhImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhImage, mh_image_free)

#endif /* MH_LOADER_H */
