#!/usr/bin/env bash
# Benchmarks Heard on this machine against a constant-returning actix-web server, measured
# with the same request and wrk settings right before each of Heard's runs, on SQLite and (when
# PostgreSQL answers at 127.0.0.1:5432) on PostgreSQL.
#
#   scripts/bench.sh            # everything below
#   scripts/bench.sh intake     # accepted notes per second (POST /api/v1/feedback)
#   scripts/bench.sh staff      # sign-in latency, and the signed-in inbox with 10,000 notes
#   scripts/bench.sh wall       # /wall, /wall/HANDLE and /api/v1/stories at 1k and 1M stories
#   scripts/bench.sh reports    # a team's stats page and CSV export at 100,000 notes
#   scripts/bench.sh delivery   # email drain rate (worker; pooled vs one connection per
#                               # message) and accepted-note-to-SMTP latency under steady load
#   DURATION=20 CONNECTIONS=32 scripts/bench.sh intake
#   WALL_SIZES=1k scripts/bench.sh wall          # skip the million-story wall
#   EMAILS=1000 NOTES_PER_SECOND=20 DURATION=5 scripts/bench.sh delivery
#
# Every wrk run is preceded by a warm-up of WARMUP seconds (2 unless set) with the same request,
# whose figures are discarded. Every response must have the status the run expects (201 for an
# accepted note, 200 for a page; a 303 to /login in a signed-in run means the cookie was
# wrong): any other status, or any socket error, stops the benchmark with a non-zero exit and
# nothing reported. Each accepted submission is a durable commit of the note and its outbox
# rows. Needs wrk (apt-get install wrk). Everything runs on loopback; the load is bounded by
# DURATION.
set -Eeuo pipefail
# A command that fails stops the benchmark, and says which.
trap 'echo "bench: line $LINENO failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-2}
WALL_SIZES=${WALL_SIZES:-1k 1M}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
die() { echo "bench: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"

WHAT=${1:-all}
case $WHAT in
  all | intake | staff | wall | reports | delivery) ;;
  *) die "no part named '$WHAT' (all, intake, staff, wall, reports, delivery)" ;;
esac
run_delivery() {
  cargo build --release --quiet --example delivery_bench || die "the delivery benchmark did not build"
  local pg=()
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && pg=(HEARD_BENCH_POSTGRES_URL="$PG_ADMIN?sslmode=disable")
  # It exits non-zero when a post is refused or an email never arrives.
  env "${pg[@]}" RUST_LOG=warn target/release/examples/delivery_bench "${EMAILS:-5000}" "${NOTES_PER_SECOND:-50}" "$DURATION" |
    grep -v '^created the demo' || die "the delivery benchmark failed (see above)"
}
if [ "$WHAT" = delivery ]; then
  run_delivery
  exit 0
fi
cargo build --release --quiet --bin heard --example constant_server || die "the release build failed"
HEARD=target/release/heard
WORK=$(mktemp -d)
PIDS=()
# Servers are stopped and waited for before their files are removed (a stopping server may
# still be writing an email file).
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_up() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; die "$1 did not come up"; }

# One wrk run that must see only the status EXPECT; wrk's summary -> RPS and P99 (ms).
# wrk exits non-zero through scripts/expect_status.lua on any other status or socket error.
wrk_once() {
  local expect=$1 script=$2 url=$3 seconds=$4 label=$5
  shift 5
  local out
  if ! out=$(EXPECT_STATUS=$expect wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency \
    -s "$script" "$@" "$url" 2>&1); then
    echo "$out" >&2
    die "$label of $url: wrk failed or some responses were not $expect (above), so nothing is reported"
  fi
  RPS=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  P99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  STATUSES=$(grep '^statuses' <<<"$out")
}

