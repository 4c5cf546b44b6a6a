#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The command line: every bad input gets one line naming the culprit and
# exit status 2; --help and --version work.

load helpers

setup() {
  IMG=$(guest hello)
}

usage_error() { # usage_error EXPECTED-TEXT -- ARGS...
  local want=$1
  shift
  run --separate-stderr mh "$@"
  assert_equal "$status" 2
  [ -z "$output" ] || fail "usage error wrote to stdout: $output"
  # Exactly one line, with the program's prefix, naming the culprit.
  assert_equal "${#stderr_lines[@]}" 1
  [[ "$stderr" == "mini_hypervisor: error: "* ]] || fail "bad prefix: $stderr"
  [[ "$stderr" == *"$want"* ]] || fail "'$stderr' lacks '$want'"
}

@test "--help lists every option and exits 0" {
  run mh --help
  assert_success
  for opt in --memory --page --guest --file --timeout --verbose --version; do
    assert_output --partial -- "$opt"
  done
  assert_output --partial "default 4"
  assert_output --partial "default 2"
}

@test "--version prints the version" {
  run mh --version
  assert_success
  # A build with the sandbox-escape test hooks says so.
  assert_output --regexp '^mini_hypervisor [0-9]+\.[0-9]+\.[0-9]+( \(test hooks: not for production use\))?$'
}

@test "-m 3 is refused with the allowed values" {
  usage_error "invalid --memory value '3': must be 2, 4 or 8" -m 3 -g "$IMG"
}

@test "-m abc is refused" {
  usage_error "invalid --memory value 'abc'" -m abc -g "$IMG"
}

@test "-m with no value is refused" {
  usage_error "-m" -g "$IMG" -m
}

@test "-p 8 is refused with the allowed values" {
  usage_error "invalid --page value '8': must be 4 (4 KB pages) or 2 (2 MB pages)" -p 8 -g "$IMG"
}

@test "page sizes in every spelling are accepted" {
  for p in 4 4K 4KB 2 2M 2MB; do
    run mh -m 2 -p "$p" -g "$IMG"
    assert_success
  done
}

@test "no guest is refused" {
  usage_error "no guest image given" -m 4 -p 2
}

@test "an unknown option is refused" {
  usage_error "Unknown option --frobnicate (see mini_hypervisor --help)" --frobnicate -g "$IMG"
}

@test "a stray argument is refused" {
  usage_error "unexpected argument 'extra'" -m 4 -- extra -g "$IMG"
}

@test "-g followed by another option is a missing image" {
  usage_error "missing file name after -g/--guest (got '-m'" -g -m 4
}

@test "a missing image is refused" {
  usage_error "guest image '$BATS_TEST_TMPDIR/nope.img': No such file or directory" -g "$BATS_TEST_TMPDIR/nope.img"
}

@test "an empty image is refused" {
  : > "$BATS_TEST_TMPDIR/empty.img"
  usage_error "guest image '$BATS_TEST_TMPDIR/empty.img': file is empty" -g "$BATS_TEST_TMPDIR/empty.img"
}

@test "a directory is refused as an image" {
  usage_error "guest image '$BATS_TEST_TMPDIR': is a directory" -g "$BATS_TEST_TMPDIR"
}

@test "a device or fifo is refused as an image" {
  usage_error "guest image '/dev/null': not a regular file" -g /dev/null
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  usage_error "not a regular file" -g "$BATS_TEST_TMPDIR/fifo"
}

@test "an unreadable image is refused" {
  cp "$IMG" "$BATS_TEST_TMPDIR/secret.img"
  chmod 000 "$BATS_TEST_TMPDIR/secret.img"
  if [ "$(id -u)" = 0 ]; then
    # root reads anything: check as an unprivileged user instead.
    require_other_user
    chmod 755 "$BATS_TEST_TMPDIR"
    run --separate-stderr as_other_user "$MH_BIN" -g "$BATS_TEST_TMPDIR/secret.img"
  else
    run --separate-stderr "$MH_BIN" -g "$BATS_TEST_TMPDIR/secret.img"
  fi
  assert_equal "$status" 2
  [[ "$stderr" == *"secret.img': Permission denied"* ]] || fail "got: $stderr"
}

