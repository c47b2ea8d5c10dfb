"""Checks that the peers' numbers agree with Pulse's.

Usage: compare.py PULSE_JSON PEER_JSON [PEER_JSON ...]

PULSE_JSON is `pulse report --format json` output; each PEER_JSON is
`{"metric_id": {"2023-01": value_or_null, ...}, ...}`. Every (metric, month) value of every peer
is compared with Pulse's unsegmented value: equal within a relative tolerance of 1e-6 or an
absolute one of 1e-9, and null exactly where Pulse's is null. Prints the count of values compared
and the first 20 mismatches; exits 1 on any mismatch.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

REL_TOL = 1e-6
ABS_TOL = 1e-9
SHOWN = 20


def pulse_values(path: Path) -> dict[str, dict[str, float | None]]:
    report = json.loads(path.read_text())
    values: dict[str, dict[str, float | None]] = {}
    for metric in report["metrics"]:
        values[metric["id"]] = {
            value["period"]: value["value"] for value in metric["values"] if value.get("segment") is None
        }
    return values


def agree(expected: float | str | None, found: float | str | None) -> bool:
    if expected is None or found is None:
        return expected is None and found is None
    if isinstance(expected, str) or isinstance(found, str):
        return expected == found
    return math.isclose(expected, found, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    pulse = pulse_values(Path(sys.argv[1]))
    mismatches: list[str] = []
    compared = 0
    for peer_path in map(Path, sys.argv[2:]):
        peer = json.loads(peer_path.read_text())
        name = peer_path.stem
        for metric, months in peer.items():
            if metric not in pulse:
                mismatches.append(f"{name}: {metric}: not in Pulse's report")
                continue
            for month, found in months.items():
                compared += 1
                if month not in pulse[metric]:
                    mismatches.append(f"{name}: {metric} {month}: not in Pulse's report")
                    continue
                expected = pulse[metric][month]
                if not agree(expected, found):
                    mismatches.append(f"{name}: {metric} {month}: pulse {expected!r}, peer {found!r}")
    metrics = {metric for peer_path in sys.argv[2:] for metric in json.loads(Path(peer_path).read_text())}
    print(f"compared {compared} values ({len(metrics)} metrics, {len(sys.argv) - 2} peers) with Pulse: "
          f"{len(mismatches)} mismatches")
    for line in mismatches[:SHOWN]:
        print(f"  {line}")
    if len(mismatches) > SHOWN:
        print(f"  … and {len(mismatches) - SHOWN} more")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
