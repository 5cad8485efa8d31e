#!/usr/bin/env bash
# The pipeline at a fixed offered rate (issue 14): intake and routing as two `frontdesk
# serve` processes on their own Postgres databases and a shared Redis, wired by their
# relays. For each RATE: fresh databases, DURATION seconds of CreateInquiry offered in an
# open loop (`frontdesk-bench --rate`, latency from when each call was due), then until
# intake's projection shows every inquiry routed. Reports create p99 and the
# created -> routed lag, where "routed" means projected back into intake: the ROUTED
# timeline entry's time minus the CREATED entry's time of the same inquiry (both written by
# intake on this host's clock). The lag by 10 s window of creation shows whether it stays
# flat (keeping up) or grows (falling behind).
#
# Needs Postgres and Redis on localhost, psql. Knobs: RATES (default "500 1000 1500"),
# DURATION (60), WARMUP calls (500, offered at the same rate, not measured), C (max calls
# in flight, 4096), CONNECTIONS (4), CARGO_TARGET_DIR, SKIP_BUILD=1, OUT (results dir).
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PG="postgres://${PGUSER}@${PGHOST}:${PGPORT}"
RATES="${RATES:-500 1000 1500}" DURATION="${DURATION:-60}" WARMUP="${WARMUP:-500}"
C="${C:-4096}" CONNECTIONS="${CONNECTIONS:-4}"
OUT="${OUT:-$(mktemp -d /tmp/fd-pipeline.XXXX)}"
PORT_INTAKE="${PORT_INTAKE:-50183}" PORT_ROUTING="${PORT_ROUTING:-50184}"
SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BIN="$CARGO_TARGET_DIR/release/frontdesk"
BENCH="$CARGO_TARGET_DIR/release/frontdesk-bench"
mkdir -p "$OUT"

[[ "${SKIP_BUILD:-0}" == 1 ]] || cargo build --release -p frontdesk -p frontdesk-bench --bins

PIDS=()
PREFIX=""
stop_services() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
    [[ -z "$PREFIX" ]] || redis-cli --scan --pattern "${PREFIX}*" | xargs -r redis-cli del >/dev/null || true
}
trap stop_services EXIT

TOKEN=$("$BIN" token --jwt-secret "$SECRET" --subject bench --role service --property '*')
q() { psql -X -At -d frontdesk_bench_pipe_intake -c "$1"; }

for RATE in $RATES; do
    for db in frontdesk_bench_pipe_intake frontdesk_bench_pipe_routing; do
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    done
    # The previous rate's processes may still hold the ports for a moment after exiting.
    for _ in $(seq 1 150); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT_INTAKE") 2>/dev/null \
            || (exec 3<>"/dev/tcp/127.0.0.1/$PORT_ROUTING") 2>/dev/null || break
        sleep 0.2
    done
    PREFIX="bench:pipeline:$RANDOM:"
    COMMON=(--jwt-secret "$SECRET" --metrics-addr '' --log warn --properties demo-hotel
            --redis-url redis://127.0.0.1:6379 --redis-prefix "$PREFIX")
    "$BIN" serve routing --listen "127.0.0.1:$PORT_ROUTING" "${COMMON[@]}" \
        --routing-database-url "$PG/frontdesk_bench_pipe_routing" \
        --subscribers "intake=http://127.0.0.1:$PORT_INTAKE" --peers "intake=http://127.0.0.1:$PORT_INTAKE" \
        2>"$OUT/routing-$RATE.log" &
    PIDS+=($!)
    "$BIN" serve intake --listen "127.0.0.1:$PORT_INTAKE" "${COMMON[@]}" \
        --intake-database-url "$PG/frontdesk_bench_pipe_intake" \
        --subscribers "routing=http://127.0.0.1:$PORT_ROUTING" 2>"$OUT/intake-$RATE.log" &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT_INTAKE") 2>/dev/null \
            && (exec 3<>"/dev/tcp/127.0.0.1/$PORT_ROUTING") 2>/dev/null && break
        sleep 0.2
    done

    "$BENCH" --server "http://127.0.0.1:$PORT_INTAKE" --token "$TOKEN" --property demo-hotel \
        --label "pipeline-$RATE" --scenario create --rate "$RATE" --concurrency "$C" \
        --max-in-flight "$C" --connections "$CONNECTIONS" --warmup "$WARMUP" \
        --duration-secs "$DURATION" > "$OUT/create-$RATE.txt"
    ended=$(date +%s.%N)
    created=$(q "SELECT count(*) FROM inquiries")
    backlog=$(q "SELECT $created - count(*) FROM routing_views")
    # Wait (up to 10 min) until every inquiry is projected back.
    while [[ $(q "SELECT count(*) FROM routing_views") -lt $created ]]; do
        if (( $(echo "$(date +%s.%N) - $ended > 600" | bc) )); then echo "gave up" >&2; break; fi
        sleep 0.2
    done
    drained=$(echo "$(date +%s.%N) - $ended" | bc)
    # Lag per inquiry (ms); warm-up inquiries excluded (the first WARMUP created).
    LAG="WITH c AS (SELECT inquiry_id, at FROM timeline WHERE change = 1 ORDER BY sequence OFFSET $WARMUP),
         l AS (SELECT c.at AS created, (min(r.at) - c.at) / 1000.0 AS ms FROM c
               JOIN timeline r ON r.inquiry_id = c.inquiry_id AND r.change = 10 GROUP BY c.inquiry_id, c.at)"
    overall=$(q "$LAG SELECT count(*), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
                 round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1), round(max(ms)::numeric, 1) FROM l")
    windows=$(q "$LAG, w AS (SELECT ((created - min(created) OVER ()) / 10000000) * 10 AS w, ms FROM l)
                 SELECT w || '|' || count(*) || '|' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1)
                        || '|' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)
                 FROM w GROUP BY w ORDER BY w" | paste -sd' ')
    {
        echo "rate=$RATE $(grep -v '^{' "$OUT/create-$RATE.txt")"
        grep '^{' "$OUT/create-$RATE.txt"
        echo "lag (n|p50 ms|p99 ms|max ms): $overall"
        echo "backlog when the load stopped: $backlog of $created; all projected ${drained} s after"
        echo "lag by 10 s window of creation (start s|n|p50 ms|p99 ms): $windows"
    } | tee "$OUT/summary-$RATE.txt"
    stop_services
done
echo "results in $OUT"
