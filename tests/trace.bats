#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --trace FILE: every VM exit as a Chrome trace event, one track per VM;
# valid JSON however the VMs end; bounded by --trace-limit.

load helpers

setup() {
  require_kvm
  command -v python3 >/dev/null || fail "python3 is needed to read the traces"
  TRACE=$BATS_TEST_TMPDIR/trace.json
}

# trace_check FILE [N:IMAGE:DATA:END]...: FILE is valid JSON in the
# trace-event Object Format; every event is well formed; each track's
# events come in time order; and for each N:IMAGE:DATA:END given, VM N's
# track (tid N + 1: Perfetto reads tid 0 as none) is named "vm N (IMAGE)", the bytes its guest wrote to port 0xE9
# through exits are DATA (Python escapes, e.g. 'OK\n'), and the track
# ends with the instant event END ("halted" or "failed") after exit
# "hlt" when it halted.  Prints each track's exit reasons, for the test
# to check further.
trace_check() {
  python3 - "$@" <<'EOF'
import json, sys

path, specs = sys.argv[1], sys.argv[2:]
with open(path) as f:
    doc = json.load(f)
assert doc["displayTimeUnit"] == "ns", doc.keys()
events = doc["traceEvents"]
names, tracks = {}, {}
for ev in events:
    assert ev["pid"] == 1, ev
    if ev["ph"] == "M":
        if ev["name"] == "thread_name":
            assert ev["tid"] not in names, "two names for track %d" % ev["tid"]
            names[ev["tid"]] = ev["args"]["name"]
        continue
    assert ev["ph"] in ("X", "i"), ev
    assert ev["tid"] >= 1, ev  # Perfetto reads tid 0 as "no thread"
    assert isinstance(ev["ts"], float) and ev["ts"] >= 0, ev
    if ev["ph"] == "X":
        assert isinstance(ev["dur"], float) and ev["dur"] >= 0, ev
    tracks.setdefault(ev["tid"], []).append(ev)
for tid, evs in tracks.items():
    assert tid in names, "track %d has no name" % tid
    end = -1.0
    for ev in evs:
        # Each event starts after the previous one ended, computed as
        # trace viewers do, in floating point: spans that touch in decimal
        # may overlap by a rounding step there, and a viewer then nests
        # every later span under the first (speedscope did).  An instant
        # event may share its time with the end of the span before it.
        if ev["ph"] == "i":
            assert round(ev["ts"] * 1000) >= round(end * 1000), ("time goes back", tid, ev)
        else:
            assert ev["ts"] > end, ("spans overlap", tid, ev)
        end = ev["ts"] + ev.get("dur", 0.0)
    for guest, exit_ in zip(evs[0::2], evs[1::2]):
        if guest["name"] != "guest":
            break
        assert exit_["cat"] == "exit", exit_
        assert abs(guest["ts"] + guest["dur"] - exit_["ts"]) < 0.002, (guest, exit_)
        assert exit_["args"]["rip"].startswith("0x"), exit_
        int(exit_["args"]["rip"], 16)
for spec in specs:
    n, image, data, end = spec.split(":", 3)
    tid = int(n) + 1
    assert names.get(tid) == "vm %s (%s)" % (n, image), (tid, names)
    evs = tracks[tid]
    exits = [ev for ev in evs if ev.get("cat") == "exit"]
    wrote = b""
    for ev in exits:
        a = ev["args"]
        if a["reason"] == "io" and a["port"] == "0xe9" and a["dir"] == "out":
            assert ev["name"] == "io out 0xe9", ev
            assert a["size"] * a["count"] <= 8, ev
            assert len(a["data"]) == 2 * a["size"] * a["count"], ev
            wrote += bytes.fromhex(a["data"])
    want = data.encode().decode("unicode_escape").encode("latin-1")
    assert wrote == want, (tid, wrote, want)
    assert evs[-1]["ph"] == "i" and evs[-1]["name"] == end, evs[-1]
    if end == "halted":
        assert exits[-1]["name"] == "hlt" and exits[-1]["args"]["reason"] == "hlt", exits[-1]
    print("track %s: %s" % (n, " ".join(ev["args"]["reason"] for ev in exits)))
EOF
}

@test "--trace: one guest's exits, valid JSON, its console bytes and the hlt" {
  run --separate-stderr mh --trace "$TRACE" -g "$(tguest hello_nasm)"
  assert_success
  assert_output "Hello from nasm"
  assert_equal "$stderr" ""
  python3 -m json.tool "$TRACE" >/dev/null
  run trace_check "$TRACE" '0:hello_nasm.img:Hello from nasm\n:halted'
  assert_success
  # 16 OUTs of one byte each, then the hlt: every exit, nothing else.
  assert_output "track 0: $(printf 'io %.0s' $(seq 16))hlt"
  # RIP as KVM reports it (hello_nasm.asm's layout): on the OUT at 0x10
  # (kvm_amd and kvm_intel complete it on the next KVM_RUN) or past it
  # (PVM), and past the hlt at 0x13.
  [ "$(grep -cE '"reason":"io",.*"rip":"0x1[01]"}' "$TRACE")" -eq 16 ]
  [ "$(grep -c '"reason":"hlt","rip":"0x14"}' "$TRACE")" -eq 1 ]
}

@test "--trace with 2 VMs: one track each, named, with its own exits" {
  run --separate-stderr mh --trace "$TRACE" -g "$(tguest hello_nasm)" "$(tguest ok)"
  assert_success
  assert_equal "$stderr" ""
  run trace_check "$TRACE" '0:hello_nasm.img:Hello from nasm\n:halted' '1:ok.img:OK\n:halted'
  assert_success
  assert_line --index 0 --regexp '^track 0: (io )+hlt$'
  assert_line --index 1 --regexp '^track 1: (io )+hlt$'
}

