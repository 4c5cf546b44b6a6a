#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The gdb stub (--gdb, -s, -S, --gdb-vm): the real gdb, in batch mode,
# against real VMs.  Every VM listens on a port the kernel picks
# (tcp::0) unless a test is about port numbers, so that parallel runs
# never clash; the port comes from the hypervisor's own line on stderr.

load helpers

setup() {
  setup_vm_test
  command -v gdb >/dev/null || fail "gdb is missing: these tests run the real gdb"
  ELF=$MH_TEST_GUESTS/gdb_target.elf
  IMG=$MH_TEST_GUESTS/gdb_target.img
}

teardown() {
  # A test that failed half-way leaves no VM behind.
  if [ -n "${VM_PID:-}" ]; then
    kill "$VM_PID" 2>/dev/null || true
    wait "$VM_PID" 2>/dev/null || true
  fi
  [ -z "${SHARED_DIR:-}" ] || rm -rf "$SHARED_DIR"
}

# start_vm ARGS...: starts the hypervisor in the background (stdout in
# vm.out, stderr in vm.err, stdin from $VM_STDIN or /dev/null, without
# the test's fd $VM_CLOSE_FD: the test's end of a FIFO), waits until
# every VM it debugs listens, which its "target remote" line says
# (printed once the socket listens); sets VM_PID and PORTS (one per
# listening VM, in order; none for Unix sockets).
start_vm() {
  local want=${WANT_LISTENERS:-1}
  (
    [ -z "${VM_CLOSE_FD:-}" ] || eval "exec ${VM_CLOSE_FD}>&-"
    exec timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -o run "$@" \
      <"${VM_STDIN:-/dev/null}" >vm.out 2>vm.err
  ) &
  VM_PID=$!
  for _ in $(seq 600); do
    [ "$(grep -c 'gdb: target remote' vm.err)" -ge "$want" ] && break
    kill -0 "$VM_PID" 2>/dev/null || break
    sleep 0.05
  done
  [ "$(grep -c 'gdb: target remote' vm.err)" -ge "$want" ] ||
    fail "the VM did not listen: $(cat vm.err)"
  mapfile -t PORTS < <(sed -n 's/.*: gdb: target remote [^:/]*:\([0-9]*\)$/\1/p' vm.err)
  # The hypervisor itself (VM_PID is timeout's).
  HV_PID=$(cat "/proc/$VM_PID/task/$VM_PID/children")
  HV_PID=${HV_PID% }
}

# run_gdb OUT PORT ELF COMMAND...: gdb in batch mode, connected to PORT,
# each COMMAND an -ex; its output in OUT.
run_gdb() {
  local out=$1 port=$2 elf=$3 args=()
  shift 3
  for c in "$@"; do args+=(-ex "$c"); done
  # gdb's status tells only whether its last command worked (a guest
  # that ended makes a later command fail): the tests look at what it
  # printed.  A gdb that hangs or dies fails the test.
  GDB_STATUS=0
  timeout --kill-after=5 "$MH_TIMEOUT" gdb -batch -nx -ex "file $elf" \
    -ex "target remote :$port" "${args[@]}" >"$out" 2>&1 || GDB_STATUS=$?
  [ "$GDB_STATUS" -le 1 ] || fail "gdb ended with status $GDB_STATUS: $(cat "$out")"
}

# wait_vm: the hypervisor's exit status in VM_STATUS.
wait_vm() {
  VM_STATUS=0
  wait "$VM_PID" || VM_STATUS=$?
  VM_PID=
}

