#!/usr/bin/env bash
# End-to-end benchmark of intake (see BENCHMARKS.md):
#   1. CreateInquiry through the gRPC service on Postgres (`frontdesk serve intake`)
#   2. the same on SQLite (`frontdesk dev`)
#   3. pgbench running CreateInquiry's SQL transaction directly (the ceiling for 1)
#   4. ListInquiries on 1,000,000 rows (Postgres; SQLite too with LIST_SQLITE=1), and
#      searches on them (common, rare, absent; Chinese, English, a phone) at c=1 and c=16,
#      each against pgbench running the same SELECT
# and prints a summary table. Results (JSON lines), logs and wait-event samples go to $OUT.
#
# Needs: Postgres at $PGHOST:$PGPORT (trust auth for $PGUSER), psql, pgbench, jq, cargo
# (sqlite3 for LIST_SQLITE=1). Knobs (environment):
#   CARGO_TARGET_DIR   default $HOME/.cache/frontdesk-target
#   SKIP_BUILD=1       use the binaries already built
#   CONCURRENCIES      default "1 4 16 64"
#   CREATE_REQUESTS    measured CreateInquiry calls per run (default 20000; c=1 uses
#                      CREATE_REQUESTS_C1, default 5000)
#   WARMUP             unmeasured calls before each run (default 1000)
#   PGBENCH_SECS       length of each pgbench run (default 20)
#   LIST_ROWS          rows for the ListInquiries benchmark (default 1000000)
#   LIST_REQUESTS      measured ListInquiries calls (default 10000, at most LIST_SECS seconds)
#   SEARCH_CONCURRENCIES default "1 16"; SEARCH_REQUESTS (default 5000) / SEARCH_SECS
#                      (default 15) per search run, and pgbench's length per search
#   LIST_REUSE=1       keep frontdesk_bench_list when it already holds LIST_ROWS rows
#   SKIP_SQLITE=1 SKIP_PGBENCH=1 SKIP_CREATE=1 SKIP_LIST=1 LIST_SQLITE=1 SKIP_SEARCH=1
#   SKIP_SEARCH_PGBENCH=1
set -euo pipefail

cd "$(dirname "$0")/../../.."
ROOT=$(pwd)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PG_URL_BASE="postgres://${PGUSER}@${PGHOST}:${PGPORT}"

PORT_PG="${PORT_PG:-50171}"
PORT_SQLITE="${PORT_SQLITE:-50172}"
PORT_LIST="${PORT_LIST:-50173}"
SECRET="${SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
PROPERTY=demo-hotel

CONCURRENCIES="${CONCURRENCIES:-1 4 16 64}"
CREATE_REQUESTS="${CREATE_REQUESTS:-20000}"
CREATE_REQUESTS_C1="${CREATE_REQUESTS_C1:-5000}"
WARMUP="${WARMUP:-1000}"
PGBENCH_SECS="${PGBENCH_SECS:-20}"
LIST_ROWS="${LIST_ROWS:-1000000}"
LIST_REQUESTS="${LIST_REQUESTS:-10000}"
LIST_SECS="${LIST_SECS:-120}"
SKIP_BUILD="${SKIP_BUILD:-0}"
SKIP_CREATE="${SKIP_CREATE:-0}"
SKIP_SQLITE="${SKIP_SQLITE:-0}"
SKIP_PGBENCH="${SKIP_PGBENCH:-0}"
SKIP_LIST="${SKIP_LIST:-0}"
LIST_SQLITE="${LIST_SQLITE:-0}"
SKIP_SEARCH="${SKIP_SEARCH:-0}"
SKIP_SEARCH_PGBENCH="${SKIP_SEARCH_PGBENCH:-0}"
LIST_REUSE="${LIST_REUSE:-0}"
SEARCH_CONCURRENCIES="${SEARCH_CONCURRENCIES:-1 16}"
SEARCH_REQUESTS="${SEARCH_REQUESTS:-5000}"
SEARCH_SECS="${SEARCH_SECS:-15}"

OUT="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-bench.XXXXXX")}"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"

