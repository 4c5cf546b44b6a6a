/* SPDX-License-Identifier: MIT */
/* error.h - the GError domain shared by every module. */
#ifndef MH_ERROR_H
#define MH_ERROR_H

#include <glib.h>

#define MH_ERROR (mh_error_quark())
GQuark mh_error_quark(void);

/* Error classes; each maps to an exit status in main(). */
typedef enum {
  MH_ERROR_USAGE, /* bad command line or input file: exit status 2    */
  MH_ERROR_HOST,  /* the host refused something (KVM, memory, fds)    */
  MH_ERROR_GUEST, /* the guest stopped abnormally (fault, bad access) */
} MhErrorCode;

#endif /* MH_ERROR_H */