# vm_thread_waits_for_input: waits until the VM's thread (vm0) sleeps in
# futex(2), as it does only while its guest waits for console input (a
# guest that spins or runs is in ioctl(KVM_RUN)).
vm_thread_waits_for_input() {
  local t i
  for ((i = 0; i < MH_TIMEOUT * 20; i++)); do
    for t in /proc/"$HV_PID"/task/*; do
      [ "$(cat "$t/comm" 2>/dev/null)" = vm0 ] || continue
      # 202: futex on x86-64.
      [[ "$(cat "$t/syscall" 2>/dev/null)" == "202 "* ]] && return 0
    done
    sleep 0.05
  done
  fail "the VM's thread never waited for input"
}

# A tiny client: connects to the TCP port or Unix socket $1, sends gdb's
# first packet and says what came back: "received N bytes" or the error.
peek_client() {
  python3 -c '
import socket, sys
where = sys.argv[1]
try:
    if where.isdigit():
        s = socket.create_connection(("127.0.0.1", int(where)), timeout=60)
    else:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(60)
        s.connect(where)
    s.sendall(b"+$?#3f")
    print("received %d bytes" % len(s.recv(4096)))
except OSError as e:
    print(e.strerror or str(e))
' "$1"
}

# sym NAME: the address of NAME in the test guest, as gdb prints it.
sym() {
  printf '0x%x' "0x$(nm "$ELF" | awk -v n="$1" '$3 == n { print $1 }')"
}

# no_gdb_warnings FILE: gdb said nothing it would call a warning.
no_gdb_warnings() {
  if grep -i 'warning' "$1"; then
    fail "gdb warned: $(cat "$1")"
  fi
}

# qemu_before_9_1: the QEMU emulating this machine (the KVM host) is older
# than 9.1.  Its machine type, SMBIOS's system version, names its version
# (pc-i440fx-7.2 for Debian 12's QEMU, pc-i440fx-10.0 for bookworm-
# backports').
qemu_before_9_1() {
  local v
  v=$(cat /sys/class/dmi/id/product_version 2>/dev/null) || return 1
  [[ "$v" =~ -([0-9]+)\.([0-9]+)$ ]] || return 1
  (( BASH_REMATCH[1] < 9 || (BASH_REMATCH[1] == 9 && BASH_REMATCH[2] < 1) ))
}

# probe_debug_registers GUEST: skips the test where the host cannot fire
# the debug registers' breakpoints for a debugger:
#  - QEMU's emulated SVM before QEMU 9.1: its VMRUN loads DR7 from the
#    VMCB without arming it (helper_vmrun in QEMU's
#    target/i386/tcg/sysemu/svm_helper.c; fixed by "target/i386:
#    disable/enable breakpoints on vmentry/vmexit", June 2024), so the
#    debug registers KVM loads for gdb (KVM_GUESTDBG_USE_HW_BP) never fire
#    there, while the guest's own mov to DR7 does (the probe cannot tell);
#  - a CPU that fires none of that kind even for the guest itself (PVM
#    fires no data breakpoints): the probe guest arms one itself and
#    goes on only if nothing fired, and the hypervisor's own line says
#    which.
probe_debug_registers() {
  if on_qemu_tcg && qemu_before_9_1; then
    skip "QEMU before 9.1 ($(cat /sys/class/dmi/id/product_version)): its emulated SVM does not arm the debug registers KVM loads for a debugger"
  fi
  run mh -o probe -g "$MH_TEST_GUESTS/$1.img"
  if [ "$output" = "no #DB" ]; then
    skip "this CPU does not fire such debug-register breakpoints ($1 ran on: '$output')"
  fi
  assert_output --partial "debug exception (#DB)"
}

# pkt DATA: DATA framed with a good checksum.
pkt() {
  local sum=0 i c
  # printf -v, not $(...): a fork per byte of a 560-byte G packet took
  # minutes under emulation, past the VM's own timeout.
  for ((i = 0; i < ${#1}; i++)); do
    printf -v c '%d' "'${1:i:1}"
    sum=$(((sum + c) % 256))
  done
  printf '$%s#%02x' "$1" "$sum"
}

# reply FD: the next reply's data on FD, after its ack ("+$data").
reply() {
  local r
  IFS= read -r -t 30 -d '#' r <&"$1"
  read -r -t 30 -N 2 _ <&"$1"
  printf '%s' "$r"
}

@test "gdb: break on a symbol, continue, the stop is there; the guest finishes after continue" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'break gdb_show' 'continue' \
    'info registers rip' 'continue'
  wait_vm
  cat gdb.out
  no_gdb_warnings gdb.out
  assert_equal "$VM_STATUS" 0
  run grep -E '^rip +' gdb.out
  assert_output --regexp "^rip +$(sym gdb_show) +$(sym gdb_show) <gdb_show>$"
  run grep 'Breakpoint 1, ' gdb.out
  assert_success
  run grep -c 'exited normally' gdb.out
  assert_output 1
  run cat vm.out
  assert_output $'hello from the guest\nvalue 7\ncounter 3'
}

@test "gdb: the target description gives amd64's registers with gdb's own sizes" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'show architecture' \
    'info registers rip eflags cs ss rsp' 'print sizeof($eflags)' \
    'print sizeof($rax)' 'print/x $rsp' 'kill'
  wait_vm
  cat gdb.out
  no_gdb_warnings gdb.out
  run cat gdb.out
  assert_output --partial '(currently "i386:x86-64")'
  assert_output --regexp $'\nrip +0x0 +0x0 <_start>\n'
  assert_output --regexp $'\neflags +0x2 +\\[ \\]\n'
  assert_output --partial $'$1 = 4\n$2 = 8\n'
  # RSP starts at the top of RAM (4 MiB).
  assert_output --partial '$3 = 0x400000'
  refute_output --partial 'Remote failure'
}

@test "gdb: stepi three times walks the first three instructions" {
  local want
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'display/i $pc' 'stepi' 'stepi' \
    'stepi' 'info registers rip' 'kill'
  wait_vm
  cat gdb.out
  no_gdb_warnings gdb.out
  # Where the fourth instruction starts, by gdb's own disassembler.
  want=$(gdb -batch -nx -ex "file $ELF" -ex 'x/4i _start' 2>/dev/null |
         sed -n '4s/^ *\(0x[0-9a-f]*\) .*/\1/p')
  [ -n "$want" ]
  run grep -E '^rip +' gdb.out
  assert_output --regexp "^rip +$want "
  # display/i shows the instruction reached after each step (whether the
  # guest has line information or not).
  run grep -c '^=> 0x[0-9a-f]* <_start' gdb.out
  assert_output 3
  # Killed by gdb: the VM failed, and says so.
  assert_equal "$VM_STATUS" 1
  run cat vm.err
  assert_output --partial 'vm 0 (gdb_target.img): killed by gdb'
}

