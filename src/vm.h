/* SPDX-License-Identifier: MIT */
/*
 * vm.h - one virtual machine: its KVM handles, RAM, monitor region, vCPU,
 * devices and outcome.  All of a VM's state hangs off its MhVm; several
 * VMs live in one process and share only read-only things (MhKvm, the
 * images, MhMachine) and the locked MhOutput.
 */
#ifndef MH_VM_H
#define MH_VM_H

#include <glib.h>
#include <linux/kvm.h>
#include <pthread.h>

#include "console.h"
#include "fileio.h"
#include "guestmem.h"
#include "input.h"
#include "kvm.h"
#include "loader.h"
#include "ports.h"
#include "x86_64.h"

/* What every VM of a run has in common (read-only once VMs start). */
typedef struct {
  guint64             ram_size;  /* bytes                      */
  guint64             page_size; /* identity-map page size     */
  guint               vm_count;  /* VMs in this run            */
  const MhFileConfig *files;     /* the file service's settings */
} MhMachine;

/* Why a VM was asked to stop (MhVm.stop); 0 means keep running. */
typedef enum {
  MH_STOP_NONE = 0,
  MH_STOP_TIMEOUT = 1,
  MH_STOP_OUTPUT = 2,          /* standard output failed           */
  MH_STOP_SIGNAL_BASE = 0x100, /* + signal number */
} MhStopReason;

#define MH_EXIT_REASONS 64 /* counted exit reasons (KVM_EXIT_* < 64) */

typedef struct {
  guint               index;      /* position on the command line           */
  char               *name;       /* image file's base name                 */
  const MhImage      *image;
  const MhKvm        *kvm;
  const MhMachine    *machine;

  int                 vm_fd;
  int                 vcpu_fd;
  struct kvm_run     *run;        /* shared with KVM, kvm->run_size bytes   */
  MhGuestMem          ram;        /* guest RAM at guest-physical 0          */
  guint8             *monitor;    /* GDT, TSS, page tables; MH_MONITOR_SIZE */
  MhPageTables        tables;

  struct kvm_coalesced_mmio_ring *ring; /* console OUTs queued by KVM, or NULL */
  guint32             ring_max;   /* entries in the ring                    */
  GMutex              ring_lock;  /* one drainer at a time                  */
  guint64             coalesced;  /* console bytes that took no exit        */
  gboolean            coalesce_tried; /* zone registered, or given up      */

  MhPortTable         ports;
  MhConsole           console;
  MhInput             input;      /* filled by the main thread's router     */
  MhFileService       files;      /* port 0x278                             */

  gint                stop;       /* MhStopReason, set by the main thread   */
  pthread_t           thread;     /* valid once thread_ready is set         */
  gint                thread_ready;

  guint64             exits[MH_EXIT_REASONS]; /* statistics              */
  guint64             exits_total;
  gint64              run_usec;   /* wall time in the vCPU loop             */
  gboolean            halted;     /* ended with hlt                         */
  GError             *failure;    /* why it did not halt, if it did not     */
} MhVm;

/* Creates a VM ready to run @image: RAM zeroed with the image at 0, page
 * tables, long mode, registers as mh_abi.h documents, console on 0xE9. */
MhVm *mh_vm_new(const MhKvm *kvm, const MhMachine *machine,
                const MhImage *image, guint index, MhOutput *output,
                const char *console_tag, int input_space_fd, GError **error);
void  mh_vm_free(MhVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhVm, mh_vm_free)

/* Runs the vCPU until the guest halts (TRUE) or the VM fails or is
 * stopped (FALSE, with the diagnosis).  Call from the VM's own thread. */
gboolean mh_vm_run(MhVm *vm, GError **error);

/* Moves console bytes KVM queued without an exit into the console, in
 * order.  Called by the VM's thread after every exit and by the main
 * thread every MH_DRAIN_INTERVAL_MS so output is never held back. */
void mh_vm_drain(MhVm *vm);
#define MH_DRAIN_INTERVAL_MS 20

/* Switches the console to coalesced PIO once the guest has written
 * MH_COALESCE_AFTER bytes the slow way.  Called by the VM's thread. */
void mh_vm_coalesce_console(MhVm *vm);
#define MH_COALESCE_AFTER 4096u

/* Asks the VM to stop: safe from any thread, any time. */
void mh_vm_request_stop(MhVm *vm, MhStopReason reason, int kick_signal);

/* Human-readable descriptions for --verbose. */
char *mh_vm_describe(const MhVm *vm);
char *mh_vm_describe_exits(const MhVm *vm);

#endif /* MH_VM_H */
