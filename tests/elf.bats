#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ELF guests on real VMs: every example runs the same as its .elf and its
# flat .img; an ELF is loaded segment by segment and entered at e_entry;
# hostile ELF files are refused in one line that names the problem; and
# the diagnoses of an ELF guest name the function and the source line.

load helpers

setup() {
  setup_vm_test
  printf 'Hi from the host\n' > notes.txt
}

elf() { printf '%s/%s.elf' "$MH_GUESTS" "$1"; }
telf() { printf '%s/%s.elf' "$MH_TEST_GUESTS" "$1"; }

# run_both NAME INPUT DIR ARGS...: runs example NAME (from DIR: guest or
# tguest) as .img, then as .elf, with INPUT on standard input and ARGS
# before -g; each run's status, stdout and stderr go to NAME.img.* and
# NAME.elf.*, with the image's name and run directories made alike.
run_both() {
  local name=$1 input=$2 dir=$3 ext path status
  shift 3
  for ext in img elf; do
    path=$("$dir" "$name")
    path=${path%.img}.$ext
    status=0
    printf '%s' "$input" |
      mh -o out.$ext "$@" -g "$path" >"$name.$ext.out" 2>"$name.$ext.err" || status=$?
    echo "$status" >"$name.$ext.status"
    sed -i -e "s/$name\.$ext/$name.IMAGE/g" -e "s/out\.$ext/out.X/g" \
      -e 's/run-[0-9-]*/run-N/g' "$name.$ext.out" "$name.$ext.err"
  done
}

# same NAME: the .img and .elf runs of NAME gave the same status and output.
same() {
  local f
  for f in status out err; do
    cmp -s "$1.img.$f" "$1.elf.$f" ||
      fail "$1: $f differs: $(diff "$1.img.$f" "$1.elf.$f")"
  done
}

