/* SPDX-License-Identifier: MIT */
/* vm.c - building one VM: KVM VM and vCPU, memory, long mode, devices. */
#include "config.h"

#include "vm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "fileport.h"
#include "mh_abi.h"
#ifdef MH_TEST_HOOKS
#include "testhooks.h"
#endif

/* Three pages KVM needs for its real-mode TSS on Intel (KVM_SET_TSS_ADDR);
 * unused in long mode but required before the first KVM_RUN.  Just below
 * 4 GiB, clear of RAM and of the monitor region. */
#define VM_KVM_TSS_GPA 0xfffbd000ull

enum { VM_SLOT_RAM = 0, VM_SLOT_MONITOR = 1 };

G_STATIC_ASSERT(MH_MONITOR_BASE == MH_MONITOR_GPA); /* the ABI says where */
G_STATIC_ASSERT(MH_PORT_EXCEPTION <= 0xff); /* the stubs' OUT takes an imm8 */

static gboolean
vm_ioctl_fail(GError **error, const char *what)
{
  int saved = errno;
  g_set_error(error, MH_ERROR, MH_ERROR_HOST, "%s: %s", what,
              g_strerror(saved));
  return FALSE;
}

static guint8 *
vm_map_anonymous(gsize size, const char *what, GError **error)
{
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    vm_ioctl_fail(error, what);
    return NULL;
  }
  return p;
}

static gboolean
vm_add_slot(MhVm *vm, guint32 slot, guint32 flags, guint64 gpa, gsize size,
            void *host, GError **error)
{
  struct kvm_userspace_memory_region region = {
    .slot = slot,
    .flags = flags,
    .guest_phys_addr = gpa,
    .memory_size = size,
    .userspace_addr = (guint64)(guintptr)host,
  };
  if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return vm_ioctl_fail(error, "KVM_SET_USER_MEMORY_REGION");
  return TRUE;
}

static gboolean
vm_setup_memory(MhVm *vm, GError **error)
{
  vm->ram.size = vm->machine->ram_size;
  /* Anonymous memory is zero-filled: RAM starts zeroed, and only the
   * pages the guest touches cost host memory. */
  vm->ram.host = vm_map_anonymous(vm->ram.size, "cannot map guest RAM", error);
  if (vm->ram.host == NULL)
    return FALSE;
  vm->monitor = vm_map_anonymous(MH_MONITOR_SIZE, "cannot map monitor region",
                                 error);
  if (vm->monitor == NULL)
    return FALSE;
  memcpy(vm->ram.host, vm->image->data, vm->image->size);

  if (!mh_x86_build_page_tables(vm->monitor + MH_MONITOR_PT_OFF,
                                MH_MONITOR_SIZE - MH_MONITOR_PT_OFF,
                                MH_MONITOR_GPA + MH_MONITOR_PT_OFF,
                                vm->ram.size, vm->machine->page_size,
                                &vm->tables, error))
    return FALSE;

  if (!vm_add_slot(vm, VM_SLOT_RAM, 0, 0, vm->ram.size, vm->ram.host, error))
    return FALSE;
  /* A writable slot, never KVM_MEM_READONLY: the nested page walk writes
   * (or counts as writing) the guest's page tables, and a read-only slot
   * makes KVM emulate every guest instruction (x86_64.h).  The guest's
   * own mapping keeps it off the region. */
  return vm_add_slot(vm, VM_SLOT_MONITOR, 0, MH_MONITOR_GPA, MH_MONITOR_SIZE,
                     vm->monitor, error);
}

