#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Many VMs at once: tagged output that never mixes, isolation of failures,
# input routing, --timeout and signals, and scale.

load helpers

setup() {
  require_kvm
}

# repeat N WORD: prints WORD N times, space-separated.
repeat() { for _ in $(seq "$1"); do printf '%s ' "$2"; done; }

# check_counters N: $output holds exactly the 5 tagged count lines of each
# of N counter VMs, each line whole and tagged with the VM that wrote it.
check_counters() {
  local n=$1
  assert_equal "${#lines[@]}" $((n * 5))
  for line in "${lines[@]}"; do
    [[ "$line" =~ ^\[([0-9]+):counter\.img\]\ vm\ ([0-9]+):\ count\ [1-5]$ ]] ||
      fail "malformed or mixed line: '$line'"
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || fail "line tagged with the wrong VM: '$line'"
  done
  for ((i = 0; i < n; i++)); do
    for k in 1 2 3 4 5; do
      c=$(grep -cxF "[$i:counter.img] vm $i: count $k" <<<"$output")
      [ "$c" -eq 1 ] || fail "vm $i count $k appears $c times"
    done
  done
}

@test "2 VMs: every line once, tagged, never mixed" {
  # shellcheck disable=SC2046
  run --separate-stderr mh -m 2 -g $(repeat 2 "$(guest counter)") </dev/null
  assert_success
  check_counters 2
  assert_equal "$stderr" ""
}

@test "8 VMs: every line once, tagged, never mixed" {
  # shellcheck disable=SC2046
  run --separate-stderr mh -m 2 -p 4 -g $(repeat 8 "$(guest counter)") </dev/null
  assert_success
  check_counters 8
}

@test "64 VMs: every line once, tagged, never mixed" {
  # shellcheck disable=SC2046
  run --separate-stderr mh -m 2 -g $(repeat 64 "$(guest counter)") </dev/null
  assert_success
  check_counters 64
}

@test "each VM gets its own index and the VM count in registers" {
  run mh -m 2 -g "$(tguest print_boot)" "$(tguest print_boot)" "$(tguest print_boot)" </dev/null
  assert_success
  for i in 0 1 2; do
    assert_line "[$i:print_boot.img] ram=2097152 index=$i page=2097152 count=3 magic=0x4d48564d31414249 abi=1"
  done
}

@test "a failing VM among healthy ones: the others finish, the summary names it" {
  run --separate-stderr mh -m 2 -g "$(guest counter)" "$(tguest fail)" "$(guest counter)" "$(tguest unknown_port)" </dev/null
  assert_equal "$status" 1
  for i in 0 2; do
    for k in 1 2 3 4 5; do
      assert_line "[$i:counter.img] vm $i: count $k"
    done
  done
  assert_line "[1:fail.img] deliberate failure"
  # One summary line per failed VM, and none for the healthy ones.
  assert_equal "${#stderr_lines[@]}" 2
  # mh_fail() ends in ud2: the diagnosis names that instruction.
  [[ "${stderr_lines[0]}" =~ ^"mini_hypervisor: error: vm 1 (fail.img): invalid opcode (#UD) at RIP "(0x[0-9a-f]+)"; RSP 0x"[0-9a-f]+$ ]] ||
    fail "$stderr"
  assert_equal "$(insn_at "$(tguest fail)" "${BASH_REMATCH[1]}" 2)" 0f0b
  [[ "${stderr_lines[1]}" == "mini_hypervisor: error: vm 3 (unknown_port.img): 1-byte OUT on unknown port 0x80 at RIP 0x"* ]] || fail "$stderr"
}

@test "an image that fails to load stops the run before any VM starts" {
  run --separate-stderr mh -g "$(guest hello)" "$BATS_TEST_TMPDIR/missing.img" </dev/null
  assert_equal "$status" 2
  assert_equal "$output" ""
  [[ "$stderr" == *"missing.img': No such file or directory" ]] || fail "$stderr"
}

