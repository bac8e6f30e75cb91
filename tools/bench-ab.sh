#!/usr/bin/env bash
# Before/after of sidecar jars in one session (docs/BENCHMARKS.md, "Issue 15: measured changes").
#
#   tools/bench-ab.sh ROUNDS JAR...      e.g.  tools/bench-ab.sh 2 /tmp/before.jar target/connstate.jar
#
# Starts its own redis-server (from PATH, no persistence) on port 7390, then per round and per
# jar, in turn: a sidecar from that jar (key prefix sharpmush:, on a flushed Redis), a 15 s
# closed-loop warm-up, `bench hot --rate 5000` (every change its own script call: the lone
# update) and `bench hot` closed loop, both 10 s after 3 s, with Redis's counters and the
# sidecar's allocation read. The load generator is the last jar given. One line per run.
set -euo pipefail
rounds=$1; shift
jars=("$@")
bench=${jars[-1]}
port=7390
url=redis://127.0.0.1:$port
out=$(mktemp -d)
redis-server --port $port --save '' --appendonly no --daemonize yes --pidfile "$out/redis.pid" >/dev/null
trap 'kill "$(cat "$out/redis.pid")" 2>/dev/null || true' EXIT
until redis-cli -p $port ping >/dev/null 2>&1; do sleep 0.1; done
for round in $(seq 1 "$rounds"); do
  for jar in "${jars[@]}"; do
    redis-cli -p $port flushall >/dev/null
    bridge=$((21000 + RANDOM % 1000)); http=$((22000 + RANDOM % 1000))
    CONNSTATE_REDIS_URL=$url CONNSTATE_KEY_PREFIX=sharpmush: CONNSTATE_BRIDGE_PORT=$bridge \
      CONNSTATE_HTTP_PORT=$http CONNSTATE_HTTP_HOST=127.0.0.1 CONNSTATE_INSTANCE_ID=bench-hash \
      CONNSTATE_LOG_LEVEL=WARN java -jar "$jar" serve >"$out/sidecar.log" 2>&1 &
    sidecar=$!
    until curl -sf "http://127.0.0.1:$http/health" >/dev/null; do sleep 0.2; done
    java -jar "$bench" bench hot --port $bridge --duration 10 --warmup 5 >/dev/null 2>&1
    java -jar "$bench" bench hot --port $bridge --rate 5000 --duration 10 --warmup 3 --redis-url $url \
      --metrics-port $http --json 2>/dev/null >"$out/open.json"
    java -jar "$bench" bench hot --port $bridge --duration 10 --warmup 3 --redis-url $url \
      --metrics-port $http --json 2>/dev/null >"$out/closed.json"
    kill $sidecar; wait $sidecar 2>/dev/null || true
    for run in open closed; do
      python3 - "$out/$run.json" "round $round $(basename "$jar") $run" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:40s} {r['requestsPerSecond']:9,.0f} req/s  p99 {r['latencyMs']['p99']:8.3f} ms  "
      f"{r.get('redisBytesPerRequest', 0):6.1f} B to Redis/req  {r.get('allocatedBytesPerRequest', -1):8,.0f} B allocated/req  "
      f"failed {r['failed']}")
PY
    done
  done
done
