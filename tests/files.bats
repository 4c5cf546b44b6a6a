#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The file service on port 0x278, end to end with real VMs: both
# transports, every operation and status, copy-on-write, isolation, and
# hostile requests.  The guest is fshell (tests/guests/fshell.c), which
# runs one file command per input line and prints its result.

load helpers

setup() {
  setup_vm_test
  printf 'Hi from the host\n' > notes.txt
  ORIG_SUM=$(sha256sum notes.txt)
}

# Nothing outside the output directory changed: the shared file is
# byte-identical and no other file appeared beside it.
teardown() {
  if [ -f "$BATS_TEST_TMPDIR/notes.txt" ] && [ -n "${ORIG_SUM:-}" ]; then
    (cd "$BATS_TEST_TMPDIR" && echo "$ORIG_SUM" | sha256sum --check --status) ||
      fail "the shared original changed"
  fi
}

# fsh [OPTIONS...]: runs fshell with the script on standard input, notes.txt shared.
fsh() {
  run --separate-stderr mh "$@" -g "$(tguest fshell)" -f notes.txt
}

# vmdir: the private directory of VM 0 of the latest run.
vmdir() { echo mini_hypervisor.out/latest/vm0-fshell; }

@test "read a shared file by its base name, over both transports" {
  fsh <<'EOF2'
open notes.txt r
read 0 100
y open notes.txt r
y read 1 100
y read 1 100
size 0
EOF2
  assert_success
  assert_line --index 0 "open=0"
  assert_line --index 1 'read=17 data=Hi from the host\n'
  assert_line --index 2 "open=1"
  assert_line --index 3 'read=17 data=Hi from the host\n'
  assert_line --index 4 "read=0"
  assert_line --index 5 "size=17"
  assert_line --index 6 "fshell: done"
  # Reading only: no directory was made, nothing is reported.
  assert_equal "$stderr" ""
  [ ! -e mini_hypervisor.out ] || fail "a read-only run created the output directory"
}

@test "create, write, seek, size, read back and close, over both transports" {
  for t in b y; do
    fsh <<EOF2
$t open out.txt w
$t write 0 hello world\n
$t size 0
$t close 0
$t open out.txt rw
$t seek 0 6 0
$t write 0 WORLD
$t seek 0 -3 2
$t read 0 10
$t seek 0 0 1
$t close 0
$t close 0
EOF2
    assert_success
    assert_output - <<'EOF2'
open=0
write=12
size=12
close=0
open=0
seek=6
write=5
seek=9
read=3 data=LD\n
seek=12
close=0
close=-4
fshell: done
EOF2
    assert_equal "$(cat "$(vmdir)/out.txt")" "hello WORLD"
    [[ "$stderr" == "mini_hypervisor: vm 0 (fshell.img): files in mini_hypervisor.out/run-"*"/vm0-fshell" ]] || fail "$stderr"
  done
}

@test "append, truncate and create flags" {
  fsh <<'EOF2'
open log.txt wc
write 0 one\n
close 0
open log.txt wa
write 0 two\n
close 0
open log.txt wt
write 0 three\n
close 0
open empty.txt rc
read 0 10
EOF2
  assert_success
  assert_equal "$(cat "$(vmdir)/log.txt")" "three"
  [ -f "$(vmdir)/empty.txt" ] && [ ! -s "$(vmdir)/empty.txt" ] || fail "CREATE alone did not make an empty file"
  assert_line --index 10 "read=0"
}

@test "every status: no such file, bad fd, not permitted, bad request, bad name" {
  fsh <<'EOF2'
open missing.txt r
read 7 10
close 7
size 7
open notes.txt r
write 0 x
open w.txt w
read 1 5
open notes.txt 0x0
open notes.txt rt
open notes.txt ra
open notes.txt 0x20
seek 0 0 3
seek 0 -1 0
seek 0 1099511627777 0
blockreq 9 0 0 0 0 0
y raw 090000000000000000000000000000000000000000000000
y in 8
EOF2
  assert_success
  assert_output - <<'EOF2'
open=-2
read=-4
close=-4
size=-4
open=0
write=-3
open=1
read=-3
open=-8
open=-8
open=-8
open=-8
seek=-8
seek=-8
seek=-8
blockreq=-8
raw=ok
in=f8ffffffffffffff
fshell: done
EOF2
}

