/* SPDX-License-Identifier: MIT */
/*
 * fshell.c - a scriptable file-service shell for the tests.
 *
 * Reads commands from the console, one per line, runs each and prints
 * exactly one result line for it; at end of input prints "fshell: done"
 * and halts.  Empty lines and lines starting with '#' are skipped
 * silently.  Whatever the hypervisor returns is printed as it is: this
 * guest never judges a result, the test does.
 *
 * A command may start with "b " (block transport, the default) or "y "
 * (bYte transport).  Numbers are decimal unless marked hex; FLAGS is
 * letters from "rwcta" (RDONLY WRONLY CREATE TRUNC APPEND) or 0x<hex>.
 *
 *   open NAME FLAGS        -> open=<result>
 *   openhex HEXNAME FLAGS  -> open=<result>      (name as hex bytes, "-" empty)
 *   close FD               -> close=<result>
 *   read FD LEN            -> read=<result>[ data=<escaped bytes>]
 *   readall FD             -> readall=<bytes> sum=0x<hex>
 *                             or readall=<status> total=<bytes before it>
 *   write FD TEXT          -> write=<result>     (TEXT: rest of the line)
 *   seek FD OFFSET WHENCE  -> seek=<result>
 *   size FD                -> size=<result>
 *   raw HEXBYTES           -> raw=ok             (1-byte OUTs to the port)
 *   in N                   -> in=<hex bytes>     (N 1-byte INs)
 *   blockat GPA            -> blockat=sent       (one 4-byte OUT of GPA)
 *   blockreq CMD FD FLAGS LEN OFFSET BUF (hex) -> blockreq=<result>
 *   anything else          -> error=unknown command
 * A command whose arguments do not parse prints error=<what>.
 *
 * Escapes: read's data shows newline as \n, backslash as \\, bytes
 * outside 0x20..0x7e as \xHH, the rest as they are.  write's TEXT takes
 * the same three escapes.
 *
 * Memory: the blockreq block is at FSHELL_BLOCK_GPA (1 MiB); read and
 * readall fill the RAM from FSHELL_BUF_GPA up to 64 KiB below the top of
 * RAM (the stack's share).
 */
#include "mh_guest.h"

#define FSHELL_BLOCK_GPA 0x100000ul /* blockreq's request block           */
#define FSHELL_BUF_GPA   0x101000ul /* read/readall buffer starts here    */
#define FSHELL_STACK     0x10000ul  /* left for the stack at the top of RAM */
#define FSHELL_LINE_MAX  1024       /* bytes in a command line, newline included */
#define FSHELL_BYTES_MAX 512        /* raw, in, openhex and write data    */

static char          line[FSHELL_LINE_MAX];
static unsigned char bytes[FSHELL_BYTES_MAX];

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static void
put_signed(long value)
{
  if (value < 0) {
    mh_putc('-');
    mh_put_dec(-(uint64_t)value);
  } else {
    mh_put_dec((uint64_t)value);
  }
}

static void
put_result(const char *what, long value)
{
  mh_puts(what);
  mh_putc('=');
  put_signed(value);
}

static void
put_hex_byte(unsigned char byte)
{
  static const char hex[] = "0123456789abcdef";

  mh_putc(hex[byte >> 4]);
  mh_putc(hex[byte & 0xf]);
}

