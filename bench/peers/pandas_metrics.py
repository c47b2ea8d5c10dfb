"""pandas peer: computes the metrics of common.METRICS per month from the CSV files with pandas and
numpy. Usage: pandas_metrics.py --csv DIR --config pulse.toml --out values.json

Instants are float64 microseconds since the epoch (exact below 2^53; NaN when absent). An event
belongs to month i when starts[i] <= t < starts[i + 1] (np.searchsorted over the month bounds,
local midnights in the workspace zone). Money is held in integer units of 1/10 000, so sums are
exact and MRR steps cancel exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

import common

MONEY_SCALE = 10_000
HOUR_US = 3_600e6
DAY_US = 86_400e6


class Frame:
    """Reads `<kind>.csv` with every column as text (empty = NaN) and converts on demand."""

    def __init__(self, csv_dir, zone: str):
        self.csv_dir = csv_dir
        self.zone = zone

    def read(self, kind: str, columns: list[str]) -> pd.DataFrame:
        path = self.csv_dir / f"{kind}.csv"
        # Header names are case-insensitive and trimmed: read only the columns needed.
        with open(path, encoding="utf-8-sig") as file:
            header = {name.strip().lower(): name for name in next(csv.reader(file))}
        frame = pd.read_csv(path, engine="pyarrow", dtype=str, usecols=[header[name] for name in columns])
        frame.columns = [name.strip().lower() for name in frame.columns]
        frame = frame[columns]
        for column in columns:
            frame[column] = frame[column].str.strip().replace("", np.nan)
        return frame

    def instants(self, cells: pd.Series) -> np.ndarray:
        """ISO 8601 cells as float64 microseconds. With an offset (Z, ±HH, ±HHMM, ±HH:MM after the
        time): that instant. Without (a date alone included): local time in the workspace zone,
        a wall time in a daylight-saving gap read with the offset before the gap and an
        ambiguous one as the earlier instant (Python's fold=0, as Pulse reads them)."""
        if cells.str.contains("z", regex=False).any():
            cells = cells.str.upper()
        offset = cells.str.slice(11).str.contains(r"[Z+\-]", regex=True).fillna(True).astype(bool)
        naive = cells.notna() & ~offset
        result = micros(pd.to_datetime(cells.where(~naive), format="ISO8601", utc=True))
        if naive.any():
            local = pd.to_datetime(cells[naive], format="ISO8601")
            zone = self.zone
            if zone == "UTC":
                utc = local.dt.tz_localize("UTC")
            else:
                utc = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
                odd = utc.isna()
                if odd.any():
                    info = ZoneInfo(zone)
                    utc = utc.astype(object)
                    utc[odd] = [
                        pd.Timestamp(w.to_pydatetime().replace(tzinfo=info).astimezone(dt.timezone.utc))
                        for w in local[odd]
                    ]
                    utc = pd.to_datetime(utc, utc=True)
            result[naive.to_numpy()] = micros(utc)
        return result


def micros(instants: pd.Series) -> np.ndarray:
    """Timezone-aware datetimes as float64 microseconds since the epoch, NaN for NaT."""
    values = instants.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    result = values.view("int64").astype("float64")
    result[np.isnat(values)] = np.nan
    return result


def money(cells: pd.Series) -> np.ndarray:
    return np.round(cells.astype("float64").to_numpy() * MONEY_SCALE).astype("int64")


class Months:
    """Month bounds and per-month aggregation helpers."""

    def __init__(self, months: list[common.Month]):
        self.labels = [m.label for m in months]
        self.n = len(months)
        # starts of every month and the end of the last: n + 1 boundaries
        self.bounds = np.array([m.start_us for m in months] + [months[-1].end_us], dtype="float64")
        self.starts = self.bounds[:-1]
        self.ends = self.bounds[1:]

    def index(self, instants: np.ndarray) -> np.ndarray:
        """Month index of each instant, −1 outside the months (or absent)."""
        index = np.searchsorted(self.bounds, instants, side="right") - 1
        index[(index >= self.n) | np.isnan(instants)] = -1
        return index

    def count(self, index: np.ndarray, mask=None) -> np.ndarray:
        keep = index >= 0 if mask is None else (index >= 0) & mask
        return np.bincount(index[keep], minlength=self.n).astype("float64")

    def total(self, index: np.ndarray, weights: np.ndarray, mask=None) -> np.ndarray:
        keep = index >= 0 if mask is None else (index >= 0) & mask
        return np.bincount(index[keep], weights=weights[keep], minlength=self.n)

    def ratio(self, numerator: np.ndarray, denominator: np.ndarray, scale: float = 1.0) -> list:
        return [scale * a / b if b != 0 else None for a, b in zip(numerator, denominator)]

    def values(self, array) -> dict:
        return {label: (None if value is None else float(value)) for label, value in zip(self.labels, array)}


def count_before(instants: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """For each bound b: how many instants are < b (absent ones never)."""
    present = np.sort(instants[~np.isnan(instants)])
    return np.searchsorted(present, bounds, side="left").astype("float64")


def compute(frame: Frame, config: common.Config, months: list[common.Month]) -> dict[str, dict]:
    m = Months(months)
    out: dict[str, dict] = {}

    # --- sales ---------------------------------------------------------------------------------
    deals = frame.read("deals", ["created_at", "closed_at", "status", "amount"])
    created, closed = frame.instants(deals["created_at"]), frame.instants(deals["closed_at"])
    status = deals["status"].str.lower().to_numpy()
    closed_index = m.index(closed)
    won, lost = status == "won", status == "lost"
    won_count = m.count(closed_index, won)
    # deals with status won and closed_at in P
    out["deals_won"] = m.values(won_count)
    # won / (won + lost) × 100 by closed_at
    out["win_rate"] = m.values(m.ratio(won_count, won_count + m.count(closed_index, lost), 100.0))
    # mean amount of the deals won in P
    amount = money(deals["amount"]).astype("float64")
    out["avg_deal_size"] = m.values(m.ratio(m.total(closed_index, amount, won), won_count, 1 / MONEY_SCALE))
    # median of (closed_at − created_at) in days over deals won in P
    keep = won & (closed_index >= 0)
    cycle = pd.Series((closed[keep] - created[keep]) / DAY_US).groupby(closed_index[keep]).median()
    out["sales_cycle_days_median"] = m.values([cycle.get(i) for i in range(m.n)])
    # deals with created_at < end and (closed_at absent or ≥ end); closed_at ≥ created_at always
    out["open_deals"] = m.values(count_before(created, m.ends) - count_before(closed, m.ends))

    leads = frame.read("leads", ["created_at", "converted_at"])
    lead_index = m.index(frame.instants(leads["created_at"]))
    # of leads created in P, the share with converted_at set (whenever)
    out["lead_conversion_rate"] = m.values(
        m.ratio(m.count(lead_index, leads["converted_at"].notna().to_numpy()), m.count(lead_index), 100.0)
    )

    # --- marketing -----------------------------------------------------------------------------
    traffic = frame.read("web_traffic", ["date", "visitors"])
    # Σ web_traffic.visitors with date in P
    out["visitors"] = m.values(
        m.total(m.index(frame.instants(traffic["date"])), traffic["visitors"].astype("float64").to_numpy())
    )

    orders = frame.read("orders", ["customer_id", "at", "amount", "status"])
    paid = orders[orders["status"].fillna("paid").str.lower().to_numpy() == "paid"]
    paid_at = frame.instants(paid["at"])
    paid_amount = money(paid["amount"])

    subscriptions = frame.read("subscriptions", ["subscription_id", "customer_id", "started_at", "ended_at", "mrr"])
    changes = frame.read("subscription_changes", ["subscription_id", "at", "mrr"])
    started, ended = frame.instants(subscriptions["started_at"]), frame.instants(subscriptions["ended_at"])
    # The MRR each subscription is set to at each instant: its start (its mrr; a change at the
    # same instant overrides it), its changes, its end (0; an end at the start means never
    # active). Sorted by subscription and instant.
    customer_of = dict(zip(subscriptions["subscription_id"], subscriptions["customer_id"]))
    has_end = ~np.isnan(ended)
    settings = pd.DataFrame({
        "subscription_id": np.concatenate([subscriptions["subscription_id"].to_numpy(),
                                           changes["subscription_id"].to_numpy(),
                                           subscriptions["subscription_id"].to_numpy()[has_end]]),
        "at": np.concatenate([started, frame.instants(changes["at"]), ended[has_end]]),
        "mrr": np.concatenate([money(subscriptions["mrr"]), money(changes["mrr"]),
                               np.zeros(has_end.sum(), dtype="int64")]),
        "precedence": np.concatenate([np.zeros(len(started)), np.ones(len(changes)), np.full(has_end.sum(), 2)]),
    })
    settings["customer_id"] = settings["subscription_id"].map(customer_of)
    settings = (settings.sort_values(["subscription_id", "at", "precedence"])
                .drop_duplicates(["subscription_id", "at"], keep="last").reset_index(drop=True))

    # acquired_at: the earliest of the first paid order and the first instant one of the
    # customer's subscriptions is set to MRR > 0
    firsts = pd.concat([
        pd.DataFrame({"customer_id": paid["customer_id"].to_numpy(), "at": paid_at}),
        settings.loc[settings["mrr"] > 0, ["customer_id", "at"]],
    ]).groupby("customer_id")["at"].min()
    acquired = m.count(m.index(firsts.to_numpy()))
    # customers whose acquired_at is in P
    out["customers_acquired"] = m.values(acquired)

    spend = frame.read("marketing_spend", ["date", "amount", "purpose"])
    acquisition = spend["purpose"].fillna("acquisition").str.lower().to_numpy() == "acquisition"
    spend_total = m.total(m.index(frame.instants(spend["date"])), money(spend["amount"]).astype("float64"),
                          acquisition)
    # acquisition-purpose spend in P / customers acquired in P
    out["cac"] = m.values(m.ratio(spend_total, acquired, 1 / MONEY_SCALE))

    # (subscribed − unsubscribed − bounced in P) / list size at the start of P × 100
    email = frame.read("email_list", ["date", "subscribed", "unsubscribed", "bounced", "list_size"])
    email_at = frame.instants(email["date"])
    net = (email["subscribed"].astype("int64") - email["unsubscribed"].astype("int64")
           - email["bounced"].astype("int64")).to_numpy()
    list_size = email["list_size"].astype("float64").to_numpy()
    growth = []
    net_in_month = m.total(m.index(email_at), net.astype("float64"))
    for i in range(m.n):
        start = m.starts[i]
        anchors = np.where(~np.isnan(list_size) & (email_at <= start))[0]
        if len(anchors):
            anchor = anchors[np.argmax(email_at[anchors])]
            size = list_size[anchor] + net[(email_at >= email_at[anchor]) & (email_at < start)].sum()
        else:
            size = config.initial_list_size + net[email_at < start].sum()
        growth.append(100.0 * net_in_month[i] / size if size != 0 else None)
    out["email_list_growth_rate"] = m.values(growth)

    # --- revenue and customers ---------------------------------------------------------------
    paid_index = m.index(paid_at)
    revenue = m.total(paid_index, paid_amount.astype("float64"))
    # Σ amount of paid orders with at in P
    out["revenue"] = m.values(revenue / MONEY_SCALE)
    # revenue / paid orders in P
    out["avg_purchase_value"] = m.values(m.ratio(revenue, m.count(paid_index), 1 / MONEY_SCALE))
    # customers with ≥ 2 paid orders before end / customers with ≥ 1 before end × 100
    by_customer = pd.DataFrame({"customer_id": paid["customer_id"].to_numpy(), "at": paid_at}).sort_values(
        ["customer_id", "at"])
    rank = by_customer.groupby("customer_id").cumcount().to_numpy()
    ordered_at = by_customer["at"].to_numpy()
    out["repeat_customer_rate"] = m.values(
        m.ratio(count_before(ordered_at[rank == 1], m.ends), count_before(ordered_at[rank == 0], m.ends), 100.0)
    )

    # Who is active before each bound: subscription rule (a subscription with started_at < b,
    # ended_at absent or ≥ b) for customers who ever had a subscription (customer_model auto),
    # purchase rule (a paid order with b − inactivity_days ≤ at < b) for the others.
    codes, customers = pd.factorize(pd.concat([subscriptions["customer_id"], paid["customer_id"]]), sort=False)
    sub_codes, paid_codes = codes[: len(subscriptions)], codes[len(subscriptions):]
    if config.customer_model == "subscription":
        by_subscription = np.ones(len(customers), dtype=bool)
    elif config.customer_model == "purchase":
        by_subscription = np.zeros(len(customers), dtype=bool)
    else:
        by_subscription = np.zeros(len(customers), dtype=bool)
        by_subscription[sub_codes] = True
    order_sort = np.argsort(paid_at, kind="stable")
    sorted_paid_at, sorted_paid_codes = paid_at[order_sort], paid_codes[order_sort]
    window = config.inactivity_days * DAY_US
    active = []
    for bound in m.bounds:
        by_sub = np.zeros(len(customers), dtype=bool)
        by_sub[sub_codes[(started < bound) & ~(ended < bound)]] = True
        by_order = np.zeros(len(customers), dtype=bool)
        lo, hi = np.searchsorted(sorted_paid_at, [bound - window, bound], side="left")
        by_order[sorted_paid_codes[lo:hi]] = True
        active.append(np.where(by_subscription, by_sub, by_order))
    start_active, end_active = active[:-1], active[1:]
    # |E(P)|: customers active before end
    out["active_customers"] = m.values([float(e.sum()) for e in end_active])
    # |S \ E| / |S| × 100
    out["churn_rate"] = m.values(
        m.ratio([float((s & ~e).sum()) for s, e in zip(start_active, end_active)],
                [float(s.sum()) for s in start_active], 100.0)
    )

    # --- subscriptions -----------------------------------------------------------------------
    # A customer's MRR before b: the latest MRR each of their subscriptions was set to strictly
    # before b (an end sets 0, so ended subscriptions add nothing), summed.
    setting_codes = pd.Index(customers).get_indexer(settings["customer_id"])
    setting_at = settings["at"].to_numpy()
    setting_mrr = settings["mrr"].to_numpy().astype("float64")
    same_next = np.append(settings["subscription_id"].to_numpy()[1:] == settings["subscription_id"].to_numpy()[:-1],
                          False)
    customer_mrr = []
    for bound in m.bounds:
        before = setting_at < bound
        last = before & ~(same_next & np.append(before[1:], False))
        customer_mrr.append(np.bincount(setting_codes[last], weights=setting_mrr[last], minlength=len(customers)))
    # Σ customer MRR before end
    out["mrr"] = m.values([mrr.sum() / MONEY_SCALE for mrr in customer_mrr[1:]])
    # Σ m1 / Σ m0 × 100 over the customers with m0 > 0
    nrr = []
    for m0, m1 in zip(customer_mrr[:-1], customer_mrr[1:]):
        cohort = m0 > 0
        nrr.append(100.0 * m1[cohort].sum() / m0[cohort].sum() if cohort.any() else None)
    out["nrr"] = m.values(nrr)

    # MRR movements: every instant at which a customer's MRR (the sum over their subscriptions)
    # changes, with the MRR before (b) and after (a).
    settings["delta"] = settings["mrr"] - settings.groupby("subscription_id")["mrr"].shift(fill_value=0)
    moves = settings.groupby(["customer_id", "at"], sort=True)["delta"].sum().reset_index()
    moves = moves[moves["delta"] != 0].reset_index(drop=True)
    moves["after"] = moves.groupby("customer_id")["delta"].cumsum()
    moves["before"] = moves["after"] - moves["delta"]
    moves["peak"] = moves.groupby("customer_id")["after"].cummax()
    peak_before = moves.groupby("customer_id")["peak"].shift(fill_value=0)
    move_index = m.index(moves["at"].to_numpy())
    before, after = moves["before"].to_numpy(), moves["after"].to_numpy()
    new = (before == 0) & (after > 0) & (peak_before.to_numpy() <= 0)
    churn = (before > 0) & (after == 0)
    # Σ a over the new movements in P (b = 0, a > 0, never MRR > 0 before)
    out["mrr_new"] = m.values(m.total(move_index, after.astype("float64"), new) / MONEY_SCALE)
    # Σ b over the churn movements in P (b > 0, a = 0)
    out["mrr_churn"] = m.values(m.total(move_index, before.astype("float64"), churn) / MONEY_SCALE)

    # --- customer perception and support -----------------------------------------------------
    surveys = frame.read("survey_responses", ["at", "kind", "score", "scale_min", "scale_max"])
    kind = surveys["kind"].str.lower().to_numpy()
    survey_index = m.index(frame.instants(surveys["at"]))
    score = surveys["score"].astype("float64").to_numpy()
    nps = kind == "nps"
    # (promoters 9–10 − detractors 0–6) / responses × 100 over nps responses in P
    out["nps"] = m.values(m.ratio(m.count(survey_index, nps & (score >= 9)) - m.count(survey_index, nps & (score <= 6)),
                                  m.count(survey_index, nps), 100.0))
    # share of csat responses in P whose (score − min) / (max − min) × 100 ≥ 75 (default 1–5)
    low = surveys["scale_min"].astype("float64").fillna(1.0).to_numpy()
    high = surveys["scale_max"].astype("float64").fillna(5.0).to_numpy()
    csat = kind == "csat"
    with np.errstate(divide="ignore", invalid="ignore"):
        satisfied = csat & (100.0 * (score - low) / (high - low) >= 75)
    out["csat"] = m.values(m.ratio(m.count(survey_index, satisfied), m.count(survey_index, csat), 100.0))

    tickets = frame.read("tickets", ["opened_at", "resolved_at", "agent_replies"])
    opened, resolved = frame.instants(tickets["opened_at"]), frame.instants(tickets["resolved_at"])
    resolved_index = m.index(resolved)
    resolved_count = m.count(resolved_index)
    # tickets with opened_at in P
    out["tickets_opened"] = m.values(m.count(m.index(opened)))
    # of tickets resolved in P, the share with agent_replies ≤ 1 (absent = 0)
    replies = tickets["agent_replies"].astype("float64").fillna(0).to_numpy()
    out["first_contact_resolution"] = m.values(m.ratio(m.count(resolved_index, replies <= 1), resolved_count, 100.0))
    # mean (resolved_at − opened_at) in hours over tickets resolved in P
    out["resolution_hours"] = m.values(
        m.ratio(m.total(resolved_index, np.nan_to_num(resolved - opened) / HOUR_US), resolved_count)
    )
    # tickets with opened_at < end and (resolved_at absent or ≥ end); resolved_at ≥ opened_at
    out["ticket_backlog"] = m.values(count_before(opened, m.ends) - count_before(resolved, m.ends))

    # --- team --------------------------------------------------------------------------------
    users = frame.read("users", ["user_id", "licensed", "created_at", "deactivated_at"])
    licensed = users["licensed"].fillna("true").str.lower().isin(["true", "yes", "1"]).to_numpy()
    user_created, deactivated = frame.instants(users["created_at"]), frame.instants(users["deactivated_at"])
    events = frame.read("usage_events", ["user_id", "at"])
    event_index = m.index(frame.instants(events["at"]))
    event_users = events["user_id"].to_numpy()
    in_range = event_index >= 0
    active_pairs = pd.DataFrame({"month": event_index[in_range], "user_id": event_users[in_range]}).drop_duplicates()
    active_per_month = active_pairs.groupby("month")["user_id"].agg(set)
    adoption = []
    for i, end in enumerate(m.ends):
        seated = licensed & (user_created < end) & ~(deactivated < end)
        using = active_per_month.get(i, set())
        # of the users licensed at end, the share with ≥ 1 usage event in P
        adoption.append(100.0 * sum(u in using for u in users["user_id"][seated]) / seated.sum()
                        if seated.any() else None)
    out["user_adoption_rate"] = m.values(adoption)
    # usage events in P / users with ≥ 1 usage event in P
    out["actions_per_active_user"] = m.values(
        m.ratio(m.count(event_index), active_pairs.groupby("month").size().reindex(range(m.n), fill_value=0).to_numpy())
    )

    activities = frame.read("activities", ["at", "channel"])
    activity_index = m.index(frame.instants(activities["at"]))
    channels = pd.DataFrame({"month": activity_index, "channel": activities["channel"]})
    channels = channels[(channels["month"] >= 0) & channels["channel"].notna()]
    # distinct channel values among activities in P
    distinct = channels.groupby("month")["channel"].nunique().reindex(range(m.n), fill_value=0)
    out["communication_channels"] = m.values(distinct.to_numpy().astype("float64"))

    # --- CRM ROI -----------------------------------------------------------------------------
    # Months from 12 before go-live; baseline = mean revenue of the months −12..−1 that have paid
    # orders; per month from go-live: cumulative (revenue − baseline) × margin against
    # cost_one_time + cost_monthly × months counted; before the go-live month, no month counted.
    roi, payback = [None] * m.n, [None] * m.n
    if config.crm_go_live is not None:
        go_live = config.crm_go_live.replace(day=1)
        first = common.add_months(go_live, -12)
        last = max(months[-1].first_day, go_live)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        crm = Months(common.months(config.timezone, first, count))
        crm_index = crm.index(paid_at)
        crm_revenue = crm.total(crm_index, paid_amount.astype("float64")) / MONEY_SCALE
        crm_orders = crm.count(crm_index)
        before_go_live = [crm_revenue[i] for i in range(12) if crm_orders[i] > 0]
        if before_go_live:
            baseline = sum(before_go_live) / len(before_go_live)
            profit, first_payback = 0.0, None
            by_label = {}
            for k in range(count - 12):
                profit += (crm_revenue[12 + k] - baseline) * config.gross_margin
                cost = config.crm_cost_one_time + config.crm_cost_monthly * (k + 1)
                if first_payback is None and profit >= cost:
                    first_payback = crm.labels[12 + k]
                by_label[crm.labels[12 + k]] = (100.0 * (profit - cost) / cost if cost != 0 else None, first_payback)
            go_live_start = crm.starts[12]
            for i, label in enumerate(m.labels):
                if label in by_label:
                    roi[i], payback[i] = by_label[label]
                elif m.ends[i] <= go_live_start and config.crm_cost_one_time != 0:
                    # a month before the go-live month counts no month: (0 − one-time) / one-time
                    roi[i] = -100.0
    out["crm_roi"] = m.values(roi)
    out["crm_payback_month"] = dict(zip(m.labels, payback))
    return out


def main() -> None:
    args = common.arguments(__doc__.splitlines()[0])
    started = time.perf_counter()
    config = common.Config.load(args.config)
    months = common.months(config.timezone)
    results = compute(Frame(args.csv, config.timezone), config, months)
    common.write(args.out, results, [m.label for m in months])
    print(f"pandas: {len(common.METRICS)} metrics x {len(months)} months in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
