/* SPDX-License-Identifier: MIT */
/*
 * vm-private.h - the fields of MhVm, for the VM's own files only (vm.c,
 * vm-loop.c, testhooks.c).  Everything else goes through vm.h; the gdb
 * stub sees a narrower target (gdbstub.h).
 */
#ifndef MH_VM_PRIVATE_H
#define MH_VM_PRIVATE_H

#include <linux/kvm.h>
#include <pthread.h>

#include "gdbstub.h"
#include "guestmem.h"
#include "ports.h"
#include "vm.h"
#include "x86_64.h"

struct MhVm {
  guint index;  /* position on the command line           */
  guint number; /* what the guest is told (RSI): index, or 0 alone */
  char *name;   /* image's base name, escaped             */
  const MhImage *image;
  const MhKvm *kvm;
  const MhMachine *machine;
  const MhSandbox *sandbox;
  int *keep_fds; /* the run's fds its thread keeps         */
  guint n_keep_fds;

  int vm_fd;
  MhVcpu vcpu;     /* vCPU 0: fd, run area, stop, exits      */
  MhGuestMem ram;  /* guest RAM at guest-physical 0          */
  guint8 *monitor; /* GDT, TSS, page tables; MH_MONITOR_SIZE */
  MhPageTables tables;

  /* Console OUTs KVM queued without an exit: drained by the VM's thread
   * only.  Published with an atomic store once registered, so that the
   * main thread can see there is something to drain (and kick). */
  struct kvm_coalesced_mmio_ring *ring;
  guint32 ring_max;        /* entries in the ring                    */
  guint64 coalesced;       /* console bytes that took no exit        */
  gboolean coalesce_tried; /* zone registered, or given up      */

  MhPortTable ports;
  MhConsole console;
  MhInput input;       /* filled by the main thread's router     */
  MhFileService files; /* port 0x278                             */

  char *fault_detail; /* registers etc. for --verbose, or NULL */

  MhGdb *gdb;         /* its gdb stub, or NULL                  */
  MhTraceVm *trace;   /* --trace, or NULL (borrowed)            */
  MhDiagnosis diag;   /* how it ended (vm-loop.c: vm_end())     */
  char *diag_message; /* ... in words: the GError, rendered once */
  gboolean diag_set;  /* set by the one who knew (not provisional) */
  gint64 wall_usec;   /* its thread, from start to end          */
  gint64 cpu_usec;    /* its thread's CPU time at the end       */
};

/* vm.c, for vm-loop.c: moves queued console bytes through the port table. */
void mh_vm_drain(MhVm *vm);
/* Switches the console to coalesced PIO once the guest has written
 * MH_COALESCE_AFTER bytes the slow way. */
void mh_vm_coalesce_console(MhVm *vm);
#define MH_COALESCE_AFTER 4096u

#endif /* MH_VM_PRIVATE_H */