static void
put_escaped(const unsigned char *p, unsigned long n)
{
  for (unsigned long i = 0; i < n; i++) {
    if (p[i] == '\n') {
      mh_puts("\\n");
    } else if (p[i] == '\\') {
      mh_puts("\\\\");
    } else if (p[i] >= 0x20 && p[i] <= 0x7e) {
      mh_putc((char)p[i]);
    } else {
      mh_puts("\\x");
      put_hex_byte(p[i]);
    }
  }
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

/* Returns the next space-separated word of *@cursor (NUL-terminated in
 * place) and moves the cursor past it, or NULL when none is left. */
static char *
next_word(char **cursor)
{
  char *p = *cursor;
  char *word;

  while (*p == ' ')
    p++;
  if (*p == '\0')
    return NULL;
  word = p;
  while (*p != ' ' && *p != '\0')
    p++;
  if (*p == ' ')
    *p++ = '\0';
  *cursor = p;
  return word;
}

static int
hex_digit(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Hex, with or without 0x, at most 16 digits. */
static int
parse_hex(const char *s, uint64_t *value)
{
  uint64_t v = 0;
  int digits = 0;

  if (s == NULL)
    return 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    s += 2;
  for (; *s != '\0'; s++, digits++) {
    int d = hex_digit(*s);

    if (d < 0 || digits == 16)
      return 0;
    v = v << 4 | (uint64_t)d;
  }
  *value = v;
  return digits > 0;
}

/* Signed decimal that fits a long. */
static int
parse_dec(const char *s, long *value)
{
  uint64_t v = 0;
  int negative = 0;

  if (s == NULL)
    return 0;
  if (*s == '-') {
    negative = 1;
    s++;
  }
  if (*s == '\0')
    return 0;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_C(1) << 63) / 10)
      return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  if (v > (negative ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1))
    return 0;
  *value = negative ? (long)(0 - v) : (long)v;
  return 1;
}

static int
parse_fd(const char *s, int *fd)
{
  long v;

  if (!parse_dec(s, &v) || v < INT32_MIN || v > INT32_MAX)
    return 0;
  *fd = (int)v;
  return 1;
}

/* "rwcta" letters, or 0x<hex> for any value. */
static int
parse_flags(const char *s, unsigned *flags)
{
  uint64_t v;

  if (s == NULL)
    return 0;
  if (s[0] == '0' && s[1] == 'x') {
    if (!parse_hex(s, &v) || v > UINT32_MAX)
      return 0;
    *flags = (unsigned)v;
    return 1;
  }
  *flags = 0;
  for (; *s != '\0'; s++) {
    switch (*s) {
    case 'r': *flags |= MH_FILE_RDONLY; break;
    case 'w': *flags |= MH_FILE_WRONLY; break;
    case 'c': *flags |= MH_FILE_CREATE; break;
    case 't': *flags |= MH_FILE_TRUNC; break;
    case 'a': *flags |= MH_FILE_APPEND; break;
    default: return 0;
    }
  }
  return 1;
}

/* Hex bytes ("-" is none) into bytes[]; returns the count or -1. */
static long
parse_hex_bytes(const char *s)
{
  long n = 0;

  if (s == NULL)
    return -1;
  if (s[0] == '-' && s[1] == '\0')
    return 0;
  for (; s[0] != '\0'; s += 2) {
    int hi = hex_digit(s[0]);
    int lo = hi < 0 ? -1 : hex_digit(s[1]);

    if (lo < 0 || n == FSHELL_BYTES_MAX)
      return -1;
    bytes[n++] = (unsigned char)(hi << 4 | lo);
  }
  return n;
}

