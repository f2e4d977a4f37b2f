#!/usr/bin/env bash
# Benchmarks Heard on this machine against a constant-returning actix-web server measured in
# the same run, on SQLite and (when PostgreSQL answers at 127.0.0.1:5432) on PostgreSQL.
#
#   scripts/bench.sh            # everything below
#   scripts/bench.sh intake     # accepted notes per second (POST /api/v1/feedback)
#   scripts/bench.sh staff      # sign-in latency, and the signed-in inbox with 10,000 notes
#   scripts/bench.sh wall       # /wall, /wall/HANDLE and /api/v1/stories at 1k and 1M stories
#   scripts/bench.sh reports    # a team's stats page and CSV export at 100,000 notes
#   scripts/bench.sh delivery   # email drain rate (worker; pooled vs one connection per
#                               # message) and accepted-note-to-SMTP latency under steady load
#   DURATION=20 CONNECTIONS=32 scripts/bench.sh intake
#
# Each accepted submission is a durable commit of the note and its outbox rows. Needs wrk
# (apt-get install wrk). Everything runs on loopback; the load is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WHAT=${1:-all}
run_delivery() {
  cargo build --release --quiet --example delivery_bench
  local pg=()
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && pg=(HEARD_BENCH_POSTGRES_URL="$PG_ADMIN?sslmode=disable")
  env "${pg[@]}" RUST_LOG=warn target/release/examples/delivery_bench "${EMAILS:-5000}" "${NOTES_PER_SECOND:-50}" "$DURATION" | grep -v '^created the demo'
}
if [ "$WHAT" = delivery ]; then
  run_delivery
  exit 0
fi
cargo build --release --quiet --bin heard --example constant_server
HEARD=target/release/heard
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

wait_up() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "bench: $1 did not come up" >&2; exit 1; }

# wrk's summary -> "requests_per_sec p99_ms"
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  # A refused request is not a measurement: stop rather than report its speed.
  if grep -q "Non-2xx or 3xx" <<<"$out"; then
    echo "bench: some requests failed:" >&2
    grep "Non-2xx or 3xx" <<<"$out" >&2
    # run_wrk runs in a subshell: leave a mark that the main script checks before reporting.
    echo "$*" >>"$WORK/failed"
  fi
  echo "$rps $p99"
}

