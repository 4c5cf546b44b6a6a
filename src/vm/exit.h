/* SPDX-License-Identifier: MIT */
/*
 * exit.h - what one KVM exit asks of the VM, decoded from the run area by
 * a pure function: no ioctl, no VM, nothing but the bytes KVM left.  The
 * exit loop (vm-loop.c) switches on the result; unit tests drive it with
 * run areas they build (tests/unit/test-exit.c), as Firecracker tests its
 * handle_kvm_exit without KVM.  Every value in the run area is KVM's, but
 * the I/O data offset is checked here all the same, before any device
 * sees the buffer it names.
 */
#ifndef MH_EXIT_H
#define MH_EXIT_H

#include <glib.h>
#include <linux/kvm.h>

#include "ports.h"

typedef enum {
  MH_EXIT_IO,           /* port I/O: io (its data in the run area)    */
  MH_EXIT_HALT,         /* hlt: the guest's end                        */
  MH_EXIT_TRIPLE_FAULT, /* KVM_EXIT_SHUTDOWN                           */
  MH_EXIT_MMIO,         /* an access to no RAM: mmio                   */
  MH_EXIT_ENTRY_FAILED, /* VM entry refused: hw_reason                 */
  MH_EXIT_EMULATION,    /* KVM could not emulate an instruction        */
  MH_EXIT_INTERNAL,     /* another KVM internal error: suberror        */
  MH_EXIT_INTERRUPTED,  /* a signal broke KVM_RUN (a kick)             */
  MH_EXIT_DEBUG,        /* a breakpoint, watchpoint or step (gdb)      */
  MH_EXIT_NOTHING,      /* nothing to do (the guest changed CR8)       */
  MH_EXIT_BAD_IO_DATA,  /* an I/O exit whose data lies outside the run
                           area: a host error, no device sees it       */
  MH_EXIT_UNKNOWN,      /* a reason this program does not handle       */
} MhExitKind;

typedef struct {
  MhExitKind kind;
  guint reason;  /* KVM_EXIT_*, as KVM gave it */
  MhIoAccess io; /* MH_EXIT_IO                 */
  struct {
    guint64 gpa;
    guint len; /* bytes (KVM: 1 to 8) */
    gboolean write;
  } mmio;            /* MH_EXIT_MMIO                */
  guint64 hw_reason; /* MH_EXIT_ENTRY_FAILED        */
  guint suberror;    /* MH_EXIT_INTERNAL            */
} MhExit;

/* Decodes the exit KVM left in @run, @run_size bytes long (the mapping
 * of the vCPU fd).  Reads @run only; io.data points into it. */
void mh_exit_decode(struct kvm_run *run, gsize run_size, MhExit *exit);

/* Is @exit the shape of the hypervisor's exception handlers' report (one
 * byte OUT to MH_PORT_EXCEPTION)?  Whether it came from a handler is for
 * RIP to tell (mh_x86_stub_vector()). */
gboolean mh_exit_is_exception_report(const MhExit *exit);

#endif /* MH_EXIT_H */
