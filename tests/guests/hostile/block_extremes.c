/* SPDX-License-Identifier: MIT */
/*
 * block_extremes.c - block-transport requests with extreme lengths,
 * offsets and addresses: the values where 32- and 64-bit arithmetic
 * overflows or wraps.
 *
 * First, requests that are wrong but harmless; each must get an error
 * status (or a correct value) and the VM goes on.  One line each,
 * "block_extremes: NAME=RESULT":
 *   open_len_max     OPEN, len 0xffffffff, buf 0           -> -7 (name)
 *   open_flags_max   OPEN, flags 0xffffffff                -> -8
 *   cmd_max          cmd 0xffffffff, len 0xffffffff, buf 2^64-1 -> -8:
 *                    an unknown command's buffer is never looked at
 *   read_len0_end    READ 0 bytes at buf = RAM size        -> 0
 *   write_fd_min     WRITE, fd INT32_MIN                   -> -4
 *   seek_set_min     SEEK_SET INT64_MIN                    -> -8
 *   seek_end_max     SEEK_END INT64_MAX (size + it overflows) -> -8
 *   seek_whence_max  whence 0xffffffff                     -> -8
 *   seek_set_limit   SEEK_SET 2^40 (MH_FILE_OFFSET_MAX)    -> 1099511627776
 *   seek_cur_plus1   SEEK_CUR +1 past the limit            -> -8
 *   seek_cur_min     SEEK_CUR INT64_MIN                    -> -8
 *   read_at_limit    READ 16 bytes at offset 2^40          -> 0 (end of file)
 * (fd is notes.txt, 17 bytes, opened read-only.)
 *
 * Then, by the first input byte, one request whose name, buffer or block
 * does not lie in RAM, which must stop the VM ("file ... runs outside
 * guest RAM at RIP ..."):
 *   'a'  READ 32 bytes at buf 2^64-16 (the range wraps around to 16)
 *   'b'  WRITE 0xffffffff bytes at buf 0x10
 *   'c'  OPEN with an 8-byte name at RAM-4
 *   'd'  the block itself at 0xffffffff
 *   'e'  READ 0 bytes at buf 2^64-1
 *   'f'  READ 1 byte at buf = RAM size
 *   'g'  WRITE 2 bytes at RAM-1 (the last byte and one past it)
 * Anything else ends the guest normally.  "block_extremes: continued"
 * after one of those would mean the VM was not stopped.
 */
#include "hostile_c.h"

#define P "block_extremes: "

static unsigned char buf[64];

int
main(void)
{
  const uint64_t ram = mh_ram_size();
  const uint64_t bufa = (uint64_t)(uintptr_t)buf;
  const uint64_t limit = MH_FILE_OFFSET_MAX;
  int            c = mh_getc();
  long           fd = mh_open("notes.txt", MH_FILE_RDONLY);

  hg_result(P, "open", fd);
  hg_result(P, "open_len_max",
            hg_block(MH_FILE_OPEN, 0, MH_FILE_RDONLY, 0xffffffffu, 0, 0));
  hg_result(
      P, "open_flags_max",
      hg_block(MH_FILE_OPEN, 0, 0xffffffffu, 9, 0, (uintptr_t) "notes.txt"));
  hg_result(P, "cmd_max",
            hg_block(0xffffffffu, (int32_t)fd, 0, 0xffffffffu, 0, UINT64_MAX));
  hg_result(P, "read_len0_end",
            hg_block(MH_FILE_READ, (int32_t)fd, 0, 0, 0, ram));
  hg_result(P, "write_fd_min",
            hg_block(MH_FILE_WRITE, INT32_MIN, 0, 0, 0, bufa));
  hg_result(
      P, "seek_set_min",
      hg_block(MH_FILE_SEEK, (int32_t)fd, MH_FILE_SEEK_SET, 0, INT64_MIN, 0));
  hg_result(
      P, "seek_end_max",
      hg_block(MH_FILE_SEEK, (int32_t)fd, MH_FILE_SEEK_END, 0, INT64_MAX, 0));
  hg_result(P, "seek_whence_max",
            hg_block(MH_FILE_SEEK, (int32_t)fd, 0xffffffffu, 0, 0, 0));
  hg_result(P, "seek_set_limit",
            hg_block(MH_FILE_SEEK, (int32_t)fd, MH_FILE_SEEK_SET, 0,
                     (int64_t)limit, 0));
  hg_result(P, "seek_cur_plus1",
            hg_block(MH_FILE_SEEK, (int32_t)fd, MH_FILE_SEEK_CUR, 0, 1, 0));
  hg_result(
      P, "seek_cur_min",
      hg_block(MH_FILE_SEEK, (int32_t)fd, MH_FILE_SEEK_CUR, 0, INT64_MIN, 0));
  hg_result(P, "read_at_limit",
            hg_block(MH_FILE_READ, (int32_t)fd, 0, 16, 0, bufa));

  switch (c) {
  case 'a':
    hg_block(MH_FILE_READ, (int32_t)fd, 0, 32, 0, UINT64_MAX - 15);
    break;
  case 'b':
    hg_block(MH_FILE_WRITE, (int32_t)fd, 0, 0xffffffffu, 0, 0x10);
    break;
  case 'c':
    hg_block(MH_FILE_OPEN, 0, MH_FILE_RDONLY, 8, 0, ram - 4);
    break;
  case 'd':
    mh_outl(MH_PORT_FILE, 0xffffffffu);
    break;
  case 'e':
    hg_block(MH_FILE_READ, (int32_t)fd, 0, 0, 0, UINT64_MAX);
    break;
  case 'f':
    hg_block(MH_FILE_READ, (int32_t)fd, 0, 1, 0, ram);
    break;
  case 'g':
    hg_block(MH_FILE_WRITE, (int32_t)fd, 0, 2, 0, ram - 1);
    break;
  default:
    mh_puts(P "done\n");
    return 0;
  }
  mh_puts(P "continued\n");
  return 0;
}