target/release/examples/constant_server 127.0.0.1:8099 & PIDS+=($!)
wait_up http://127.0.0.1:8099/
read -r base_rps base_p99 < <(run_wrk -s scripts/post_api_feedback.lua http://127.0.0.1:8099/api/v1/feedback)
read -r base_get_rps base_get_p99 < <(run_wrk http://127.0.0.1:8099/staff)

results=()
staff_results=()
memory_results=()
# Peak resident memory (VmHWM) of a running process, in MiB.
peak_mb() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
PW="bench passphrase that is long enough"

# Sign-in latency (argon2id, 19 MiB, 2 passes) and the admin's inbox over 10,000 notes.
bench_staff() {
  local name=$1 url=$2 port=$3
  local env=(HEARD_DATABASE_URL="$url" HEARD_DATA_DIR="$WORK/$name")
  env "${env[@]}" "$HEARD" demo --stories 10000 >/dev/null 2>&1
  printf '%s\n' "$PW" | env "${env[@]}" "$HEARD" staff add --name "Bench Admin" \
    --email bench@example.com --role admin --password-stdin >/dev/null
  env "${env[@]}" HEARD_BIND=127.0.0.1:$port HEARD_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn \
    "$HEARD" serve >/dev/null 2>&1 & local pid=$!
  PIDS+=($pid)
  wait_up "http://127.0.0.1:$port/healthz"
  local times=() jar="$WORK/$name.cookies"
  for _ in $(seq 1 20); do
    local token
    token=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="form_token" value="[^"]*"' | sed 's/.*value="//; s/"$//')
    times+=("$(curl -s -o /dev/null -b "$jar" -c "$jar" -w '%{time_total}' \
      --data-urlencode "email=bench@example.com" --data-urlencode "password=$PW" \
      --data-urlencode "form_token=$token" --data-urlencode "next=/staff" \
      "http://127.0.0.1:$port/login")")
  done
  local login_ms
  login_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}')
  local cookie
  cookie=$(awk '$6 ~ /heard_session/ {print $6"="$7}' "$jar" | tail -n1)
  read -r rps p99 < <(run_wrk -H "Cookie: $cookie" "http://127.0.0.1:$port/staff")
  memory_results+=("$name $(peak_mb "$pid")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  staff_results+=("$name $login_ms $rps $p99")
}

report_results=()
# A manager's stats page and CSV export for one team with 100,000 notes (the demo's 6 reps
# share 200,000 notes between Care and Billing). Median of 5 requests each, one at a time.
bench_reports() {
  local name=$1 url=$2 port=$3
  local env=(HEARD_DATABASE_URL="$url" HEARD_DATA_DIR="$WORK/$name")
  env "${env[@]}" "$HEARD" demo --stories 200000 >/dev/null 2>&1
  printf '%s\n' "$PW" | env "${env[@]}" "$HEARD" staff add --name "Bench Admin" \
    --email bench@example.com --role admin --password-stdin >/dev/null
  env "${env[@]}" HEARD_BIND=127.0.0.1:$port HEARD_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn \
    "$HEARD" serve >/dev/null 2>&1 & local pid=$!
  PIDS+=($pid)
  wait_up "http://127.0.0.1:$port/healthz"
  local jar="$WORK/$name.cookies" token
  token=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="form_token" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "email=bench@example.com" \
    --data-urlencode "password=$PW" --data-urlencode "form_token=$token" "http://127.0.0.1:$port/login"
  local care
  care=$(curl -s -b "$jar" "http://127.0.0.1:$port/staff/stats" | grep -o '<option value="[^"]*">Care<' | sed 's/<option value="//; s/">Care<//')
  median_ms() {
    local times=()
    for _ in 1 2 3 4 5; do times+=("$(curl -s -o /dev/null -b "$jar" -w '%{time_total}' "$1")"); done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[3]*1000}'
  }
  local rows stats_ms csv_ms bytes
  rows=$(curl -s -b "$jar" "http://127.0.0.1:$port/staff/export/notes.csv?team=$care" | wc -l)
  bytes=$(curl -s -b "$jar" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/staff/export/notes.csv?team=$care")
  stats_ms=$(median_ms "http://127.0.0.1:$port/staff/stats?team=$care")
  csv_ms=$(median_ms "http://127.0.0.1:$port/staff/export/notes.csv?team=$care")
  memory_results+=("$name $(peak_mb "$pid")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  report_results+=("$name $((rows - 1)) $stats_ms $csv_ms $((bytes / 1048576))")
}

wall_results=()
# The public wall at 1,000 and then 1,000,000 published stories.
bench_wall() {
  local name=$1 url=$2 port=$3
  local env=(HEARD_DATABASE_URL="$url" HEARD_DATA_DIR="$WORK/$name")
  env "${env[@]}" "$HEARD" demo --stories 1000 >/dev/null 2>&1
  for size in 1k 1M; do
    if [ "$size" = 1M ]; then
      local seeded_at=$SECONDS
      env "${env[@]}" "$HEARD" demo --stories 999000 >/dev/null 2>&1
      echo "seeded 999,000 more stories on $name in $((SECONDS - seeded_at)) s" >&2
    fi
    env "${env[@]}" HEARD_BIND=127.0.0.1:$port RUST_LOG=warn "$HEARD" serve >/dev/null 2>&1 & local pid=$!
    PIDS+=($pid)
    wait_up "http://127.0.0.1:$port/healthz"
    for path in /wall /wall/maria "/api/v1/stories"; do
      read -r rps p99 < <(run_wrk "http://127.0.0.1:$port$path")
      wall_results+=("$name $size $path $rps $p99")
    done
    memory_results+=("$name-$size $(peak_mb "$pid")")
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
}

bench_backend() {
  local name=$1 url=$2 port=$3
  HEARD_DATABASE_URL=$url HEARD_DATA_DIR="$WORK/$name" "$HEARD" demo >/dev/null
  HEARD_DATABASE_URL=$url HEARD_DATA_DIR="$WORK/$name" HEARD_BIND=127.0.0.1:$port \
    HEARD_RATE_LIMIT_PER_MINUTE=0 HEARD_FORM_MIN_SECONDS=0 RUST_LOG=warn \
    "$HEARD" serve >/dev/null 2>&1 & local pid=$!
  PIDS+=($pid)
  wait_up "http://127.0.0.1:$port/healthz"
  read -r rps p99 < <(run_wrk -s scripts/post_api_feedback.lua "http://127.0.0.1:$port/api/v1/feedback")
  memory_results+=("$name-intake $(peak_mb "$pid")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  results+=("$name $rps $p99")
}

pg_ok() { [ -z "${SKIP_PG:-}" ] && command -v psql >/dev/null && psql "$PG_ADMIN" -tAc 'SELECT 1' >/dev/null 2>&1; }
with_pg() {
  local db="heard_bench_$$_$1"
  psql "$PG_ADMIN" -qc "CREATE DATABASE $db"
  "$2" postgres "${PG_ADMIN%/*}/$db" "$3"
  psql "$PG_ADMIN" -qc "DROP DATABASE $db WITH (FORCE)"
}
if [ "$WHAT" = all ] || [ "$WHAT" = intake ]; then
  bench_backend sqlite "sqlite://$WORK/sqlite/heard.db" 8097
  pg_ok && with_pg intake bench_backend 8098
fi
if [ "$WHAT" = all ] || [ "$WHAT" = wall ]; then
  bench_wall sqlite-wall "sqlite://$WORK/sqlite-wall/heard.db" 8093
  pg_ok && with_pg wall bench_wall 8094
fi
if [ "$WHAT" = all ] || [ "$WHAT" = reports ]; then
  bench_reports sqlite-reports "sqlite://$WORK/sqlite-reports/heard.db" 8091
  pg_ok && with_pg reports bench_reports 8092
fi
if [ "$WHAT" = all ] || [ "$WHAT" = staff ]; then
  bench_staff sqlite-staff "sqlite://$WORK/sqlite-staff/heard.db" 8095
  pg_ok && with_pg staff bench_staff 8096
fi

if [ -e "$WORK/failed" ]; then
  echo "bench: refused requests in these runs, so no figures are reported:" >&2
  cat "$WORK/failed" >&2
  exit 1
fi

echo
echo "$(nproc) cores ($(uname -m)), wrk $CONNECTIONS connections, ${DURATION}s per run"
if ((${#staff_results[@]})); then
  echo
  echo "Sign-in (median of 20, argon2id m=19 MiB t=2 p=1) and GET /staff (admin inbox, 10,000+ notes)"
  printf '%-22s %12s %14s %10s %18s\n' "target" "sign-in ms" "inbox req/s" "p99 ms" "vs constant (rps)"
  printf '%-22s %12s %14s %10s %18s\n' "constant actix-web" "-" "$base_get_rps" "$base_get_p99" "1.00"
  for r in "${staff_results[@]}"; do
    read -r name login rps p99 <<<"$r"
    printf '%-22s %12s %14s %10s %18s\n' "heard (${name%-staff})" "$login" "$rps" "$p99" "$(awk -v a="$rps" -v b="$base_get_rps" 'BEGIN {printf "%.3f", a/b}')"
  done
fi
if ((${#report_results[@]})); then
  echo
  echo "A team's stats page and notes CSV (median of 5, one request at a time)"
  printf '%-12s %12s %14s %12s %10s\n' "backend" "team notes" "stats ms" "CSV ms" "CSV MiB"
  for r in "${report_results[@]}"; do
    read -r name rows stats_ms csv_ms mib <<<"$r"
    printf '%-12s %12s %14s %12s %10s\n' "${name%-reports}" "$rows" "$stats_ms" "$csv_ms" "$mib"
  done
fi
if ((${#wall_results[@]})); then
  echo
  echo "The wall (GET, no conditional headers), at 1k and 1M published stories"
  printf '%-10s %-4s %-18s %12s %10s %12s %10s\n' "backend" "size" "path" "requests/s" "p99 ms" "vs constant" "1M / 1k"
  printf '%-10s %-4s %-18s %12s %10s %12s %10s\n' "constant" "-" "any" "$base_get_rps" "$base_get_p99" "1.00" "-"
  for r in "${wall_results[@]}"; do
    read -r name size path rps p99 <<<"$r"
    ratio=-
    if [ "$size" = 1M ]; then
      for k in "${wall_results[@]}"; do
        read -r n2 s2 p2 r2 _ <<<"$k"
        [ "$n2" = "$name" ] && [ "$s2" = 1k ] && [ "$p2" = "$path" ] && ratio=$(awk -v a="$rps" -v b="$r2" 'BEGIN {printf "%.2f", a/b}')
      done
    fi
    printf '%-10s %-4s %-18s %12s %10s %12s %10s\n' "${name%-wall}" "$size" "$path" "$rps" "$p99" "$(awk -v a="$rps" -v b="$base_get_rps" 'BEGIN {printf "%.3f", a/b}')" "$ratio"
  done
fi
if ((${#memory_results[@]})); then
  echo
  echo "Peak resident memory (VmHWM) of each server, at the end of its runs"
  printf '%-22s %10s %12s\n' "server" "MiB" "vs constant"
  base_mb=$(peak_mb "${PIDS[0]}")
  printf '%-22s %10s %12s\n' "constant actix-web" "$base_mb" "1.0"
  for r in "${memory_results[@]}"; do
    read -r name mb <<<"$r"
    printf '%-22s %10s %12s\n' "heard ($name)" "$mb" "$(awk -v a="$mb" -v b="$base_mb" 'BEGIN {printf "%.1f", a/b}')"
  done
fi
if [ "$WHAT" = all ]; then
  echo
  echo "Email delivery"
  run_delivery
fi
((${#results[@]})) || exit 0
echo
echo "POST /api/v1/feedback (each a durable commit of the note and its outbox rows)"
printf '%-22s %12s %10s %18s\n' "target" "requests/s" "p99 ms" "vs constant (rps)"
printf '%-22s %12s %10s %18s\n' "constant actix-web" "$base_rps" "$base_p99" "1.00"
for r in "${results[@]}"; do
  read -r name rps p99 <<<"$r"
  printf '%-22s %12s %10s %18s\n' "heard ($name)" "$rps" "$p99" "$(awk -v a="$rps" -v b="$base_rps" 'BEGIN {printf "%.3f", a/b}')"
done
