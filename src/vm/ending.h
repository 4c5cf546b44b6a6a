/* SPDX-License-Identifier: MIT */
/*
 * ending.h - how a VM ends, in one table: each outcome with the name the
 * report gives it, the exit status it calls for, and the stop that ends
 * a VM that way (with its message).  mini_hypervisor(1) EXIT STATUS and
 * mini_hypervisor-report(5) describe the same table; a run's status is
 * the worst of its VMs' (mh_exit_status_worst()).
 */
#ifndef MH_ENDING_H
#define MH_ENDING_H

#include <glib.h>

#include "error.h"
#include "vcpu.h"

/* How one VM ended: the report's "outcome" (mini_hypervisor-report(5)). */
typedef enum {
  MH_OUTCOME_HALTED = 0,
  MH_OUTCOME_GUEST_FAULT,  /* exception, triple fault, access outside RAM */
  MH_OUTCOME_BAD_IO,       /* an I/O access no device accepts             */
  MH_OUTCOME_TIMEOUT,      /* --timeout                                   */
  MH_OUTCOME_CPU_LIMIT,    /* --cpu-limit                                 */
  MH_OUTCOME_OUTPUT_LIMIT, /* --output-limit                              */
  MH_OUTCOME_SIGNAL,       /* the run was stopped by a signal             */
  MH_OUTCOME_HOST_ERROR,   /* the host failed it (KVM, resources, output) */
  MH_OUTCOME_COUNT
} MhOutcome;

typedef struct {
  MhOutcome outcome;
  const char *name;    /* "halted", "guest-fault", ... (the report)  */
  int exit_status;     /* signal: MH_EXIT_SIGNAL, plus its number    */
  MhStopReason stop;   /* the stop that ends a VM so, or MH_STOP_NONE
                               (signal: MH_STOP_SIGNAL_BASE and above)    */
  const char *stopped; /* that stop's message, or NULL               */
} MhEnding;

/* The row of @outcome (an unknown one: host-error's). */
const MhEnding *mh_ending(MhOutcome outcome);
/* The row of the stop @reason (not MH_STOP_NONE). */
const MhEnding *mh_ending_of_stop(MhStopReason reason);

#endif /* MH_ENDING_H */
