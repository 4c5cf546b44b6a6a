/* SPDX-License-Identifier: MIT */
/*
 * fread_bench.c - reads the shared file bench.bin whole with one
 * block-transport mh_read() (one VM exit) into RAM at 2 MiB, prints
 * "read=<bytes>" and halts.  Needs RAM for the file above 2 MiB: run
 * with -m 8 for a file of up to 4 MiB and more.  Fails (mh_fail) on any
 * error or a short read.
 */
#include "mh_guest.h"

#define BENCH_BUF_GPA 0x200000ul /* above the image, below the stack     */
#define BENCH_STACK   0x10000ul  /* left for the stack at the top of RAM */

static _Noreturn void
bench_fail(const char *what, long status)
{
  mh_puts("fread_bench: bench.bin: ");
  mh_puts(what);
  mh_puts(": ");
  mh_fail(mh_strerror(status));
}

int
main(void)
{
  long fd;
  long size;
  long n;

  mh_set_transport(MH_TRANSPORT_BLOCK);
  fd = mh_open("bench.bin", MH_FILE_RDONLY);
  if (fd < 0)
    bench_fail("open", fd);
  size = mh_size((int)fd);
  if (size < 0)
    bench_fail("size", size);
  if (mh_image_end() > BENCH_BUF_GPA ||
      mh_ram_size() < BENCH_BUF_GPA + BENCH_STACK ||
      (unsigned long)size > mh_ram_size() - BENCH_STACK - BENCH_BUF_GPA)
    mh_fail("fread_bench: bench.bin does not fit in RAM above 2 MiB (-m 8?)");
  n = mh_read((int)fd, (void *)BENCH_BUF_GPA, (unsigned long)size);
  if (n < 0)
    bench_fail("read", n);
  mh_puts("read=");
  mh_put_dec((uint64_t)n);
  mh_putc('\n');
  if (n != size)
    mh_fail("fread_bench: short read");
  if ((n = mh_close((int)fd)) < 0)
    bench_fail("close", n);
  return 0;
}
