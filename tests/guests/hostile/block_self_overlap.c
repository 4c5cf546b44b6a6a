/* SPDX-License-Identifier: MIT */
/*
 * block_self_overlap.c - block-transport requests whose name or buffer
 * is the request block itself, or part of it.  The hypervisor copies the
 * block before it looks at it, then does the work, then writes `result`
 * back: so the data lands first and the result last, and nothing it
 * decided on can change under it.  blk.dat is a shared file of 40 bytes,
 * "0123456789abcdefghijklmnopqrstuvwxyzABCD".
 *
 *   read_over_block  READ 40 bytes into the block itself: the data fills
 *                    it, then result (40) overwrites its last 8 bytes; the
 *                    first 32 bytes are printed
 *   read_into_result READ 8 bytes into the result field only: 8
 *   read_over_tail   READ 24 bytes over offset, buf and result: 24, and
 *                    offset and buf hold "0123456789abcdef"
 *   open_name_block  OPEN whose name is the block (40 bytes, NULs
 *                    inside): -7
 *   write_block      WRITE of the block itself to self.bin: 40, and the
 *                    file holds the block as it was sent (the guest reads
 *                    it back and compares: same=1)
 * One line each ("block_self_overlap: what=..."), then
 * "block_self_overlap: done".
 */
#include "hostile_c.h"

#define P "block_self_overlap: "

static struct mh_file_req blk __attribute__((aligned(64)));
static struct mh_file_req sent;
static unsigned char      back[64];

static long
send(uint32_t cmd, int32_t fd, uint32_t flags, uint32_t len, uint64_t buf)
{
  blk = (struct mh_file_req){.cmd = cmd,
                             .fd = fd,
                             .flags = flags,
                             .len = len,
                             .buf = buf,
                             .result = 0x5a5a5a5a5a5a5a5a};
  sent = blk;
  return mh_file_block(&blk);
}

static void
rewind(long fd)
{
  mh_seek((int)fd, 0, MH_FILE_SEEK_SET);
}

int
main(void)
{
  const uint64_t self = (uint64_t)(uintptr_t)&blk;
  long           fd = mh_open("blk.dat", MH_FILE_RDONLY);
  long           out, r;

  hg_result(P, "open", fd);

  r = send(MH_FILE_READ, (int32_t)fd, 0, 40, self);
  hg_result(P, "read_over_block", r);
  mh_puts(P "read_over_block_data=");
  mh_putn(&blk, 32);
  mh_putc('\n');

  rewind(fd);
  hg_result(P, "read_into_result",
            send(MH_FILE_READ, (int32_t)fd, 0, 8, self + 32));

  rewind(fd);
  r = send(MH_FILE_READ, (int32_t)fd, 0, 24, self + 16);
  hg_result(P, "read_over_tail", r);
  mh_puts(P "read_over_tail_data=");
  mh_putn((char *)&blk + 16, 16);
  mh_putc('\n');

  hg_result(P, "open_name_block",
            send(MH_FILE_OPEN, 0, MH_FILE_RDONLY, 40, self));

  out = mh_open("self.bin", MH_FILE_RDWR | MH_FILE_CREATE | MH_FILE_TRUNC);
  hg_result(P, "open_self", out);
  r = send(MH_FILE_WRITE, (int32_t)out, 0, 40, self);
  hg_result(P, "write_block", r);
  rewind(out);
  r = mh_read((int)out, back, 40);
  mh_puts(P "write_block_same=");
  mh_put_dec(r == 40 && memcmp(back, &sent, 40) == 0);
  mh_putc('\n');
  mh_puts(P "done\n");
  return 0;
}