static gboolean
vm_setup_vcpu(MhVm *vm, GError **error)
{
  struct kvm_sregs sregs;
  struct kvm_regs regs = {
    .rip = MH_BOOT_REG_RIP,
    .rsp = vm->ram.size,
    .rflags = MH_RFLAGS_RESERVED,
    .rax = MH_BOOT_MAGIC,
    .rbx = MH_ABI_VERSION,
    .rdi = vm->ram.size,
    .rsi = vm->index,
    .rdx = vm->machine->page_size,
    .rcx = vm->machine->vm_count,
  };
  void *run;

  vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
  if (vm->vcpu_fd < 0)
    return vm_ioctl_fail(error, "KVM_CREATE_VCPU");
  run = mmap(NULL, vm->kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
             vm->vcpu_fd, 0);
  if (run == MAP_FAILED)
    return vm_ioctl_fail(error, "cannot map the vCPU run structure");
  vm->run = run;

  /* The guest sees the CPU features KVM supports (long mode among them). */
  if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, vm->kvm->cpuid) < 0)
    return vm_ioctl_fail(error, "KVM_SET_CPUID2");
  if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
    return vm_ioctl_fail(error, "KVM_GET_SREGS");
  mh_x86_setup_long_mode(vm->monitor, vm->tables.cr3, MH_PORT_EXCEPTION,
                         &sregs);
  if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
    return vm_ioctl_fail(error, "KVM_SET_SREGS");
  if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
    return vm_ioctl_fail(error, "KVM_SET_REGS");
  return TRUE;
}

/* Registers port 0xE9 for coalesced PIO: 1-byte OUTs are then queued in
 * the ring in the run mapping instead of exiting (KVM_REGISTER_COALESCED_
 * MMIO with pio = 1).  Not at start-up but once the guest has written
 * MH_COALESCE_AFTER console bytes through exits: on nested KVM a zone
 * makes destroying the VM some 12 ms slower, which only a guest that
 * writes a few KiB wins back (~7 us saved per byte).  Called from the
 * VM's thread; where KVM lacks the capability, nothing changes. */
void
mh_vm_coalesce_console(MhVm *vm)
{
  struct kvm_coalesced_mmio_zone zone = {
    .addr = MH_PORT_CONSOLE,
    .size = 1,
    .pio = 1,
  };
  gsize page = (gsize)sysconf(_SC_PAGESIZE);

  if (vm->ring != NULL || vm->coalesce_tried || !vm->kvm->coalesced_pio ||
      vm->console.bytes_out < MH_COALESCE_AFTER)
    return;
  vm->coalesce_tried = TRUE;
  if (g_getenv("MINI_HYPERVISOR_NO_COALESCING") != NULL ||
      ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0)
    return; /* the slow path works as before */
  vm->ring_max = (guint32)((page - sizeof *vm->ring) /
                           sizeof(struct kvm_coalesced_mmio));
  /* Published last: the main thread's drain reads it without a lock. */
  g_atomic_pointer_set(&vm->ring, (struct kvm_coalesced_mmio_ring *)(
                                    (guint8 *)vm->run +
                                    vm->kvm->coalesced_page * page));
}

void
mh_vm_drain(MhVm *vm)
{
  struct kvm_coalesced_mmio_ring *ring = g_atomic_pointer_get(&vm->ring);
  guint8 bytes[256];
  gsize n = 0;
  guint32 first, last;

  if (ring == NULL)
    return;
  /* Cheap check without the lock: most calls find nothing. */
  if (__atomic_load_n(&ring->first, __ATOMIC_ACQUIRE) ==
      __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
    return;
  g_mutex_lock(&vm->ring_lock);
  first = __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE);
  last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
  /* KVM is the producer and owns `last`; ring_max bounds a hostile or
   * corrupt index. */
  while (first != last && first < vm->ring_max && last < vm->ring_max) {
    const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
    if (e->pio && e->phys_addr == MH_PORT_CONSOLE && e->len == 1)
      bytes[n++] = e->data[0];
    first = (first + 1) % vm->ring_max;
    if (n == sizeof bytes) {
      mh_console_put(&vm->console, bytes, n);
      vm->coalesced += n;
      n = 0;
    }
  }
  __atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
  if (n > 0) {
    mh_console_put(&vm->console, bytes, n);
    vm->coalesced += n;
  }
  g_mutex_unlock(&vm->ring_lock);
}

