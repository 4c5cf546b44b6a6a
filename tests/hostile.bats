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
# What the other suites already cover (an exception's diagnosis, a triple
# fault through the guest's own IDT, page fault and jump past RAM, unknown
# port, wide console and file accesses, mmio through the guest's own
# tables, timeout, signals, every file status...) is not repeated here.
#
# Every exception a guest does not handle itself reaches the hypervisor's
# IDT and is reported exactly: name, RIP, error code and, for a page
# fault, CR2.  Only a guest that replaced the IDT, GDT or page tables can
# make the CPU triple-fault, and is_triple_fault (helpers.bash) accepts
# both forms of that diagnosis.

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

# hrun [OPTIONS...] IMAGE...: runs the images and then counter.img, all in
# one run, with notes.txt shared (standard input is passed on: every call
# gives one, a here-string or /dev/null).
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

# Where a KVM, or the CPU under it, departs from the processor manuals,
# a test accepts the departure only where it was seen: on QEMU's emulated
# CPU (on_qemu_tcg, helpers.bash), on PVM, or on kvm_amd with nested
# paging.
# on_pvm: KVM is PVM (kvm_pvm).
on_pvm() { [ -d /sys/module/kvm_pvm ]; }
# on_amd_npt: KVM is kvm_amd with nested paging.
on_amd_npt() { [ "$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" = Y ]; }

# The end of a page fault's diagnosis for each kind of address.
OUTSIDE="outside guest RAM"
PROTECTION="a protection violation (a read-only, supervisor-only or execute-disabled page)"

# --- Memory and control flow ----------------------------------------------

@test "lowmem_scribble: overwriting 0x1000-0xffff, where naive page tables live, harms nothing" {
  for mp in "8 4" "2 2"; do
    read -r m p <<<"$mp"
    hrun -m "$m" -p "$p" "$(hg lowmem_scribble)" </dev/null
    assert_success
    assert_equal "$(lines_of 0 lowmem_scribble)" "lowmem_scribble: 60 KiB at 0x1000 overwritten, still running"
    companion_ok 1
    assert_equal "$stderr" ""
  done
  no_output_dir
  untouched
}

