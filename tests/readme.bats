#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The documentation against the program: every command in the README's
# example blocks runs and prints what the README shows, and
# mini_hypervisor(1) names every example guest that is built.
#
# A ```console block of README.md is a session: `$ COMMAND` lines, each
# followed by the output it shows (standard output and error together).
# Each block runs in a scratch directory holding the example guests, the
# test guests (page_fault.img) and the files of the README's blocks
# marked `<!-- test: file NAME -->`; `mini_hypervisor` there is MH_BIN.
# Compared after leaving out what changes from run to run (times in ms, a
# run directory's date and PID) and what only a test build prints (the
# test-hooks port).  Lines tagged [N:...] by several VMs are compared VM
# by VM, in order, since VMs interleave differently from run to run;
# output of one VM is compared line by line.

load helpers

README=${MH_TESTS_SRCDIR:-$BATS_TEST_DIRNAME}/../README.md

setup() {
  [ -f "$README" ] || skip "needs the source tree's README.md"
}

# readme_sessions: the README's console blocks as lines "B N" (block N
# starts), "C COMMAND" and "O OUTPUT-LINE".
readme_sessions() {
  awk '
    /^```console$/ { inside = 1; n++; print "B " n; next }
    inside && /^```/ { inside = 0; next }
    inside && /^\$ / { print "C " substr($0, 3); next }
    inside { print "O " $0 }' "$README"
}

