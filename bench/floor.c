/* SPDX-License-Identifier: MIT */
/*
 * floor.c - the raw-KVM floor that bench/run-bench measures
 * mini_hypervisor against.
 *
 * It does the same KVM work as mini_hypervisor and nothing more: open
 * /dev/kvm, and for every image, in a thread of its own, create a VM with
 * the same two memory slots (anonymous RAM at guest-physical 0, a
 * writable monitor region at 1 GiB holding the GDT and the page tables:
 * a read-only slot makes nested paging emulate every instruction),
 * the same long-mode registers and boot registers, then KVM_RUN until
 * HLT, serving:
 *   - port 0xE9: OUT bytes go to a per-VM buffer written to stdout when it
 *     fills and at the end (no tags, no line discipline); IN reads 0xFF
 *     (end of input);
 *   - port 0x278: OPEN, SIZE, READ and CLOSE of one shared file (-f), over
 *     the block transport (a 4-byte OUT of a request block's address) and
 *     the byte transport (the streamed header and reply of mh_abi.h).  A
 *     guest can open only that file, read-only, once at a time.  Addresses
 *     and lengths are checked against RAM; nothing else is.
 * Anything else (another exit, port or width) stops the VM with one line
 * on stderr, and the exit status is 1.
 *
 * Simplifications against mini_hypervisor, none of which changes the KVM
 * work: 2 MiB pages only (one PML4, PDPT and PD, no page-table level 1);
 * no GLib, no input routing, no signal handling, no timeout, no output
 * tags, no private files, no diagnosis beyond the exit reason.  VMs are
 * built in their own threads (mini_hypervisor builds them one after the
 * other in its main thread) and never torn down: process exit does that.
 *
 * Usage: floor [-m MB] [-f FILE] [-c] [-s] IMAGE...
 *   -m MB    guest RAM (2, 4 or 8; default 4, as mini_hypervisor)
 *   -f FILE  the shared file, named by its base name
 *   -c       register port 0xE9 for coalesced PIO, as mini_hypervisor's
 *            console fast path does, and drain the ring at every exit and
 *            at the end (not a floor's minimum: this is the floor of that
 *            fast path, to compare it with)
 *   -s       print on stderr, for each VM, its exits and the time its vCPU
 *            loop ran (the line mini_hypervisor -v prints, "N exits in X
 *            ms"), and at the end how much guest RAM the VMs touched
 *            (resident pages, from mincore), for the RSS estimate
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mh_abi.h"

/* The long-mode constants of src/kvm/x86_64.h, repeated here because that
 * header pulls in GLib.  SDM 3A §2.5 (CR0, CR4), §2.2.1 (EFER), §4.5
 * (paging entries). */
#define CR0_PE            (1ull << 0)
#define CR0_MP            (1ull << 1)
#define CR0_ET            (1ull << 4)
#define CR0_NE            (1ull << 5)
#define CR0_WP            (1ull << 16)
#define CR0_PG            (1ull << 31)
#define CR4_PAE           (1ull << 5)
#define CR4_OSFXSR        (1ull << 9)
#define CR4_OSXMMEXCPT    (1ull << 10)
#define EFER_LME          (1ull << 8)
#define EFER_LMA          (1ull << 10)
#define RFLAGS_RESERVED   (1ull << 1)
#define PTE_P             (1ull << 0)
#define PTE_RW            (1ull << 1)
#define PTE_US            (1ull << 2)
#define PTE_A             (1ull << 5)
#define PTE_D             (1ull << 6)
#define PTE_PS            (1ull << 7)
#define PAGE_2M           (2ull << 20)

/* The monitor region, laid out as mini_hypervisor's: GDT at +0, TSS at
 * +0x800, then PML4, PDPT and PD (2 MiB pages need no more). */