/* write's TEXT, with \n, \\ and \xHH, into bytes[]; the count or -1. */
static long
parse_text(const char *s)
{
  long n = 0;

  for (; *s != '\0'; n++) {
    unsigned char c = (unsigned char)*s++;

    if (n == FSHELL_BYTES_MAX)
      return -1;
    if (c == '\\') {
      if (*s == 'n') {
        c = '\n';
        s++;
      } else if (*s == '\\') {
        s++;
      } else if (*s == 'x' && hex_digit(s[1]) >= 0 && hex_digit(s[2]) >= 0) {
        c = (unsigned char)(hex_digit(s[1]) << 4 | hex_digit(s[2]));
        s += 3;
      } else {
        return -1;
      }
    }
    bytes[n] = c;
  }
  return n;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

/* The read buffer: from FSHELL_BUF_GPA to the stack's share. */
static unsigned char *
buf_start(void)
{
  return (unsigned char *)FSHELL_BUF_GPA;
}

static unsigned long
buf_size(void)
{
  return mh_ram_size() - FSHELL_STACK - FSHELL_BUF_GPA;
}

/* The byte sum modulo 2^32, 8 bytes at a time: the guest CPU may be
 * emulated, so a byte loop over megabytes would take seconds. */
typedef uint64_t __attribute__((may_alias)) fshell_word;

static uint32_t
sum_bytes(const unsigned char *p, unsigned long n)
{
  const uint64_t low = UINT64_C(0x00ff00ff00ff00ff);
  uint64_t sum = 0;

  for (; n > 0 && ((uintptr_t)p & 7) != 0; n--)
    sum += *p++;
  while (n >= 32) {
    /* Four 16-bit lanes, each gaining at most 2 * 255 per word: 128
     * words cannot overflow them.  Four words a turn: fewer loop
     * instructions for the emulator. */
    unsigned long words = n / 32 < 32 ? n / 32 * 4 : 128;
    const fshell_word *w = (const fshell_word *)p;
    uint64_t lanes = 0;

    for (unsigned long i = 0; i < words; i += 4)
      lanes += (w[i] & low) + ((w[i] >> 8) & low) + (w[i + 1] & low) +
               ((w[i + 1] >> 8) & low) + (w[i + 2] & low) +
               ((w[i + 2] >> 8) & low) + (w[i + 3] & low) +
               ((w[i + 3] >> 8) & low);
    sum += (lanes & 0xffff) + (lanes >> 16 & 0xffff) + (lanes >> 32 & 0xffff) +
           (lanes >> 48);
    p += words * 8;
    n -= words * 8;
  }
  for (; n > 0; n--)
    sum += *p++;
  return (uint32_t)sum;
}

/* OPEN of @len bytes from @name (NULs allowed), over the current
 * transport, without the C-string mh_open(). */
static long
open_bytes(const void *name, uint32_t len, unsigned flags)
{
  struct mh_file_req req = {
    .cmd = MH_FILE_OPEN,
    .flags = flags,
    .len = len,
    .buf = (uint64_t)(uintptr_t)name,
  };

  if (mh_get_transport() == MH_TRANSPORT_BYTE)
    return mh_file_bytes(&req, name, NULL, 0);
  return mh_file_block(&req);
}

static void
cmd_read(char **args)
{
  int fd;
  long len;
  long result;

  if (!parse_fd(next_word(args), &fd) || !parse_dec(next_word(args), &len) ||
      len < 0) {
    mh_puts("error=usage: read FD LEN");
    return;
  }
  if ((unsigned long)len > buf_size()) {
    mh_puts("error=len too big");
    return;
  }
  result = mh_read(fd, buf_start(), (unsigned long)len);
  put_result("read", result);
  if (result > 0) {
    mh_puts(" data=");
    put_escaped(buf_start(), (unsigned long)result);
  }
}

static void
cmd_readall(char **args)
{
  unsigned char *buf = buf_start();
  unsigned long total = 0;
  uint32_t sum = 0;
  long result;
  int fd;

  if (!parse_fd(next_word(args), &fd)) {
    mh_puts("error=usage: readall FD");
    return;
  }
  while ((result = mh_read(fd, buf, buf_size())) > 0) {
    sum += sum_bytes(buf, (unsigned long)result);
    total += (unsigned long)result;
  }
  if (result < 0) {
    put_result("readall", result);
    mh_puts(" total=");
    mh_put_dec(total);
    return;
  }
  mh_puts("readall=");
  mh_put_dec(total);
  mh_puts(" sum=");
  mh_put_hex(sum);
}

static void
cmd_blockreq(char **args)
{
  volatile struct mh_file_req *req = (struct mh_file_req *)FSHELL_BLOCK_GPA;
  uint64_t v[6];

  for (int i = 0; i < 6; i++) {
    if (!parse_hex(next_word(args), &v[i]) ||
        (i < 4 && v[i] > UINT32_MAX)) {
      mh_puts("error=usage: blockreq CMD FD FLAGS LEN OFFSET BUF (hex)");
      return;
    }
  }
  req->cmd = (uint32_t)v[0];
  req->fd = (int32_t)(uint32_t)v[1];
  req->flags = (uint32_t)v[2];
  req->len = (uint32_t)v[3];
  req->offset = (int64_t)v[4];
  req->buf = v[5];
  req->result = 0x5a5a5a5a5a5a5a5a; /* not a value the service returns */
  put_result("blockreq", mh_file_block((struct mh_file_req *)req));
}

/* Runs one command line (no newline). */
static void
run(char *cmdline)
{
  char *args = cmdline;
  char *cmd;
  int fd;
  long n;
  unsigned flags;
  uint64_t u;

  mh_set_transport(MH_TRANSPORT_BLOCK);
  if ((args[0] == 'b' || args[0] == 'y') && args[1] == ' ') {
    if (args[0] == 'y')
      mh_set_transport(MH_TRANSPORT_BYTE);
    args += 2;
  }
  cmd = next_word(&args);
  if (cmd == NULL) {
    mh_puts("error=unknown command");
  } else if (strcmp(cmd, "open") == 0) {
    char *name = next_word(&args);

    if (name == NULL || !parse_flags(next_word(&args), &flags))
      mh_puts("error=usage: open NAME FLAGS");
    else
      put_result("open", mh_open(name, flags));
  } else if (strcmp(cmd, "openhex") == 0) {
    n = parse_hex_bytes(next_word(&args));
    if (n < 0 || !parse_flags(next_word(&args), &flags))
      mh_puts("error=usage: openhex HEXNAME FLAGS");
    else
      put_result("open", open_bytes(bytes, (uint32_t)n, flags));
  } else if (strcmp(cmd, "close") == 0) {
    if (!parse_fd(next_word(&args), &fd))
      mh_puts("error=usage: close FD");
    else
      put_result("close", mh_close(fd));
  } else if (strcmp(cmd, "read") == 0) {
    cmd_read(&args);
  } else if (strcmp(cmd, "readall") == 0) {
    cmd_readall(&args);
  } else if (strcmp(cmd, "write") == 0) {
    /* TEXT is everything after the one space that ends FD. */
    if (!parse_fd(next_word(&args), &fd) || (n = parse_text(args)) < 0)
      mh_puts("error=usage: write FD TEXT");
    else
      put_result("write", mh_write(fd, bytes, (unsigned long)n));
  } else if (strcmp(cmd, "seek") == 0) {
    long offset;
    long whence;

    if (!parse_fd(next_word(&args), &fd) ||
        !parse_dec(next_word(&args), &offset) ||
        !parse_dec(next_word(&args), &whence) || whence < INT32_MIN ||
        whence > INT32_MAX)
      mh_puts("error=usage: seek FD OFFSET WHENCE");
    else
      put_result("seek", mh_seek(fd, offset, (int)whence));
  } else if (strcmp(cmd, "size") == 0) {
    if (!parse_fd(next_word(&args), &fd))
      mh_puts("error=usage: size FD");
    else
      put_result("size", mh_size(fd));
  } else if (strcmp(cmd, "raw") == 0) {
    n = parse_hex_bytes(next_word(&args));
    if (n < 0) {
      mh_puts("error=usage: raw HEXBYTES");
    } else {
      for (long i = 0; i < n; i++)
        mh_outb(MH_PORT_FILE, bytes[i]);
      mh_puts("raw=ok");
    }
  } else if (strcmp(cmd, "in") == 0) {
    if (!parse_dec(next_word(&args), &n) || n < 0 || n > FSHELL_BYTES_MAX) {
      mh_puts("error=usage: in N (0..512)");
    } else {
      mh_puts("in=");
      for (long i = 0; i < n; i++)
        put_hex_byte(mh_inb(MH_PORT_FILE));
    }
  } else if (strcmp(cmd, "blockat") == 0) {
    if (!parse_hex(next_word(&args), &u) || u > UINT32_MAX) {
      mh_puts("error=usage: blockat GPA (hex)");
    } else {
      mh_outl(MH_PORT_FILE, (uint32_t)u);
      mh_puts("blockat=sent");
    }
  } else if (strcmp(cmd, "blockreq") == 0) {
    cmd_blockreq(&args);
  } else {
    mh_puts("error=unknown command");
  }
  mh_putc('\n');
}

int
main(void)
{
  long len;

  if (mh_image_end() > FSHELL_BLOCK_GPA)
    mh_fail("fshell: image overlaps its scratch RAM");
  while ((len = mh_getline(line, sizeof line)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') {
      line[--len] = '\0';
    } else if (len == (long)sizeof line - 1) {
      /* Too long: drop the rest of it, answer once. */
      while ((len = mh_getline(line, sizeof line)) > 0 &&
             line[len - 1] != '\n')
        ;
      mh_puts("error=line too long\n");
      continue;
    }
    if (line[0] == '\0' || line[0] == '#')
      continue;
    run(line);
  }
  mh_puts("fshell: done\n");
  return 0;
}
