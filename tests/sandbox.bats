#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The sandbox: the threads that run guests are confined by seccomp and
# Landlock; a thread taken over by a guest could not open /etc/passwd.

load helpers

setup() {
  require_kvm
  cd "$BATS_TEST_TMPDIR" || exit 1
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
  [[ "$stderr" == *"Landlock (own directory only)"* ]] || fail "$stderr"
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

@test "a guest that took over its thread cannot open /etc/passwd, a socket or a VM" {
  "$MH_BIN" --version | grep -q "test hooks" ||
    skip "needs a build configured with --enable-test-hooks"
  run mh -g "$(tguest escape)"
  assert_success
  assert_output - <<'EOF2'
escape: open /etc/passwd: Permission denied
escape: socket: Operation not permitted
escape: KVM_CREATE_VM: Operation not permitted
EOF2
  # The same guest without the sandbox: the hooks really do the deed.
  run mh --sandbox=off -g "$(tguest escape)"
  assert_success
  assert_line "escape: open /etc/passwd: ALLOWED"
  assert_line "escape: socket: ALLOWED"
}
