#!/usr/bin/env bash
# Load test of `pulse serve` with wrk, on the scale-N demo data (default 10): sustained
# single-record writes, 10k-record batch writes, and GET /api/v1/metrics latency for the
# overview metrics under 16 concurrent clients. Every write is durable (committed with fsync
# before it is acknowledged). Usage: bench/serve.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-10}"
seconds="${SECONDS_PER_TEST:-15}"
out="bench/out/serve-scale-$scale"
mkdir -p "$out"

if ! command -v wrk >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq wrk time >/dev/null
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release -q -p pulse-cli
fi
pulse="${PULSE_BIN:-target/release/pulse}"

data="$out/data"
if [ ! -f "$out/data.ok" ]; then
  rm -rf "$data"
  "$pulse" demo --data "$data" --scale "$scale" --no-serve >"$out/demo.stdout" 2>"$out/demo.stderr"
  touch "$out/data.ok"
fi
if ! "$pulse" users list --data "$data" | grep -q '^bench '; then
  echo "bench password 1234" | "$pulse" users add bench --role manager --password-stdin --data "$data" >/dev/null
fi
token=$("$pulse" tokens create --user bench --data "$data" 2>/dev/null)
port=18471
"$pulse" serve --data "$data" --bind "127.0.0.1:$port" >"$out/serve.stdout" 2>"$out/serve.stderr" &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
base="http://127.0.0.1:$port"

# 1. Single-record writes: each request posts one new order (unique id per request).
cat >"$out/single.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "text/csv"
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("id", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  local body = "order_id,customer_id,at,amount\nbench-" .. id .. "-" .. counter .. ",C000001,2025-06-01T12:00:00Z,10\n"
  return wrk.format(nil, "/api/v1/records/orders", nil, body)
end
LUA
customer=$(sed -n 2p "$data/demo-csv/customers.csv" | cut -d, -f1)
sed -i "s/C000001/$customer/" "$out/single.lua"
wrk -t2 -c16 -d"${seconds}s" --latency -s "$out/single.lua" "$base" >"$out/single.txt"

# 2. 10k-record batches, 4 clients in parallel.
python3 - "$base" "$token" "$customer" "$out" <<'PY'
import sys, time, threading, urllib.request
base, token, customer, out = sys.argv[1:5]
batches, size, clients = 20, 10_000, 4
def body(client, batch):
    rows = "".join(f"batch-{client}-{batch}-{i},{customer},2025-06-02T12:00:00Z,5\n" for i in range(size))
    return ("order_id,customer_id,at,amount\n" + rows).encode()
def run(client):
    for batch in range(batches // clients):
        request = urllib.request.Request(base + "/api/v1/records/orders", data=body(client, batch), method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
start = time.perf_counter()
threads = [threading.Thread(target=run, args=(client,)) for client in range(clients)]
for thread in threads: thread.start()
for thread in threads: thread.join()
elapsed = time.perf_counter() - start
with open(f"{out}/batches.txt", "w") as f:
    f.write(f"{batches * size} records in {batches} batches of {size} in {elapsed:.2f} s = {batches * size / elapsed:.0f} records/s\n")
PY

# 3. Overview metrics, 16 concurrent clients.
overview="metric=revenue,mrr,net_new_mrr,churn_rate,customers_acquired,deals_won,win_rate,pipeline_value,leads_created,nps,tickets_opened,first_contact_resolution"
curl -sf -H "Authorization: Bearer $token" "$base/api/v1/metrics?from=2025-01-01&to=2026-01-01&$overview" >/dev/null
wrk -t2 -c16 -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
  "$base/api/v1/metrics?from=2025-01-01&to=2026-01-01&$overview" >"$out/overview.txt"

echo "scale $scale, $seconds s per test (wrk, 16 connections)"
echo "single-record writes: $(grep 'Requests/sec' "$out/single.txt" | awk '{print $2}') writes/s, p99 $(grep ' 99%' "$out/single.txt" | awk '{print $2}'), non-2xx: $(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$out/single.txt" | grep -o '[0-9]*$' || echo 0)"
echo "batch writes:         $(cat "$out/batches.txt")"
echo "overview metrics:     $(grep 'Requests/sec' "$out/overview.txt" | awk '{print $2}') req/s, p50 $(grep ' 50%' "$out/overview.txt" | awk '{print $2}'), p99 $(grep ' 99%' "$out/overview.txt" | awk '{print $2}')"
echo "targets: >= 5000 single-record writes/s, >= 100000 records/s in batches, overview p99 <= 150 ms"
