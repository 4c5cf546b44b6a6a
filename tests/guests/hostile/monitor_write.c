/* SPDX-License-Identifier: MIT */
/*
 * monitor_write.c - reaches the hypervisor's monitor region through page
 * tables of its own.
 *
 * The GDT, TSS and page tables the hypervisor built live at guest-physical
 * 0x40000000 (64 KiB), outside the guest's identity map, in a read-only
 * KVM memory slot.  This guest builds its own 4-level tables in .bss
 * (RAM identity-mapped with 2 MiB pages, plus virtual 0x40000000 mapped
 * onto physical 0x40000000 with a writable 2 MiB page), loads CR3, and
 * then, by the first input byte:
 *   'r'   reads the hypervisor's 64-bit code descriptor (GDT entry 1) and
 *         prints it: reading is allowed; then "monitor_write: continued"
 *   'g'   writes 1 byte over the GDT (0x40000000)
 *   't'   writes 4 bytes into the TSS (0x40000804, RSP0)
 *   'p'   writes 8 bytes over the PML4 (0x40001000)
 *   'u'   reads 4 bytes at 0x40010000, just past the region: no memory
 *   'x'   calls 0x40010000: executes where there is no memory
 * Before the access it prints "monitor_write: case C at RIP 0x..." with
 * the address of the accessing instruction.  Every case but 'r' must stop
 * the VM with a diagnosis: a write to the read-only region, an access
 * outside RAM, or an instruction KVM could not run; the guest's own page
 * tables are its business, the hypervisor's stay intact.
 */
#include "hostile_c.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define PAGE_2M (2ull << 20)
#define MONITOR 0x40000000ull /* PML4 0, PDPT 1, PD 0 */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_ram[512] __attribute__((aligned(4096))); /* [0, 1 GiB)  */
static uint64_t pd_mon[512] __attribute__((aligned(4096))); /* [1, 2 GiB)  */

/* Each access is the first instruction of a function of its own, so its
 * address is the function's. */
void write_gdt(void);
void write_tss(void);
void write_pml4(void);
void read_past(void);
__asm__(".pushsection .text\n"
        "write_gdt:  movb $0x5a, 0x40000000\n"
        "            ret\n"
        "write_tss:  movl $0, 0x40000804\n"
        "            ret\n"
        "write_pml4: movq $0, 0x40001000\n"
        "            ret\n"
        "read_past:  movl 0x40010000, %eax\n"
        "            ret\n"
        ".popsection\n");

static void
announce(int c, uint64_t rip)
{
  mh_puts("monitor_write: case ");
  mh_putc((char)c);
  mh_puts(" at RIP ");
  mh_put_hex(rip);
  mh_putc('\n');
}

int
main(void)
{
  int      c = mh_getc();
  uint64_t ram_pages = (mh_ram_size() + PAGE_2M - 1) / PAGE_2M;

  for (uint64_t i = 0; i < ram_pages; i++)
    pd_ram[i] = i * PAGE_2M | PTE_P | PTE_RW | PTE_PS;
  pd_mon[0] = MONITOR | PTE_P | PTE_RW | PTE_PS;
  pdpt[0] = (uint64_t)(uintptr_t)pd_ram | PTE_P | PTE_RW;
  pdpt[1] = (uint64_t)(uintptr_t)pd_mon | PTE_P | PTE_RW;
  pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_RW;
  __asm__ volatile("mov %0, %%cr3"
                   :
                   : "r"((uint64_t)(uintptr_t)pml4)
                   : "memory");

  switch (c) {
  case 'r':
    mh_puts("monitor_write: the hypervisor's code descriptor is ");
    mh_put_hex(((volatile uint64_t *)(uintptr_t)MONITOR)[1]);
    mh_putc('\n');
    break;
  case 'g':
    announce(c, (uintptr_t)write_gdt);
    write_gdt();
    break;
  case 't':
    announce(c, (uintptr_t)write_tss);
    write_tss();
    break;
  case 'p':
    announce(c, (uintptr_t)write_pml4);
    write_pml4();
    break;
  case 'u':
    announce(c, (uintptr_t)read_past);
    read_past();
    break;
  case 'x':
    announce(c, MONITOR + 0x10000);
    ((void (*)(void))(uintptr_t)(MONITOR + 0x10000))();
    break;
  default:
    mh_puts("monitor_write: no such case\n");
    break;
  }
  mh_puts("monitor_write: continued\n");
  return 0;
}
