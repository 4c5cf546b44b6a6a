/* SPDX-License-Identifier: MIT */
/*
 * sanitizer-options.c - default sanitizer options, linked into the
 * hypervisor and the unit tests of a sanitizer build only
 * (configure --enable-sanitizers=LIST; see fuzz/local.mk).
 *
 * Built into the programs rather than set in the environment, so that
 * they hold however a program is started (by make check, by bats, by hand)
 * and inside the vCPU sandbox, where GCC's libubsan, which reads its
 * options only at its first report, cannot read /proc/self/environ.
 * ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS and LSAN_OPTIONS still
 * override them.
 *
 * Every report stops the program with exit status 86 (MH_SAN_EXIT), which
 * no test expects: so a test that checks the exit status fails on any
 * report, even one it does not look for on standard error.  And where
 * MH_SAN_REPORT_DIR is set (make check sets it), a process that a report
 * ends leaves a note there, so that a test that accepts any status cannot
 * hide a report either: fuzz/sanitizer-reports, the last test, looks.
 */
#include "config.h"

#include <fcntl.h>
#include <glib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MH_SAN_EXIT "86"
#define MH_SAN_COMMON \
  "halt_on_error=1:exitcode=" MH_SAN_EXIT ":print_stacktrace=1"

/* The sanitizer runtimes look these up at start-up (weak symbols). */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__tsan_default_options(void);
const char *__lsan_default_suppressions(void);

/* Is this process being traced (strace, gdb)?  Asked during ASan's own
 * start-up, before its shadow memory exists: so not instrumented, with
 * raw system calls and no C library function at all (open(), read(), even
 * strstr() are intercepted and not usable yet). */
__attribute__((no_sanitize("address", "undefined"))) static int
san_traced(void)
{
  static const char key[] = "\nTracerPid:";
  static char buf[4096];
  long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY);
  long n;

  if (fd < 0)
    return 0;
  n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  for (long i = 0; i + (long)sizeof key - 1 < n; i++) {
    long k = 0;
    while (key[k] != '\0' && buf[i + k] == key[k])
      k++;
    if (key[k] == '\0') {
      const char *p = buf + i + k;
      while (*p == ' ' || *p == '\t')
        p++;
      return *p != '0';
    }
  }
  return 0;
}

/* use_sigaltstack=0: ASan would give every thread an alternate signal
 * stack and remove it when the thread ends, with sigaltstack(), which the
 * vCPU threads' seccomp allowlist refuses (a failed CHECK then ends the
 * run).  Without it a stack overflow is still caught, only reported as a
 * plain SIGSEGV. */
#define MH_SAN_ASAN                                                  \
  MH_SAN_COMMON ":use_sigaltstack=0:detect_stack_use_after_return=1" \
                ":strict_string_checks=1:check_initialization_order=1"

const char *
__asan_default_options(void)
{
  /* LeakSanitizer stops the world with ptrace, which fails in a process
   * that is already traced (a test counts write calls under strace):
   * there the leak check is off, and only there. */
  if (san_traced())
    return MH_SAN_ASAN ":detect_leaks=0";
  return MH_SAN_ASAN ":detect_leaks=1";
}

const char *
__ubsan_default_options(void)
{
  return MH_SAN_COMMON;
}

const char *
__tsan_default_options(void)
{
  return MH_SAN_COMMON ":second_deadlock_stack=1";
}

/* LeakSanitizer suppressions: one line per allocation that is never freed
 * on purpose, each with why.  None are needed so far. */
const char *
__lsan_default_suppressions(void)
{
  return "";
}

/*
 * The report notes.  A note must be written from wherever the report
 * happens, a sandboxed vCPU thread included, where Landlock forbids
 * creating files: so every process opens its note file at start-up and
 * removes it at a normal exit, and the runtimes' death callback writes
 * into it.  A file left empty means the process was killed (SIGKILL),
 * which is not a report.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/common_interface_defs.h>

void __lsan_do_leak_check(void) __attribute__((weak));

static int san_note_fd = -1;
static char san_note_path[4096];
static char san_note[4096]; /* made in advance: nothing to do at death */
static gsize san_note_len;

static void
san_on_death(void)
{
  if (san_note_fd >= 0 && write(san_note_fd, san_note, san_note_len) < 0)
    san_note_fd = -1;
}

static void
san_note_at_exit(void)
{
  /* LeakSanitizer checks at exit too, in a handler that runs after this
   * one: check now, while the note can still report it. */
  if (__lsan_do_leak_check != NULL)
    __lsan_do_leak_check();
  if (san_note_fd >= 0) {
    close(san_note_fd);
    unlink(san_note_path);
  }
}

