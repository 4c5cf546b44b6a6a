/* SPDX-License-Identifier: MIT */
/*
 * fuzz-common.h - what the libFuzzer harnesses share: a reader that takes
 * typed values from the fuzzer's input (zeros once it runs out, so every
 * input is a complete program), GLib's warnings made fatal, and a check
 * that names the broken invariant before it crashes.
 */
#ifndef MH_FUZZ_COMMON_H
#define MH_FUZZ_COMMON_H

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  gsize         size;
  gsize         pos;
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

#endif /* MH_FUZZ_COMMON_H */
