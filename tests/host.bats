#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A hostile or unusual host around the hypervisor, end to end with real
# VMs: a standard output nobody reads or that does not block, an output
# directory someone else prepared, image names made to forge lines.

load helpers

setup() {
  setup_vm_test
}

teardown() {
  exec 7>&- 2>/dev/null || true
  if [ -n "${MH_PID:-}" ] && kill -0 "$MH_PID" 2>/dev/null; then
    kill -KILL "$MH_PID"
  fi
}

# stalled_pipe: makes ./stalled, a FIFO whose only reader (fd 7 of this
# shell) never reads: whoever writes to it blocks once it holds 64 KiB.
stalled_pipe() {
  mkfifo stalled
  exec 7<>stalled
}

# pipe_bytes: how many bytes wait unread in the pipe on fd 7.
pipe_bytes() {
  python3 -c 'import fcntl, struct, termios
print(struct.unpack("i", fcntl.ioctl(7, termios.FIONREAD, b"\0" * 4))[0])'
}

# wait_pipe_full: waits until the pipe on fd 7 is full (its writer is
# blocked), at most MH_TIMEOUT seconds.
wait_pipe_full() {
  local tries=$((MH_TIMEOUT * 20))
  while [ "$tries" -gt 0 ] && [ "$(pipe_bytes)" -lt 65536 ]; do
    sleep 0.05
    tries=$((tries - 1))
  done
  [ "$(pipe_bytes)" -ge 65536 ] || fail "the pipe never filled: $(pipe_bytes) bytes"
}

