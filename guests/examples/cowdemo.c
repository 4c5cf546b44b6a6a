/* SPDX-License-Identifier: MIT */
/*
 * cowdemo.c - shows copy-on-write: reads the name of a shared file from
 * the first input line, appends "written by vm <index>" to it, then
 * reopens it read-only and prints what this VM now sees.
 *
 *   echo notes.txt | mini_hypervisor -g cowdemo.img cowdemo.img -f ./notes.txt
 *
 * Each VM prints the original text plus its own line: the first write
 * gave it a private copy (in its directory under the output directory),
 * and ./notes.txt itself is unchanged.  On an error, prints
 * "cowdemo: <name>: <reason>" and fails.
 */
#include "mh_guest.h"

static char name[MH_FILE_NAME_MAX + 2]; /* the name, its newline, NUL */
static char buf[16384];

static _Noreturn void
cowdemo_fail(long status)
{
  mh_puts("cowdemo: ");
  mh_puts(name);
  mh_puts(": ");
  mh_fail(mh_strerror(status));
}

/* Writes "written by vm <index>\n" into @out; returns its length. */
static unsigned long
format_line(char *out)
{
  static const char prefix[] = "written by vm ";
  char digits[20];
  uint64_t index = mh_vm_index();
  unsigned long len = sizeof prefix - 1;
  unsigned n = 0;

  memcpy(out, prefix, len);
  do {
    digits[n++] = (char)('0' + index % 10);
    index /= 10;
  } while (index != 0);
  while (n > 0)
    out[len++] = digits[--n];
  out[len++] = '\n';
  return len;
}

int
main(void)
{
  char text[40];
  unsigned long text_len;
  long len = mh_getline(name, sizeof name);
  long fd;
  long n;

  if (len > 0 && name[len - 1] == '\n')
    name[--len] = '\0';
  if (len <= 0)
    mh_fail("cowdemo: no file name on the input");

  /* The first write to a shared file makes this VM's private copy. */
  fd = mh_open(name, MH_FILE_WRONLY | MH_FILE_APPEND);
  if (fd < 0)
    cowdemo_fail(fd);
  text_len = format_line(text);
  n = mh_write((int)fd, text, text_len);
  if (n < 0)
    cowdemo_fail(n);
  if ((unsigned long)n != text_len)
    mh_fail("cowdemo: short write");
  if ((n = mh_close((int)fd)) < 0)
    cowdemo_fail(n);

  /* From now on this VM reads its copy, not the original. */
  fd = mh_open(name, MH_FILE_RDONLY);
  if (fd < 0)
    cowdemo_fail(fd);
  while ((n = mh_read((int)fd, buf, sizeof buf)) > 0)
    mh_putn(buf, (unsigned long)n);
  if (n < 0)
    cowdemo_fail(n);
  if ((n = mh_close((int)fd)) < 0)
    cowdemo_fail(n);
  return 0;
}