@test "every example guest gives the same output and status as .elf and .img" {
  local n=0
  run_both hello '' guest;                              same hello
  run_both memtest '' guest;                            same memtest
  run_both counter '' guest;                            same counter
  run_both echo $'one\ntwo\n' guest;                    same echo
  run_both cat 'notes.txt' guest -f notes.txt;          same cat
  run_both copy 'notes.txt copy.txt' guest -f notes.txt; same copy
  cmp notes.txt out.elf/latest/vm0-copy/copy.txt
  run_both cowdemo 'notes.txt' guest -f notes.txt;      same cowdemo
  # Not trivially equal: each did its work.
  grep -qx 'Hello from mini_hypervisor guest 0!' hello.elf.out || fail "$(cat hello.elf.out)"
  grep -qx 'memtest: 4 MiB OK' memtest.elf.out || fail "$(cat memtest.elf.out)"
  grep -qx 'Hi from the host' cat.elf.out || fail "$(cat cat.elf.out)"
  grep -qx 'copied 17 bytes' copy.elf.out || fail "$(cat copy.elf.out)"
  for f in *.elf.status; do
    [ "$(cat "$f")" = 0 ] || fail "$f: $(cat "$f")"
    n=$((n + 1))
  done
  [ "$n" -eq 7 ] || fail "$n examples ran"
  # Every installed example has its .elf beside its .img.
  for img in "$MH_GUESTS"/*.img; do
    [ "$img" = "$MH_GUESTS/hello_file.img" ] && continue  # nasm, flat only
    [ -f "${img%.img}.elf" ] || fail "no ELF for $img"
  done
}

@test "a failing guest fails the same way as .elf and .img, the ELF's RIP with a name" {
  local g
  for g in fail ud2 page_fault unknown_port mmio; do
    run_both "$g" '' tguest
    [ "$(cat "$g.img.status")" = 1 ] || fail "$g: status $(cat "$g.img.status")"
    cmp -s "$g.img.status" "$g.elf.status" || fail "$g: status differs"
    cmp -s "$g.img.out" "$g.elf.out" || fail "$g: stdout differs"
    # The diagnosis is the same but for the names after each RIP.
    sed -E 's/(RIP 0x[0-9a-f]+) \([^)]*\)/\1/g' "$g.elf.err" >"$g.elf.err.plain"
    cmp -s "$g.img.err" "$g.elf.err.plain" ||
      fail "$g: $(diff "$g.img.err" "$g.elf.err.plain")"
  done
  grep -q 'RIP 0x[0-9a-f]* (_start+0x2, unknown_port.S:[0-9]*)$' unknown_port.elf.err ||
    fail "$(cat unknown_port.elf.err)"
}

@test "an ELF is loaded at its segments' addresses, .bss zeroed, and entered at e_entry" {
  run --separate-stderr mh -g "$(telf elf_high)"
  assert_success
  assert_output "elf_high: OK"
  assert_equal "$stderr" ""
  run --separate-stderr mh -m 2 -p 4 -g "$(telf elf_high)"
  assert_success
  assert_output "elf_high: OK"
  run --separate-stderr mh -v -g "$(telf elf_high)"
  assert_success
  [[ "$stderr" == *"(ELF image, "*" bytes in RAM, "*" symbols, "*" line-table rows);"*"entry RIP 0x100002, RSP 0x400000"* ]] ||
    fail "$stderr"
}

# hostile NAME PYTHON: writes NAME.elf, a copy of hello.elf changed by
# the Python statements PYTHON (on bytearray b, with struct imported;
# helpers ph(i) = offset of program header i, loads = the PT_LOAD ones).
hostile() {
  python3 - "$(elf hello)" "$1.elf" "$2" <<'PY'
import struct, sys
src, dst, code = sys.argv[1:4]
b = bytearray(open(src, 'rb').read())
phoff, = struct.unpack_from('<Q', b, 32)
phnum, = struct.unpack_from('<H', b, 56)
ph = lambda i: phoff + 56 * i
loads = [i for i in range(phnum) if struct.unpack_from('<I', b, ph(i))[0] == 1]
exec(code)
open(dst, 'wb').write(b)
PY
}

# refused NAME MESSAGE: NAME.elf is refused before any VM runs: a usage
# error (status 2), stdout empty, and exactly this one line.
refused() {
  run --separate-stderr mh -g "$1.elf"
  assert_equal "$status" 2
  assert_output ""
  assert_equal "$stderr" "mini_hypervisor: error: guest image '$1.elf': $2"
}

@test "hostile ELF files are refused in one line naming the problem" {
  hostile elf32 'b[4] = 1'
  refused elf32 "ELF class ELF32: only ELF64 (x86-64) guests run"
  hostile bigend 'b[5] = 2'
  refused bigend "ELF data encoding big-endian: x86-64 is little-endian"
  hostile arm 'struct.pack_into("<H", b, 18, 183)'
  refused arm "ELF machine 183: not x86-64 (EM_X86_64 = 62)"
  hostile pie 'struct.pack_into("<H", b, 16, 3)'
  refused pie "ELF type 3: not an executable (ET_EXEC); link with -static -no-pie"
  hostile short 'del b[40:]'
  refused short "truncated ELF header: 40 bytes, an ELF64 header has 64"
  hostile nophdrs 'del b[phoff + 20:]'
  run --separate-stderr mh -g nophdrs.elf
  assert_equal "$status" 2
  [[ "$stderr" =~ ^"mini_hypervisor: error: guest image 'nophdrs.elf': ELF program headers outside the file (offset 0x40, "[0-9]+" entries)"$ ]] ||
    fail "$stderr"
  hostile noload 'for i in loads: struct.pack_into("<I", b, ph(i), 4)'
  refused noload "ELF file with no loadable (PT_LOAD) segment"
  hostile far 'struct.pack_into("<QQ", b, ph(loads[-1]) + 16, 0x1000000, 0x1000000)'
  run --separate-stderr mh -g far.elf
  assert_equal "$status" 2
  [[ "$stderr" =~ ^"mini_hypervisor: error: guest image 'far.elf': ELF segment "[0-9]+": guest-physical [0x1000000, 0x"[0-9a-f]+") outside the 4 MB of guest RAM (see --memory)"$ ]] ||
    fail "$stderr"
  hostile wrap 'struct.pack_into("<QQ", b, ph(loads[-1]) + 16, 0x1000, 0x1000); struct.pack_into("<Q", b, ph(loads[-1]) + 40, 2**64 - 0x800)'
  run --separate-stderr mh -g wrap.elf
  assert_equal "$status" 2
  [[ "$stderr" =~ ^"mini_hypervisor: error: guest image 'wrap.elf': ELF segment "[0-9]+": address 0x1000 + size 0xfffffffffffff800 wraps around"$ ]] ||
    fail "$stderr"
  hostile overlap 'a = struct.unpack_from("<Q", b, ph(loads[0]) + 24)[0]; struct.pack_into("<QQ", b, ph(loads[-1]) + 16, a, a)'
  run --separate-stderr mh -g overlap.elf
  assert_equal "$status" 2
  [[ "$stderr" =~ ^"mini_hypervisor: error: guest image 'overlap.elf': ELF segments overlap: [0x0, 0x"[0-9a-f]+") and [0x0, 0x"[0-9a-f]+")"$ ]] ||
    fail "$stderr"
  hostile bigfile 'struct.pack_into("<Q", b, ph(loads[0]) + 32, 0x100000); struct.pack_into("<Q", b, ph(loads[0]) + 40, 0x100000)'
  run --separate-stderr mh -g bigfile.elf
  assert_equal "$status" 2
  [[ "$stderr" =~ ^"mini_hypervisor: error: guest image 'bigfile.elf': ELF segment "[0-9]+": file bytes [0x"[0-9a-f]+", +0x100000) outside the "[0-9]+"-byte file"$ ]] ||
    fail "$stderr"
  hostile filesz 'struct.pack_into("<Q", b, ph(loads[0]) + 32, struct.unpack_from("<Q", b, ph(loads[0]) + 40)[0] + 1)'
  run --separate-stderr mh -g filesz.elf
  assert_equal "$status" 2
  [[ "$stderr" =~ ^"mini_hypervisor: error: guest image 'filesz.elf': ELF segment "[0-9]+": file size 0x"[0-9a-f]+" larger than its memory size 0x"[0-9a-f]+$ ]] ||
    fail "$stderr"
  hostile entry 'struct.pack_into("<Q", b, 24, 0x300000)'
  refused entry "ELF entry point 0x300000 outside every executable segment"
  # The stack is the top of RAM, as for a flat image: a segment may end
  # there (the guest's to leave room), but not one byte past.
  hostile edge 'struct.pack_into("<QQ", b, ph(loads[-1]) + 16, 0x400000 - 0x1000, 0x400000 - 0x1000); struct.pack_into("<Q", b, ph(loads[-1]) + 40, 0x1001)'
  run --separate-stderr mh -g edge.elf
  assert_equal "$status" 2
  [[ "$stderr" == *"guest-physical [0x3ff000, 0x400001) outside the 4 MB of guest RAM (see --memory)" ]] || fail "$stderr"
  # The untouched copy runs: the breakage, not the copying, is refused.
  hostile same 'pass'
  run mh -g same.elf
  assert_success
  assert_line "Hello from mini_hypervisor guest 0!"
}

# line_of FILE MARKER: the line number of the source line with MARKER.
line_of() { grep -n "$2" "$MH_TESTS_SRCDIR/guests/$1" | cut -d: -f1; }

# a2l ELF ADDR: "function, file:line" as binutils' addr2line says: an
# independent check of what the hypervisor read itself (src/debug/symbols.c).
a2l() {
  local out fn loc
  out=$(addr2line -f -e "$1" "$(printf '0x%x' "$(($2))")")
  fn=$(sed -n 1p <<<"$out")
  loc=$(sed -n 2p <<<"$out")
  printf '%s, %s' "$fn" "$(basename "${loc%% *}")"
}

@test "a page fault in an ELF guest names the function, offset and line" {
  run --separate-stderr mh -g "$(telf elf_page_fault)"
  assert_equal "$status" 1
  assert_output "elf_page_fault: filling past the end of RAM"
  local line re rip rsp
  line=$(line_of elf_page_fault.c '/\* FAULT \*/')
  re="^mini_hypervisor: error: vm 0 \(elf_page_fault.elf\): page fault \(#PF\) at RIP (0x[0-9a-f]+) \(fill_buffer\+0x[0-9a-f]+, elf_page_fault.c:$line\): write to address 0x400000 \(CR2\), outside guest RAM; error code 0x2 \(not present, write, supervisor\); RSP (0x[0-9a-f]+)$"
  [[ "$stderr" =~ $re ]] || fail "$stderr"
  rip=${BASH_REMATCH[1]} rsp=${BASH_REMATCH[2]}
  # binutils reads the same DWARF the same way.
  assert_equal "$(a2l "$(telf elf_page_fault)" "$rip")" "fill_buffer, elf_page_fault.c:$line"
  # The flat image of the same code: the same fault, no names.
  run --separate-stderr mh -g "$(tguest elf_page_fault)"
  assert_equal "$status" 1
  assert_equal "$stderr" "mini_hypervisor: error: vm 0 (elf_page_fault.img): page fault (#PF) at RIP $rip: write to address 0x400000 (CR2), outside guest RAM; error code 0x2 (not present, write, supervisor); RSP $rsp"
}

