/* SPDX-License-Identifier: MIT */
/* Units for the console line buffer: complete, partial and long lines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib.h>

#include "console.h"
#include "mh_abi.h"
#include "unit-main.h"

typedef struct {
  GString *text; /* everything emitted, pieces separated by '|' */
  guint lines;   /* complete lines                              */
  guint parts;   /* partial pieces                              */
} Sink;

static void
sink(gpointer user, const char *data, gsize len, gboolean complete)
{
  Sink *s = user;
  g_string_append_len(s->text, data, (gssize)len);
  g_string_append_c(s->text, '|');
  if (complete)
    s->lines++;
  else
    s->parts++;
}

static void
push(MhLineBuf *lb, const char *text, Sink *s)
{
  mh_linebuf_push(lb, (const guint8 *)text, strlen(text), sink, s);
}

static void
test_whole_lines(void)
{
  MhLineBuf lb;
  Sink s = {g_string_new(NULL), 0, 0};

  mh_linebuf_init(&lb, 64);
  push(&lb, "hel", &s);
  g_assert_cmpuint(s.text->len, ==, 0); /* nothing until the newline */
  push(&lb, "lo\nwor", &s);
  g_assert_cmpstr(s.text->str, ==, "hello\n|");
  push(&lb, "ld\n\nx", &s);
  g_assert_cmpstr(s.text->str, ==, "hello\n|world\n|\n|");
  g_assert_cmpuint(s.lines, ==, 3);
  mh_linebuf_flush(&lb, sink, &s);
  g_assert_cmpstr(s.text->str, ==, "hello\n|world\n|\n|x|");
  g_assert_cmpuint(s.parts, ==, 1);
  mh_linebuf_flush(&lb, sink, &s); /* nothing left: emits nothing */
  g_assert_cmpuint(s.parts, ==, 1);
  mh_linebuf_clear(&lb);
  g_string_free(s.text, TRUE);
}

static void
test_long_line(void)
{
  MhLineBuf lb;
  Sink s = {g_string_new(NULL), 0, 0};

  mh_linebuf_init(&lb, 4);
  push(&lb, "abcdefghij\n", &s);
  g_assert_cmpstr(s.text->str, ==, "abcd|efgh|ij\n|");
  g_assert_cmpuint(s.parts, ==, 2);
  g_assert_cmpuint(s.lines, ==, 1);
  /* Exactly full, then a newline: the newline ends an empty piece. */
  push(&lb, "wxyz\n", &s);
  g_assert_cmpstr(s.text->str, ==, "abcd|efgh|ij\n|wxyz|\n|");
  mh_linebuf_clear(&lb);
  g_string_free(s.text, TRUE);
}

static void
test_byte_at_a_time(void)
{
  MhLineBuf lb;
  Sink s = {g_string_new(NULL), 0, 0};
  const char *text = "one\ntwo\n";

  mh_linebuf_init(&lb, 16);
  for (const char *p = text; *p; p++)
    mh_linebuf_push(&lb, (const guint8 *)p, 1, sink, &s);
  g_assert_cmpstr(s.text->str, ==, "one\n|two\n|");
  mh_linebuf_clear(&lb);
  g_string_free(s.text, TRUE);
}

/* ------------------------------------------------------------------ */
/* MhOutput: the one writer to standard output                          */

static guint64
eventfd_count(int fd)
{
  guint64 n = 0;

  if (read(fd, &n, sizeof n) != sizeof n)
    return 0;
  return n;
}

/* A pipe of one page; the write end non-blocking if @nonblock. */
static void
small_pipe(int fds[2], gboolean nonblock)
{
  g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
  g_assert_cmpint(fcntl(fds[1], F_SETPIPE_SZ, 4096), >=, 4096);
  if (nonblock)
    g_assert_cmpint(fcntl(fds[1], F_SETFL, O_NONBLOCK), ==, 0);
}

typedef struct {
  int fd;
  GString *got;
} Reader;

/* Reads slowly until end of file: the writer sees a full pipe (EAGAIN on
 * a non-blocking fd) and partial writes many times over. */
