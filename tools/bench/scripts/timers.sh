#!/usr/bin/env bash
# SLA timer wheel benchmark: builds frontdesk-timer-bench (release), measures raw Redis with
# redis-benchmark as a baseline, then runs the wheel benchmark (arm N timers, fire them at a
# fixed rate across replicas, report fire lateness). Results: see tools/bench/scripts/timers.md.
#
# Usage: tools/bench/scripts/timers.sh [frontdesk-timer-bench flags...]
#   tools/bench/scripts/timers.sh                                  # 1,000,000 timers, 10,000/s, 2 replicas
#   tools/bench/scripts/timers.sh --timers 200000                  # quick check (~25 s)
#   tools/bench/scripts/timers.sh --tick-ms 50 --spawn task
# Environment:
#   REDIS_URL          redis://host:port (default redis://127.0.0.1:6379; no auth/TLS here)
#   CARGO_TARGET_DIR   default $HOME/.cache/frontdesk-target
#   SKIP_BUILD=1       use the binary already built
#   SKIP_BASELINE=1    skip redis-benchmark
#   LOG_DIR            where the full output goes (default ${TMPDIR:-/tmp})
set -euo pipefail

cd "$(dirname "$0")/../../.."
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk-target}"
LOG_DIR="${LOG_DIR:-${TMPDIR:-/tmp}}"
BIN="$CARGO_TARGET_DIR/release/frontdesk-timer-bench"
STAMP="$(date +%Y%m%d-%H%M%S)"
LOG="$LOG_DIR/frontdesk-timers-$STAMP.log"

# redis-benchmark takes host and port, not a URL.
hostport="${REDIS_URL#redis://}"
hostport="${hostport%%/*}"
hostport="${hostport##*@}"
REDIS_HOST="${hostport%%:*}"
REDIS_PORT="${hostport##*:}"
[[ "$REDIS_PORT" == "$hostport" ]] && REDIS_PORT=6379

echo "== machine"
echo "nproc: $(nproc)  mem: $(free -h | awk '/^Mem:/ {print $2}')  load: $(cut -d' ' -f1-3 /proc/loadavg)"
redis-server --version 2>/dev/null || true
redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" INFO server | grep -E '^redis_version' || true

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release -p frontdesk-bench --bin frontdesk-timer-bench
fi

if [[ "${SKIP_BASELINE:-0}" != 1 ]]; then
  # A key of our own (the Redis may be shared); removed on exit whatever happens.
  ZKEY="bench:timers:baseline:$$:$RANDOM:zset"
  cleanup() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" DEL "$ZKEY" >/dev/null || true; }
  trap cleanup EXIT
  rb() { redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" --csv "$@" | tail -n +2; }
  # An empty claim (nothing due) and a full one (500 due), as the Lua claim starts with.
  ZR="return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)"
  echo "== redis-benchmark baseline (key $ZKEY)"
  echo '"test","rps","avg_ms","min_ms","p50_ms","p95_ms","p99_ms","max_ms"'
  # Throughput of raw ZADD, pipelined like TimerWheel::arm (which sends 1000 members/ZADD).
  rb -n 200000 -P 16 -r 1000000 zadd "$ZKEY" __rand_int__ member:__rand_int__ \
    | sed 's/^"[^"]*"/"ZADD 1 member, -P 16, 50 clients"/'
  echo "zset members: $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ZCARD "$ZKEY")"
  # Round trips of one client, which is what each firer is: TIME, then the claim script.
  rb -c 1 -n 20000 time | sed 's/^"[^"]*"/"TIME, 1 client"/'
  rb -c 1 -n 20000 eval "$ZR" 1 "$ZKEY" 0 | sed 's/^"[^"]*"/"EVAL ZRANGEBYSCORE none due, 1 client"/'
  rb -c 1 -n 20000 eval "$ZR" 1 "$ZKEY" +inf | sed 's/^"[^"]*"/"EVAL ZRANGEBYSCORE 500 due, 1 client"/'
  # And what the server can do with many clients.
  rb -n 100000 eval "$ZR" 1 "$ZKEY" 0 | sed 's/^"[^"]*"/"EVAL ZRANGEBYSCORE none due, 50 clients"/'
  rb -n 100000 eval "$ZR" 1 "$ZKEY" +inf | sed 's/^"[^"]*"/"EVAL ZRANGEBYSCORE 500 due, 50 clients"/'
  cleanup
fi

echo "== timer wheel benchmark (full output: $LOG)"
set +e
"$BIN" --redis-url "$REDIS_URL" "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e

echo "== summary"
grep -E '^(config|arm:|fire:| *claim lateness| *delivered lateness|replica [0-9])' "$LOG" || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