# run_wrk EXPECT SCRIPT URL [wrk options]: a warm-up of WARMUP s with the same request (its
# figures discarded, its statuses checked), then the measured run of DURATION s.
run_wrk() {
  local expect=$1 script=$2 url=$3
  shift 3
  if ((WARMUP > 0)); then wrk_once "$expect" "$script" "$url" "$WARMUP" warm-up "$@"; fi
  wrk_once "$expect" "$script" "$url" "$DURATION" "the measured run" "$@"
  echo "  $url: $RPS req/s, p99 $P99 ms; $STATUSES" >&2
}

CONSTANT=http://127.0.0.1:8099
# The constant server with the same request, script and options, right before Heard's run:
# -> C_RPS, C_P99. It answers 200 to everything.
run_constant() {
  local script=$1 path=$2
  shift 2
  run_wrk 200 "$script" "$CONSTANT$path" "$@"
  C_RPS=$RPS C_P99=$P99
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }

target/release/examples/constant_server 127.0.0.1:8099 & PIDS+=($!)
wait_up "$CONSTANT/"

results=()
staff_results=()
memory_results=()
# Peak resident memory (VmHWM) of a running process, in MiB.
peak_mb() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
PW="bench passphrase that is long enough"
GET=scripts/expect_status.lua

# Signs bench@example.com in at http://127.0.0.1:$1 into the cookie jar $2 -> SIGN_IN_SECONDS.
# Anything but a 303 to /staff stops the benchmark.
sign_in() {
  local port=$1 jar=$2 token answer code location seconds
  token=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="form_token" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  [ -n "$token" ] || die "no form token on http://127.0.0.1:$port/login"
  answer=$(curl -s -o /dev/null -b "$jar" -c "$jar" -w '%{http_code} %{redirect_url} %{time_total}' \
    --data-urlencode "email=bench@example.com" --data-urlencode "password=$PW" \
    --data-urlencode "form_token=$token" --data-urlencode "next=/staff" \
    "http://127.0.0.1:$port/login")
  read -r code location seconds <<<"$answer"
  [ "$code $location" = "303 http://127.0.0.1:$port/staff" ] ||
    die "signing in at port $port answered '$code $location', not a 303 to /staff"
  SIGN_IN_SECONDS=$seconds
}

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
    sign_in "$port" "$jar"
    times+=("$SIGN_IN_SECONDS")
  done
  local login_ms
  login_ms=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}')
  local cookie
  cookie=$(awk '$6 ~ /heard_session/ {print $6"="$7}' "$jar" | tail -n1)
  [ -n "$cookie" ] || die "no session cookie after signing in on $name"
  # A 303 here would be the sign-in page, not the inbox: only 200 counts.
  run_constant "$GET" /staff -H "Cookie: $cookie"
  run_wrk 200 "$GET" "http://127.0.0.1:$port/staff" -H "Cookie: $cookie"
  memory_results+=("$name $(peak_mb "$pid")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  staff_results+=("$name $login_ms $RPS $P99 $C_RPS $C_P99")
}

report_results=()
# Median of 5 GETs of $1 with the cookie jar $2, one at a time, in ms; each must answer 200.
median_ms() {
  local times=() answer
  for _ in 1 2 3 4 5; do
    answer=$(curl -s -o /dev/null -b "$2" -w '%{http_code} %{time_total}' "$1")
    [ "${answer%% *}" = 200 ] || die "$1 answered ${answer%% *}, not 200"
    times+=("${answer#* }")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[3]*1000}'
}

