/* SPDX-License-Identifier: MIT */
/*
 * monitor_write.c - reaches for the hypervisor's monitor region at
 * guest-physical 0x40000000 (mh_abi.h, MH_MONITOR_BASE): GDT +0, IDT
 * +0x100, TSS +0x800, exception handlers +0xc00, exception stack +0x1000,
 * page tables +0x2000, 64 KiB in all.
 *
 * Lower-case cases go through the hypervisor's own page tables, which map
 * the first page read-only, the stack page writable and execute-disable,
 * and nothing else of the region; every exception is reported by the
 * hypervisor's IDT.  By the first input byte:
 *   'r'   reads GDT entries 0 and 1 (0x40000000, 0x40000008) and prints
 *         them, "0x0 0xaf9b000000ffff": reading is allowed
 *   'g'   writes 1 byte over the GDT (0x40000000)
 *   'i'   writes 8 bytes over IDT gate 0 (0x40000100)
 *   't'   writes 4 bytes into the TSS (0x40000804, RSP0)
 *   'p'   writes 8 bytes over the PML4 (0x40002000): not mapped at all
 *   's'   writes 8 bytes on the exception stack page (0x40001ff8) and
 *         reads them back: allowed, it is the CPU's stack for the handlers
 *   'e'   calls 0x40001000: the stack page is execute-disable
 * 'g', 'i' and 't' must page-fault with a protection violation, 'p' with
 * a page that is not present, 'e' on an instruction fetch; the rest go on.
 *
 * Upper-case cases and 'u', 'v', 'x' first load page tables of the
 * guest's own (in .bss: RAM identity-mapped with 2 MiB pages, plus
 * virtual 0x40000000 mapped onto physical 0x40000000 with a writable
 * 2 MiB page).  The region is then the guest's to scribble on: it belongs
 * to this VM alone, and protects the hypervisor's diagnosis, not the host.
 *   'W'   writes 0x5a to the GDT, IDT, TSS and PML4 bytes named above,
 *         reads each back and prints them: every write lands
 *   'K'   zeroes the whole IDT, then ud2 at a known RIP: the #UD finds
 *         no gate, and the VM triple-faults
 *   'u'   reads 4 bytes at 0x40010000, just past the region: no memory
 *   'v'   writes 4 bytes at 0x40010000 (an 11-byte instruction)
 *   'x'   calls 0x40010000: executes where there is no memory
 * 'u', 'v' and 'x' must stop the VM with a diagnosis (an access outside
 * RAM, or an instruction KVM could not run).
 *
 * Before an access that stops the VM the guest prints "monitor_write:
 * case C at RIP 0x..." with the address of the accessing instruction; a
 * case that goes on ends with "monitor_write: continued".
 */
#include "hostile_c.h"

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)
#define PAGE_2M (2ull << 20)
#define MONITOR MH_MONITOR_BASE /* PML4 0, PDPT 1, PD 0 */
#define GDT     (MONITOR + 0x0000)
#define IDT     (MONITOR + 0x0100)
#define TSS     (MONITOR + 0x0800)
#define STACK   (MONITOR + 0x1000)
#define TABLES  (MONITOR + 0x2000)
#define PAST    (MONITOR + 0x10000) /* the first byte past the region */
#define IDT_SIZE (32 * 16)

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_ram[512] __attribute__((aligned(4096))); /* [0, 1 GiB)  */
static uint64_t pd_mon[512] __attribute__((aligned(4096))); /* [1, 2 GiB)  */

/* Each access is the first instruction of a function of its own, so its
 * address is the function's. */
void write_gdt(void);
void write_idt(void);
void write_tss(void);
void write_pml4(void);
void read_past(void);
void write_past(void);
void undefined(void);
__asm__(".pushsection .text\n"
        "write_gdt:  movb $0x5a, 0x40000000\n"
        "            ret\n"
        "write_idt:  movq $0, 0x40000100\n"
        "            ret\n"
        "write_tss:  movl $0, 0x40000804\n"
        "            ret\n"
        "write_pml4: movq $0, 0x40002000\n"
        "            ret\n"
        "read_past:  movl 0x40010000, %eax\n"
        "            ret\n"
        "write_past: movl $0, 0x40010000\n" /* c7 04 25 <addr32> <imm32> */
        "            ret\n"
        "undefined:  ud2\n"
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

/* Loads the guest's own page tables, which map the region writable. */
static void
own_tables(void)
{
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
}

/* Writes 0x5a at @addr, then prints " NAME 0x.." with what reads back. */
static void
write_back(const char *name, uint64_t addr)
{
  volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;

  *p = 0x5a;
  mh_putc(' ');
  mh_puts(name);
  mh_putc(' ');
  mh_put_hex(*p);
}

int
main(void)
{
  int c = mh_getc();

  if ((c >= 'A' && c <= 'Z') || c == 'u' || c == 'v' || c == 'x')
    own_tables();

  switch (c) {
  case 'r':
    mh_puts("monitor_write: GDT entries 0 and 1: ");
    mh_put_hex(((volatile uint64_t *)(uintptr_t)GDT)[0]);
    mh_putc(' ');
    mh_put_hex(((volatile uint64_t *)(uintptr_t)GDT)[1]);
    mh_putc('\n');
    break;
  case 'g':
    announce(c, (uintptr_t)write_gdt);
    write_gdt();
    break;
  case 'i':
    announce(c, (uintptr_t)write_idt);
    write_idt();
    break;
  case 't':
    announce(c, (uintptr_t)write_tss);
    write_tss();
    break;
  case 'p':
    announce(c, (uintptr_t)write_pml4);
    write_pml4();
    break;
  case 's': {
    volatile uint64_t *top = (volatile uint64_t *)(uintptr_t)(STACK + 0xff8);
    *top = 0x5a5a5a5a5a5a5a5aull;
    mh_puts("monitor_write: exception stack reads back ");
    mh_put_hex(*top);
    mh_putc('\n');
    break;
  }
  case 'e':
    announce(c, STACK);
    ((void (*)(void))(uintptr_t)STACK)();
    break;
  case 'W':
    mh_puts("monitor_write: own tables, wrote and read back:");
    write_back("GDT", GDT);
    write_back("IDT", IDT);
    write_back("TSS", TSS + 4);
    write_back("PML4", TABLES);
    mh_putc('\n');
    break;
  case 'K':
    for (unsigned i = 0; i < IDT_SIZE; i++)
      ((volatile uint8_t *)(uintptr_t)IDT)[i] = 0;
    announce(c, (uintptr_t)undefined);
    undefined();
    break;
  case 'u':
    announce(c, (uintptr_t)read_past);
    read_past();
    break;
  case 'v':
    announce(c, (uintptr_t)write_past);
    write_past();
    break;
  case 'x':
    announce(c, PAST);
    ((void (*)(void))(uintptr_t)PAST)();
    break;
  default:
    mh_puts("monitor_write: no such case\n");
    break;
  }
  mh_puts("monitor_write: continued\n");
  return 0;
}
