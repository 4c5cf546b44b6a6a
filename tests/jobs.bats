#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --jobs and --parallel: a job list run in one process on real VMs; the
# result lines (mini_hypervisor-report(5), checked against the installed
# JSON Schema), the summary, the exit status; each job's own input,
# files, limits and timeout; the same outcomes and output as a process
# per job; bad lists refused before anything runs.

load helpers

setup() {
  setup_vm_test
  require_json_tools
}

# valid_lines RESULTS: every line of RESULTS is one job result the schema
# accepts (#/definitions/job).
valid_lines() {
  python3 - "$MH_REPORT_SCHEMA" "$1" <<'EOF' || fail "$1 holds an invalid result: $(cat "$1")"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
job = {"$ref": "#/definitions/job", "definitions": schema["definitions"]}
n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    jsonschema.validate(json.loads(line), job, cls=jsonschema.Draft7Validator)
    n += 1
assert n > 0, "no result"
EOF
}

# of RESULTS ID FILTER: FILTER applied to job ID's result, raw.
of() { jq -r --arg id "$2" "select(.id == \$id) | $3" "$1"; }

# job ID IMAGE [MEMBERS]: one line of a job list (MEMBERS: more JSON
# members, with their leading comma).
job() { printf '{"id":"%s","image":"%s"%s}\n' "$1" "$2" "${3:-}"; }

@test "a job list: one result per job with its console, outcome and exit status; a summary; the worst status" {
  printf 'alpha\nbeta\n' >two.in
  {
    job hello "$(guest hello)"
    job echo "$(guest echo)" ',"stdin":"two.in"'
    job fault "$(tguest page_fault)"
    job spin "$(tguest spin)" ',"timeout":1'
  } >jobs.jsonl
  run -1 mh --jobs jobs.jsonl --report results.jsonl --console-dir cons
  assert_output "mini_hypervisor: 4 jobs: 2 halted, 1 guest-fault, 1 timeout"
  # --console-dir: each job's console in a file too, named by its place.
  assert_equal "$(cat cons/vm1-echo.img.console)" "$(printf 'alpha\nbeta\necho: end of input after 2 lines')"
  assert_equal "$(ls cons | wc -l)" 4
  valid_lines results.jsonl
  assert_equal "$(wc -l <results.jsonl)" 4
  assert_equal "$(of results.jsonl hello .outcome)" halted
  assert_equal "$(of results.jsonl hello .exit_status)" 0
  assert_equal "$(of results.jsonl hello .line)" 1
  # A job's guest is VM 0 of 1, as in a run of its own.
  assert_equal "$(of results.jsonl hello .console)" "$(printf 'Hello from mini_hypervisor guest 0!\nRAM: 4 MiB, pages: 2 MiB')"
  assert_equal "$(of results.jsonl echo .console)" "$(printf 'alpha\nbeta\necho: end of input after 2 lines')"
  assert_equal "$(of results.jsonl echo .console_bytes.bytes_in)" 11
  assert_equal "$(of results.jsonl fault .outcome)" guest-fault
  assert_equal "$(of results.jsonl fault .exit_status)" 1
  assert_equal "$(of results.jsonl fault .diagnosis.cr2)" $((0x400000))
  assert_equal "$(of results.jsonl spin .outcome)" timeout
  assert_equal "$(of results.jsonl spin .exit_status)" 3
  assert_equal "$(of results.jsonl spin .line)" 4
}

@test "the same outcome, diagnosis and console as a process per job" {
  printf 'one line\n' >one.in
  {
    job h84 "$(guest hello)" ',"memory":8,"page":4'
    job h22 "$(guest hello)" ',"memory":2,"page":2'
    job echo "$(guest echo)" ',"stdin":"one.in"'
    job fault "$(tguest page_fault)"
    job ud "$(tguest ud2)"
    job port "$(tguest unknown_port)"
  } >jobs.jsonl
  run mh --jobs jobs.jsonl --parallel 3 --report results.jsonl
  valid_lines results.jsonl
  local id image mem page input
  while read -r id image mem page input; do
    mh -m "$mem" -p "$page" -g "$image" --report "$id.json" <"$input" >"$id.out" 2>/dev/null || true
    assert_equal "$(of results.jsonl "$id" .outcome)" "$(jq -r '.vms[0].outcome' "$id.json")"
    assert_equal "$(of results.jsonl "$id" .diagnosis)" "$(jq -r '.vms[0].diagnosis' "$id.json")"
    assert_equal "$(of results.jsonl "$id" .memory_mb)" "$mem"
    # jq -j: the console's bytes as they are, with no newline added.
    jq -j --arg id "$id" 'select(.id == $id) | .console' results.jsonl >"$id.job"
    cmp "$id.job" "$id.out" || fail "$id: the job's console differs from its own run's"
  done <<EOF
h84 $(guest hello) 8 4 /dev/null
h22 $(guest hello) 2 2 /dev/null
echo $(guest echo) 4 2 one.in
fault $(tguest page_fault) 4 2 /dev/null
ud $(tguest ud2) 4 2 /dev/null
port $(tguest unknown_port) 4 2 /dev/null
EOF
}