@test "input routing: N:line to one VM, other lines to all, then end of input" {
  printf '%s\n' "for everyone" "0:zero only" "2:two only" "*:0:literal" "7:nobody" \
    > "$BATS_TEST_TMPDIR/script"
  run --separate-stderr mh -g "$(guest echo)" "$(guest echo)" "$(guest echo)" < "$BATS_TEST_TMPDIR/script"
  assert_success
  for i in 0 1 2; do
    assert_line "[$i:echo.img] for everyone"
    assert_line "[$i:echo.img] 0:literal"
  done
  assert_line "[0:echo.img] zero only"
  assert_line "[2:echo.img] two only"
  refute_line "[1:echo.img] zero only"
  refute_line "[1:echo.img] two only"
  refute_line --partial "nobody"
  assert_line "[0:echo.img] echo: end of input after 3 lines"
  assert_line "[1:echo.img] echo: end of input after 2 lines"
  assert_line "[2:echo.img] echo: end of input after 3 lines"
  assert_equal "$stderr" "mini_hypervisor: warning: input line 5 is for VM 7, but the VMs are 0 to 2: line dropped"
}

@test "input routing is deterministic: the same script gives the same output per VM" {
  for i in $(seq 40); do printf '%d:line %d\n' $((i % 4)) "$i"; done > "$BATS_TEST_TMPDIR/script"
  # shellcheck disable=SC2046
  mh -g $(repeat 4 "$(guest echo)") < "$BATS_TEST_TMPDIR/script" | sort > "$BATS_TEST_TMPDIR/a"
  # shellcheck disable=SC2046
  mh -g $(repeat 4 "$(guest echo)") < "$BATS_TEST_TMPDIR/script" | sort > "$BATS_TEST_TMPDIR/b"
  cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  assert_equal "$(grep -c 'line' "$BATS_TEST_TMPDIR/a")" 44
  # Each VM saw its own lines in order.
  run grep -F '[3:echo.img] line' "$BATS_TEST_TMPDIR/a"
  assert_equal "${#lines[@]}" 10
}

@test "a VM that reads input never hangs when none comes" {
  run mh -g "$(tguest readall)" "$(tguest readall)" < /dev/null
  assert_success
  assert_line "[0:readall.img] bytes=0"
  assert_line "[1:readall.img] bytes=0"
}

@test "a long input line to several VMs arrives whole" {
  n=$(mh_size 300000 20000)
  head -c "$n" /dev/zero | tr '\0' 'a' > "$BATS_TEST_TMPDIR/long"
  echo >> "$BATS_TEST_TMPDIR/long"
  run mh -g "$(tguest readall)" "$(tguest readall)" < "$BATS_TEST_TMPDIR/long"
  assert_success
  assert_line "[0:readall.img] bytes=$((n + 1))"
  assert_line "[1:readall.img] bytes=$((n + 1))"
}

@test "--timeout stops only the VMs still running" {
  run --separate-stderr mh --timeout 1 -g "$(guest hello)" "$(tguest spin)" "$(tguest spin)" </dev/null
  assert_equal "$status" 3
  assert_line "[0:hello.img] Hello from mini_hypervisor guest 0!"
  assert_line "[1:spin.img] spinning"
  assert_line "[2:spin.img] spinning"
  assert_equal "${#stderr_lines[@]}" 2
  [[ "${stderr_lines[0]}" == "mini_hypervisor: error: vm 1 (spin.img): stopped by --timeout at RIP 0x"* ]] || fail "$stderr"
  [[ "${stderr_lines[1]}" == "mini_hypervisor: error: vm 2 (spin.img): stopped by --timeout at RIP 0x"* ]] || fail "$stderr"
}

# stop_with SIGNAL STATUS: starts 4 spinning VMs, signals them, checks
# that every one stops promptly with its output intact.
stop_with() {
  local sig=$1 want=$2 out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
  # shellcheck disable=SC2046
  "$MH_BIN" -g $(repeat 4 "$(tguest spin)") < /dev/null > "$out" 2> "$err" &
  local pid=$!
  for _ in $(seq 100); do [ "$(grep -c spinning "$out")" -eq 4 ] && break; sleep 0.05; done
  local t0=$EPOCHREALTIME
  kill -"$sig" "$pid"
  # A hang detector, not a timing assertion: the figure is printed.
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "still running 5 s after SIG$sig"; }
  local status=0
  wait "$pid" || status=$?
  awk -v a="$t0" -v b="$EPOCHREALTIME" -v s="$sig" 'BEGIN { printf "# stopped %.3f s after SIG%s\n", b - a, s }' >&3
  assert_equal "$status" "$want"
  for i in 0 1 2 3; do
    grep -qxF "[$i:spin.img] spinning" "$out" || fail "vm $i output lost: $(cat "$out")"
    grep -qF "vm $i (spin.img): stopped by signal" "$err" || fail "vm $i not reported: $(cat "$err")"
  done
}

