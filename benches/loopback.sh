#!/usr/bin/env bash
# Loopback throughput of axum and actix-web, bare, under the naive layer and under
# portcullis (examples/loopback.rs): the servers pinned to core 0 (one worker
# thread each), wrk pinned to core 1, 127.0.0.1.
#
# Each comparison is measured as pairs run back to back, alternating (A B B A ...)
# for ROUNDS rounds (default 8) of DURATION each (default 3s), after a warm-up of
# each: on a shared machine throughput drifts by tens of percent over minutes,
# and alternating cancels the drift that separate runs would report as a
# difference. Printed per comparison: the median requests per second of each side,
# the median over rounds of the ratio B/A (with its range), and each side's median
# p99. The comparisons: portcullis against the naive layer (HS256 and ES256,
# uncached), and the cached ES256 server against the bare one.
#
# Run: bash benches/loopback.sh        (needs wrk, taskset and python3; Linux, 2+ cores)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-3s}
ROUNDS=${ROUNDS:-8}
CONNECTIONS=${CONNECTIONS:-32}
# LOOPBACK_BIN: a server binary built elsewhere (another commit), to compare.
bin=${LOOPBACK_BIN:-}
if [ -z "$bin" ]; then
    cargo build --quiet --release --example loopback --features axum,actix
    bin=target/release/examples/loopback
fi
out=$(mktemp)
taskset -c 0 "$bin" >"$out" 2>&1 &
server=$!
trap 'kill -KILL $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"' EXIT
for port in 3101 3102 3103 3104 3105 3106 3201 3202 3203 3204 3205 3206; do
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
        sleep 0.1
    done
done
if ! kill -0 $server 2>/dev/null; then
    echo "the servers did not start:" >&2
    cat "$out" >&2
    exit 1
fi
HS=$(sed -n 's/^HS256=//p' "$out")
ES=$(sed -n 's/^ES256=//p' "$out")

# One measurement: "<requests per second> <p99>".
measure() {
    local port=$1 token=$2 duration=$3 report
    report=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$duration" --latency \
        -H "Authorization: Bearer $token" "http://127.0.0.1:$port/me")
    if grep -q "Non-2xx" <<<"$report"; then
        echo "port $port answered errors" >&2
        exit 1
    fi
    echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$report") $(awk '$1 == "99%" {print $2}' <<<"$report")"
}

# One comparison, A against B, alternating: lines "<round> <side> <rps> <p99>".
compare() {
    local a=$1 b=$2 token=$3 round
    measure "$a" "$token" 2s >/dev/null
    measure "$b" "$token" 2s >/dev/null
    for round in $(seq "$ROUNDS"); do
        if ((round % 2)); then
            echo "$round a $(measure "$a" "$token" "$DURATION")"
            echo "$round b $(measure "$b" "$token" "$DURATION")"
        else
            echo "$round b $(measure "$b" "$token" "$DURATION")"
            echo "$round a $(measure "$a" "$token" "$DURATION")"
        fi
    done
}

summary() {
    python3 -c '
import statistics, sys
def ms(p):
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if p.endswith(unit):
            return float(p[: -len(unit)]) * scale
rounds = {}
for line in sys.stdin:
    r, side, rps, p99 = line.split()
    rounds.setdefault(r, {})[side] = (float(rps), ms(p99))
ratios = [v["b"][0] / v["a"][0] for v in rounds.values()]
med = lambda side, i: statistics.median(v[side][i] for v in rounds.values())
print("| %s | %s | %.0f | %.0f | %.3f (%.3f-%.3f) | %.2f | %.2f |" % (
    sys.argv[1], sys.argv[2], med("a", 0), med("b", 0),
    statistics.median(ratios), min(ratios), max(ratios), med("a", 1), med("b", 1)))
' "$@"
}

printf '| adapter | A against B | A req/s | B req/s | B/A median (range) | A p99 ms | B p99 ms |\n'
printf '|---|---|---|---|---|---|---|\n'
for adapter in axum actix; do
    base=$([ $adapter = axum ] && echo 3100 || echo 3200)
    compare $((base + 2)) $((base + 3)) "$HS" | summary $adapter "naive_hs256 / portcullis_hs256"
    compare $((base + 4)) $((base + 5)) "$ES" | summary $adapter "naive_es256 / portcullis_es256"
    compare $((base + 1)) $((base + 6)) "$ES" | summary $adapter "bare / portcullis_cached_es256"
done
