/* SPDX-License-Identifier: MIT */
/* Units for the fd helpers: whole writes through short writes and EINTR,
 * eventfd signals, copies of file ranges in the kernel and by hand. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fdio.h"
#include "unit-main.h"

/* A seam, as in test-fileio.c: these definitions of write() and
 * copy_file_range() take the place of the C library's in this test
 * program.  Each takes its next action from a script while one is set
 * (then passes through): a failure with an errno, a write cut to a few
 * bytes, or one that takes nothing. */
typedef enum {
  ACT_PASS,  /* the real call                    */
  ACT_FAIL,  /* -1 with errno = arg              */
  ACT_SHORT, /* the real call, for at most arg bytes */
  ACT_ZERO,  /* 0: nothing taken                 */
} Action;

typedef struct {
  Action act;
  int arg;
} Step;

typedef struct {
  gboolean on;
  const Step *steps;
  guint n;
  guint next;  /* the next of @steps             */
  Step then;   /* every call after @steps        */
  guint calls; /* calls made while on            */
} Script;

static Script write_script;
static Script cfr_script;

/* Answers a call of *@n bytes from @s's next step: TRUE with *@ret if
 * the step stands for the call, FALSE to make the real call (for at most
 * *@n bytes). */
static gboolean
script_answer(Script *s, size_t *n, ssize_t *ret)
{
  const Step *step;

  if (!s->on)
    return FALSE;
  s->calls++;
  step = s->next < s->n ? &s->steps[s->next++] : &s->then;
  switch (step->act) {
  case ACT_FAIL:
    errno = step->arg;
    *ret = -1;
    return TRUE;
  case ACT_ZERO: *ret = 0; return TRUE;
  case ACT_SHORT: *n = MIN(*n, (size_t)step->arg); return FALSE;
  case ACT_PASS: break;
  }
  return FALSE;
}

static void
script_set(Script *s, const Step *steps, guint n, Step then)
{
  *s = (Script){TRUE, steps, n, 0, then, 0};
}

static void
script_clear(Script *s)
{
  *s = (Script){0};
}

ssize_t
write(int fd, const void *buf, size_t n)
{
  ssize_t ret;

  if (script_answer(&write_script, &n, &ret))
    return ret;
  return syscall(SYS_write, fd, buf, n);
}

ssize_t
copy_file_range(int fd_in, off_t *off_in, int fd_out, off_t *off_out,
                size_t len, unsigned int flags)
{
  ssize_t ret;

  if (script_answer(&cfr_script, &len, &ret))
    return ret;
  return syscall(SYS_copy_file_range, fd_in, off_in, fd_out, off_out, len,
                 flags);
}

static const Step PASS = {ACT_PASS, 0};

/* @n bytes of a pattern with no period that divides 64 KiB or a pipe's
 * buffer, so that a chunk written twice or skipped shows. */
static GByteArray *
pattern(gsize n, guint seed)
{
  GByteArray *a = g_byte_array_sized_new((guint)n);

  for (gsize i = 0; i < n; i++) {
    guint8 b = (guint8)((i * 7 + i / 251 + seed) & 0xff);
    g_byte_array_append(a, &b, 1);
  }
  return a;
}

