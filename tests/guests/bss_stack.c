/* SPDX-License-Identifier: MIT */
/*
 * bss_stack.c - checks what a C guest takes for granted: .bss is zero
 * (the hypervisor zeroes RAM; nothing clears it in the guest), .data
 * holds its initial values, and the stack is usable several KiB deep.
 * Prints "OK" on success, fails through mh_fail otherwise.
 */
#include "mh_guest.h"

#define BSS_WORDS   1024 /* 8 KiB of .bss */
#define FRAME_BYTES 256
#define STRIDE      8    /* bytes of a frame touched: every 8th (the CPU is
                          * emulated at CPL 0, so keep the loops short) */
#define DEPTH       24   /* about 7 KiB of stack with the frame overhead */

/* volatile: never written, so GCC would otherwise fold the reads to 0. */
static volatile uint64_t zeroes[BSS_WORDS];
static volatile uint64_t initialised = 0x0123456789abcdefull;

/* Fills a frame-sized buffer on the stack, recurses, then checks that the
 * buffer survived the deeper calls. */
__attribute__((noinline)) static uint64_t
descend(unsigned depth)
{
  volatile uint8_t frame[FRAME_BYTES];
  uint64_t sum = 0;

  for (unsigned i = 0; i < FRAME_BYTES; i += STRIDE)
    frame[i] = (uint8_t)(depth + i);
  if (depth > 0)
    sum = descend(depth - 1);
  for (unsigned i = 0; i < FRAME_BYTES; i += STRIDE) {
    if (frame[i] != (uint8_t)(depth + i))
      mh_fail("bss_stack: a stack frame was overwritten");
    sum += frame[i];
  }
  return sum;
}

int
main(void)
{
  uint64_t want = 0;

  for (unsigned i = 0; i < BSS_WORDS; i++) {
    if (zeroes[i] != 0)
      mh_fail("bss_stack: .bss is not zero");
  }
  if (initialised != 0x0123456789abcdefull)
    mh_fail("bss_stack: .data lost its initial value");

  for (unsigned d = 0; d <= DEPTH; d++) {
    for (unsigned i = 0; i < FRAME_BYTES; i += STRIDE)
      want += (uint8_t)(d + i);
  }
  if (descend(DEPTH) != want)
    mh_fail("bss_stack: wrong sum from the recursion");

  mh_puts("OK\n");
  return 0;
}
