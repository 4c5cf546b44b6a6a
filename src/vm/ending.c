/* SPDX-License-Identifier: MIT */
/* ending.c - the table of how a VM ends (ending.h). */
#include "config.h"

#include "ending.h"

static const MhEnding endings[MH_OUTCOME_COUNT] = {
  [MH_OUTCOME_HALTED] = {MH_OUTCOME_HALTED, "halted", MH_EXIT_OK, MH_STOP_NONE,
                         NULL},
  [MH_OUTCOME_GUEST_FAULT] = {MH_OUTCOME_GUEST_FAULT, "guest-fault",
                              MH_EXIT_GUEST, MH_STOP_NONE, NULL},
  [MH_OUTCOME_BAD_IO] = {MH_OUTCOME_BAD_IO, "bad-io", MH_EXIT_GUEST,
                         MH_STOP_NONE, NULL},
  [MH_OUTCOME_TIMEOUT] = {MH_OUTCOME_TIMEOUT, "timeout", MH_EXIT_LIMIT,
                          MH_STOP_TIMEOUT, "stopped by --timeout"},
  [MH_OUTCOME_CPU_LIMIT] = {MH_OUTCOME_CPU_LIMIT, "cpu-limit", MH_EXIT_LIMIT,
                            MH_STOP_CPU_LIMIT, "stopped by --cpu-limit"},
  [MH_OUTCOME_OUTPUT_LIMIT] = {MH_OUTCOME_OUTPUT_LIMIT, "output-limit",
                               MH_EXIT_LIMIT, MH_STOP_OUTPUT_LIMIT,
                               "stopped by --output-limit"},
  [MH_OUTCOME_SIGNAL] = {MH_OUTCOME_SIGNAL, "signal", MH_EXIT_SIGNAL,
                         MH_STOP_SIGNAL_BASE, "stopped by signal"},
  /* A VM whose output could not be written is stopped too: the host's
   * failure, not the guest's. */
  [MH_OUTCOME_HOST_ERROR] = {MH_OUTCOME_HOST_ERROR, "host-error", MH_EXIT_HOST,
                             MH_STOP_OUTPUT,
                             "stopped: its output could not be written"},
};

const MhEnding *
mh_ending(MhOutcome outcome)
{
  return &endings[(guint)outcome < MH_OUTCOME_COUNT ? outcome
                                                    : MH_OUTCOME_HOST_ERROR];
}

const MhEnding *
mh_ending_of_stop(MhStopReason reason)
{
  if (reason >= MH_STOP_SIGNAL_BASE)
    return &endings[MH_OUTCOME_SIGNAL];
  for (guint i = 0; i < G_N_ELEMENTS(endings); i++)
    if (endings[i].stop == reason && reason != MH_STOP_NONE)
      return &endings[i];
  return &endings[MH_OUTCOME_HOST_ERROR]; /* no such stop */
}
