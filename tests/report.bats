#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --report: the JSON document of a run (mini_hypervisor-report(5)), every
# outcome produced by a real guest; the exit statuses; --cpu-limit and
# --output-limit.  Every report is checked against the installed JSON
# Schema and read with jq.

load helpers

setup() {
  setup_vm_test
  require_json_tools
}

# valid REPORT: REPORT is one JSON document that the schema accepts.
valid() {
  python3 - "$MH_REPORT_SCHEMA" "$1" <<'EOF' || fail "$1 is not a valid report: $(cat "$1")"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema,
                    cls=jsonschema.Draft7Validator)
EOF
}

# start_spin ARGS...: starts the spinning guest in the background under
# timeout(1) (which passes a TERM on to it) and waits until it runs.
start_spin() {
  timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" "$@" -g "$(tguest spin)" >out 2>err &
  MH_PID=$!
  local i
  for i in $(seq 300); do grep -q spinning out && return 0; sleep 0.1; done
  fail "the guest never started: $(cat err)"
}

# jqr REPORT FILTER: one value of REPORT, raw.
jqr() { jq -r "$2" "$1"; }

# sha FILE: its SHA-256 as sha256sum computes it.
sha() { sha256sum "$1" | cut -d' ' -f1; }

@test "a halting VM: outcome halted, no diagnosis, image sha256, exits and console" {
  run --separate-stderr mh --report r.json -g "$(tguest ok)"
  assert_success
  valid r.json
  assert_equal "$(jqr r.json .schema)" "mini_hypervisor-report"
  assert_equal "$(jqr r.json .version)" 1
  assert_equal "$(jqr r.json .tool.version)" "$("$MH_BIN" --version | cut -d' ' -f2)"
  assert_equal "$(jqr r.json '.argv | join(" ")')" "$MH_BIN --report r.json -g $(tguest ok)"
  assert_equal "$(jqr r.json .exit_status)" 0
  assert_equal "$(jqr r.json '.options.memory_mb, .options.page_size, .options.sandbox' | tr '\n' ' ')" "4 2097152 on "
  assert_equal "$(jqr r.json '.vms | length')" 1
  assert_equal "$(jqr r.json '.vms[0].outcome')" halted
  assert_equal "$(jqr r.json '.vms[0].diagnosis')" null
  assert_equal "$(jqr r.json '.vms[0].name')" "vm 0 (ok.img)"
  assert_equal "$(jqr r.json '.vms[0].image.path')" "$(tguest ok)"
  assert_equal "$(jqr r.json '.vms[0].image.sha256')" "$(sha "$(tguest ok)")"
  assert_equal "$(jqr r.json '.vms[0].exits.by_reason.hlt')" 1
  assert_equal "$(jqr r.json '.vms[0].console.bytes_out')" "$(printf '%s\n' "$output" | wc -c)"
  assert_equal "$(jqr r.json '.vms[0].exits.by_port["0xe9"].out > 0')" true
  assert_equal "$(jqr r.json '.vms[0].files | length')" 0
  [[ "$(jqr r.json .start_time)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "start_time"
}

@test "a faulting guest: guest-fault with vector, RIP, RSP, CR2 and error code; exit status 1" {
  run --separate-stderr mh --report r.json -g "$(tguest page_fault)"
  assert_failure 1
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 1
  assert_equal "$(jqr r.json '.vms[0].outcome')" guest-fault
  assert_equal "$(jqr r.json '.vms[0].diagnosis.vector')" 14
  assert_equal "$(jqr r.json '.vms[0].diagnosis.cr2')" $((0x400000))
  assert_equal "$(jqr r.json '.vms[0].diagnosis.error_code')" 0
  # The fields say what the message says, and the message is stderr's.
  local msg rip
  msg=$(jqr r.json '.vms[0].diagnosis.message')
  assert_equal "$stderr" "mini_hypervisor: error: vm 0 (page_fault.img): $msg"
  rip=$(printf '0x%x' "$(jqr r.json '.vms[0].diagnosis.rip')")
  [[ "$msg" == *"at RIP $rip:"* ]] || fail "RIP $rip not in '$msg'"
  # RSP as -v reports the fault in full.
  local rsp
  rsp=$(printf '0x%x' "$(jqr r.json '.vms[0].diagnosis.rsp')")
  run --separate-stderr mh -v -g "$(tguest page_fault)"
  [[ "$stderr" == *"fault: vector 14, error code 0x0 (not present, read, supervisor), RIP $rip, RSP $rsp, CR2 0x400000"* ]] ||
    fail "RSP $rsp not in: $stderr"
}

@test "an unknown port: bad-io with the port and RIP; exit status 1" {
  run --separate-stderr mh --report r.json -g "$(tguest unknown_port)"
  assert_failure 1
  valid r.json
  assert_equal "$(jqr r.json '.vms[0].outcome')" bad-io
  assert_equal "$(jqr r.json '.vms[0].diagnosis.port')" $((0x80))
  assert_equal "$(jqr r.json '.vms[0].diagnosis.rip')" 2
  assert_equal "$(jqr r.json '.vms[0].diagnosis | has("vector")')" false
}

@test "--timeout: outcome timeout, exit status 3" {
  run --separate-stderr mh --report r.json --timeout 0.5 -g "$(tguest spin)"
  assert_failure 3
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 3
  assert_equal "$(jqr r.json .options.timeout)" 0.5
  assert_equal "$(jqr r.json '.vms[0].outcome')" timeout
  assert_equal "$(jqr r.json '.vms[0].diagnosis.message | startswith("stopped by --timeout at RIP")')" true
}

@test "--cpu-limit stops only the spinning VM, on its thread's CPU time" {
  run --separate-stderr mh --report r.json --cpu-limit 0.2 -g "$(tguest spin)" "$(tguest ok)"
  assert_failure 3
  valid r.json
  assert_equal "$(jqr r.json .options.cpu_limit)" 0.2
  assert_equal "$(jqr r.json '.vms[0].outcome')" cpu-limit
  assert_equal "$(jqr r.json '.vms[0].cpu_seconds >= 0.2')" true
  assert_equal "$(jqr r.json '.vms[1].outcome')" halted
  assert_line --partial "[1:ok.img] OK"
  [[ "$stderr" == *"vm 0 (spin.img): stopped by --cpu-limit at RIP 0x"* ]] || fail "$stderr"
}

@test "--output-limit writes exactly the first BYTES bytes, then stops the VM" {
  run --separate-stderr mh --report r.json --output-limit 1000 -g "$(tguest hostile/console_flood)"
  assert_failure 3
  valid r.json
  assert_equal "$(jqr r.json '.vms[0].outcome')" output-limit
  assert_equal "$(jqr r.json '.vms[0].console.bytes_out')" 1000
  # console_flood writes "abc...z" over and over, and no newline.
  assert_equal "$output" "$(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c 1000)"
  # (RIP on the OUT or just past it: KVM may complete the OUT later)
  [[ "$stderr" == "mini_hypervisor: error: vm 0 (console_flood.img): stopped by --output-limit (its first 1000 console bytes written, the rest dropped) at RIP 0x"[bc] ]] ||
    fail "$stderr"
}

@test "--output-limit stops only the VM that writes too much" {
  run --separate-stderr mh --report r.json --output-limit 10 -g "$(tguest hostile/console_flood)" "$(tguest ok)"
  assert_failure 3
  valid r.json
  assert_equal "$(jqr r.json '[.vms[].outcome] | join(" ")')" "output-limit halted"
  assert_line "[1:ok.img] OK"
  assert_line "[0:console_flood.img] abcdefghij"
}

@test "a signal: outcome signal with its number, exit status 128+N, report still written" {
  start_spin --report r.json
  kill -TERM "$MH_PID"
  local rc=0
  wait "$MH_PID" || rc=$?
  assert_equal "$rc" 143
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 143
  assert_equal "$(jqr r.json '.vms[0].outcome')" signal
  assert_equal "$(jqr r.json '.vms[0].diagnosis.signal')" 15
}

@test "one rule for the exit status: a failed trace write keeps a VM's host error (4), never lowers it" {
  # vm 0's console file cannot be made (a directory has its name): a host
  # error; the trace, limited to 2 KiB by ulimit -f, fails too.  The
  # worst class wins: 4, not the 1 a failed trace once forced.
  mkdir -p cons/vm0-ok.img.console
  run --separate-stderr bash -c 'ulimit -f 2 && exec "$@"' sh \
    timeout 30 "$MH_BIN" --console-dir cons --trace t.json --report - \
    -g "$(tguest ok)" "$(tguest hello_nasm)"
  assert_failure 4
  # (the report on standard output, a pipe, which ulimit -f does not bound)
  printf '%s\n' "$output" >r.json
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 4
  assert_equal "$(jqr r.json '[.vms[].outcome] | join(" ")')" "host-error halted"
  [[ "$stderr" == *"writing the trace file 't.json': File too large"* ]] || fail "$stderr"
}

@test "one rule for the outcome: -S waiting for gdb, then --timeout: outcome timeout, exit status 3" {
  run --separate-stderr mh -S --gdb tcp:127.0.0.1:0 --timeout 1 --report r.json -g "$(tguest ok)"
  assert_failure 3
  valid r.json
  assert_equal "$(jqr r.json '.vms[0].outcome')" timeout
  assert_equal "$(jqr r.json .exit_status)" 3
  assert_equal "$(jqr r.json '.vms[0].diagnosis.message')" "stopped by --timeout at RIP 0x0"
}

@test "one rule for the outcome: -S waiting for gdb, then SIGTERM: outcome signal, exit status 143" {
  timeout --kill-after=5 "$MH_TIMEOUT" "$MH_BIN" -S --gdb tcp:127.0.0.1:0 --report r.json \
    -g "$(tguest ok)" >out 2>err &
  local pid=$! i rc=0
  for i in $(seq 300); do grep -q 'target remote' err && break; sleep 0.1; done
  grep -q 'target remote' err || fail "no gdb line: $(cat err)"
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  assert_equal "$rc" 143
  valid r.json
  assert_equal "$(jqr r.json '.vms[0].outcome')" signal
  assert_equal "$(jqr r.json '.vms[0].diagnosis.signal')" 15
  assert_equal "$(jqr r.json .exit_status)" 143
}

@test "the report is strict JSON whatever the bytes in a name: 0x01-0x1F, 0x7F, invalid UTF-8 (files, image, -f)" {
  # The guest creates one file per byte (fshell's openhex), the image and
  # the shared file have 0x1F in their names; Python's json (strict)
  # reads the report, and each name comes back.
  local script= b
  for b in $(seq 1 31) 127 255; do
    script+="openhex $(printf '78%02x' "$b") wc"$'\n'
  done
  cp "$(tguest fshell)" "$(printf 'f\x1fshell.img')"
  printf 'shared\n' >"$(printf 'n\x1fte')"
  run --separate-stderr mh --max-open 64 --report r.json -g "$(printf 'f\x1fshell.img')" -f "$(printf 'n\x1fte')" <<<"$script"
  assert_success
  valid r.json
  assert_equal "$(jqr r.json '.vms[0].files | length')" 33
  python3 - r.json <<'PY' || fail "names did not come back: $(cat r.json)"
import json, sys
r = json.load(open(sys.argv[1]))
names = sorted(f["name"] for f in r["vms"][0]["files"])
want = sorted(["x" + chr(b) for b in list(range(1, 32)) + [127]] + ["x\ufffd"])
assert names == want, names
assert r["vms"][0]["image"]["path"].endswith("f\x1fshell.img")
assert r["options"]["files"] == ["n\x1fte"], r["options"]["files"]
PY
}

@test "the report file is replaced in one step: never half written, no temporary left" {
  echo old >r.json
  start_spin --report r.json
  # While the run lasts, the old report is untouched beside a temporary.
  assert_equal "$(cat r.json)" old
  ls -A | grep -q '^\.r\.json\.' || fail "no temporary: $(ls -A)"
  kill -TERM "$MH_PID"
  wait "$MH_PID" || true
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 143
  assert_equal "$(ls -A | grep -c '^\.r\.json\.')" 0
}

@test "--report - puts the report alone on standard output, the console on standard error" {
  run --separate-stderr mh --report - -g "$(tguest ok)" "$(tguest ok)"
  assert_success
  printf '%s\n' "$output" >r.json
  valid r.json
  assert_equal "$(jqr r.json '[.vms[].outcome] | join(" ")')" "halted halted"
  [[ "$stderr" == *"[0:ok.img] OK"* && "$stderr" == *"[1:ok.img] OK"* ]] || fail "$stderr"
}

@test "kept files: name, size, sha256 and path of each" {
  echo 'Hi from the host' >notes.txt
  run --separate-stderr mh --report r.json -g "$(guest copy)" -f notes.txt <<<'notes.txt copy.txt'
  assert_success
  valid r.json
  assert_equal "$(jqr r.json '.options.files | join(" ")')" notes.txt
  assert_equal "$(jqr r.json '.vms[0].files | length')" 1
  assert_equal "$(jqr r.json '.vms[0].files[0].name')" copy.txt
  local path
  path=$(jqr r.json '.vms[0].files[0].path')
  assert_file_exists "$path"
  cmp notes.txt "$path"
  assert_equal "$(jqr r.json '.vms[0].files[0].size')" "$(stat -c %s notes.txt)"
  assert_equal "$(jqr r.json '.vms[0].files[0].sha256')" "$(sha notes.txt)"
  assert_equal "$(jqr r.json '.vms[0].console.bytes_in')" "$(printf 'notes.txt copy.txt\n' | wc -c)"
}

@test "a mixed run: each VM its outcome; a guest failure outranks a limit" {
  # The timeout only has to outlast the three VMs that end by themselves
  # (guest code is some 40 times slower on an emulated CPU).
  local t=5
  if on_qemu_tcg; then t=30; fi
  run --separate-stderr mh --report r.json --timeout "$t" --output-limit 100 \
    -g "$(tguest ok)" "$(tguest page_fault)" "$(tguest spin)" "$(tguest hostile/console_flood)"
  assert_failure 1
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 1
  assert_equal "$(jqr r.json '[.vms[].outcome] | join(" ")')" "halted guest-fault timeout output-limit"
  assert_equal "$(jqr r.json '[.vms[].index] | join(" ")')" "0 1 2 3"
}

@test "only limits: exit status 3; a host error: 4, with a report of no VMs" {
  run --separate-stderr mh --report r.json --timeout 0.5 -g "$(tguest spin)" "$(tguest ok)"
  assert_failure 3
  valid r.json
  MINI_HYPERVISOR_KVM=/nonexistent/kvm run --separate-stderr mh --report r.json -g "$(tguest ok)"
  assert_failure 4
  [[ "$stderr" == "mini_hypervisor: error: "*"/nonexistent/kvm"* ]] || fail "$stderr"
  valid r.json
  assert_equal "$(jqr r.json .exit_status)" 4
  assert_equal "$(jqr r.json '.vms | length')" 0
}

@test "usage errors: exit status 2 and one line naming the culprit" {
  run --separate-stderr mh --report /nonexistent/dir/r.json -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the report '/nonexistent/dir/r.json': cannot use its directory '/nonexistent/dir': No such file or directory"
  run --separate-stderr mh --cpu-limit 0 -g "$(tguest ok)"
  assert_failure 2
  [[ "$stderr" == *"invalid --cpu-limit value '0'"* ]] || fail "$stderr"
  run --separate-stderr mh --output-limit 1X -g "$(tguest ok)"
  assert_failure 2
  [[ "$stderr" == *"invalid --output-limit value '1X'"* ]] || fail "$stderr"
  run --separate-stderr mh --report . -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: cannot write the report '.': it is a directory"
  run --separate-stderr mh --report '' -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: empty file name given to --report"
}

@test "disk bound: N VMs that write until refused keep at most N x --quota bytes" {
  run --separate-stderr mh --quota 65536 --report r.json \
    -g "$(tguest hostile/quota_flood)" "$(tguest hostile/quota_flood)" "$(tguest hostile/quota_flood)"
  assert_success
  valid r.json
  # Each VM filled its quota exactly, and no more; the report says so.
  assert_equal "$(jqr r.json '[.vms[] | .files | map(.size) | add] | join(" ")')" "65536 65536 65536"
  local total
  total=$(find mini_hypervisor.out/latest/ -type f -printf '%s\n' | awk '{ t += $1 } END { print t }')
  assert_equal "$total" $((3 * 65536))
  # The report names each file where it is, with its checksum.
  local i path
  for i in 0 1 2; do
    path=$(jqr r.json ".vms[$i].files[] | select(.name == \"flood.bin\") | .path")
    assert_equal "$(jqr r.json ".vms[$i].files[] | select(.name == \"flood.bin\") | .sha256")" "$(sha "$path")"
  done
}

@test "-g IMAGE:m=MB,p=SIZE gives one VM its own memory and page size; -m and -p stay the defaults" {
  run --separate-stderr mh --report r.json -m 2 -g "$(guest hello):m=8,p=4" "$(guest hello)" "$(guest hello):p=4"
  assert_success
  valid r.json
  assert_line "[0:hello.img] RAM: 8 MiB, pages: 4 KiB"
  assert_line "[1:hello.img] RAM: 2 MiB, pages: 2 MiB"
  assert_line "[2:hello.img] RAM: 2 MiB, pages: 4 KiB"
  assert_equal "$(jqr r.json '[.vms[] | "\(.memory_mb)/\(.page_size)"] | join(" ")')" "8/4096 2/2097152 2/4096"
  assert_equal "$(jqr r.json '[.vms[].image.path] | unique | length')" 1
  # An image too big for its own RAM is refused, naming it.
  head -c $((3 << 20)) /dev/zero >big.img
  run --separate-stderr mh -g "$(guest hello)" big.img:m=2
  assert_failure 2
  [[ "$stderr" == *"big.img"* ]] || fail "$stderr"
}

@test "-g: an image whose name has a ':' still runs; a trailing ':' keeps what looks like settings in the name" {
  cp "$(guest hello)" 'we:ird.img'
  cp "$(guest hello)" 'x:m=8'
  run --separate-stderr mh --report r.json -g we:ird.img 'x:m=8:'
  assert_success
  assert_line "[0:we:ird.img] RAM: 4 MiB, pages: 2 MiB"
  assert_line "[1:x:m=8] RAM: 4 MiB, pages: 2 MiB"
  assert_equal "$(jqr r.json '[.vms[].image.path] | join(" ")')" "we:ird.img x:m=8"
  run --separate-stderr mh -g a.img:m=3
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: in -g 'a.img:m=3': invalid --memory value '3': must be 2, 4 or 8 (MB of guest RAM)"
  run --separate-stderr mh -g a.img:p=4,p=2
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: in -g 'a.img:p=4,p=2': 'p=' given twice"
}

@test "--console-dir: each VM's console in its own file, untagged, besides the tagged stream" {
  run --separate-stderr mh --console-dir cons --report r.json -g "$(guest hello)" "$(tguest ok)" "$(tguest page_fault)"
  assert_failure 1
  valid r.json
  assert_equal "$(ls cons | tr '\n' ' ')" "vm0-hello.img.console vm1-ok.img.console vm2-page_fault.img.console "
  assert_equal "$(cat cons/vm0-hello.img.console)" "$(sed -n 's/^\[0:hello.img\] //p' <<<"$output")"
  assert_equal "$(cat cons/vm1-ok.img.console)" "OK"
  assert_equal "$(cat cons/vm2-page_fault.img.console)" "page_fault: reading 0x400000 at RIP 0x3c"
  assert_line "[1:ok.img] OK"
  # Byte for byte: what the report counts is what the file holds.
  assert_equal "$(stat -c %s cons/vm0-hello.img.console)" "$(jqr r.json '.vms[0].console.bytes_out')"
  # A directory that cannot be one is a usage error before anything runs.
  touch plain
  run --separate-stderr mh --console-dir plain -g "$(tguest ok)"
  assert_failure 2
  [[ "$stderr" == "mini_hypervisor: error: cannot use --console-dir 'plain': "* ]] || fail "$stderr"
  # A console file that is not a regular file fails that VM alone.
  mkfifo cons/vm0-ok.img.console
  run --separate-stderr mh --console-dir cons --report r2.json -g "$(tguest ok)" "$(tguest ok)"
  assert_failure 4
  valid r2.json
  assert_equal "$(jqr r2.json '[.vms[].outcome] | join(" ")')" "host-error halted"
  assert_line "[1:ok.img] OK"
  # (a FIFO with no reader: open fails rather than wait for one)
  [[ "$stderr" == "mini_hypervisor: error: vm 0 (ok.img): cannot create its console file 'vm0-ok.img.console': "* ]] || fail "$stderr"
  assert_equal "$(jqr r.json .exit_status)" 1
}
