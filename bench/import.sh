#!/usr/bin/env bash
# Times demo-data generation and import at a given scale (default 10) and reports the import
# rate and peak memory. Usage: bench/import.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-10}"
out="bench/out/import-scale-$scale"
rm -rf "$out" && mkdir -p "$out"

if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
cargo build --release -q -p pulse-cli
pulse=target/release/pulse

# 1. pulse demo: generation and import in one process, each timed by pulse itself.
/usr/bin/time -f "%M" -o "$out/demo.maxrss" "$pulse" demo --data "$out/demo" --scale "$scale" --no-serve \
  >"$out/demo.stdout" 2>"$out/demo.stderr"
generated=$(grep -o 'generated [0-9]* rows in [0-9]* files under .* in [0-9.]* s' "$out/demo.stderr")
imported=$(grep -o 'imported [0-9]* rows in [0-9.]* s ([0-9]* rows/s)' "$out/demo.stderr")

# 2. pulse import alone of the same files into a fresh directory: the import's own peak memory.
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$out/import.maxrss" "$pulse" import --data "$out/fresh" --progress quiet "$out/demo/demo-csv" >"$out/import.stdout"
end=$(date +%s.%N)
rows=$(grep -o '[0-9]* rows read' "$out/import.stdout" | grep -o '^[0-9]*')
seconds=$(python3 -c "print($end - $start)")

echo "scale $scale"
echo "demo:    $generated"
echo "demo:    $imported; peak RSS $(($(cat "$out/demo.maxrss") / 1024)) MiB"
printf 'import:  %d rows in %.2f s = %.0f rows/s (process start to exit); peak RSS %d MiB\n' \
  "$rows" "$seconds" "$(python3 -c "print($rows / $seconds)")" "$(($(cat "$out/import.maxrss") / 1024))"
echo "targets: import >= 200000 rows/s, peak memory <= 1024 MiB"
