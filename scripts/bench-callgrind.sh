#!/usr/bin/env bash
# Counts the instructions sitedial spends per FreeSWITCH request, with callgrind.
#
# Usage: scripts/bench-callgrind.sh BODIES [OUT]
#   BODIES  a file of request bodies, one per line (as `bench_load bodies` writes them)
#   OUT     the callgrind output file (default /tmp/sitedial-bench/callgrind.out)
#
# Starts `sitedial serve --demo` under callgrind with instrumentation off, sends every body once to
# warm up, then switches instrumentation on, sends every body again over one keep-alive connection,
# and stops the server. Divide the totals of `callgrind_annotate --inclusive=yes OUT` by the number
# of bodies. The counts cover every server thread in user space; the kernel's TCP work is not in them.
# The server listens on 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BODIES=${1:?usage: scripts/bench-callgrind.sh BODIES [OUT]}
OUT=${2:-/tmp/sitedial-bench/callgrind.out}
BIN="$ROOT/target/release/sitedial"
LOAD="$ROOT/target/release/examples/bench_load"
FS_ADDR=127.0.0.1:18380
API_ADDR=127.0.0.1:18381

mkdir -p "$(dirname "$OUT")"
(cd "$ROOT" && cargo build --release --bin sitedial --example bench_load)

valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" \
  "$BIN" serve --demo --fs-listen "$FS_ADDR" --api-listen "$API_ADDR" >"$OUT.log" 2>&1 &
PID=$!
trap 'kill -INT "$PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "http://$API_ADDR/readyz" 2>/dev/null && break
  sleep 0.1
done
"$LOAD" check --target "$FS_ADDR" --bodies "$BODIES" >/dev/null
callgrind_control -i on "$PID" >/dev/null
"$LOAD" check --target "$FS_ADDR" --bodies "$BODIES"
callgrind_control -i off "$PID" >/dev/null
kill -INT "$PID"
wait "$PID" || true
trap - EXIT
echo "callgrind output: $OUT ($(wc -l <"$BODIES") requests counted)"