@test "gdb: a hardware breakpoint (hbreak) stops at its function each time" {
  probe_debug_registers dr_probe_exec
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'hbreak gdb_tick' 'continue' \
    'info registers rip' 'continue' 'continue' 'print *(long *)&gdb_counter' \
    'delete' 'continue'
  wait_vm
  cat gdb.out
  no_gdb_warnings gdb.out
  assert_equal "$VM_STATUS" 0
  # "Breakpoint 1, gdb_tick () at FILE:LINE" with line information, else
  # "Breakpoint 1, 0x... in gdb_tick ()".
  run grep -cE "^Breakpoint 1, ($(printf '0x%016x' "$(sym gdb_tick)") in )?gdb_tick \(\)" gdb.out
  assert_output 3
  run grep -E '^rip +' gdb.out
  assert_output --regexp "^rip +$(sym gdb_tick) "
  # Stopped before the third increment.
  run grep '^\$1 = ' gdb.out
  assert_output '$1 = 2'
  run cat vm.out
  assert_output --partial 'counter 3'
}

@test "gdb: a watchpoint on a variable stops at each write with old and new values" {
  probe_debug_registers dr_probe_write
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'watch *(long *)&gdb_counter' \
    'continue' 'continue' 'delete' 'continue'
  wait_vm
  cat gdb.out
  no_gdb_warnings gdb.out
  assert_equal "$VM_STATUS" 0
  run cat gdb.out
  assert_output --partial 'Hardware watchpoint 1: *(long *)&gdb_counter'
  assert_output --regexp $'Old value = 0\nNew value = 1\n'
  assert_output --regexp $'Old value = 1\nNew value = 2\n'
  run cat vm.out
  assert_output --partial 'counter 3'
}

@test "gdb: reads guest memory, writes memory and a register, and the guest prints the change" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'x/s &gdb_message' \
    'print/x *(long *)&gdb_value' 'set {char}&gdb_message = 0x4a' \
    'x/s &gdb_message' 'break gdb_show' 'continue' 'print/d $rdi' \
    'set $rdi = 42' 'continue'
  wait_vm
  cat gdb.out
  no_gdb_warnings gdb.out
  assert_equal "$VM_STATUS" 0
  run cat gdb.out
  assert_output --regexp '<gdb_message>:[[:space:]]+"hello from the guest\\n"'
  assert_output --regexp '<gdb_message>:[[:space:]]+"Jello from the guest\\n"'
  assert_output --partial '$1 = 0x7'
  assert_output --partial '$2 = 7'
  run cat vm.out
  assert_output $'Jello from the guest\nvalue 42\ncounter 3'
}

@test "gdb: memory outside RAM or unmapped gets an error, and the session goes on" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  # 4 MiB of RAM: 0x400000 is its end; 0xffff800000000000 is mapped by
  # nothing.
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'x/2x 0x3ffffc' 'x/2x 0x400000' \
    'x/x 0xffff800000000000' 'set {int}0x400000 = 1' 'x/s &gdb_message' \
    'continue'
  wait_vm
  cat gdb.out
  assert_equal "$VM_STATUS" 0
  run cat gdb.out
  assert_output --partial 'Cannot access memory at address 0x400000'
  assert_output --partial 'Cannot access memory at address 0xffff800000000000'
  assert_output --partial '"hello from the guest\n"'
  assert_output --partial 'exited normally'
}

@test "gdb: Ctrl-C stops a spinning guest with SIGINT where it spins" {
  local gdb_pid
  start_vm -S --gdb tcp::0 -g "$(tguest spin)"
  timeout --kill-after=5 "$MH_TIMEOUT" gdb -batch -nx \
    -ex "file $MH_TEST_GUESTS/spin.elf" -ex "target remote :${PORTS[0]}" \
    -ex 'continue' -ex 'info registers rip' -ex 'x/i $pc' -ex 'kill' \
    >gdb.out 2>&1 &
  gdb_pid=$!
  # The guest prints once gdb has resumed it, and spins after that.
  wait_for vm.out spinning "the guest did not print"
  # Ctrl-C to gdb itself (not through timeout(1), which would pass it
  # on to gdb's whole process group: a second Ctrl-C, which gdb takes for
  # "the target is not responding").
  kill -INT $(cat "/proc/$gdb_pid/task/$gdb_pid/children")
  wait "$gdb_pid" || true
  wait_vm
  cat gdb.out
  run cat gdb.out
  assert_output --partial 'Program received signal SIGINT, Interrupt.'
  # Stopped inside main's endless loop: a jump to itself.
  assert_output --regexp $'\nrip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\\+[0-9]+>\n'
  assert_output --regexp 'jmp +0x[0-9a-f]+ <main\+[0-9]+>'
  assert_equal "$VM_STATUS" 1
  run cat vm.err
  assert_output --partial 'killed by gdb'
}

