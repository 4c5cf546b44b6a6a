/* SPDX-License-Identifier: MIT */
/*
 * minimal.c - the least a program can do to run one guest to its hlt on
 * KVM: the floor of start-up that bench/run-bench measures
 * mini_hypervisor's against (issue 21: "a floor that is the floor").
 *
 * libc only, one thread, no library, no GLib: open /dev/kvm, create a VM,
 * one memory slot (guest RAM, the image at 0), one vCPU, its registers
 * for 64-bit long mode, KVM_RUN until HLT, exit.  Console OUTs to port
 * 0xE9 go to standard output (buffered, written at the end); anything
 * else ends it with status 1.  What a guest of the common convention can
 * tell from mini_hypervisor is kept (RIP 0, RSP at the top of RAM, RAM
 * identity-mapped with 2 MiB pages, the boot registers of mh_abi.h); what
 * only a real tool needs is not: no KVM_SET_CPUID2 (the guest sees KVM's
 * default CPUID), no KVM_SET_TSS_ADDR, no IDT, no second slot for the
 * GDT and page tables (they sit in guest RAM, at its middle: a guest that
 * writes there breaks, and the benchmark's halt and hello guests do not),
 * no input, no file port, no signals, no teardown (process exit does it).
 * Peers' small hypervisors and this program take 1.8-3.5 ms and ~1.9 ms
 * for one guest on a PVM /dev/kvm (issue 21).
 *
 * Usage: minimal [-m MB] IMAGE   (MB: 2, 4 or 8; default 2)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mh_abi.h"

/* SDM 3A §2.5 (CR0, CR4), §2.2.1 (EFER), §4.5 (paging entries), §3.4.5
 * (segment descriptors). */
#define CR0_PE   (1ull << 0)
#define CR0_NE   (1ull << 5)
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_PS   (1ull << 7)
#define PAGE_2M  (2ull << 20)
#define SEL_CODE 0x08u
#define SEL_DATA 0x10u

static int
fail(const char *what)
{
  perror(what);
  return 1;
}

int
main(int argc, char **argv)
{
  uint64_t ram_size = 2ull << 20;
  static char out[1 << 16];
  size_t out_len = 0;
  int kvm, vm, vcpu, img;
  struct kvm_run *run;
  struct kvm_sregs sregs;
  uint8_t *ram;
  uint64_t *gdt, *pml4, *pdpt, *pd, tables;
  ssize_t size;

  if (argc == 4 && strcmp(argv[1], "-m") == 0) {
    ram_size = strtoull(argv[2], NULL, 10) << 20;
    argv += 2;
  } else if (argc != 2) {
    fprintf(stderr, "usage: minimal [-m 2|4|8] IMAGE\n");
    return 2;
  }
  if (ram_size != 2ull << 20 && ram_size != 4ull << 20 &&
      ram_size != 8ull << 20) {
    fprintf(stderr, "minimal: -m: 2, 4 or 8\n");
    return 2;
  }
  if ((kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
    return fail("/dev/kvm");
  if ((vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
    return fail("KVM_CREATE_VM");
  ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (ram == MAP_FAILED)
    return fail("mmap");
  if ((img = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0 ||
      (size = read(img, ram, ram_size / 2)) < 0)
    return fail(argv[1]);
  close(img);

  /* GDT, PML4, PDPT and PD in the middle of RAM: identity map, 2 MiB
   * pages. */
  tables = ram_size / 2;
  gdt = (uint64_t *)(ram + tables);
  pml4 = gdt + 512;
  pdpt = pml4 + 512;
  pd = pdpt + 512;
  gdt[SEL_CODE / 8] = 0x00af9b000000ffffull; /* L=1, type 0xB, P, S */
  gdt[SEL_DATA / 8] = 0x00cf93000000ffffull; /* D/B=1, type 0x3, P, S */
  pml4[0] = (tables + 0x2000) | PTE_P | PTE_RW; /* -> pdpt */
  pdpt[0] = (tables + 0x3000) | PTE_P | PTE_RW; /* -> pd   */
  for (uint64_t i = 0; i < ram_size / PAGE_2M; i++)
    pd[i] = (i * PAGE_2M) | PTE_P | PTE_RW | PTE_PS;

  struct kvm_userspace_memory_region slot = {
    .slot = 0, .guest_phys_addr = 0, .memory_size = ram_size,
    .userspace_addr = (uint64_t)(uintptr_t)ram,
  };
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
    return fail("KVM_SET_USER_MEMORY_REGION");
  if ((vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
    return fail("KVM_CREATE_VCPU");
  run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
             PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  if (run == MAP_FAILED)
    return fail("mmap kvm_run");

  if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
    return fail("KVM_GET_SREGS");
  struct kvm_segment code = {
    .limit = 0xffffffff, .selector = SEL_CODE, .type = 0xb, .present = 1,
    .s = 1, .l = 1, .g = 1,
  };
  struct kvm_segment data = {
    .limit = 0xffffffff, .selector = SEL_DATA, .type = 0x3, .present = 1,
    .s = 1, .db = 1, .g = 1,
  };
  sregs.cs = code;
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.gdt.base = tables;
  sregs.gdt.limit = 3 * 8 - 1;
  sregs.cr3 = tables + 0x1000;
  sregs.cr4 = CR4_PAE;
  sregs.cr0 = CR0_PE | CR0_NE | CR0_PG;
  sregs.efer = EFER_LME | EFER_LMA;
  if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
    return fail("KVM_SET_SREGS");
  struct kvm_regs regs = {
    .rip = MH_BOOT_REG_RIP, .rsp = ram_size, .rflags = 2,
    .rax = MH_BOOT_MAGIC, .rbx = MH_ABI_VERSION, .rdi = ram_size,
    .rsi = 0, .rdx = PAGE_2M, .rcx = 1,
  };
  if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
    return fail("KVM_SET_REGS");

  for (;;) {
    if (ioctl(vcpu, KVM_RUN, 0) < 0)
      return fail("KVM_RUN");
    if (run->exit_reason == KVM_EXIT_HLT)
      break;
    if (run->exit_reason == KVM_EXIT_IO &&
        run->io.direction == KVM_EXIT_IO_OUT &&
        run->io.port == MH_PORT_CONSOLE && run->io.size == 1 &&
        run->io.count == 1 && out_len < sizeof out) {
      out[out_len++] = *((char *)run + run->io.data_offset);
      continue;
    }
    fprintf(stderr, "minimal: exit %u\n", run->exit_reason);
    return 1;
  }
  return write(STDOUT_FILENO, out, out_len) == (ssize_t)out_len ? 0 : 1;
}
