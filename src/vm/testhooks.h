/* SPDX-License-Identifier: MIT */
/* testhooks.h - the sandbox-escape test port (--enable-test-hooks only). */
#ifndef MH_TESTHOOKS_H
#define MH_TESTHOOKS_H

#include <glib.h>

#include "vm.h"

#define MH_TESTHOOKS_PORT 0x2F0

gboolean mh_testhooks_register(MhVm *vm, GError **error);

#endif /* MH_TESTHOOKS_H */
