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
 * report, even one it does not look for on standard error.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
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

/* Is this process being traced (strace, gdb)?  Asked during the
 * runtime's own start-up, so with raw system calls only: the C library's
 * open() and read() are intercepted and not usable yet. */
static int
san_traced(void)
{
  static char buf[4096];
  const char *p;
  long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/status", 0 /* O_RDONLY */);
  long n;

  if (fd < 0)
    return 0;
  n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  p = strstr(buf, "TracerPid:");
  if (p == NULL)
    return 0;
  p += strlen("TracerPid:");
  while (*p == ' ' || *p == '\t')
    p++;
  return *p != '0';
}

const char *
__asan_default_options(void)
{
  /* LeakSanitizer stops the world with ptrace, which fails in a process
   * that is already traced (a test counts write calls under strace):
   * there the leak check is off, and only there. */
  if (san_traced())
    return MH_SAN_COMMON ":detect_leaks=0:detect_stack_use_after_return=1"
                         ":strict_string_checks=1:check_initialization_order=1";
  return MH_SAN_COMMON ":detect_leaks=1:detect_stack_use_after_return=1"
                       ":strict_string_checks=1:check_initialization_order=1";
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
