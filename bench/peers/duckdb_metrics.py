"""DuckDB peer: computes the metrics of common.METRICS per month from the CSV files with DuckDB
SQL. Usage: duckdb_metrics.py --csv DIR --config pulse.toml --out values.json

Timestamps are read as TIMESTAMPTZ with the session TimeZone set to the workspace zone, so a
timestamp without an offset (a date alone included) is local time there, and month labels
(strftime) are local months. Money is DECIMAL, so sums are exact.
"""

from __future__ import annotations

import time

import duckdb

import common

# The record columns each metric needs, per kind: (column, SQL type), where "ts" is a timestamp,
# "lower" an enum (matched case-insensitively, stored in lower case; "lower:x" defaults to x when
# empty) and "bool" a boolean.
COLUMNS = {
    "deals": [("created_at", "ts"), ("closed_at", "ts"), ("status", "lower"), ("amount", "DECIMAL(18,4)")],
    "leads": [("created_at", "ts"), ("converted_at", "ts")],
    "web_traffic": [("date", "ts"), ("visitors", "BIGINT")],
    "marketing_spend": [("date", "ts"), ("amount", "DECIMAL(18,4)"), ("purpose", "lower:acquisition")],
    "email_list": [("date", "ts"), ("subscribed", "BIGINT"), ("unsubscribed", "BIGINT"), ("bounced", "BIGINT"),
                   ("list_size", "BIGINT")],
    "orders": [("customer_id", "VARCHAR"), ("at", "ts"), ("amount", "DECIMAL(18,4)"), ("status", "lower:paid")],
    "subscriptions": [("subscription_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("started_at", "ts"),
                      ("ended_at", "ts"), ("mrr", "DECIMAL(18,4)")],
    "subscription_changes": [("subscription_id", "VARCHAR"), ("at", "ts"), ("mrr", "DECIMAL(18,4)")],
    "survey_responses": [("at", "ts"), ("kind", "lower"), ("score", "DOUBLE"), ("scale_min", "DOUBLE"),
                         ("scale_max", "DOUBLE")],
    "tickets": [("opened_at", "ts"), ("resolved_at", "ts"), ("agent_replies", "BIGINT")],
    "users": [("user_id", "VARCHAR"), ("licensed", "bool"), ("created_at", "ts"), ("deactivated_at", "ts")],
    "usage_events": [("user_id", "VARCHAR"), ("at", "ts")],
    "activities": [("at", "ts"), ("channel", "VARCHAR")],
}

# A timestamp cell as an instant. With an offset (Z, ±HH, ±HHMM, ±HH:MM after the time): that
# instant. Without: local time in the session zone; ICU moves a wall time in a daylight-saving
# gap forward by the gap and reads an ambiguous one as the later instant, so the macro steps back
# an hour when that gives the same wall time: the earlier instant, as Pulse reads it (fold=0).
MACROS = [
    """CREATE MACRO has_offset(s) AS length(s) > 10 AND regexp_matches(substr(s, 12), '[zZ+-]')""",
    """CREATE MACRO local_ts(u) AS CASE
           WHEN strftime(u - INTERVAL 1 HOUR, '%Y-%m-%d %H:%M:%S.%f') = strftime(u, '%Y-%m-%d %H:%M:%S.%f')
           THEN u - INTERVAL 1 HOUR ELSE u END""",
    """CREATE MACRO ts(s) AS CASE
           WHEN ends_with(s, 'Z') THEN CAST(s AS TIMESTAMPTZ)
           WHEN s IS NULL OR trim(s) = '' THEN NULL
           WHEN has_offset(trim(s)) THEN CAST(upper(trim(s)) AS TIMESTAMPTZ)
           ELSE local_ts(CAST(trim(s) AS TIMESTAMPTZ)) END""",
    # Month label of an instant in the workspace zone.
    """CREATE MACRO month_of(t) AS strftime(t, '%Y-%m')""",
    # (b − a) in days / hours, from microseconds.
    """CREATE MACRO days_between(a, b) AS (epoch_us(b) - epoch_us(a)) / 86400e6""",
    """CREATE MACRO hours_between(a, b) AS (epoch_us(b) - epoch_us(a)) / 3600e6""",
]


def column_sql(name: str, kind: str) -> str:
    cell = f'nullif(trim("{name}"), \'\')'
    if kind == "ts":
        return f'ts("{name}") AS "{name}"'
    if kind.startswith("lower"):
        default = kind.partition(":")[2]
        return f"coalesce(lower({cell}), '{default}') AS \"{name}\"" if default else f'lower({cell}) AS "{name}"'
    if kind == "bool":
        # true/false, yes/no, 1/0; default true (users.licensed).
        return f'coalesce(lower({cell}) IN (\'true\', \'yes\', \'1\'), true) AS "{name}"'
    return f'CAST({cell} AS {kind}) AS "{name}"'


def load(con: duckdb.DuckDBPyConnection, csv_dir) -> None:
    for kind, columns in COLUMNS.items():
        path = csv_dir / f"{kind}.csv"
        select = ", ".join(column_sql(name, sql_type) for name, sql_type in columns)
        con.execute(
            f"CREATE TABLE {kind} AS SELECT {select} "
            f"FROM read_csv('{path}', header = true, all_varchar = true, quote = '\"', escape = '\"')"
        )


def boundaries_table(con, months: list[common.Month]) -> None:
    """`months(label, idx, start_at, end_at)`: the reporting months."""
    rows = ", ".join(
        f"('{m.label}', {i}, to_timestamp({m.start_us // 1_000_000}), to_timestamp({m.end_us // 1_000_000}))"
        for i, m in enumerate(months)
    )
    con.execute(f"CREATE TABLE months AS SELECT * FROM (VALUES {rows}) v(label, idx, start_at, end_at)")


# Each metric: SQL returning (label, value) per month; months missing from the result are 0 for
# counts and sums (listed in ZERO) and null otherwise.
QUERIES: dict[str, str] = {
    # --- sales -----------------------------------------------------------------------------
    # deals with status won and closed_at in P
    "deals_won": """SELECT month_of(closed_at), count(*) FROM deals WHERE status = 'won' GROUP BY 1""",
    # won / (won + lost) × 100 by closed_at
    "win_rate": """SELECT month_of(closed_at), 100.0 * count_if(status = 'won') / count(*)
                   FROM deals WHERE status IN ('won', 'lost') GROUP BY 1""",
    # mean amount of the deals won in P
    "avg_deal_size": """SELECT month_of(closed_at), avg(CAST(amount AS DOUBLE))
                        FROM deals WHERE status = 'won' GROUP BY 1""",
    # median of (closed_at − created_at) in days over deals won in P (linear interpolation)
    "sales_cycle_days_median": """SELECT month_of(closed_at), quantile_cont(days_between(created_at, closed_at), 0.5)
                                  FROM deals WHERE status = 'won' GROUP BY 1""",
    # of leads created in P, the share with converted_at set (whenever)
    "lead_conversion_rate": """SELECT month_of(created_at), 100.0 * count(converted_at) / count(*)
                               FROM leads GROUP BY 1""",
    # deals with created_at < end and (closed_at absent or ≥ end)
    "open_deals": """SELECT m.label, count(*) FROM months m JOIN deals d
                     ON d.created_at < m.end_at AND (d.closed_at IS NULL OR d.closed_at >= m.end_at) GROUP BY 1""",
    # --- marketing -------------------------------------------------------------------------
    # Σ web_traffic.visitors with date in P
    "visitors": """SELECT month_of("date"), sum(visitors) FROM web_traffic GROUP BY 1""",
    # customers whose acquired_at (see `acquisitions`) is in P
    "customers_acquired": """SELECT month_of(acquired_at), count(*) FROM acquisitions GROUP BY 1""",
    # acquisition-purpose spend in P / customers acquired in P
    "cac": """WITH spend AS (SELECT month_of("date") AS label, sum(amount) AS amount FROM marketing_spend
                             WHERE purpose = 'acquisition' GROUP BY 1),
                   acquired AS (SELECT month_of(acquired_at) AS label, count(*) AS n FROM acquisitions GROUP BY 1)
              SELECT acquired.label, CAST(coalesce(spend.amount, 0) AS DOUBLE) / acquired.n
              FROM acquired LEFT JOIN spend USING (label)""",
    # (subscribed − unsubscribed − bounced in P) / list size at the start of P × 100; the size at
    # the start of day d = list_size of the latest row dated ≤ d that has one + the net changes of
    # the rows from that row's day up to d (excluded); without one, initial_list_size + the net
    # changes of all rows before d
    "email_list_growth_rate": """
        WITH anchored AS (
            SELECT m.label, m.start_at, max(e."date") AS anchor_date
            FROM months m LEFT JOIN email_list e ON e.list_size IS NOT NULL AND e."date" <= m.start_at
            GROUP BY m.label, m.start_at
        ),
        sizes AS (
            SELECT a.label,
                   coalesce((SELECT any_value(list_size) FROM email_list WHERE "date" = a.anchor_date), {initial})
                   + coalesce((SELECT sum(subscribed - unsubscribed - bounced) FROM email_list
                               WHERE "date" < a.start_at AND (a.anchor_date IS NULL OR "date" >= a.anchor_date)), 0)
                     AS size
            FROM anchored a
        ),
        net AS (SELECT month_of("date") AS label, sum(subscribed - unsubscribed - bounced) AS change
                FROM email_list GROUP BY 1)
        SELECT sizes.label, 100.0 * coalesce(net.change, 0) / nullif(sizes.size, 0)
        FROM sizes LEFT JOIN net USING (label)""",
    # --- revenue and customers -------------------------------------------------------------
    # Σ amount of paid orders with at in P
    "revenue": """SELECT month_of("at"), CAST(sum(amount) AS DOUBLE) FROM paid_orders GROUP BY 1""",
    # revenue / paid orders in P
    "avg_purchase_value": """SELECT month_of("at"), avg(CAST(amount AS DOUBLE)) FROM paid_orders GROUP BY 1""",
    # customers with ≥ 2 paid orders before end / customers with ≥ 1 before end × 100
    "repeat_customer_rate": """
        WITH ranked AS (
            SELECT customer_id, min("at") AS first_at,
                   min("at") FILTER (WHERE rank_in_customer = 2) AS second_at
            FROM (SELECT customer_id, "at",
                         row_number() OVER (PARTITION BY customer_id ORDER BY "at") AS rank_in_customer
                  FROM paid_orders) o
            GROUP BY customer_id
        )
        SELECT m.label, 100.0 * count(r.second_at) FILTER (WHERE r.second_at < m.end_at) / nullif(count(r.first_at), 0)
        FROM months m JOIN ranked r ON r.first_at < m.end_at GROUP BY 1""",
    # |E(P)|: customers active before end
    "active_customers": """SELECT m.label, count(*) FROM months m JOIN active a ON a.b = m.end_at GROUP BY 1""",
    # |S \\ E| / |S| × 100, S = active before start, E = active before end
    "churn_rate": """
        SELECT m.label, 100.0 * count(*) FILTER (WHERE e.customer_id IS NULL) / count(*)
        FROM months m JOIN active s ON s.b = m.start_at
        LEFT JOIN active e ON e.b = m.end_at AND e.customer_id = s.customer_id
        GROUP BY 1""",
    # --- subscriptions ---------------------------------------------------------------------
    # Σ customer MRR before end
    "mrr": """SELECT m.label, CAST(sum(c.mrr) AS DOUBLE) FROM months m JOIN customer_mrr c ON c.b = m.end_at
              GROUP BY 1""",
    # Σ a over the new movements in P (b = 0, a > 0, never MRR > 0 before)
    "mrr_new": """SELECT month_of("at"), CAST(sum(mrr_after) AS DOUBLE) FROM movements WHERE kind = 'new'
                  GROUP BY 1""",
    # Σ b over the churn movements in P (b > 0, a = 0)
    "mrr_churn": """SELECT month_of("at"), CAST(sum(mrr_before) AS DOUBLE) FROM movements WHERE kind = 'churn'
                    GROUP BY 1""",
    # Σ m1 / Σ m0 × 100 over the customers with m0 > 0 (m0, m1: MRR before start, before end)
    "nrr": """SELECT m.label, 100.0 * CAST(coalesce(sum(m1.mrr), 0) AS DOUBLE) / CAST(sum(m0.mrr) AS DOUBLE)
              FROM months m JOIN customer_mrr m0 ON m0.b = m.start_at AND m0.mrr > 0
              LEFT JOIN customer_mrr m1 ON m1.b = m.end_at AND m1.customer_id = m0.customer_id
              GROUP BY 1""",
    # --- customer perception and support ---------------------------------------------------
    # (promoters 9–10 − detractors 0–6) / responses × 100 over nps responses in P
    "nps": """SELECT month_of("at"), 100.0 * (count_if(score >= 9) - count_if(score <= 6)) / count(*)
              FROM survey_responses WHERE kind = 'nps' GROUP BY 1""",
    # share of csat responses in P whose (score − min) / (max − min) × 100 ≥ 75 (default scale 1–5)
    "csat": """SELECT month_of("at"),
                      100.0 * count_if(100.0 * (score - coalesce(scale_min, 1)) / (coalesce(scale_max, 5) - coalesce(scale_min, 1)) >= 75)
                      / count(*)
               FROM survey_responses WHERE kind = 'csat' GROUP BY 1""",
    # tickets with opened_at in P
    "tickets_opened": """SELECT month_of(opened_at), count(*) FROM tickets GROUP BY 1""",
    # of tickets resolved in P, the share with agent_replies ≤ 1 (absent = 0)
    "first_contact_resolution": """SELECT month_of(resolved_at), 100.0 * count_if(coalesce(agent_replies, 0) <= 1) / count(*)
                                   FROM tickets WHERE resolved_at IS NOT NULL GROUP BY 1""",
    # mean (resolved_at − opened_at) in hours over tickets resolved in P
    "resolution_hours": """SELECT month_of(resolved_at), avg(hours_between(opened_at, resolved_at))
                           FROM tickets WHERE resolved_at IS NOT NULL GROUP BY 1""",
    # tickets with opened_at < end and (resolved_at absent or ≥ end)
    "ticket_backlog": """SELECT m.label, count(*) FROM months m JOIN tickets t
                         ON t.opened_at < m.end_at AND (t.resolved_at IS NULL OR t.resolved_at >= m.end_at) GROUP BY 1""",
    # --- team ------------------------------------------------------------------------------
    # of the users licensed at end (licensed, created_at < end, not deactivated before end), the
    # share with ≥ 1 usage event in P
    "user_adoption_rate": """
        WITH active_users AS (SELECT DISTINCT month_of("at") AS label, user_id FROM usage_events)
        SELECT m.label, 100.0 * count(a.user_id) / count(*)
        FROM months m JOIN users u ON u.licensed AND u.created_at < m.end_at
                                   AND (u.deactivated_at IS NULL OR u.deactivated_at >= m.end_at)
        LEFT JOIN active_users a ON a.label = m.label AND a.user_id = u.user_id
        GROUP BY 1""",
    # usage events in P / users with ≥ 1 usage event in P
    "actions_per_active_user": """SELECT month_of("at"), count(*) / count(DISTINCT user_id) FROM usage_events
                                  GROUP BY 1""",
    # distinct channel values among activities in P
    "communication_channels": """SELECT month_of("at"), count(DISTINCT channel) FROM activities GROUP BY 1""",
    # --- CRM ROI ---------------------------------------------------------------------------
    # (Σ (revenue − baseline) × margin − cost to date) / cost to date × 100, as of the end of P; a
    # month before the go-live month counts no month: (0 − cost_one_time) / cost_one_time × 100
    "crm_roi": """SELECT label, 100.0 * (profit - cost) / nullif(cost, 0) FROM crm_cumulative
                  UNION ALL
                  SELECT m.label, -100.0 * {one_time} / nullif({one_time}, 0) FROM months m
                  WHERE m.end_at <= (SELECT min(start_at) FROM crm_cumulative WHERE idx = 0)""",
    # the label of the first month whose cumulative profit ≥ cumulative cost, as of the end of P
    "crm_payback_month": """SELECT c.label, (SELECT arg_min(e.label, e.idx) FROM crm_cumulative e
                                             WHERE e.idx <= c.idx AND e.profit >= e.cost)
                            FROM crm_cumulative c""",
}

ZERO = {"deals_won", "open_deals", "visitors", "customers_acquired", "revenue", "active_customers", "mrr",
        "mrr_new", "mrr_churn", "tickets_opened", "ticket_backlog", "communication_channels"}


def derived_tables(con, config: common.Config, months: list[common.Month]) -> None:
    con.execute("CREATE TABLE paid_orders AS SELECT customer_id, \"at\", amount FROM orders WHERE status = 'paid'")

    # The MRR a subscription is set to at each instant: its start (its mrr; a change at the same
    # instant overrides it), its changes, its end (0; an end at the start means never active).
    con.execute("""
        CREATE TABLE subscription_settings AS
        SELECT subscription_id, customer_id, "at", mrr FROM (
            SELECT *, row_number() OVER (PARTITION BY subscription_id, "at" ORDER BY precedence DESC) AS latest
            FROM (
                SELECT subscription_id, customer_id, started_at AS "at", mrr, 0 AS precedence FROM subscriptions
                UNION ALL
                SELECT c.subscription_id, s.customer_id, c."at", c.mrr, 1
                FROM subscription_changes c JOIN subscriptions s USING (subscription_id)
                UNION ALL
                SELECT subscription_id, customer_id, ended_at, CAST(0 AS DECIMAL(18,4)), 2
                FROM subscriptions WHERE ended_at IS NOT NULL
            ) events
        ) ranked WHERE latest = 1""")

    # acquired_at: the earliest of the first paid order and the first instant at which one of
    # the customer's subscriptions is set to MRR > 0.
    con.execute("""
        CREATE TABLE acquisitions AS
        SELECT customer_id, min("at") AS acquired_at FROM (
            SELECT customer_id, "at" FROM paid_orders
            UNION ALL
            SELECT customer_id, "at" FROM subscription_settings WHERE mrr > 0
        ) GROUP BY customer_id""")

    # MRR movements: per customer, every instant at which the sum of their subscriptions' MRR
    # changes, with the MRR before and after it.
    con.execute("""
        CREATE TABLE movements AS
        WITH deltas AS (
            SELECT customer_id, "at",
                   mrr - coalesce(lag(mrr) OVER (PARTITION BY subscription_id ORDER BY "at"), 0) AS delta
            FROM subscription_settings
        ),
        customer_deltas AS (
            SELECT customer_id, "at", sum(delta) AS delta FROM deltas GROUP BY ALL HAVING sum(delta) <> 0
        ),
        steps AS (
            SELECT customer_id, "at", delta,
                   sum(delta) OVER (PARTITION BY customer_id ORDER BY "at") AS mrr_after
            FROM customer_deltas
        ),
        classified AS (
            SELECT customer_id, "at", mrr_after - delta AS mrr_before, mrr_after,
                   coalesce(max(mrr_after) OVER (PARTITION BY customer_id ORDER BY "at"
                                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) > 0
                       AS had_mrr_before
            FROM steps
        )
        SELECT customer_id, "at", mrr_before, mrr_after,
               CASE WHEN mrr_before = 0 AND mrr_after > 0 AND NOT had_mrr_before THEN 'new'
                    WHEN mrr_before = 0 AND mrr_after > 0 THEN 'reactivation'
                    WHEN mrr_before > 0 AND mrr_after = 0 THEN 'churn'
                    WHEN mrr_after > mrr_before THEN 'expansion'
                    ELSE 'contraction' END AS kind
        FROM classified""")

    # Every month boundary (the start of each month and the end of the last).
    con.execute("""CREATE TABLE boundaries AS SELECT start_at AS b FROM months
                   UNION SELECT max(end_at) FROM months""")

    # A customer's MRR before b: over their subscriptions active before b (started_at < b, ended_at
    # absent or ≥ b), the latest MRR set strictly before b.
    con.execute("""
        CREATE TABLE customer_mrr AS
        SELECT a.b, a.customer_id, sum(coalesce(c.mrr, a.mrr)) AS mrr
        FROM (SELECT bd.b, s.* FROM boundaries bd JOIN subscriptions s
              ON s.started_at < bd.b AND (s.ended_at IS NULL OR s.ended_at >= bd.b)) a
        ASOF LEFT JOIN subscription_changes c ON c.subscription_id = a.subscription_id AND a.b > c."at"
        GROUP BY ALL""")

    # Who is active before b. Subscription rule: a subscription with started_at < b and ended_at
    # absent or ≥ b. Purchase rule: a paid order with b − inactivity_days ≤ at < b (days of 24 h).
    # customer_model auto: customers who ever had a subscription follow the subscription rule.
    follows = {
        "subscription": "true",
        "purchase": "false",
    }.get(config.customer_model, "customer_id IN (SELECT customer_id FROM subscriptions)")
    hours = 24 * config.inactivity_days
    con.execute(f"""
        CREATE TABLE active AS
        WITH rules AS (
            SELECT customer_id, {follows} AS by_subscription FROM (
                SELECT customer_id FROM subscriptions UNION SELECT customer_id FROM paid_orders)
        ),
        by_subscription AS (
            SELECT DISTINCT bd.b, s.customer_id FROM boundaries bd JOIN subscriptions s
            ON s.started_at < bd.b AND coalesce(s.ended_at, 'infinity'::TIMESTAMPTZ) >= bd.b
        ),
        by_purchase AS (
            SELECT DISTINCT bd.b, o.customer_id FROM boundaries bd JOIN paid_orders o
            ON o."at" < bd.b AND o."at" + INTERVAL {hours} HOUR >= bd.b
        )
        SELECT b, customer_id FROM by_subscription JOIN rules USING (customer_id) WHERE rules.by_subscription
        UNION ALL
        SELECT b, customer_id FROM by_purchase JOIN rules USING (customer_id) WHERE NOT rules.by_subscription""")

    # CRM ROI: calendar months from 12 before the go-live month through the last reported month,
    # revenue per month, the baseline (mean over the months −12..−1 that have paid orders), and
    # per month from go-live on the cumulative incremental gross profit and cost.
    con.execute("CREATE TABLE crm_cumulative (label VARCHAR, idx BIGINT, start_at TIMESTAMPTZ, profit DOUBLE, cost DOUBLE)")
    if config.crm_go_live is not None:
        go_live = config.crm_go_live.replace(day=1)
        first = common.add_months(go_live, -12)
        last = max(months[-1].first_day, go_live)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        crm_months = common.months(config.timezone, first, count)
        rows = ", ".join(
            f"('{m.label}', {i - 12}, to_timestamp({m.start_us // 1_000_000}), to_timestamp({m.end_us // 1_000_000}))"
            for i, m in enumerate(crm_months)
        )
        con.execute(f"""
            INSERT INTO crm_cumulative
            WITH crm_months AS (SELECT * FROM (VALUES {rows}) v(label, idx, start_at, end_at)),
            monthly AS (
                SELECT cm.label, cm.idx, cm.start_at, CAST(coalesce(sum(o.amount), 0) AS DOUBLE) AS revenue, count(o.amount) AS n
                FROM crm_months cm LEFT JOIN paid_orders o ON o."at" >= cm.start_at AND o."at" < cm.end_at
                GROUP BY ALL
            ),
            baseline AS (SELECT avg(revenue) AS revenue FROM monthly WHERE idx BETWEEN -12 AND -1 AND n > 0)
            SELECT m.label, m.idx, m.start_at,
                   sum((m.revenue - b.revenue) * {config.gross_margin}) OVER (ORDER BY m.idx),
                   {config.crm_cost_one_time} + {config.crm_cost_monthly} * (m.idx + 1)
            FROM monthly m, baseline b WHERE m.idx >= 0 AND b.revenue IS NOT NULL""")


def main() -> None:
    args = common.arguments(__doc__.splitlines()[0])
    started = time.perf_counter()
    config = common.Config.load(args.config)
    months = common.months(config.timezone)
    labels = [m.label for m in months]
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{config.timezone}'")
    for macro in MACROS:
        con.execute(macro)
    load(con, args.csv)
    loaded = time.perf_counter()
    boundaries_table(con, months)
    derived_tables(con, config, months)
    results: dict[str, dict[str, float | None]] = {}
    for metric in common.METRICS:
        sql = QUERIES[metric].format(initial=config.initial_list_size, one_time=config.crm_cost_one_time)
        found = {label: value for label, value in con.execute(sql).fetchall() if label is not None}
        default = 0.0 if metric in ZERO else None
        results[metric] = {label: found.get(label, default) for label in labels}
    common.write(args.out, results, labels)
    finished = time.perf_counter()
    print(f"duckdb: {len(common.METRICS)} metrics x {len(labels)} months; "
          f"read CSVs {loaded - started:.2f} s, metrics {finished - loaded:.2f} s")


if __name__ == "__main__":
    main()