@test "gdb: -S: the guest runs nothing until gdb continues it" {
  start_vm -s -S --gdb tcp::0 -g "$IMG"
  # Nothing before gdb is there, nothing while gdb holds it.
  [ ! -s vm.out ]
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'info registers rip' \
    'shell test -s vm.out && echo "output: yes" || echo "output: none"' \
    'continue'
  wait_vm
  cat gdb.out
  assert_equal "$VM_STATUS" 0
  run cat gdb.out
  assert_output --regexp $'\nrip +0x0 +0x0 <_start>\n'
  assert_output --partial 'output: none'
  assert_output --partial 'exited normally'
  run cat vm.out
  assert_output --partial 'counter 3'
}

@test "gdb: without -S the guest runs at once; gdb attaches later, in the sandbox, stops it where it is, and may come again" {
  start_vm --gdb tcp::0 -g "$(tguest spin)"
  # The guest runs before any gdb comes.
  wait_for vm.out spinning "the guest did not run without gdb"
  # The VM's thread confined itself before gdb came, and takes the
  # connection inside its sandbox.
  run_gdb gdb.out "${PORTS[0]}" "$MH_TEST_GUESTS/spin.elf" 'info registers rip' 'x/i $pc' \
    "shell for t in /proc/$HV_PID/task/*; do [ \"\$(cat \$t/comm)\" = vm0 ] && grep -E '^Seccomp:' \$t/status; done" \
    'stepi' 'info registers rip' 'detach'
  cat gdb.out
  no_gdb_warnings gdb.out
  run cat gdb.out
  # Stopped inside main's endless loop (a jump to itself), and it steps.
  assert_output --regexp $'\nrip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\\+[0-9]+>\n'
  assert_output --regexp 'jmp +0x[0-9a-f]+ <main\+[0-9]+>'
  assert_output --regexp $'Seccomp:[[:space:]]+2\n'
  assert_output --partial '[Inferior 1 (Remote target) detached]'
  # Detached, the guest spins on; the stub listens again, as QEMU's does.
  kill -0 "$VM_PID"
  run_gdb gdb2.out "${PORTS[0]}" "$MH_TEST_GUESTS/spin.elf" 'info registers rip' 'kill'
  wait_vm
  cat gdb2.out
  run cat gdb2.out
  assert_output --regexp $'\nrip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\\+[0-9]+>\n'
  assert_equal "$VM_STATUS" 1
  run cat vm.err
  assert_output --partial 'killed by gdb'
}

@test "gdb: two VMs debugged at once on two ports" {
  WANT_LISTENERS=2 start_vm -S --gdb tcp::0 -g "$IMG" "$IMG"
  run grep -c 'gdb: target remote :' vm.err
  assert_output 2
  run grep -E '^mini_hypervisor: vm 1 \(gdb_target.img\): gdb: target remote :[0-9]+$' vm.err
  assert_success
  [ "${PORTS[0]}" != "${PORTS[1]}" ]
  run_gdb gdb0.out "${PORTS[0]}" "$ELF" 'break gdb_show' 'continue' \
    'set $rdi = 100' 'continue' &
  local g0=$!
  run_gdb gdb1.out "${PORTS[1]}" "$ELF" 'break gdb_show' 'continue' \
    'set $rdi = 101' 'continue' &
  local g1=$!
  wait "$g0"
  wait "$g1"
  wait_vm
  cat gdb0.out gdb1.out vm.out
  assert_equal "$VM_STATUS" 0
  run grep 'value' vm.out
  assert_line '[0:gdb_target.img] value 100'
  assert_line '[1:gdb_target.img] value 101'
}

@test "gdb: VM N listens on PORT+N; --gdb-vm picks one VM, which listens on PORT" {
  local base
  # A base whose next port is free too (bound by nobody right now).
  for _ in $(seq 20); do
    base=$((20000 + (RANDOM % 20000) * 2))
    timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -o run1 \
      --gdb "tcp::$base" -g "$IMG" "$(tguest ok)" >vm.out 2>vm.err &
    VM_PID=$!
    for _ in $(seq 600); do
      [ "$(grep -c 'gdb: target remote' vm.err)" -ge 2 ] && break
      kill -0 "$VM_PID" 2>/dev/null || break
      sleep 0.05
    done
    grep -q 'cannot listen' vm.err || break
    wait_vm
  done
  run cat vm.err
  assert_line "mini_hypervisor: vm 0 (gdb_target.img): gdb: target remote :$base"
  assert_line "mini_hypervisor: vm 1 (ok.img): gdb: target remote :$((base + 1))"
  run_gdb gdb0.out "$base" "$ELF" 'continue'
  run_gdb gdb1.out "$((base + 1))" "$MH_TEST_GUESTS/ok.elf" 'continue'
  wait_vm
  assert_equal "$VM_STATUS" 0

  # --gdb-vm 1: VM 0 runs on its own, VM 1 waits on the port itself.
  start_vm -S --gdb tcp::0 --gdb-vm 1 -g "$(tguest ok)" "$IMG"
  run grep 'gdb:' vm.err
  assert_output --regexp '^mini_hypervisor: vm 1 \(gdb_target.img\): gdb: target remote :[0-9]+$'
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'continue'
  wait_vm
  assert_equal "$VM_STATUS" 0
  run cat vm.out
  assert_line --partial '[0:ok.img] '
  assert_line '[1:gdb_target.img] counter 3'
}

