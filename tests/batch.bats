#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The grading example (examples/batch, installed with the documentation)
# end to end: real guests, real VMs, GNU parallel, the JSON reports
# collected by jq into one table.  tests/slurm.bats runs the same jobs
# as a Slurm job array.

load helpers

setup() {
  require_kvm
  command -v parallel >/dev/null || fail "needs GNU parallel (package parallel)"
  command -v jq >/dev/null || fail "needs jq"
  MH_BATCH=${MH_BATCH:-/usr/share/doc/mini-hypervisor/examples/batch}
  cd "$BATS_TEST_TMPDIR" || exit 1
  batch_setup
}

# batch_setup: ./guests with four guests (one halts echoing its input,
# one halts ignoring it, one faults, one spins until --timeout) and
# ./inputs with two inputs and the output expected of echo.
batch_setup() {
  mkdir guests inputs
  cp "$(guest echo)" "$(guest hello)" guests/
  cp "$(tguest page_fault)" "$(tguest spin)" guests/
  printf 'alpha\n' >inputs/one.in
  printf 'beta\ngamma\n' >inputs/two.in
  printf 'alpha\necho: end of input after 1 line\n' >inputs/one.expected
  printf 'beta\ngamma\necho: end of input after 2 lines\n' >inputs/two.expected
}

# row GUEST INPUT: that run's row of results.csv, as the JSON object jq
# makes of it (a real CSV parser: python3's csv module).
row() {
  python3 -c 'import csv, json, sys
for r in csv.DictReader(open("results/results.csv")):
    if (r["guest"], r["input"]) == (sys.argv[1], sys.argv[2]):
        print(json.dumps(r))' "$1" "$2"
}

@test "grade runs every guest against every input with GNU parallel and tabulates the reports" {
  MINI_HYPERVISOR=$MH_BIN run --separate-stderr \
    bash "$MH_BATCH/grade" -j 2 guests inputs results -- --timeout 3
  assert_success
  # One summary line per guest.
  assert_line "echo.img: 2 runs, 2 halted; output 2 match, 0 differ"
  assert_line "hello.img: 2 runs, 2 halted; output 0 match, 2 differ"
  assert_line "page_fault.img: 2 runs, 2 guest-fault; output 0 match, 2 differ"
  assert_line "spin.img: 2 runs, 2 timeout; output 0 match, 2 differ"
  assert_equal "${#lines[@]}" 4
  # The table: a header and one row per run.
  assert_equal "$(head -1 results/results.csv)" \
    '"guest","input","outcome","exit_status","wall_seconds","cpu_seconds","console_bytes","output","message"'
  assert_equal "$(tail -n +2 results/results.csv | wc -l)" 8
  local r
  r=$(row echo.img two.in)
  assert_equal "$(jq -r '.outcome + " " + .exit_status + " " + .output + " " + .console_bytes' <<<"$r")" \
    "halted 0 match $(wc -c <inputs/two.expected)"
  r=$(row page_fault.img one.in)
  assert_equal "$(jq -r '.outcome + " " + .exit_status' <<<"$r")" "guest-fault 1"
  [[ "$(jq -r .message <<<"$r")" == *"page fault (#PF)"* ]] || fail "$r"
  r=$(row spin.img one.in)
  assert_equal "$(jq -r '.outcome + " " + .exit_status' <<<"$r")" "timeout 3"
  # parallel's job log has each run's exit status, the report's.
  assert_equal "$(tail -n +2 results/joblog | wc -l)" 8
  assert_equal "$(tail -n +2 results/joblog | cut -f7 | sort | xargs)" \
    "$(jq .exit_status results/reports/*.json | sort | xargs)"
  # Each report names its image by content.
  local report job
  for report in results/reports/*.json; do
    job=$(basename "$report" .json)
    assert_equal "$(jq -r '.vms[0].image.sha256' "$report")" \
      "$(sha256sum "guests/${job%@*}" | cut -d' ' -f1)"
  done
  # The console of each run is kept beside its report.
  assert_equal "$(cat results/console/echo.img@one.in.out)" "$(cat inputs/one.expected)"
}

@test "grade refuses a directory without guests or inputs, naming it" {
  mkdir empty
  MINI_HYPERVISOR=$MH_BIN run bash "$MH_BATCH/grade" empty inputs results
  assert_failure 2
  assert_output "grade: no *.img or *.elf in empty"
  MINI_HYPERVISOR=$MH_BIN run bash "$MH_BATCH/grade" guests empty results
  assert_failure 2
  assert_output "grade: no *.in in empty"
}
