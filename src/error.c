/* SPDX-License-Identifier: MIT */
/* error.c - the MH_ERROR domain. */
#include "config.h"

#include "error.h"

G_DEFINE_QUARK(mh-error-quark, mh_error)