__attribute__((constructor)) static void
san_note_init(int argc, char **argv, char **envp)
{
  const char *dir = getenv("MH_SAN_REPORT_DIR");
  void (*set_callback)(void (*)(void));
  void *ubsan;
  int n;

  (void)envp;
  if (dir == NULL || san_note_fd >= 0)
    return;
  n = snprintf(san_note_path, sizeof san_note_path, "%s/report.%ld", dir,
               (long)getpid());
  if (n < 0 || (gsize)n >= sizeof san_note_path)
    return;
  san_note_fd = open(san_note_path,
                     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (san_note_fd < 0)
    return;
  n = snprintf(san_note, sizeof san_note, "pid %ld:", (long)getpid());
  for (int i = 0; i < argc && n > 0 && (gsize)n < sizeof san_note - 2; i++)
    n += snprintf(san_note + n, sizeof san_note - (gsize)n, " %s", argv[i]);
  san_note_len = MIN((gsize)MAX(n, 0), sizeof san_note - 2);
  memcpy(san_note + san_note_len, "\n", 2);
  san_note_len += 1;
  __sanitizer_set_death_callback(san_on_death);
  /* GCC's UBSan is a library of its own, with its own callback. */
  ubsan = dlopen("libubsan.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (ubsan != NULL) {
    *(void **)&set_callback = dlsym(ubsan, "__sanitizer_set_death_callback");
    if (set_callback != NULL)
      set_callback(san_on_death);
  }
  atexit(san_note_at_exit);
}

#if defined(__SANITIZE_THREAD__)
/*
 * ThreadSanitizer and GLib's locks.  GMutex and GCond are built on futex
 * system calls inside libglib, which is not instrumented: TSan cannot see
 * them synchronise, and would report every access made under a GMutex by
 * two threads as a data race (mh_output_write(), the input queues).  So
 * in a TSan build the hypervisor's own calls to them go through these
 * wrappers, which call GLib's functions and tell TSan what they did: TSan
 * then checks the code under these locks like code under a pthread mutex,
 * lock-order inversions included.  (Only this program's calls are
 * wrapped; GLib's internal ones, which touch none of our data, are not.)
 */
#include <signal.h>
#include <sanitizer/tsan_interface.h>

static struct san_glib_fns {
  void (*mutex_init)(GMutex *);
  void (*mutex_clear)(GMutex *);
  void (*mutex_lock)(GMutex *);
  gboolean (*mutex_trylock)(GMutex *);
  void (*mutex_unlock)(GMutex *);
  void (*cond_wait)(GCond *, GMutex *);
  gboolean (*cond_wait_until)(GCond *, GMutex *, gint64);
} san_glib;

/* GLib's own definitions, found once before main() (no lookups later,
 * inside the vCPU sandbox). */
__attribute__((constructor)) static void
san_glib_resolve(void)
{
#define SAN_RESOLVE(field, name)                                  \
  do {                                                            \
    *(void **)&san_glib.field = dlsym(RTLD_NEXT, name);           \
    if (san_glib.field == NULL)                                   \
      g_error("sanitizer-options.c: %s not found in GLib", name); \
  } while (0)
  SAN_RESOLVE(mutex_init, "g_mutex_init");
  SAN_RESOLVE(mutex_clear, "g_mutex_clear");
  SAN_RESOLVE(mutex_lock, "g_mutex_lock");
  SAN_RESOLVE(mutex_trylock, "g_mutex_trylock");
  SAN_RESOLVE(mutex_unlock, "g_mutex_unlock");
  SAN_RESOLVE(cond_wait, "g_cond_wait");
  SAN_RESOLVE(cond_wait_until, "g_cond_wait_until");
#undef SAN_RESOLVE
}

/* For the wrappers below, which a library's constructor may call before
 * this file's runs (libgobject's registers its types under a GMutex; a
 * NULL call crashed every TSan build that links json-glib): GLib's
 * definitions are then found on that first use.  Constructors run one at
 * a time, and every later call, in any thread, finds them set. */
static const struct san_glib_fns *
san_glib_fns(void)
{
  if (G_UNLIKELY(san_glib.cond_wait_until == NULL))
    san_glib_resolve();
  return &san_glib;
}

/* GLib allocates the pthread lock behind a GRWLock when first used and
 * publishes it with an atomic operation of its own, which TSan does not
 * see: the first GError made by two VM threads at once (every GError
 * takes GLib's error-domain lock) was reported as a race inside GLib.
 * Making one GError before main(), and so before any thread, sets that
 * lock up where thread creation orders it before every later use. */
/* GSlice hands memory from thread to thread through a depot under GLib's
 * futex locks, which TSan cannot see either: a slice freed by one VM
 * thread and reused by another is reported as a race.  G_SLICE=
 * always-malloc turns GSlice into plain malloc, but GLib reads it in its
 * own constructor, before this file's: so a process started without it
 * sets it and executes itself again, once (same pid, same arguments). */
__attribute__((constructor)) static void
san_glib_slice(int argc, char **argv, char **envp)
{
  (void)argc;
  (void)envp;
  if (getenv("G_SLICE") != NULL)
    return;
  setenv("G_SLICE", "always-malloc", 1);
  execv("/proc/self/exe", argv);
  /* Not reached unless exec failed: run on, reports in GSlice possible. */
}

/* GLib allocates the pthread lock behind a GRWLock when first used and
 * publishes it with an atomic operation of its own, which TSan does not
 * see: the first GError made by two VM threads at once (every GError
 * takes GLib's error-domain lock) was reported as a race inside GLib.
 * Making one GError before main(), and so before any thread, sets that
 * lock up where thread creation orders it before every later use. */
/* Quarks likewise: GLib's quark table is guarded by a lock TSan does not
 * see, so a quark first made in a VM thread (MH_ERROR's on the first
 * error, g_strsignal()'s on a stop by signal) is reported when another
 * thread looks one up.  They are made here, before any thread.  (With a
 * locale other than C, main()'s setlocale() gives g_strsignal() other
 * strings, and those quarks are still made in VM threads.) */
__attribute__((constructor)) static void
san_glib_warm_up(void)
{
  const char *volatile description; /* g_strsignal() is G_GNUC_CONST */

  /* MH_ERROR's quark, by its name in src/base/error.c (mh_error_quark() is
   * not referenced here: the unit tests link this file after libmh.a). */
  g_error_free(g_error_new_literal(g_quark_from_static_string("mh-error-quark"),
                                   0, "warm-up"));
  for (int sig = 1; sig < NSIG; sig++)
    description = g_strsignal(sig);
  (void)description;
}

void
g_mutex_init(GMutex *mutex)
{
  san_glib_fns()->mutex_init(mutex);
  __tsan_mutex_create(mutex, 0);
}

void
g_mutex_clear(GMutex *mutex)
{
  __tsan_mutex_destroy(mutex, 0);
  san_glib_fns()->mutex_clear(mutex);
}

void
g_mutex_lock(GMutex *mutex)
{
  __tsan_mutex_pre_lock(mutex, 0);
  san_glib_fns()->mutex_lock(mutex);
  __tsan_mutex_post_lock(mutex, 0, 0);
}

gboolean
g_mutex_trylock(GMutex *mutex)
{
  gboolean locked;

  __tsan_mutex_pre_lock(mutex, __tsan_mutex_try_lock);
  locked = san_glib_fns()->mutex_trylock(mutex);
  __tsan_mutex_post_lock(mutex,
                         __tsan_mutex_try_lock |
                           (locked ? 0 : __tsan_mutex_try_lock_failed),
                         0);
  return locked;
}

void
g_mutex_unlock(GMutex *mutex)
{
  __tsan_mutex_pre_unlock(mutex, 0);
  san_glib_fns()->mutex_unlock(mutex);
  __tsan_mutex_post_unlock(mutex, 0);
}

/* A wait unlocks the mutex and locks it again before it returns. */
void
g_cond_wait(GCond *cond, GMutex *mutex)
{
  __tsan_mutex_pre_unlock(mutex, 0);
  __tsan_mutex_post_unlock(mutex, 0);
  san_glib_fns()->cond_wait(cond, mutex);
  __tsan_mutex_pre_lock(mutex, 0);
  __tsan_mutex_post_lock(mutex, 0, 0);
}

gboolean
g_cond_wait_until(GCond *cond, GMutex *mutex, gint64 end_time)
{
  gboolean signalled;

  __tsan_mutex_pre_unlock(mutex, 0);
  __tsan_mutex_post_unlock(mutex, 0);
  signalled = san_glib_fns()->cond_wait_until(cond, mutex, end_time);
  __tsan_mutex_pre_lock(mutex, 0);
  __tsan_mutex_post_lock(mutex, 0, 0);
  return signalled;
}
#endif /* __SANITIZE_THREAD__ */
