/* SPDX-License-Identifier: MIT */
/*
 * double_close.c - closes what is already closed, what was never open
 * and every fd number there could be, over both transports.
 *
 * A shared file's fds all use one host file descriptor, owned by the
 * hypervisor and shared by every VM: however often a guest closes its
 * fds, that host descriptor must stay open, for this VM and the others.
 *
 *   open notes.txt (fd 0), close 0 (0), close 0 again (-4)
 *   close -1, close 32, close INT32_MAX, close INT32_MIN (all -4)
 *   close every fd 0..1023 over the block transport (prints how many did
 *   not answer -4: 0), then the same for 0..63 over the byte transport
 *   open notes.txt again: fd 0, and reading it gives all 17 bytes
 *   the same double close over the byte transport (0, then -4)
 * One line per result ("double_close: what=result"), then
 * "double_close: done".
 */
#include "hostile_c.h"

#define P "double_close: "

static char data[64];

int
main(void)
{
  long fd, n, r;
  long others = 0;

  fd = mh_open("notes.txt", MH_FILE_RDONLY);
  hg_result(P, "open", fd);
  hg_result(P, "close", mh_close((int)fd));
  hg_result(P, "close_again", mh_close((int)fd));
  hg_result(P, "close_minus1", mh_close(-1));
  hg_result(P, "close_32", mh_close(32));
  hg_result(P, "close_int_max", mh_close(INT32_MAX));
  hg_result(P, "close_int_min", mh_close(INT32_MIN));
  for (int i = 0; i < 1024; i++)
    others += mh_close(i) != MH_FILE_EBADF;
  hg_result(P, "close_all_block_not_ebadf", others);
  mh_set_transport(MH_TRANSPORT_BYTE);
  others = 0;
  for (int i = 0; i < 64; i++)
    others += mh_close(i) != MH_FILE_EBADF;
  hg_result(P, "close_all_byte_not_ebadf", others);
  mh_set_transport(MH_TRANSPORT_BLOCK);

  fd = mh_open("notes.txt", MH_FILE_RDONLY);
  hg_result(P, "reopen", fd);
  n = mh_read((int)fd, data, sizeof data);
  hg_result(P, "read", n);
  if (n > 0) {
    mh_puts(P "data=");
    mh_putn(data, (unsigned long)n);
  }

  mh_set_transport(MH_TRANSPORT_BYTE);
  r = mh_close((int)fd);
  hg_result(P, "byte_close", r);
  hg_result(P, "byte_close_again", mh_close((int)fd));
  mh_puts(P "done\n");
  return 0;
}
