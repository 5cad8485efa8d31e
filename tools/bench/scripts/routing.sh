#!/usr/bin/env bash
# Routing throughput end to end, in cluster shape: intake and routing as two processes on
# their own Postgres databases and a shared Redis, wired by their relays. Creates N
# inquiries at concurrency C, then times until routing has routed all of them (assignments)
# and until intake's projection shows all of them (routing_views).
#
# Needs Postgres and Redis on localhost, psql. Knobs: N (default 10000), C (16),
# CARGO_TARGET_DIR (default $HOME/.cache/frontdesk-target), SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PG="postgres://${PGUSER}@${PGHOST}:${PGPORT}"
N="${N:-10000}" C="${C:-16}"
PORT_INTAKE="${PORT_INTAKE:-50181}" PORT_ROUTING="${PORT_ROUTING:-50182}"
SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PREFIX="bench:routing:$RANDOM:"
BIN="$CARGO_TARGET_DIR/release/frontdesk"
BENCH="$CARGO_TARGET_DIR/release/frontdesk-bench"

[[ "${SKIP_BUILD:-0}" == 1 ]] || cargo build --release -p frontdesk -p frontdesk-bench --bins
for db in frontdesk_bench_intake frontdesk_bench_routing; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    redis-cli --scan --pattern "${PREFIX}*" | xargs -r redis-cli del >/dev/null || true
}
trap cleanup EXIT

COMMON=(--jwt-secret "$SECRET" --metrics-addr '' --log warn --properties demo-hotel
        --redis-url redis://127.0.0.1:6379 --redis-prefix "$PREFIX")
"$BIN" serve routing --listen "127.0.0.1:$PORT_ROUTING" "${COMMON[@]}" \
    --routing-database-url "$PG/frontdesk_bench_routing" \
    --subscribers "intake=http://127.0.0.1:$PORT_INTAKE" &
PIDS+=($!)
"$BIN" serve intake --listen "127.0.0.1:$PORT_INTAKE" "${COMMON[@]}" \
    --intake-database-url "$PG/frontdesk_bench_intake" \
    --subscribers "routing=http://127.0.0.1:$PORT_ROUTING" &
PIDS+=($!)
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT_INTAKE") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$PORT_ROUTING") 2>/dev/null && break
    sleep 0.2
done

TOKEN=$("$BIN" token --jwt-secret "$SECRET" --subject bench --role service --property '*')
count() { psql -X -At -d "$1" -c "SELECT count(*) FROM $2"; }

t0=$(date +%s.%N)
"$BENCH" --server "http://127.0.0.1:$PORT_INTAKE" --token "$TOKEN" --property demo-hotel \
    --label cluster --scenario create --concurrency "$C" --requests "$N" --warmup 0 | grep -v '^{' >&2
t_created=$(date +%s.%N)
routed_at="" projected_at=""
while [[ -z "$projected_at" ]]; do
    now=$(date +%s.%N)
    [[ -z "$routed_at" && $(count frontdesk_bench_routing assignments) -ge $N ]] && routed_at=$now
    [[ -n "$routed_at" && $(count frontdesk_bench_intake routing_views) -ge $N ]] && projected_at=$now
    if (( $(echo "$now - $t0 > 600" | bc) )); then echo "gave up after 600 s" >&2; exit 1; fi
    sleep 0.1
done
awk -v n="$N" -v t0="$t0" -v c="$t_created" -v r="$routed_at" -v p="$projected_at" 'BEGIN {
    printf "created  %d in %.2f s (%.0f/s)\n", n, c - t0, n / (c - t0);
    printf "routed   all %d after %.2f s: %.0f inquiries/s end to end (intake outbox -> routing -> assignment + deadlines)\n", n, r - t0, n / (r - t0);
    printf "projected back into intake after %.2f s (%.0f/s); lag behind the last create %.2f s\n", p - t0, n / (p - t0), p - c;
}'