@test "names that could escape are refused with the name status" {
  fsh <<EOF2
open ../notes.txt r
open /etc/passwd r
open . r
open .. rw
open a/b w
openhex - r
openhex 6100 r
openhex 2e6d682d746d702d30 w
openhex $(printf '41%.0s' $(seq 256)) w
y open ../../etc/passwd r
y openhex 2f r
EOF2
  assert_success
  for i in $(seq 0 10); do
    assert_line --index "$i" "open=-7"
  done
  [ ! -e mini_hypervisor.out ] || ls -R mini_hypervisor.out
}

@test "a name of 255 bytes works, 256 does not" {
  n255=$(printf 'a%.0s' $(seq 255))
  fsh <<EOF2
open $n255 w
open ${n255}b w
EOF2
  assert_success
  assert_line --index 0 "open=0"
  assert_line --index 1 "open=-7"
}

@test "too many open files: the limit is --max-open" {
  fsh --max-open 2 <<'EOF2'
open notes.txt r
open notes.txt r
open notes.txt r
close 0
open notes.txt r
EOF2
  assert_success
  assert_line --index 2 "open=-5"
  assert_line --index 4 "open=0"
}

@test "writing past --quota fails and writes nothing; copies count" {
  fsh --quota 20 <<'EOF2'
open a.txt w
write 0 0123456789
write 0 0123456789
write 0 x
open notes.txt w
write 1 x
read 1 5
EOF2
  assert_success
  assert_line --index 1 "write=10"
  assert_line --index 2 "write=10"
  assert_line --index 3 "write=-6"
  # Opening the shared file for writing copies nothing yet; the first
  # write needs a private copy (17 bytes), which would exceed the quota.
  assert_line --index 4 "open=1"
  assert_line --index 5 "write=-6"
  assert_equal "$(stat -c %s "$(vmdir)/a.txt")" 20
  [ ! -e "$(vmdir)/notes.txt" ] || fail "a copy past the quota was made"
}

@test "a write beyond a file's end pays for the hole: the VM's files never hold more than --quota, sparse or not" {
  fsh --quota 1K <<'EOF2'
open a.txt w
seek 0 1000 0
write 0 x
open b.txt w
seek 1 1000 0
write 1 y
write 1 y
EOF2
  assert_success
  assert_line --index 2 "write=1"
  # 1001 bytes of a.txt counted: b.txt's hole of 1000 does not fit.
  assert_line --index 5 "write=-6"
  assert_line --index 6 "write=-6"
  assert_equal "$(stat -c %s "$(vmdir)/a.txt")" 1001
  assert_equal "$(stat -c %s "$(vmdir)/b.txt")" 0
}

@test "copy-on-write: the writer sees its copy, open readers switch to it, the original stays" {
  fsh <<'EOF2'
open notes.txt r
read 0 3
open notes.txt rw
write 1 HELLO
read 0 100
open notes.txt r
read 2 100
EOF2
  assert_success
  # HELLO overwrote "Hi fr"; fd 0 had read 3 bytes of the original.
  assert_line --index 4 'read=14 data=LOom the host\n'
  assert_line --index 6 'read=17 data=HELLOom the host\n'
  assert_equal "$(cat "$(vmdir)/notes.txt")" "HELLOom the host"
  assert_equal "$(cat notes.txt)" "Hi from the host"
}

@test "opening a shared file for writing copies nothing until the first write" {
  fsh <<'EOF2'
open notes.txt w
close 0
open notes.txt rw
read 0 2
size 0
EOF2
  assert_success
  assert_line --index 3 "read=2 data=Hi"
  [ ! -e mini_hypervisor.out ] || fail "no write, yet a copy or directory was kept"
  fsh <<'EOF2'
open notes.txt r
open notes.txt wa
write 1 more\n
read 0 100
EOF2
  assert_success
  assert_line --index 3 'read=22 data=Hi from the host\nmore\n'
}

