/* SPDX-License-Identifier: MIT */
/*
 * vm.h - one virtual machine, as the rest of the program sees it.
 *
 * Its fields are private (vm-private.h, for the VM's own files): a run
 * drives a VM through four steps, each on a given thread.
 *
 *   mh_vm_new()      main thread: KVM VM and vCPU, RAM with the image,
 *                    long mode, devices, the VM's output directory;
 *   mh_vm_run()      the VM's own thread: confines the thread, runs the
 *                    guest until it halts, fails or is stopped, then
 *                    quiesces every device (console flushed, input
 *                    abandoned, guest files closed) on that same thread;
 *   mh_vm_request_stop(), mh_vm_kick()
 *                    any thread, any time;
 *   mh_vm_keep_files(), mh_vm_describe*(), mh_vm_free()
 *                    main thread, after the VM's thread was joined.
 *
 * Several VMs live in one process and share only read-only things
 * (MhKvm, the images, MhMachine) and the locked MhOutput.  The VM's
 * thread is the only one that runs its devices: the main thread never
 * writes a VM's console to standard output nor takes a VM's lock; it only
 * kicks the thread (a signal that breaks KVM_RUN) when there is work.
 */
#ifndef MH_VM_H
#define MH_VM_H

#include <glib.h>
#include <signal.h>

#include "console.h"
#include "ending.h"
#include "error.h"
#include "fileio.h"
#include "input.h"
#include "kvm.h"
#include "loader.h"
#include "sandbox.h"
#include "trace.h"
#include "vcpu.h"

/* The machine a VM is (read-only once VMs start). */
typedef struct {
  guint64 ram_size;  /* bytes                  */
  guint64 page_size; /* identity-map page size */
  guint vm_count;    /* VMs in this run (the guest reads it in RCX) */
} MhMachine;

/* Everything a run hands a new VM: the machine, its image, its place in
 * the sandbox, and each device and debugger by its own configuration. */
typedef struct {
  const MhKvm *kvm;
  const MhMachine *machine;
  const MhImage *image;
  guint index; /* position on the command line (or in --jobs) */
  /* A job of --jobs: its guest is told it is VM 0 of 1 (RSI, and RCX
   * from @machine), as in a run of its own. */
  gboolean alone;
  const MhSandbox *sandbox;
  const int *keep_fds; /* the run's fds the VM thread uses  */
  guint n_keep_fds;    /* (stdout, eventfds, shared files)  */
  /* Devices. */
  MhConsoleConfig console;   /* port MH_PORT_CONSOLE (console.h) */
  int input_space_fd;        /* its input queue: an eventfd
                                signalled as the VM drains it (input.h) */
  const MhFileConfig *files; /* port MH_PORT_FILE (fileio.h) */
  /* Debugging. */
  struct {
    gboolean on;   /* debugged: listen_fd is valid        */
    gboolean wait; /* -S: the guest waits for gdb         */
    int listen_fd; /* its gdb socket (gdbstub.h)          */
  } gdb;
  MhTraceVm *trace; /* --trace: its records, or NULL */
} MhVmSetup;

typedef struct MhVm MhVm;

/* Creates a VM ready to run its image: RAM zeroed with the image at 0,
 * page tables, long mode, registers as mh_abi.h documents, the console
 * and the file service, and the VM's output directory. */
MhVm *mh_vm_new(const MhVmSetup *setup, GError **error);
void mh_vm_free(MhVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhVm, mh_vm_free)

/* On the VM's own thread: confines it, runs the guest until it halts
 * (TRUE) or fails or is stopped (FALSE, with the diagnosis), then
 * quiesces its devices. */
gboolean mh_vm_run(MhVm *vm, GError **error);

/* Asks the VM to stop, with the first reason given: safe from any
 * thread, any time; its thread ends soon after, even if it was blocked
 * writing to a standard output nobody reads. */