#define MONITOR_GPA  0x40000000ull
#define MONITOR_SIZE 0x4000u
#define MONITOR_TSS  0x800u
#define MONITOR_PML4 0x1000u
#define SEL_CODE     0x08u
#define SEL_DATA     0x10u
#define SEL_TSS      0x18u
#define GDT_SIZE     0x28u
#define TSS_SIZE     0x68u
#define KVM_TSS_GPA  0xfffbd000ull /* KVM_SET_TSS_ADDR, as mini_hypervisor */

#define FLOOR_FD      3u    /* the one guest fd the floor hands out   */
#define FLOOR_OUT_CAP 4096u /* console bytes buffered per VM          */

/* What every VM shares; read-only once the threads start. */
struct floor_run {
  int                 kvm_fd;
  size_t              run_size;  /* KVM_GET_VCPU_MMAP_SIZE            */
  struct kvm_cpuid2  *cpuid;     /* KVM_GET_SUPPORTED_CPUID           */
  uint64_t            ram_size;
  unsigned            vm_count;
  int                 file_fd;   /* the shared file, or -1            */
  const char         *file_name; /* its base name                     */
  uint64_t            file_size;
  int                 coalesce;  /* -c: the coalesced console          */
  long                ring_off;  /* bytes from kvm_run to the ring     */
  uint32_t            ring_max;  /* entries in the ring                */
};

/* The byte transport's state (mh_abi.h, "Byte transport"). */
struct floor_chan {
  uint8_t  hdr[MH_FILE_HDR_SIZE];
  uint32_t hdr_len;
  uint8_t  name[MH_FILE_NAME_MAX];
  uint32_t name_len;
  uint8_t *reply;     /* 8-byte result, then READ data; on first use */
  uint32_t reply_len; /* 0: no reply pending                          */
  uint32_t reply_pos;
};

struct floor_vm {
  const struct floor_run *run;
  unsigned                index;
  const uint8_t          *image;
  size_t                  image_size;
  const char             *image_name;
  int                     vm_fd;
  int                     vcpu_fd;
  uint8_t                *ram;
  uint8_t                *monitor;
  struct kvm_run         *kr;
  struct kvm_coalesced_mmio_ring *ring; /* the coalesced ring, with -c */
  int                     file_open; /* the guest has FLOOR_FD open  */
  uint64_t                file_off;
  struct floor_chan       chan;
  size_t                  out_len;
  int                     ok;
  uint64_t                exits;
  double                  run_ms;    /* the vCPU loop and last flush */
  char                    out[FLOOR_OUT_CAP];
};

/* One line on stderr; @err is an errno value, or 0.  Returns 0. */
static int
floor_fail(const struct floor_vm *vm, const char *what, int err)
{
  fprintf(stderr, "floor: vm %u (%s): %s%s%s\n", vm->index, vm->image_name,
          what, err ? ": " : "", err ? strerror(err) : "");
  return 0;
}

/* Host pointer for guest [gpa, gpa + len) when it lies in RAM. */
static uint8_t *
floor_ram(const struct floor_vm *vm, uint64_t gpa, uint64_t len)
{
  if (gpa > vm->run->ram_size || len > vm->run->ram_size - gpa)
    return NULL;
  return vm->ram + gpa;
}

