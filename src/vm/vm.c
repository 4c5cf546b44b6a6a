/* SPDX-License-Identifier: MIT */
/* vm.c - one VM: building it (KVM VM and vCPU, memory, long mode,
 * devices), telling it to stop, what it leaves, freeing it.  Its thread
 * runs in vm-loop.c. */
#include "config.h"

#include "vm-private.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileport.h"
#include "mh_abi.h"
#include "text.h"
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
  return mh_throw_errno(error, MH_ERROR_HOST, "%s", what);
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
  mh_image_copy_to(vm->image, vm->ram.host, vm->ram.size);

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
    .rip = vm->image->entry, /* MH_BOOT_REG_RIP for a flat image */
    .rsp = vm->ram.size,
    .rflags = MH_RFLAGS_RESERVED,
    .rax = MH_BOOT_MAGIC,
    .rbx = MH_ABI_VERSION,
    .rdi = vm->ram.size,
    .rsi = vm->number,
    .rdx = vm->machine->page_size,
    .rcx = vm->machine->vm_count,
  };

  if (!mh_vcpu_init(&vm->vcpu, vm->kvm, vm->vm_fd, error))
    return FALSE;
  /* The guest sees the CPU features KVM supports (long mode among them). */
  if (ioctl(vm->vcpu.fd, KVM_SET_CPUID2, vm->kvm->cpuid) < 0)
    return vm_ioctl_fail(error, "KVM_SET_CPUID2");
  if (ioctl(vm->vcpu.fd, KVM_GET_SREGS, &sregs) < 0)
    return vm_ioctl_fail(error, "KVM_GET_SREGS");
  mh_x86_setup_long_mode(vm->monitor, vm->tables.cr3, MH_PORT_EXCEPTION,
                         &sregs);
  if (ioctl(vm->vcpu.fd, KVM_SET_SREGS, &sregs) < 0)
    return vm_ioctl_fail(error, "KVM_SET_SREGS");
  if (ioctl(vm->vcpu.fd, KVM_SET_REGS, &regs) < 0)
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
  /* Published last: the main thread reads it without a lock to see
   * whether to kick this thread (mh_vm_output_pending). */
  g_atomic_pointer_set(&vm->ring, (struct kvm_coalesced_mmio_ring
                                     *)((guint8 *)vm->vcpu.run +
                                        vm->kvm->coalesced_page * page));
}

/* Dispatches @n queued bytes for @port as one string OUT, the way a
 * `rep outsb` reaches the port table. */
static void
vm_dispatch_queued(MhVm *vm, guint16 port, guint8 *bytes, gsize n)
{
  MhIoAccess io = {
    .port = port,
    .dir = MH_IO_OUT,
    .size = 1,
    .count = (guint)n,
    .data = bytes,
  };
  g_autoptr(GError) error = NULL;

  /* Only a registered 1-byte port is ever coalesced, and a 1-byte OUT to
   * it cannot fail. */
  if (!mh_ports_dispatch(&vm->ports, &io, &error))
    g_warning("coalesced output to port 0x%x: %s", port, error->message);
  vm->coalesced += n;
}

void
mh_vm_drain(MhVm *vm)
{
  struct kvm_coalesced_mmio_ring *ring = vm->ring;
  guint8 bytes[256];
  guint16 port = 0;
  gsize n = 0;
  guint32 first, last;

  if (ring == NULL)
    return;
  first = __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE);
  last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
  /* KVM is the producer and owns `last`; ring_max bounds a hostile or
   * corrupt index.  Runs of bytes for one port go out together. */
  while (first != last && first < vm->ring_max && last < vm->ring_max) {
    const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
    if (e->pio && e->len == 1 && e->phys_addr <= G_MAXUINT16) {
      if (n > 0 && (n == sizeof bytes || e->phys_addr != port)) {
        vm_dispatch_queued(vm, port, bytes, n);
        n = 0;
      }
      port = (guint16)e->phys_addr;
      bytes[n++] = e->data[0];
    }
    first = (first + 1) % vm->ring_max;
  }
  __atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
  if (n > 0)
    vm_dispatch_queued(vm, port, bytes, n);
}

gboolean
mh_vm_output_pending(MhVm *vm)
{
  struct kvm_coalesced_mmio_ring *ring = g_atomic_pointer_get(&vm->ring);

  return ring != NULL && __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE) !=
                           __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
}

