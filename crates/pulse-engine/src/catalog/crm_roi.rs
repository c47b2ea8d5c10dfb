//! CRM return on investment: incremental gross profit since go-live against the CRM's cost.
//! Months are calendar months in the workspace timezone (the `crm_months` table); the baseline
//! is the mean monthly revenue over the (up to) twelve months before the go-live month that
//! have revenue.

use crate::catalog::days_between;
use crate::catalog::revenue::activity_counts;
use crate::metric::{Category, Direction, Empty, Metric, PlanContext, Unit};

const NOT_CONFIGURED: &str =
    "crm.* is not configured, no month before go-live has revenue, or nothing has cost anything yet";

/// Per go-live-relative month: revenue (paid orders, summed per month through
/// `crm_instant_index`) and the incremental gross profit against the baseline; then per month from go-live on the cumulative profit and cost.
fn cumulative(context: &PlanContext) -> String {
    format!(
        "WITH order_months AS (
             SELECT crm_instant_index(at) AS position, sum(CAST(amount AS DOUBLE)) AS revenue, count(*) AS n_orders
             FROM orders WHERE status = 'paid'
             GROUP BY crm_instant_index(at)
         ),
         monthly AS (
             SELECT m.month AS month, m.month_index AS month_index, m.start_at AS start_at,
                    coalesce(o.revenue, 0.0) AS revenue, coalesce(o.n_orders, 0) AS n_orders
             FROM crm_months m LEFT JOIN order_months o ON o.position = m.position
         ),
         baseline AS (
             SELECT avg(revenue) AS revenue FROM monthly WHERE month_index BETWEEN -12 AND -1 AND n_orders > 0
         )
         SELECT m.month AS month, m.month_index AS month_index, m.start_at AS start_at,
                sum((m.revenue - b.revenue) * {margin}) OVER (ORDER BY m.month_index) AS cumulative_profit,
                {one_time} + {monthly} * (m.month_index + 1) AS cumulative_cost
         FROM monthly m CROSS JOIN baseline b
         WHERE m.month_index >= 0 AND b.revenue IS NOT NULL",
        margin = context.gross_margin,
        one_time = context.crm_cost_one_time,
        monthly = context.crm_cost_monthly,
    )
}

/// The months counted as of the end of each period: go-live through the month containing the
/// period's last instant (a month whose start is before the period's end).
fn as_of_period_end(context: &PlanContext) -> String {
    format!("SELECT p.period AS period, c.* FROM periods p JOIN ({}) c ON c.start_at < p.end_at", cumulative(context))
}

