/* SPDX-License-Identifier: MIT */
/*
 * testhooks.c - only in builds configured with --enable-test-hooks, never
 * in a normal build: port 0x2F0 makes the vCPU thread do what a guest
 * that had taken it over would try, so the tests can show the sandbox
 * stops it.  OUT 1: open /etc/passwd; OUT 2: open a socket; OUT 3:
 * create a new VM on /dev/kvm; OUT 4: find another VM's open file (one
 * that starts with "secret:") and overwrite it; OUT 5: put another VM's
 * vCPU fd at this VM's vCPU number with F_DUPFD and read its registers;
 * OUT 6: dup, dup2, dup3 and F_DUPFD of the own vCPU fd.  Each writes its
 * outcome to the console.
 */
#include "config.h"

#ifdef MH_TEST_HOOKS

#include "testhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "vm-private.h"

static void
hook_say(MhVm *vm, const char *what, const char *outcome)
{
  g_autofree char *line = g_strdup_printf("escape: %s: %s\n", what, outcome);
  mh_console_put(&vm->console, (const guint8 *)line, strlen(line));
}

static void
hook_report(MhVm *vm, const char *what, int rc)
{
  hook_say(vm, what, rc >= 0 ? "ALLOWED" : g_strerror(errno));
}

/* How far the fd scans reach: an attacker without /proc tries numbers. */
#define HOOK_FD_SCAN 1024

/* The marker the tests' victim writes at the start of its file. */
#define HOOK_SECRET "secret:"

/* OUT 4: every fd that is a regular file starting with HOOK_SECRET (this
 * VM opens none: it is another VM's) is overwritten in place. */
static void
hook_other_file(MhVm *vm)
{
  const char what[] = "pwrite another VM's file";
  char head[sizeof HOOK_SECRET - 1];

  for (int fd = 0; fd < HOOK_FD_SCAN; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
        memcmp(head, HOOK_SECRET, sizeof head) != 0)
      continue;
    hook_report(vm, what, (int)pwrite(fd, "PWNED!!", sizeof head, 0));
    return;
  }
  hook_say(vm, what, "no such fd");
}

/* OUT 5: the own vCPU fd is set aside; each other fd in turn is put at
 * its number with F_DUPFD and asked KVM_GET_REGS, which the ioctl filter
 * allows on that number; then the own vCPU fd is put back. */
static gboolean
hook_other_vcpu(MhVm *vm, GError **error)
{
  const char what[] = "KVM_GET_REGS on another VM's vCPU";
  int own = vm->vcpu.fd;
  int saved = fcntl(own, F_DUPFD_CLOEXEC, 3);
  guint reached = 0;

  if (saved < 0) {
    hook_report(vm, what, -1);
    return TRUE;
  }
  for (int fd = 3; fd < HOOK_FD_SCAN; fd++) {
    struct kvm_regs regs;
    struct stat st;
    if (fd == own || fd == saved || fd == vm->vm_fd || fstat(fd, &st) < 0 ||
        S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
      continue;
    close(own);
    if (fcntl(fd, F_DUPFD_CLOEXEC, own) != own)
      break;
    if (ioctl(own, KVM_GET_REGS, &regs) == 0)
      reached++;
  }
  /* The guest goes on running on its own vCPU. */
  close(own);
  if (fcntl(saved, F_DUPFD_CLOEXEC, own) != own)
    return mh_throw_errno(error, MH_ERROR_HOST,
                          "test hook: putting the vCPU fd back");
  close(saved);
  hook_say(vm, what, reached > 0 ? "ALLOWED" : "none reached");
  return TRUE;
}

/* OUT 6: each way of giving the own vCPU's file another number. */
static void
hook_dups(MhVm *vm)
{
  const int high = HOOK_FD_SCAN - 1;
  int rc;

  rc = dup(vm->vcpu.fd);
  hook_report(vm, "dup", rc);
  if (rc >= 0)
    close(rc);
  rc = dup2(vm->vcpu.fd, high);
  hook_report(vm, "dup2", rc);
  if (rc >= 0)
    close(rc);
  rc = dup3(vm->vcpu.fd, high, O_CLOEXEC);
  hook_report(vm, "dup3", rc);
  if (rc >= 0)
    close(rc);
  rc = fcntl(vm->vcpu.fd, F_DUPFD, high);
  hook_report(vm, "F_DUPFD", rc);
  if (rc >= 0)
    close(rc);
}

static gboolean
hook_io(gpointer opaque, const MhIoAccess *io, GError **error)
{
  MhVm *vm = opaque;
  int rc;

  if (io->size != 1 || io->dir != MH_IO_OUT) {
    g_set_error(error, MH_ERROR, MH_ERROR_GUEST,
                "test hook port: 1-byte OUT only");
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
  case 4: hook_other_file(vm); return TRUE;
  case 5: return hook_other_vcpu(vm, error);
  case 6: hook_dups(vm); return TRUE;
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