@test "--parallel 1 and --parallel 4 give the same results; every job once" {
  for i in $(seq 1 6); do job "j$i" "$(guest hello)"; done >jobs.jsonl
  job bad "$(tguest page_fault)" >>jobs.jsonl
  run -1 mh --jobs jobs.jsonl --parallel 1 --report one.jsonl
  run -1 mh --jobs jobs.jsonl --parallel 4 --report four.jsonl
  assert_output "mini_hypervisor: 7 jobs: 6 halted, 1 guest-fault"
  valid_lines four.jsonl
  jq -c '[.id, .line, .outcome, .console]' one.jsonl | sort >one.sorted
  jq -c '[.id, .line, .outcome, .console]' four.jsonl | sort >four.sorted
  assert_equal "$(wc -l <one.sorted)" 7
  assert_equal "$(jq -r .id four.jsonl | sort -u | wc -l)" 7
  cmp one.sorted four.sorted
}

@test "a job's own files: its shared files, its private copy, its files in the result; the originals unchanged" {
  printf 'shared text\n' >notes.txt
  cp notes.txt notes.orig
  # The file service gives the lowest free descriptor: 0 here.
  printf 'open notes.txt wt\nwrite 0 changed\nclose 0\nopen mine.txt wc\nwrite 0 hello\nclose 0\n' >write.in
  printf 'open notes.txt r\nread 0 64\nclose 0\n' >read.in
  {
    job writer "$(tguest fshell)" ',"stdin":"write.in","files":["notes.txt"]'
    job reader "$(tguest fshell)" ',"stdin":"read.in","files":["notes.txt"]'
    job nofiles "$(tguest fshell)" ',"stdin":"read.in"'
  } >jobs.jsonl
  run mh --jobs jobs.jsonl --parallel 1 -o out --report results.jsonl
  valid_lines results.jsonl
  cmp notes.txt notes.orig
  assert_equal "$(of results.jsonl writer '.files | map(.name) | join(",")')" "mine.txt,notes.txt"
  local copy
  copy=$(of results.jsonl writer '.files[] | select(.name == "notes.txt") | .path')
  assert_equal "$(cat "$copy")" "changed"
  # The reader sees the original: the writer's copy is its own.
  [[ "$(of results.jsonl reader .console)" == *"data=shared text"* ]] ||
    fail "the reader did not read the original: $(of results.jsonl reader .console)"
  assert_equal "$(of results.jsonl reader '.files | length')" 0
  # A job without "files" has the run's -f files: none here.
  [[ "$(of results.jsonl nofiles .console)" == *"open=-"* ]] ||
    fail "a job without files opened one: $(of results.jsonl nofiles .console)"
}

@test "each job's limits are its own: output_limit, cpu_limit, timeout stop only that job" {
  {
    job flood "$(hg console_flood)" ',"output_limit":100'
    job cpu "$(tguest spin)" ',"cpu_limit":0.5'
    job slow "$(tguest spin)" ',"timeout":0.5'
    job ok "$(guest hello)"
  } >jobs.jsonl
  run -3 mh --jobs jobs.jsonl --report results.jsonl
  valid_lines results.jsonl
  assert_equal "$(of results.jsonl flood .outcome)" output-limit
  assert_equal "$(of results.jsonl flood '.console | length')" 100
  assert_equal "$(of results.jsonl cpu .outcome)" cpu-limit
  assert_equal "$(of results.jsonl slow .outcome)" timeout
  assert_equal "$(of results.jsonl ok .outcome)" halted
}

@test "a console of any bytes is a JSON string: NUL escaped, invalid UTF-8 as U+FFFD, valid UTF-8 kept" {
  printf 'a\000b\377c\303\251d\001\n' >bytes.bin
  printf 'bytes.bin\n' >name.in
  job bytes "$(guest cat)" ',"stdin":"name.in","files":["bytes.bin"]' >jobs.jsonl
  run mh --jobs jobs.jsonl --report results.jsonl
  assert_success
  valid_lines results.jsonl
  grep -qF '"console":"a\u0000b'$'\xef\xbf\xbd''c'$'\xc3\xa9''d\u0001\n"' results.jsonl ||
    fail "unexpected console string: $(cat results.jsonl)"
}