BIN="$CARGO_TARGET_DIR/release/frontdesk"
BENCH="$CARGO_TARGET_DIR/release/frontdesk-bench"
SEARCH_SQL="$CARGO_TARGET_DIR/release/frontdesk-search-sql"

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- processes we started

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME PORT ARGS… : starts frontdesk in the background, waits for its port.
SERVER_PID=
start_server() {
    local name=$1 port=$2
    shift 2
    "$BIN" "$@" >"$OUT/$name.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local i
    for i in $(seq 1 300); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "$name exited early; its log:" >&2
            cat "$OUT/$name.log" >&2
            exit 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "$name did not listen on $port within 30 s" >&2
    exit 1
}

stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

recreate_db() {
    psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}

# sample_waits DB FILE : every 50 ms, one line per client backend of DB:
# "state | wait_event_type:wait_event" (CPU when not waiting). Runs until killed.
sample_waits() {
    local db=$1 file=$2
    while true; do
        psql -X -At -d postgres -c "SELECT state || ' | ' || coalesce(wait_event_type || ':' || wait_event, 'CPU')
            FROM pg_stat_activity WHERE datname = '$db' AND backend_type = 'client backend'
            AND pid <> pg_backend_pid()" >>"$file" 2>/dev/null || true
        sleep 0.05
    done
}

SAMPLER_PID=
start_sampler() {
    sample_waits "$1" "$2" &
    SAMPLER_PID=$!
    PIDS+=("$SAMPLER_PID")
}
stop_sampler() {
    if [[ -n "$SAMPLER_PID" ]]; then
        kill "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
        SAMPLER_PID=
    fi
}
summarise_waits() {
    local file=$1
    echo "wait events ($(wc -l <"$file") backend samples): $file" >&2
    sort "$file" | uniq -c | sort -rn | head -12 >&2
}

# bench LABEL SCENARIO CONCURRENCY REQUESTS PORT [extra flags…]
bench() {
    local label=$1 scenario=$2 c=$3 n=$4 port=$5
    shift 5
    local out="$OUT/bench-$label-$scenario-c$c.txt"
    "$BENCH" --server "http://127.0.0.1:$port" --token "$TOKEN" --property "$PROPERTY" \
        --label "$label" --scenario "$scenario" --concurrency "$c" --requests "$n" "$@" \
        | tee "$out" >&2
    grep '^{' "$out" >>"$RESULTS"
}

# pgbench_run DB CLIENTS : the CreateInquiry transaction for PGBENCH_SECS seconds.
pgbench_run() {
    local db=$1 c=$2
    local j=$((c < 2 ? c : 2))
    local prefix="$OUT/pgbench-c$c"
    rm -f "$prefix".*
    pgbench -n -M prepared -c "$c" -j "$j" -T "$PGBENCH_SECS" -f "$ROOT/tools/bench/scripts/create_inquiry.sql" \
        -l --log-prefix="$prefix" "$db" >"$OUT/pgbench-c$c.txt" 2>&1
    cat "$OUT/pgbench-c$c.txt" >&2
    local tps failed
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$OUT/pgbench-c$c.txt")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT/pgbench-c$c.txt")
    # Per-transaction log: field 3 is the latency in µs.
    cat "$prefix".* | awk '{print $3}' | sort -n | awk -v tps="$tps" -v c="$c" -v failed="${failed:-0}" \
        -v secs="$PGBENCH_SECS" '
        { v[NR] = $1 }
        END {
            p50 = v[int(NR * 0.50) > 0 ? int(NR * 0.50) : 1]
            p90 = v[int(NR * 0.90) > 0 ? int(NR * 0.90) : 1]
            p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
            printf "{\"scenario\":\"create\",\"label\":\"pgbench\",\"concurrency\":%d,\"requests\":%d,\"errors\":%d,\"duration_s\":%d,\"throughput_rps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
                c, NR, failed, secs, tps, p50 / 1000, p90 / 1000, p99 / 1000, v[NR] / 1000
        }' >>"$RESULTS"
    rm -f "$prefix".*
}

