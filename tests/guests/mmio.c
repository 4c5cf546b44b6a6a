/* SPDX-License-Identifier: MIT */
/*
 * mmio.c - writes to guest-physical memory that no memory slot backs.
 *
 * The hypervisor maps only RAM, so the guest builds its own 4-level page
 * tables (in its .bss): RAM identity-mapped with 2 MiB pages, so the code
 * and the stack at the top of RAM stay mapped, plus one 2 MiB page at
 * virtual 0x40000000 pointing at physical 0x20000000, past RAM.  After
 * loading CR3, a 1-byte store there leaves the guest as KVM_EXIT_MMIO,
 * which the hypervisor reports as an access outside RAM.
 */
#include "mh_guest.h"

#define PTE_P  (1ull << 0) /* present                 */
#define PTE_RW (1ull << 1) /* writable                */
#define PTE_PS (1ull << 7) /* PDE maps a 2 MiB page   */

#define PAGE_2M      (2ull << 20)
#define MMIO_VIRT    0x40000000ull /* PML4 0, PDPT 1, PD 0 */
#define MMIO_PHYS    0x20000000ull /* 512 MiB: no memory slot */
#define MMIO_VALUE   0x5au         /* written as one byte */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_ram[512] __attribute__((aligned(4096)));  /* [0, 1 GiB) */
static uint64_t pd_mmio[512] __attribute__((aligned(4096))); /* [1, 2 GiB) */

int
main(void)
{
  uint64_t ram_pages = (mh_ram_size() + PAGE_2M - 1) / PAGE_2M;

  /* .bss is identity-mapped, so these addresses are physical too. */
  for (uint64_t i = 0; i < ram_pages && i < 512; i++)
    pd_ram[i] = i * PAGE_2M | PTE_P | PTE_RW | PTE_PS;
  pd_mmio[0] = MMIO_PHYS | PTE_P | PTE_RW | PTE_PS;
  pdpt[0] = (uint64_t)(uintptr_t)pd_ram | PTE_P | PTE_RW;
  pdpt[1] = (uint64_t)(uintptr_t)pd_mmio | PTE_P | PTE_RW;
  pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_RW;

  __asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4)
                   : "memory");

  mh_puts("mmio: writing byte ");
  mh_put_hex(MMIO_VALUE);
  mh_puts(" to virtual ");
  mh_put_hex(MMIO_VIRT);
  mh_puts(" = physical ");
  mh_put_hex(MMIO_PHYS);
  mh_putc('\n');
  *(volatile uint8_t *)(uintptr_t)MMIO_VIRT = MMIO_VALUE;

  mh_puts("mmio: the write did not stop the VM\n");
  mh_halt();
}