@test "SIGINT stops every spinning VM, status 130, output intact" {
  stop_with INT 130
}

@test "SIGTERM stops every spinning VM, status 143" {
  stop_with TERM 143
}

@test "256 VMs of 2 MB in one run" {
  # shellcheck disable=SC2046
  run --separate-stderr mh -m 2 -g $(repeat 256 "$(guest hello)") </dev/null
  assert_success
  assert_equal "${#lines[@]}" 512
  for i in 0 100 255; do
    assert_line "[$i:hello.img] Hello from mini_hypervisor guest $i!"
    assert_line "[$i:hello.img] RAM: 2 MiB, pages: 2 MiB"
  done
  assert_equal "$(grep -c '] RAM: 2 MiB' <<<"$output")" 256
}

@test "too many VMs for the open-file limit: one clear error, nothing runs" {
  # shellcheck disable=SC2046
  run --separate-stderr bash -c 'ulimit -n 64 && exec "$0" "$@"' "$MH_BIN" -m 2 -g $(repeat 100 "$(guest hello)") </dev/null
  assert_equal "$status" 4
  assert_equal "$output" ""
  assert_equal "$stderr" "mini_hypervisor: error: 100 VMs need at least 432 open files, but the limit is 64 (raise it with ulimit -n, or run fewer VMs)"
}

@test "a closed output pipe ends the run at once, quietly, with status 141" {
  # head exits after one line; spinning VMs must not keep the pipeline alive.
  run --separate-stderr bash -c '"$1" -g "$2" "$3" | head -n 1; echo "status=${PIPESTATUS[0]}"' _ \
    "$MH_BIN" "$(tguest spin)" "$(guest counter)" </dev/null
  assert_success
  assert_line --index 1 "status=141"
  assert_equal "${#lines[@]}" 2
  assert_equal "$stderr" ""
}

@test "output that cannot be written stops the run with one error" {
  run --separate-stderr timeout 30 bash -c '"$1" -g "$2" "$3" > /dev/full' _ \
    "$MH_BIN" "$(tguest spin)" "$(guest hello)" </dev/null
  assert_equal "$status" 4
  [[ "$stderr" == *"mini_hypervisor: error: writing guest output: No space left on device"* ]] || fail "$stderr"
  [[ "$stderr" == *"vm 0 (spin.img): stopped: its output could not be written at RIP 0x"* ]] || fail "$stderr"
}

@test "with several VMs on a terminal, a VM that waits for input says so" {
  # A terminal on standard input and standard error (a pty, driven by
  # python3): each VM that waits for a line says which it is; a line
  # addressed to it wakes it.  Without a terminal nothing is said (the
  # other tests' exact outputs).
  MH_WAIT=$((MH_TIMEOUT / 4)) run timeout --kill-after=5 "$MH_TIMEOUT" \
    python3 - "$MH_BIN" -g "$(guest echo)" "$(guest echo)" <<'PY'
import os, pty, select, subprocess, sys, termios, time
wait = int(os.environ["MH_WAIT"])  # for each thing awaited
master, slave = pty.openpty()
# No echo of what is typed: it would mix with the VMs' lines.
attrs = termios.tcgetattr(slave)
attrs[3] &= ~termios.ECHO
termios.tcsetattr(slave, termios.TCSANOW, attrs)
child = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True)
os.close(slave)
seen = b""
def read_until(text, seconds=wait):
    global seen
    end = time.time() + seconds
    while text not in seen and time.time() < end:
        if select.select([master], [], [], 0.1)[0]:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            seen += data
for vm in (0, 1):
    read_until(b"vm %d (echo.img): waiting for input (a line that starts with '%d:' goes to it alone)" % (vm, vm))
os.write(master, b"1:second\n")
read_until(b"[1:echo.img] second")
os.write(master, b"0:first\n\x04")
read_until(b"end of input after 1 line\r\n[")
child.wait(timeout=wait)
read_until(b"\x00", 1)  # what is left
sys.stdout.write(seen.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(child.returncode)
PY
  assert_success
  assert_line "mini_hypervisor: vm 0 (echo.img): waiting for input (a line that starts with '0:' goes to it alone)"
  assert_line "mini_hypervisor: vm 1 (echo.img): waiting for input (a line that starts with '1:' goes to it alone)"
  assert_line "[0:echo.img] first"
  assert_line "[1:echo.img] second"
  assert_line "[0:echo.img] echo: end of input after 1 line"
  assert_line "[1:echo.img] echo: end of input after 1 line"
}