create_runs() {
    local label=$1 port=$2 c n
    for c in $CONCURRENCIES; do
        n=$CREATE_REQUESTS
        [[ "$c" == 1 ]] && n=$CREATE_REQUESTS_C1
        log "CreateInquiry on $label, concurrency $c, $n requests after $WARMUP warm-up"
        if [[ "$label" == postgres && "$c" == 16 ]]; then
            start_sampler frontdesk_bench "$OUT/waits-service-c16.txt"
            bench "$label" create "$c" "$n" "$port" --warmup "$WARMUP"
            stop_sampler
            summarise_waits "$OUT/waits-service-c16.txt"
        else
            bench "$label" create "$c" "$n" "$port" --warmup "$WARMUP"
        fi
    done
}

# ------------------------------------------------------------------ search (issue 14)

# name|filter|value: ListInquiries searches on the 1M rows of load_inquiries.sql, from a
# common term (1 row in 10 or 20) to an absent one, Chinese, English and a phone number.
SEARCH_CASES=(
    "zh-2-common|text|早餐"
    "zh-4-common|text|婚宴场地"
    "zh-4-rare|text|司马相如"
    "zh-2-absent|text|退房"
    "en-common|text|breakfast"
    "en-rare|text|guest123456@example"
    "en-absent|text|helicopter"
    "en-absent-common-grams|text|room rate"
    "phone-in-text|text|138 0012 3456"
    "phone-filter|phone|+86 13800123456"
)

# wait_indexed DB: intake indexes the bulk-loaded rows (search_tokens NULL) on start; the
# benchmark measures the indexed table, with fresh planner statistics.
wait_indexed() {
    local db=$1 left start
    start=$(date +%s)
    while true; do
        left=$(psql -X -At -d "$db" -c "SELECT count(*) FROM inquiries WHERE search_tokens IS NULL")
        [[ "$left" == 0 ]] && break
        sleep 2
    done
    echo "indexed for search in $(($(date +%s) - start)) s" >&2
    psql -X -q -d "$db" -c "VACUUM ANALYZE inquiries" >&2
    psql -X -d "$db" -c "SELECT pg_size_pretty(pg_relation_size('inquiries')) AS heap,
        pg_size_pretty(pg_relation_size('inquiries_search')) AS gin_index" >&2
}

search_args() {
    local filter=$1 value=$2
    case "$filter" in
        text) printf '%s\0%s\0' --text "$value" ;;
        phone) printf '%s\0%s\0' --customer-phone "$value" ;;
    esac
}

# search_runs PORT: each case at c=1 and c=16, first pages of 50.
search_runs() {
    local port=$1 case name filter value c args
    for case in "${SEARCH_CASES[@]}"; do
        IFS='|' read -r name filter value <<<"$case"
        mapfile -d '' args < <(search_args "$filter" "$value")
        for c in $SEARCH_CONCURRENCIES; do
            log "ListInquiries search $name ($filter $value), concurrency $c"
            bench "search:$name" list "$c" "$SEARCH_REQUESTS" "$port" --warmup 50 --pages 1 \
                --duration-secs "$SEARCH_SECS" "${args[@]}"
        done
    done
}

# search_pgbench DB: the same SELECT the service runs (frontdesk-search-sql), through
# pgbench at the same concurrency: the baseline of each search run.
search_pgbench() {
    local db=$1 case name filter value c args sql j prefix
    for case in "${SEARCH_CASES[@]}"; do
        IFS='|' read -r name filter value <<<"$case"
        mapfile -d '' args < <(search_args "$filter" "$value")
        sql="$OUT/search-$name.sql"
        "$SEARCH_SQL" --database-url "$PG_URL_BASE/$db" --property "$PROPERTY" "${args[@]}" >"$sql"
        for c in $SEARCH_CONCURRENCIES; do
            log "pgbench search $name, $c clients, $SEARCH_SECS s"
            j=$((c < 2 ? c : 2))
            prefix="$OUT/pgbench-search-$name-c$c.log"
            rm -f "$prefix".*
            # Simple protocol: planned for its values each time, as the service's statement.
            pgbench -n -M simple -c "$c" -j "$j" -T "$SEARCH_SECS" -f "$sql" -l \
                --log-prefix="$prefix" "$db" >"$OUT/pgbench-search-$name-c$c.txt" 2>&1
            cat "$prefix".* | awk 'NF > 3 {print $3}' | sort -n | awk -v c="$c" -v secs="$SEARCH_SECS" \
                -v label="pgbench:$name" '
                { v[NR] = $1 }
                END {
                    p50 = v[int(NR * 0.50) > 0 ? int(NR * 0.50) : 1]
                    p90 = v[int(NR * 0.90) > 0 ? int(NR * 0.90) : 1]
                    p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
                    printf "{\"scenario\":\"list\",\"label\":\"%s\",\"concurrency\":%d,\"requests\":%d,\"errors\":0,\"duration_s\":%d,\"throughput_rps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
                        label, c, NR, secs, NR / secs, p50 / 1000, p90 / 1000, p99 / 1000, v[NR] / 1000
                }' | tee -a "$RESULTS" >&2
            rm -f "$prefix".*
        done
    done
}