MhVm *
mh_vm_new(const MhVmSetup *setup, GError **error)
{
  g_autoptr(MhVm) vm = g_new0(MhVm, 1);
  g_autofree char *base = g_path_get_basename(setup->image->path);

  vm->index = setup->index;
  vm->number = setup->alone ? 0 : setup->index;
  vm->name = mh_text_escape(base);
  vm->image = setup->image;
  vm->kvm = setup->kvm;
  vm->machine = setup->machine;
  vm->sandbox = setup->sandbox;
  /* One more place for its own console file (-1 is ignored). */
  vm->keep_fds = g_new(int, setup->n_keep_fds + 1);
  if (setup->n_keep_fds > 0)
    memcpy(vm->keep_fds, setup->keep_fds, setup->n_keep_fds * sizeof(int));
  vm->keep_fds[setup->n_keep_fds] = setup->console.file_fd;
  vm->n_keep_fds = setup->n_keep_fds + 1;
  vm->vm_fd = vm->vcpu.fd = -1; /* (mh_vcpu_init() sets the rest) */
  mh_input_init(&vm->input, setup->input_space_fd);
  mh_console_init(&vm->console, &setup->console, &vm->input, &vm->vcpu.stop);
  mh_files_init(&vm->files, setup->files, &vm->ram, vm->index, base);

  vm->vm_fd = ioctl(vm->kvm->fd, KVM_CREATE_VM, 0);
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
  /* Once its vCPU and memory exist: what the stub debugs. */
  if (setup->gdb.on) {
    const MhGdbTarget target = {
      .vcpu = &vm->vcpu,
      .ram = &vm->ram,
      .monitor = vm->monitor,
      .input = &vm->input,
    };
    vm->gdb = mh_gdb_new(&target, setup->gdb.listen_fd, setup->gdb.wait, error);
    if (vm->gdb == NULL)
      return NULL;
    /* gdb reaches a guest that waits for input there (gdbstub.h). */
    mh_input_set_pause(&vm->input, mh_gdb_input_pause, vm->gdb);
  }
  vm->trace = setup->trace;
  if (vm->trace != NULL)
    mh_trace_vm_attach(vm->trace, vm->vm_fd, vm->vcpu.fd, vm->vcpu.run,
                       vm->vcpu.run_size);
  if (!mh_ports_add_device(&vm->ports, &mh_console_device, &vm->console,
                           error) ||
      !mh_ports_add_device(&vm->ports, &mh_file_device, &vm->files, error))
    return NULL;
#ifdef MH_TEST_HOOKS
  if (!mh_testhooks_register(vm, error))
    return NULL;
#endif
  return g_steal_pointer(&vm);
}

void
mh_vm_request_stop(MhVm *vm, MhStopReason reason)
{
  /* The stop first, then the kick that breaks a KVM_RUN, a blocking
   * write or an input wait already under way. */
  if (!mh_vcpu_request_stop(&vm->vcpu, reason))
    return;
  mh_input_wake(&vm->input);
  mh_vcpu_kick(&vm->vcpu);
}

void
mh_vm_kick(MhVm *vm)
{
  mh_vcpu_kick(&vm->vcpu);
}

const MhDiagnosis *
mh_vm_diagnosis(const MhVm *vm)
{
  return &vm->diag;
}

void
mh_vm_stats(const MhVm *vm, MhVmStats *stats)
{
  memset(stats, 0, sizeof *stats);
  stats->exits_total = vm->vcpu.exits_total;
  memcpy(stats->exits, vm->vcpu.exits, sizeof stats->exits);
  stats->n_ports = MIN(vm->ports.n_ranges, (guint)G_N_ELEMENTS(stats->ports));
  for (guint i = 0; i < stats->n_ports; i++) {
    stats->ports[i].first = vm->ports.ranges[i].first;
    stats->ports[i].out = vm->ports.ranges[i].out_ops;
    stats->ports[i].in = vm->ports.ranges[i].in_ops;
  }
  stats->console_out = vm->console.bytes_out;
  stats->console_in = vm->console.bytes_in;
  stats->wall_seconds = vm->wall_usec / (gdouble)G_USEC_PER_SEC;
  stats->cpu_seconds = vm->cpu_usec / (gdouble)G_USEC_PER_SEC;
}

gdouble
mh_vm_cpu_seconds(MhVm *vm)
{
  return mh_vcpu_cpu_seconds(&vm->vcpu);
}

int
mh_vm_console_file_error(const MhVm *vm)
{
  return vm->console.file_errno;
}

MhGdb *
mh_vm_gdb(MhVm *vm)
{
  return vm->gdb;
}