@test "gdb: --gdb unix:PATH listens on a Unix socket (PATH.N with several VMs), removed at the end" {
  # The "target remote" line comes once the socket listens: waiting for
  # the socket alone, a test may read stderr before the line is there.
  start_vm -S --gdb "unix:$PWD/sock" -g "$IMG"
  [ -S sock ]
  run cat vm.err
  assert_output "mini_hypervisor: vm 0 (gdb_target.img): gdb: target remote $PWD/sock"
  # Only its user can connect: the socket is made 0600.
  run stat -c %a sock
  assert_output 600
  # As in run_gdb, gdb's status is not looked at (see there): what it
  # printed is.
  timeout --kill-after=5 "$MH_TIMEOUT" gdb -batch -nx -ex "file $ELF" \
    -ex "target remote $PWD/sock" -ex 'info registers rip' -ex 'continue' \
    >gdb.out 2>&1 || [ $? -lt 124 ] || fail "gdb hung or died: $(cat gdb.out)"
  wait_vm
  run grep -E '^rip +0x' gdb.out
  assert_success
  assert_equal "$VM_STATUS" 0
  [ ! -e sock ]
  WANT_LISTENERS=2 start_vm -S --gdb "unix:$PWD/s" -g "$IMG" "$IMG"
  [ -S s.0 ] && [ -S s.1 ]
  kill -INT "$VM_PID"
  wait_vm
  assert_equal "$VM_STATUS" 130
  [ ! -e s.0 ] && [ ! -e s.1 ]
}

@test "gdb: after detach the guest runs on to hlt" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'break gdb_tick' 'continue' \
    'print *(long *)&gdb_counter' 'detach'
  wait_vm
  cat gdb.out vm.out vm.err
  no_gdb_warnings gdb.out
  assert_equal "$VM_STATUS" 0
  run cat gdb.out
  assert_output --partial '$1 = 0'
  assert_output --partial '[Inferior 1 (Remote target) detached]'
  # The breakpoint went with gdb: all three ticks ran.
  run cat vm.out
  assert_output $'hello from the guest\nvalue 7\ncounter 3'
}

@test "gdb: the sandbox stays on while gdb debugs (Seccomp: 2 on the VM's thread)" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  # gdb runs the check while it holds the guest, then keeps working.
  run_gdb gdb.out "${PORTS[0]}" "$ELF" \
    "shell for t in /proc/$HV_PID/task/*; do [ \"\$(cat \$t/comm)\" = vm0 ] && grep -E '^(Seccomp|NoNewPrivs):' \$t/status; done" \
    'break gdb_show' 'continue' 'x/s &gdb_message' 'set $rdi = 5' 'continue'
  wait_vm
  cat gdb.out
  assert_equal "$VM_STATUS" 0
  run cat gdb.out
  assert_output --regexp $'Seccomp:[[:space:]]+2\n'
  assert_output --regexp $'NoNewPrivs:[[:space:]]+1\n'
  assert_output --partial '"hello from the guest\n"'
  run cat vm.out
  assert_output --partial 'value 5'
}

@test "gdb: a guest fault stops in gdb (SIGSEGV, SIGILL) at the faulting instruction, then the VM fails as before" {
  local elf=$MH_TEST_GUESTS/page_fault.elf
  start_vm -S --gdb tcp::0 -g "$(tguest page_fault)"
  run_gdb gdb.out "${PORTS[0]}" "$elf" 'continue' 'info registers rip' \
    'continue'
  wait_vm
  cat gdb.out vm.err
  assert_equal "$VM_STATUS" 1
  run cat gdb.out
  assert_output --partial 'Program received signal SIGSEGV, Segmentation fault.'
  # page_fault.c reads past RAM in read_byte().
  run grep -E '^rip +' gdb.out
  assert_output --regexp "^rip +$(printf '0x%x' "0x$(nm "$elf" | awk '$3 == "read_byte" { print $1 }')") "
  assert_output --regexp '<read_byte(\+[0-9]+)?>$'
  run cat gdb.out
  refute_output --partial 'not sent'
  assert_output --partial 'Program terminated with signal'
  run cat vm.err
  assert_output --partial 'page fault (#PF)'

  # An invalid opcode: SIGILL, on the ud2 at 0; continuing ends the VM
  # with today's diagnosis (the guest cannot go on past it).
  start_vm -S --gdb tcp::0 -g "$(tguest ud2)"
  run_gdb gdb.out "${PORTS[0]}" "$MH_TEST_GUESTS/ud2.elf" 'continue' \
    'info registers rip' 'continue'
  wait_vm
  cat gdb.out vm.err
  assert_equal "$VM_STATUS" 1
  run cat gdb.out
  assert_output --partial 'Program received signal SIGILL, Illegal instruction.'
  assert_output --regexp $'\nrip +0x0 +0x0 <_start>\n'
  run cat vm.out
  refute_output --partial 'continued'
  run cat vm.err
  assert_output --partial 'invalid opcode (#UD) at RIP 0x0'
}