# ---------------------------------------------------------------------------- build

if [[ "$SKIP_BUILD" != 1 ]]; then
    log "building release binaries into $CARGO_TARGET_DIR"
    cargo build --release -p frontdesk -p frontdesk-bench --bins
fi
[[ -x "$BIN" && -x "$BENCH" && -x "$SEARCH_SQL" ]] || { echo "missing $BIN, $BENCH or $SEARCH_SQL" >&2; exit 1; }

log "results in $OUT"
TOKEN=$("$BIN" token --jwt-secret "$SECRET" --subject bench --role service --property '*')

SERVE_FLAGS=(--jwt-secret "$SECRET" --metrics-addr '' --log warn --properties "$PROPERTY")

# ------------------------------------------------------------------ 1. Postgres service

if [[ "$SKIP_CREATE" != 1 ]]; then
    log "Postgres: fresh database frontdesk_bench"
    recreate_db frontdesk_bench
    start_server serve-postgres "$PORT_PG" serve intake --listen "127.0.0.1:$PORT_PG" \
        --intake-database-url "$PG_URL_BASE/frontdesk_bench" "${SERVE_FLAGS[@]}"
    create_runs postgres "$PORT_PG"
    stop_server
    psql -X -d frontdesk_bench -c "SELECT count(*) AS inquiries,
        (SELECT round(avg(length(payload))) FROM outbox) AS avg_outbox_payload_bytes,
        pg_size_pretty(pg_database_size('frontdesk_bench')) AS db_size FROM inquiries" >&2
fi

# --------------------------------------------------------------------- 2. SQLite (dev)

if [[ "$SKIP_CREATE" != 1 && "$SKIP_SQLITE" != 1 ]]; then
    SQLITE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-bench-sqlite.XXXXXX")
    log "SQLite: frontdesk dev in $SQLITE_DIR"
    start_server dev-sqlite "$PORT_SQLITE" dev --data-dir "$SQLITE_DIR" \
        --listen "127.0.0.1:$PORT_SQLITE" --metrics-addr '' --log warn --jwt-secret "$SECRET"
    create_runs sqlite "$PORT_SQLITE"
    stop_server
    rm -rf "$SQLITE_DIR"
fi

# --------------------------------------------------- 3. pgbench, the same transaction

if [[ "$SKIP_PGBENCH" != 1 ]]; then
    log "pgbench: CreateInquiry's transaction on a freshly migrated frontdesk_bench_pgbench"
    recreate_db frontdesk_bench_pgbench
    "$BIN" migrate intake --intake-database-url "$PG_URL_BASE/frontdesk_bench_pgbench" >&2
    psql -X -q -d frontdesk_bench_pgbench -c \
        "INSERT INTO properties (property_id, created_at) VALUES ('$PROPERTY', 0)"
    for c in $CONCURRENCIES; do
        log "pgbench, $c clients, $PGBENCH_SECS s"
        if [[ "$c" == 16 ]]; then
            start_sampler frontdesk_bench_pgbench "$OUT/waits-pgbench-c16.txt"
            pgbench_run frontdesk_bench_pgbench "$c"
            stop_sampler
            summarise_waits "$OUT/waits-pgbench-c16.txt"
        else
            pgbench_run frontdesk_bench_pgbench "$c"
        fi
    done
fi

# ------------------------------------------------------- 4. ListInquiries on 1M rows

