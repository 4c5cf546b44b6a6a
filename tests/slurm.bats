#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The grading example as a Slurm job array, for real: a single-node
# Slurm (tests/slurm-cluster: munged, slurmctld and slurmd on this
# machine, configured in a scratch directory), the array submitted with
# examples/batch/submit-slurm, every report checked.  Not part of make
# check (it starts daemons as root); tests/run-all runs it.  Where Slurm
# cannot start, the test fails with the reason.

load helpers

setup_file() {
  cd "$BATS_FILE_TMPDIR" || exit 1
  # The cluster's directory must be searchable by munged (not the 0700
  # directory bats makes).
  SLURM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mh-slurm.XXXXXX")
  export SLURM_DIR
  if SLURM_CONF=$("$MH_TESTS_SRCDIR/slurm-cluster" start "$SLURM_DIR" 2>"$BATS_FILE_TMPDIR/cluster.err"); then
    export SLURM_CONF
  fi
  # Slurm runs here; each job runs mini_hypervisor through tests/kvm-host
  # --when-needed: on this machine's /dev/kvm where it works, else in a
  # KVM host of its own (its input file passed on with --stdin).
  MH_SLURM_BIN=$BATS_FILE_TMPDIR/mini_hypervisor
  printf '#!/bin/bash\nexec %q --when-needed --stdin -- %q "$@"\n' \
    "$MH_TESTS_SRCDIR/kvm-host" "$MH_BIN" >"$MH_SLURM_BIN"
  chmod +x "$MH_SLURM_BIN"
  export MH_SLURM_BIN
}

teardown_file() {
  "$MH_TESTS_SRCDIR/slurm-cluster" stop "$SLURM_DIR"
  rm -rf "$SLURM_DIR"
}

setup() {
  [ -n "${SLURM_CONF:-}" ] || fail "Slurm did not start: $(cat "$BATS_FILE_TMPDIR/cluster.err")"
  MH_BATCH=${MH_BATCH:-/usr/share/doc/mini-hypervisor/examples/batch}
  cd "$BATS_TEST_TMPDIR" || exit 1
}

@test "a Slurm job array grades every guest against every input" {
  mkdir guests inputs
  cp "$(guest echo)" "$(guest hello)" "$(tguest page_fault)" guests/
  printf 'alpha\n' >inputs/one.in
  printf 'beta\ngamma\n' >inputs/two.in
  printf 'beta\ngamma\necho: end of input after 2 lines\n' >inputs/two.expected
  MINI_HYPERVISOR=$MH_SLURM_BIN run --separate-stderr timeout 900 \
    bash "$MH_BATCH/submit-slurm" --wait guests inputs results -- --timeout 60
  [ "$status" -eq 0 ] ||
    fail "submit-slurm: status $status; $output; $stderr; $(tail -n 20 results/console/*.err results/slurm/*.log 2>&1)"
  # A task that wrote no report says why in its messages (mini_hypervisor's
  # own, or the KVM host's).
  [ "$(ls results/reports | wc -l)" -eq 6 ] ||
    fail "$(ls results/reports | wc -l) reports of 6; $output; $(tail -n 20 results/console/*.err results/slurm/*.log)"
  assert_line --regexp '^array job [0-9]+: 6 tasks$'
  assert_line --regexp '^collect job [0-9]+$'
  assert_line "echo.img: 2 runs, 2 halted; output 1 match, 0 differ"
  assert_line "hello.img: 2 runs, 2 halted; output 0 match, 1 differ"
  assert_line "page_fault.img: 2 runs, 2 guest-fault; output 0 match, 1 differ"
  # Every task ran job i of the list written at submission, and wrote a
  # report that names that job's image by content.
  assert_equal "$(ls results/reports | wc -l)" 6
  local list k
  mapfile -d '' -t list <results/jobs
  assert_equal "${#list[@]}" 12
  for ((k = 0; k < 6; k++)); do
    assert_equal "$(jq -r .schema "results/reports/$k.json")" mini_hypervisor-report
    assert_equal "$(jq -r '.vms[0].image.sha256' "results/reports/$k.json")" \
      "$(sha256sum <"${list[2 * k]}" | cut -d' ' -f1)"
  done
  assert_equal "$(tail -n +2 results/results.csv | wc -l)" 6
  # Job 0: echo.img with one.in (guests, then inputs, in name order).
  assert_equal "${list[0]##*/} ${list[1]##*/}" "echo.img one.in"
  assert_equal "$(cat results/console/0.out)" \
    "$(printf 'alpha\necho: end of input after 1 line')"
  # Slurm's own record: every array task ended, the faulting guest's
  # tasks with mini_hypervisor's status for a guest failure.
  ls results/slurm/mh-grade-*_[0-5].log >/dev/null
}

# The tasks wait in the queue (held) while a student adds a file that
# sorts first, and one task is cancelled: the array still runs the jobs
# listed at submission (a task that listed guests/ when it started ran
# the new file in another student's place), and collect fails, naming
# the job that left no report.
@test "a Slurm job array runs the jobs listed at submission, and collect fails on a lost task" {
  mkdir guests inputs
  cp "$(guest echo)" "$(guest hello)" guests/
  printf 'alpha\n' >inputs/one.in
  printf 'alpha\necho: end of input after 1 line\n' >inputs/one.expected
  SBATCH_HOLD=1 MINI_HYPERVISOR=$MH_SLURM_BIN run --separate-stderr \
    bash "$MH_BATCH/submit-slurm" guests inputs results -- --timeout 60
  assert_success
  local array collect
  array=$(sed -n 's/^array job \([0-9]*\): 2 tasks$/\1/p' <<<"$output")
  collect=$(sed -n 's/^collect job \([0-9]*\)$/\1/p' <<<"$output")
  [ -n "$array" ] && [ -n "$collect" ] || fail "submit-slurm said: $output; $stderr"
  cp "$(tguest page_fault)" guests/aaa.img
  scancel "${array}_1"
  scontrol release "${array}_0,$collect" # (not the cancelled task)
  # Returns once the collect job has ended.
  run timeout 900 sbatch --wait --quiet --dependency="afterany:$collect" \
    --output=/dev/null --wrap=true
  assert_success
  assert_equal "$(cat results/summary.txt)" \
    "$(printf '%s\n' 'echo.img: 1 runs, 1 halted; output 1 match, 0 differ' \
      'hello.img: 1 runs, 1 no-report')"
  run scontrol show job "$collect"
  assert_output --partial "ExitCode=1:0"
  assert_equal "$(cat results/slurm/mh-collect-"$collect".log)" \
    "collect: job 1 (hello.img with one.in): no readable report $PWD/results/reports/1.json (see console/1.err)"
  assert_equal "$(ls results/reports)" 0.json
  assert_equal "$(jq -r '.vms[0].image.sha256' results/reports/0.json)" \
    "$(sha256sum <guests/echo.img | cut -d' ' -f1)"
}
