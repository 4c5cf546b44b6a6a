#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Real VMs on /dev/kvm: the examples in every memory and page size, the
# console, and every way a guest can fail, each with its diagnosis.

load helpers

setup() {
  require_kvm
}

# fails_with GUEST-IMAGE EXPECTED-STDERR-FRAGMENT [ARGS...]: runs the
# image with no input.
fails_with() {
  local img=$1 want=$2
  shift 2
  run --separate-stderr mh "$@" -g "$img" </dev/null
  assert_equal "$status" 1
  [[ "$stderr" == *"$want"* ]] || fail "stderr '$stderr' lacks '$want'"
  [[ "$stderr" == "mini_hypervisor: error: vm 0 ($(basename "$img")): "* ]] ||
    fail "diagnosis does not name the VM: $stderr"
}

@test "hello and memtest run in every memory and page size" {
  for m in 2 4 8; do
    for p in 2 4; do
      run --separate-stderr mh -m "$m" -p "$p" -g "$(guest hello)" </dev/null
      assert_success
      assert_equal "${lines[0]}" "Hello from mini_hypervisor guest 0!"
      if [ "$p" = 2 ]; then page="2 MiB"; else page="4 KiB"; fi
      assert_equal "${lines[1]}" "RAM: $m MiB, pages: $page"
      assert_equal "$stderr" ""

      run mh -m "$m" -p "$p" -g "$(guest memtest)" </dev/null
      assert_success
      assert_line "memtest: $m MiB OK"
      # One line per 2 MB region checked, then the verdict.
      [ "$(grep -c region <<<"$output")" -eq $((m / 2)) ] || fail "regions: $output"
    done
  done
}

@test "the guest gets the documented registers at entry" {
  run mh -m 8 -p 4 -g "$(tguest print_boot)" </dev/null
  assert_success
  assert_output "ram=8388608 index=0 page=4096 count=1 magic=0x4d48564d31414249 abi=1"
}

@test "echo reads piped input line by line until end of input" {
  run mh -g "$(guest echo)" <<<$'first line\nsecond line'
  assert_success
  assert_line --index 0 "first line"
  assert_line --index 1 "second line"
  assert_line --index 2 --partial "end of input"
}

@test "input ends with the EOF value, and every byte arrives" {
  head -c 1000 /dev/urandom | tr '\377' 'x' > "$BATS_TEST_TMPDIR/in"
  run mh -g "$(tguest readall)" < "$BATS_TEST_TMPDIR/in"
  assert_success
  assert_output "bytes=1000"
  run mh -g "$(tguest readall)" < /dev/null
  assert_success
  assert_output "bytes=0"
}

@test "rep outsb on the console writes every byte" {
  run mh -g "$(tguest rep_outsb)" </dev/null
  assert_success
  assert_output "REP OK"
}

@test ".bss is zero and a deep stack works in 2 MB" {
  run mh -m 2 -p 4 -g "$(tguest bss_stack)" </dev/null
  assert_success
  assert_output "OK"
}

@test "a guest written in nasm runs" {
  run mh -g "$(tguest hello_nasm)" </dev/null
  assert_success
  assert_output --partial "nasm"
}

@test "output is written whole even without a final newline, and not per byte" {
  printf 'abc' > "$BATS_TEST_TMPDIR/in"
  run mh -g "$(guest echo)" < "$BATS_TEST_TMPDIR/in"
  assert_success
  assert_line --index 0 "abc"
  # Buffered: the console wrote lines with a handful of write calls, not
  # one per byte (strace counts them when it is available).
  if command -v strace >/dev/null; then
    strace -f -qq -e trace=write,writev -o "$BATS_TEST_TMPDIR/trace" \
      "$MH_BIN" -g "$(guest hello)" < /dev/null > /dev/null
    n=$(grep -cE '^[0-9]+ +(write|writev)\(1,' "$BATS_TEST_TMPDIR/trace")
    [ "$n" -le 3 ] || fail "$n writes for two lines"
  fi
}

@test "an exception stops the VM with its name and RIP: ud2 is #UD" {
  # The hypervisor's IDT takes every exception a guest does not handle
  # itself; ud2.img's ud2 is its first instruction.
  run --separate-stderr mh -g "$(tguest ud2)" </dev/null
  assert_equal "$status" 1
  assert_equal "$stderr" "mini_hypervisor: error: vm 0 (ud2.img): invalid opcode (#UD) at RIP 0x0; RSP 0x400000"
  assert_equal "$output" ""
}

