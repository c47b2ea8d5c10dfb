"""What the peer implementations share: the workspace configuration, the reporting months and
the list of metrics they compute.

The peers compute a subset of Pulse's catalog independently, from the same CSV files Pulse
imported, so that bench/report.sh can time them beside `pulse report` and check that every
number agrees. Definitions: shared/spec/metrics.md and each metric's formula text
(`pulse metrics explain ID`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

# The report's range, as bench/report.sh asks Pulse for it: --from 2023-01-01 --to 2026-01-01
# --period month.
FIRST_MONTH = dt.date(2023, 1, 1)
MONTHS = 36

# The metrics both peers compute: at least one per category.
METRICS = [
    # sales
    "deals_won",
    "win_rate",
    "avg_deal_size",
    "sales_cycle_days_median",
    "lead_conversion_rate",
    "open_deals",
    # marketing
    "visitors",
    "customers_acquired",
    "cac",
    "email_list_growth_rate",
    # revenue and customers
    "revenue",
    "avg_purchase_value",
    "repeat_customer_rate",
    "active_customers",
    "churn_rate",
    # subscriptions
    "mrr",
    "mrr_new",
    "mrr_churn",
    "nrr",
    # customer perception and support
    "nps",
    "csat",
    "tickets_opened",
    "first_contact_resolution",
    "resolution_hours",
    "ticket_backlog",
    # team
    "user_adoption_rate",
    "actions_per_active_user",
    "communication_channels",
    # CRM ROI
    "crm_roi",
    "crm_payback_month",
]


@dataclass
class Config:
    """The keys of pulse.toml the peers' metrics read, with Pulse's defaults."""

    timezone: str = "UTC"
    customer_model: str = "auto"
    inactivity_days: int = 90
    gross_margin: float = 1.0
    initial_list_size: int = 0
    crm_go_live: dt.date | None = None
    crm_cost_one_time: float = 0.0
    crm_cost_monthly: float = 0.0

    @staticmethod
    def load(path: Path) -> "Config":
        raw = tomllib.loads(path.read_text()) if path.exists() else {}
        config = Config(
            timezone=raw.get("timezone", "UTC"),
            customer_model=raw.get("customer_model", "auto"),
            inactivity_days=int(raw.get("inactivity_days", 90)),
            gross_margin=float(raw.get("gross_margin", 1.0)),
            initial_list_size=int(raw.get("email", {}).get("initial_list_size", 0)),
        )
        crm = raw.get("crm")
        if crm and "go_live" in crm:
            go_live = crm["go_live"]
            if isinstance(go_live, dt.datetime):
                go_live = go_live.date()
            elif isinstance(go_live, str):
                go_live = dt.date.fromisoformat(go_live)
            config.crm_go_live = go_live
            config.crm_cost_one_time = float(crm.get("cost_one_time", 0))
            config.crm_cost_monthly = float(crm.get("cost_monthly", 0))
        return config


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def local_midnight_utc(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The instant of 00:00 on `day` in `zone` (fold=0: a midnight in a daylight-saving gap is
    read with the offset in force before it, as Pulse reads wall times)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.timezone.utc)


@dataclass
class Month:
    label: str  # "2024-03"
    first_day: dt.date
    start: dt.datetime  # UTC instant of local midnight on the 1st
    end: dt.datetime  # start of the next month

    @property
    def start_us(self) -> int:
        return to_micros(self.start)

    @property
    def end_us(self) -> int:
        return to_micros(self.end)


def to_micros(instant: dt.datetime) -> int:
    delta = instant - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def months(zone_name: str, first: dt.date = FIRST_MONTH, count: int = MONTHS) -> list[Month]:
    """The reporting months `[start, end)`, cut at local midnight of the 1st in the workspace
    zone: an event at instant t belongs to month M iff start(M) <= t < end(M)."""
    zone = ZoneInfo(zone_name)
    result = []
    for index in range(count):
        day = add_months(first, index)
        result.append(
            Month(
                label=day.strftime("%Y-%m"),
                first_day=day,
                start=local_midnight_utc(day, zone),
                end=local_midnight_utc(add_months(day, 1), zone),
            )
        )
    return result


def clean(value) -> float | str | None:
    """A metric value as JSON: a finite float, a period label (crm_payback_month), or None."""
    if value is None or isinstance(value, str):
        return value
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--csv", required=True, type=Path, help="directory of <kind>.csv files")
    parser.add_argument("--config", required=True, type=Path, help="the workspace's pulse.toml")
    parser.add_argument("--out", required=True, type=Path, help="where to write the JSON values")
    return parser.parse_args()


def write(path: Path, results: dict[str, dict[str, float | None]], labels: list[str]) -> None:
    """Writes `{"metric_id": {"2023-01": value_or_null, ...}, ...}` for every metric and month,
    in the order of METRICS."""
    missing = [metric for metric in METRICS if metric not in results]
    if missing:
        sys.exit(f"metrics not computed: {', '.join(missing)}")
    output = {metric: {label: clean(results[metric].get(label)) for label in labels} for metric in METRICS}
    path.write_text(json.dumps(output, indent=1) + "\n")
