#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The sandbox: the threads that run guests are confined by their own file
# table, seccomp and Landlock; a thread taken over by a guest could not
# open /etc/passwd, nor reach another VM's open files or vCPU.

load helpers

setup() {
  setup_vm_test
}

# thread_field PID COMM FIELD: FIELD from /proc status of PID's thread COMM.
thread_field() {
  local t
  for t in /proc/"$1"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ]; then
      awk -v f="$3:" '$1 == f { print $2 }' "$t/status"
      return
    fi
  done
}

# with_spinning_vm ARGS...: starts a spinning VM, runs $check, stops it.
spin_and_inspect() {
  "$MH_BIN" "$@" -g "$(tguest spin)" > out 2> err &
  pid=$!
  for _ in $(seq 100); do grep -q spinning out && break; sleep 0.05; done
  VM_SECCOMP=$(thread_field "$pid" vm0 Seccomp)
  VM_NNP=$(thread_field "$pid" vm0 NoNewPrivs)
  MAIN_SECCOMP=$(awk '$1 == "Seccomp:" { print $2 }' /proc/"$pid"/status)
  kill -INT "$pid"
  wait "$pid" || true
}

@test "vCPU threads run under a seccomp filter with no_new_privs; the main thread does not" {
  spin_and_inspect
  assert_equal "$VM_SECCOMP" 2
  assert_equal "$VM_NNP" 1
  assert_equal "$MAIN_SECCOMP" 0
}

@test "--sandbox=off leaves the vCPU threads unconfined" {
  spin_and_inspect --sandbox=off
  assert_equal "$VM_SECCOMP" 0
}

@test "--sandbox=strict runs where the kernel has Landlock; a bad mode is refused" {
  run --separate-stderr mh --sandbox=strict -v -g "$(guest hello)"
  assert_success
  [[ "$stderr" == *"Landlock (the run's directory only)"* ]] || fail "$stderr"
  run --separate-stderr mh --sandbox=maybe -g "$(guest hello)"
  assert_equal "$status" 2
  assert_equal "$stderr" "mini_hypervisor: error: invalid --sandbox value 'maybe': must be on, off or strict"
}

@test "file service still works inside the sandbox" {
  printf 'data\n' > shared.txt
  run --separate-stderr mh -g "$(tguest fshell)" -f shared.txt <<<$'open shared.txt rw\nwrite 0 D\nopen new.txt w\nwrite 1 x\nread 0 10'
  assert_success
  assert_output - <<'EOF2'
open=0
write=1
open=1
write=1
read=4 data=ata\n
fshell: done
EOF2
}

require_test_hooks() {
  "$MH_BIN" --version | grep -q "test hooks" ||
    skip "needs a build configured with --enable-test-hooks"
}

# ThreadSanitizer builds keep one file table for every thread (TSan knows
# fds by number only; see sandbox.c): the tests of the own table skip.
require_own_fd_table() {
  "$MH_BIN" -v -g "$(guest hello)" 2>&1 | grep -q "own file table" ||
    skip "this build keeps one file table (ThreadSanitizer)"
}

# attack_peer ARGS...: VM 0 (fshell) opens secret.txt, writes a secret in
# it and keeps it open; only then does VM 1 (escape) attack: overwrite
# the file through VM 0's fd, read VM 0's registers through its own vCPU
# number.  Leaves the output in out, the file in $SECRET, the status in
# $STATUS.
attack_peer() {
  mkfifo in
  mh "$@" -g "$(tguest fshell)" -g "$(tguest escape)" < in > out 2> err 3>&- &
  local pid=$!
  exec 4> in
  printf '0:open secret.txt rwc\n0:write 0 secret: of vm 0\n' >&4
  wait_for out '\[0:fshell\.img\] write='
  printf '1:go\n' >&4
  wait_for out 'escape: F_DUPFD'
  exec 4>&-
  STATUS=0
  wait "$pid" || STATUS=$?
  SECRET=$(cat mini_hypervisor.out/latest/vm0-fshell/secret.txt)
}

@test "a guest that took over its thread cannot open /etc/passwd, a socket or a VM" {
  require_test_hooks
  run mh -g "$(tguest escape)" < /dev/null
  assert_success
  assert_output - <<'EOF2'
escape: open /etc/passwd: Permission denied
escape: socket: Operation not permitted
escape: KVM_CREATE_VM: Operation not permitted
escape: pwrite another VM's file: no such fd
escape: KVM_GET_REGS on another VM's vCPU: Operation not permitted
escape: dup: Operation not permitted
escape: dup2: Operation not permitted
escape: dup3: Operation not permitted
escape: F_DUPFD: Operation not permitted
EOF2
  # The same guest without the sandbox: the hooks really do the deed.
  run mh --sandbox=off -g "$(tguest escape)" < /dev/null
  assert_success
  assert_line "escape: open /etc/passwd: ALLOWED"
  assert_line "escape: socket: ALLOWED"
  assert_line "escape: dup: ALLOWED"
  assert_line "escape: F_DUPFD: ALLOWED"
}

@test "a guest that took over its thread cannot reach another VM's open file or vCPU" {
  require_test_hooks
  require_own_fd_table
  attack_peer
  assert_equal "$STATUS" 0
  run cat out
  assert_line "[1:escape.img] escape: pwrite another VM's file: no such fd"
  assert_line "[1:escape.img] escape: KVM_GET_REGS on another VM's vCPU: Operation not permitted"
  assert_line "[0:fshell.img] fshell: done"
  assert_equal "$SECRET" "secret: of vm 0"
}

@test "without the sandbox the same attack on another VM succeeds" {
  require_test_hooks
  # Shows that the hooks really attack, so that the test above means
  # something.
  attack_peer --sandbox=off
  assert_equal "$STATUS" 0
  run cat out
  assert_line "[1:escape.img] escape: pwrite another VM's file: ALLOWED"
  assert_line "[1:escape.img] escape: KVM_GET_REGS on another VM's vCPU: ALLOWED"
  assert_equal "$SECRET" "PWNED!! of vm 0"
}

@test "files a guest left open are closed by its own thread, never by number in the main thread" {
  command -v strace > /dev/null || skip "needs strace"
  require_own_fd_table
  # In each VM thread's own table the guest's first file gets fd 0; in the
  # main thread's table 0 is standard input, and the other numbers are
  # other VMs' descriptors.
  printf 'open a.txt wc\nopen b.txt wc\n' > in
  run strace -f -qq -e trace=close -o trace \
    "$MH_BIN" -g "$(tguest fshell)" -g "$(tguest fshell)" < in
  assert_success
  assert_line "[1:fshell.img] open=1"
  main=$(head -n 1 trace | cut -d ' ' -f 1)
  run grep -E "^$main close\(0\)|EBADF" trace
  assert_failure
}
