/* SPDX-License-Identifier: MIT */
/*
 * fuzz-common.h - what the libFuzzer harnesses share: a reader that takes
 * typed values from the fuzzer's input (zeros once it runs out, so every
 * input is a complete program), GLib's warnings made fatal, and a check
 * that names the broken invariant before it crashes.
 */
#ifndef MH_FUZZ_COMMON_H
#define MH_FUZZ_COMMON_H

#include <ftw.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken invariant is a crash that libFuzzer saves as a reproducer. */
#define FUZZ_CHECK(cond, ...)                                              \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, \
              #cond);                                                      \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
      abort();                                                             \
    }                                                                      \
  } while (0)

typedef struct {
  const guint8 *data;
  gsize size;
  gsize pos;
} FuzzIn;

static inline void
fuzz_in_init(FuzzIn *in, const guint8 *data, gsize size)
{
  in->data = data;
  in->size = size;
  in->pos = 0;
}

static inline gboolean
fuzz_in_done(const FuzzIn *in)
{
  return in->pos >= in->size;
}

static inline gsize
fuzz_in_left(const FuzzIn *in)
{
  return in->pos < in->size ? in->size - in->pos : 0;
}

static inline guint8
fuzz_u8(FuzzIn *in)
{
  return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline guint16
fuzz_u16(FuzzIn *in)
{
  guint16 lo = fuzz_u8(in);
  return (guint16)(lo | (guint16)fuzz_u8(in) << 8);
}

static inline guint32
fuzz_u32(FuzzIn *in)
{
  guint32 lo = fuzz_u16(in);
  return lo | (guint32)fuzz_u16(in) << 16;
}

static inline guint64
fuzz_u64(FuzzIn *in)
{
  guint64 lo = fuzz_u32(in);
  return lo | (guint64)fuzz_u32(in) << 32;
}

/* Up to @max bytes of the input, without copying; sets *@n. */
static inline const guint8 *
fuzz_bytes(FuzzIn *in, gsize max, gsize *n)
{
  const guint8 *p = in->data + MIN(in->pos, in->size);
  *n = MIN(max, fuzz_in_left(in));
  in->pos += *n;
  return p;
}

/* GLib's criticals and warnings mean a broken precondition: crash. */
static inline void
fuzz_glib_strict(void)
{
  g_log_set_always_fatal(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
                         G_LOG_LEVEL_WARNING);
}

static inline int
fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

/* Removes a scratch directory and everything in it (at exit). */
static inline void
fuzz_rm_rf(const char *dir)
{
  nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new scratch directory, in /dev/shm where there is one: a harness that
 * makes and removes files for every input runs several times faster on
 * tmpfs than on a disk filesystem. */
static inline char *
fuzz_scratch_dir(const char *name)
{
  const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                                                   : g_get_tmp_dir();
  char *dir = g_strdup_printf("%s/mh-fuzz-%s-XXXXXX", base, name);

  FUZZ_CHECK(g_mkdtemp(dir) != NULL, "cannot make %s", dir);
  return dir;
}

#endif /* MH_FUZZ_COMMON_H */
