/* SPDX-License-Identifier: MIT */
/*
 * vm-loop.c - a VM's own thread (mh_vm_run): it confines itself, runs
 * the exit loop (KVM_RUN, then one flat switch on the exit reason), then
 * ends the VM's devices.  Device logic lives behind the port table; this
 * file only routes exits and turns abnormal ones into diagnoses.  It
 * calls the VM's devices, the gdb stub and the trace; vm.c, which makes
 * the VM, never calls it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "error.h"
#include "exit.h"
#include "mh_abi.h"
#include "vm-private.h"

/* "RIP 0x1f3 (fill_buffer+0x23, memtest.c:41)": every diagnosis names
 * a RIP through this, so that an ELF guest's names the code. */
static char *
vcpu_rip_text(const MhVm *vm, guint64 rip)
{
  return mh_symbols_format(vm->image->symbols, "RIP", rip);
}

/* Reads RIP for a diagnosis; G_MAXUINT64 if it cannot. */
static guint64
vcpu_get_rip(MhVm *vm)
{
  struct kvm_regs regs;

  return ioctl(vm->vcpu.fd, KVM_GET_REGS, &regs) == 0 ? regs.rip : G_MAXUINT64;
}

/* How the VM ends, set by the one place that knows: the outcome and
 * its message; the caller adds the fields it has.  mh_vm_run() renders
 * it, once, into the GError it returns (vm_render()). */
static MhDiagnosis *vm_end(MhVm *vm, MhOutcome outcome, const char *fmt, ...)
  G_GNUC_PRINTF(3, 4);

static MhDiagnosis *
vm_end(MhVm *vm, MhOutcome outcome, const char *fmt, ...)
{
  va_list ap;

  g_free(vm->diag_message);
  va_start(ap, fmt);
  vm->diag_message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  vm->diag = (MhDiagnosis){.outcome = outcome};
  vm->diag_set = TRUE;
  return &vm->diag;
}

static void
vm_diag_rip(MhDiagnosis *d, guint64 rip)
{
  if (rip != G_MAXUINT64) {
    d->rip = rip;
    d->has |= MH_DIAG_RIP;
  }
}

/* "<what> at RIP 0x...": the diagnosis @outcome, with RIP. */
static MhDiagnosis *vm_end_at_rip(MhVm *vm, MhOutcome outcome, const char *fmt,
                                  ...) G_GNUC_PRINTF(3, 4);

static MhDiagnosis *
vm_end_at_rip(MhVm *vm, MhOutcome outcome, const char *fmt, ...)
{
  g_autofree char *what = NULL;
  guint64 rip = vcpu_get_rip(vm);
  g_autofree char *rip_text = vcpu_rip_text(vm, rip);
  MhDiagnosis *d;
  va_list ap;

  va_start(ap, fmt);
  what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  d = vm_end(vm, outcome, "%s at %s", what, rip_text);
  vm_diag_rip(d, rip);
  return d;
}

/* An error from code that does not know how the VM ends (gdb, the
 * sandbox): its message, classed by its code (a guest error:
 * guest-fault; any other: host-error), and provisional: a VM told to
 * stop ends as stopped instead (mh_vm_run()).  Takes @local. */
static void
vm_end_by_error(MhVm *vm, GError *local)
{
  if (local == NULL) /* (a caller that failed without saying why) */
    local = g_error_new_literal(MH_ERROR, MH_ERROR_HOST, "failed");
  vm_end(vm,
         g_error_matches(local, MH_ERROR, MH_ERROR_GUEST)
           ? MH_OUTCOME_GUEST_FAULT
           : MH_OUTCOME_HOST_ERROR,
         "%s", local->message);
  vm->diag_set = FALSE;
  g_error_free(local);
}

/* Does the instruction at @gpa, exactly @length bytes long if @length is
 * not 0, perform @io? */
static gboolean
vcpu_pio_at(MhVm *vm, guint64 gpa, guint length, const MhIoAccess *io)
{
  guint8 code[MH_X86_INSN_MAX];
  gsize avail = mh_guestmem_peek(&vm->ram, gpa, code,
                                 length ? MIN(length, sizeof code)
                                        : sizeof code);
  MhPioInsn insn;

  return avail > 0 && mh_x86_decode_pio(code, avail, &insn) &&
         (length == 0 || insn.length == length) &&
         insn.in == (io->dir == MH_IO_IN) && insn.size == io->size &&
         (insn.port < 0 || (guint)insn.port == io->port);
}

