/* SPDX-License-Identifier: MIT */
/* error.c - the MH_ERROR domain. */
#include "config.h"

#include "error.h"

/* Not G_DEFINE_QUARK(): its lazily set static is a plain variable, and
 * VM threads that fail at the same moment would race to set it (a data
 * race ThreadSanitizer reports).  g_once_init_enter() makes it safe. */
GQuark
mh_error_quark(void)
{
  static gsize quark = 0;

  if (g_once_init_enter(&quark))
    g_once_init_leave(&quark, g_quark_from_static_string("mh-error-quark"));
  return (GQuark)quark;
}