# A manager's stats page and CSV export for one team with 100,000 notes (the demo's 6 reps
# share 200,000 notes between Care and Billing). Median of 5 requests each, one at a time,
# next to the constant server's median the same way.
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
  local jar="$WORK/$name.cookies"
  sign_in "$port" "$jar"
  local care
  care=$(curl -s -b "$jar" "http://127.0.0.1:$port/staff/stats" | grep -o '<option value="[^"]*">Care<' | sed 's/<option value="//; s/">Care<//')
  [ -n "$care" ] || die "no Care team on the stats page of $name"
  local csv="http://127.0.0.1:$port/staff/export/notes.csv?team=$care" rows bytes code
  # (read from a here-string: curl's answer has no newline, and read would fail on it)
  read -r code bytes <<<"$(curl -s -b "$jar" -o "$WORK/notes.csv" -w '%{http_code} %{size_download}' "$csv")"
  [ "$code" = 200 ] || die "$csv answered $code, not 200"
  rows=$(wc -l <"$WORK/notes.csv")
  local constant_ms stats_ms csv_ms
  constant_ms=$(median_ms "$CONSTANT/staff/stats" "$jar") || exit 1
  stats_ms=$(median_ms "http://127.0.0.1:$port/staff/stats?team=$care" "$jar") || exit 1
  csv_ms=$(median_ms "$csv" "$jar") || exit 1
  memory_results+=("$name $(peak_mb "$pid")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  report_results+=("$name $((rows - 1)) $stats_ms $csv_ms $((bytes / 1048576)) $constant_ms")
}

# "1k" -> 1000, "1M" -> 1000000, "250" -> 250.
stories_in() {
  case $1 in
    *[!0-9kM]* | '' | k | M) die "WALL_SIZES: '$1' is not a size like 1k, 100k or 1M" ;;
    *k) echo $((${1%k} * 1000)) ;;
    *M) echo $((${1%M} * 1000000)) ;;
    *) echo "$1" ;;
  esac
}

wall_results=()
# The public wall at each of WALL_SIZES published stories (1k and 1M unless set), smallest first.
bench_wall() {
  local name=$1 url=$2 port=$3
  local env=(HEARD_DATABASE_URL="$url" HEARD_DATA_DIR="$WORK/$name")
  local seeded=0
  for size in $WALL_SIZES; do
    local want
    want=$(stories_in "$size")
    ((want > seeded)) || die "WALL_SIZES must grow ('$WALL_SIZES')"
    local seeded_at=$SECONDS
    env "${env[@]}" "$HEARD" demo --stories $((want - seeded)) >/dev/null 2>&1
    ((seeded > 0)) && echo "seeded $((want - seeded)) more stories on $name in $((SECONDS - seeded_at)) s" >&2
    seeded=$want
    env "${env[@]}" HEARD_BIND=127.0.0.1:$port RUST_LOG=warn "$HEARD" serve >/dev/null 2>&1 & local pid=$!
    PIDS+=($pid)
    wait_up "http://127.0.0.1:$port/healthz"
    for path in /wall /wall/maria "/api/v1/stories"; do
      run_constant "$GET" "$path"
      run_wrk 200 "$GET" "http://127.0.0.1:$port$path"
      wall_results+=("$name $size $path $RPS $P99 $C_RPS")
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
  run_constant scripts/post_api_feedback.lua /api/v1/feedback
  # Every note must be stored: a 200 (a repeat) or a 429 would be a cheaper request.
  run_wrk 201 scripts/post_api_feedback.lua "http://127.0.0.1:$port/api/v1/feedback"
  memory_results+=("$name $(peak_mb "$pid")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  results+=("$name $RPS $P99 $C_RPS $C_P99")
}

pg_ok() { [ -z "${SKIP_PG:-}" ] && command -v psql >/dev/null && psql "$PG_ADMIN" -tAc 'SELECT 1' >/dev/null 2>&1; }
with_pg() {
  local db="heard_bench_$$_$1"
  psql "$PG_ADMIN" -qc "CREATE DATABASE $db"
  "$2" "postgres-$1" "${PG_ADMIN%/*}/$db" "$3"
  psql "$PG_ADMIN" -qc "DROP DATABASE $db WITH (FORCE)"
}
if [ "$WHAT" = all ] || [ "$WHAT" = intake ]; then
  bench_backend sqlite-intake "sqlite://$WORK/sqlite-intake/heard.db" 8097
  if pg_ok; then with_pg intake bench_backend 8098; fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = wall ]; then
  bench_wall sqlite-wall "sqlite://$WORK/sqlite-wall/heard.db" 8093
  if pg_ok; then with_pg wall bench_wall 8094; fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = reports ]; then
  bench_reports sqlite-reports "sqlite://$WORK/sqlite-reports/heard.db" 8091
  if pg_ok; then with_pg reports bench_reports 8092; fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = staff ]; then
  bench_staff sqlite-staff "sqlite://$WORK/sqlite-staff/heard.db" 8095
  if pg_ok; then with_pg staff bench_staff 8096; fi
