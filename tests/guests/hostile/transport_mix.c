/* SPDX-License-Identifier: MIT */
/*
 * transport_mix.c - interleaves the two transports in the middle of
 * requests.  The byte transport has state (a half-streamed request, an
 * unread reply); the block transport has none, and the two must not
 * disturb each other.  A byte-transport request runs when its last byte
 * arrives, with the fd table as it is then.
 *
 *   1. streams the first 12 header bytes of a byte OPEN of notes.txt;
 *      then a block OPEN and a block READ of 5 bytes run (fd 0, "Hi fr");
 *      then the rest of the byte OPEN: it runs and gets fd 1
 *   2. streams all but the last header byte of a byte READ (fd 1, 5
 *      bytes), runs a block SIZE of fd 1 (17), sends the last byte: the
 *      READ returns 5 bytes, "Hi fr"
 *   3. block OPEN of out.txt for writing (fd 2), then a byte WRITE of
 *      "abc" to fd 2 stopped after one payload byte, a block CLOSE of fd
 *      2, the last two bytes: the WRITE runs on a closed fd: -4
 *   4. streams 10 bytes of a header, runs a block SIZE (17), then an IN:
 *      the half request is discarded and the reply is -1 (EPROTO)
 * Output, one line per step result ("transport_mix: what=result"), then
 * "transport_mix: done".  out.txt stays empty.
 */
#include "hostile_c.h"

#define P "transport_mix: "

static const char notes[] = "notes.txt";
static const char out[] = "out.txt";
static char       data[8];

static void
put_data(const char *what, const char *p, unsigned long n)
{
  mh_puts(P);
  mh_puts(what);
  mh_puts(" data=");
  mh_putn(p, n);
  mh_putc('\n');
}

int
main(void)
{
  struct mh_file_req req = {0};
  long               r;

  /* 1 */
  req.cmd = MH_FILE_OPEN;
  req.flags = MH_FILE_RDONLY;
  req.len = sizeof notes - 1;
  hg_stream_header(&req, 0, 12);
  hg_result(P, "block_open",
            hg_block(MH_FILE_OPEN, 0, MH_FILE_RDONLY, sizeof notes - 1, 0,
                     (uintptr_t)notes));
  r = hg_block(MH_FILE_READ, 0, 0, 5, 0, (uintptr_t)data);
  hg_result(P, "block_read", r);
  put_data("block_read", data, 5);
  hg_stream_header(&req, 12, MH_FILE_HDR_SIZE);
  hg_stream(notes, sizeof notes - 1);
  hg_result(P, "byte_open", hg_in_result());

  /* 2 */
  req = (struct mh_file_req){.cmd = MH_FILE_READ, .fd = 1, .len = 5};
  hg_stream_header(&req, 0, MH_FILE_HDR_SIZE - 1);
  hg_result(P, "block_size", hg_block(MH_FILE_SIZE, 1, 0, 0, 0, 0));
  hg_stream_header(&req, MH_FILE_HDR_SIZE - 1, MH_FILE_HDR_SIZE);
  r = hg_in_result();
  hg_result(P, "byte_read", r);
  for (long i = 0; i < r && i < (long)sizeof data; i++)
    data[i] = (char)mh_inb(MH_PORT_FILE);
  put_data("byte_read", data, 5);

  /* 3 */
  hg_result(P, "block_open_w",
            hg_block(MH_FILE_OPEN, 0, MH_FILE_WRONLY, sizeof out - 1, 0,
                     (uintptr_t)out));
  req = (struct mh_file_req){.cmd = MH_FILE_WRITE, .fd = 2, .len = 3};
  hg_stream_header(&req, 0, MH_FILE_HDR_SIZE);
  hg_stream("a", 1);
  hg_result(P, "block_close", hg_block(MH_FILE_CLOSE, 2, 0, 0, 0, 0));
  hg_stream("bc", 2);
  hg_result(P, "byte_write", hg_in_result());

  /* 4 */
  req = (struct mh_file_req){.cmd = MH_FILE_SIZE, .fd = 0};
  hg_stream_header(&req, 0, 10);
  hg_result(P, "block_size", hg_block(MH_FILE_SIZE, 0, 0, 0, 0, 0));
  hg_result(P, "byte_in_mid", hg_in_result());

  mh_puts(P "done\n");
  return 0;
}
