# SPDX-License-Identifier: MIT
# Shared setup for the bats tests.  The tests find what they test through
# environment variables (set by `make check`); unset, they fall back to the
# installed paths, so the same files test an installed package.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

MH_BIN=${MH_BIN:-/usr/bin/mini_hypervisor}
MH_GUESTS=${MH_GUESTS:-/usr/lib/mini-hypervisor/guests}
MH_TEST_GUESTS=${MH_TEST_GUESTS:-/usr/lib/mini-hypervisor/tests/guests}

# Every VM run is bounded: a hang fails the test instead of the suite.
MH_TIMEOUT=${MH_TIMEOUT:-30}

# mh ARGS...: runs the hypervisor under timeout(1).
mh() {
  timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" "$@"
}

guest() { printf '%s/%s.img' "$MH_GUESTS" "$1"; }
tguest() { printf '%s/%s.img' "$MH_TEST_GUESTS" "$1"; }

require_kvm() {
  [ -w /dev/kvm ] || fail "/dev/kvm is missing or not writable: these tests run real VMs"
}
