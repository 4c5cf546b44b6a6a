/* SPDX-License-Identifier: MIT */
/* error.c - the MH_ERROR domain, errno errors, exit statuses. */
#include "config.h"

#include "error.h"

#include <errno.h>
#include <unistd.h>

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

int
mh_error_exit_status(const GError *error)
{
  if (error == NULL)
    return MH_EXIT_OK;
  if (error->domain == G_OPTION_ERROR ||
      (error->domain == MH_ERROR && error->code == MH_ERROR_USAGE))
    return MH_EXIT_USAGE;
  if (error->domain == MH_ERROR && error->code == MH_ERROR_GUEST)
    return MH_EXIT_GUEST;
  return MH_EXIT_HOST;
}

/* Orders exit statuses by how much they tell a script: a signal ended
 * everything, a host error may have hidden what the guests did, a guest
 * failure is the guest's own, a limit is the user's choice. */
static int
exit_status_rank(int status)
{
  if (status >= MH_EXIT_SIGNAL)
    return 5;
  switch (status) {
  case MH_EXIT_OK: return 0;
  case MH_EXIT_LIMIT: return 1;
  case MH_EXIT_GUEST: return 2;
  case MH_EXIT_USAGE: return 3;
  default: return 4; /* MH_EXIT_HOST and anything unknown */
  }
}

int
mh_exit_status_worst(int a, int b)
{
  return exit_status_rank(b) > exit_status_rank(a) ? b : a;
}

static gboolean throw_errnum_va(GError **error, MhErrorCode code, int errnum,
                                const char *fmt, va_list ap)
  G_GNUC_PRINTF(4, 0);

static gboolean
throw_errnum_va(GError **error, MhErrorCode code, int errnum, const char *fmt,
                va_list ap)
{
  g_autofree char *prefix = g_strdup_vprintf(fmt, ap);

  g_set_error(error, MH_ERROR, code, "%s: %s", prefix, g_strerror(errnum));
  return FALSE;
}

gboolean
mh_throw_errno(GError **error, MhErrorCode code, const char *fmt, ...)
{
  int errnum = errno; /* before anything else can change it */
  va_list ap;

  va_start(ap, fmt);
  throw_errnum_va(error, code, errnum, fmt, ap);
  va_end(ap);
  errno = errnum;
  return FALSE;
}

gboolean
mh_throw_errnum(GError **error, MhErrorCode code, int errnum, const char *fmt,
                ...)
{
  va_list ap;

  va_start(ap, fmt);
  throw_errnum_va(error, code, errnum, fmt, ap);
  va_end(ap);
  return FALSE;
}

void
mh_fd_close(int fd)
{
  int saved = errno; /* a cleanup must not change errno under a caller */

  if (fd >= 0)
    close(fd);
  errno = saved;
}