if [[ "$SKIP_LIST" != 1 ]]; then
    if [[ "$LIST_REUSE" == 1 ]] && [[ $(psql -X -At -d frontdesk_bench_list \
        -c "SELECT count(*) FROM inquiries" 2>/dev/null) == "$LIST_ROWS" ]]; then
        log "ListInquiries: reusing the $LIST_ROWS rows of frontdesk_bench_list"
    else
        log "ListInquiries: loading $LIST_ROWS rows into frontdesk_bench_list"
        recreate_db frontdesk_bench_list
        "$BIN" migrate intake --intake-database-url "$PG_URL_BASE/frontdesk_bench_list" >&2
        start=$(date +%s)
        psql -X -q -d frontdesk_bench_list -v rows="$LIST_ROWS" -v property="$PROPERTY" \
            -f "$ROOT/tools/bench/scripts/load_inquiries.sql" >&2
        echo "loaded in $(($(date +%s) - start)) s" >&2
    fi
    start_server serve-list "$PORT_LIST" serve intake --listen "127.0.0.1:$PORT_LIST" \
        --intake-database-url "$PG_URL_BASE/frontdesk_bench_list" "${SERVE_FLAGS[@]}"
    wait_indexed frontdesk_bench_list
    log "ListInquiries on Postgres, concurrency 16"
    bench postgres-1M list 16 "$LIST_REQUESTS" "$PORT_LIST" --warmup 200 \
        --duration-secs "$LIST_SECS"
    if [[ "$SKIP_SEARCH" != 1 ]]; then
        search_runs "$PORT_LIST"
    fi
    stop_server
    if [[ "$SKIP_SEARCH" != 1 && "$SKIP_SEARCH_PGBENCH" != 1 ]]; then
        search_pgbench frontdesk_bench_list
    fi

    if [[ "$LIST_SQLITE" == 1 ]]; then
        SQLITE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-bench-sqlite.XXXXXX")
        log "ListInquiries: loading $LIST_ROWS rows into SQLite in $SQLITE_DIR"
        "$BIN" migrate intake --intake-database-url "sqlite://$SQLITE_DIR/intake.db?mode=rwc" >&2
        start=$(date +%s)
        sqlite3 "$SQLITE_DIR/intake.db" \
            ".parameter set :rows $LIST_ROWS" \
            ".parameter set :property '$PROPERTY'" \
            ".read $ROOT/tools/bench/scripts/load_inquiries_sqlite.sql" >&2
        echo "loaded in $(($(date +%s) - start)) s" >&2
        start_server dev-list "$PORT_LIST" dev --data-dir "$SQLITE_DIR" \
            --listen "127.0.0.1:$PORT_LIST" --metrics-addr '' --log warn --jwt-secret "$SECRET"
        until [[ $(sqlite3 "$SQLITE_DIR/intake.db" \
            "SELECT count(*) FROM inquiries WHERE search_tokens IS NULL") == 0 ]]; do
            sleep 2
        done
        log "ListInquiries on SQLite, concurrency 16"
        bench sqlite-1M list 16 "$LIST_REQUESTS" "$PORT_LIST" --warmup 200 \
            --duration-secs "$LIST_SECS"
        stop_server
        rm -rf "$SQLITE_DIR"
    fi
fi

# ---------------------------------------------------------------------------- summary

log "summary ($RESULTS)"
{
    printf 'scenario\tbackend\tconc\trequests\terrors\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\n'
    jq -r '[.scenario, .label, .concurrency, .requests, .errors, .throughput_rps,
            .p50_ms, .p90_ms, .p99_ms, .max_ms] | @tsv' "$RESULTS"
} | column -t -s $'\t'

echo
jq -rs '
    (map(select(.scenario == "create")) | group_by(.concurrency))[]
    | (map(select(.label == "pgbench"))[0]) as $pg
    | map(select(.label != "pgbench"))[]
    | select($pg != null and $pg.throughput_rps > 0)
    | "ratio \(.label) c=\(.concurrency): \(.throughput_rps) / pgbench \($pg.throughput_rps) = \((.throughput_rps / $pg.throughput_rps * 100 | round) / 100)x"
' "$RESULTS"