static gpointer
slow_reader(gpointer data)
{
  Reader *r = data;
  char buf[1000];
  ssize_t n;

  while ((n = read(r->fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    g_assert_cmpint(n, >, 0);
    g_string_append_len(r->got, buf, n);
    g_usleep(200);
  }
  return NULL;
}

/* Lines much larger than the pipe, on a non-blocking fd: every byte
 * arrives, in order, tagged, and nothing is latched as an error. */
static void
test_output_partial_nonblocking(void)
{
  int fds[2], notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  Reader r = {.got = g_string_new(NULL)};
  GString *want = g_string_new(NULL);
  g_autofree char *line = g_malloc(50000);
  MhOutput out;
  GThread *reader;

  small_pipe(fds, TRUE);
  r.fd = fds[0];
  reader = g_thread_new("reader", slow_reader, &r);
  mh_output_init(&out, fds[1], notify);
  for (guint i = 0; i < 6; i++) {
    memset(line, 'a' + (int)i, 50000);
    mh_output_write(&out, NULL, "[t] ", line, 50000, TRUE);
    g_string_append(want, "[t] ");
    g_string_append_len(want, line, 50000);
    g_string_append_c(want, '\n');
  }
  close(fds[1]);
  g_thread_join(reader);
  g_assert_cmpint(out.write_errno, ==, 0);
  g_assert_cmpuint(eventfd_count(notify), ==, 0);
  g_assert_cmpuint(r.got->len, ==, want->len);
  g_assert_true(memcmp(r.got->str, want->str, want->len) == 0);
  mh_output_clear(&out);
  close(fds[0]);
  close(notify);
  g_string_free(r.got, TRUE);
  g_string_free(want, TRUE);
}

/* The first failure is kept, told once, and later output is dropped. */
static void
test_output_error_latch(void)
{
  int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
  int notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  MhOutput out;

  g_assert_cmpint(full, >=, 0);
  mh_output_init(&out, full, notify);
  mh_output_write(&out, NULL, NULL, "one\n", 4, FALSE);
  g_assert_cmpint(out.write_errno, ==, ENOSPC);
  mh_output_write(&out, NULL, NULL, "two\n", 4, FALSE);
  g_assert_cmpint(out.write_errno, ==, ENOSPC);
  g_assert_cmpuint(eventfd_count(notify), ==, 1);
  mh_output_clear(&out);
  close(full);
  close(notify);
}

/* A reader that went away is EPIPE (SIGPIPE is ignored, as in main). */
static void
test_output_epipe(void)
{
  int fds[2], notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  MhOutput out;

  signal(SIGPIPE, SIG_IGN);
  small_pipe(fds, FALSE);
  close(fds[0]);
  mh_output_init(&out, fds[1], notify);
  mh_output_write(&out, NULL, NULL, "x", 1, TRUE);
  g_assert_cmpint(out.write_errno, ==, EPIPE);
  g_assert_cmpuint(eventfd_count(notify), ==, 1);
  mh_output_clear(&out);
  close(fds[1]);
  close(notify);
}

/* A writer whose VM is stopping gives up on a pipe nobody reads, on a
 * blocking and a non-blocking fd alike, and it is no output error. */
static void
test_output_stop_gives_up(void)
{
  for (int nonblock = 0; nonblock <= 1; nonblock++) {
    int fds[2], notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    g_autofree char *big = g_malloc0(3 * 4096);
    gint stop = 1;
    MhOutput out;

    small_pipe(fds, nonblock);
    mh_output_init(&out, fds[1], notify);
    /* Would block forever (or spin on EAGAIN) without the stop. */
    mh_output_write(&out, &stop, NULL, big, 3 * 4096, FALSE);
    g_assert_cmpint(out.write_errno, ==, 0);
    g_assert_cmpuint(eventfd_count(notify), ==, 0);
    mh_output_clear(&out);
    close(fds[0]);
    close(fds[1]);
    close(notify);
  }
}

/* A reset console is as mh_console_init() left it: what the guest wrote
 * went out first, the counters, the limit and the input it had read
 * ahead are gone; its output, limit and input queue stay. */
static void
test_reset(void)
{
  int fds[2], notify = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  gint stop = 0;
  guint8 in_byte = 0;
  char got[64] = {0};
  MhOutput out;
  MhInput in;
  MhConsole con;
  MhIoAccess put = {.port = 0xE9,
                    .dir = MH_IO_OUT,
                    .size = 1,
                    .count = 3,
                    .data = (guint8 *)"abc"};
  MhIoAccess get = {.port = 0xE9,
                    .dir = MH_IO_IN,
                    .size = 1,
                    .count = 1,
                    .data = &in_byte};

  small_pipe(fds, FALSE);
  mh_output_init(&out, fds[1], notify);
  mh_input_init(&in, -1);
  mh_console_init(&con,
                  &(MhConsoleConfig){.output = &out,
                                     .out_limit = 2,
                                     .file_fd = -1},
                  &in, &stop);
  g_assert_cmpuint(mh_input_push(&in, (const guint8 *)"xyz", 3), ==,
                   0); /* none dropped */
  mh_input_close(&in);
  g_assert_true(mh_console_io(&con, &put, NULL));
  g_assert_true(mh_console_io(&con, &get, NULL));
  g_assert_cmpint(in_byte, ==, 'x');
  g_assert_true(con.limit_hit);
  g_assert_cmpuint(con.bytes_out, ==, 2);
  g_assert_cmpuint(con.bytes_in, ==, 1);

  mh_console_reset(&con);
  /* The partial line "ab" was written before the reset forgot it. */
  g_assert_cmpint(read(fds[0], got, sizeof got), ==, 2);
  g_assert_cmpstr(got, ==, "ab");
  g_assert_false(con.limit_hit);
  g_assert_cmpuint(con.bytes_out, ==, 0);
  g_assert_cmpuint(con.bytes_in, ==, 0);
  g_assert_cmpuint(con.out_limit, ==, 2);
  g_assert_true(con.output == &out && con.input == &in);
  /* "yz", read ahead for the last guest, is not the next one's: the
   * queue (closed, empty) says end of input. */
  g_assert_true(mh_console_io(&con, &get, NULL));
  g_assert_cmpint(in_byte, ==, MH_CONSOLE_EOF);
  g_assert_cmpuint(con.bytes_in, ==, 0);

  mh_console_clear(&con);
  mh_input_clear(&in);
  mh_output_clear(&out);
  close(fds[0]);
  close(fds[1]);
  close(notify);
}

static const MhUnitTest tests[] = {
  {"/console/whole-lines", test_whole_lines},
  {"/console/long-line", test_long_line},
  {"/console/byte-at-a-time", test_byte_at_a_time},
  {"/console/output/partial-nonblocking", test_output_partial_nonblocking},
  {"/console/output/error-latch", test_output_error_latch},
  {"/console/output/epipe", test_output_epipe},
  {"/console/output/stop-gives-up", test_output_stop_gives_up},
  {"/console/reset", test_reset},
};

MH_UNIT_MAIN(tests)