@test "gdb: hostile packets get a NAK or an error reply, never a crash" {
  start_vm -S --gdb tcp::0 -g "$IMG"
  # Every reply is framed: send a packet, read what comes back.
  local fd
  exec {fd}<>"/dev/tcp/127.0.0.1/${PORTS[0]}"
  printf '$m0,4#00' >&"$fd"
  IFS= read -r -t 30 -N 1 nak <&"$fd"
  assert_equal "$nak" "-"
  pkt 'mzz,4' >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E01"
  pkt 'm400000,4' >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E0e"
  pkt 'M3ffffe,4:00000000' >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E0e"
  pkt "m$(printf 'f%.0s' {1..40}),1" >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E01"
  pkt 'Z9,0,1' >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E01"
  pkt 'p99' >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E01"
  # Over-long: dropped with a NAK.
  printf '$%s#00' "$(head -c 9000 /dev/zero | tr '\0' 'a')" >&"$fd"
  IFS= read -r -t 30 -N 1 nak <&"$fd"
  assert_equal "$nak" "-"
  pkt 'm0,4' >&"$fd"
  run reply "$fd"
  assert_output --regexp '^\+\$[0-9a-f]{8}$'
  pkt 'k' >&"$fd"
  exec {fd}>&-
  wait_vm
  assert_equal "$VM_STATUS" 1
  run cat vm.err
  assert_output --partial 'killed by gdb'
}

@test "gdb: bad options get one line naming the culprit" {
  run mh --gdb tcp:x -g "$IMG"
  assert_equal "$status" 2
  assert_output --partial "invalid --gdb value 'tcp:x': must be tcp:[HOST]:PORT or unix:PATH"
  run mh --gdb tcp::70000 -g "$IMG"
  assert_equal "$status" 2
  assert_output --partial "invalid --gdb value 'tcp::70000'"
  run mh -S -g "$IMG"
  assert_equal "$status" 2
  assert_output --partial '-S waits for gdb: give -s or --gdb too'
  run mh --gdb tcp::0 --gdb-vm 2 -g "$IMG" "$IMG"
  assert_equal "$status" 2
  assert_output --partial "invalid --gdb-vm value '2': there are VMs 0 to 1 only"
  run mh --gdb-vm 0 -g "$IMG"
  assert_equal "$status" 2
  assert_output --partial '--gdb-vm picks the VM gdb debugs'
  run mh --gdb tcp::65535 -g "$IMG" "$IMG"
  assert_equal "$status" 2
  assert_output --partial '--gdb port 65535: VM 1 would listen on port 65536, past 65535 (VM N listens on PORT+N)'
  # A port that is taken fails the run before any VM starts.
  start_vm -S --gdb tcp::0 -g "$IMG"
  run mh --gdb "tcp::${PORTS[0]}" -g "$IMG"
  assert_equal "$status" 4 # a host error
  assert_output "mini_hypervisor: error: --gdb: cannot listen on 127.0.0.1:${PORTS[0]}: Address already in use"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'continue'
  wait_vm
  assert_equal "$VM_STATUS" 0
}

@test "gdb: another user's connection is closed before a byte is served, with a warning naming the uid; the guest goes on, and its own user's gdb attaches" {
  require_other_user
  start_vm -S --gdb tcp::0 -g "$IMG"
  # A client of its own, then gdb, as nobody: nothing comes back.
  run as_other_user bash -c "$(declare -f peek_client); peek_client ${PORTS[0]}"
  assert_output --regexp '^(received 0 bytes|Connection reset by peer)$'
  run as_other_user timeout --kill-after=5 "$MH_TIMEOUT" gdb -batch -nx \
    -ex "target remote :${PORTS[0]}" -ex 'info registers rip'
  echo "nobody's gdb: $output"
  refute_output --regexp 'rip +0x'
  # One warning each, naming the user.
  wait_count vm.err 'gdb: refused' 2
  run grep -c "^mini_hypervisor: warning: vm 0 (gdb_target.img): gdb: refused a connection from 127.0.0.1:[0-9]*, uid 65534 (nobody): only root may debug this VM$" vm.err
  assert_output 2
  # The stub listens on: its own user's gdb attaches, and the guest runs
  # to its end as usual.
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'break gdb_show' 'continue' 'continue'
  wait_vm
  cat gdb.out vm.err
  assert_equal "$VM_STATUS" 0
  run grep -c 'Breakpoint 1, ' gdb.out
  assert_output 1
  run cat vm.out
  assert_output $'hello from the guest\nvalue 7\ncounter 3'
}