/* Reads @fd to its end. */
static GByteArray *
read_to_end(int fd, gsize chunk)
{
  GByteArray *a = g_byte_array_new();
  g_autofree guint8 *buf = g_malloc(chunk);
  ssize_t n;

  while ((n = read(fd, buf, chunk)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    g_assert_cmpint(n, >, 0);
    g_byte_array_append(a, buf, (guint)n);
  }
  return a;
}

static void
assert_same(const GByteArray *a, const guint8 *b, gsize n)
{
  g_assert_cmpmem(a->data, a->len, b, n);
}

/* ------------------------------------------------------------------ */
/* Write all                                                            */

typedef struct {
  int fd;
  gsize chunk;
  GByteArray *got;
} Reader;

static gpointer
reader_thread(gpointer data)
{
  Reader *r = data;

  r->got = read_to_end(r->fd, r->chunk);
  return NULL;
}

/* 1 MiB through a one-page pipe, read in small pieces by another thread:
 * the writer blocks many times and must resume where it was. */
static void
test_write_all_pipe(void)
{
  g_autoptr(GByteArray) data = pattern(1 << 20, 1);
  Reader r = {.chunk = 1000};
  GThread *t;
  int p[2];

  g_assert_no_errno(pipe2(p, O_CLOEXEC));
  fcntl(p[1], F_SETPIPE_SZ, 4096); /* the smallest; a hint is enough */
  r.fd = p[0];
  t = g_thread_new("reader", reader_thread, &r);
  g_assert_cmpint(mh_fd_write_all(p[1], data->data, data->len, NULL), ==, 0);
  close(p[1]);
  g_thread_join(t);
  close(p[0]);
  assert_same(r.got, data->data, data->len);
  g_byte_array_unref(r.got);
}

/* Short writes and EINTR, in every order, then a pass: each byte once,
 * in order. */
static void
test_write_all_short(void)
{
  static const Step steps[] = {
    {ACT_FAIL, EINTR}, {ACT_SHORT, 1}, {ACT_SHORT, 3}, {ACT_FAIL, EINTR},
    {ACT_FAIL, EINTR}, {ACT_SHORT, 7}, {ACT_PASS, 0},
  };
  g_autoptr(GByteArray) data = pattern(5000, 2);
  g_autoptr(GByteArray) got = NULL;
  int p[2];

  g_assert_no_errno(pipe2(p, O_CLOEXEC));
  script_set(&write_script, steps, G_N_ELEMENTS(steps), PASS);
  /* The pass writes the rest: the pipe (64 KiB by default) takes it all
   * without a reader. */
  g_assert_cmpint(mh_fd_write_all(p[1], data->data, data->len, NULL), ==, 0);
  g_assert_cmpuint(write_script.calls, ==, G_N_ELEMENTS(steps));
  script_clear(&write_script);
  close(p[1]);
  got = read_to_end(p[0], 4096);
  close(p[0]);
  assert_same(got, data->data, data->len);
}

static void
test_write_all_zero(void)
{
  static const Step steps[] = {{ACT_SHORT, 2}, {ACT_ZERO, 0}};
  g_autoptr(GByteArray) got = NULL;
  int p[2];

  g_assert_no_errno(pipe2(p, O_CLOEXEC));
  script_set(&write_script, steps, G_N_ELEMENTS(steps), PASS);
  g_assert_cmpint(mh_fd_write_all(p[1], "abcdef", 6, NULL), ==, EIO);
  g_assert_cmpuint(write_script.calls, ==, 2); /* no retry after 0 */
  script_clear(&write_script);
  close(p[1]);
  got = read_to_end(p[0], 16);
  close(p[0]);
  assert_same(got, (const guint8 *)"ab", 2);
}

static void
test_write_all_errors(void)
{
  int p[2];
  char full[65536] = {0};

  /* The errno of the write that failed, as it was. */
  g_assert_cmpint(mh_fd_write_all(-1, "x", 1, NULL), ==, EBADF);
  /* Nothing to write: no write at all, even to a bad fd. */
  g_assert_cmpint(mh_fd_write_all(-1, "", 0, NULL), ==, 0);

  /* A reader gone: EPIPE (SIGPIPE is ignored, as the hypervisor does). */
  g_assert_no_errno(pipe2(p, O_CLOEXEC));
  close(p[0]);
  g_assert_cmpint(mh_fd_write_all(p[1], "x", 1, NULL), ==, EPIPE);
  close(p[1]);

  /* A full non-blocking pipe: EAGAIN at once, no waiting for room. */
  g_assert_no_errno(pipe2(p, O_CLOEXEC | O_NONBLOCK));
  while (write(p[1], full, sizeof full) > 0)
    ;
  g_assert_cmpint(mh_fd_write_all(p[1], full, sizeof full, NULL), ==, EAGAIN);
  close(p[0]);
  close(p[1]);
}

/* With a stop flag, EINTR is retried while it is 0 and ends the write
 * once it is set. */
static void
test_write_all_stop(void)
{
  static const Step eintr[] = {{ACT_SHORT, 1}, {ACT_FAIL, EINTR}};
  g_autoptr(GByteArray) got = NULL;
  gint stop = 0;
  int p[2];

  g_assert_no_errno(pipe2(p, O_CLOEXEC));
  script_set(&write_script, eintr, G_N_ELEMENTS(eintr), PASS);
  g_assert_cmpint(mh_fd_write_all(p[1], "abc", 3, &stop), ==, 0);
  stop = 1;
  script_set(&write_script, eintr, G_N_ELEMENTS(eintr), PASS);
  g_assert_cmpint(mh_fd_write_all(p[1], "def", 3, &stop), ==, EINTR);
  g_assert_cmpuint(write_script.calls, ==, 2);
  /* Set, but no signal: the write goes on as usual. */
  script_set(&write_script, eintr, 1, PASS);
  g_assert_cmpint(mh_fd_write_all(p[1], "ghi", 3, &stop), ==, 0);
  script_clear(&write_script);
  close(p[1]);
  got = read_to_end(p[0], 16);
  close(p[0]);
  assert_same(got, (const guint8 *)"abcdghi", 7);
}

/* Real signals, not scripted ones: a thread keeps interrupting the writer
 * (a handler without SA_RESTART, as the kick's) while a slow reader
 * drains a socket; whatever mix of EINTR and short writes that gives,
 * every byte arrives once. */
static gint interrupts;

static void
on_usr1(int signo)
{
  (void)signo;
  g_atomic_int_inc(&interrupts);
}

typedef struct {
  pthread_t target;
  gint done;
} Kicker;

static gpointer
kicker_thread(gpointer data)
{
  Kicker *k = data;

  while (!g_atomic_int_get(&k->done)) {
    pthread_kill(k->target, SIGUSR1);
    g_usleep(50); /* pacing only: nothing is asserted about it */
  }
  return NULL;
}

static void
test_write_all_signals(void)
{
  g_autoptr(GByteArray) data = pattern(1 << 20, 3);
  struct sigaction sa = {.sa_handler = on_usr1}, old;
  Kicker k = {.target = pthread_self()};
  Reader r = {.chunk = 777};
  int buf = 4096, sv[2];
  GThread *reader, *kicker;

  g_assert_no_errno(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  sigemptyset(&sa.sa_mask);
  g_assert_no_errno(sigaction(SIGUSR1, &sa, &old));
  r.fd = sv[1];
  reader = g_thread_new("reader", reader_thread, &r);
  kicker = g_thread_new("kicker", kicker_thread, &k);
  g_assert_cmpint(mh_fd_write_all(sv[0], data->data, data->len, NULL), ==, 0);
  g_atomic_int_set(&k.done, 1);
  g_thread_join(kicker);
  close(sv[0]);
  g_thread_join(reader);
  close(sv[1]);
  sigaction(SIGUSR1, &old, NULL);
  g_test_message("%d signals during the write", g_atomic_int_get(&interrupts));
  assert_same(r.got, data->data, data->len);
  g_byte_array_unref(r.got);
}

/* ------------------------------------------------------------------ */
/* Signal an eventfd                                                    */

static guint64
eventfd_take(int fd)
{
  guint64 v = 0;

  g_assert_cmpint(read(fd, &v, sizeof v), ==, sizeof v);
  return v;
}

static void
test_signal(void)
{
  static const Step eintr[] = {{ACT_FAIL, EINTR}, {ACT_FAIL, EINTR}};
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  guint64 v = 0;

  g_assert_cmpint(fd, >=, 0);
  mh_fd_signal(fd);
  mh_fd_signal(fd);
  mh_fd_signal(fd);
  g_assert_cmpuint(eventfd_take(fd), ==, 3);
  g_assert_cmpint(read(fd, &v, sizeof v), ==, -1); /* nothing more */
  g_assert_cmpint(errno, ==, EAGAIN);

  /* Interrupted: tried again, counted once. */
  script_set(&write_script, eintr, G_N_ELEMENTS(eintr), PASS);
  mh_fd_signal(fd);
  g_assert_cmpuint(write_script.calls, ==, 3);
  script_clear(&write_script);
  g_assert_cmpuint(eventfd_take(fd), ==, 1);

  /* A counter at its maximum refuses the 1 (EAGAIN): the signal returns
   * instead of spinning, and the fd stays readable. */
  v = G_MAXUINT64 - 1;
  g_assert_cmpint(write(fd, &v, sizeof v), ==, sizeof v);
  mh_fd_signal(fd);
  g_assert_cmpuint(eventfd_take(fd), ==, G_MAXUINT64 - 1);
  close(fd);
}

/* ------------------------------------------------------------------ */
/* Copy a range                                                         */

typedef struct {
  char *dir;
  int in_fd;
  int out_fd;
  GByteArray *data; /* what in_fd holds */
} CopyFixture;

/* More than the hand copy's 64 KiB chunk, and not a multiple of it. */
#define COPY_SIZE (3 * 65536 + 1234)

static void
copy_setup(CopyFixture *f, gconstpointer user)
{
  g_autofree char *in = NULL;
  g_autofree char *out = NULL;

  (void)user;
  f->dir = g_dir_make_tmp("test-fdio-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  in = g_build_filename(f->dir, "in", NULL);
  out = g_build_filename(f->dir, "out", NULL);
  f->data = pattern(COPY_SIZE, 4);
  g_assert_true(
    g_file_set_contents(in, (const char *)f->data->data, f->data->len, NULL));
  f->in_fd = open(in, O_RDONLY | O_CLOEXEC);
  f->out_fd = open(out, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_assert_cmpint(f->in_fd, >=, 0);
  g_assert_cmpint(f->out_fd, >=, 0);
}

static void
copy_teardown(CopyFixture *f, gconstpointer user)
{
  g_autofree char *in = g_build_filename(f->dir, "in", NULL);
  g_autofree char *out = g_build_filename(f->dir, "out", NULL);

  (void)user;
  script_clear(&write_script);
  script_clear(&cfr_script);
  close(f->in_fd);
  close(f->out_fd);
  g_unlink(in);
  g_unlink(out);
  g_rmdir(f->dir);
  g_free(f->dir);
  g_byte_array_unref(f->data);
}

/* What the output file holds. */
static GByteArray *
copy_output(CopyFixture *f)
{
  GByteArray *a = g_byte_array_new();
  guint8 buf[4096];
  off_t at = 0;
  ssize_t n;

  while ((n = pread(f->out_fd, buf, sizeof buf, at)) > 0) {
    g_byte_array_append(a, buf, (guint)n);
    at += n;
  }
  g_assert_cmpint(n, ==, 0);
  return a;
}

/* Copies [@off, @off + @len) after what the output holds; checks the
 * result, the count, both file positions and the output's contents. */
static void
copy_check(CopyFixture *f, guint64 off, guint64 len, int want_err,
           guint64 want_copied)
{
  off_t out_before = lseek(f->out_fd, 0, SEEK_CUR);
  g_autoptr(GByteArray) before = copy_output(f);
  g_autoptr(GByteArray) after = NULL;
  guint64 copied = G_MAXUINT64;

  g_assert_cmpint(lseek(f->in_fd, 17, SEEK_SET), ==, 17);
  g_assert_cmpint(mh_fd_copy_range(f->in_fd, off, f->out_fd, len, &copied), ==,
                  want_err);
  g_assert_cmpuint(copied, ==, want_copied);
  /* The source's position is neither used nor moved. */
  g_assert_cmpint(lseek(f->in_fd, 0, SEEK_CUR), ==, 17);
  /* The output's moved by what was copied, and holds it there. */
  g_assert_cmpint(lseek(f->out_fd, 0, SEEK_CUR), ==,
                  out_before + (off_t)want_copied);
  after = copy_output(f);
  g_assert_cmpuint(after->len, ==, before->len + want_copied);
  g_assert_cmpmem(after->data, before->len, before->data, before->len);
  if (want_copied > 0)
    g_assert_cmpmem(after->data + before->len, want_copied, f->data->data + off,
                    want_copied);
}

/* The ranges every copy test goes through, one after the other into the
 * same output. */
static void
copy_ranges(CopyFixture *f)
{
  copy_check(f, 0, 0, 0, 0);
  copy_check(f, 0, COPY_SIZE, 0, COPY_SIZE);
  copy_check(f, 1, 65536 + 3, 0, 65536 + 3);
  copy_check(f, 65535, 2, 0, 2);
  copy_check(f, COPY_SIZE - 1, 1, 0, 1);
  copy_check(f, COPY_SIZE, 0, 0, 0);
  copy_check(f, 1000, 0, 0, 0);
  /* Past the end: what there is, then EIO (the source ended early). */
  copy_check(f, COPY_SIZE - 10, 20, EIO, 10);
  copy_check(f, COPY_SIZE - 70000, 140000, EIO, 70000);
  copy_check(f, COPY_SIZE, 1, EIO, 0);
  copy_check(f, COPY_SIZE + 5000, 1, EIO, 0);
}

static void
test_copy_kernel(CopyFixture *f, gconstpointer user)
{
  (void)user;
  copy_ranges(f);
}

/* copy_file_range() refused with each errno that means "not between
 * these files": every chunk by hand, through short and interrupted
 * writes. */
static void
test_copy_fallback(CopyFixture *f, gconstpointer user)
{
  static const Step writes[] = {
    {ACT_SHORT, 100}, {ACT_FAIL, EINTR},  {ACT_SHORT, 1},
    {ACT_PASS, 0},    {ACT_SHORT, 65535},
  };
  const int refusals[] = {EXDEV, ENOSYS, EOPNOTSUPP, EINVAL};

  (void)user;
  for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
    script_set(&cfr_script, NULL, 0, (Step){ACT_FAIL, refusals[i]});
    script_set(&write_script, writes, G_N_ELEMENTS(writes), PASS);
    copy_ranges(f);
    g_assert_cmpuint(write_script.next, ==, G_N_ELEMENTS(writes));
    /* One attempt in the kernel before every chunk by hand. */
    g_assert_cmpuint(cfr_script.calls, >=, write_script.calls);
  }
}

/* Interrupted and partial in-kernel copies resume where they stopped; a
 * refusal part way falls back for the rest. */
static void
test_copy_interrupted(CopyFixture *f, gconstpointer user)
{
  static const Step steps[] = {
    {ACT_FAIL, EINTR}, {ACT_SHORT, 1},    {ACT_SHORT, 4095},
    {ACT_FAIL, EINTR}, {ACT_FAIL, EXDEV}, {ACT_SHORT, 10},
  };

  (void)user;
  script_set(&cfr_script, steps, G_N_ELEMENTS(steps), PASS);
  copy_check(f, 3, COPY_SIZE - 3, 0, COPY_SIZE - 3);
  g_assert_cmpuint(cfr_script.next, ==, G_N_ELEMENTS(steps));
}

static void
test_copy_errors(CopyFixture *f, gconstpointer user)
{
  static const Step zero[] = {{ACT_SHORT, 5}, {ACT_ZERO, 0}};
  int p[2];
  guint64 copied = 1;

  (void)user;
  /* Any other failure ends the copy with its errno. */
  script_set(&cfr_script, NULL, 0, (Step){ACT_FAIL, EIO});
  copy_check(f, 0, 10, EIO, 0);
  script_set(&cfr_script, NULL, 0, (Step){ACT_FAIL, ENOSPC});
  copy_check(f, 0, 10, ENOSPC, 0);
  g_assert_cmpuint(cfr_script.calls, ==, 1);
  /* A hand copy whose write takes nothing: EIO, no loop. */
  script_set(&cfr_script, NULL, 0, (Step){ACT_FAIL, EXDEV});
  script_set(&write_script, zero, G_N_ELEMENTS(zero), PASS);
  copy_check(f, 0, 10, EIO, 5);
  g_assert_cmpuint(write_script.calls, ==, 2);
  script_clear(&write_script);
  script_clear(&cfr_script);

  /* The real errors: a source that cannot be read at an offset (a
   * pipe: copy_file_range refuses it, pread then fails with ESPIPE), an
   * output not open for writing. */
  g_assert_no_errno(pipe2(p, O_CLOEXEC));
  g_assert_cmpint(write(p[1], "abc", 3), ==, 3);
  g_assert_cmpint(mh_fd_copy_range(p[0], 0, f->out_fd, 3, &copied), ==, ESPIPE);
  g_assert_cmpuint(copied, ==, 0);
  close(p[0]);
  close(p[1]);
  g_assert_cmpint(mh_fd_copy_range(f->in_fd, 0, f->in_fd, 3, &copied), ==,
                  EBADF);
  g_assert_cmpuint(copied, ==, 0);
  /* NULL for the count is fine. */
  g_assert_cmpint(mh_fd_copy_range(f->in_fd, 0, f->out_fd, 3, NULL), ==, 0);
}

/* A range past the largest file offset copies nothing, whatever the
 * fds: no offset arithmetic can wrap. */
static void
test_copy_overflow(CopyFixture *f, gconstpointer user)
{
  static const guint64 ranges[][2] = {
    {G_MAXUINT64, 1},      {G_MAXUINT64, 0}, {(guint64)G_MAXINT64 + 1, 0},
    {1, G_MAXINT64},       {0, G_MAXUINT64}, {(guint64)G_MAXINT64, 1},
    {G_MAXUINT64 - 5, 10},
  };

  (void)user;
  for (guint i = 0; i < G_N_ELEMENTS(ranges); i++)
    copy_check(f, ranges[i][0], ranges[i][1], EINVAL, 0);
  /* The largest offset itself, with nothing to copy, is fine. */
  copy_check(f, G_MAXINT64, 0, 0, 0);
}

/* The copies use a fixture; SIGPIPE is ignored, as the program does. */
static void
add_fixture_tests(void)
{
  signal(SIGPIPE, SIG_IGN);
  g_test_add("/fdio/copy-range/kernel", CopyFixture, NULL, copy_setup,
             test_copy_kernel, copy_teardown);
  g_test_add("/fdio/copy-range/fallback", CopyFixture, NULL, copy_setup,
             test_copy_fallback, copy_teardown);
  g_test_add("/fdio/copy-range/interrupted", CopyFixture, NULL, copy_setup,
             test_copy_interrupted, copy_teardown);
  g_test_add("/fdio/copy-range/errors", CopyFixture, NULL, copy_setup,
             test_copy_errors, copy_teardown);
  g_test_add("/fdio/copy-range/overflow", CopyFixture, NULL, copy_setup,
             test_copy_overflow, copy_teardown);
}

static const MhUnitTest tests[] = {
  {"/fdio/write-all/pipe", test_write_all_pipe},
  {"/fdio/write-all/short", test_write_all_short},
  {"/fdio/write-all/zero", test_write_all_zero},
  {"/fdio/write-all/errors", test_write_all_errors},
  {"/fdio/write-all/stop", test_write_all_stop},
  {"/fdio/write-all/signals", test_write_all_signals},
  {"/fdio/signal", test_signal},
};

MH_UNIT_MAIN_ADD(add_fixture_tests, tests)
