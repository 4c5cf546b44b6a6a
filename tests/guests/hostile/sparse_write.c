/* SPDX-License-Identifier: MIT */
/*
 * sparse_write.c - writes at the largest offset the file service allows.
 *
 *   open sparse.bin (read-write, created)          -> 0
 *   seek to 2^40 - 1 (MH_FILE_OFFSET_MAX - 1)      -> 1099511627775
 *   write 1 byte                                   -> 1
 *   size                                           -> 1099511627776
 *   seek to 2^40                                   -> 1099511627776
 *   write 1 byte (it would end past the limit)     -> -8
 *   write 0 bytes there                            -> 0
 *   seek 1 further                                 -> -8
 * One line each ("sparse_write: what=result"), then "sparse_write: done".
 *
 * The host file is sparse: 1 TiB long, one block used.  The quota counts
 * the one byte written, not the file's length.
 */
#include "hostile_c.h"

#define P "sparse_write: "

int
main(void)
{
  const long limit = (long)MH_FILE_OFFSET_MAX;
  long       fd = mh_open("sparse.bin", MH_FILE_RDWR | MH_FILE_CREATE);

  hg_result(P, "open", fd);
  hg_result(P, "seek_limit_minus1",
            mh_seek((int)fd, limit - 1, MH_FILE_SEEK_SET));
  hg_result(P, "write", mh_write((int)fd, "x", 1));
  hg_result(P, "size", mh_size((int)fd));
  hg_result(P, "seek_limit", mh_seek((int)fd, limit, MH_FILE_SEEK_SET));
  hg_result(P, "write_past", mh_write((int)fd, "y", 1));
  hg_result(P, "write_empty", mh_write((int)fd, "", 0));
  hg_result(P, "seek_past", mh_seek((int)fd, 1, MH_FILE_SEEK_CUR));
  mh_puts(P "done\n");
  return 0;
}