const MhImage *
mh_vm_image(const MhVm *vm)
{
  return vm->image;
}

MhStopReason
mh_vm_stop_reason(MhVm *vm)
{
  return mh_vcpu_stop_reason(&vm->vcpu);
}

MhInput *
mh_vm_input(MhVm *vm)
{
  return &vm->input;
}

const char *
mh_vm_name(const MhVm *vm)
{
  return vm->name;
}

gboolean
mh_vm_keep_files(MhVm *vm, const char **dir_path)
{
  gboolean kept = mh_files_finish(&vm->files);

  *dir_path = kept ? vm->files.dir_path : NULL;
  return kept;
}

guint64
mh_vm_host_errors(const MhVm *vm, const char **last)
{
  *last = vm->files.last_host_error;
  return vm->files.host_errors;
}

void
mh_vm_free(MhVm *vm)
{
  if (vm == NULL)
    return;
  /* The VM's thread quiesced the devices: nothing here writes to
   * standard output or touches a guest's fds. */
  mh_console_clear(&vm->console);
  mh_fd_close(vm->console.file_fd);
  mh_input_clear(&vm->input);
  g_clear_pointer(&vm->gdb, mh_gdb_free);
  if (vm->files.fds != NULL)
    mh_files_clear(&vm->files);
  mh_vcpu_clear(&vm->vcpu);
  if (vm->vm_fd >= 0)
    close(vm->vm_fd);
  if (vm->ram.host != NULL)
    munmap(vm->ram.host, vm->ram.size);
  if (vm->monitor != NULL)
    munmap(vm->monitor, MH_MONITOR_SIZE);
  g_free(vm->keep_fds);
  g_free(vm->fault_detail);
  g_free(vm->diag_message);
  g_free(vm->name);
  g_free(vm);
}

const char *
mh_vm_fault_detail(const MhVm *vm)
{
  return vm->fault_detail;
}

char *
mh_vm_describe(const MhVm *vm)
{
  const MhPageTables *t = &vm->tables;
  g_autofree char *syms = NULL;

  if (vm->image->elf)
    syms = g_strdup_printf(", %u symbols, %u line-table rows",
                           mh_symbols_n_functions(vm->image->symbols),
                           mh_symbols_n_lines(vm->image->symbols));
  return g_strdup_printf(
    "%" G_GUINT64_FORMAT
    " MiB RAM at guest-physical 0 (%s image, %" G_GUINT64_FORMAT
    " bytes in RAM%s); identity-mapped with %u pages of %s: %u PML4 + %u PDPT + %u PD + %u PT"
    " + 2 for the hypervisor's pages = %u tables (%" G_GUINT64_FORMAT " KiB) at"
    " guest-physical 0x%" G_GINT64_MODIFIER "x, outside the guest's mapping;"
    " GDT, IDT and exception handlers read-only at 0x%" G_GINT64_MODIFIER "x;"
    " entry RIP 0x%" G_GINT64_MODIFIER "x, RSP 0x%" G_GINT64_MODIFIER "x",
    vm->ram.size >> 20, vm->image->elf ? "ELF" : "flat",
    mh_image_mem_size(vm->image), syms ? syms : "", t->n_leaves,
    t->page_size == MH_PAGE_2M ? "2 MiB" : "4 KiB", t->n_pml4, t->n_pdpt,
    t->n_pd, t->n_pt, t->n_pml4 + t->n_pdpt + t->n_pd + t->n_pt + 2,
    t->tables_size / 1024, t->tables_gpa, (guint64)MH_MONITOR_GPA,
    vm->image->entry, vm->ram.size);
}

char *
mh_vm_describe_exits(const MhVm *vm)
{
  GString *s = g_string_new(NULL);

  mh_vcpu_describe_exits(&vm->vcpu, s);
  for (guint i = 0; i < vm->ports.n_ranges; i++) {
    const MhPortRange *r = &vm->ports.ranges[i];
    g_string_append_printf(s,
                           "; port 0x%x (%s): %" G_GUINT64_FORMAT
                           " out, %" G_GUINT64_FORMAT " in",
                           r->first, r->name, r->out_ops, r->in_ops);
  }
  g_string_append_printf(s,
                         "; console %" G_GUINT64_FORMAT
                         " bytes out (%" G_GUINT64_FORMAT
                         " coalesced, no exit), %" G_GUINT64_FORMAT " in",
                         vm->console.bytes_out, vm->coalesced,
                         vm->console.bytes_in);
  return g_string_free(s, FALSE);
}