static void
floor_out_flush(struct floor_vm *vm)
{
  size_t done = 0;

  while (done < vm->out_len) {
    ssize_t n = write(STDOUT_FILENO, vm->out + done, vm->out_len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (size_t)n;
  }
  vm->out_len = 0;
}

/* ---- File service: one shared file, read-only ------------------------- */

static int64_t
floor_file_exec(struct floor_vm *vm, const struct mh_file_req *req,
                const uint8_t *name, uint8_t *dest)
{
  const struct floor_run *run = vm->run;
  uint64_t done = 0;

  if (req->cmd == MH_FILE_OPEN) {
    if (run->file_fd < 0 || vm->file_open ||
        req->len != strlen(run->file_name) ||
        memcmp(name, run->file_name, req->len) != 0)
      return MH_FILE_ENOENT;
    vm->file_open = 1;
    vm->file_off = 0;
    return FLOOR_FD;
  }
  if (!vm->file_open || req->fd != (int32_t)FLOOR_FD)
    return MH_FILE_EBADF;
  switch (req->cmd) {
  case MH_FILE_CLOSE:
    vm->file_open = 0;
    return 0;
  case MH_FILE_SIZE:
    return (int64_t)run->file_size;
  case MH_FILE_READ:
    while (done < req->len) {
      ssize_t n = pread(run->file_fd, dest + done, req->len - done,
                        (off_t)(vm->file_off + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return MH_FILE_EIO;
      if (n == 0)
        break;
      done += (uint64_t)n;
    }
    vm->file_off += done;
    return (int64_t)done;
  default:
    return MH_FILE_EINVAL;
  }
}

/* Block transport: one request block at @gpa. */
static int
floor_file_block(struct floor_vm *vm, uint32_t gpa)
{
  uint8_t *block = floor_ram(vm, gpa, MH_FILE_REQ_SIZE);
  struct mh_file_req req;
  uint8_t *buf = NULL;
  int64_t result;

  if (block == NULL)
    return floor_fail(vm, "file request block outside RAM", 0);
  memcpy(&req, block, sizeof req); /* copy first: the guest cannot change it */
  if (req.cmd == MH_FILE_OPEN || req.cmd == MH_FILE_READ) {
    buf = floor_ram(vm, req.buf, req.len);
    if (buf == NULL)
      return floor_fail(vm, "file buffer outside RAM", 0);
  }
  result = floor_file_exec(vm, &req, buf, buf);
  memcpy(block + offsetof(struct mh_file_req, result), &result, sizeof result);
  return 1;
}

static void
floor_chan_reply(struct floor_chan *ch, int64_t result, uint32_t data_len)
{
  memcpy(ch->reply, &result, 8); /* x86 is little-endian, like the wire */
  ch->reply_len = 8 + data_len;
  ch->reply_pos = 0;
  ch->hdr_len = ch->name_len = 0;
}

/* Byte transport, one OUT byte. */
static int
floor_chan_out(struct floor_vm *vm, uint8_t byte)
{
  struct floor_chan *ch = &vm->chan;
  struct mh_file_req req = {0};
  int64_t result;
  uint32_t data;

  if (ch->reply == NULL && (ch->reply = malloc(8 + MH_FILE_BYTE_MAX)) == NULL)
    return floor_fail(vm, "byte transport", 0);
  ch->reply_len = 0; /* an OUT drops any unread reply */
  if (ch->hdr_len < MH_FILE_HDR_SIZE) {
    ch->hdr[ch->hdr_len++] = byte;
  } else if (ch->name_len < sizeof ch->name) {
    ch->name[ch->name_len++] = byte;
  }
  if (ch->hdr_len < MH_FILE_HDR_SIZE)
    return 1;
  memcpy(&req, ch->hdr, MH_FILE_HDR_SIZE);
  if (req.cmd == MH_FILE_OPEN && req.len <= sizeof ch->name &&
      ch->name_len < req.len)
    return 1; /* the name is still coming */
  if ((req.cmd == MH_FILE_OPEN && req.len > sizeof ch->name) ||
      (req.cmd == MH_FILE_READ && req.len > MH_FILE_BYTE_MAX)) {
    floor_chan_reply(ch, MH_FILE_EINVAL, 0);
    return 1;
  }
  result = floor_file_exec(vm, &req, ch->name, ch->reply + 8);
  data = req.cmd == MH_FILE_READ && result > 0 ? (uint32_t)result : 0;
  floor_chan_reply(ch, result, data);
  return 1;
}

/* Byte transport, one IN byte. */
static uint8_t
floor_chan_in(struct floor_vm *vm)
{
  struct floor_chan *ch = &vm->chan;
  uint8_t byte;

  if (ch->reply_len == 0)
    return 0xff;
  byte = ch->reply[ch->reply_pos++];
  if (ch->reply_pos == ch->reply_len)
    ch->reply_len = 0;
  return byte;
}

/* ---- The vCPU loop ----------------------------------------------------- */

/* -c: console bytes KVM queued in the coalesced ring instead of exiting. */
static void
floor_drain(struct floor_vm *vm)
{
  struct kvm_coalesced_mmio_ring *ring = vm->ring;
  uint32_t max = vm->run->ring_max;
  uint32_t first;

  if (ring == NULL)
    return;
  first = __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE);
  while (first < max &&
         first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
    const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
    for (uint32_t i = 0; i < e->len && i < sizeof e->data; i++) {
      if (vm->out_len == FLOOR_OUT_CAP)
        floor_out_flush(vm);
      vm->out[vm->out_len++] = (char)e->data[i];
    }
    first = (first + 1) % max;
  }
  __atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
}

static int
floor_io(struct floor_vm *vm)
{
  struct kvm_run *kr = vm->kr;
  uint8_t *data = (uint8_t *)kr + kr->io.data_offset;
  uint32_t count = kr->io.count;

  if (kr->io.port == MH_PORT_CONSOLE && kr->io.size == 1) {
    if (kr->io.direction == KVM_EXIT_IO_IN) {
      memset(data, MH_CONSOLE_EOF, count);
      return 1;
    }
    for (uint32_t i = 0; i < count; i++) {
      if (vm->out_len == FLOOR_OUT_CAP)
        floor_out_flush(vm);
      vm->out[vm->out_len++] = (char)data[i];
    }
    return 1;
  }
  if (kr->io.port == MH_PORT_FILE && kr->io.size == 1) {
    for (uint32_t i = 0; i < count; i++) {
      if (kr->io.direction == KVM_EXIT_IO_IN)
        data[i] = floor_chan_in(vm);
      else if (!floor_chan_out(vm, data[i]))
        return 0;
    }
    return 1;
  }
  if (kr->io.port == MH_PORT_FILE && kr->io.size == 4 &&
      kr->io.direction == KVM_EXIT_IO_OUT) {
    for (uint32_t i = 0; i < count; i++) {
      uint32_t gpa;
      memcpy(&gpa, data + 4 * i, sizeof gpa);
      if (!floor_file_block(vm, gpa))
        return 0;
    }
    return 1;
  }
  return floor_fail(vm, "unexpected port I/O", 0);
}

static int
floor_vcpu_loop(struct floor_vm *vm)
{
  for (;;) {
    if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return floor_fail(vm, "KVM_RUN", errno);
    }
    vm->exits++;
    floor_drain(vm); /* earlier bytes first: keeps the console's order */
    switch (vm->kr->exit_reason) {
    case KVM_EXIT_IO:
      if (!floor_io(vm))
        return 0;
      continue;
    case KVM_EXIT_HLT:
      return 1;
    default: {
      char what[64];
      snprintf(what, sizeof what, "KVM exit %u", vm->kr->exit_reason);
      return floor_fail(vm, what, 0);
    }
    }
  }
}

/* ---- Building a VM ------------------------------------------------------ */

static uint64_t
floor_descriptor(uint64_t type, uint64_t s, uint64_t l, uint64_t db,
                 uint64_t g, uint64_t base, uint64_t limit)
{
  /* SDM 3A §3.4.5, Figure 3-8; P = 1, DPL = 0. */
  return (limit & 0xffff) | ((base & 0xffffff) << 16) | (type << 40) |
         (s << 44) | (1ull << 47) | (((limit >> 16) & 0xf) << 48) |
         (l << 53) | (db << 54) | (g << 55) | (((base >> 24) & 0xff) << 56);
}

/* GDT and identity-mapping page tables in the monitor region; segments and
 * control registers in @sregs (which comes from KVM_GET_SREGS). */
static void
floor_long_mode(struct floor_vm *vm, struct kvm_sregs *sregs)
{
  const uint64_t table = PTE_P | PTE_RW | PTE_US | PTE_A;
  uint64_t *gdt = (uint64_t *)vm->monitor;
  uint64_t *pml4 = (uint64_t *)(vm->monitor + MONITOR_PML4);
  uint64_t *pdpt = pml4 + 512;
  uint64_t *pd = pdpt + 512;
  struct kvm_segment code = {
    .limit = 0xffffffff, .selector = SEL_CODE, .type = 0xb, .present = 1,
    .s = 1, .l = 1, .g = 1,
  };
  struct kvm_segment data = {
    .limit = 0xffffffff, .selector = SEL_DATA, .type = 0x3, .present = 1,
    .s = 1, .db = 1, .g = 1,
  };
  struct kvm_segment tss = {
    .base = MONITOR_GPA + MONITOR_TSS, .limit = TSS_SIZE - 1,
    .selector = SEL_TSS, .type = 0xb, .present = 1,
  };

  gdt[SEL_CODE / 8] = floor_descriptor(0xb, 1, 1, 0, 1, 0, 0xfffff);
  gdt[SEL_DATA / 8] = floor_descriptor(0x3, 1, 0, 1, 1, 0, 0xfffff);
  gdt[SEL_TSS / 8] = floor_descriptor(0xb, 0, 0, 0, 0, tss.base, tss.limit);
  pml4[0] = (MONITOR_GPA + MONITOR_PML4 + 0x1000) | table;
  pdpt[0] = (MONITOR_GPA + MONITOR_PML4 + 0x2000) | table;
  for (uint64_t i = 0; i < vm->run->ram_size / PAGE_2M; i++)
    pd[i] = (i * PAGE_2M) | table | PTE_D | PTE_PS;

  sregs->cs = code;
  sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
  sregs->tr = tss;
  sregs->gdt.base = MONITOR_GPA;
  sregs->gdt.limit = GDT_SIZE - 1;
  sregs->idt.base = 0;
  sregs->idt.limit = 0;
  sregs->cr3 = MONITOR_GPA + MONITOR_PML4;
  sregs->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
  sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  sregs->efer = EFER_LME | EFER_LMA;
}

static int
floor_slot(struct floor_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
           uint64_t size, void *host)
{
  struct kvm_userspace_memory_region region = {
    .slot = slot, .flags = flags, .guest_phys_addr = gpa,
    .memory_size = size, .userspace_addr = (uint64_t)(uintptr_t)host,
  };
  return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) == 0;
}

