# SPDX-License-Identifier: MIT
# Shared setup for the bats tests.  The tests find what they test through
# environment variables (set by `make check`); unset, they fall back to the
# installed paths, so the same files test an installed package.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

# Every run gets a defined standard input: /dev/null unless a test gives
# it one.  bats would otherwise hand the hypervisor its own (the terminal,
# when make check is typed), and a guest that reads input would wait for
# it until the test's time limit.
exec </dev/null

MH_BIN=${MH_BIN:-/usr/bin/mini_hypervisor}
MH_GUESTS=${MH_GUESTS:-/usr/lib/mini-hypervisor/guests}
MH_TEST_GUESTS=${MH_TEST_GUESTS:-/usr/lib/mini-hypervisor/tests/guests}
# The test sources (guest sources, scripts): this directory, as in the
# autopkgtest, which runs these files from the source package.
MH_TESTS_SRCDIR=${MH_TESTS_SRCDIR:-$BATS_TEST_DIRNAME}

# on_qemu_tcg: whether the CPU is QEMU's emulation (TCG), as in the KVM
# host of tests/kvm-host.
on_qemu_tcg() { grep -q '^model name[[:space:]]*: QEMU TCG CPU' /proc/cpuinfo 2>/dev/null; }

# Every VM run is bounded: a hang fails the test instead of the suite.
# On an emulated CPU guest code runs 10 to 50 times slower, and so do the
# runs that move much data through port exits.
if [ -z "${MH_TIMEOUT:-}" ] && on_qemu_tcg; then
  MH_TIMEOUT=300
fi
MH_TIMEOUT=${MH_TIMEOUT:-30}

# mh_size FULL SMALL: FULL, or SMALL on an emulated CPU.  A test that moves
# hundreds of thousands of bytes one VM exit at a time takes minutes
# under emulation: there it uses the SMALL size, unless
# MH_TEST_FULL_SIZE=1.  tests/run-all runs the FULL size once: on
# /dev/kvm, or in the KVM host with MH_TEST_FULL_SIZE=1.
mh_size() {
  if on_qemu_tcg && [ -z "${MH_TEST_FULL_SIZE:-}" ]; then
    echo "$2"
  else
    echo "$1"
  fi
}

# mh ARGS...: runs the hypervisor under timeout(1).
mh() {
  timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" "$@"
}

guest() { printf '%s/%s.img' "$MH_GUESTS" "$1"; }
tguest() { printf '%s/%s.img' "$MH_TEST_GUESTS" "$1"; }

require_kvm() {
  [ -w /dev/kvm ] || fail "/dev/kvm is missing or not writable: these tests run real VMs"
}

# setup_vm_test: the usual start of a test that runs VMs: KVM is there,
# and the test runs in its own scratch directory.
setup_vm_test() {
  require_kvm
  cd "$BATS_TEST_TMPDIR" || exit 1
}

# The report's JSON Schema (mini_hypervisor-report(5)).
MH_REPORT_SCHEMA=${MH_REPORT_SCHEMA:-/usr/share/mini-hypervisor/report.schema.json}

# require_json_tools: jq and python3's jsonschema, with which the tests
# read reports and check them against MH_REPORT_SCHEMA.
require_json_tools() {
  command -v jq >/dev/null || fail "jq is required (apt-get install jq)"
  python3 -c 'import jsonschema' 2>/dev/null ||
    fail "python3-jsonschema is required (apt-get install python3-jsonschema)"
}

# hg NAME: the image of a hostile guest (tests/guests/hostile).
hg() { tguest "hostile/$1"; }

# wait_for FILE REGEX [WHAT]: waits until a line of FILE matches REGEX
# (bounded by MH_TIMEOUT), and fails saying WHAT did not happen.
wait_for() {
  local i
  for ((i = 0; i < MH_TIMEOUT * 20; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "${3:-$1 has no line matching '$2'}: $(cat "$1" 2>/dev/null)"
}

# wait_count FILE REGEX N: waits until N lines of FILE match REGEX.
wait_count() {
  local i
  for ((i = 0; i < MH_TIMEOUT * 20; i++)); do
    [ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    sleep 0.05
  done
  fail "$1 has fewer than $3 lines matching '$2': $(cat "$1" 2>/dev/null)"
}

# as_other_user COMMAND...: runs COMMAND as nobody (a user other than
# the one that runs the hypervisor), with the system's PATH and HOME /
# (root's own, such as a pyenv shim in /root, are not nobody's to run).
as_other_user() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
    env PATH=/usr/local/bin:/usr/bin:/bin HOME=/ "$@"
}
# require_other_user: skips the test where that cannot be done (not
# root, no setpriv, no nobody).
require_other_user() {
  [ "$(id -u)" -eq 0 ] || skip "needs root, to connect as another user (nobody)"
  command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
  id nobody >/dev/null 2>&1 || skip "needs the user nobody"
}

# insn_at IMAGE RIP N: the N bytes of IMAGE (loaded at address 0) at RIP,
# in hex without spaces: what the guest executed there.
insn_at() {
  od -An -tx1 -v -j "$(($2))" -N "$3" "$1" | tr -d ' \n'
}

# is_triple_fault TEXT PREFIX RIP [CR2]: whether TEXT is PREFIX followed by
# the diagnosis of a triple fault at RIP (CR2 as the hypervisor words it,
# e.g. "CR2 0x200000, outside guest RAM").  A triple fault happens only
# once a guest has replaced the hypervisor's IDT, GDT or page tables.
# Where the registers survive (Intel, PVM, and kvm_amd when KVM itself
# finds the triple fault, as it may with shadow paging) the diagnosis
# names RIP and CR2; when an AMD CPU shuts down, kvm_amd resets the vCPU
# before user space can read it, and the diagnosis says the RIP is lost.
# Both forms are right, and no other text is.
is_triple_fault() {
  local text=$1 prefix=$2 rip=$3 cr2=${4:+ ($4)}
  local what="an exception the guest's own IDT or page tables could not handle"
  [[ "$text" == "${prefix}triple fault at RIP $rip: $what$cr2" ||
     "$text" == "${prefix}triple fault: $what (this CPU resets the registers, so its RIP is lost)" ]]
}