@test "a truncating open of a shared file makes an empty private copy" {
  fsh <<'EOF2'
open notes.txt wt
size 0
EOF2
  assert_success
  assert_line --index 1 "size=0"
  [ -f "$(vmdir)/notes.txt" ] && [ ! -s "$(vmdir)/notes.txt" ] || fail "no empty copy"
}

@test "8 VMs write the same shared file at once: 8 copies, original intact, readers see it" {
  for i in $(seq 0 7); do
    printf '%d:open notes.txt wa\n%d:write 0 vm %d was here\\n\n' "$i" "$i" "$i"
  done > script
  printf '8:open notes.txt r\n8:read 0 100\n' >> script
  # shellcheck disable=SC2046
  run --separate-stderr mh -g $(for _ in $(seq 9); do printf '%s ' "$(tguest fshell)"; done) -f notes.txt < script
  assert_success
  assert_line '[8:fshell.img] read=17 data=Hi from the host\n'
  for i in $(seq 0 7); do
    assert_equal "$(cat mini_hypervisor.out/latest/vm$i-fshell/notes.txt)" "$(printf 'Hi from the host\nvm %d was here' "$i")"
  done
  [ ! -e mini_hypervisor.out/latest/vm8-fshell ] || fail "the reader got a directory"
  assert_equal "$(grep -c 'files in' <<<"$stderr")" 8
}

@test "a VM cannot reach another VM's files, nor an earlier run's" {
  printf '0:open secret.txt w\n0:write 0 mine\n1:open secret.txt r\n1:open ../vm0-fshell/secret.txt r\n' > script
  run --separate-stderr mh -g "$(tguest fshell)" "$(tguest fshell)" < script
  assert_success
  assert_line '[0:fshell.img] open=0'
  assert_line '[1:fshell.img] open=-2'
  assert_line '[1:fshell.img] open=-7'
  # A later run starts with nothing but the shared files.
  run mh -g "$(tguest fshell)" <<<'open secret.txt r'
  assert_success
  assert_line --index 0 "open=-2"
}

@test "a symlink planted in the VM's directory is never followed" {
  mkfifo in
  "$MH_BIN" -g "$(tguest fshell)" -f notes.txt < in > out 2> err &
  pid=$!
  exec 5> in
  printf 'open a.txt w\nclose 0\n' >&5
  wait_for out 'close=0'
  dir=$(echo mini_hypervisor.out/run-*/vm0-fshell)
  # Replace the VM's own file with a link to a host file, and plant a
  # link under the name of a shared file's private copy-to-be.
  ln -sf /etc/passwd "$dir/a.txt"
  ln -s /etc/hostname "$dir/evil"
  before=$(sha256sum /etc/passwd)
  printf 'open a.txt r\nopen a.txt w\nopen evil r\nopen evil w\n' >&5
  exec 5>&-
  wait "$pid"
  run cat out
  assert_line --index 2 "open=-3"
  assert_line --index 3 "open=-3"
  assert_line --index 4 "open=-3"   # planted, not a regular file
  assert_line --index 5 "open=-3"   # creating it would go through the link
  assert_equal "$(sha256sum /etc/passwd)" "$before"
}

@test "a fifo or directory planted in the VM's directory is refused" {
  mkfifo in
  "$MH_BIN" -g "$(tguest fshell)" < in > out 2> err &
  pid=$!
  exec 5> in
  printf 'open p w\nclose 0\nopen d w\nclose 0\n' >&5
  wait_count out 'close=0' 2
  dir=$(echo mini_hypervisor.out/run-*/vm0-fshell)
  rm "$dir/p" "$dir/d" && mkfifo "$dir/p" && mkdir "$dir/d"
  printf 'open p r\nopen d r\n' >&5
  exec 5>&-
  wait "$pid"   # a fifo opened for reading must not hang the VM
  run cat out
  assert_line --index 4 "open=-3"
  assert_line --index 5 "open=-3"
}

