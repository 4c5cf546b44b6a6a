/* SPDX-License-Identifier: MIT */
/*
 * memtest.c - checks that every 2 MiB region of RAM is really there.
 *
 * The RAM size comes from the stack pointer at entry (the top of RAM),
 * cross-checked against RDI.  In each region the first and the last byte
 * that belong to neither the image nor the live stack are written with a
 * pattern unique to the region; only after all regions are written are
 * they read back, so two regions backed by the same memory (aliasing)
 * are caught as well as missing memory.  Each byte is then checked with
 * the inverted pattern too, and finally cleared.
 */
#include "mh_guest.h"

#define REGION_SIZE  (2ull << 20)
#define STACK_MARGIN 4096u /* bytes below the current RSP kept for calls */

/* The bytes tested in region @index: the first and the last one in
 * [@low, @high).  Returns 0 if the region has none. */
static int
region_bytes(uint64_t index, uint64_t low, uint64_t high, uint64_t *first,
             uint64_t *last)
{
  uint64_t base = index * REGION_SIZE;

  *first = base < low ? low : base;
  *last = base + REGION_SIZE - 1;
  if (*last >= high)
    *last = high - 1;
  return *first <= *last;
}

static uint8_t
pattern(uint64_t index, int which)
{
  return (uint8_t)(0xa5 ^ (index << 4) ^ (uint64_t)which);
}

static uint64_t
current_rsp(void)
{
  uint64_t rsp;

  __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
  return rsp;
}

static _Noreturn void
report_bad(uint64_t addr, uint8_t want, uint8_t got)
{
  mh_puts("memtest: byte ");
  mh_put_hex(addr);
  mh_puts(" reads ");
  mh_put_hex(got);
  mh_puts(", wrote ");
  mh_put_hex(want);
  mh_putc('\n');
  mh_fail("memtest: FAILED");
}

static void
check_byte(uint64_t addr, uint8_t want)
{
  volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;
  uint8_t got = *p;

  if (got != want)
    report_bad(addr, want, got);
}

static void
write_byte(uint64_t addr, uint8_t value)
{
  *(volatile uint8_t *)(uintptr_t)addr = value;
}

int
main(void)
{
  uint64_t ram = mh_entry_rsp();
  uint64_t low = mh_image_end();
  uint64_t high = current_rsp() - STACK_MARGIN; /* exclusive */
  uint64_t n_regions;

  if (ram != mh_ram_size()) {
    mh_puts("memtest: RSP at entry ");
    mh_put_hex(ram);
    mh_puts(" differs from RDI ");
    mh_put_hex(mh_ram_size());
    mh_putc('\n');
    mh_fail("memtest: FAILED");
  }
  if (ram == 0 || ram % REGION_SIZE != 0)
    mh_fail("memtest: RAM size is not a multiple of 2 MiB");
  n_regions = ram / REGION_SIZE;

  /* Pass 1: write both bytes of every region. */
  for (uint64_t i = 0; i < n_regions; i++) {
    uint64_t first, last;

    if (!region_bytes(i, low, high, &first, &last))
      continue;
    write_byte(first, pattern(i, 0));
    write_byte(last, pattern(i, 1));
  }

  /* Pass 2: read back, then flip every bit, then clear. */
  for (uint64_t i = 0; i < n_regions; i++) {
    uint64_t first, last;

    mh_puts("memtest: region ");
    mh_put_dec(i);
    mh_puts(" [");
    mh_put_hex(i * REGION_SIZE);
    mh_puts(", ");
    mh_put_hex((i + 1) * REGION_SIZE);
    mh_puts(") ");
    if (!region_bytes(i, low, high, &first, &last)) {
      mh_puts("skipped: image and stack\n");
      continue;
    }
    check_byte(first, pattern(i, 0));
    check_byte(last, pattern(i, 1));
    write_byte(first, (uint8_t)~pattern(i, 0));
    write_byte(last, (uint8_t)~pattern(i, 1));
    check_byte(first, (uint8_t)~pattern(i, 0));
    check_byte(last, (uint8_t)~pattern(i, 1));
    write_byte(first, 0);
    write_byte(last, 0);
    mh_puts("bytes ");
    mh_put_hex(first);
    mh_puts(" and ");
    mh_put_hex(last);
    mh_puts(" OK\n");
  }

  mh_puts("memtest: ");
  mh_put_dec(ram >> 20);
  mh_puts(" MiB OK\n");
  return 0;
}