static int
floor_vm_build(struct floor_vm *vm)
{
  const struct floor_run *run = vm->run;
  struct kvm_sregs sregs;
  struct kvm_regs regs = {
    .rip = MH_BOOT_REG_RIP, .rsp = run->ram_size, .rflags = RFLAGS_RESERVED,
    .rax = MH_BOOT_MAGIC, .rbx = MH_ABI_VERSION, .rdi = run->ram_size,
    .rsi = vm->index, .rdx = PAGE_2M, .rcx = run->vm_count,
  };
  void *p;

  if ((vm->vm_fd = ioctl(run->kvm_fd, KVM_CREATE_VM, 0)) < 0)
    return floor_fail(vm, "KVM_CREATE_VM", errno);
  if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_GPA) < 0)
    return floor_fail(vm, "KVM_SET_TSS_ADDR", errno);
  p = mmap(NULL, run->ram_size, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return floor_fail(vm, "mmap RAM", errno);
  vm->ram = p;
  p = mmap(NULL, MONITOR_SIZE, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return floor_fail(vm, "mmap monitor", errno);
  vm->monitor = p;
  memcpy(vm->ram, vm->image, vm->image_size);
  if (!floor_slot(vm, 0, 0, 0, run->ram_size, vm->ram) ||
      !floor_slot(vm, 1, 0, MONITOR_GPA, MONITOR_SIZE,
                  vm->monitor))
    return floor_fail(vm, "KVM_SET_USER_MEMORY_REGION", errno);

  if ((vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0)) < 0)
    return floor_fail(vm, "KVM_CREATE_VCPU", errno);
  p = mmap(NULL, run->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
           vm->vcpu_fd, 0);
  if (p == MAP_FAILED)
    return floor_fail(vm, "mmap kvm_run", errno);
  vm->kr = p;
  if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, run->cpuid) < 0)
    return floor_fail(vm, "KVM_SET_CPUID2", errno);
  if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
    return floor_fail(vm, "KVM_GET_SREGS", errno);
  floor_long_mode(vm, &sregs);
  if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
    return floor_fail(vm, "KVM_SET_SREGS", errno);
  if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
    return floor_fail(vm, "KVM_SET_REGS", errno);
  if (run->coalesce) {
    struct kvm_coalesced_mmio_zone zone = {
      .addr = MH_PORT_CONSOLE, .size = 1, .pio = 1,
    };
    if (ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0)
      return floor_fail(vm, "KVM_REGISTER_COALESCED_MMIO", errno);
    vm->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)vm->kr +
                                                  run->ring_off);
  }
  return 1;
}