@test "results on standard output by default; the list from standard input with --jobs -" {
  job a "$(guest hello)" >jobs.jsonl
  job b "$(guest hello)" >>jobs.jsonl
  run --separate-stderr mh --jobs - <jobs.jsonl
  assert_success
  assert_equal "$stderr" "mini_hypervisor: 2 jobs: 2 halted"
  printf '%s\n' "$output" >results.jsonl
  valid_lines results.jsonl
  assert_equal "$(jq -r .id results.jsonl | sort | tr '\n' ' ')" "a b "
}

@test "a bad list is refused before anything runs: the line and the member named, exit status 2" {
  job a "$(guest hello)" >good
  cp good dup && job a "$(guest hello)" >>dup
  cp good unknown && printf '{"id":"x","image":"%s","memory":4,"colour":1}\n' "$(guest hello)" >>unknown
  cp good badmem && job m "$(guest hello)" ',"memory":3' >>badmem
  cp good noimage && printf '{"id":"y"}\n' >>noimage
  cp good missing && job z "./no-such.img" >>missing
  cp good notjson && printf '{"id":"w",}\n' >>notjson
  for list in dup unknown badmem noimage missing notjson; do
    run -2 mh --jobs "$list" --report "$list.out"
    assert_output --regexp "^mini_hypervisor: error: --jobs '$list' line 2"
    assert_equal "${#lines[@]}" 1
    [ ! -s "$list.out" ] || fail "$list: results written: $(cat "$list.out")"
  done
  : >empty
  run -2 mh --jobs empty
  assert_output "mini_hypervisor: error: --jobs 'empty': no job in it"
  run -2 mh --jobs good -g "$(guest hello)"
  assert_output --partial "exclude each other"
  run -2 mh --jobs good --gdb tcp::1234
  assert_output --partial "--jobs runs no debugger"
  run -2 mh --parallel 2 -g "$(guest hello)"
  assert_output --partial "give --jobs FILE too"
  run -2 mh --jobs good --parallel 0
  assert_output --partial "invalid --parallel value '0'"
}

@test "the results file is checked as every output file: a symbolic link is refused before anything runs" {
  job a "$(guest hello)" >jobs.jsonl
  echo precious >target
  ln -s target results.jsonl
  run -2 mh --jobs jobs.jsonl --report results.jsonl
  assert_output --regexp "^mini_hypervisor: error: cannot write the results 'results.jsonl': "
  assert_equal "$(cat target)" precious
}

@test "a signal stops the running jobs and starts no more: their results written, exit status 143" {
  for i in 1 2 3 4 5 6; do job "s$i" "$(tguest spin)"; done >jobs.jsonl
  timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" --jobs jobs.jsonl --parallel 2 \
    --report results.jsonl 2>err &
  local pid=$! mh_pid= i rc=0
  # Two jobs run (their threads are vm0 and vm1); the others wait.
  for i in $(seq 600); do
    mh_pid=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) || true
    mh_pid=${mh_pid%% *}
    [ -n "$mh_pid" ] &&
      [ "$(grep -l '^vm[0-9]' /proc/"$mh_pid"/task/*/comm 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.1
  done
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  assert_equal "$rc" 143
  assert_equal "$(wc -l <results.jsonl)" 2
  assert_equal "$(jq -r .outcome results.jsonl | sort -u)" signal
  assert_equal "$(tail -1 err)" "mini_hypervisor: 6 jobs: 2 signal, 4 not started"
}

@test "results into a pipe that closes: the jobs still running are stopped, no more start, exit status 141" {
  {
    job first "$(guest hello)"
    job spinner "$(tguest spin)"
    job never "$(guest hello)"
  } >jobs.jsonl
  run bash -c 'timeout --kill-after=5 "$1" "$2" --jobs jobs.jsonl --parallel 1 2>err |
    head -n 1; exit "${PIPESTATUS[0]}"' _ "$MH_TIMEOUT" "$MH_BIN"
  assert_equal "$status" 141
  assert_equal "$(jq -r .id <<<"$output")" first
  assert_equal "$(tail -1 err)" "mini_hypervisor: 3 jobs: 1 halted, 1 signal, 1 not started"
}

@test "a job that cannot start has a host-error result naming why; the others run" {
  # A sparse file: larger than a job's input may be, read only when the
  # job starts.
  truncate -s 65M big.in
  {
    job big "$(guest echo)" ',"stdin":"big.in"'
    job ok "$(guest hello)"
  } >jobs.jsonl
  run -4 mh --jobs jobs.jsonl --report results.jsonl
  assert_output "mini_hypervisor: 2 jobs: 1 halted, 1 host-error"
  valid_lines results.jsonl
  assert_equal "$(of results.jsonl big .outcome)" host-error
  assert_equal "$(of results.jsonl big .exit_status)" 4
  assert_equal "$(of results.jsonl big .diagnosis.message)" "its stdin 'big.in' holds more than 64 MiB"
  assert_equal "$(of results.jsonl ok .outcome)" halted
}
