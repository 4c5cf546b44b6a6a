/* SPDX-License-Identifier: MIT */
/*
 * measure.c - runs one command and reports its wall time and peak RSS,
 * for bench/run-bench.
 *
 * Usage: measure OUT ERR COMMAND [ARG...]
 * Runs COMMAND with standard output to the file OUT and standard error to
 * the file ERR (both truncated), waits for it, and prints one line:
 *   <wall time in ns> <peak RSS in KiB (ru_maxrss)> <wait status>
 *
 * Why a program of its own rather than timing from Python: Linux carries
 * a process's largest RSS across exec (the old address space's high-water
 * mark is kept in ru_maxrss), so a command spawned straight from Python
 * (posix_spawn shares Python's ~14 MiB address space until exec) reports
 * Python's RSS whenever its own is smaller.  This program forks from a
 * small address space: the child inherits only its few anonymous pages,
 * so ru_maxrss is the command's own to within ~0.2 MiB.  The clock runs
 * from just before fork to just after wait4, with no interpreter inside.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
measure_now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
  struct rusage ru;
  long long start, end;
  int out, err, status;
  pid_t pid;

  if (argc < 4) {
    fprintf(stderr, "usage: measure OUT ERR COMMAND [ARG...]\n");
    return 2;
  }
  out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  err = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    fprintf(stderr, "measure: %s: %s\n", out < 0 ? argv[1] : argv[2],
            strerror(errno));
    return 2;
  }
  start = measure_now_ns();
  pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 2;
  }
  if (pid == 0) {
    if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
      _exit(127);
    execv(argv[3], argv + 3);
    dprintf(STDERR_FILENO, "measure: %s: %s\n", argv[3], strerror(errno));
    _exit(127);
  }
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("measure: wait4");
      return 2;
    }
  }
  end = measure_now_ns();
  printf("%lld %ld %d\n", end - start, ru.ru_maxrss, status);
  return 0;
}
