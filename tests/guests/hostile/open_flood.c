/* SPDX-License-Identifier: MIT */
/*
 * open_flood.c - opens files until the hypervisor refuses, and keeps
 * going.
 *
 *   opens notes.txt read-only until an open fails: --max-open of them
 *   succeed (fds 0..max-1), the next gets -5 (too many open files)
 *   100 more opens: every one -5
 *   creating a new file: -5 as well, and no file is made
 *   the same over the byte transport: -5
 *   close fd 3, open again: fd 3
 * Output: "open_flood: opened=N first_refusal=-5", "refused=100 of 100",
 * "create=-5", "byte_open=-5", "close=0", "reopen=3", "done".
 */
#include "hostile_c.h"

#define P "open_flood: "

int
main(void)
{
  long opened = 0, refused = 0, r = 0;

  while (opened < 100000 && (r = mh_open("notes.txt", MH_FILE_RDONLY)) >= 0)
    opened++;
  mh_puts(P "opened=");
  mh_put_dec((uint64_t)opened);
  hg_result(" ", "first_refusal", r);
  for (int i = 0; i < 100; i++)
    refused += mh_open("notes.txt", MH_FILE_RDONLY) == MH_FILE_EMFILE;
  mh_puts(P "refused=");
  mh_put_dec((uint64_t)refused);
  mh_puts(" of 100\n");
  hg_result(P, "create", mh_open("new.txt", MH_FILE_WRONLY | MH_FILE_CREATE));
  mh_set_transport(MH_TRANSPORT_BYTE);
  hg_result(P, "byte_open", mh_open("notes.txt", MH_FILE_RDONLY));
  mh_set_transport(MH_TRANSPORT_BLOCK);
  hg_result(P, "close", mh_close(3));
  hg_result(P, "reopen", mh_open("notes.txt", MH_FILE_RDONLY));
  mh_puts(P "done\n");
  return 0;
}