static double
floor_now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *
floor_vm_thread(void *opaque)
{
  struct floor_vm *vm = opaque;
  double start;

  if (!floor_vm_build(vm))
    return NULL;
  /* Timed like mini_hypervisor's run: the loop and the last flush. */
  start = floor_now_ms();
  vm->ok = floor_vcpu_loop(vm);
  floor_drain(vm);
  floor_out_flush(vm);
  vm->run_ms = floor_now_ms() - start;
  return NULL;
}

/* ---- main --------------------------------------------------------------- */

static void
floor_usage(void)
{
  fprintf(stderr, "usage: floor [-m 2|4|8] [-f FILE] [-c] [-s] IMAGE...\n");
  exit(2);
}

static uint8_t *
floor_read_file(const char *path, size_t max, size_t *size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  uint8_t *data;

  if (fd < 0 || fstat(fd, &st) < 0 ||
      (data = malloc((size_t)st.st_size + 1)) == NULL) {
    fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  if ((uint64_t)st.st_size > max) {
    fprintf(stderr, "floor: %s: larger than guest RAM\n", path);
    exit(1);
  }
  *size = 0;
  while (*size < (size_t)st.st_size) {
    ssize_t n = read(fd, data + *size, (size_t)st.st_size - *size);
    if (n <= 0) {
      fprintf(stderr, "floor: %s: short read\n", path);
      exit(1);
    }
    *size += (size_t)n;
  }
  close(fd);
  return data;
}

static struct kvm_cpuid2 *
floor_cpuid(int kvm_fd)
{
  for (unsigned n = 64; n <= 4096; n *= 2) {
    struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
    if (c == NULL)
      break;
    c->nent = n;
    if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
      return c;
    free(c);
    if (errno != E2BIG)
      break;
  }
  perror("floor: KVM_GET_SUPPORTED_CPUID");
  exit(1);
}

/* Guest RAM the VMs touched: resident pages of every RAM mapping. */
static void
floor_report_resident(struct floor_vm *vms, unsigned n,
                      const struct floor_run *run)
{
  long page = sysconf(_SC_PAGESIZE);
  size_t pages = (size_t)(run->ram_size / (uint64_t)page);
  unsigned char *vec = malloc(pages);
  uint64_t resident = 0;
  unsigned counted = 0;

  for (unsigned i = 0; vec != NULL && i < n; i++) {
    if (vms[i].ram == NULL || mincore(vms[i].ram, run->ram_size, vec) < 0)
      continue;
    counted++;
    for (size_t p = 0; p < pages; p++)
      resident += vec[p] & 1;
  }
  fprintf(stderr,
          "floor: guest RAM resident: %llu KiB in %u VMs, %.1f KiB per VM\n",
          (unsigned long long)(resident * (uint64_t)page / 1024), counted,
          counted ? (double)resident * (double)page / 1024.0 / counted : 0.0);
  free(vec);
}

int
main(int argc, char **argv)
{
  struct floor_run run = { .ram_size = 4ull << 20, .file_fd = -1 };
  struct floor_vm *vms;
  pthread_t *threads;
  const char *file = NULL;
  int stats = 0, opt, status = 0;
  unsigned n;

  while ((opt = getopt(argc, argv, "m:f:cs")) != -1) {
    switch (opt) {
    case 'm':
      if (strcmp(optarg, "2") && strcmp(optarg, "4") && strcmp(optarg, "8"))
        floor_usage();
      run.ram_size = strtoull(optarg, NULL, 10) << 20;
      break;
    case 'f':
      file = optarg;
      break;
    case 'c':
      run.coalesce = 1;
      break;
    case 's':
      stats = 1;
      break;
    default:
      floor_usage();
    }
  }
  if (optind >= argc)
    floor_usage();
  n = (unsigned)(argc - optind);
  run.vm_count = n;

  if (file != NULL) {
    struct stat st;
    const char *slash = strrchr(file, '/');
    run.file_name = slash ? slash + 1 : file;
    if ((run.file_fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 ||
        fstat(run.file_fd, &st) < 0) {
      fprintf(stderr, "floor: %s: %s\n", file, strerror(errno));
      return 1;
    }
    run.file_size = (uint64_t)st.st_size;
  }
  if ((run.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0) {
    perror("floor: /dev/kvm");
    return 1;
  }
  if (ioctl(run.kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
    fprintf(stderr, "floor: unexpected KVM API version\n");
    return 1;
  }
  run.run_size = (size_t)ioctl(run.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  run.cpuid = floor_cpuid(run.kvm_fd);
  if (run.coalesce) {
    /* KVM_CAP_COALESCED_MMIO answers the ring's page offset in kvm_run. */
    int page = ioctl(run.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
    if (page <= 0 ||
        ioctl(run.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0) {
      fprintf(stderr, "floor: -c: KVM lacks coalesced PIO\n");
      return 1;
    }
    run.ring_off = page * sysconf(_SC_PAGESIZE);
    run.ring_max = (uint32_t)(((unsigned long)sysconf(_SC_PAGESIZE) -
                               sizeof(struct kvm_coalesced_mmio_ring)) /
                              sizeof(struct kvm_coalesced_mmio));
  }

  vms = calloc(n, sizeof *vms);
  threads = calloc(n, sizeof *threads);
  if (vms == NULL || threads == NULL) {
    perror("floor");
    return 1;
  }
  for (unsigned i = 0; i < n; i++) {
    vms[i].run = &run;
    vms[i].index = i;
    vms[i].image_name = argv[optind + i];
    /* Each distinct path is read once, as mini_hypervisor does. */
    for (unsigned j = 0; j < i && vms[i].image == NULL; j++) {
      if (strcmp(vms[j].image_name, vms[i].image_name) == 0) {
        vms[i].image = vms[j].image;
        vms[i].image_size = vms[j].image_size;
      }
    }
    if (vms[i].image == NULL)
      vms[i].image = floor_read_file(vms[i].image_name, run.ram_size,
                                     &vms[i].image_size);
  }
  for (unsigned i = 0; i < n; i++) {
    int err = pthread_create(&threads[i], NULL, floor_vm_thread, &vms[i]);
    if (err != 0) {
      fprintf(stderr, "floor: vm %u: pthread_create: %s\n", i, strerror(err));
      return 1;
    }
  }
  for (unsigned i = 0; i < n; i++) {
    pthread_join(threads[i], NULL);
    if (!vms[i].ok)
      status = 1;
  }
  if (stats) {
    for (unsigned i = 0; i < n; i++)
      fprintf(stderr, "floor: vm %u (%s): %s; %llu exits in %.3f ms\n", i,
              vms[i].image_name, vms[i].ok ? "halted" : "failed",
              (unsigned long long)vms[i].exits, vms[i].run_ms);
    floor_report_resident(vms, n, &run);
  }
  return status;
}
