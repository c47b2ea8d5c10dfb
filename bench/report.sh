#!/usr/bin/env bash
# Times `pulse report` over every month of the demo data with the full catalog, end to end, beside
# two peers computing a subset of the metrics from the same CSV files — a DuckDB SQL script and a
# pandas script (bench/peers/, PyPI packages installed into bench/.venv) — checks that the peers'
# numbers agree with Pulse's and reports times, peak memory and ratios.
# Usage: bench/report.sh [SCALE]   (default 10)
# Environment: RUNS (timed runs of each program, default 3), PULSE_BIN (default
# target/release/pulse), SKIP_BUILD=1 (do not build the release binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-10}"
runs="${RUNS:-3}"
out="bench/out/report-scale-$scale"
data="$out/data"
csv="$data/demo-csv"
mkdir -p "$out"

if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release -q -p pulse-cli
fi
pulse="${PULSE_BIN:-target/release/pulse}"

# 1. Data: the demo at this scale, generated and imported once and reused (data.ok marks a
# finished import). The CRM ROI metrics need `[crm]`: go-live a year into the data, with costs
# that make the payback month fall inside the range.
if [ ! -f "$out/data.ok" ]; then
  rm -rf "$data"
  echo "generating and importing the scale-$scale demo into $data ..."
  "$pulse" demo --data "$data" --scale "$scale" --no-serve >"$out/demo.stdout" 2>"$out/demo.stderr"
  touch "$out/data.ok"
fi
if ! grep -q '^\[crm\]' "$data/pulse.toml"; then
  printf '\n[crm]\ngo_live = 2024-01-01\ncost_one_time = 25000000\ncost_monthly = 1000000\n' >>"$data/pulse.toml"
fi

# 2. The peers' virtual environment, pinned versions, reused when it imports.
venv=bench/.venv
py="$venv/bin/python"
if ! "$py" -c 'import duckdb, pandas, pyarrow' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$py" -m pip install -q --disable-pip-version-check -r bench/peers/requirements.txt
fi
metrics=$(PYTHONPATH=bench/peers "$py" -c 'import common; print(" ".join(common.METRICS))')
metric_args=()
for metric in $metrics; do metric_args+=(--metric "$metric"); done
range=(--from 2023-01-01 --to 2026-01-01 --period month --format json)

# timed NAME OUTPUT COMMAND...: runs COMMAND with stdout to OUTPUT, appends "seconds peak-KiB" to
# $out/NAME.times (wall time from process start to exit, peak RSS from /usr/bin/time).
timed() {
  local name="$1" output="$2"
  shift 2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$out/$name.rss" "$@" >"$output" 2>"$out/$name.stderr" || {
    echo "$name failed:" >&2
    cat "$out/$name.stderr" >&2
    exit 1
  }
  end=$(date +%s.%N)
  echo "$(awk "BEGIN { print $end - $start }") $(tail -1 "$out/$name.rss")" >>"$out/$name.times"
}

# 3.–4. The timed runs, interleaved so that a slower stretch of the machine hits every program.
rm -f "$out"/*.times
for run in $(seq "$runs"); do
  echo "run $run/$runs ..."
  timed pulse "$out/pulse.json" "$pulse" --data "$data" report "${range[@]}"
  timed pulse-subset "$out/pulse-subset.json" "$pulse" --data "$data" report "${range[@]}" "${metric_args[@]}"
  timed duckdb "$out/duckdb.stdout" "$py" bench/peers/duckdb_metrics.py --csv "$csv" --config "$data/pulse.toml" \
    --out "$out/duckdb.json"
  timed pandas "$out/pandas.stdout" "$py" bench/peers/pandas_metrics.py --csv "$csv" --config "$data/pulse.toml" \
    --out "$out/pandas.json"
done

# 5. Agreement: every (metric, month) value of both peers against Pulse's full-catalog report.
status=0
"$py" bench/peers/compare.py "$out/pulse.json" "$out/duckdb.json" "$out/pandas.json" >"$out/compare.txt" || status=$?

# 6. Summary.
"$py" - "$out" "$scale" "$runs" "$status" <<'EOF' | tee "$out/summary.txt"
import json, statistics, sys
from pathlib import Path

out, scale, runs, status = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def stats(name):
    rows = [line.split() for line in (out / f"{name}.times").read_text().splitlines()]
    seconds = [float(row[0]) for row in rows]
    return min(seconds), statistics.median(seconds), max(int(row[1]) for row in rows) / 1024
full_count = len(json.loads((out / "pulse.json").read_text())["metrics"])
subset_count = len(json.loads((out / "pulse-subset.json").read_text())["metrics"])
rows = {
    "pulse": (f"pulse report, full catalog ({full_count} metrics)", stats("pulse")),
    "pulse-subset": (f"pulse report, the peers' {subset_count} metrics", stats("pulse-subset")),
    "duckdb": (f"DuckDB peer ({subset_count} metrics)", stats("duckdb")),
    "pandas": (f"pandas peer ({subset_count} metrics)", stats("pandas")),
}
print(f"scale {scale}, 36 months (2023-01..2025-12), {runs} run{'s' if runs > 1 else ''} of each program; "
      "wall time from process start to exit")
print(f"  {'':42} {'best s':>8} {'median s':>9} {'peak RSS MiB':>13}")
for label, (best, median, rss) in rows.values():
    print(f"  {label:42} {best:8.2f} {median:9.2f} {rss:13.0f}")
median = {name: stat[1] for name, (_, stat) in rows.items()}
best = {name: stat[0] for name, (_, stat) in rows.items()}
print("ratios (median; best in parentheses; below 1 means Pulse is faster):")
for pulse_name, what in (("pulse", "full catalog"), ("pulse-subset", "same metrics")):
    for peer in ("duckdb", "pandas"):
        print(f"  pulse {what} / {peer}: {median[pulse_name] / median[peer]:.2f} "
              f"({best[pulse_name] / best[peer]:.2f})")
print("agreement: " + (out / "compare.txt").read_text().strip().replace("\n", "\n  "))
def verdict(ok):
    return "met" if ok else "NOT met"
pulse_peak = max(rows["pulse"][1][2], rows["pulse-subset"][1][2])
print("targets:")
if scale == 10:
    print(f"  full catalog at scale 10 <= 2 s (median {median['pulse']:.2f} s): {verdict(median['pulse'] <= 2)}")
    print(f"  full catalog no slower than the DuckDB peer on its subset "
          f"({median['pulse']:.2f} s vs {median['duckdb']:.2f} s): {verdict(median['pulse'] <= median['duckdb'])}")
else:
    print("  full catalog <= 2 s and no slower than DuckDB: measured at scale 10 (bench/report.sh 10)")
if scale == 100:
    print(f"  scale 100 completes with peak memory <= 8 GiB (pulse {pulse_peak:.0f} MiB): "
          f"{verdict(pulse_peak <= 8192)}")
else:
    print(f"  peak memory <= 8 GiB at scale 100: measured at scale 100 (here pulse peaks at {pulse_peak:.0f} MiB)")
EOF
exit "$status"