/* The address of the I/O instruction behind @io.  KVM completes a plain
 * OUT before exiting to user space (RIP is past it) but an IN or a string
 * instruction only on the next KVM_RUN (RIP is on it); look where it
 * should be first, then at the other place. */
static guint64
vcpu_pio_rip(MhVm *vm, const MhIoAccess *io, guint64 rip)
{
  gboolean past = io->dir == MH_IO_OUT && io->count == 1;

  for (guint pass = 0; pass < 2; pass++, past = !past) {
    if (!past && vcpu_pio_at(vm, rip, 0, io))
      return rip;
    for (guint len = 1; past && len <= 6 && len <= rip; len++)
      if (vcpu_pio_at(vm, rip - len, len, io))
        return rip - len;
  }
  return rip;
}

/* For --verbose (mh_vm_fault_detail()): the exception in full, the
 * general registers as the guest left them (the stub changes none but
 * RIP, RSP and RFLAGS, which the frame holds) and the bytes at RIP (by
 * guest-physical address: the hypervisor's identity map). */
static void
vcpu_note_fault(MhVm *vm, const MhException *ex, const struct kvm_regs *r)
{
  g_autofree char *rip = vcpu_rip_text(vm, ex->rip);
  g_autofree char *fault = mh_x86_describe_fault(ex, rip);
  const guint64 gpr[16] = {
    r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, ex->rsp,
    r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
  };
  static const char *const names[16] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
  };
  GString *s = g_string_new(NULL);
  guint8 code[MH_X86_INSN_MAX];
  gsize n = mh_guestmem_peek(&vm->ram, ex->rip, code, sizeof code);

  g_string_append_printf(s, "fault: %s", fault);
  for (guint i = 0; i < 16; i++)
    g_string_append_printf(s, "%s%-3s 0x%016" G_GINT64_MODIFIER "x",
                           i % 4 == 0 ? "\nregisters: " : "  ", names[i],
                           gpr[i]);
  g_string_append(s, "\nbytes at RIP:");
  if (n == 0)
    g_string_append(s, " none (outside guest RAM)");
  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, " %02x", code[i]);
  g_free(vm->fault_detail);
  vm->fault_detail = g_string_free(s, FALSE);
}

/* An ELF guest that faulted where no code of its own is (a call or jump
 * through a bad pointer): the word at RSP, if it names the guest's code,
 * is most likely the return address of the call that went there. */
static char *
vcpu_caller(const MhVm *vm, const MhException *ex)
{
  const guint8 *top;
  guint64 ret;
  g_autofree char *here = NULL;
  g_autofree char *there = NULL;

  if (vm->image->symbols == NULL ||
      (here = mh_symbols_describe(vm->image->symbols, ex->rip)) != NULL ||
      (top = mh_guestmem_range(&vm->ram, ex->rsp, sizeof ret)) == NULL)
    return NULL;
  memcpy(&ret, top, sizeof ret);
  there = mh_symbols_describe_return(vm->image->symbols, ret);
  if (there == NULL)
    return NULL;
  return g_strdup_printf("; called from %s, if the word at RSP, 0x%" G_GINT64_MODIFIER
                         "x, is a return address",
                         there, ret);
}

/* The hypervisor's exception handler reported: describe the exception
 * from the frame the CPU pushed on the exception stack. */
