#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The grading example (examples/batch, installed with the documentation)
# end to end: real guests, real VMs, GNU parallel, the JSON reports
# collected by jq into one table.  tests/slurm.bats runs the same jobs
# as a Slurm job array.

load helpers

setup() {
  setup_vm_test
  command -v parallel >/dev/null || fail "needs GNU parallel (package parallel)"
  command -v jq >/dev/null || fail "needs jq"
  MH_BATCH=${MH_BATCH:-/usr/share/doc/mini-hypervisor/examples/batch}
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

# job_of GUEST INPUT: the number of the job that ran the guest file
# GUEST on the input file INPUT (base names), from results/jobs.
job_of() {
  local list k
  mapfile -d '' -t list <"${RESULTS:-results}/jobs"
  for ((k = 0; 2 * k < ${#list[@]}; k++)); do
    if [ "${list[2 * k]##*/}" = "$1" ] && [ "${list[2 * k + 1]##*/}" = "$2" ]; then
      echo "$k"
      return 0
    fi
  done
  return 1
}

# assert_reports_name_their_images N: the batch in results has N jobs,
# and each job's report names its own job's image, by content.
assert_reports_name_their_images() {
  local list k
  mapfile -d '' -t list <results/jobs
  assert_equal "${#list[@]}" $((2 * $1))
  for ((k = 0; k < $1; k++)); do
    assert_equal "$(jq -r '.vms[0].image.sha256' "results/reports/$k.json")" \
      "$(sha256sum <"${list[2 * k]}" | cut -d' ' -f1)"
  done
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
    '"job","guest","input","outcome","exit_status","wall_seconds","cpu_seconds","console_bytes","output","message"'
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
  # Each job's report names its job's image by content.
  assert_reports_name_their_images 8
  # The console of each run is kept beside its report.
  assert_equal "$(cat "results/console/$(job_of echo.img one.in).out")" "$(cat inputs/one.expected)"
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

@test "grade leaves an earlier batch's results alone" {
  mkdir results
  printf 'earlier\0one.in\0' >results/jobs
  MINI_HYPERVISOR=$MH_BIN run bash "$MH_BATCH/grade" guests inputs results -- --timeout 3
  assert_failure 2
  assert_output "grade: results already holds a batch (its file jobs): give a new directory"
  assert_equal "$(tr '\0' ' ' <results/jobs)" "earlier one.in "
  assert_not_exist results/reports
}

# Every name below is a file a student could hand in.  Each must get its
# own row and summary line, printed escaped, and none may reach another
# student's files or become a spreadsheet formula.
@test "grade gives every hostile guest name its own row, escaped" {
  rm guests/* inputs/two.*
  local forged=$'dave.img\e[1A\e[2K\rdave.img: 1 runs, 1 halted; output 1 match, 0 differ\e[8m.img'
  # carol's echo is right; "zz<newline>carol.img" faults (GNU parallel
  # split its name at the newline and ran it as carol.img).
  cp "$(guest echo)" guests/carol.img
  cp "$(tguest page_fault)" guests/$'zz\ncarol.img'
  # bob's is right; "bob.img@evil.img" faults (it was counted as bob's).
  cp "$(guest echo)" guests/bob.img
  cp "$(tguest page_fault)" guests/bob.img@evil.img
  # dave's spins to the time limit; the next name's escapes erased his
  # summary line and printed a forged one.
  cp "$(tguest spin)" guests/dave.img
  cp "$(guest hello)" "guests/$forged"
  # A spreadsheet formula, and a name that ends like -g's settings.
  cp "$(guest hello)" 'guests/=HYPERLINK("evil.example","x").img'
  cp "$(guest echo)" guests/c:m=8.img
  LC_ALL=C MINI_HYPERVISOR=$MH_BIN run --separate-stderr \
    bash "$MH_BATCH/grade" -j 2 guests inputs results -- --timeout 3
  assert_success
  assert_equal "$stderr" ""
  # One line per guest, in the order of the names, each escaped: no
  # escape character reaches the terminal.
  assert_output - <<'SUMMARY'
"=HYPERLINK(\"evil.example\",\"x\").img": 1 runs, 1 halted; output 0 match, 1 differ
bob.img: 1 runs, 1 halted; output 1 match, 0 differ
bob.img@evil.img: 1 runs, 1 guest-fault; output 0 match, 1 differ
"c:m=8.img": 1 runs, 1 halted; output 1 match, 0 differ
carol.img: 1 runs, 1 halted; output 1 match, 0 differ
dave.img: 1 runs, 1 timeout; output 0 match, 1 differ
"dave.img\033[1A\033[2K\rdave.img: 1 runs, 1 halted; output 1 match, 0 differ\033[8m.img": 1 runs, 1 halted; output 0 match, 1 differ
"zz\ncarol.img": 1 runs, 1 guest-fault; output 0 match, 1 differ
SUMMARY
  [[ $output != *$'\e'* ]] || fail "an escape character reached the terminal"
  # The table, read by a real CSV parser: one row per guest file, the
  # formula quoted with a leading '.
  run python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print("|".join((r["job"], r["guest"], r["input"], r["outcome"], r["exit_status"], r["output"])))' \
    results/results.csv
  assert_success
  assert_output - <<'ROWS'
0|'=HYPERLINK("evil.example","x").img|one.in|halted|0|differ
1|bob.img|one.in|halted|0|match
2|bob.img@evil.img|one.in|guest-fault|1|differ
3|c:m=8.img|one.in|halted|0|match
4|carol.img|one.in|halted|0|match
5|dave.img|one.in|timeout|3|differ
6|dave.img\033[1A\033[2K\rdave.img: 1 runs, 1 halted; output 1 match, 0 differ\033[8m.img|one.in|halted|0|differ
7|zz\ncarol.img|one.in|guest-fault|1|differ
ROWS
  assert_equal "$(sed -n 2p results/results.csv | cut -d, -f1-3)" \
    "0,\"'=HYPERLINK(\"\"evil.example\"\",\"\"x\"\").img\""
  # Each job's report is its own guest's, and its console its own.
  assert_reports_name_their_images 8
  assert_equal "$(cat results/console/4.out)" "$(cat inputs/one.expected)"
  assert_equal "$(tail -n +2 results/joblog | wc -l)" 8

  # A job whose report is lost still has its row; collect says which job
  # and fails.
  rm results/reports/7.json
  run --separate-stderr bash "$MH_BATCH/collect" results inputs
  assert_failure 1
  assert_equal "$stderr" "collect: job 7 (\"zz\ncarol.img\" with one.in): no readable report results/reports/7.json (see console/7.err)"
  assert_line '"zz\ncarol.img": 1 runs, 1 no-report; output 0 match, 1 differ'
  assert_equal "${#lines[@]}" 8
  assert_equal "$(tail -n 1 results/results.csv)" \
    '7,"zz\ncarol.img","one.in","no-report",,,,,"differ","no report"'
}

# The results path and the options are the grader's, but may hold
# spaces, quotes and $(...) too: they are passed on as they are, and
# run nothing.
@test "grade takes the results path and the options as they are" {
  rm guests/hello.img guests/page_fault.img guests/spin.img inputs/two.*
  local results='res dir$(touch pwned)' shared='share $(touch pwned).txt'
  echo shared >"$shared"
  MINI_HYPERVISOR=$MH_BIN run --separate-stderr \
    bash "$MH_BATCH/grade" guests inputs "$results" -- --timeout 3 -f "./$shared"
  assert_success
  assert_equal "$stderr" ""
  assert_output "echo.img: 1 runs, 1 halted; output 1 match, 0 differ"
  assert_not_exist pwned
  assert_equal "$(cat "$results/console/0.out")" "$(cat inputs/one.expected)"
  # The report's own record of the run: the file shared was that one.
  assert_equal "$(jq -r '.options.files | length' "$results/reports/0.json")" 1
  assert_equal "$(jq -r '.options.files[0] | sub(".*/"; "")' "$results/reports/0.json")" "$shared"
  assert_equal "$(tr '\0' '|' <"$results/options")" "--timeout|3|-f|./$shared|"
}