fi

echo
echo "$(date -u +%F), $(nproc) cores ($(uname -m)), wrk $THREADS threads, $CONNECTIONS connections, ${WARMUP}s warm-up then ${DURATION}s per run"
echo "(each 'constant' figure: the constant server, same request and settings, measured just before the row's run)"
if ((${#staff_results[@]})); then
  echo
  echo "Sign-in (median of 20, argon2id m=19 MiB t=2 p=1) and GET /staff (admin inbox, 10,000+ notes), every response 200"
  printf '%-14s %11s %12s %9s %16s %14s %9s\n' "backend" "sign-in ms" "inbox req/s" "p99 ms" "constant req/s" "constant p99" "ratio"
  for r in "${staff_results[@]}"; do
    read -r name login rps p99 c_rps c_p99 <<<"$r"
    printf '%-14s %11s %12s %9s %16s %14s %9s\n' "${name%-staff}" "$login" "$rps" "$p99" "$c_rps" "$c_p99" "$(ratio "$rps" "$c_rps")"
  done
fi
if ((${#report_results[@]})); then
  echo
  echo "A team's stats page and notes CSV (median of 5, one request at a time), every response 200"
  printf '%-12s %12s %10s %10s %10s %12s\n' "backend" "team notes" "stats ms" "CSV ms" "CSV MiB" "constant ms"
  for r in "${report_results[@]}"; do
    read -r name rows stats_ms csv_ms mib constant_ms <<<"$r"
    printf '%-12s %12s %10s %10s %10s %12s\n' "${name%-reports}" "$rows" "$stats_ms" "$csv_ms" "$mib" "$constant_ms"
  done
fi
if ((${#wall_results[@]})); then
  echo
  echo "The wall (GET, no conditional headers), at $WALL_SIZES published stories, every response 200"
  printf '%-10s %-5s %-16s %11s %8s %15s %8s %12s\n' "backend" "size" "path" "requests/s" "p99 ms" "constant req/s" "ratio" "vs smallest"
  for r in "${wall_results[@]}"; do
    read -r name size path rps p99 c_rps <<<"$r"
    local_ratio=-
    for k in "${wall_results[@]}"; do
      read -r n2 s2 p2 _ _ c2 <<<"$k"
      # The smallest size's ratio to its own constant, against this one's.
      if [ "$n2" = "$name" ] && [ "$p2" = "$path" ] && [ "$s2" != "$size" ] && [ "$s2" = "${WALL_SIZES%% *}" ]; then
        read -r _ _ _ r2 _ _ <<<"$k"
        local_ratio=$(awk -v a="$rps" -v b="$c_rps" -v c="$r2" -v d="$c2" 'BEGIN {printf "%.2f", (a/b)/(c/d)}')
      fi
    done
    printf '%-10s %-5s %-16s %11s %8s %15s %8s %12s\n' "${name%-wall}" "$size" "$path" "$rps" "$p99" "$c_rps" "$(ratio "$rps" "$c_rps")" "$local_ratio"
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
echo "POST /api/v1/feedback (each a durable commit of the note and its outbox rows), every response 201 (constant: 200)"
printf '%-12s %12s %9s %16s %14s %9s\n' "backend" "requests/s" "p99 ms" "constant req/s" "constant p99" "ratio"
for r in "${results[@]}"; do
  read -r name rps p99 c_rps c_p99 <<<"$r"
  printf '%-12s %12s %9s %16s %14s %9s\n' "${name%-intake}" "$rps" "$p99" "$c_rps" "$c_p99" "$(ratio "$rps" "$c_rps")"
done
