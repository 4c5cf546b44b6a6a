/* SPDX-License-Identifier: MIT */
/*
 * copy.c - copies a file: reads "SRC DST" from the first input line,
 * copies SRC (a shared file, or one this VM made) to DST, which it
 * creates or truncates, and prints "copied <N> bytes".  DST is private
 * to this VM: the hypervisor writes it under its output directory.
 *
 *   echo 'flowers.png copy.png' | mini_hypervisor -g copy.img -f ./flowers.png
 *
 * On an error, prints "copy: <name>: <reason>" and fails.
 */
#include "mh_guest.h"

static char line[2 * MH_FILE_NAME_MAX + 3]; /* "SRC DST\n" and a NUL */
static char buf[65536];

static _Noreturn void
copy_fail(const char *name, long status)
{
  mh_puts("copy: ");
  mh_puts(name);
  mh_puts(": ");
  mh_fail(mh_strerror(status));
}

int
main(void)
{
  long len = mh_getline(line, sizeof line);
  uint64_t copied = 0;
  char *src = line;
  char *dst;
  long in;
  long out;
  long n;

  if (len > 0 && line[len - 1] == '\n')
    line[--len] = '\0';
  for (dst = line; *dst != ' ' && *dst != '\0'; dst++)
    ;
  if (*dst == '\0' || dst == src)
    mh_fail("copy: expected \"SRC DST\" on the input");
  *dst++ = '\0';

  in = mh_open(src, MH_FILE_RDONLY);
  if (in < 0)
    copy_fail(src, in);
  out = mh_open(dst, MH_FILE_WRONLY | MH_FILE_CREATE | MH_FILE_TRUNC);
  if (out < 0)
    copy_fail(dst, out);

  while ((n = mh_read((int)in, buf, sizeof buf)) > 0) {
    long written = mh_write((int)out, buf, (unsigned long)n);

    if (written < 0)
      copy_fail(dst, written);
    if (written != n)
      mh_fail("copy: short write");
    copied += (uint64_t)n;
  }
  if (n < 0)
    copy_fail(src, n);
  if ((n = mh_close((int)in)) < 0)
    copy_fail(src, n);
  if ((n = mh_close((int)out)) < 0)
    copy_fail(dst, n);

  mh_puts("copied ");
  mh_put_dec(copied);
  mh_puts(" bytes\n");
  return 0;
}
