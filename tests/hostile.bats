#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile guests (tests/guests/hostile/, each described in its header
# comment): each test runs one misbehaving guest beside a well-behaved
# companion (counter.img, sometimes fshell.img or cat.img too) in the
# same run, with shared files given by -f, and asserts
#   - the exit status,
#   - the exact diagnosis on standard error, or the guest's own output,
#   - that the companion finished normally with its whole output,
#   - that nothing outside the output directory changed: the shared
#     file's checksum is the same, and no file appeared beside it.
# What the other suites already cover (triple fault, page fault and jump
# past RAM, unknown port, wide console and file accesses, mmio through the
# guest's own tables, timeout, signals, every file status...) is not
# repeated here.

load helpers

setup() {
  require_kvm
  # The VMs run in dir/, which holds only the shared files; the tests' own
  # scratch files (fifos, captured output) go to io/ beside it.
  IO=$BATS_TEST_TMPDIR/io
  mkdir "$IO" "$BATS_TEST_TMPDIR/dir"
  cd "$BATS_TEST_TMPDIR/dir" || exit 1
  printf 'Hi from the host\n' > notes.txt
  printf '0123456789abcdefghijklmnopqrstuvwxyzABCD' > blk.dat
  SHARED_SUMS=$(sha256sum notes.txt blk.dat)
  BEFORE=$(ls -A)
}

# hg NAME: the image of a hostile guest.
hg() { tguest "hostile/$1"; }

# hrun [OPTIONS...] IMAGE...: runs the images and then counter.img, all in
# one run, with notes.txt shared (standard input is passed on).
hrun() {
  local opts=() imgs=()
  while [ $# -gt 0 ] && [[ "$1" == -* ]]; do
    opts+=("$1")
    if [[ "$1" =~ ^(-m|-p|--timeout|--quota|--max-open)$ ]]; then
      opts+=("$2")
      shift
    fi
    shift
  done
  imgs=("$@" "$(guest counter)")
  run --separate-stderr mh "${opts[@]}" -g "${imgs[@]}" -f notes.txt
}

# companion_ok INDEX: counter.img as VM INDEX printed its five lines, whole
# and in order, and has no line on standard error.
companion_ok() {
  local i=$1 want got
  want=$(for k in 1 2 3 4 5; do echo "[$i:counter.img] vm $i: count $k"; done)
  got=$(grep -a "^\[$i:counter\.img\] " <<<"$output" || true)
  assert_equal "$got" "$want"
  if grep -qF "vm $i (counter.img)" <<<"$stderr"; then
    fail "the companion has a line on standard error: $stderr"
  fi
}

# untouched: the shared files are unchanged, and the only new entry in the
# test directory is the output directory (if the run wrote files at all).
untouched() {
  local now
  sha256sum --check --status <<<"$SHARED_SUMS" || fail "a shared file changed"
  now=$(ls -A | grep -vx mini_hypervisor.out || true)
  assert_equal "$now" "$BEFORE"
}

# no_output_dir: the run kept no files.
no_output_dir() {
  [ ! -e mini_hypervisor.out ] || fail "files were kept: $(ls -R mini_hypervisor.out)"
}

# lines_of INDEX NAME: what VM INDEX (image NAME.img) wrote, tag removed.
lines_of() {
  grep -a "^\[$1:$2\.img\] " <<<"$output" | sed "s/^\[$1:$2\.img\] //" || true
}

# diag INDEX NAME TEXT: the one error line for VM INDEX.
diag() { printf 'mini_hypervisor: error: vm %s (%s.img): %s' "$1" "$2" "$3"; }

# --- Memory and control flow ----------------------------------------------

@test "lowmem_scribble: overwriting 0x1000-0xffff, where naive page tables live, harms nothing" {
  for mp in "8 4" "2 2"; do
    read -r m p <<<"$mp"
    hrun -m "$m" -p "$p" "$(hg lowmem_scribble)"
    assert_success
    assert_equal "$(lines_of 0 lowmem_scribble)" "lowmem_scribble: 60 KiB at 0x1000 overwritten, still running"
    companion_ok 1
    assert_equal "$stderr" ""
  done
  no_output_dir
  untouched
}

@test "noncanonical_jump: a jump to a non-canonical address is a triple fault at the jump" {
  hrun "$(hg noncanonical_jump)"
  assert_failure 1
  # The jmp is at 0xa; a CPU may report its target instead.
  [[ "$stderr" == "$(diag 0 noncanonical_jump "triple fault at RIP 0xa (an exception with no IDT to handle it)")" ||
     "$stderr" == "$(diag 0 noncanonical_jump "triple fault at RIP 0x800000000000 (an exception with no IDT to handle it)")" ]] ||
    fail "$stderr"
  assert_equal "$(lines_of 0 noncanonical_jump)" ""
  companion_ok 1
  untouched
}

@test "run_off_end: code in the last bytes of RAM runs off the end" {
  for m in 2 8; do
    end=$(printf '0x%x' $((m << 20)))
    hrun -m "$m" "$(hg run_off_end)"
    assert_failure 1
    assert_equal "$stderr" "$(diag 0 run_off_end "triple fault at RIP $end after a page fault at address $end (CR2), outside guest RAM")"
    companion_ok 1
  done
  untouched
}

@test "insn_straddles_end: an instruction whose bytes cross the end of RAM" {
  hrun -m 4 "$(hg insn_straddles_end)"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 insn_straddles_end "triple fault at RIP 0x3ffffe after a page fault at address 0x400000 (CR2), outside guest RAM")"
  companion_ok 1
  untouched
}