MhVm *
mh_vm_new(const MhKvm *kvm, const MhMachine *machine, const MhImage *image,
          guint index, MhOutput *output, const char *console_tag,
          int input_space_fd, GError **error)
{
  g_autoptr(MhVm) vm = g_new0(MhVm, 1);

  g_mutex_init(&vm->ring_lock);
  vm->index = index;
  vm->name = g_path_get_basename(image->path);
  vm->image = image;
  vm->kvm = kvm;
  vm->machine = machine;
  vm->vcpu_fd = -1;
  mh_input_init(&vm->input, input_space_fd);
  mh_console_init(&vm->console, output, console_tag, &vm->input, &vm->stop);

  vm->vm_fd = ioctl(kvm->fd, KVM_CREATE_VM, 0);
  if (vm->vm_fd < 0) {
    vm_ioctl_fail(error, "KVM_CREATE_VM");
    return NULL;
  }
  if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)VM_KVM_TSS_GPA) < 0) {
    vm_ioctl_fail(error, "KVM_SET_TSS_ADDR");
    return NULL;
  }
  if (!vm_setup_memory(vm, error) || !vm_setup_vcpu(vm, error))
    return NULL;
  mh_files_init(&vm->files, machine->files, &vm->ram, index, vm->name);
  if (!mh_ports_register(&vm->ports, MH_PORT_CONSOLE, 1, "console",
                         mh_console_io, &vm->console, error) ||
      !mh_ports_register(&vm->ports, MH_PORT_FILE, 1, "file",
                         mh_files_io, &vm->files, error))
    return NULL;
#ifdef MH_TEST_HOOKS
  if (!mh_testhooks_register(vm, error))
    return NULL;
#endif
  return g_steal_pointer(&vm);
}

void
mh_vm_free(MhVm *vm)
{
  if (vm == NULL)
    return;
  mh_console_clear(&vm->console);
  mh_input_clear(&vm->input);
  if (vm->files.fds != NULL)
    mh_files_clear(&vm->files);
  if (vm->run != NULL)
    munmap(vm->run, vm->kvm->run_size);
  if (vm->vcpu_fd >= 0)
    close(vm->vcpu_fd);
  if (vm->vm_fd >= 0)
    close(vm->vm_fd);
  if (vm->ram.host != NULL)
    munmap(vm->ram.host, vm->ram.size);
  if (vm->monitor != NULL)
    munmap(vm->monitor, MH_MONITOR_SIZE);
  g_clear_error(&vm->failure);
  g_mutex_clear(&vm->ring_lock);
  g_free(vm->name);
  g_free(vm);
}

char *
mh_vm_describe(const MhVm *vm)
{
  const MhPageTables *t = &vm->tables;

  return g_strdup_printf(
    "%" G_GUINT64_FORMAT " MiB RAM at guest-physical 0 (image %" G_GSIZE_FORMAT
    " bytes); identity-mapped with %u pages of %s: %u PML4 + %u PDPT + %u PD + %u PT"
    " + 2 for the hypervisor's pages = %u tables (%" G_GUINT64_FORMAT " KiB) at"
    " guest-physical 0x%" G_GINT64_MODIFIER "x, outside the guest's mapping;"
    " GDT, IDT and exception handlers read-only at 0x%" G_GINT64_MODIFIER "x;"
    " entry RIP 0x0, RSP 0x%" G_GINT64_MODIFIER "x",
    vm->ram.size >> 20, vm->image->size, t->n_leaves,
    t->page_size == MH_PAGE_2M ? "2 MiB" : "4 KiB", t->n_pml4, t->n_pdpt,
    t->n_pd, t->n_pt, t->n_pml4 + t->n_pdpt + t->n_pd + t->n_pt + 2,
    t->tables_size / 1024, t->tables_gpa, (guint64)MH_MONITOR_GPA, vm->ram.size);
}
