#!/usr/bin/env bash
# Runs the whole load benchmark of sitedial over loopback with one command.
#
# For each data-set size it generates a data set and imports it into a SQLite file (both skipped
# when their file is already newer). It starts `sitedial serve` (release build) to record start-up
# time and resident memory and to time cold requests with --preload false. Then it replays
# re-targeted FreeSWITCH bodies against sitedial and against the ceiling server
# (examples/bench_ceiling.rs) at concurrency 1, 8 and 32, with a new TCP connection per request
# and with keep-alive.
#
# Usage: scripts/bench-load.sh [SIZE...]   SIZE is demo, 100k or 1m (default: demo 100k 1m)
# Environment: SECONDS_PER_RUN (default 20: seconds per server, mode and concurrency), ROUNDS
# (default 4: the seconds are split into this many alternating rounds of ceiling and sitedial),
# WORK_DIR (default /tmp/sitedial-bench), CONCURRENCY (default 1,8,32).
# Output: a Markdown report on standard output and in $WORK_DIR/report-<size>.md.
#
# Every server listens on 127.0.0.1 only and is stopped when the script exits.

set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK_DIR="${WORK_DIR:-/tmp/sitedial-bench}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
ROUNDS="${ROUNDS:-4}"
CONCURRENCY="${CONCURRENCY:-1,8,32}"
FS_PORT=18080
API_PORT=18081
CEILING_PORT=18090
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(demo 100k 1m)

BIN="$ROOT/target/release/sitedial"
LOAD="$ROOT/target/release/examples/bench_load"
CEILING="$ROOT/target/release/examples/bench_ceiling"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT

mkdir -p "$WORK_DIR"
(cd "$ROOT" && cargo build --release --bin sitedial --example bench_load --example bench_ceiling)

# Prints the seconds since the epoch, with fractions.
now_s() { date +%s.%N; }

# Waits until URL returns 200, for at most $2 seconds.
wait_ready() {
  local url=$1 limit=$2 started
  started=$(now_s)
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if [ "$(echo "$(now_s) - $started > $limit" | bc)" = 1 ]; then
      echo "timed out waiting for $url" >&2
      return 1
    fi
    sleep 0.02
  done
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# Starts sitedial on database $1 with --preload $2, logging to $3. Sets SERVER_PID and STARTUP_S:
# the seconds from exec until /readyz returns 200 and, with --preload true, the log contains
# "model preloaded".
start_sitedial() {
  local db=$1 preload=$2 log=$3 started waited=0
  started=$(now_s)
  "$BIN" --database-url "sqlite://$db" serve \
    --fs-listen "127.0.0.1:$FS_PORT" --api-listen "127.0.0.1:$API_PORT" \
    --preload "$preload" --log-format text >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ready "http://127.0.0.1:$API_PORT/readyz" 600
  if [ "$preload" = true ]; then
    until grep -q "model preloaded" "$log"; do
      sleep 0.02
      waited=$((waited + 1))
      [ $waited -gt 30000 ] && { echo "preload did not finish within 600 s" >&2; return 1; }
    done
  fi
  STARTUP_S=$(echo "$(now_s) - $started" | bc)
}

stop_sitedial() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

for size in "${SIZES[@]}"; do
  case "$size" in
    demo) SET=demo ;;
    100k) GEN=(--enterprises 200 --sites 4 --standalone 200 --extensions 100) ;;
    1m) GEN=(--enterprises 2000 --sites 4 --standalone 2000 --extensions 100) ;;
    *) echo "unknown size $size: expected demo, 100k or 1m" >&2; exit 2 ;;
  esac
  REPORT="$WORK_DIR/report-$size.md"
  DB="$WORK_DIR/$size.db"
  {
    echo "## Data set: $size"
    echo
    echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
  } | tee "$REPORT"

  if [ "$size" = demo ]; then
    SET="$ROOT/fixtures/demo.json"
    BODY_SOURCE=demo
  else
    SET="$WORK_DIR/$size.json"
    if [ ! -s "$SET" ]; then
      started=$(now_s)
      "$BIN" generate "${GEN[@]}" --seed 1 >"$SET"
      echo "generate: $(echo "$(now_s) - $started" | bc) s, $(stat -c %s "$SET") bytes" | tee -a "$REPORT"
    fi
    BODY_SOURCE="$SET"
  fi
  # Import is one transaction, so a database newer than its data set contains all of it.
  if [ "$DB" -nt "$SET" ]; then
    echo "import: skipped, $DB is newer than $SET" | tee -a "$REPORT"
  else
    rm -f "$DB" "$DB-wal" "$DB-shm"
    started=$(now_s)
    "$BIN" --database-url "sqlite://$DB" import "$SET" >/dev/null 2>&1
    echo "import: $(echo "$(now_s) - $started" | bc) s" | tee -a "$REPORT"
  fi
  "$LOAD" bodies --data "$BODY_SOURCE" --count 20000 --out "$WORK_DIR/bodies-$size.txt" \
    --cold-out "$WORK_DIR/cold-$size.txt" 2>&1 | tee -a "$REPORT"
  echo | tee -a "$REPORT"

  # Cold requests: index only, units load on their first request.
  start_sitedial "$DB" false "$WORK_DIR/serve-$size-lazy.log"
  {
    echo "Start-up with --preload false (index loaded, /readyz 200): ${STARTUP_S} s; RSS $(rss_kib "$SERVER_PID") KiB"
    "$LOAD" cold --target "127.0.0.1:$FS_PORT" --bodies "$WORK_DIR/cold-$size.txt"
  } 2>&1 | tee -a "$REPORT"
  stop_sitedial

  # Preloaded server: start-up, memory, then load.
  start_sitedial "$DB" true "$WORK_DIR/serve-$size.log"
  echo "Start-up with --preload true (index and every unit loaded): ${STARTUP_S} s; RSS after preload $(rss_kib "$SERVER_PID") KiB" | tee -a "$REPORT"
  echo | tee -a "$REPORT"
  "$LOAD" check --target "127.0.0.1:$FS_PORT" --bodies "$WORK_DIR/bodies-$size.txt" | tee -a "$REPORT"
  echo | tee -a "$REPORT"

  # The ceiling responds with the mean response size of the mix, measured by `check` above.
  MEAN=$(grep -o 'mean size [0-9]*' "$REPORT" | tail -1 | awk '{print $3}')
  "$CEILING" "127.0.0.1:$CEILING_PORT" "$MEAN" 2>/dev/null &
  CEILING_PID=$!
  PIDS+=("$CEILING_PID")
  sleep 0.3
  "$LOAD" run --sitedial "127.0.0.1:$FS_PORT" --ceiling "127.0.0.1:$CEILING_PORT" \
    --bodies "$WORK_DIR/bodies-$size.txt" --seconds "$SECONDS_PER_RUN" --rounds "$ROUNDS" --concurrency "$CONCURRENCY" \
    | tee -a "$REPORT"
  echo "RSS after load: $(rss_kib "$SERVER_PID") KiB; load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$REPORT"
  echo | tee -a "$REPORT"
  kill "$CEILING_PID" 2>/dev/null || true
  wait "$CEILING_PID" 2>/dev/null || true
  stop_sitedial
  cleanup
done