@test "cross_end_access: a 4-byte load and an 8-byte store across the last byte of RAM" {
  for c in r:0x40 w:0x80; do
    for pg in 2 4; do
      hrun -m 2 -p "$pg" "$(hg cross_end_access)" <<<"0:${c%%:*}"
      assert_failure 1
      assert_equal "$stderr" "$(diag 0 cross_end_access "triple fault at RIP ${c#*:} after a page fault at address 0x200000 (CR2), outside guest RAM")"
      assert_equal "$(lines_of 0 cross_end_access)" ""
      companion_ok 1
    done
  done
  untouched
}

@test "stack_overflow: a runaway stack tramples the whole image and faults below address 0" {
  hrun -m 2 "$(hg stack_overflow)"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 stack_overflow "triple fault at RIP 0x40 after a page fault at address 0xfffffffffffffff8 (CR2), outside guest RAM")"
  assert_equal "$(lines_of 0 stack_overflow)" "stack_overflow: pushing from the top of RAM down"
  companion_ok 1
  untouched
}

@test "self_modify: patched and generated code runs" {
  hrun "$(hg self_modify)"
  assert_success
  assert_equal "$(lines_of 0 self_modify)" "self_modify: patched X, generated K"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "spin_exitless: a guest that never exits is stopped by --timeout alone" {
  hrun --timeout 1 "$(hg spin_exitless)"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 spin_exitless "stopped by --timeout at RIP 0x10")"
  assert_equal "$(lines_of 0 spin_exitless)" ""
  companion_ok 1
  untouched
}

# --- CPU state ---------------------------------------------------------------

@test "garbage_cr: CR3 on zeroed RAM, with reserved bits, on no memory; CR0.PG and CR4.PAE cleared" {
  for c in "z:triple fault at RIP 0x43 after a page fault at address 0x43 (CR2)" \
           "r:triple fault at RIP 0x80 (an exception with no IDT to handle it)" \
           "0:triple fault at RIP 0x100 (an exception with no IDT to handle it)" \
           "4:triple fault at RIP 0x140 (an exception with no IDT to handle it)"; do
    hrun -m 2 "$(hg garbage_cr)" <<<"0:${c%%:*}"
    assert_failure 1
    assert_equal "$stderr" "$(diag 0 garbage_cr "${c#*:}")"
    assert_equal "$(lines_of 0 garbage_cr)" ""
    companion_ok 1
  done
  # Page tables on memory that does not exist: the walk for the next
  # fetch (0xc3) fails; how KVM reports that may vary, the RIP may not.
  hrun -m 2 "$(hg garbage_cr)" <<<"0:o"
  assert_failure 1
  [[ "$stderr" =~ ^"$(diag 0 garbage_cr "triple fault at RIP 0xc3 ")" ]] || fail "$stderr"
  companion_ok 1
  untouched
}

@test "lgdt_garbage: a segment load from a GDT of zeros, or from an unmapped GDT" {
  hrun -m 2 "$(hg lgdt_garbage)" <<<"0:z"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 lgdt_garbage "triple fault at RIP 0x40 (an exception with no IDT to handle it)")"
  companion_ok 1
  hrun -m 2 "$(hg lgdt_garbage)" <<<"0:u"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 lgdt_garbage "triple fault at RIP 0x80 after a page fault at address 0x7fff00000010 (CR2), outside guest RAM")"
  assert_equal "$(lines_of 0 lgdt_garbage)" ""
  companion_ok 1
  untouched
}