@test "noncanonical_jump: a jump to a non-canonical address is a #GP at the jump" {
  hrun "$(hg noncanonical_jump)" </dev/null
  assert_failure 1
  # The jmp at 0xa faults (SDM 2A and AMD APM 3, JMP: #GP if the target
  # is not canonical); QEMU's CPU jumps, and its fetch at the target
  # faults.
  [ "$stderr" = "$(diag 0 noncanonical_jump "general protection fault (#GP) at RIP 0xa; error code 0x0; RSP 0x400000")" ] ||
    { on_qemu_tcg &&
      [ "$stderr" = "$(diag 0 noncanonical_jump "general protection fault (#GP) at RIP 0x800000000000; error code 0x0; RSP 0x400000")" ]; } ||
    fail "$stderr"
  assert_equal "$(lines_of 0 noncanonical_jump)" ""
  companion_ok 1
  untouched
}

@test "run_off_end: code in the last bytes of RAM runs off the end" {
  for m in 2 8; do
    end=$(printf '0x%x' $((m << 20)))
    hrun -m "$m" "$(hg run_off_end)" </dev/null
    assert_failure 1
    assert_equal "$stderr" "$(diag 0 run_off_end "page fault (#PF) at RIP $end: instruction fetch from address $end (CR2), $OUTSIDE; error code 0x10 (not present, fetch, supervisor); RSP $end")"
    companion_ok 1
  done
  untouched
}

@test "insn_straddles_end: an instruction whose bytes cross the end of RAM" {
  hrun -m 4 "$(hg insn_straddles_end)" </dev/null
  assert_failure 1
  # RIP is the instruction's first byte; CR2 the first byte it lacks.
  assert_equal "$stderr" "$(diag 0 insn_straddles_end "page fault (#PF) at RIP 0x3ffffe: instruction fetch from address 0x400000 (CR2), $OUTSIDE; error code 0x10 (not present, fetch, supervisor); RSP 0x400000")"
  companion_ok 1
  untouched
}

@test "cross_end_access: a 4-byte load and an 8-byte store across the last byte of RAM" {
  for c in "r:0x40:read from:0x0:read" "w:0x80:write to:0x2:write"; do
    IFS=: read -r sel rip access code rw <<<"$c"
    for pg in 2 4; do
      hrun -m 2 -p "$pg" "$(hg cross_end_access)" <<<"0:$sel"
      assert_failure 1
      assert_equal "$stderr" "$(diag 0 cross_end_access "page fault (#PF) at RIP $rip: $access address 0x200000 (CR2), $OUTSIDE; error code $code (not present, $rw, supervisor); RSP 0x200000")"
      assert_equal "$(lines_of 0 cross_end_access)" ""
      companion_ok 1
    done
  done
  untouched
}

@test "stack_overflow: a runaway stack tramples the whole image and faults below address 0" {
  hrun -m 2 "$(hg stack_overflow)" </dev/null
  assert_failure 1
  # The hypervisor's handlers have a stack of their own: a guest's RSP
  # that points nowhere still gets its fault reported.
  assert_equal "$stderr" "$(diag 0 stack_overflow "page fault (#PF) at RIP 0x40: write to address 0xfffffffffffffff8 (CR2), $OUTSIDE; error code 0x2 (not present, write, supervisor); RSP 0x0")"
  assert_equal "$(lines_of 0 stack_overflow)" "stack_overflow: pushing from the top of RAM down"
  companion_ok 1
  untouched
}

@test "self_modify: patched and generated code runs" {
  hrun "$(hg self_modify)" </dev/null
  assert_success
  assert_equal "$(lines_of 0 self_modify)" "self_modify: patched X, generated K"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "spin_exitless: a guest that never exits is stopped by --timeout alone" {
  hrun --timeout 1 "$(hg spin_exitless)" </dev/null
  assert_failure 3
  assert_equal "$stderr" "$(diag 0 spin_exitless "stopped by --timeout at RIP 0x10")"
  assert_equal "$(lines_of 0 spin_exitless)" ""
  companion_ok 1
  untouched
}

# --- CPU state ---------------------------------------------------------------

@test "garbage_cr: CR3 on zeroed RAM, with reserved bits, on no memory; CR0.PG and CR4.PAE cleared" {
  # A mov that the CPU refuses is a #GP at the mov, reported by the
  # hypervisor's IDT.  QEMU's CPU loads CR3's reserved bits instead
  # (with nested paging kvm_amd does not intercept the mov), and the
  # next VM entry fails.
  for c in r:0x80 0:0x100 4:0x140; do
    hrun -m 2 "$(hg garbage_cr)" <<<"0:${c%%:*}"
    # A failed VM entry is KVM's refusal: a host error (status 4).
    if [ "${c%%:*}" = r ] && on_qemu_tcg && on_amd_npt && [ "$status" = 4 ]; then
      assert_equal "$stderr" "$(diag 0 garbage_cr "VM entry failed: hardware entry failure reason 0xffffffff")"
    else
      assert_failure 1
      [ "$stderr" = "$(diag 0 garbage_cr "general protection fault (#GP) at RIP ${c#*:}; error code 0x0; RSP 0x200000")" ] ||
        fail "case ${c%%:*}: $stderr"
    fi
    assert_equal "$(lines_of 0 garbage_cr)" ""
    companion_ok 1
  done
  # Page tables of zeros: nothing is mapped any more, the IDT and the
  # handlers included, so the fetch at 0x43 faults and that fault cannot
  # be delivered.
  hrun -m 2 "$(hg garbage_cr)" <<<"0:z"
  assert_failure 1
  is_triple_fault "$stderr" "$(diag 0 garbage_cr "")" 0x43 "CR2 0x43" || fail "$stderr"
  assert_equal "$(lines_of 0 garbage_cr)" ""
  companion_ok 1
  # Page tables on memory that does not exist: the walk for the next
  # fetch (0xc3) reads no memory, and nothing can be delivered either: a
  # triple fault.  kvm_amd with nested paging retries that walk for ever
  # instead, and there --timeout stops the VM at 0xc3.
  hrun -m 2 --timeout 3 "$(hg garbage_cr)" <<<"0:o"
  if [[ "$stderr" == *"stopped by --timeout"* ]]; then assert_failure 3; else assert_failure 1; fi
  is_triple_fault "$stderr" "$(diag 0 garbage_cr "")" 0xc3 ||
    { on_amd_npt && [ "$stderr" = "$(diag 0 garbage_cr "stopped by --timeout at RIP 0xc3")" ]; } ||
    fail "$stderr"
  assert_equal "$(lines_of 0 garbage_cr)" ""
  companion_ok 1
  untouched
}

@test "lgdt_garbage: a segment load from a GDT of zeros, from a GDT with only a code segment, or from an unmapped GDT" {
  # The #GP of the mov to DS is delivered through the guest's GDT, which
  # holds the code segment the hypervisor's IDT gates name (0x08).
  hrun -m 2 "$(hg lgdt_garbage)" <<<"0:c"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 lgdt_garbage "general protection fault (#GP) at RIP 0xc0; error code 0x10; RSP 0x200000")"
  assert_equal "$(lines_of 0 lgdt_garbage)" ""
  companion_ok 1
  # A GDT of zeros has no code segment for the #GP either: the CPU
  # triple-faults.  PVM does not check the gate's code segment: it
  # delivers the #GP to the hypervisor's handler anyway, whose report
  # (the OUT at 0x40000c68, vector 13's stub) then never leaves the
  # vCPU, so there --timeout stops the VM at that OUT.
  hrun -m 2 --timeout 3 "$(hg lgdt_garbage)" <<<"0:z"
  # 1 for the triple fault, 3 where --timeout stopped it (PVM, below).
  if [[ "$stderr" == *"stopped by --timeout"* ]]; then assert_failure 3; else assert_failure 1; fi
  is_triple_fault "$stderr" "$(diag 0 lgdt_garbage "")" 0x40 ||
    { on_pvm && [ "$stderr" = "$(diag 0 lgdt_garbage "stopped by --timeout at RIP 0x40000c68")" ]; } ||
    fail "$stderr"
  assert_equal "$(lines_of 0 lgdt_garbage)" ""
  companion_ok 1
  # An unmapped GDT: the descriptor read page-faults, and so does the
  # read of the code segment to deliver it.
  hrun -m 2 "$(hg lgdt_garbage)" <<<"0:u"
  assert_failure 1
  is_triple_fault "$stderr" "$(diag 0 lgdt_garbage "")" 0x80 "CR2 0x7fff00000010, $OUTSIDE" || fail "$stderr"
  assert_equal "$(lines_of 0 lgdt_garbage)" ""
  companion_ok 1
  untouched
}

@test "int_no_idt: int3, int \$0x80 and int1 reach the hypervisor's IDT; int3 through an empty IDT triple-faults" {
  img=$(hg int_no_idt)
  # Each case: what the hardware does, and what QEMU's CPU does where it
  # departs from the manuals: its #GP for an INT n past the IDT's limit
  # has the gate's byte offset (n * 16) where the index (n) belongs, and
  # it does not know int1.
  while IFS=: read -r sel rip what tcg; do
    hrun -m 2 "$img" <<<"0:$sel"
    assert_failure 1
    # Where KVM emulates guest code (PVM), its emulator gives up on a
    # software interrupt in long mode, before any exception: then the
    # diagnosis shows the 15 bytes at the int.
    bytes=$(od -An -tx1 -v -j "$((rip))" -N 15 "$img" | xargs)
    emulated=$(diag 0 int_no_idt "KVM could not emulate the instruction at RIP $rip (bytes: $bytes) - KVM's instruction emulator does not handle it here")
    if [ "$sel" = l ]; then
      is_triple_fault "$stderr" "$(diag 0 int_no_idt "")" "$rip" || [ "$stderr" = "$emulated" ] ||
        fail "case $sel: $stderr"
    else
      [ "$stderr" = "$(diag 0 int_no_idt "$what")" ] || [ "$stderr" = "$emulated" ] ||
        { [ -n "$tcg" ] && on_qemu_tcg && [ "$stderr" = "$(diag 0 int_no_idt "$tcg")" ]; } ||
        fail "case $sel: $stderr"
    fi
    assert_equal "$(lines_of 0 int_no_idt)" ""
    companion_ok 1
  done <<'EOF'
3:0x40:breakpoint (#BP) by the instruction ending at RIP 0x41; RSP 0x200000:
8:0x80:general protection fault (#GP) at RIP 0x80; error code 0x402 (IDT vector 0x80); RSP 0x200000:general protection fault (#GP) at RIP 0x80; error code 0x802 (IDT vector 0x100); RSP 0x200000
1:0xc0:debug exception (#DB) at RIP 0xc1; RSP 0x200000:invalid opcode (#UD) at RIP 0xc0; RSP 0x200000
l:0x100::
EOF
  untouched
}

@test "bogus_msr: rdmsr and wrmsr of a bogus MSR, and EFER without LME, are #GP" {
  # kvm.ignore_msrs=Y (the host's choice) makes unknown MSRs read as 0
  # and ignore writes: then only EFER, which KVM knows, can be checked.
  cases="r:0x40 w:0x80 e:0xc0"
  ignored=$(cat /sys/module/kvm/parameters/ignore_msrs 2>/dev/null || true)
  [ "$ignored" != Y ] || cases="e:0xc0"
  for c in $cases; do
    hrun -m 2 "$(hg bogus_msr)" <<<"0:${c%%:*}"
    assert_failure 1
    assert_equal "$stderr" "$(diag 0 bogus_msr "general protection fault (#GP) at RIP ${c#*:}; error code 0x0; RSP 0x200000")"
    assert_equal "$(lines_of 0 bogus_msr)" ""
    companion_ok 1
  done
  untouched
  if [ "$ignored" = Y ]; then
    skip "kvm.ignore_msrs=Y on this host: unknown MSRs do not fault (EFER checked)"
  fi
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
      assert_failure 3
      assert_equal "$stderr" "$(diag 0 hypercall "stopped by --timeout at RIP ${c#*:}")"
    fi
    companion_ok 1
  done
  untouched
}

@test "cpuid_rdtsc: cpuid of any leaf and rdtsc run" {
  hrun "$(hg cpuid_rdtsc)" </dev/null
  assert_success
  assert_equal "$(lines_of 0 cpuid_rdtsc)" "cpuid_rdtsc: hypervisor KVMKVMKVM, still running"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "cr8_tpr: raising and lowering the task priority (CR8) runs" {
  hrun "$(hg cr8_tpr)" </dev/null
  assert_success
  assert_equal "$(lines_of 0 cr8_tpr)" "cr8_tpr: TPR 15 set, read back and cleared, still running"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "sti_hlt: hlt with interrupts enabled ends the VM normally" {
  hrun "$(hg sti_hlt)" </dev/null
  assert_success
  assert_equal "$(lines_of 0 sti_hlt)" "sti_hlt: halting with interrupts enabled"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

# --- The monitor region --------------------------------------------------------
# The hypervisor's GDT, IDT, TSS, exception handlers, exception stack and
# page tables, at guest-physical 0x40000000 in a writable KVM slot of the
# VM's own.  The hypervisor's page tables keep the guest from changing
# them; a guest that loads its own can, and harms only itself.

# monitor_rip: the RIP monitor_write announced.
monitor_rip() { lines_of 0 monitor_write | sed -n 's/^monitor_write: case . at RIP //p'; }

@test "monitor_write: through the hypervisor's tables its GDT reads fine and its stack page is writable" {
  hrun "$(hg monitor_write)" <<<"0:r"
  assert_success
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: GDT entries 0 and 1: 0x0 0xaf9b000000ffff
monitor_write: continued"
  companion_ok 1
  assert_equal "$stderr" ""
  hrun "$(hg monitor_write)" <<<"0:s"
  assert_success
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: exception stack reads back 0x5a5a5a5a5a5a5a5a
monitor_write: continued"
  companion_ok 1
  assert_equal "$stderr" ""
  untouched
}

@test "monitor_write: through the hypervisor's tables a write to its GDT, IDT, TSS or page tables, or code on its stack, is a page fault" {
  # The first page is mapped read-only (a protection violation, error
  # code P|W), the page tables not at all (W), and the stack page
  # execute-disable (P|I/D).  RIP is the accessing instruction's.
  while IFS=: read -r c what; do
    hrun "$(hg monitor_write)" <<<"0:$c"
    assert_failure 1
    rip=$(monitor_rip)
    [ -n "$rip" ] || fail "case $c: $output"
    assert_equal "$stderr" "$(diag 0 monitor_write "page fault (#PF) at RIP $rip: $what")"
    assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case $c at RIP $rip"
    companion_ok 1
  done <<EOF
g:write to address 0x40000000 (CR2), $PROTECTION; error code 0x3 (present, write, supervisor); RSP 0x3fffe8
i:write to address 0x40000100 (CR2), $PROTECTION; error code 0x3 (present, write, supervisor); RSP 0x3fffe8
t:write to address 0x40000804 (CR2), $PROTECTION; error code 0x3 (present, write, supervisor); RSP 0x3fffe8
p:write to address 0x40002000 (CR2), $OUTSIDE; error code 0x2 (not present, write, supervisor); RSP 0x3fffe8
e:instruction fetch from address 0x40001000 (CR2), $PROTECTION; error code 0x11 (present, fetch, supervisor); RSP 0x3fffe8
EOF
  assert_equal "$rip" 0x40001000
  untouched
}

@test "monitor_write: through its own tables a guest writes its own monitor region and harms only itself" {
  # Two monitor_write VMs and the counter: VM 0 writes over its GDT, IDT,
  # TSS and PML4 and reads every byte back; VM 1 then still finds its own
  # GDT intact.
  run --separate-stderr mh -g "$(hg monitor_write)" "$(hg monitor_write)" "$(guest counter)" -f notes.txt <<<$'0:W\n1:r'
  assert_success
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: own tables, wrote and read back: GDT 0x5a IDT 0x5a TSS 0x5a PML4 0x5a
monitor_write: continued"
  assert_equal "$(lines_of 1 monitor_write)" "monitor_write: GDT entries 0 and 1: 0x0 0xaf9b000000ffff
monitor_write: continued"
  companion_ok 2
  assert_equal "$stderr" ""
  # An IDT of zeros: the next exception finds no gate, and the VM alone
  # stops.
  hrun "$(hg monitor_write)" <<<"0:K"
  assert_failure 1
  rip=$(monitor_rip)
  [ -n "$rip" ] || fail "$output"
  is_triple_fault "$stderr" "$(diag 0 monitor_write "")" "$rip" || fail "$stderr"
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case K at RIP $rip"
  companion_ok 1
  no_output_dir
  untouched
}

@test "monitor_write: through its own tables, reads, writes and fetches past the region are accesses outside RAM" {
  # A read where no memory is: an access outside RAM, at the reading
  # instruction.
  hrun "$(hg monitor_write)" <<<"0:u"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 monitor_write "access outside RAM: 4-byte read from guest-physical address 0x40010000 at RIP $(monitor_rip)")"
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case u at RIP $(monitor_rip)"
  companion_ok 1
  # A write: KVM completes it before it exits, so RIP is already past the
  # writing instruction (movl $0, 0x40010000: 11 bytes), and the
  # diagnosis names it by where it ends rather than pretending.
  hrun "$(hg monitor_write)" <<<"0:v"
  assert_failure 1
  start=$(monitor_rip)
  [ -n "$start" ] || fail "$output"
  assert_equal "$stderr" "$(diag 0 monitor_write "access outside RAM: 4-byte write to guest-physical address 0x40010000 by the instruction ending at RIP $(printf '0x%x' $((start + 11)))")"
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case v at RIP $start"
  companion_ok 1
  # Executing where no memory is: KVM cannot fetch the instruction.
  hrun "$(hg monitor_write)" <<<"0:x"
  assert_failure 1
  assert_equal "$stderr" "$(diag 0 monitor_write "KVM could not emulate the instruction at RIP 0x40010000 (bytes: unavailable) - RIP is outside guest RAM: nothing there to run")"
  assert_equal "$(lines_of 0 monitor_write)" "monitor_write: case x at RIP 0x40010000"
  companion_ok 1
  no_output_dir
  untouched
}

# --- The console ---------------------------------------------------------------

@test "console_flood: 100 KiB with no newline arrives whole, in 4096-byte pieces beside another VM" {
  want=$(head -c 102400 < <(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n'))
  # Alone: the bytes unchanged, nothing added.
  run --separate-stderr mh -g "$(hg console_flood)" -f notes.txt </dev/null
  assert_success
  assert_equal "${#output}" 102400
  assert_equal "$output" "$want"
  assert_equal "$stderr" ""
  # Beside a companion: each piece is a tagged line of its own, and the
  # companion's lines stay whole.
  hrun "$(hg console_flood)" </dev/null
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
  mh -g "$(hg console_forge)" "$(guest counter)" -f notes.txt < /dev/null > "$IO/out" 2> "$IO/err" || status=$?
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
  assert_failure 3
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
  hrun "$(hg read_over_code)" </dev/null
  assert_success
  assert_equal "$(lines_of 0 read_over_code)" "read_over_code: running the bytes it read"
  companion_ok 1
  [[ "$stderr" == "mini_hypervisor: vm 0 (read_over_code.img): files in mini_hypervisor.out/run-"*"/vm0-read_over_code" ]] || fail "$stderr"
  assert_equal "$(stat -c %s mini_hypervisor.out/latest/vm0-read_over_code/patch.bin)" 12
  untouched
}

@test "block_self_overlap: a request block that is its own name or buffer" {
  run --separate-stderr mh -g "$(hg block_self_overlap)" "$(guest counter)" -f notes.txt blk.dat </dev/null
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
    hrun -m "$m" -p "$p" "$(hg last40_block)" </dev/null
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
  hrun "$(hg transport_mix)" </dev/null
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
  hrun "$(hg unknown_cmds)" </dev/null
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
    hrun "${opts[@]}" "$(hg open_flood)" </dev/null
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
    timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -g "$(hg quota_flood)" "$(guest counter)" -f notes.txt </dev/null
  assert_success
  assert_equal "$(lines_of 0 quota_flood | head -1)" "quota_flood: writes=4 total=16384 error=-9"
  companion_ok 1
  [[ "$stderr" == *"warning: vm 0 (quota_flood.img): "*" file operation(s) failed on the host, the last: writing 'flood.bin': File too large"* ]] ||
    fail "$stderr"
  assert_equal "$(stat -c %s mini_hypervisor.out/latest/vm0-quota_flood/flood.bin)" 16384
  untouched
}

@test "ctrl_names: names with control characters, escapes and non-UTF-8 bytes are stored as they are" {
  hrun "$(hg ctrl_names)" </dev/null
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
  hrun "$(hg sparse_write)" </dev/null
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
  hrun --quota 2048G "$(hg sparse_write)" </dev/null
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
