/* SPDX-License-Identifier: MIT */
/*
 * testhooks.c - only in builds configured with --enable-test-hooks, never
 * in a normal build: port 0x2F0 makes the vCPU thread do what a guest
 * that had taken it over would try, so the tests can show the sandbox
 * stops it.  OUT 1: open /etc/passwd; OUT 2: open a socket; OUT 3:
 * create a new VM on /dev/kvm.  Each writes its outcome to the console.
 */
#include "config.h"

#ifdef MH_TEST_HOOKS

#include "testhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "vm-private.h"

static void
hook_report(MhVm *vm, const char *what, int rc)
{
  g_autofree char *line = g_strdup_printf(
    "escape: %s: %s\n", what, rc >= 0 ? "ALLOWED" : g_strerror(errno));
  mh_console_put(&vm->console, (const guint8 *)line, strlen(line));
}

static gboolean
hook_io(gpointer opaque, const MhIoAccess *io, GError **error)
{
  MhVm *vm = opaque;
  int rc;

  if (io->size != 1 || io->dir != MH_IO_OUT) {
    g_set_error(error, MH_ERROR, MH_ERROR_GUEST, "test hook port: 1-byte OUT only");
    return FALSE;
  }
  switch (io->data[0]) {
  case 1:
    rc = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    hook_report(vm, "open /etc/passwd", rc);
    break;
  case 2:
    rc = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    hook_report(vm, "socket", rc);
    break;
  case 3:
    rc = ioctl(vm->kvm->fd, KVM_CREATE_VM, 0);
    hook_report(vm, "KVM_CREATE_VM", rc);
    break;
  default:
    g_set_error(error, MH_ERROR, MH_ERROR_GUEST, "test hook %u unknown",
                io->data[0]);
    return FALSE;
  }
  if (rc >= 0)
    close(rc);
  return TRUE;
}

gboolean
mh_testhooks_register(MhVm *vm, GError **error)
{
  return mh_ports_register(&vm->ports, MH_TESTHOOKS_PORT, 1, "test hooks",
                           hook_io, vm, error);
}
#endif /* MH_TEST_HOOKS */
