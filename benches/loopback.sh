#!/usr/bin/env bash
# Loopback throughput of axum and actix-web, bare, under the naive layer and under
# portcullis (examples/loopback.rs), in one run: the servers pinned to core 0 (one
# worker thread each), wrk pinned to core 1, each server warmed for 2 s and measured
# for DURATION (default 10 s) with CONNECTIONS (default 32) connections. Prints
# requests per second, the share of the bare server's kept, and p99 latency.
#
# Run: bash benches/loopback.sh        (needs wrk and taskset; Linux, 2+ cores)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
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
    local port=$1 token=$2 report
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/me" >/dev/null
    report=$(taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Authorization: Bearer $token" "http://127.0.0.1:$port/me")
    if grep -q "Non-2xx" <<<"$report"; then
        echo "port $port answered errors" >&2
        exit 1
    fi
    echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$report") $(awk '$1 == "99%" {print $2}' <<<"$report")"
}

printf '| adapter | server | requests/s | share of bare | p99 |\n|---|---|---|---|---|\n'
for adapter in axum actix; do
    base=$([ $adapter = axum ] && echo 3100 || echo 3200)
    read -r bare bare_p99 <<<"$(measure $((base + 1)) "$HS")"
    printf '| %s | bare | %.0f | 1.000 | %s |\n' $adapter "$bare" "$bare_p99"
    for row in "2 naive_hs256 $HS" "3 portcullis_hs256 $HS" "4 naive_es256 $ES" "5 portcullis_es256 $ES" \
        "6 portcullis_cached_es256 $ES"; do
        read -r offset name token <<<"$row"
        read -r rps p99 <<<"$(measure $((base + offset)) "$token")"
        printf '| %s | %s | %.0f | %.3f | %s |\n' $adapter "$name" "$rps" "$(echo "$rps / $bare" | bc -l)" "$p99"
    done
done
