/* SPDX-License-Identifier: MIT */
/* echo.c - copies console input to the console, line by line, until end
 * of input. */
#include "mh_guest.h"

int
main(void)
{
  char line[128];
  uint64_t lines = 0;
  long len;
  int at_line_start = 1;

  while ((len = mh_getline(line, sizeof line)) >= 0) {
    mh_puts(line);
    at_line_start = line[len - 1] == '\n';
    lines += at_line_start;
  }
  /* A last line without a newline still counts, and the closing line
   * must not run into it. */
  if (!at_line_start) {
    mh_putc('\n');
    lines++;
  }
  mh_puts("echo: end of input after ");
  mh_put_dec(lines);
  mh_puts(lines == 1 ? " line\n" : " lines\n");
  return 0;
}