# planted KIND: runs fshell with notes.txt shared; once it has made a
# file (which makes its directory) and answered (a missing name is "no
# such file"), plants KIND in its directory under
# a name it never made (x) and under the shared file's name, then opens
# both names every way over both transports.  Every one of those opens
# must be EPERM (-3): never ENOENT, never the shared original (issue 10).
planted() {
  printf 'target\n' > target.txt
  mkfifo in
  mh -g "$(tguest fshell)" -f notes.txt < in > out 2> err &
  pid=$!
  exec 5> in
  printf 'open made w\nclose 0\nopen missing r\n' >&5
  wait_for out 'open=-2' "fshell did not answer"
  dir=$(echo mini_hypervisor.out/run-*/vm0-fshell)
  for name in x notes.txt; do
    case $1 in
    fifo) mkfifo "$dir/$name" ;;
    dir) mkdir "$dir/$name" ;;
    link-file) ln -s "$BATS_TEST_TMPDIR/target.txt" "$dir/$name" ;;
    link-dir) ln -s "$BATS_TEST_TMPDIR" "$dir/$name" ;;
    esac
  done
  for t in b y; do
    for name in x notes.txt; do
      printf '%s open %s r\n%s open %s w\n' "$t" "$name" "$t" "$name"
      printf '%s open %s rw\n%s open %s wt\n' "$t" "$name" "$t" "$name"
    done
    printf '%s open missing r\n' "$t"
  done >&5
  exec 5>&-
  wait "$pid"   # no open of a FIFO may block the VM
  run cat out
  assert_output - <<EOF2
open=0
close=0
open=-2
$(printf 'open=-3\n%.0s' $(seq 8))
open=-2
$(printf 'open=-3\n%.0s' $(seq 8))
open=-2
fshell: done
EOF2
  run cat err
  refute_output --partial "failed on the host"
  assert_equal "$(cat target.txt)" "target"
}

@test "a fifo planted under a name the VM never made is refused on both transports" {
  planted fifo
  [ -p "$dir/x" ] && [ -p "$dir/notes.txt" ] || fail "the fifos were replaced"
}

@test "a directory planted under a name the VM never made is refused on both transports" {
  planted dir
  [ -d "$dir/x" ] && [ -d "$dir/notes.txt" ] || fail "the directories were replaced"
}

@test "a symlink to a file planted under a name the VM never made is refused on both transports" {
  planted link-file
  [ -L "$dir/x" ] && [ -L "$dir/notes.txt" ] || fail "the links were replaced"
}

@test "a symlink to a directory planted under a name the VM never made is refused on both transports" {
  planted link-dir
  [ -L "$dir/x" ] && [ -L "$dir/notes.txt" ] || fail "the links were replaced"
}

@test "a block whose address or buffer runs outside RAM stops only that VM" {
  printf '0:blockat 1fffff\n1:blockreq 3 0 0 10 0 1ffff8\n2:blockreq 3 0 0 ffffffff 0 10\n3:open notes.txt r\n3:read 0 5\n' > script
  run --separate-stderr mh -m 2 -g "$(tguest fshell)" "$(tguest fshell)" "$(tguest fshell)" "$(tguest fshell)" -f notes.txt < script
  assert_equal "$status" 1
  assert_line '[3:fshell.img] read=5 data=Hi fr'
  assert_line '[3:fshell.img] fshell: done'
  refute_line '[0:fshell.img] blockat=sent'
  [[ "$stderr" == *"vm 0 (fshell.img): file request block at 0x1fffff runs outside guest RAM at RIP 0x"* ]] || fail "$stderr"
  [[ "$stderr" == *"vm 1 (fshell.img): file READ buffer [0x1ffff8, +16 bytes) runs outside guest RAM"* ]] || fail "$stderr"
  [[ "$stderr" == *"vm 2 (fshell.img): file READ buffer [0x10, +4294967295 bytes) runs outside guest RAM"* ]] || fail "$stderr"
  refute_line --partial "vm 3 ("
  # The RIP named is the start of the port access: outl %eax, (%dx).
  for vm in 0 1 2; do
    rip=$(sed -n "s/^mini_hypervisor: error: vm $vm (fshell.img): .* at RIP \(0x[0-9a-f]*\)$/\1/p" <<<"$stderr")
    [ -n "$rip" ] || fail "vm $vm: no RIP in: $stderr"
    assert_equal "$(insn_at "$(tguest fshell)" "$rip" 1)" ef
  done
}