static gboolean
vcpu_on_exception(MhVm *vm, guint vector)
{
  struct kvm_regs regs;
  struct kvm_sregs sregs;
  g_autofree char *what = NULL, *rip_text = NULL;
  g_autofree char *caller = NULL;
  GError *local = NULL;
  MhDiagnosis *d;
  MhException ex;

  if (ioctl(vm->vcpu.fd, KVM_GET_REGS, &regs) < 0 ||
      ioctl(vm->vcpu.fd, KVM_GET_SREGS, &sregs) < 0) {
    vm_end(vm, MH_OUTCOME_HOST_ERROR,
           "cannot read the registers after exception %u: %s", vector,
           g_strerror(errno));
    return FALSE;
  }
  /* The stack is the guest's to scribble on (it is writable): a frame
   * that does not lie in it is reported as such, not trusted. */
  if (!mh_x86_exception_frame(vm->monitor + MH_MONITOR_STACK_OFF, regs.rsp,
                              vector, &ex)) {
    d =
      vm_end(vm, MH_OUTCOME_GUEST_FAULT,
             "exception %u, with its stack frame lost (RSP 0x%" G_GINT64_MODIFIER
             "x)",
             vector, (guint64)regs.rsp);
    d->vector = vector;
    d->has |= MH_DIAG_VECTOR;
    return FALSE;
  }
  ex.cr2 = sregs.cr2;
  switch (mh_gdb_on_fault(vm->gdb, &ex, &regs, &local)) {
  case 1: return TRUE; /* one of gdb's breakpoints: the guest goes on */
  case -1: vm_end_by_error(vm, local); return FALSE;
  }
  rip_text = vcpu_rip_text(vm, ex.rip);
  what = mh_x86_describe_exception(&ex, vm->ram.size, rip_text);
  vcpu_note_fault(vm, &ex, &regs);
  caller = vcpu_caller(vm, &ex);
  d = vm_end(vm, MH_OUTCOME_GUEST_FAULT, "%s%s", what, caller ?: "");
  d->vector = ex.vector;
  d->rip = ex.rip;
  d->rsp = ex.rsp;
  d->has |= MH_DIAG_VECTOR | MH_DIAG_RIP | MH_DIAG_RSP;
  if (ex.has_error) {
    d->error_code = ex.error;
    d->has |= MH_DIAG_ERROR_CODE;
  }
  if (ex.vector == 14) { /* #PF: CR2 holds the faulting address */
    d->cr2 = ex.cr2;
    d->has |= MH_DIAG_CR2;
  }
  return FALSE;
}

/* Port I/O (its data already checked to lie in the run area, exit.c):
 * the exception handlers' report, or a device's access. */
static gboolean
vcpu_on_io(MhVm *vm, const MhExit *exit)
{
  const MhIoAccess *io = &exit->io;
  GError *local = NULL;
  MhDiagnosis *d;

  /* An exception handler's report: only from the handler itself (RIP
   * on or just past its OUT); from anywhere else the port is unknown. */
  if (mh_exit_is_exception_report(exit)) {
    gint vector = mh_x86_stub_vector(vcpu_get_rip(vm));
    if (vector >= 0)
      return vcpu_on_exception(vm, (guint)vector);
  }
  if (mh_ports_dispatch(&vm->ports, io, &local))
    return TRUE;
  if (local->code == MH_ERROR_GUEST) {
    guint64 rip = vcpu_pio_rip(vm, io, vcpu_get_rip(vm));
    g_autofree char *rip_text = vcpu_rip_text(vm, rip);
    d = vm_end(vm, MH_OUTCOME_BAD_IO, "%s at %s", local->message, rip_text);
    vm_diag_rip(d, rip);
    d->port = io->port;
    d->has |= MH_DIAG_PORT;
  } else {
    vm_end(vm, MH_OUTCOME_HOST_ERROR, "%s", local->message);
  }
  g_error_free(local);
  return FALSE;
}

/* A triple fault: an exception that no handler could take, which only
 * happens once the guest has replaced the hypervisor's IDT or page
 * tables.  Intel keeps the registers; on AMD KVM has already reset the
 * vCPU (RIP 0xfff0, CS 0xf000), so there is no RIP to name. */
static void
vcpu_on_shutdown(MhVm *vm)
{
  struct kvm_regs regs;
  struct kvm_sregs sregs;
  g_autofree char *rip = NULL;
  MhDiagnosis *d;

  if (ioctl(vm->vcpu.fd, KVM_GET_REGS, &regs) < 0 ||
      ioctl(vm->vcpu.fd, KVM_GET_SREGS, &sregs) < 0 ||
      (regs.rip == 0xfff0 && sregs.cs.selector == 0xf000)) {
    vm_end(vm, MH_OUTCOME_GUEST_FAULT,
           "triple fault: an exception the guest's own IDT or page "
           "tables could not handle (this CPU resets the registers, so "
           "its RIP is lost)");
    return;
  }
  rip = vcpu_rip_text(vm, regs.rip);
  if (sregs.cr2 == 0) {
    d = vm_end(vm, MH_OUTCOME_GUEST_FAULT,
               "triple fault at %s: an exception the guest's own IDT or "
               "page tables could not handle",
               rip);
  } else {
    d = vm_end(vm, MH_OUTCOME_GUEST_FAULT,
               "triple fault at %s: an exception the guest's own IDT or "
               "page tables could not handle (CR2 0x%" G_GINT64_MODIFIER "x%s)",
               rip, (guint64)sregs.cr2,
               sregs.cr2 >= vm->ram.size ? ", outside guest RAM" : "");
    d->cr2 = sregs.cr2;
    d->has |= MH_DIAG_CR2;
  }
  vm_diag_rip(d, regs.rip);
}

