/* SPDX-License-Identifier: MIT */
/*
 * quota_flood.c - writes until the hypervisor refuses, and keeps going.
 *
 *   creates flood.bin and writes 5000-byte chunks until a write fails:
 *     "quota_flood: writes=W total=T error=E"
 *   50 more 5000-byte writes, counting those that fail the same way:
 *     "quota_flood: refused=50 of 50"
 *   fills what is left with ever smaller writes (4096, 2048, ... 1
 *   bytes, each while it succeeds): "quota_flood: filled=F"
 *   one more byte: "quota_flood: one_more=E"
 *   a second file, other.bin: "quota_flood: other_open=1",
 *     "quota_flood: other_write=E" (the quota is the VM's, not a file's)
 *   overwriting byte 0 of flood.bin: "quota_flood: overwrite=E" (every
 *     byte written counts, not the file's size)
 *   "quota_flood: done"
 * With --quota 65536: writes=13 total=65000 error=-6, filled=65536, and
 * -6 for every later write.
 */
#include "hostile_c.h"

#define P "quota_flood: "
#define CHUNK 5000

static char chunk[CHUNK];

int
main(void)
{
  long          fd, other, r = 0, err;
  unsigned long writes = 0, total = 0, refused = 0;

  memset(chunk, 'q', sizeof chunk);
  fd = mh_open("flood.bin", MH_FILE_WRONLY | MH_FILE_CREATE | MH_FILE_TRUNC);
  if (fd < 0) {
    hg_result(P, "open", fd);
    return 0;
  }
  while (writes < 100000 && (r = mh_write((int)fd, chunk, CHUNK)) >= 0) {
    writes++;
    total += (unsigned long)r;
  }
  err = r;
  mh_puts(P "writes=");
  mh_put_dec(writes);
  mh_puts(" total=");
  mh_put_dec(total);
  hg_result(" ", "error", err);

  for (int i = 0; i < 50; i++)
    refused += mh_write((int)fd, chunk, CHUNK) == err;
  mh_puts(P "refused=");
  mh_put_dec(refused);
  mh_puts(" of 50\n");

  for (unsigned long size = 4096; size > 0; size /= 2) {
    while ((r = mh_write((int)fd, chunk, size)) == (long)size)
      total += size;
    if (r > 0)
      total += (unsigned long)r;
  }
  mh_puts(P "filled=");
  mh_put_dec(total);
  mh_putc('\n');
  hg_result(P, "one_more", mh_write((int)fd, chunk, 1));

  other = mh_open("other.bin", MH_FILE_WRONLY | MH_FILE_CREATE);
  hg_result(P, "other_open", other);
  hg_result(P, "other_write", mh_write((int)other, chunk, 1));
  mh_seek((int)fd, 0, MH_FILE_SEEK_SET);
  hg_result(P, "overwrite", mh_write((int)fd, chunk, 1));
  mh_puts(P "done\n");
  return 0;
}