@test "random byte streams never wedge the byte channel" {
  {
    for i in $(seq 30); do
      printf 'y raw %s\n' "$(head -c $((RANDOM % 60 + 1)) /dev/urandom | od -An -tx1 | tr -d ' \n')"
      printf 'y in %d\n' $((RANDOM % 16))
      printf 'y in 64\n'
    done
    printf 'y open notes.txt r\n'
  } > script
  fsh < script
  assert_success
  # Whatever the garbage did (it may even have opened files), the channel
  # still answers a well-formed request at the end.
  [[ "${lines[-2]}" =~ ^open=[0-9]+$ ]] || fail "last request got: ${lines[-2]}"
  assert_equal "${lines[-1]}" "fshell: done"
}

@test "other widths on the file port stop the VM with a diagnosis" {
  run --separate-stderr mh -g "$(tguest file_wide)"
  assert_equal "$status" 1
  [[ "$stderr" == *"on file port 0x278 (it takes 1-byte IN/OUT, or a 4-byte OUT of a request block's address) at RIP 0x"* ]] || fail "$stderr"
  # One line, in the documented format; the RIP is the instruction's start.
  for access in 'O:2-byte OUT:66ef' 'W:2-byte IN:66ed' 'L:4-byte IN:ed'; do
    IFS=: read -r key what insn <<<"$access"
    run --separate-stderr mh -g "$(tguest file_wide)" <<<"$key"
    assert_equal "$status" 1
    [[ "$stderr" =~ ^"mini_hypervisor: error: vm 0 (file_wide.img): $what on file port 0x278 (it takes 1-byte IN/OUT, or a 4-byte OUT of a request block's address) at RIP "(0x[0-9a-f]+)$ ]] || fail "$stderr"
    assert_equal "$(insn_at "$(tguest file_wide)" "${BASH_REMATCH[1]}" $((${#insn} / 2)))" "$insn"
  done
}

@test "a shared file whose base name guests could not use is refused at start-up" {
  cp notes.txt .mh-notes
  run --separate-stderr mh -g "$(tguest fshell)" -f .mh-notes </dev/null
  assert_equal "$status" 2
  assert_equal "$stderr" "mini_hypervisor: error: shared file '.mh-notes': guests could not name it (names starting with '.mh-' are reserved)"
  [ ! -e mini_hypervisor.out ] || fail "a refused run made the output directory"
}

@test "a new run never destroys an earlier run's files" {
  run mh -g "$(tguest fshell)" <<<'open keep.txt w
write 0 first'
  first=$(readlink mini_hypervisor.out/latest)
  sleep 1
  run mh -g "$(tguest fshell)" <<<'open keep.txt w
write 0 second'
  second=$(readlink mini_hypervisor.out/latest)
  [ "$first" != "$second" ] || fail "same run directory twice"
  assert_equal "$(cat "mini_hypervisor.out/$first/vm0-fshell/keep.txt")" "first"
  assert_equal "$(cat "mini_hypervisor.out/$second/vm0-fshell/keep.txt")" "second"
}

