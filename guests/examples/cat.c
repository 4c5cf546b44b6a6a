/* SPDX-License-Identifier: MIT */
/*
 * cat.c - prints a file: reads a file name from the first input line,
 * opens that file read-only through the file service and copies it to
 * the console.  Try it on a shared file:
 *
 *   echo flowers.txt | mini_hypervisor -g cat.img -f ./flowers.txt
 *
 * On an error, prints "cat: <name>: <reason>" and fails.
 */
#include "mh_guest.h"

static char name[MH_FILE_NAME_MAX + 2]; /* the name, its newline, NUL */
static char buf[16384];

static _Noreturn void
cat_fail(long status)
{
  mh_puts("cat: ");
  mh_puts(name);
  mh_puts(": ");
  mh_fail(mh_strerror(status));
}

int
main(void)
{
  long len = mh_getline(name, sizeof name);
  long fd;
  long n;

  if (len > 0 && name[len - 1] == '\n')
    name[--len] = '\0';
  if (len <= 0)
    mh_fail("cat: no file name on the input");

  fd = mh_open(name, MH_FILE_RDONLY);
  if (fd < 0)
    cat_fail(fd);
  while ((n = mh_read((int)fd, buf, sizeof buf)) > 0)
    mh_putn(buf, (unsigned long)n);
  if (n < 0)
    cat_fail(n);
  if ((n = mh_close((int)fd)) < 0)
    cat_fail(n);
  return 0;
}