static void
vcpu_on_mmio(MhVm *vm, const MhExit *exit)
{
  /* KVM has completed a write when it exits (RIP is past the writing
   * instruction) but not a read (RIP is on it). */
  const char *where = exit->mmio.write ? "by the instruction ending at" : "at";
  guint64 rip = vcpu_get_rip(vm);
  g_autofree char *rip_text = vcpu_rip_text(vm, rip);

  vm_diag_rip(vm_end(vm, MH_OUTCOME_GUEST_FAULT,
                     "access outside RAM: %u-byte %s guest-physical address "
                     "0x%" G_GINT64_MODIFIER "x %s %s",
                     exit->mmio.len,
                     exit->mmio.write ? "write to" : "read from",
                     exit->mmio.gpa, where, rip_text),
              rip);
}

/* KVM could not emulate an instruction: which one, and why that may be. */
static void
vcpu_on_unemulated(MhVm *vm)
{
  guint64 rip = vcpu_get_rip(vm);
  g_autofree char *rip_text = vcpu_rip_text(vm, rip);
  g_autoptr(GString) bytes = g_string_new(NULL);
  guint8 code[MH_X86_INSN_MAX];
  const char *hint;
  gsize n;

  /* Show the instruction bytes: they tell which instruction it was. */
  n = mh_guestmem_peek(&vm->ram, rip, code, sizeof code);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(bytes, " %02x", code[i]);
  if (n == 0)
    hint = " - RIP is outside guest RAM: nothing there to run";
  else if (mh_x86_is_simd(code, n))
    hint = " - an SSE/AVX instruction, which nested KVM may not emulate: "
           "build guests with -mgeneral-regs-only";
  else
    hint = " - KVM's instruction emulator does not handle it here";
  vm_diag_rip(vm_end(vm, MH_OUTCOME_GUEST_FAULT,
                     "KVM could not emulate the instruction at %s "
                     "(bytes:%s)%s",
                     rip_text, bytes->len ? bytes->str : " unavailable", hint),
              rip);
}

/* The VM was told to stop: the table's message (ending.c), and what
 * only this VM knows. */
static void
vm_stopped(MhVm *vm)
{
  MhStopReason reason = mh_vcpu_stop_reason(&vm->vcpu);
  const MhEnding *end = mh_ending_of_stop(reason);
  g_autofree char *detail = NULL;
  MhDiagnosis *d;

  if (end->outcome == MH_OUTCOME_OUTPUT_LIMIT)
    detail = g_strdup_printf(" (its first %" G_GUINT64_FORMAT
                             " console bytes written, the rest dropped)",
                             vm->console.out_limit);
  else if (end->outcome == MH_OUTCOME_SIGNAL)
    detail = g_strdup_printf(" %s", g_strsignal(reason - MH_STOP_SIGNAL_BASE));
  d = vm_end_at_rip(vm, end->outcome, "%s%s", end->stopped, detail ?: "");
  if (end->outcome == MH_OUTCOME_SIGNAL) {
    d->signal = reason - MH_STOP_SIGNAL_BASE;
    d->has |= MH_DIAG_SIGNAL;
  }
}

/* The console took the last byte --output-limit allows (and dropped the
 * rest): the VM stops, as if told to. */
static void
vcpu_check_output_limit(MhVm *vm)
{
  if (!vm->console.limit_hit || mh_vcpu_stop_reason(&vm->vcpu) != MH_STOP_NONE)
    return;
  /* Written before the stop: a stopping VM's output gives up on a full
   * pipe, and these bytes are promised. */
  mh_console_flush(&vm->console);
  /* This thread looks at the stop before its next KVM_RUN: no kick (its
   * sandbox allows none), no immediate_exit. */
  g_atomic_int_compare_and_exchange(&vm->vcpu.stop, MH_STOP_NONE,
                                    MH_STOP_OUTPUT_LIMIT);
}