@test "triple fault: an exception the guest's own empty IDT cannot take" {
  # triple_fault.img loads an IDT of its own with no gate in it, then
  # executes ud2 at 0x40 (no input) or reads past RAM at 0x80 ('p').
  img=$(tguest triple_fault)
  run --separate-stderr mh -g "$img" </dev/null
  assert_equal "$status" 1
  is_triple_fault "$stderr" "mini_hypervisor: error: vm 0 (triple_fault.img): " 0x40 || fail "$stderr"
  assert_equal "$output" ""
  for m in 2 8; do
    run --separate-stderr mh -m "$m" -g "$img" <<<p
    assert_equal "$status" 1
    is_triple_fault "$stderr" "mini_hypervisor: error: vm 0 (triple_fault.img): " 0x80 \
      "CR2 $(printf '0x%x' $((m << 20))), outside guest RAM" || fail "$stderr"
    assert_equal "$output" ""
  done
}

# page_fault_at MB PAGE_MB: runs page_fault.img, which reads the first
# byte past RAM and first prints the RIP of the reading instruction, and
# checks the diagnosis names that RIP, the address and the error code.
page_fault_at() {
  local end rip
  end=$(printf '0x%x' $(($1 << 20)))
  run --separate-stderr mh -m "$1" -p "$2" -g "$(tguest page_fault)" </dev/null
  assert_equal "$status" 1
  [[ "$output" =~ ^"page_fault: reading $end at RIP "(0x[0-9a-f]+)$ ]] || fail "$output"
  rip=${BASH_REMATCH[1]}
  # RSP: where the compiled C code left it, a few words below the top.
  [[ "$stderr" =~ ^"mini_hypervisor: error: vm 0 (page_fault.img): page fault (#PF) at RIP $rip: read from address $end (CR2), outside guest RAM; error code 0x0 (not present, read, supervisor); RSP "(0x[0-9a-f]+)$ ]] ||
    fail "$stderr"
  (( BASH_REMATCH[1] < end && BASH_REMATCH[1] >= end - 256 )) || fail "RSP: $stderr"
}

@test "page fault past RAM: diagnosis gives the RIP, CR2 outside RAM and the error code" {
  for m in 2 4 8; do
    page_fault_at "$m" 2
  done
}

@test "page fault past RAM with 4 KB pages too" {
  page_fault_at 2 4
  page_fault_at 8 4
}

@test "a jump past RAM is a fault at that RIP" {
  run --separate-stderr mh -m 4 -g "$(tguest jump_past_ram)" </dev/null
  assert_equal "$status" 1
  assert_equal "$stderr" "mini_hypervisor: error: vm 0 (jump_past_ram.img): page fault (#PF) at RIP 0x400000: instruction fetch from address 0x400000 (CR2), outside guest RAM; error code 0x10 (not present, fetch, supervisor); RSP 0x400000"
}

@test "unknown port: diagnosis gives port, direction, width and RIP" {
  fails_with "$(tguest unknown_port)" "1-byte OUT on unknown port 0x80 at RIP 0x"
}

@test "wide console accesses are guest errors" {
  fails_with "$(tguest console_wide_out)" "2-byte OUT on console port 0xe9 (it takes 1-byte accesses) at RIP 0x"
  fails_with "$(tguest console_wide_in)" "4-byte IN on console port 0xe9 (it takes 1-byte accesses) at RIP 0x"
}

@test "the RIP in a diagnosis is that of the faulting instruction" {
  # unknown_port.S places its OUT at a known offset; the image's own
  # bytes at the reported RIP must be an OUT instruction (E6 or EE).
  run --separate-stderr mh -g "$(tguest unknown_port)" </dev/null
  assert_equal "$status" 1
  rip=$(grep -o 'at RIP 0x[0-9a-f]*' <<<"$stderr" | cut -d' ' -f3)
  [ -n "$rip" ] || fail "no RIP in: $stderr"
  byte=$(od -An -tx1 -j $((rip)) -N1 "$(tguest unknown_port)" | tr -d ' ')
  [[ "$byte" == e6 || "$byte" == ee ]] || fail "byte at $rip is $byte"
}

@test "a memory access with no RAM behind it is reported as such" {
  # The guest maps a page of its own onto guest-physical 0x20000000.
  run --separate-stderr mh -m 8 -g "$(tguest mmio)" </dev/null
  assert_equal "$status" 1
  [[ "$stderr" =~ "vm 0 (mmio.img): access outside RAM: "[1248]"-byte write to guest-physical address 0x20000000 by the instruction ending at RIP 0x" ]] ||
    fail "$stderr"
}