@test "--trace: an IN's data is what the guest read" {
  run --separate-stderr mh --trace "$TRACE" -g "$(guest echo)" <<<"hi"
  assert_success
  python3 - "$TRACE" <<'EOF'
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
ins = [e["args"]["data"] for e in evs if e.get("name") == "io in 0xe9"]
assert ins[:3] == ["68", "69", "0a"], ins
EOF
}

@test "--trace: a guest that faults still leaves a valid trace, ending in its diagnosis" {
  run --separate-stderr mh --trace "$TRACE" -g "$(tguest page_fault)"
  assert_failure 1
  run trace_check "$TRACE"
  assert_success
  python3 - "$TRACE" <<'EOF'
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
end = evs[-1]
assert end["name"] == "failed" and "page fault (#PF)" in end["args"]["error"], end
EOF
}

@test "--trace: --timeout and SIGTERM still leave a valid trace" {
  run --separate-stderr mh --timeout 0.5 --trace "$TRACE" -g "$(tguest spin)" "$(tguest ok)"
  assert_failure 3 # stopped by a limit
  run trace_check "$TRACE" '0:spin.img:spinning\n:failed' '1:ok.img:OK\n:halted'
  assert_success
  grep -q '"error":"stopped by --timeout at RIP 0x' "$TRACE"

  local out=$BATS_TEST_TMPDIR/out
  "$MH_BIN" --trace "$TRACE" -g "$(tguest spin)" </dev/null >"$out" 2>/dev/null &
  local pid=$!
  for _ in $(seq 100); do grep -q spinning "$out" && break; sleep 0.05; done
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "still running 5 s after SIGTERM"; }
  local status=0
  wait "$pid" || status=$?
  assert_equal "$status" 143
  run trace_check "$TRACE" '0:spin.img:spinning\n:failed'
  assert_success
  grep -q '"error":"stopped by signal Terminated at RIP 0x' "$TRACE"
}

@test "--trace: a path that cannot be written is a usage error before any VM runs" {
  mkdir "$BATS_TEST_TMPDIR/dir"
  for bad in "$BATS_TEST_TMPDIR/none/t.json" "$BATS_TEST_TMPDIR/dir" /dev/null; do
    run --separate-stderr mh --trace "$bad" -g "$(tguest ok)"
    assert_failure 2
    assert_output ""
    assert_equal "${#stderr_lines[@]}" 1
    [[ "$stderr" == "mini_hypervisor: error: cannot write the trace file '$bad': "* ]] || fail "$stderr"
  done
  run --separate-stderr mh --trace "$TRACE" --trace-limit 0 -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: invalid --trace-limit value '0': must be a size in bytes greater than 0, with an optional K, M or G suffix"
  run --separate-stderr mh --trace-limit 1K -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: --trace-limit needs --trace FILE"
  run --separate-stderr mh --trace= -g "$(tguest ok)"
  assert_failure 2
  assert_equal "$stderr" "mini_hypervisor: error: empty file name given to --trace"
}

@test "--trace-limit bounds each VM's records and says so once" {
  run --separate-stderr mh --trace "$TRACE" --trace-limit 2K -g "$(tguest hello_nasm)" "$(tguest hello_nasm)"
  assert_success
  assert_equal "${#stderr_lines[@]}" 2
  for i in 0 1; do
    [[ "${stderr_lines[$i]}" =~ ^"mini_hypervisor: warning: vm $i (hello_nasm.img): trace: --trace-limit of 2048 bytes reached after "[0-9]+" exits; later exits are not recorded"$ ]] || fail "$stderr"
  done
  run trace_check "$TRACE"
  assert_success
  # Each VM: its names, at most 2 KiB of exits, the marker and its end.
  local size
  size=$(stat -c %s "$TRACE")
  [ "$size" -le $((2 * (2048 + 1024) + 256)) ] || fail "trace of $size bytes"
  [ "$(grep -c '"name":"trace limit reached"' "$TRACE")" -eq 2 ]
  # Unlimited, the same run writes more.
  mh --trace "$TRACE" -g "$(tguest hello_nasm)" "$(tguest hello_nasm)" >/dev/null
  [ "$(stat -c %s "$TRACE")" -gt $((2 * (2048 + 1024) + 256)) ]
}

@test "--trace: a trace that cannot be written whole is an error naming it" {
  # A file size limit (ulimit -f, in KiB; SIGXFSZ is ignored) makes the
  # writes past 2 KiB fail with EFBIG, the VMs' and the tail's alike.
  run --separate-stderr bash -c 'ulimit -f 2 && exec "$@"' sh \
    timeout 30 "$MH_BIN" --trace "$TRACE" -g "$(tguest hello_nasm)"
  # A host error (mini_hypervisor(1), EXIT STATUS): the guest halted.
  assert_failure 4
  assert_output "Hello from nasm"
  assert_equal "${#stderr_lines[@]}" 2
  assert_equal "${stderr_lines[0]}" "mini_hypervisor: error: vm 0 (hello_nasm.img): trace: writing its records failed (File too large): the trace file is incomplete"
  assert_equal "${stderr_lines[1]}" "mini_hypervisor: error: writing the trace file '$TRACE': File too large"
}

@test "--trace with --sandbox=strict: the confined VM threads still write it" {
  run --separate-stderr mh --sandbox=strict --trace "$TRACE" -g "$(tguest hello_nasm)"
  if [[ "$stderr" == *"--sandbox=strict"* ]]; then
    skip "no Landlock here: $stderr"
  fi
  assert_success
  run trace_check "$TRACE" '0:hello_nasm.img:Hello from nasm\n:halted'
  assert_success
}