@test "a call outside RAM from an ELF guest names the caller" {
  run --separate-stderr mh -g "$(telf elf_jump)"
  assert_equal "$status" 1
  assert_output "elf_jump: calling past RAM"
  local re ret rsp line
  line=$(line_of elf_jump.c '/\* CALL \*/')
  re="^mini_hypervisor: error: vm 0 \\(elf_jump.elf\\): page fault \\(#PF\\) at RIP 0x400000: instruction fetch from address 0x400000 \\(CR2\\), outside guest RAM; error code 0x10 \\(not present, fetch, supervisor\\); RSP (0x[0-9a-f]+); called from main\\+0x[0-9a-f]+, elf_jump.c:$line, if the word at RSP, (0x[0-9a-f]+), is a return address$"
  [[ "$stderr" =~ $re ]] || fail "$stderr"
  rsp=${BASH_REMATCH[1]} ret=${BASH_REMATCH[2]}
  # The instruction before the return address is the call, on that line.
  assert_equal "$(a2l "$(telf elf_jump)" "$((ret - 1))")" "main, elf_jump.c:$line"
  [[ "$stderr" == *"main+$(printf '0x%x' "$((ret - 0x$(nm "$(telf elf_jump)" | sed -n 's/ T main$//p')))"), "* ]] ||
    fail "offset of $ret in main: $stderr"
  # A flat image has no names to give: today's diagnosis.
  run --separate-stderr mh -g "$(tguest elf_jump)"
  assert_equal "$status" 1
  assert_equal "$stderr" "mini_hypervisor: error: vm 0 (elf_jump.img): page fault (#PF) at RIP 0x400000: instruction fetch from address 0x400000 (CR2), outside guest RAM; error code 0x10 (not present, fetch, supervisor); RSP $rsp"
}

