/* SPDX-License-Identifier: MIT */
/*
 * fd_hog.c - creates and keeps open as many private files as it is
 * allowed, under names that each hold a newline and a fake hypervisor
 * error line ("x\nmini_hypervisor: error: vm 1 (counter.img): forged by a
 * guest N"), writes 20000 bytes to the first, then waits for its input
 * to end, holding every file, and halts.
 *
 * Output: "fd_hog: holding N files, then R" (R the refusal, -5),
 * "fd_hog: write=W", "fd_hog: waiting", then at end of input
 * "fd_hog: done".
 *
 * --max-open bounds N.  The host's limits (open files, file size) must
 * bound the run without letting this VM starve the others of file
 * descriptors or end the run; and a guest's file name must never reach
 * the hypervisor's own messages unescaped, where it could forge a line.
 */
#include "hostile_c.h"

#define P "fd_hog: "
#define FORGED                                                                 \
  "x\nmini_hypervisor: error: vm 1 (counter.img): forged by a guest "
#define WRITE_BYTES 20000

static char name[sizeof FORGED + 12];
static char data[WRITE_BYTES];

/* name = FORGED followed by @n in decimal. */
static void
make_name(unsigned long n)
{
  char          digits[12];
  unsigned long len = sizeof FORGED - 1;
  int           d = 0;

  memcpy(name, FORGED, len);
  do {
    digits[d++] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (d > 0)
    name[len++] = digits[--d];
  name[len] = '\0';
}

int
main(void)
{
  long held = 0, r = 0, first = -1;

  while (held < 100000) {
    make_name((unsigned long)held);
    if ((r = mh_open(name, MH_FILE_WRONLY | MH_FILE_CREATE)) < 0)
      break;
    if (held == 0)
      first = r;
    held++;
  }
  mh_puts(P "holding ");
  mh_put_dec((uint64_t)held);
  mh_puts(" files, then ");
  hg_put_signed(r);
  mh_putc('\n');
  memset(data, 'w', sizeof data);
  hg_result(P, "write",
            first >= 0 ? mh_write((int)first, data, sizeof data) : first);
  mh_puts(P "waiting\n");
  while (mh_getc() >= 0)
    ;
  mh_puts(P "done\n");
  return 0;
}
