#!/usr/bin/env bash
# Messaging's two targets of issue 10 (see BENCHMARKS.md, "Messaging"), each with a same-run
# plain-SQL baseline:
#   1. full resync of a 1,000-room property: SyncStays with 1,500 stays (first load, replay,
#      changed resyncs), then the same rows written by psql in one transaction each;
#   2. LocateGuest at concurrency 16 over 100,000 stays (Chinese and pinyin names), then
#      pgbench running LocateGuest's transaction (messaging_locate.sql) on the same database.
# Postgres service (`frontdesk serve messaging`); SQLite (`frontdesk dev`) too unless
# SKIP_SQLITE=1. Needs Postgres on localhost, psql, pgbench.
# Knobs: STAYS (100000), REQUESTS (20000), C (16), RATES ("200 500": open-loop runs of 20 s),
# PGBENCH_SECS (20), SKIP_BUILD=1,
# CARGO_TARGET_DIR (default $HOME/.cache/frontdesk-target).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PG="postgres://${PGUSER}@${PGHOST}:${PGPORT}"
STAYS="${STAYS:-100000}" REQUESTS="${REQUESTS:-20000}" C="${C:-16}" RATES="${RATES:-200 500}"
PGBENCH_SECS="${PGBENCH_SECS:-20}"
PORT="${PORT:-50191}"
SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BIN="$CARGO_TARGET_DIR/release/frontdesk"
BENCH="$CARGO_TARGET_DIR/release/frontdesk-messaging-bench"

[[ "${SKIP_BUILD:-0}" == 1 ]] || cargo build --release -p frontdesk -p frontdesk-bench --bins
TOKEN=$("$BIN" token --jwt-secret "$SECRET" --subject bench --role manager --property '*')

SERVER=
cleanup() { [[ -z "$SERVER" ]] || { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; } || true; }
trap cleanup EXIT
start() { # start ARGS… : frontdesk in the background, wait for its port
    # No per-caller rate limit: the bench is one caller standing in for a whole switchboard.
    "$BIN" "$@" --listen "127.0.0.1:$PORT" --jwt-secret "$SECRET" --metrics-addr '' --log warn \
        --rate-limit-per-caller 0 --rate-limit-per-peer 0 &
    SERVER=$!
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "frontdesk did not listen on $PORT" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
fresh() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
bench() { "$BENCH" --server "http://127.0.0.1:$PORT" --token "$TOKEN" "$@"; }

echo "== 1. resync of 1,500 stays, Postgres service" >&2
fresh frontdesk_bench_msg
start serve messaging --properties demo-hotel --messaging-database-url "$PG/frontdesk_bench_msg"
bench --label postgres resync
stop

echo "== 1b. the same rows as plain SQL (psql, one transaction each)" >&2
fresh frontdesk_bench_msg_sql
"$BIN" migrate messaging --messaging-database-url "$PG/frontdesk_bench_msg_sql" >&2
psql -X -q -d frontdesk_bench_msg_sql -c \
    "INSERT INTO properties (property_id, created_at) VALUES ('demo-hotel', 0)"
psql -X -d frontdesk_bench_msg_sql -f "$ROOT/tools/bench/scripts/messaging_resync.sql" 2>&1 \
    >&2

if [[ "${SKIP_SQLITE:-0}" != 1 ]]; then
    echo "== 1c. resync on SQLite (frontdesk dev)" >&2
    DIR=$(mktemp -d)
    start dev --data-dir "$DIR" --properties demo-hotel
    bench --label sqlite resync
    stop
    rm -rf "$DIR"
fi

echo "== 2. LocateGuest, $STAYS stays, concurrency $C, Postgres service" >&2
fresh frontdesk_bench_msg
start serve messaging --properties demo-hotel --messaging-database-url "$PG/frontdesk_bench_msg"
bench --label postgres load --stays "$STAYS"
psql -X -q -d frontdesk_bench_msg -c "VACUUM ANALYZE"
bench --label postgres locate --stays "$STAYS" --concurrency "$C" --requests "$REQUESTS"
# The same 16 callers at fixed offered rates (a switchboard's operators, not a closed loop
# that measures C/throughput of queue whatever the service does).
for rate in $RATES; do
    bench --label postgres locate --stays "$STAYS" --concurrency "$C" --requests $((rate * 20)) \
        --rate "$rate"
done
stop

echo "== 2b. pgbench: LocateGuest's transaction, $C clients, $PGBENCH_SECS s, same database" >&2
psql -X -q -d frontdesk_bench_msg -c "DROP TABLE IF EXISTS bench_keys" -c \
    "CREATE TABLE bench_keys AS SELECT (row_number() OVER (ORDER BY name_key))::int AS n, name_key
     FROM (SELECT DISTINCT name_key FROM guest_keys) k" -c "ALTER TABLE bench_keys ADD PRIMARY KEY (n)"
KEYS=$(psql -X -At -d frontdesk_bench_msg -c "SELECT count(*) FROM bench_keys")
pgb() { # pgb LABEL [pgbench args…]: one run, then its p50/p90/p99 from the per-transaction log
    local label=$1; shift
    LOGS=$(mktemp -d)
    pgbench -n -M prepared -c "$C" -j 2 -T "$PGBENCH_SECS" -D keys="$KEYS" -l "$@" \
        --log-prefix="$LOGS/pgbench" -f "$ROOT/tools/bench/scripts/messaging_locate.sql" \
        frontdesk_bench_msg 2>&1 | grep -E 'tps|latency average|failed' >&2
    # Per-transaction log: field 3 is the latency in µs; with --rate, field 7 is the wait
    # between when the transaction was due and when it started, counted as the service's is.
    cat "$LOGS"/pgbench.* | awk '{print $3 + $7}' | sort -n | awk -v label="$label" '{ v[NR] = $1 } END {
        printf "{\"scenario\":\"locate\",\"label\":\"%s\",\"requests\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
            label, NR, v[int(NR * 0.5)] / 1000, v[int(NR * 0.9)] / 1000, v[int(NR * 0.99)] / 1000, v[NR] / 1000 }'
    rm -rf "$LOGS"
}
pgb pgbench
for rate in $RATES; do pgb "pgbench-rate-$rate" -R "$rate"; done

if [[ "${SKIP_SQLITE:-0}" != 1 ]]; then
    echo "== 2c. LocateGuest on SQLite (frontdesk dev)" >&2
    DIR=$(mktemp -d)
    start dev --data-dir "$DIR" --properties demo-hotel
    bench --label sqlite load --stays "$STAYS"
    bench --label sqlite locate --stays "$STAYS" --concurrency "$C" --requests "$REQUESTS"
    stop
    rm -rf "$DIR"
fi