/* KVM_RUN.  With --trace, the trace times it and records each exit;
 * without, this costs one well-predicted branch per exit. */
static inline int
vcpu_run(MhVm *vm)
{
  if (G_UNLIKELY(vm->trace != NULL))
    return mh_trace_run(vm->trace);
  return ioctl(vm->vcpu.fd, KVM_RUN, 0);
}

/* What the loop does after an exit. */
typedef enum { VM_GO_ON, VM_HALTED, VM_FAILED } VmNext;

/* A call into the gdb stub that may fail (it does not know how the VM
 * ends): go on, or its error (*@local, taken) as the diagnosis.  The
 * error comes by pointer, read only here: as an argument beside the call
 * that sets it, it could be read before the call ran. */
static VmNext
vm_gdb_result(MhVm *vm, gboolean ok, GError **local)
{
  if (ok)
    return VM_GO_ON;
  vm_end_by_error(vm, g_steal_pointer(local));
  return VM_FAILED;
}

/* One exit, decoded (exit.h): handled (go on), the end (halted), or
 * failed with the VM's diagnosis set. */
static VmNext
vm_on_exit(MhVm *vm, const MhExit *exit)
{
  GError *local = NULL;
  int bp;

  switch (exit->kind) {
  case MH_EXIT_IO:
    if (!vcpu_on_io(vm, exit))
      return VM_FAILED;
    vcpu_check_output_limit(vm);
    mh_vm_coalesce_console(vm);
    return VM_GO_ON;
  case MH_EXIT_HALT:
    /* Told to stop before it halted (its last output may have been
     * given up, mh_output_write()): stopped, not halted. */
    if (mh_vcpu_stop_reason(&vm->vcpu) != MH_STOP_NONE) {
      vm_stopped(vm);
      return VM_FAILED;
    }
    return VM_HALTED;
  case MH_EXIT_TRIPLE_FAULT: vcpu_on_shutdown(vm); return VM_FAILED;
  case MH_EXIT_MMIO: vcpu_on_mmio(vm, exit); return VM_FAILED;
  case MH_EXIT_ENTRY_FAILED:
    vm_end(vm, MH_OUTCOME_HOST_ERROR,
           "VM entry failed: hardware entry failure reason 0x%" G_GINT64_MODIFIER
           "x",
           exit->hw_reason);
    return VM_FAILED;
  case MH_EXIT_EMULATION:
    bp = mh_gdb_on_unemulated(vm->gdb, &local);
    if (bp > 0)
      return VM_GO_ON;
    if (bp == 0)
      vcpu_on_unemulated(vm);
    else
      vm_end_by_error(vm, local);
    return VM_FAILED;
  case MH_EXIT_INTERNAL:
    vm_end_at_rip(vm, MH_OUTCOME_HOST_ERROR, "KVM internal error (suberror %u)",
                  exit->suberror);
    return VM_FAILED;
  case MH_EXIT_INTERRUPTED:
    return vm_gdb_result(vm, mh_gdb_poll(vm->gdb, &local), &local);
  case MH_EXIT_DEBUG:
    /* Only with gdb attached (KVM_SET_GUEST_DEBUG): a breakpoint,
     * watchpoint or step, reported to it. */
    return vm_gdb_result(vm, mh_gdb_on_debug(vm->gdb, &local), &local);
  case MH_EXIT_NOTHING:
    /* The guest changed CR8 (task priority): with no interrupt
     * controller there is nothing to do. */
    return VM_GO_ON;
  case MH_EXIT_BAD_IO_DATA:
    vm_end(vm, MH_OUTCOME_HOST_ERROR,
           "KVM reported an I/O exit with data outside the run area");
    return VM_FAILED;
  case MH_EXIT_UNKNOWN:
  default:
    vm_end_at_rip(vm, MH_OUTCOME_HOST_ERROR, "unexpected KVM exit %u (%s)",
                  exit->reason, mh_kvm_exit_name(exit->reason) ?: "unnamed");
    return VM_FAILED;
  }
}