/// Before vs after go-live, as of the end of each period from the go-live month on: `after` =
/// the go-live month through the month containing the period's last instant (`months` months),
/// `before` = the same number of calendar months just before the go-live month. One row per
/// compared metric, each window taken as one period: deals won per month, avg_deal_size,
/// win_rate, sales_cycle_days, lead_conversion_rate (of the leads created in the window) and
/// churn_rate (S = active before the window's start, E = before its end; counted by
/// `counts_active_around_go_live`, whose windows are labelled by the month index of their far
/// end: −k for the before side starting at month −k, k for the after side ending with month k).
/// Deals and leads are counted per CRM month first (`crm_instant_index`), then summed over each
/// window's months.
fn before_after_rows(_: &PlanContext) -> String {
    let won_days = days_between("d.created_at", "d.closed_at");
    format!(
        "WITH periods_after AS (
             SELECT p.period AS period, final_month.month_index + 1 AS months, live.start_at AS go_live_at,
                    final_month.end_at AS after_end, earlier.start_at AS before_start
             FROM periods p
             JOIN crm_months final_month
                 ON final_month.start_at < p.end_at AND final_month.end_at >= p.end_at AND final_month.month_index >= 0
             JOIN crm_months live ON live.month_index = 0
             JOIN crm_months earlier ON earlier.month_index = -(final_month.month_index + 1)
         ),
         sides AS (
             SELECT period, months, 'before' AS side, before_start AS start_at, go_live_at AS end_at FROM periods_after
             UNION ALL
             SELECT period, months, 'after' AS side, go_live_at AS start_at, after_end AS end_at FROM periods_after
         ),
         side_bounds AS (
             SELECT period, side, months, crm_instant_index(start_at) AS lo, crm_instant_index(end_at) AS hi FROM sides
         ),
         deal_months AS (
             SELECT crm_instant_index(d.closed_at) AS k, count(CASE WHEN d.status = 'won' THEN 1 END) AS n_won,
                    sum(CASE WHEN d.status = 'won' THEN CAST(d.amount AS DOUBLE) END) AS won_amount,
                    count(*) AS n_closed, sum(CASE WHEN d.status = 'won' THEN {won_days} END) AS won_days
             FROM deals d WHERE d.status IN ('won', 'lost')
             GROUP BY crm_instant_index(d.closed_at)
         ),
         deal_sides AS (
             SELECT s.period AS period, s.side AS side,
                    CAST(coalesce(sum(m.n_won), 0) AS DOUBLE) / max(s.months) AS deals_won_per_month,
                    sum(m.won_amount) / nullif(sum(m.n_won), 0) AS avg_deal_size,
                    100.0 * coalesce(sum(m.n_won), 0) / nullif(sum(m.n_closed), 0) AS win_rate,
                    sum(m.won_days) / nullif(sum(m.n_won), 0) AS sales_cycle_days
             FROM side_bounds s LEFT JOIN deal_months m ON m.k >= s.lo AND m.k < s.hi
             GROUP BY s.period, s.side
         ),
         lead_months AS (
             SELECT crm_instant_index(l.created_at) AS k, count(l.converted_at) AS n_converted, count(*) AS n_leads
             FROM leads l GROUP BY crm_instant_index(l.created_at)
         ),
         lead_sides AS (
             SELECT s.period AS period, s.side AS side,
                    100.0 * coalesce(sum(m.n_converted), 0) / nullif(sum(m.n_leads), 0) AS lead_conversion_rate
             FROM side_bounds s LEFT JOIN lead_months m ON m.k >= s.lo AND m.k < s.hi
             GROUP BY s.period, s.side
         ),
         churn_sides AS (
             SELECT s.period AS period, s.side AS side,
                    100.0 * (a.n_start - a.n_both) / nullif(a.n_start, 0) AS churn_rate
             FROM sides s
             LEFT JOIN ({activity}) a
                 ON a.period = CAST(CASE WHEN s.side = 'before' THEN -s.months ELSE s.months - 1 END AS VARCHAR)
         ),
         compared AS (
             SELECT d.period AS period, d.side AS side, d.deals_won_per_month, d.avg_deal_size, d.win_rate,
                    d.sales_cycle_days, l.lead_conversion_rate, c.churn_rate
             FROM deal_sides d
             JOIN lead_sides l ON l.period = d.period AND l.side = d.side
             JOIN churn_sides c ON c.period = d.period AND c.side = d.side
         ),
         metric_names AS (
             SELECT * FROM (VALUES (1, 'deals_won_per_month'), (2, 'avg_deal_size'), (3, 'win_rate'),
                                   (4, 'sales_cycle_days'), (5, 'lead_conversion_rate'), (6, 'churn_rate')) AS m(position, metric)
         )
         SELECT c.period AS period, m.metric AS metric,
                max(CASE WHEN c.side = 'before' THEN {value} END) AS \"before\",
                max(CASE WHEN c.side = 'after' THEN {value} END) AS \"after\",
                max(p.months) AS months
         FROM compared c CROSS JOIN metric_names m JOIN periods_after p ON p.period = c.period
         GROUP BY c.period, m.position, m.metric
         ORDER BY c.period, m.position",
        activity = activity_counts("counts_active_around_go_live", "CAST(NULL AS VARCHAR)"),
        value = "CASE m.metric WHEN 'deals_won_per_month' THEN c.deals_won_per_month \
                 WHEN 'avg_deal_size' THEN c.avg_deal_size WHEN 'win_rate' THEN c.win_rate \
                 WHEN 'sales_cycle_days' THEN c.sales_cycle_days WHEN 'lead_conversion_rate' THEN c.lead_conversion_rate \
                 ELSE c.churn_rate END",
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "crm_roi",
            name: "CRM ROI",
            category: Category::CrmRoi,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "(Σ incremental gross profit − cost to date) / cost to date × 100, as of the end of P. Months counted: the go-live month through the month containing the last instant of P. Incremental gross profit of a month = (revenue of the month − baseline) × gross_margin; baseline = mean monthly revenue over the up to 12 calendar months before the go-live month that have revenue. Cost to date = cost_one_time + cost_monthly × months counted. A period ending before the go-live month counts no month: (0 − cost_one_time) / cost_one_time × 100 = −100 (null when cost_one_time is 0). Rows: before vs after go-live as of the end of P, same-length windows (after = the months counted, before = as many calendar months just before the go-live month), each window as one period: deals won per month, avg_deal_size, win_rate, sales_cycle_days, lead_conversion_rate, churn_rate (metric, before, after, months)",
            dimensions: &[],
            empty: Empty::Null(NOT_CONFIGURED),
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, CAST(NULL AS VARCHAR) AS segment,
                            (last_value(cumulative_profit ORDER BY month_index) - last_value(cumulative_cost ORDER BY month_index))
                              / nullif(last_value(cumulative_cost ORDER BY month_index), 0) * 100.0 AS value
                     FROM ({counted}) counted GROUP BY period
                     UNION ALL
                     SELECT p.period AS period, CAST(NULL AS VARCHAR) AS segment,
                            (0.0 - {one_time}) / nullif({one_time}, 0) * 100.0 AS value
                     FROM periods p
                     WHERE p.end_at <= (SELECT start_at FROM crm_months WHERE month_index = 0)
                       AND (SELECT count(*) FROM ({cumulative}) months) > 0",
                    counted = as_of_period_end(context),
                    cumulative = cumulative(context),
                    one_time = context.crm_cost_one_time,
                )
            },
            rows: Some(before_after_rows),
        },
        Metric {
            id: "crm_payback_month",
            name: "CRM payback month",
            category: Category::CrmRoi,
            unit: Unit::MonthLabel,
            direction: Direction::Neutral,
            formula: "the label of the first month (from go-live, as of the end of P) in which cumulative incremental gross profit ≥ cumulative cost; null if not yet. Rows: that label (payback_month) and its number counted from go-live (month_number; the go-live month is 1)",
            dimensions: &[],
            empty: Empty::Null("the CRM has not paid back yet (or crm.* is not configured)"),
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, CAST(NULL AS VARCHAR) AS segment, min(month) AS value
                     FROM ({}) counted WHERE cumulative_profit >= cumulative_cost GROUP BY period",
                    as_of_period_end(context)
                )
            },
            rows: Some(|context| {
                format!(
                    "SELECT period, min(month) AS payback_month, min(month_index) + 1 AS month_number
                     FROM ({}) counted WHERE cumulative_profit >= cumulative_cost GROUP BY period",
                    as_of_period_end(context)
                )
            }),
        },
    ]
}