@test "gdb: on a Unix socket another user cannot connect (0600), and where it could, SO_PEERCRED refuses it" {
  require_other_user
  # A directory nobody can reach a socket in, unlike the test's own.
  SHARED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mh-gdb-XXXXXX")
  chmod 755 "$SHARED_DIR"
  start_vm -S --gdb "unix:$SHARED_DIR/sock" -g "$IMG"
  run as_other_user bash -c "$(declare -f peek_client); peek_client $SHARED_DIR/sock"
  assert_output 'Permission denied'
  # Made connectable by hand: the stub still refuses it.
  chmod 666 "$SHARED_DIR/sock"
  run as_other_user bash -c "$(declare -f peek_client); peek_client $SHARED_DIR/sock"
  assert_output --regexp '^(received 0 bytes|Connection reset by peer)$'
  wait_for vm.err 'refused' "no refusal"
  run grep 'refused' vm.err
  assert_output "mini_hypervisor: warning: vm 0 (gdb_target.img): gdb: refused a connection from a Unix socket, uid 65534 (nobody): only root may debug this VM"
  timeout --kill-after=5 "$MH_TIMEOUT" gdb -batch -nx -ex "file $ELF" \
    -ex "target remote $SHARED_DIR/sock" -ex 'info registers rip' -ex 'continue' \
    >gdb.out 2>&1 || [ $? -lt 124 ] || fail "gdb hung or died: $(cat gdb.out)"
  wait_vm
  cat gdb.out
  assert_equal "$VM_STATUS" 0
  run grep -E '^rip +0x0 ' gdb.out
  assert_success
}

@test "gdb: a connection that sends nothing does not stop the guest, and is dropped after 10 s with a warning; gdb then attaches to the guest waiting for input" {
  local w s line
  mkfifo in
  # Written to by the test, kept open: the guest (echo) waits for input.
  exec {w}<>in
  VM_STDIN=in VM_CLOSE_FD=$w start_vm --gdb tcp::0 -g "$MH_GUESTS/echo.img"
  exec {s}<>"/dev/tcp/127.0.0.1/${PORTS[0]}"
  # Silent connection open: the guest goes on (echoes a line).
  echo 'first line' >&"$w"
  wait_for vm.out '^first line$' "the guest did not run while a silent connection was open"
  wait_for vm.err 'gdb: dropped' "the silent connection was not dropped"
  run grep 'gdb:' vm.err
  assert_line --regexp "^mini_hypervisor: warning: vm 0 \(echo.img\): gdb: dropped the connection from 127.0.0.1:[0-9]+: no gdb packet within 10 s$"
  # Closed: it reads the end of the connection.
  line=unread
  IFS= read -r -t 30 -u "$s" line || true
  assert_equal "$line" ""
  exec {s}>&-
  # gdb attaches to the guest inside its wait for input (an IN from the
  # console port), reads its registers and detaches.
  vm_thread_waits_for_input
  run_gdb gdb.out "${PORTS[0]}" "$MH_GUESTS/echo.elf" 'info registers rip' \
    'x/i $pc' 'detach'
  cat gdb.out
  run cat gdb.out
  assert_output --regexp $'\nrip +0x[0-9a-f]+ +0x[0-9a-f]+ <[a-z_]+(\\+[0-9]+)?>\n'
  assert_output --regexp '=> 0x[0-9a-f]+ <[a-z_]+(\+[0-9]+)?>:[[:space:]]+in +(\(%dx\)|\$0xe9),%al'
  assert_output --partial '[Inferior 1 (Remote target) detached]'
  # The guest goes on with the input that comes next.
  echo 'second line' >&"$w"
  exec {w}>&-
  wait_vm
  assert_equal "$VM_STATUS" 0
  run cat vm.out
  assert_output $'first line\nsecond line\necho: end of input after 2 lines'
}

@test "gdb: Ctrl-C stops a guest that waits for console input, inside its IN; kill ends it" {
  local w gdb_pid
  mkfifo in
  exec {w}<>in
  VM_STDIN=in VM_CLOSE_FD=$w start_vm -S --gdb tcp::0 -g "$MH_GUESTS/echo.img"
  timeout --kill-after=5 "$MH_TIMEOUT" gdb -batch -nx \
    -ex "file $MH_GUESTS/echo.elf" -ex "target remote :${PORTS[0]}" \
    -ex 'continue' -ex 'info registers rip' -ex 'x/i $pc' \
    -ex 'set $pc = $pc + 1' -ex 'kill' >gdb.out 2>&1 &
  gdb_pid=$!
  # gdb continued the guest, which now waits for input.
  vm_thread_waits_for_input
  # Ctrl-C to gdb itself (see "Ctrl-C stops a spinning guest").
  kill -INT $(cat "/proc/$gdb_pid/task/$gdb_pid/children")
  wait "$gdb_pid" || true
  wait_vm
  cat gdb.out vm.err
  run cat gdb.out
  assert_output --partial 'Program received signal SIGINT, Interrupt.'
  assert_output --regexp '=> 0x[0-9a-f]+ <[a-z_]+(\+[0-9]+)?>:[[:space:]]+in +(\(%dx\)|\$0xe9),%al'
  # Inside that IN, RIP stays (KVM ends the IN where it began).
  assert_output --partial 'Could not write register "rip"; remote failure reply'
  assert_equal "$VM_STATUS" 1
  run cat vm.err
  assert_output --partial 'vm 0 (echo.img): killed by gdb'
  exec {w}>&-
}