# readme_files DIR: writes each block marked <!-- test: file NAME --> to
# DIR/NAME.
readme_files() {
  awk -v dir="$1" '
    /^<!-- test: file [^ ]+ -->$/ { name = $4; next }
    name != "" && /^```/ {
      if (inside) { close(dir "/" name); name = ""; inside = 0 } else inside = 1
      next
    }
    inside { print > (dir "/" name) }' "$README"
}

# normalize: what may differ from run to run, and test-build extras, out.
normalize() {
  sed -E -e 's/ [0-9]+(\.[0-9]+)? ms/ N ms/g' \
    -e 's/run-[0-9]{8}-[0-9]{6}-[0-9]+/run-DATE-TIME-PID/g' \
    -e 's/; port 0x2f0 \(test hooks\): [0-9]+ out, [0-9]+ in//'
}

# by_vm: tagged output grouped by VM (stable), each VM's lines in order;
# a summary line "mini_hypervisor: vm N ..." belongs to VM N.
by_vm() {
  awk '{
      key = "-"
      if (match($0, /^\[[0-9]+:/)) key = substr($0, 2, RLENGTH - 2)
      else if (match($0, /^mini_hypervisor: (error: )?vm [0-9]+ /)) {
        k = substr($0, 1, RLENGTH - 1); sub(/.* /, "", k); key = k
      }
      printf "%s\t%s\n", key, $0
    }' | sort -s -t "$(printf '\t')" -k1,1
}

@test "every command in the README's console blocks prints what the README shows" {
  local tmp=$BATS_TEST_TMPDIR files bin n=0 failed=0 kind text cmd
  files=$tmp/files bin=$tmp/bin
  mkdir -p "$files" "$bin"
  ln -s "$MH_BIN" "$bin/mini_hypervisor"
  readme_files "$files"
  local -a cmds=() outs=()
  run_session() { # runs the commands of one block, compares each output
    [ ${#cmds[@]} -gt 0 ] || return 0
    local dir=$tmp/block$n i got want status
    mkdir "$dir"
    # Copies, not links: a command may write an image of the same name.
    cp "$MH_GUESTS"/*.img "$dir/"
    [ ! -f "$MH_TEST_GUESTS/page_fault.img" ] || cp "$MH_TEST_GUESTS/page_fault.img" "$dir/"
    [ ! -f "$MH_TEST_GUESTS/elf_page_fault.elf" ] || cp "$MH_TEST_GUESTS/elf_page_fault.elf" "$dir/"
    cp "$files"/* "$dir/" 2>/dev/null || true
    for i in "${!cmds[@]}"; do
      status=0
      got=$(cd "$dir" && PATH=$bin:$PATH timeout --kill-after=5 "$MH_TIMEOUT" \
        bash -c "${cmds[i]}" </dev/null 2>&1) || status=$?
      want=${outs[i]}
      if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "block $n: '${cmds[i]}' did not end within $MH_TIMEOUT s"; failed=1; continue
      fi
      # A command whose shown output has an error line must fail, any
      # other must succeed.
      if [[ $'\n'"$want" == *$'\n'"mini_hypervisor: error: "* ]]; then
        [ "$status" -ne 0 ] || { echo "block $n: '${cmds[i]}' succeeded, the README shows an error"; failed=1; }
      else
        [ "$status" -eq 0 ] || { echo "block $n: '${cmds[i]}' failed with status $status: $got"; failed=1; }
      fi
      got=$(normalize <<<"$got") want=$(normalize <<<"$want")
      if grep -q '^\[[0-9][0-9]*:' <<<"$want"; then
        got=$(by_vm <<<"$got") want=$(by_vm <<<"$want")
      fi
      if [ "$got" != "$want" ]; then
        echo "block $n: '${cmds[i]}' prints what the README does not show:"
        diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
        failed=1
      fi
    done
    cmds=() outs=()
  }
  while IFS= read -r line; do
    kind=${line%% *} text=${line#? }
    case $kind in
      B) run_session; n=${text} ;;
      C) cmds+=("$text"); outs+=("") ;;
      O) i=$((${#outs[@]} - 1))
        [ "$i" -ge 0 ] || { echo "block $n: output before any command"; failed=1; continue; }
        [ "$text" != "..." ] || { echo "block $n: '...' hides lines of '${cmds[i]}'"; failed=1; }
        outs[i]=${outs[i]:+${outs[i]}$'\n'}$text ;;
    esac
  done < <(readme_sessions)
  run_session
  [ "$n" -ge 5 ] || fail "found only $n console blocks in $README"
  [ "$failed" -eq 0 ] || fail "the README and the program disagree (above)"
}

# A gdb session as the README and mini_hypervisor(1) show it: two
# terminals, marked in README.md by <!-- test: gdb session: terminal N -->
# before a ``` block, and in the man page by a .\" comment of the same
# words before a .nf block.  Terminal 1 runs the hypervisor (`$ ` line),
# whose output follows; terminal 2 runs gdb (`$ ` line), then commands at
# gdb's prompt ("(gdb) " lines), each followed by what gdb prints.  Run
# here as shown, with two changes: the hypervisor listens on a port the
# kernel picks (--gdb tcp::0 for -s: tests run in parallel), written
# back as 1234 before comparing; and gdb gets -nx (no ~/.gdbinit).  gdb
# reads its commands from a pipe, so it prints its prompts but not the
# commands: the transcript is rebuilt by putting each command after its
# prompt.  The guest's sources are where gdb finds them: installed, or,
# in the build tree, the source tree's guests/ beside the images.

# gdb_session_blocks FILE KIND: terminal 1's lines, a line "--", then
# terminal 2's, from README.md (KIND readme) or a man page (KIND man).
gdb_session_blocks() {
  local n
  for n in 1 2; do
    [ "$n" = 1 ] || echo --
    if [ "$2" = readme ]; then
      MARK="<!-- test: gdb session: terminal $n -->" awk '
        $0 == ENVIRON["MARK"] { want = 1; next }
        want && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$1"
    else
      zcat -f "$1" | MARK=".\\\" test: gdb session: terminal $n" awk '
        $0 == ENVIRON["MARK"] { want = 1; next }
        want && $0 == ".nf" { inside = 1; next }
        inside && $0 == ".fi" { exit }
        inside && !/^\.R[SE]/ { print }' |
        sed -e 's/\\f[BRI]//g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" \
          -e 's/\\(dq/"/g' -e 's/\\&//g' -e 's/\\e/\\/g'
    fi
  done
}

# run_gdb_session FILE KIND: runs the session FILE shows and compares.
run_gdb_session() {
  local file=$1 kind=$2 dir=$BATS_TEST_TMPDIR/$2 blocks hv gdbcmd port
  local -a t1 t2 cmds=()
  command -v gdb >/dev/null || fail "gdb is missing: this test runs the real gdb"
  require_kvm
  blocks=$(gdb_session_blocks "$file" "$kind")
  mapfile -t t1 < <(sed '/^--$/,$d' <<<"$blocks")
  mapfile -t t2 < <(sed '1,/^--$/d' <<<"$blocks")
  [ "${#t1[@]}" -ge 2 ] && [ "${#t2[@]}" -ge 2 ] ||
    fail "$file: no gdb session marked for this test"
  [[ ${t1[0]} == '$ mini_hypervisor '* && ${t2[0]} == '$ gdb '* ]] ||
    fail "$file: the session's terminals do not start with mini_hypervisor and gdb: '${t1[0]}', '${t2[0]}'"
  mkdir -p "$dir"
  cp "$MH_GUESTS"/*.img "$MH_GUESTS"/*.elf "$dir/"
  [ ! -d "$MH_TESTS_SRCDIR/../guests/examples" ] || ln -s "$MH_TESTS_SRCDIR/../guests" "$dir/guests"
  hv=${t1[0]#\$ mini_hypervisor }
  hv=${hv/-s /--gdb tcp::0 }
  (cd "$dir" && exec timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" $hv >hv.out 2>&1) &
  local hv_pid=$!
  for _ in $(seq 600); do
    grep -q 'gdb: target remote' "$dir/hv.out" 2>/dev/null && break
    kill -0 "$hv_pid" 2>/dev/null || break
    sleep 0.05
  done
  port=$(sed -n 's/.*gdb: target remote :\([0-9]*\)$/\1/p' "$dir/hv.out")
  [ -n "$port" ] || fail "the hypervisor did not listen: $(cat "$dir/hv.out")"
  for line in "${t2[@]:1}"; do
    [[ $line != '(gdb) '* ]] || cmds+=("${line#(gdb) }")
  done
  gdbcmd=${t2[0]#\$ gdb }
  gdbcmd=${gdbcmd//:1234/:$port}
  (cd "$dir" && printf '%s\n' "${cmds[@]}" |
     timeout --kill-after=5 "$MH_TIMEOUT" bash -c "exec gdb -nx $gdbcmd" >gdb.raw 2>&1) ||
    fail "gdb failed: $(cat "$dir/gdb.raw")"
  wait "$hv_pid" || fail "the hypervisor failed: $(cat "$dir/hv.out")"
  # The prompts gdb printed, each followed by its command; the last
  # prompt (at the end of its input) goes.
  local got want
  got=$(CMDS=$(printf '%s\037' "${cmds[@]}") awk '
    { text = text $0 "\n" }
    END {
      n = split(ENVIRON["CMDS"], c, "\037") - 1
      i = 0
      while ((p = index(text, "(gdb) ")) > 0) {
        out = out substr(text, 1, p - 1)
        text = substr(text, p + 6)
        if (++i > n) { text = ""; break }
        out = out "(gdb) " c[i] "\n"
      }
      printf "%s%s", out, text
    }' "$dir/gdb.raw" | sed -e "s/:$port\b/:1234/g")
  want=$(printf '%s\n' "${t2[@]:1}")
  if [ "$got" != "$want" ]; then
    diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
    fail "$file: terminal 2 (gdb) is not what gdb prints (above: < the document, > gdb)"
  fi
  got=$(sed "s/:$port\$/:1234/" "$dir/hv.out")
  want=$(printf '%s\n' "${t1[@]:1}")
  if [ "$got" != "$want" ]; then
    diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
    fail "$file: terminal 1 (mini_hypervisor) is not what it prints (above: < the document, > mini_hypervisor)"
  fi
}

@test "the README's gdb session is what gdb and mini_hypervisor print" {
  run_gdb_session "$README" readme
}

@test "mini_hypervisor(1)'s gdb session is what gdb and mini_hypervisor print" {
  local man1=${MH_MAN1:-$(dirname "$MH_BIN")/../man/mini_hypervisor.1}
  [ -f "$man1" ] || man1=$(man -w mini_hypervisor 2>/dev/null) || true
  [ -f "$man1" ] || skip "no mini_hypervisor(1) here"
  run_gdb_session "$man1" man
}

@test "mini_hypervisor(1) FILES names every example guest and the configured paths" {
  local man1 files img
  man1=${MH_MAN1:-$(dirname "$MH_BIN")/../man/mini_hypervisor.1}
  [ -f "$man1" ] || man1=$(man -w mini_hypervisor 2>/dev/null) || true
  [ -f "$man1" ] || skip "no mini_hypervisor(1) here"
  files=$(zcat -f "$man1" | sed -n '/^\.SH FILES$/,/^\.SH /p' | sed 's/\\-/-/g')
  [ -n "$files" ] || fail "$man1 has no FILES section"
  [[ $files != *@*@* ]] || fail "$man1 has an unsubstituted @variable@: $files"
  for img in "$MH_GUESTS"/*.img; do
    [[ $files == *"$(basename "$img")"* ]] || fail "FILES does not name $(basename "$img")"
  done
  # It names the configured paths, as mini-hypervisor.pc does: the build
  # tree's, or the installed one's.
  local pc=${MH_PC:-$(dirname "$MH_BIN")/../guests/mini-hypervisor.pc} var dir
  [ -f "$pc" ] || pc=mini-hypervisor
  pkg-config --exists "$pc" || skip "no mini-hypervisor.pc to compare with"
  for var in guestsdir examplesdir sdkdir; do
    dir=$(pkg-config --variable="$var" "$pc")
    [ -n "$dir" ] || fail "$pc has no $var"
    [[ $files == *"$dir/"* ]] || fail "FILES does not name $dir/ ($var)"
  done
}

# What the README's Packages section says of the package build: without a
# working /dev/kvm, the unit tests run, then the whole suite in the KVM
# host, and a `debian/rules:` line says so; a KVM host that cannot start
# fails the build.  debian/rules runs here with dh_auto_test and
# tests/kvm-host replaced by stubs that log how they were called.
@test "the package build runs the end-to-end tests in the KVM host when /dev/kvm does not work" {
  local src=${MH_TESTS_SRCDIR:-$BATS_TEST_DIRNAME}/.. tree=$BATS_TEST_TMPDIR/pkg
  [ -f "$src/debian/rules" ] || skip "needs the source tree's debian/rules"
  mkdir -p "$tree/debian" "$tree/tests" "$tree/bin"
  cp "$src/debian/rules" "$tree/debian/"
  printf '#!/bin/sh\necho "dh_auto_test $*" >>"$LOG"\n' >"$tree/bin/dh_auto_test"
  chmod +x "$tree/bin/dh_auto_test"
  cat >"$tree/tests/kvm-host" <<'STUB'
[ "$1" != --native-works ] || exit 1
echo "kvm-host $*" >>"$LOG"
exit "$KVM_HOST_STATUS"
STUB
  export LOG=$tree/log
  cd "$tree"
  KVM_HOST_STATUS=0 run env -u MAKEFLAGS -u DEB_BUILD_OPTIONS PATH="$tree/bin:$PATH" \
    make -s -f debian/rules override_dh_auto_test
  assert_success
  assert_line --partial "debian/rules: no working /dev/kvm"
  assert_line "debian/rules: the KVM host ran the unit and end-to-end tests: all passed"
  run cat "$LOG"
  assert_line --index 0 "dh_auto_test -- bats_tests="
  assert_line --index 1 --regexp '^kvm-host -- .*make check'
  rm "$LOG"
  KVM_HOST_STATUS=125 run env -u MAKEFLAGS -u DEB_BUILD_OPTIONS PATH="$tree/bin:$PATH" \
    make -s -f debian/rules override_dh_auto_test
  assert_failure
  assert_line --partial "debian/rules: the KVM host could not run the end-to-end tests (status 125"
}