@test "int_no_idt: int3, int \$0x80, int1 and an int through an empty IDT stop the VM at the int" {
  for c in 3:0x40:cc 8:0x80:cd 1:0xc0:f1 l:0x100:cc; do
    IFS=: read -r sel rip byte <<<"$c"
    hrun -m 2 "$(hg int_no_idt)" <<<"0:$sel"
    assert_failure 1
    # A triple fault on hardware; where KVM emulates guest code (nested
    # KVM), its emulator refuses software interrupts in long mode.
    [[ "$stderr" == "$(diag 0 int_no_idt "triple fault at RIP $rip (an exception with no IDT to handle it)")" ||
       "$stderr" == "$(diag 0 int_no_idt "KVM could not emulate the instruction at RIP $rip (bytes: $byte ")"* ]] ||
      fail "case $sel: $stderr"
    assert_equal "$(lines_of 0 int_no_idt)" ""
    companion_ok 1
  done
  untouched
}

@test "bogus_msr: rdmsr and wrmsr of a bogus MSR, and EFER without LME, are #GP" {
  if [ "$(cat /sys/module/kvm/parameters/ignore_msrs 2>/dev/null)" = Y ]; then
    skip "kvm.ignore_msrs=Y on this host: unknown MSRs do not fault"
  fi
  for c in r:0x40 w:0x80 e:0xc0; do
    hrun -m 2 "$(hg bogus_msr)" <<<"0:${c%%:*}"
    assert_failure 1
    assert_equal "$stderr" "$(diag 0 bogus_msr "triple fault at RIP ${c#*:} (an exception with no IDT to handle it)")"
    assert_equal "$(lines_of 0 bogus_msr)" ""
    companion_ok 1
  done
  untouched
}

@test "hypercall: vmcall and vmmcall are KVM's business, never an unexpected exit" {
  for c in i:0x40 a:0x80; do
    hrun -m 2 --timeout 3 "$(hg hypercall)" <<<"0:${c%%:*}"
    # KVM returns -KVM_ENOSYS and the guest goes on; some nested hosts
    # never return from the call, and then --timeout stops the VM there.
    if [ "$status" -eq 0 ]; then
      assert_equal "$(lines_of 0 hypercall)" "hypercall: returned -1000"
      assert_equal "$stderr" ""
    else
      assert_failure 1
      assert_equal "$stderr" "$(diag 0 hypercall "stopped by --timeout at RIP ${c#*:}")"
    fi
    companion_ok 1
  done
  untouched
}

@test "cpuid_rdtsc: cpuid of any leaf and rdtsc run" {
  hrun "$(hg cpuid_rdtsc)"
  assert_success
  assert_equal "$(lines_of 0 cpuid_rdtsc)" "cpuid_rdtsc: hypervisor KVMKVMKVM, still running"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "cr8_tpr: raising and lowering the task priority (CR8) runs" {
  hrun "$(hg cr8_tpr)"
  assert_success
  assert_equal "$(lines_of 0 cr8_tpr)" "cr8_tpr: TPR 15 set, read back and cleared, still running"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "sti_hlt: hlt with interrupts enabled ends the VM normally" {
  hrun "$(hg sti_hlt)"
  assert_success
  assert_equal "$(lines_of 0 sti_hlt)" "sti_hlt: halting with interrupts enabled"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

# --- The monitor region --------------------------------------------------------

# monitor_rip: the RIP monitor_write announced.
monitor_rip() { lines_of 0 monitor_write | sed -n 's/^monitor_write: case . at RIP //p'; }

# monitor_readonly: skips the test where KVM cannot make the monitor
# region read-only (KVM_CAP_READONLY_MEM): writes there would succeed.
monitor_readonly() {
  run --separate-stderr mh -v -g "$(guest hello)"
  [[ "$stderr" == *"outside the guest's mapping, read-only;"* ]] ||
    skip "this KVM has no read-only memory slots"
}

@test "monitor_write: the hypervisor's GDT reads fine through the guest's own tables" {
  hrun "$(hg monitor_write)" <<<"0:r"
  assert_success
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: the hypervisor's code descriptor is 0xaf9b000000ffff
monitor_write: continued"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "monitor_write: writes to the GDT, TSS or page tables stop the VM; reads and fetches past it too" {
  monitor_readonly
  for c in "g:1-byte write to the hypervisor's GDT (read-only) at guest-physical 0x40000000" \
           "t:4-byte write to the hypervisor's TSS (read-only) at guest-physical 0x40000804" \
           "p:8-byte write to the hypervisor's page tables (read-only) at guest-physical 0x40001000"; do
    hrun "$(hg monitor_write)" <<<"0:${c%%:*}"
    assert_failure 1
    [[ "$stderr" == "$(diag 0 monitor_write "${c#*:} by the instruction ending at RIP 0x")"* ]] || fail "$stderr"
    assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case ${c%%:*} at RIP $(monitor_rip)"
    companion_ok 1
  done
  # A read where no memory is: an access outside RAM, at the reading
  # instruction.
  hrun "$(hg monitor_write)" <<<"0:u"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 monitor_write "access outside RAM: 4-byte read from guest-physical address 0x40010000 at RIP $(monitor_rip)")"
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case u at RIP $(monitor_rip)"
  companion_ok 1
  # Executing where no memory is: KVM cannot fetch the instruction.
  hrun "$(hg monitor_write)" <<<"0:x"
  assert_failure 1
  [[ "$stderr" == "$(diag 0 monitor_write "")"*"at RIP 0x40010000"* ]] || fail "$stderr"
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case x at RIP 0x40010000"
  companion_ok 1
  untouched
}

@test "monitor_write: the diagnosis of a write names the instruction that wrote, by where it ends" {
  # KVM completes an MMIO write before it exits, so RIP is already past
  # the writing instruction: the diagnosis says so rather than pretending.
  monitor_readonly
  for c in g t p; do
    hrun "$(hg monitor_write)" <<<"0:$c"
    assert_failure 1
    start=$(monitor_rip)
    [[ "$stderr" =~ by\ the\ instruction\ ending\ at\ RIP\ (0x[0-9a-f]+)$ ]] || fail "case $c: $stderr"
    end=${BASH_REMATCH[1]}
    (( end > start && end - start <= 15 )) ||
      fail "case $c: the write at $start cannot end at $end"
    companion_ok 1
  done
  untouched
}

# --- The console ---------------------------------------------------------------

@test "console_flood: 100 KiB with no newline arrives whole, in 4096-byte pieces beside another VM" {
  want=$(head -c 102400 < <(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n'))
  # Alone: the bytes unchanged, nothing added.
  run --separate-stderr mh -g "$(hg console_flood)" -f notes.txt
  assert_success
  assert_equal "${#output}" 102400
  assert_equal "$output" "$want"
  assert_equal "$stderr" ""
  # Beside a companion: each piece is a tagged line of its own, and the
  # companion's lines stay whole.
  hrun "$(hg console_flood)"
  assert_success
  pieces=$(lines_of 0 console_flood)
  assert_equal "$(wc -l <<<"$pieces")" 25
  assert_equal "$(awk '{ print length($0) }' <<<"$pieces" | sort -u)" 4096
  assert_equal "$(tr -d '\n' <<<"$pieces")" "$want"
  companion_ok 1
  assert_equal "$(grep -cv '^\[[01]:' <<<"$output")" 0
  assert_equal "$stderr" ""
  untouched
}

@test "console_forge: forged tags, error lines, escapes and NULs stay the guest's own tagged lines" {
  # Not run: its output holds a NUL, which bash variables cannot.
  status=0
  mh -g "$(hg console_forge)" "$(guest counter)" -f notes.txt > "$IO/out" 2> "$IO/err" || status=$?
  assert_equal "$status" 0
  t='[0:console_forge.img] '
  printf '%sforged\r[1:counter.img] vm 1: count 6\n%smini_hypervisor: error: vm 1 (counter.img): forged\n%s\033[2J\033[Hescape\n%snul\0byte\n%sno newline\n' \
    "$t" "$t" "$t" "$t" "$t" > "$IO/want"
  grep -aF "$t" "$IO/out" > "$IO/got"
  cmp "$IO/got" "$IO/want" || fail "$(od -c "$IO/got" | head -20)"
  # Every line starts with a real tag; the counter's own lines are whole.
  assert_equal "$(grep -acv '^\[[01]:co' "$IO/out")" 0
  output=$(tr -d '\0' < "$IO/out")
  stderr=$(cat "$IO/err")
  companion_ok 1
  assert_equal "$(cat "$IO/err")" ""
  untouched
}

@test "input_after_eof: 5000 reads after end of input all return 0xff, without blocking" {
  hrun "$(hg input_after_eof)" <<<"0:abc"
  assert_success
  assert_equal "$(lines_of 0 input_after_eof)" "abc
input_after_eof: 5000 reads after end of input, all 0xff"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "spin_exitless: input for a VM that never reads does not hold back another VM's input" {
  # 1.3 MB for VM 0, which never reads it, then one line for VM 1.
  { yes '0:a line only VM 0 is sent' | head -n 50000; echo '1:hello'; } > "$IO/in"
  run --separate-stderr mh -m 2 --timeout 3 -g "$(hg spin_exitless)" "$(guest echo)" "$(guest counter)" -f notes.txt < "$IO/in"
  assert_failure 1
  assert_equal "$(lines_of 1 echo)" "hello
echo: end of input after 1 line"
  companion_ok 2
  [[ "$stderr" == *"$(diag 0 spin_exitless "stopped by --timeout at RIP 0x10")"* ]] || fail "$stderr"
  [[ "$stderr" != *"vm 1 (echo.img)"* ]] || fail "$stderr"
  untouched
}

# --- Ports ---------------------------------------------------------------------

@test "port_matrix: the documented accesses on both ports go on" {
  for c in a b c d e; do
    hrun "$(hg port_matrix)" <<<"0:$c"
    assert_success
    want="port_matrix: survived case $c"
    [ "$c" = a ] && want=".$want" # case a writes a '.' first
    assert_equal "$(lines_of 0 port_matrix)" "$want"
    companion_ok 1
    assert_equal "$stderr" ""
  done
  untouched
}

@test "port_matrix: every other width, direction or neighbouring port stops the VM at its RIP" {
  con="(it takes 1-byte accesses)"
  file="(it takes 1-byte IN/OUT, or a 4-byte OUT of a request block's address)"
  while IFS=: read -r c rip what; do
    hrun "$(hg port_matrix)" <<<"0:$c"
    assert_failure 1
    assert_equal "$stderr" "$(diag 0 port_matrix "$what at RIP $rip")"
    assert_equal "$(lines_of 0 port_matrix)" ""
    companion_ok 1
  done <<EOF
f:0x100:2-byte OUT on console port 0xe9 $con
g:0x120:2-byte IN on console port 0xe9 $con
h:0x140:4-byte OUT on console port 0xe9 $con
i:0x160:4-byte IN on console port 0xe9 $con
j:0x180:2-byte OUT on file port 0x278 $file
k:0x1a0:2-byte IN on file port 0x278 $file
l:0x1c0:4-byte IN on file port 0x278 $file
m:0x1e0:2-byte OUT on unknown port 0xe8
n:0x200:4-byte OUT on unknown port 0x275
o:0x220:1-byte IN on unknown port 0x279
p:0x240:1-byte OUT on unknown port 0xea
EOF
  untouched
}

@test "rep_string: rep insb, rep outsb and rep outsl on both ports move every element" {
  hrun "$(hg rep_string)" <<<"0:hello"
  assert_success
  assert_equal "$(lines_of 0 rep_string)" "rep_string: console_insb=hello
rep_string: console_eof=ffffffff
rep_string: file_open=0
rep_string: file_read=17
rep_string: file_read_data=Hi from the host
rep_string: rep_outsl=17,3
rep_string: file_idle_ff=16
rep_string: done"
  companion_ok 1
  assert_equal "$stderr" ""
  no_output_dir
  untouched
}

# --- File requests ---------------------------------------------------------------

@test "read_over_code: a READ over the guest's own running code, which then runs" {
  hrun "$(hg read_over_code)"
  assert_success
  assert_equal "$(lines_of 0 read_over_code)" "read_over_code: running the bytes it read"
  companion_ok 1
  [[ "$stderr" == "mini_hypervisor: vm 0 (read_over_code.img): files in mini_hypervisor.out/run-"*"/vm0-read_over_code" ]] || fail "$stderr"
  assert_equal "$(stat -c %s mini_hypervisor.out/latest/vm0-read_over_code/patch.bin)" 12
  untouched
}

@test "block_self_overlap: a request block that is its own name or buffer" {
  run --separate-stderr mh -g "$(hg block_self_overlap)" "$(guest counter)" -f notes.txt blk.dat
  assert_success
  assert_equal "$(lines_of 0 block_self_overlap)" "block_self_overlap: open=0
block_self_overlap: read_over_block=40
block_self_overlap: read_over_block_data=0123456789abcdefghijklmnopqrstuv
block_self_overlap: read_into_result=8
block_self_overlap: read_over_tail=24
block_self_overlap: read_over_tail_data=0123456789abcdef
block_self_overlap: open_name_block=-7
block_self_overlap: open_self=1
block_self_overlap: write_block=40
block_self_overlap: write_block_same=1
block_self_overlap: done"
  companion_ok 1
  # self.bin is the block as sent: WRITE, fd 1, flags 0, len 40, offset 0,
  # buf (the block's address), result 0x5a5a5a5a5a5a5a5a.
  got=$(od -An -tx1 -v mini_hypervisor.out/latest/vm0-block_self_overlap/self.bin | tr -d ' \n')
  assert_equal "${#got}" 80
  assert_equal "${got:0:48}" 040000000100000000000000280000000000000000000000
  assert_equal "${got:64:16}" 5a5a5a5a5a5a5a5a
  untouched
}

@test "last40_block: a block in the last 40 bytes of RAM and a buffer ending at its last byte work" {
  for mp in "2 2" "8 4"; do
    read -r m p <<<"$mp"
    hrun -m "$m" -p "$p" "$(hg last40_block)"
    assert_success
    assert_equal "$(lines_of 0 last40_block)" "Hi from the host
Hi from the host
last40_block: OK"
    companion_ok 1
    assert_equal "$stderr" ""
  done
  # One byte further and the block's last byte lies past RAM.
  hrun -m 2 "$(hg last40_block)" <<<"0:x"
  assert_failure 1
  [[ "$stderr" == "$(diag 0 last40_block "file request block at 0x1fffd9 runs outside guest RAM at RIP 0x")"* ]] || fail "$stderr"
  assert_equal "$(lines_of 0 last40_block)" ""
  companion_ok 1
  no_output_dir
  untouched
}

@test "block_extremes: lengths near 2^32, offsets near 2^63 and wrapping addresses" {
  want_first="block_extremes: open=0
block_extremes: open_len_max=-7
block_extremes: open_flags_max=-8
block_extremes: cmd_max=-8
block_extremes: read_len0_end=0
block_extremes: write_fd_min=-4
block_extremes: seek_set_min=-8
block_extremes: seek_end_max=-8
block_extremes: seek_whence_max=-8
block_extremes: seek_set_limit=1099511627776
block_extremes: seek_cur_plus1=-8
block_extremes: seek_cur_min=-8
block_extremes: read_at_limit=0"
  hrun -m 2 "$(hg block_extremes)" </dev/null
  assert_success
  assert_equal "$(lines_of 0 block_extremes)" "$want_first
block_extremes: done"
  companion_ok 1
  assert_equal "$stderr" ""
  while IFS=: read -r c what; do
    hrun -m 2 "$(hg block_extremes)" <<<"0:$c"
    assert_failure 1
    [[ "$stderr" == "$(diag 0 block_extremes "$what runs outside guest RAM at RIP 0x")"* ]] || fail "case $c: $stderr"
    [ "${#stderr_lines[@]}" -eq 1 ] || fail "case $c: $stderr"
    assert_equal "$(lines_of 0 block_extremes)" "$want_first"
    companion_ok 1
  done <<'EOF'
a:file READ buffer [0xfffffffffffffff0, +32 bytes)
b:file WRITE buffer [0x10, +4294967295 bytes)
c:file OPEN name [0x1ffffc, +8 bytes)
d:file request block at 0xffffffff
e:file READ buffer [0xffffffffffffffff, +0 bytes)
f:file READ buffer [0x200000, +1 bytes)
g:file WRITE buffer [0x1fffff, +2 bytes)
EOF
  no_output_dir
  untouched
}

@test "transport_mix: byte and block transports interleaved in the middle of requests" {
  hrun "$(hg transport_mix)"
  assert_success
  assert_equal "$(lines_of 0 transport_mix)" "transport_mix: block_open=0
transport_mix: block_read=5
transport_mix: block_read data=Hi fr
transport_mix: byte_open=1
transport_mix: block_size=17
transport_mix: byte_read=5
transport_mix: byte_read data=Hi fr
transport_mix: block_open_w=2
transport_mix: block_close=0
transport_mix: byte_write=-4
transport_mix: block_size=17
transport_mix: byte_in_mid=-1
transport_mix: done"
  companion_ok 1
  [[ "$stderr" == "mini_hypervisor: vm 0 (transport_mix.img): files in "* ]] || fail "$stderr"
  # The WRITE ran on a closed fd: out.txt stays empty.
  [ -f mini_hypervisor.out/latest/vm0-transport_mix/out.txt ] &&
    [ ! -s mini_hypervisor.out/latest/vm0-transport_mix/out.txt ] || fail "out.txt is missing or not empty"
  untouched
}

@test "double_close: closing fds twice, or never opened, leaves the shared file's host fd alone" {
  # cat reads notes.txt after VM 0 closed everything it could name.
  run --separate-stderr mh -g "$(hg double_close)" "$(guest cat)" "$(guest counter)" -f notes.txt <<<"1:notes.txt"
  assert_success
  assert_equal "$(lines_of 0 double_close)" "double_close: open=0
double_close: close=0
double_close: close_again=-4
double_close: close_minus1=-4
double_close: close_32=-4
double_close: close_int_max=-4
double_close: close_int_min=-4
double_close: close_all_block_not_ebadf=0
double_close: close_all_byte_not_ebadf=0
double_close: reopen=0
double_close: read=17
double_close: data=Hi from the host
double_close: byte_close=0
double_close: byte_close_again=-4
double_close: done"
  assert_equal "$(lines_of 1 cat)" "Hi from the host"
  companion_ok 2
  assert_equal "$stderr" ""
  no_output_dir
  untouched
}

@test "unknown_cmds: unknown commands on both transports, with garbage after them" {
  hrun "$(hg unknown_cmds)"
  assert_success
  assert_equal "$(lines_of 0 unknown_cmds)" "unknown_cmds: block_cmd_0x0=-8
unknown_cmds: block_cmd_0x7=-8
unknown_cmds: block_cmd_0x100=-8
unknown_cmds: block_cmd_0x80000000=-8
unknown_cmds: block_cmd_0xffffffff=-8
unknown_cmds: unknown_then_garbage=-8
unknown_cmds: size_after=-4
unknown_cmds: two_unknown=-8
unknown_cmds: idle_after=-1
unknown_cmds: open_len0_then_name=-7
unknown_cmds: open=0
unknown_cmds: done"
  companion_ok 1
  assert_equal "$stderr" ""
  no_output_dir
  untouched
}

# --- Limits ------------------------------------------------------------------------

@test "open_flood: opening until refused and going on gets -5 each time, then a freed fd again" {
  for n in 32 4; do
    opts=()
    [ "$n" = 32 ] || opts=(--max-open "$n")
    hrun "${opts[@]}" "$(hg open_flood)"
    assert_success
    assert_equal "$(lines_of 0 open_flood)" "open_flood: opened=$n first_refusal=-5
open_flood: refused=100 of 100
open_flood: create=-5
open_flood: byte_open=-5
open_flood: close=0
open_flood: reopen=3
open_flood: done"
    companion_ok 1
    assert_equal "$stderr" ""
  done
  # The refused create made no file (and so no directory).
  no_output_dir
  untouched
}

@test "quota_flood: writing past --quota and going on gets -6 each time; another VM's quota is its own" {
  run --separate-stderr mh --quota 65536 -g "$(hg quota_flood)" "$(tguest fshell)" "$(guest counter)" -f notes.txt \
    <<<$'1:open mine.txt w\n1:write 0 0123456789'
  assert_success
  assert_equal "$(lines_of 0 quota_flood)" "quota_flood: writes=13 total=65000 error=-6
quota_flood: refused=50 of 50
quota_flood: filled=65536
quota_flood: one_more=-6
quota_flood: other_open=1
quota_flood: other_write=-6
quota_flood: overwrite=-6
quota_flood: done"
  assert_equal "$(lines_of 1 fshell)" "open=0
write=10
fshell: done"
  companion_ok 2
  dir=mini_hypervisor.out/latest/vm0-quota_flood
  assert_equal "$(stat -c %s "$dir/flood.bin")" 65536
  assert_equal "$(stat -c %s "$dir/other.bin")" 0
  assert_equal "$(ls -A "$dir" | wc -l)" 2
  assert_equal "$(cat mini_hypervisor.out/latest/vm1-fshell/mine.txt)" "0123456789"
  untouched
}

@test "quota_flood: a write past the host's file-size limit (ulimit -f) fails for that guest only" {
  run --separate-stderr bash -c 'ulimit -f 16 && exec "$@"' _ \
    timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -g "$(hg quota_flood)" "$(guest counter)" -f notes.txt
  assert_success
  assert_equal "$(lines_of 0 quota_flood | head -1)" "quota_flood: writes=4 total=16384 error=-9"
  companion_ok 1
  [[ "$stderr" == *"warning: vm 0 (quota_flood.img): "*" file operation(s) failed on the host, the last: writing 'flood.bin': File too large"* ]] ||
    fail "$stderr"
  assert_equal "$(stat -c %s mini_hypervisor.out/latest/vm0-quota_flood/flood.bin)" 16384
  untouched
}

@test "ctrl_names: names with control characters, escapes and non-UTF-8 bytes are stored as they are" {
  hrun "$(hg ctrl_names)"
  assert_success
  assert_equal "$(lines_of 0 ctrl_names)" "ctrl_names: 16 of 16 names created, written and read back"
  companion_ok 1
  dir=mini_hypervisor.out/latest/vm0-ctrl_names
  [[ "$stderr" == "mini_hypervisor: vm 0 (ctrl_names.img): files in mini_hypervisor.out/run-"*"/vm0-ctrl_names" ]] || fail "$stderr"
  # Exactly these names, byte for byte, each holding its own text.
  names=($'new\nline' $'tab\there' $'\001\002\003' $'\033[31mred\033[0m' $'\r' ' ' '-rf' '*'
         '$(reboot)' $'\377\376' 'a\b' '...' $'\177' "\"'\`" '%s%n' '~')
  i=0
  for n in "${names[@]}"; do
    letter=$(printf "\\$(printf '%03o' $((97 + i)))")
    [ -f "$dir/$n" ] || fail "name $i is missing: $(ls -b "$dir")"
    assert_equal "$(cat "$dir/$n")" "name $letter"
    i=$((i + 1))
  done
  assert_equal "$(find "$dir" -mindepth 1 -printf x | wc -c)" 16
  # Nothing was made anywhere else in the output directory.
  assert_equal "$(find mini_hypervisor.out -mindepth 2 -maxdepth 2 | wc -l)" 1
  untouched
}

@test "sparse_write: no file grows past --quota, so a write far out makes no huge sparse file" {
  hrun "$(hg sparse_write)"
  assert_success
  assert_equal "$(lines_of 0 sparse_write)" "sparse_write: open=0
sparse_write: seek_limit_minus1=1099511627775
sparse_write: write=-6
sparse_write: size=0
sparse_write: seek_limit=1099511627776
sparse_write: write_past=-8
sparse_write: write_empty=0
sparse_write: seek_past=-8
sparse_write: done"
  companion_ok 1
  assert_equal "$(stat -c %s mini_hypervisor.out/latest/vm0-sparse_write/sparse.bin)" 0
  untouched
}

@test "sparse_write: with a quota that allows it, the last allowed offset works and one byte further does not" {
  hrun --quota 2048G "$(hg sparse_write)"
  assert_success
  assert_equal "$(lines_of 0 sparse_write)" "sparse_write: open=0
sparse_write: seek_limit_minus1=1099511627775
sparse_write: write=1
sparse_write: size=1099511627776
sparse_write: seek_limit=1099511627776
sparse_write: write_past=-8
sparse_write: write_empty=0
sparse_write: seek_past=-8
sparse_write: done"
  companion_ok 1
  f=mini_hypervisor.out/latest/vm0-sparse_write/sparse.bin
  assert_equal "$(stat -c %s "$f")" 1099511627776
  [ "$(du -k "$f" | cut -f1)" -lt 1024 ] || fail "not sparse: $(du -k "$f")"
  untouched
}

# hog_run ULIMIT_N: fd_hog as VM 0 and fshell as VM 1 (counter as VM 2),
# under `ulimit -n ULIMIT_N` if not empty; once fd_hog holds its files,
# fshell creates and writes a file of its own; then input ends.  Sets
# status, output, stderr and stderr_lines like run.
hog_run() {
  local limit=$1
  mkfifo "$IO/in"
  (
    [ -z "$limit" ] || ulimit -n "$limit" || exit 99
    exec timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -g "$(hg fd_hog)" "$(tguest fshell)" "$(guest counter)" -f notes.txt
  ) < "$IO/in" > "$IO/out" 2> "$IO/err" &
  local pid=$!
  exec 5> "$IO/in"
  for _ in $(seq 600); do
    grep -q 'fd_hog: waiting' "$IO/out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  # (In a subshell: if the run already ended, the write fails harmlessly.)
  (printf '1:open mine.txt w\n1:write 0 hello\n' >&5) 2>/dev/null || true
  for _ in $(seq 600); do
    grep -q '^\[1:fshell.img\] write=' "$IO/out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  exec 5>&-
  status=0
  wait "$pid" || status=$?
  output=$(cat "$IO/out")
  stderr=$(cat "$IO/err")
  mapfile -t stderr_lines < "$IO/err"
  rm "$IO/in"
}

@test "fd_hog: a VM holding all its --max-open files leaves the others theirs" {
  hog_run ""
  assert_equal "$status" 0
  assert_equal "$(lines_of 0 fd_hog)" "fd_hog: holding 32 files, then -5
fd_hog: write=20000
fd_hog: waiting
fd_hog: done"
  assert_equal "$(lines_of 1 fshell)" "open=0
write=5
fshell: done"
  companion_ok 2
  # The names, newlines and all, are files in the VM's directory only.
  assert_equal "$(find mini_hypervisor.out/latest/vm0-fd_hog -type f -printf x | wc -c)" 32
  assert_equal "${#stderr_lines[@]}" 2
  [[ "${stderr_lines[0]}" == "mini_hypervisor: vm 0 (fd_hog.img): files in mini_hypervisor.out/run-"*"/vm0-fd_hog" ]] || fail "$stderr"
  [[ "${stderr_lines[1]}" == "mini_hypervisor: vm 1 (fshell.img): files in mini_hypervisor.out/run-"*"/vm1-fshell" ]] || fail "$stderr"
  untouched
}

@test "fd_hog: under a low open-file limit one VM cannot starve another of file descriptors" {
  # 3 VMs pass the start-up check with 3 * 4 + 32 = 44 fds.
  hog_run 44
  if [ "$status" -eq 1 ] && [[ "$stderr" == *"open files, but the limit is 44"* ]]; then
    # Refusing the run up front is fine too.
    assert_equal "$output" ""
  else
    assert_equal "$status" 0
    assert_equal "$(lines_of 1 fshell)" "open=0
write=5
fshell: done"
    companion_ok 2
  fi
  untouched
}

@test "fd_hog: a guest's file names never reach the hypervisor's messages unescaped" {
  for limit in 44 ""; do
    if [ -n "$limit" ]; then
      hog_run "$limit"
    else
      # A write past the file-size limit: the warning names the file.
      run --separate-stderr bash -c 'ulimit -f 8 && exec "$@"' _ \
        timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -g "$(hg fd_hog)" "$(guest counter)" -f notes.txt </dev/null
    fi
    for line in "${stderr_lines[@]}"; do
      [[ "$line" != *"forged by a guest"* || "$line" == "mini_hypervisor: warning: "* ]] ||
        fail "a guest forged a line on standard error: '$line'"
    done
  done
  # The last run did get its name into a warning, on one line.
  assert_success
  [[ "$stderr" == *"mini_hypervisor: warning: vm 0 (fd_hog.img): "*"writing 'x"*"forged by a guest 0': File too large"* ]] ||
    fail "$stderr"
  untouched
}
