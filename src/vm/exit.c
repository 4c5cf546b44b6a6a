/* SPDX-License-Identifier: MIT */
/* exit.c - one KVM exit decoded (exit.h). */
#include "config.h"

#include <string.h>

#include "exit.h"
#include "kvm.h"
#include "mh_abi.h"

static void
exit_decode_io(struct kvm_run *run, gsize run_size, MhExit *exit)
{
  exit->io = (MhIoAccess){
    .port = run->io.port,
    .dir = run->io.direction == KVM_EXIT_IO_OUT ? MH_IO_OUT : MH_IO_IN,
    .size = run->io.size,
    .count = run->io.count,
    .data = mh_kvm_io_data(run, run_size),
  };
  exit->kind = exit->io.data != NULL ? MH_EXIT_IO : MH_EXIT_BAD_IO_DATA;
}

void
mh_exit_decode(struct kvm_run *run, gsize run_size, MhExit *exit)
{
  memset(exit, 0, sizeof *exit);
  exit->reason = run->exit_reason;
  switch (run->exit_reason) {
  case KVM_EXIT_IO: exit_decode_io(run, run_size, exit); break;
  case KVM_EXIT_HLT: exit->kind = MH_EXIT_HALT; break;
  case KVM_EXIT_SHUTDOWN: exit->kind = MH_EXIT_TRIPLE_FAULT; break;
  case KVM_EXIT_MMIO:
    exit->kind = MH_EXIT_MMIO;
    exit->mmio.gpa = run->mmio.phys_addr;
    exit->mmio.len = run->mmio.len;
    exit->mmio.write = run->mmio.is_write != 0;
    break;
  case KVM_EXIT_FAIL_ENTRY:
    exit->kind = MH_EXIT_ENTRY_FAILED;
    exit->hw_reason = run->fail_entry.hardware_entry_failure_reason;
    break;
  case KVM_EXIT_INTERNAL_ERROR:
    exit->suberror = run->internal.suberror;
    exit->kind = exit->suberror == KVM_INTERNAL_ERROR_EMULATION
                   ? MH_EXIT_EMULATION
                   : MH_EXIT_INTERNAL;
    break;
  case KVM_EXIT_INTR: exit->kind = MH_EXIT_INTERRUPTED; break;
  case KVM_EXIT_DEBUG: exit->kind = MH_EXIT_DEBUG; break;
  case KVM_EXIT_SET_TPR: exit->kind = MH_EXIT_NOTHING; break;
  default: exit->kind = MH_EXIT_UNKNOWN; break;
  }
}

gboolean
mh_exit_is_exception_report(const MhExit *exit)
{
  return exit->kind == MH_EXIT_IO && exit->io.port == MH_PORT_EXCEPTION &&
         exit->io.dir == MH_IO_OUT && exit->io.size == 1 && exit->io.count == 1;
}
