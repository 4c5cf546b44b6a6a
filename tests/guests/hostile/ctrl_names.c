/* SPDX-License-Identifier: MIT */
/*
 * ctrl_names.c - file names full of control characters, shell and
 * terminal syntax and bytes that are not UTF-8.  They are all valid (the
 * only rules: 1 to 255 bytes, no '/' or NUL, not "." or "..", not
 * starting with ".mh-"), so each must work: the guest creates it, writes
 * "name X\n" (X a letter: a for the first name, b for the next...),
 * closes it, opens it again read-only and reads the text back.  The
 * hypervisor must store each under exactly that name in the VM's own
 * directory, and nowhere else.  A failing name prints
 * "ctrl_names: name N failed: what=result"; at the end
 * "ctrl_names: 16 of 16 names created, written and read back".
 */
#include "hostile_c.h"

#define P "ctrl_names: "

static const char *const names[] = {
    "new\nline", "tab\there", "\001\002\003", "\033[31mred\033[0m",
    "\r",        " ",         "-rf",          "*",
    "$(reboot)", "\377\376",  "a\\b",         "...",
    "\177",      "\"'`",      "%s%n",         "~",
};
#define N_NAMES (sizeof names / sizeof names[0])

static char text[16];
static char back[16];

static int
failed(unsigned i, const char *what, long r)
{
  mh_puts(P "name ");
  mh_put_dec(i);
  mh_puts(" failed: ");
  hg_result("", what, r);
  return 0;
}

static int
try_name(unsigned i)
{
  long fd, n, r;

  memcpy(text, "name ", 5);
  text[5] = (char)('a' + i); /* one letter per name: a..p */
  text[6] = '\n';
  fd = mh_open(names[i], MH_FILE_WRONLY | MH_FILE_CREATE | MH_FILE_TRUNC);
  if (fd < 0)
    return failed(i, "open", fd);
  if ((r = mh_write((int)fd, text, 7)) != 7)
    return failed(i, "write", r);
  if ((r = mh_close((int)fd)) != 0)
    return failed(i, "close", r);
  fd = mh_open(names[i], MH_FILE_RDONLY);
  if (fd < 0)
    return failed(i, "reopen", fd);
  n = mh_read((int)fd, back, sizeof back);
  mh_close((int)fd);
  if (n != 7 || memcmp(back, text, 7) != 0)
    return failed(i, "read", n);
  return 1;
}

int
main(void)
{
  unsigned ok = 0;

  for (unsigned i = 0; i < N_NAMES; i++)
    ok += (unsigned)try_name(i);
  mh_puts(P);
  mh_put_dec(ok);
  mh_puts(" of ");
  mh_put_dec(N_NAMES);
  mh_puts(" names created, written and read back\n");
  return 0;
}
