/* SPDX-License-Identifier: MIT */
/*
 * unknown_cmds.c - requests with commands the file service does not
 * have, on both transports, followed by whatever would confuse a parser.
 *
 * Block: commands 0, 7, 0x100, 0x80000000 and 0xffffffff, each with
 * absurd fields (flags and len 0xffffffff, offset INT64_MIN, buf 2^64-1):
 * each must get -8 and nothing else may happen (an unknown command has no
 * buffer to check).  One line each, "unknown_cmds: block_cmd_N=-8".
 *
 * Byte transport (the channel must never wedge):
 *   unknown_then_garbage  a header with command 7, then 100 bytes of
 *                         "payload" (ignored), then the reply: -8
 *   size_after            a valid SIZE of fd 5 right after it: -4
 *   two_unknown           two unknown headers back to back (the second is
 *                         ignored while the first reply is unread): -8
 *   idle_after            the next 8 INs with nothing pending: -1 (0xff...)
 *   open_len0_then_name   OPEN with len 0 (invalid name) followed by the
 *                         9 name bytes it did not announce: -7
 *   open                  a valid OPEN of notes.txt: 0
 * then "unknown_cmds: done".
 */
#include "hostile_c.h"

#define P "unknown_cmds: "

static const uint32_t cmds[] = {0, 7, 0x100, 0x80000000u, 0xffffffffu};

int
main(void)
{
  struct mh_file_req req;
  unsigned char      garbage[100];

  for (unsigned i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    mh_puts(P "block_cmd_");
    mh_put_hex(cmds[i]);
    hg_result(
        "", "",
        hg_block(cmds[i], 0, 0xffffffffu, 0xffffffffu, INT64_MIN, UINT64_MAX));
  }

  req = (struct mh_file_req){.cmd = 7, .len = 100};
  hg_stream_header(&req, 0, MH_FILE_HDR_SIZE);
  for (unsigned i = 0; i < sizeof garbage; i++)
    garbage[i] = (unsigned char)(i * 37 + 1);
  hg_stream(garbage, sizeof garbage);
  hg_result(P, "unknown_then_garbage", hg_in_result());

  req = (struct mh_file_req){.cmd = MH_FILE_SIZE, .fd = 5};
  hg_result(P, "size_after", mh_file_bytes(&req, NULL, NULL, 0));

  req = (struct mh_file_req){.cmd = 0xffffffffu};
  hg_stream_header(&req, 0, MH_FILE_HDR_SIZE);
  hg_stream_header(&req, 0, MH_FILE_HDR_SIZE);
  hg_result(P, "two_unknown", hg_in_result());
  hg_result(P, "idle_after", hg_in_result());

  req = (struct mh_file_req){
      .cmd = MH_FILE_OPEN, .flags = MH_FILE_RDONLY, .len = 0};
  hg_stream_header(&req, 0, MH_FILE_HDR_SIZE);
  hg_stream("notes.txt", 9);
  hg_result(P, "open_len0_then_name", hg_in_result());

  req = (struct mh_file_req){
      .cmd = MH_FILE_OPEN, .flags = MH_FILE_RDONLY, .len = 9};
  hg_result(P, "open", mh_file_bytes(&req, "notes.txt", NULL, 0));
  mh_puts(P "done\n");
  return 0;
}