@test "a failing guest's output is kept, then the failure is reported" {
  img=$(tguest fail)
  run --separate-stderr mh -g "$img" </dev/null
  assert_equal "$status" 1
  assert_output "deliberate failure"
  # mh_fail() ends in ud2: the diagnosis names that instruction.
  [[ "$stderr" =~ ^"mini_hypervisor: error: vm 0 (fail.img): invalid opcode (#UD) at RIP "(0x[0-9a-f]+)"; RSP 0x"[0-9a-f]+$ ]] ||
    fail "$stderr"
  assert_equal "$(insn_at "$img" "${BASH_REMATCH[1]}" 2)" 0f0b
}

@test "--verbose describes the machine and counts exits" {
  run --separate-stderr mh -v -m 8 -p 4 -g "$(guest hello)" </dev/null
  assert_success
  [[ "$stderr" == *"8 MiB RAM"* ]] || fail "$stderr"
  # RAM's tables, and a PD and a PT for the hypervisor's own pages.
  [[ "$stderr" == *"2048 pages of 4 KiB: 1 PML4 + 1 PDPT + 1 PD + 4 PT + 2 for the hypervisor's pages = 9 tables (36 KiB) at guest-physical 0x40002000, outside the guest's mapping; GDT, IDT and exception handlers read-only at 0x40000000;"* ]] ||
    fail "$stderr"
  [[ "$stderr" == *"halted;"*"hlt 1"* ]] || fail "$stderr"
  run --separate-stderr mh -v -m 2 -p 2 -g "$(guest hello)" </dev/null
  assert_success
  [[ "$stderr" == *"1 pages of 2 MiB: 1 PML4 + 1 PDPT + 1 PD + 0 PT + 2 for the hypervisor's pages = 5 tables (20 KiB)"* ]] || fail "$stderr"
}

@test "--timeout stops a spinning guest and reports it" {
  run --separate-stderr mh --timeout 0.5 -g "$(tguest spin)" </dev/null
  assert_equal "$status" 3
  assert_output "spinning"
  [[ "$stderr" == *"stopped by --timeout"* ]] || fail "$stderr"
}

@test "SIGINT stops a spinning guest with status 130" {
  "$MH_BIN" -g "$(tguest spin)" < /dev/null > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
  pid=$!
  for _ in $(seq 50); do grep -q spinning "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
  kill -INT "$pid"
  status=0
  wait "$pid" || status=$?
  assert_equal "$status" 130
  assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "spinning"
  grep -q "stopped by signal Interrupt" "$BATS_TEST_TMPDIR/err" || fail "$(cat "$BATS_TEST_TMPDIR/err")"
}

@test "a prompt without a newline is shown before the guest waits for input" {
  mkfifo "$BATS_TEST_TMPDIR/in"
  "$MH_BIN" -g "$(tguest prompt)" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
  pid=$!
  exec 5> "$BATS_TEST_TMPDIR/in"
  for _ in $(seq 100); do grep -q 'name? ' "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
  grep -q 'name? ' "$BATS_TEST_TMPDIR/out" || { kill "$pid"; fail "prompt not shown while waiting"; }
  echo Ada >&5
  exec 5>&-
  wait "$pid"
  assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "name? hello, Ada"
}

@test "console output is the same with and without coalesced PIO" {
  # A guest that writes little never switches to coalesced output (the
  # zone makes VM teardown slower on nested KVM than it saves)...
  run --separate-stderr mh -v -g "$(guest hello)" </dev/null
  assert_success
  [[ "$stderr" == *"console 61 bytes out (0 coalesced"* ]] || fail "$stderr"
  # ...one that writes 100 KiB switches after 4 KiB, and every byte comes
  # out the same, in the same order, as on the exit-per-byte path.
  flood=$(tguest hostile/console_flood)
  run --separate-stderr mh -v -g "$flood" </dev/null
  assert_success
  fast=$output
  [[ "$stderr" =~ console\ 102400\ bytes\ out\ \(([0-9]+)\ coalesced ]] || fail "$stderr"
  coalesced=${BASH_REMATCH[1]}
  [ "$coalesced" -gt 90000 ] || fail "only $coalesced bytes coalesced"
  echo "# coalesced: $coalesced of 102400 bytes" >&3
  MINI_HYPERVISOR_NO_COALESCING=1 run --separate-stderr mh -v -g "$flood" </dev/null
  assert_success
  [[ "$stderr" == *"console 102400 bytes out (0 coalesced"* ]] || fail "$stderr"
  [ "$output" = "$fast" ] || fail "output differs between the two paths"
  # Ordering across input reads holds on both paths.
  for env in "" "MINI_HYPERVISOR_NO_COALESCING=1"; do
    run env $env "$MH_BIN" -g "$(guest echo)" <<<$'one\ntwo'
    assert_success
    assert_line --index 0 "one"
    assert_line --index 1 "two"
  done
}
