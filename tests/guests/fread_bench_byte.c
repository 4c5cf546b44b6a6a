/* SPDX-License-Identifier: MIT */
/*
 * fread_bench_byte.c - reads the shared file bench.bin over the byte
 * transport, MH_FILE_BYTE_MAX bytes per request, prints "read=<bytes>"
 * and halts.  Fails (mh_fail) on any error or if the bytes read differ
 * from the file's size.
 *
 * It chooses the transport at build time, the way a guest compiled with
 * -DMH_FILE_TRANSPORT=MH_TRANSPORT_BYTE does, and checks that the choice
 * reached the library.
 */
#define MH_FILE_TRANSPORT MH_TRANSPORT_BYTE
#include "mh_guest.h"

static unsigned char buf[MH_FILE_BYTE_MAX]; /* .bss: not in the image */

static _Noreturn void
bench_fail(const char *what, long status)
{
  mh_puts("fread_bench_byte: bench.bin: ");
  mh_puts(what);
  mh_puts(": ");
  mh_fail(mh_strerror(status));
}

int
main(void)
{
  unsigned long total = 0;
  long fd;
  long size;
  long n;

  if (mh_get_transport() != MH_TRANSPORT_BYTE)
    mh_fail("fread_bench_byte: MH_FILE_TRANSPORT did not select the byte "
            "transport");
  fd = mh_open("bench.bin", MH_FILE_RDONLY);
  if (fd < 0)
    bench_fail("open", fd);
  size = mh_size((int)fd);
  if (size < 0)
    bench_fail("size", size);
  while ((n = mh_read((int)fd, buf, sizeof buf)) > 0)
    total += (unsigned long)n;
  if (n < 0)
    bench_fail("read", n);
  mh_puts("read=");
  mh_put_dec(total);
  mh_putc('\n');
  if (total != (unsigned long)size)
    mh_fail("fread_bench_byte: bytes read differ from the file size");
  if ((n = mh_close((int)fd)) < 0)
    bench_fail("close", n);
  return 0;
}