@test "an unknown port in an ELF guest names the function and line of the OUT" {
  run --separate-stderr mh -g "$(telf elf_port)"
  assert_equal "$status" 1
  assert_output "elf_port: writing to port 0x80"
  local re rip
  re="^mini_hypervisor: error: vm 0 \(elf_port.elf\): 1-byte OUT on unknown port 0x80 at RIP (0x[0-9a-f]+) \(poke_port\+0x[0-9a-f]+, elf_port.c:$(line_of elf_port.c '/\* PORT \*/')\)$"
  [[ "$stderr" =~ $re ]] || fail "$stderr"
  rip=${BASH_REMATCH[1]}
  # RIP is the OUT itself (e6 80), not the instruction after it.
  [ "$(od -An -tx1 -j "$((rip))" -N 2 "$(tguest elf_port)" | tr -d ' ')" = e680 ] ||
    fail "no OUT at $rip"
}

@test "with -v a guest fault also gives the fault in full, the registers and the bytes at RIP" {
  run --separate-stderr mh -v -g "$(telf elf_page_fault)"
  assert_equal "$status" 1
  local diag rip n
  diag=$(grep -n ': error: vm 0 (elf_page_fault.elf): page fault (#PF) at RIP ' <<<"$stderr") ||
    fail "$stderr"
  n=${diag%%:*}
  rip=$(sed -E 's/.* at RIP (0x[0-9a-f]+) .*/\1/' <<<"$diag")
  # The lines after the diagnosis, in this order.
  local prefix="mini_hypervisor: vm 0 (elf_page_fault.elf): "
  mapfile -t after < <(tail -n +"$((n + 1))" <<<"$stderr")
  [[ "${after[0]}" =~ ^"${prefix}fault: vector 14, error code 0x2 (not present, write, supervisor), RIP $rip (fill_buffer+0x"[0-9a-f]+", elf_page_fault.c:"[0-9]+"), RSP 0x"[0-9a-f]+", CR2 0x400000"$ ]] ||
    fail "${after[0]}"
  [[ "${after[1]}" =~ ^"${prefix}registers: rax 0x"[0-9a-f]{16}"  rbx 0x" ]] || fail "${after[1]}"
  [[ "${after[2]}" =~ ^"${prefix}registers: rsi 0x"[0-9a-f]{16}"  rdi 0x00000000003ffff0  rbp" ]] ||
    fail "${after[2]} (rdi: fill_buffer's first argument, RAM size - 16)"
  [[ "${after[4]}" =~ ^"${prefix}registers: r12 " ]] || fail "${after[4]}"
  # The bytes at RIP are the image's bytes there.
  assert_equal "${after[5]}" "${prefix}bytes at RIP:$(od -An -tx1 -v -j "$((rip))" -N 15 "$(tguest elf_page_fault)" | tr -s ' \n' ' ' | sed 's/ $//')"
  [ "${#after[@]}" -eq 6 ] || fail "extra lines: ${after[*]}"
  # Without -v: the diagnosis alone, one line.
  run --separate-stderr mh -g "$(telf elf_page_fault)"
  [ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "$stderr"
}

@test "the names come with the sandbox in every mode: all read before it closes" {
  local mode
  for mode in strict on off; do
    run --separate-stderr mh --sandbox "$mode" -g "$(telf elf_page_fault)" "$(telf elf_port)"
    assert_equal "$status" 1
    [[ "$stderr" == *"vm 0 (elf_page_fault.elf): page fault (#PF) at RIP 0x"*" (fill_buffer+0x"*", elf_page_fault.c:"* ]] ||
      fail "$mode: $stderr"
    [[ "$stderr" == *"vm 1 (elf_port.elf): 1-byte OUT on unknown port 0x80 at RIP 0x"*" (poke_port+0x"*", elf_port.c:"*")" ]] ||
      fail "$mode: $stderr"
  done
}

# --- ELF memory bombs (issue 19) ------------------------------------------
# A few bytes of file that stand for gigabytes (zlib), or for a table
# entry per byte, made at test time by tests/elf-bomb.  Memory is checked
# without timing: each run is under an address-space limit of the guest
# RAM (4 MiB) plus the process's own baseline (a run of hello.elf needs
# 24 MiB of address space in all, RAM included: 16 fails) plus the 64 MiB
# that any ELF of 16 MiB or less may cost (mini_hypervisor(1), LIMITS).
bomb() { "$MH_TESTS_SRCDIR/elf-bomb" "$@"; }
bounded() { prlimit --as=$(((24 + 64) << 20)) "$@"; }

# hello_with_warning IMAGE WARNING: IMAGE (hello.elf with a bomb) runs
# to its end within the bound, its stderr WARNING alone ("" for none).
hello_with_warning() {
  run --separate-stderr bounded "$MH_BIN" -g "$1"
  assert_success
  assert_line "Hello from mini_hypervisor guest 0!"
  assert_equal "$stderr" "$2"
}

@test "ELF bombs: compressed debug sections are inflated within a bound, and only those read" {
  local w="mini_hypervisor: warning: guest image"
  # .debug_info (2 GiB inflated, from 2 MB) is never read: no cost, no
  # warning, and the names still come from .debug_line.
  bomb zinfo "$(telf elf_page_fault)" zinfo.elf
  run --separate-stderr bounded "$MH_BIN" -g zinfo.elf
  assert_equal "$status" 1
  assert_output "elf_page_fault: filling past the end of RAM"
  [[ "$stderr" =~ ^"mini_hypervisor: error: vm 0 (zinfo.elf): page fault (#PF) at RIP 0x"[0-9a-f]+" (fill_buffer+0x"[0-9a-f]+", elf_page_fault.c:$(line_of elf_page_fault.c '/\* FAULT \*/')): write to address 0x400000 (CR2)" ]] ||
    fail "$stderr"
  # The line table itself, compressed either way: refused unread.
  bomb zline "$(elf hello)" zline.elf
  hello_with_warning zline.elf "$w 'zline.elf': .debug_line inflates to 2147483648 bytes, more than 4194304 (compressed sections, in total): diagnoses name no source lines"
  bomb zdline "$(elf hello)" zdline.elf
  hello_with_warning zdline.elf "$w 'zdline.elf': .zdebug_line inflates to 2147483648 bytes, more than 4194304 (compressed sections, in total): diagnoses name no source lines"
  # Within the bound, a compressed line table names lines as a plain one.
  bomb zline "$(telf elf_page_fault)" zsmall.elf 65536
  run --separate-stderr bounded "$MH_BIN" -g zsmall.elf
  assert_equal "$status" 1
  [[ "$stderr" == *"(fill_buffer+0x"*", elf_page_fault.c:$(line_of elf_page_fault.c '/\* FAULT \*/')): write to"* ]] ||
    fail "$stderr"
}

@test "ELF bombs: big line and symbol tables are left out with one warning, the guest runs" {
  local w="mini_hypervisor: warning: guest image"
  bomb lines "$(elf hello)" lines.elf
  hello_with_warning lines.elf "$w 'lines.elf': line tables of more than 524288 rows: diagnoses name no source lines"
  # 20000 files in a 64 KiB directory: base names only, no warning.
  bomb files "$(elf hello)" files.elf
  hello_with_warning files.elf ""
  bomb symtab "$(elf hello)" symtab.elf $((15 << 20))
  hello_with_warning symtab.elf "$w 'symtab.elf': symbol table of 655378 entries, more than 65536: diagnoses name no functions"
  # All at once, 15 MiB: one line for the image.
  bomb all "$(elf hello)" all.elf
  [ "$(stat -c %s all.elf)" -le $((16 << 20)) ] || fail "all.elf: $(stat -c %s all.elf) bytes"
  hello_with_warning all.elf "$w 'all.elf': symbol table of 480615 entries, more than 65536: diagnoses name no functions; line tables of more than 524288 rows: diagnoses name no source lines"
  # Every table just within the limits, in a file of 16 MiB: all read,
  # within the same bound.
  bomb max "$(elf hello)" max.elf
  run --separate-stderr bounded "$MH_BIN" -v -g max.elf
  assert_success
  assert_line "Hello from mini_hypervisor guest 0!"
  [[ "$stderr" == *" symbols, 524286 line-table rows);"* ]] || fail "$stderr"
  [[ "$stderr" != *warning* ]] || fail "$stderr"
  # One warning per image, however many VMs run it.
  run --separate-stderr bounded "$MH_BIN" -g lines.elf lines.elf
  assert_success
  assert_equal "$stderr" "$w 'lines.elf': line tables of more than 524288 rows: diagnoses name no source lines"
}

@test "ELF bombs: files past the load limits are refused before they cost anything" {
  bomb symtab "$(elf hello)" symtab24.elf
  run --separate-stderr bounded "$MH_BIN" -g symtab24.elf
  assert_equal "$status" 2
  assert_equal "$stderr" "mini_hypervisor: error: guest image 'symtab24.elf': ELF file of $(stat -c %s symtab24.elf) bytes, larger than 16 MiB"
  bomb shdrs "$(elf hello)" shdrs.elf
  run --separate-stderr bounded "$MH_BIN" -g shdrs.elf
  assert_equal "$status" 2
  assert_equal "$stderr" "mini_hypervisor: error: guest image 'shdrs.elf': ELF file with 250017 section headers, more than 4096"
}