@test "gdb: a non-canonical rip, eflags bits that must be clear and other segment selectors are refused (E16); the guest runs on to its end" {
  local fd g bad
  start_vm -S --gdb tcp::0 -g "$IMG"
  # Through gdb: each write fails, the registers stay as they were.
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'set $pc = 0x8000000000000000' \
    'set $eflags = 0x400002' 'set $eflags = 0x20002' 'set $eflags = 0x8002' \
    'set $cs = 0x1234' 'set $ss = 0' 'set $ds = 0x3b' \
    'info registers rip eflags cs ss ds' 'continue'
  wait_vm
  cat gdb.out
  assert_equal "$VM_STATUS" 0
  run grep -c 'remote failure reply .E16.' gdb.out
  assert_output 7
  run cat gdb.out
  assert_output --regexp $'\nrip +0x0 +0x0 <_start>\n'
  assert_output --regexp $'\neflags +0x2 +\\[ \\]\n'
  assert_output --partial 'exited normally'
  run cat vm.out
  assert_output $'hello from the guest\nvalue 7\ncounter 3'

  # The same in raw packets: a whole G with cs, ss or rip garbage.
  start_vm -S --gdb tcp::0 -g "$IMG"
  exec {fd}<>"/dev/tcp/127.0.0.1/${PORTS[0]}"
  pkt 'g' >&"$fd"
  g=$(reply "$fd")
  g=${g#+\$}
  [ ${#g} -eq 552 ] || fail "g: $g"
  # cs (after 16 GPRs, rip, eflags: byte 140), then ss, then rip.
  bad=${g:0:280}ffff0000${g:288}
  pkt "G$bad" >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E16"
  bad=${g:0:288}00000000${g:296}
  pkt "G$bad" >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E16"
  bad=${g:0:256}0000000000001000${g:272}
  pkt "G$bad" >&"$fd"
  assert_equal "$(reply "$fd")" "+\$E16"
  pkt "G$g" >&"$fd"
  assert_equal "$(reply "$fd")" "+\$OK"
  pkt 'c' >&"$fd"
  assert_equal "$(reply "$fd")" "+\$W00"
  exec {fd}>&-
  wait_vm
  assert_equal "$VM_STATUS" 0

  # A non-canonical RSP is the guest's to have: its next push faults,
  # and the VM ends with that diagnosis.
  start_vm -S --gdb tcp::0 -g "$IMG"
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'set $rsp = 0x8000000000000000' \
    'continue' 'continue'
  wait_vm
  cat gdb.out vm.err
  assert_equal "$VM_STATUS" 1
  run cat gdb.out
  assert_output --partial 'Program received signal SIGSEGV'
  assert_output --partial 'Program terminated with signal'
  run grep -c '^mini_hypervisor: error: vm 0 (gdb_target.img): ' vm.err
  assert_output 1
}

@test "gdb: listening beyond loopback says so at start; a local user other than the VM's own is still refused" {
  start_vm -S --gdb tcp:0.0.0.0:0 -g "$IMG"
  run grep 'warning' vm.err
  assert_output "mini_hypervisor: warning: --gdb: listening on 0.0.0.0, beyond the loopback address: anyone who can reach it from another machine can debug the guests and read their files"
  if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    run as_other_user bash -c "$(declare -f peek_client); peek_client ${PORTS[0]}"
    assert_output --regexp '^(received 0 bytes|Connection reset by peer)$'
    wait_for vm.err 'gdb: refused' "no refusal"
  fi
  run_gdb gdb.out "${PORTS[0]}" "$ELF" 'continue'
  wait_vm
  assert_equal "$VM_STATUS" 0
  run cat vm.out
  assert_output --partial 'counter 3'
}

@test "gdb: -S with no debugger ends as a timeout (--timeout), not a host error" {
  run mh -o run -S --gdb tcp::0 --timeout 2 -g "$IMG"
  assert_equal "$status" 3
  assert_line --regexp '^mini_hypervisor: vm 0 \(gdb_target.img\): gdb: target remote :[0-9]+$'
  assert_line 'mini_hypervisor: error: vm 0 (gdb_target.img): stopped by --timeout at RIP 0x0'
}