/* Runs the guest until it halts (TRUE) or ends otherwise (FALSE, with
 * the VM's diagnosis set). */
static gboolean
vm_loop(MhVm *vm)
{
  gint64 start = g_get_monotonic_time();
  GError *local = NULL;
  VmNext next = VM_GO_ON;
  MhExit exit;

  while (next == VM_GO_ON) {
    if (mh_vcpu_stop_reason(&vm->vcpu) != MH_STOP_NONE) {
      vm_stopped(vm);
      next = VM_FAILED;
      break;
    }
    if (vcpu_run(vm) < 0) {
      int err = errno;
      mh_vm_drain(vm);
      if (err == EINTR || err == EAGAIN) {
        next = vm_gdb_result(vm, mh_gdb_poll(vm->gdb, &local), &local);
        continue;
      }
      vm_end(vm, MH_OUTCOME_HOST_ERROR, "KVM_RUN: %s", g_strerror(err));
      next = VM_FAILED;
      break;
    }
    /* Console bytes queued before this exit come before whatever the
     * exit does (an input read, another port, the end). */
    mh_vm_drain(vm);
    vcpu_check_output_limit(vm);
    mh_vcpu_count_exit(&vm->vcpu);
    mh_exit_decode(vm->vcpu.run, vm->vcpu.run_size, &exit);
    next = vm_on_exit(vm, &exit);
  }
  vm->vcpu.run_usec = g_get_monotonic_time() - start;
  return next == VM_HALTED;
}

/* The diagnosis, rendered once: the GError mh_vm_run() returns.  A guest
 * that ended by its own doing or by a limit is the guest's error; only a
 * host-error is the host's. */
static void
vm_render(MhVm *vm, GError **error)
{
  g_set_error_literal(error, MH_ERROR,
                      vm->diag.outcome == MH_OUTCOME_HOST_ERROR
                        ? MH_ERROR_HOST
                        : MH_ERROR_GUEST,
                      vm->diag_message ?: "failed without a diagnosis");
}

gboolean
mh_vm_run(MhVm *vm, GError **error)
{
  MhSandboxFds fds = {
    .files_dir_fd = vm->files.config->run_fd,
    .vm_fd = vm->vm_fd,
    .vcpu_fd = vm->vcpu.fd,
    .keep = vm->keep_fds,
    .n_keep = vm->n_keep_fds,
    .gdb_fd = -1,
    .gdb_chan_fd = -1,
  };
  GError *local = NULL;
  gboolean ok;
  gint64 start = g_get_monotonic_time();
  struct timespec cpu;

  mh_vcpu_bind_thread(&vm->vcpu);

  /* gdb's connections come through the socket pair (gdbstub.h). */
  fds.gdb_chan_fd = mh_gdb_chan_fd(vm->gdb);

  /* Confined before the guest's first instruction: from here on this
   * thread has its own fd table, and the guest's files live in it only
   * (closed by the quiesce below, on this thread). */
  if (!mh_sandbox_enter(vm->sandbox, &fds, &local)) {
    g_prefix_error(&local, "cannot confine its thread: ");
    vm_end_by_error(vm, local);
    ok = FALSE;
  } else if (!mh_gdb_start(vm->gdb, &local)) {
    vm_end_by_error(vm, local);
    ok = FALSE;
  } else {
    ok = vm_loop(vm);
  }
  mh_gdb_finish(vm->gdb, ok);
  /* A VM told to stop (--timeout, a limit, a signal) that had not ended
   * another way first ends for that reason, wherever the stop found it:
   * waiting for gdb, serving gdb, waiting for input or running.  One
   * rule, so that its outcome and the exit status always agree
   * (mini_hypervisor(1), EXIT STATUS). */
  if (!ok && !vm->diag_set && mh_vcpu_stop_reason(&vm->vcpu) != MH_STOP_NONE)
    vm_stopped(vm);
  if (!ok)
    vm_render(vm, error);
  /* Its records end here, on this thread, however it ended. */
  if (vm->trace != NULL)
    mh_trace_vm_end(vm->trace, ok || error == NULL ? NULL : *error);
  mh_ports_quiesce(&vm->ports);
  vm->wall_usec = g_get_monotonic_time() - start;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
    vm->cpu_usec = (gint64)cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000;
  return ok;
}