# wait_ended PID WHAT: waits for PID to end, at most MH_TIMEOUT seconds
# (a hang detector, not a timing assertion); sets $status.
wait_ended() {
  local tries=$((MH_TIMEOUT * 20))
  while [ "$tries" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
    sleep 0.05
    tries=$((tries - 1))
  done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1"
    fail "still running $MH_TIMEOUT s after $2"
  fi
  status=0
  wait "$1" || status=$?
}

@test "a standard output nobody reads does not defeat --timeout" {
  stalled_pipe
  # Two VMs flood the console: one blocks writing to the full pipe, the
  # other waits for the output lock behind it.
  run --separate-stderr bash -c 'exec "$@" >stalled' _ timeout --kill-after=5 "$MH_TIMEOUT" \
    "$MH_BIN" --timeout 1 -g "$(hg console_flood)" "$(hg console_flood)" </dev/null
  # 124 or 137 would be timeout(1)'s: the run ended by itself.
  assert_equal "$status" 3
  [ "${#stderr_lines[@]}" -ge 1 ] || fail "no diagnosis"
  for line in "${stderr_lines[@]}"; do
    [[ "$line" == "mini_hypervisor: error: vm "[01]" (console_flood.img): stopped by --timeout at RIP 0x"* ]] ||
      fail "unexpected: $line"
  done
}

# stalled_signal SIG STATUS: a VM blocked writing to a full pipe ends on SIG.
stalled_signal() {
  stalled_pipe
  "$MH_BIN" -g "$(hg console_flood)" </dev/null >stalled 2>err &
  MH_PID=$!
  wait_pipe_full
  kill -"$1" "$MH_PID"
  wait_ended "$MH_PID" "SIG$1"
  assert_equal "$status" "$2"
  grep -q "vm 0 (console_flood.img): stopped by signal" err || fail "$(cat err)"
}

@test "a standard output nobody reads does not defeat SIGTERM" {
  stalled_signal TERM 143
}

@test "a standard output nobody reads does not defeat SIGINT" {
  stalled_signal INT 130
}

@test "a non-blocking standard output is waited on, never a fatal error" {
  stalled_pipe
  # Standard output is the FIFO, opened with O_NONBLOCK: writes to the
  # full pipe fail with EAGAIN until the reader below takes the bytes.
  python3 -c 'import os, sys
fd = os.open("stalled", os.O_WRONLY | os.O_NONBLOCK)
os.dup2(fd, 1)
os.execv(sys.argv[1], sys.argv[1:])' "$MH_BIN" -g "$(hg console_flood)" </dev/null 2>err &
  MH_PID=$!
  wait_pipe_full
  # Bounded: fd 7 is a writer too, so the pipe never reports its end.
  timeout "$MH_TIMEOUT" head -c 102400 <&7 > got || true
  wait_ended "$MH_PID" "its output was read"
  assert_equal "$status" 0
  assert_equal "$(cat err)" ""
  assert_equal "$(wc -c < got)" 102400
  # Every byte, in order: the alphabet over and over.
  cmp got <(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c 102400)
}

@test "an output directory another user owns is refused, and left alone" {
  [ "$(id -u)" = 0 ] || skip "needs root to give a directory to another user"
  mkdir -p out/forged
  ln -s forged out/latest
  chown -R nobody: out
  run --separate-stderr mh -o out -g "$(tguest fshell)" <<<'open x.txt w'
  assert_equal "$status" 2
  assert_equal "$output" ""
  assert_equal "$stderr" "mini_hypervisor: error: output directory 'out' belongs to user $(id -u nobody), not to you: refusing to use it (choose another with -o)"
  assert_equal "$(readlink out/latest)" forged
  assert_equal "$(ls out)" "$(printf 'forged\nlatest')"
}

@test "an output directory others can write is refused, as ssh refuses one" {
  mkdir out
  chmod 1777 out
  run --separate-stderr mh -o out -g "$(guest hello)" </dev/null
  assert_equal "$status" 2
  assert_equal "$output" ""
  assert_equal "$stderr" "mini_hypervisor: error: output directory 'out' is writable by others (mode 1777): refusing to use it (chmod go-w it, or choose another with -o)"
  chmod 0775 out
  run --separate-stderr mh -o out -g "$(guest hello)" </dev/null
  assert_equal "$status" 2
  [[ "$stderr" == *"output directory 'out' is writable by its group (mode 0775)"* ]] || fail "$stderr"
  # Made by the run itself, it is writable by this user only, whatever
  # the umask: the next run accepts it.
  run --separate-stderr bash -c 'umask 0 && exec "$@"' _ "$MH_BIN" -o made -g "$(tguest fshell)" <<<'open x.txt w'
  assert_success
  assert_equal "$(stat -c %a made)" 700
  run --separate-stderr mh -o made -g "$(tguest fshell)" <<<'open x.txt w'
  assert_success
}

@test "a 'latest' that is not a link is reported and left alone" {
  mkdir -p mini_hypervisor.out/latest
  echo mine > mini_hypervisor.out/latest/keep
  run --separate-stderr mh -g "$(tguest fshell)" <<<'open x.txt w'
  assert_success
  [[ "$stderr" == *"mini_hypervisor: warning: 'mini_hypervisor.out/latest' was not updated: it is a directory, not a link (remove it)"* ]] ||
    fail "$stderr"
  assert_equal "$(cat mini_hypervisor.out/latest/keep)" mine
  # The run's files are kept all the same.
  ls -d mini_hypervisor.out/run-*/vm0-fshell >/dev/null || fail "no run directory"
}

@test "image names cannot forge tagged lines, error lines or terminal escapes" {
  local evil
  evil=$(printf 'x\n[1:hello.img] forged\nmini_hypervisor: error: forged\033[2J.img')
  cp "$(guest hello)" "$evil"
  run --separate-stderr mh -v -g "$evil" "$(guest hello)" </dev/null
  assert_success
  # Two VMs, two lines each, every one tagged with its own VM.
  assert_equal "${#lines[@]}" 4
  for line in "${lines[@]}"; do
    [[ "$line" == '[0:x\n[1:hello.img] forged\nmini_hypervisor: error: forged\033[2J.img] '* ||
       "$line" == "[1:hello.img] "* ]] || fail "forged: $line"
  done
  [[ "$output$stderr" != *$'\033'* ]] || fail "an escape reached the terminal"
  for line in "${stderr_lines[@]}"; do
    [[ "$line" == "mini_hypervisor: vm "* || "$line" == "mini_hypervisor: sandbox"* ]] || fail "forged: $line"
  done
  # Where it cannot be loaded, the error names it escaped, on one line.
  run --separate-stderr mh -g "$evil.missing" </dev/null
  assert_equal "$status" 2
  assert_equal "${#stderr_lines[@]}" 1
  [[ "$stderr" == "mini_hypervisor: error: guest image 'x\n[1:hello.img] forged\n"* ]] || fail "$stderr"
}

# tracee_holds PID REGEX: whether a child of PID (strace's tracee) has an
# open file whose path matches REGEX.
tracee_holds() {
  local p
  for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    ls -l /proc/"$p"/fd 2>/dev/null | grep -qE "$2" && return 0
  done
  return 1
}

@test "a run whose output directory vanishes meanwhile makes it again" {
  # Run A made mini_hypervisor.out and keeps nothing, so it removes it
  # when it ends.  Run B started meanwhile: A's end falls between B's
  # opening the directory and its making the run's directory in it (B's
  # mkdirat delayed by strace).  B must make it again, not fail with "No
  # such file or directory", nor lose the file its guest writes (seen
  # with make -j2 check on kvm_amd).
  command -v strace >/dev/null || fail "needs strace"
  printf 'Hi from the host\n' >notes.txt
  echo 'notes.txt copy.txt' >names
  mkfifo input
  mh -g "$(guest echo)" <input >a.out 2>&1 &
  local a=$!
  exec 8>input
  local tries=$((MH_TIMEOUT * 10))
  while [ ! -d mini_hypervisor.out ] && [ "$tries" -gt 0 ]; do
    sleep 0.1; tries=$((tries - 1))
  done
  [ -d mini_hypervisor.out ] || fail "run A did not make its output directory"
  strace -f -qq -o /dev/null -e trace=mkdirat -e inject=mkdirat:delay_enter=10000000:when=1 \
    "$MH_BIN" -g "$(guest copy)" -f notes.txt <names >b.out 2>&1 8>&- &
  local b=$!
  # A ends once B holds the directory open: B is then at its first
  # mkdirat, held 10 s, however slowly it started.  (A fixed second
  # before A's end, with every mkdirat held 2 s, was not always enough
  # under emulation beside busy VMs: B opened the directory after A had
  # removed it, or A took longer than the hold to end.)
  tries=$((MH_TIMEOUT * 20))
  until tracee_holds "$b" '/mini_hypervisor\.out$'; do
    [ "$tries" -gt 0 ] || fail "run B never opened mini_hypervisor.out: $(cat b.out)"
    tries=$((tries - 1))
    sleep 0.05
  done
  exec 8>&-
  wait "$a" || fail "run A: $(cat a.out)"
  [ ! -e mini_hypervisor.out ] || fail "run A did not remove its empty output directory"
  local b_status=0
  wait "$b" || b_status=$?
  [ "$b_status" = 0 ] || fail "run B: status $b_status: $(cat b.out)"
  assert_equal "$(grep -v '^mini_hypervisor: ' b.out)" "copied 17 bytes"
  cmp notes.txt mini_hypervisor.out/latest/vm0-copy/copy.txt
}

# --- Hardening round 3: files and output paths another local user prepared

@test "files a VM writes are private whatever the umask: dirs 0700, new files 0600, a copy the original's read bits" {
  mkdir -m 0700 secret
  echo 'root only' >secret/key.txt
  chmod 0600 secret/key.txt
  echo 'for all' >pub.txt
  chmod 0644 pub.txt
  run --separate-stderr bash -c 'umask 0 && exec "$@"' _ "$MH_BIN" -o out -g "$(tguest fshell)" \
    -f secret/key.txt pub.txt <<<$'open key.txt w\nwrite 0 x\nopen pub.txt w\nwrite 1 y\nopen new.txt wc\nwrite 2 z'
  assert_success
  local vm
  vm=$(echo out/run-*/vm0-fshell)
  assert_equal "$(stat -c %a out "$(dirname "$vm")" "$vm" | tr '\n' ' ')" "700 700 700 "
  assert_equal "$(stat -c %a "$vm/key.txt")" 600
  assert_equal "$(stat -c %a "$vm/pub.txt")" 644
  assert_equal "$(stat -c %a "$vm/new.txt")" 600
  # The originals are untouched.
  assert_equal "$(cat secret/key.txt)" 'root only'
  assert_equal "$(cat pub.txt)" 'for all'
}

@test "--trace never follows a link planted at its path, nor writes another user's file" {
  echo precious >victim
  ln -s victim t.json
  run --separate-stderr mh --trace t.json -g "$(tguest ok)"
  assert_failure 2
  assert_output ""
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the trace file 't.json': it is a symbolic link: refusing to follow it"
  assert_equal "$(cat victim)" precious
  [ "$(id -u)" = 0 ] || skip "needs root to give a file to another user"
  rm t.json
  echo theirs >t.json
  chmod 0666 t.json
  chown nobody: t.json
  run --separate-stderr mh --trace t.json -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the trace file 't.json': it belongs to user $(id -u nobody), not to you: refusing to write it"
  assert_equal "$(cat t.json)" theirs
}

@test "--report never replaces a link or another user's file; a sticky directory such as /tmp is fine, a group-writable one is not" {
  echo precious >victim
  ln -s victim r.json
  run --separate-stderr mh --report r.json -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the report 'r.json': it is a symbolic link: refusing to follow it"
  assert_equal "$(readlink r.json)" victim
  mkdir -m 1777 sticky
  run --separate-stderr mh --report sticky/r.json --trace sticky/t.json -g "$(tguest ok)"
  assert_success
  # Private, whatever the umask: a guest's output may come from a file
  # others cannot read.
  assert_equal "$(stat -c %a sticky/r.json sticky/t.json | tr '\n' ' ')" "600 600 "
  # A report that replaces one keeps its mode.
  chmod 0644 sticky/r.json
  run --separate-stderr mh --report sticky/r.json -g "$(tguest ok)"
  assert_success
  assert_equal "$(stat -c %a sticky/r.json)" 644
  mkdir -m 0775 shared
  chmod 0775 shared # (whatever the umask)
  run --separate-stderr mh --report shared/r.json -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the report 'shared/r.json': its directory 'shared' is writable by its group (mode 0775): refusing to use it (chmod go-w it, or choose another with --report)"
  [ ! -e shared/r.json ]
  [ "$(id -u)" = 0 ] || skip "needs root to give a file to another user"
  echo theirs >sticky/theirs.json
  chown nobody: sticky/theirs.json
  run --separate-stderr mh --report sticky/theirs.json -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the report 'sticky/theirs.json': it belongs to user $(id -u nobody), not to you: refusing to write it"
  assert_equal "$(cat sticky/theirs.json)" theirs
}

@test "--console-dir is checked as -o is: no foreign link, no directory others can write, no file of another user" {
  mkdir -m 0777 open
  chmod 0777 open
  run --separate-stderr mh --console-dir open -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: --console-dir 'open' is writable by others (mode 0777): refusing to use it (chmod go-w it, or choose another with --console-dir)"
  # Made by the run: private, whatever the umask, and so is each file.
  run --separate-stderr bash -c 'umask 0 && exec "$@"' _ "$MH_BIN" --console-dir made -g "$(tguest ok)"
  assert_success
  assert_equal "$(stat -c %a made made/vm0-ok.img.console | tr '\n' ' ')" "700 600 "
  # A link planted where the console file goes is refused, for that VM.
  echo precious >victim
  ln -sf ../victim made/vm0-ok.img.console
  run --separate-stderr mh --console-dir made -g "$(tguest ok)" "$(tguest ok)"
  assert_failure 4
  assert_line --index 0 "[1:ok.img] OK"
  [[ "$stderr" == "mini_hypervisor: error: vm 0 (ok.img): cannot create its console file 'vm0-ok.img.console': it is a symbolic link: refusing to follow it" ]] || fail "$stderr"
  assert_equal "$(cat victim)" precious
  [ "$(id -u)" = 0 ] || skip "needs root to give files to another user"
  rm made/vm0-ok.img.console
  echo theirs >made/vm0-ok.img.console
  chmod 0666 made/vm0-ok.img.console
  chown nobody: made/vm0-ok.img.console
  run --separate-stderr mh --console-dir made -g "$(tguest ok)"
  assert_failure 4
  [[ "$stderr" == "mini_hypervisor: error: vm 0 (ok.img): cannot create its console file 'vm0-ok.img.console': it belongs to user $(id -u nobody), not to you: refusing to write it" ]] || fail "$stderr"
  assert_equal "$(cat made/vm0-ok.img.console)" theirs
  # Another user's link to a directory of yours is not followed.
  mkdir -m 0700 mine
  ln -s mine planted
  chown -h nobody: planted
  run --separate-stderr mh --console-dir planted -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: --console-dir 'planted' is a symbolic link of user $(id -u nobody)'s: refusing to follow it (choose another with --console-dir)"
  assert_equal "$(ls mine)" ""
}

@test "-o: another user's link to a directory of yours is not followed" {
  [ "$(id -u)" = 0 ] || skip "needs root to give a link to another user"
  mkdir -m 0700 mine
  ln -s mine planted
  chown -h nobody: planted
  run --separate-stderr mh -o planted -g "$(tguest fshell)" <<<'open x.txt w'
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: output directory 'planted' is a symbolic link of user $(id -u nobody)'s: refusing to follow it (choose another with -o)"
  assert_equal "$(ls mine)" ""
  # Your own link is followed.
  ln -s mine own
  run --separate-stderr mh -o own -g "$(tguest fshell)" <<<'open x.txt w'
  assert_success
  ls -d mine/run-*/vm0-fshell >/dev/null || fail "no run directory in mine: $(ls -R mine)"
}

@test "an image name of 255 bytes: its VM directory and console file names are shortened to fit, the VM runs" {
  local long
  long=$(printf 'a%.0s' $(seq 251)).img
  cp "$(tguest fshell)" "$long"
  run --separate-stderr mh --console-dir cons -g "./$long" <<<$'open x.txt wc\nwrite 0 hello'
  assert_success
  assert_line "write=5"
  local con
  con=$(ls cons)
  assert_equal "${#con}" 255
  assert_equal "$con" "vm0-$(printf 'a%.0s' $(seq 243)).console"
  grep -q 'write=5' "cons/$con" || fail "console file: $(cat "cons/$con")"
  local dir
  dir=$(basename mini_hypervisor.out/run-*/vm0-*)
  assert_equal "$dir" "vm0-$(printf 'a%.0s' $(seq 251))"
  assert_equal "$(cat mini_hypervisor.out/latest/"$dir"/x.txt)" hello
}