@test "an image larger than RAM is refused" {
  head -c $((2 * 1024 * 1024 + 1)) /dev/zero > "$BATS_TEST_TMPDIR/big.img"
  usage_error "big.img': 2097153 bytes, larger than the 2 MB of guest RAM" -m 2 -g "$BATS_TEST_TMPDIR/big.img"
  # ...but fits in 4 MB (and then runs into zeroed code: not our concern here).
}

@test "an image of exactly the RAM size is accepted" {
  # 2 MB of 'hlt' (0xF4): halts at once.
  head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' '\364' > "$BATS_TEST_TMPDIR/full.img"
  run mh -m 2 -g "$BATS_TEST_TMPDIR/full.img"
  assert_success
}

@test "a missing shared file is refused" {
  usage_error "shared file '$BATS_TEST_TMPDIR/gone.png': No such file or directory" -g "$IMG" -f "$BATS_TEST_TMPDIR/gone.png"
}

@test "a directory as shared file is refused" {
  usage_error "shared file '$BATS_TEST_TMPDIR': not a regular file" -g "$IMG" -f "$BATS_TEST_TMPDIR"
}

@test "two shared files with the same base name are refused" {
  mkdir -p "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  echo 1 > "$BATS_TEST_TMPDIR/a/data.txt"
  echo 2 > "$BATS_TEST_TMPDIR/b/data.txt"
  usage_error "have the same name 'data.txt'" -g "$IMG" -f "$BATS_TEST_TMPDIR/a/data.txt" "$BATS_TEST_TMPDIR/b/data.txt"
}

@test "a bad --timeout is refused" {
  usage_error "invalid --timeout value 'soon'" --timeout soon -g "$IMG"
  usage_error "invalid --timeout value '0'" --timeout 0 -g "$IMG"
}

@test "every form of -g and -f is accepted" {
  echo shared > "$BATS_TEST_TMPDIR/x.txt"
  echo shared > "$BATS_TEST_TMPDIR/y.txt"
  for form in "-g $IMG $IMG" "-g $IMG -g $IMG" "--guest=$IMG --guest $IMG" "--guest $IMG $IMG"; do
    # shellcheck disable=SC2086
    run mh -m 2 $form -f "$BATS_TEST_TMPDIR/x.txt" "$BATS_TEST_TMPDIR/y.txt"
    assert_success
    assert_line --index 0 --partial "Hello from mini_hypervisor guest"
    assert_equal "${#lines[@]}" 4
  done
}

@test "a missing KVM device is a clear host error with status 4" {
  MINI_HYPERVISOR_KVM=/nonexistent/kvm run --separate-stderr "$MH_BIN" -g "$IMG"
  assert_equal "$status" 4
  assert_equal "$stderr" "mini_hypervisor: error: cannot open /nonexistent/kvm: No such file or directory (is KVM enabled? load kvm_intel or kvm_amd)"
}

@test "the bash completion offers every long option --help lists" {
  completion=${MH_COMPLETION:-/usr/share/bash-completion/completions/mini_hypervisor}
  [ -f "$completion" ] || fail "no completion file at $completion"
  run mh --help
  assert_success
  want=$(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u | tr '\n' ' ')
  have=$(sed -n "/local opts='/,/'/p" "$completion" | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
  assert_equal "$have" "$want"
}

@test "every option --help lists is in the README's option table and the man page" {
  local readme=$BATS_TEST_DIRNAME/../README.md manpage=$BATS_TEST_DIRNAME/../man/mini_hypervisor.1.in
  [ -f "$readme" ] && [ -f "$manpage" ] || skip "needs the source tree's README.md and man page"
  run mh --help
  assert_success
  # The man page's OPTIONS section, with troff's \- as plain dashes.
  options=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$manpage" | sed 's/\\-/-/g')
  local n=0
  for opt in $(grep -oE -- '(^| )--?[a-zA-Z][a-z-]*' <<<"$output" | tr -d ' ' | sort -u); do
    [ "$opt" = --help ] || [ "$opt" = -h ] && continue
    n=$((n + 1))
    grep -qE "^\| .*\`$opt( [A-Z]+(\\.\\.\\.)?)?\`" "$readme" || fail "README.md's option table lacks $opt"
    grep -qE -- "(^|[ \"])$opt([ \"=,]|\$)" <<<"$options" || fail "the man page's OPTIONS lack $opt"
  done
  [ "$n" -ge 18 ] || fail "only $n options found in --help"
}