void mh_vm_request_stop(MhVm *vm, MhStopReason reason);
/* Interrupts the VM's thread (KVM_RUN, a blocking write) so that it
 * looks at its state again: a stop, console bytes queued in its ring. */
void mh_vm_kick(MhVm *vm);
/* TRUE if KVM queued console bytes the VM's thread has not moved on yet
 * (read without a lock: the main thread kicks such a VM). */
gboolean mh_vm_output_pending(MhVm *vm);
#define MH_DRAIN_INTERVAL_MS 20 /* how often the main thread looks */

/* Its gdb stub (gdbstub.h), or NULL when not debugged. */
struct MhGdb *mh_vm_gdb(MhVm *vm);

MhStopReason mh_vm_stop_reason(MhVm *vm);
/* Its input queue, filled by the main thread's router. */
MhInput *mh_vm_input(MhVm *vm);
/* The image's base name, escaped for the terminal (mh_text_escape). */
const char *mh_vm_name(const MhVm *vm);

/* After the VM's thread ended.  Removes the VM's output directory if it
 * kept nothing; returns TRUE and its path if it kept files. */
gboolean mh_vm_keep_files(MhVm *vm, const char **dir_path);
/* File operations that failed on the host: count, and the last one. */
guint64 mh_vm_host_errors(const MhVm *vm, const char **last);

/* How the VM ended, as fields (the report's "diagnosis"): set once, by
 * the VM's thread, beside the GError mh_vm_run() returns. */
typedef enum {
  MH_DIAG_RIP = 1u << 0,
  MH_DIAG_CR2 = 1u << 1,
  MH_DIAG_PORT = 1u << 2,
  MH_DIAG_VECTOR = 1u << 3,
  MH_DIAG_ERROR_CODE = 1u << 4,
  MH_DIAG_SIGNAL = 1u << 5,
  MH_DIAG_RSP = 1u << 6,
} MhDiagField;

typedef struct {
  MhOutcome outcome;
  guint has; /* MhDiagField bits: which fields below are set */
  guint64 rip;
  guint64 rsp; /* a guest fault: the guest's RSP then */
  guint64 cr2;
  guint64 error_code;
  guint port;
  guint vector;
  int signal;
} MhDiagnosis;

/* After the VM's thread ended. */
const MhDiagnosis *mh_vm_diagnosis(const MhVm *vm);

/* Exit and console statistics, after the VM's thread ended. */
typedef struct {
  guint64 exits_total;
  guint64 exits[MH_KVM_EXIT_REASONS];
  guint n_ports;
  struct {
    guint first;     /* the device's first port */
    guint64 out, in; /* accesses                */
  } ports[MH_PORTS_MAX];
  guint64 console_out; /* bytes written (within --output-limit) */
  guint64 console_in;
  gdouble wall_seconds; /* the VM's thread, start to end */
  gdouble cpu_seconds;  /* CPU time of the VM's thread   */
} MhVmStats;
void mh_vm_stats(const MhVm *vm, MhVmStats *stats);
/* CPU time the VM's thread used so far (any thread, while it runs), or a
 * negative value when it cannot be read. */
gdouble mh_vm_cpu_seconds(MhVm *vm);
/* The error that stopped writing its --console-dir file, or 0. */
int mh_vm_console_file_error(const MhVm *vm);
/* The image it runs. */
const MhImage *mh_vm_image(const MhVm *vm);

/* Human-readable descriptions for --verbose. */
char *mh_vm_describe(const MhVm *vm);
char *mh_vm_describe_exits(const MhVm *vm);
/* After a guest fault the hypervisor's handler caught: the vector, the
 * error code decoded, RIP, RSP, CR2, the general registers and the bytes
 * at RIP, in lines for --verbose; NULL otherwise.  Once the VM's thread
 * has ended. */
const char *mh_vm_fault_detail(const MhVm *vm);

#endif /* MH_VM_H */