@test "only a VM whose guest writes a file makes a directory" {
  # Seen in the system calls, not only in what is left at the end (an
  # empty directory is removed again).
  command -v strace >/dev/null || fail "needs strace"
  timeout --kill-after=5 "$MH_TIMEOUT" strace -f -qq -e trace=mkdir,mkdirat -o trace \
    "$MH_BIN" -g "$(tguest fshell)" "$(guest hello)" "$(guest hello)" \
    <<<'open made.txt w' >out 2>&1 || fail "$(cat out)"
  run grep -o 'mkdirat([^"]*"vm[^"]*"' trace
  assert_output --regexp '^mkdirat\([0-9]+, "vm0-fshell"$'
  [ -f mini_hypervisor.out/latest/vm0-fshell/made.txt ] || fail "no made.txt"
  [ ! -e mini_hypervisor.out/latest/vm1-hello ] || fail "vm1 has a directory"
  # Nobody writes: no VM makes one (the run's own is made and removed).
  timeout --kill-after=5 "$MH_TIMEOUT" strace -f -qq -e trace=mkdir,mkdirat -o trace \
    "$MH_BIN" -g "$(guest hello)" "$(tguest fshell)" </dev/null >out 2>&1 ||
    fail "$(cat out)"
  run grep -c '"vm' trace
  assert_output 0
}

@test "-o chooses the output directory; a host failure is an I/O error to the guest" {
  run --separate-stderr mh -o out/dir -g "$(tguest fshell)" <<<'open x.txt w'
  assert_success
  [ -d out/dir/latest/vm0-fshell ] || fail "no out/dir"
  run --separate-stderr mh -o /proc/nonexistent -g "$(tguest fshell)" <<<'open x.txt w'
  assert_success
  assert_line --index 0 "open=-9"
  [[ "$stderr" == *"warning: vm 0 (fshell.img): 1 file operation(s) failed on the host, the last: creating directory '/proc/nonexistent': No such file or directory"* ]] || fail "$stderr"
}

@test "the example guests: cat, copy, copy-on-write demo" {
  run mh -g "$(guest cat)" -f notes.txt <<<'notes.txt'
  assert_success
  assert_output "Hi from the host"
  run --separate-stderr mh -g "$(guest copy)" -f notes.txt <<<'notes.txt copy.txt'
  assert_success
  assert_output "copied 17 bytes"
  cmp notes.txt mini_hypervisor.out/latest/vm0-copy/copy.txt
  run mh -g "$(guest cowdemo)" "$(guest cowdemo)" -f notes.txt <<<'notes.txt'
  assert_success
  assert_line "[0:cowdemo.img] written by vm 0"
  assert_line "[1:cowdemo.img] written by vm 1"
}

@test "the assembly example uses the byte transport alone" {
  printf 'Hello, file!\n' > hello.txt
  run mh -g "$(guest hello_file)" -f hello.txt
  assert_success
  assert_output "Hello, file!"
  # Without the file it says what it needs, then fails on purpose (ud2).
  run --separate-stderr mh -g "$(guest hello_file)"
  assert_failure 1
  assert_output "hello_file: hello.txt could not be read: share it with -f ./hello.txt"
  [[ "$stderr" == "mini_hypervisor: error: vm 0 (hello_file.img): invalid opcode (#UD) at RIP "* ]] || fail "$stderr"
}

@test "the tests pass with a terminal on standard input, as when make check is typed" {
  command -v script >/dev/null || skip "needs script(1) (bsdutils)"
  # file_wide reads the console for its choice of access: from a terminal
  # nobody types on, it would wait until the time limit.
  # The inner bats starts from a clean environment, with what the tests
  # need: bats puts its internal libexec/bats-core first in PATH, whose
  # `bats` relies on functions exported by the outer one, which a
  # non-bash $SHELL drops (seen on CI: "bats_readlinkf: command not
  # found").
  local path keep v
  path=$(tr ':' '\n' <<<"$PATH" | grep -v '/libexec/bats-core' | paste -sd:)
  keep=(PATH="$path" HOME="$HOME" TMPDIR="${TMPDIR:-/tmp}")
  for v in ${!MH_@}; do keep+=("$v=${!v}"); done
  run env SHELL=/bin/sh script -qec "$(printf '%q ' env -i "${keep[@]}" \
    bats --tap --filter 'other widths on the file port' \
    "$BATS_TEST_DIRNAME/files.bats")" /dev/null
  assert_success
  assert_line --partial "ok 1 other widths on the file port"
}

