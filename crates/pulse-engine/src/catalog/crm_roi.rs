//! CRM return on investment: incremental gross profit since go-live against the CRM's cost.
//! Months are calendar months in the workspace timezone (the `crm_months` table); the baseline
//! is the mean monthly revenue over the (up to) twelve months before the go-live month that
//! have revenue.

use crate::metric::{Category, Direction, Empty, Metric, PlanContext, Unit};

const NOT_CONFIGURED: &str =
    "the period ends before the CRM's go-live month, crm.* is not configured, or no month before go-live has revenue";

/// Per go-live-relative month: revenue (paid orders) and the incremental gross profit against
/// the baseline; then per month from go-live on the cumulative profit and cost.
fn cumulative(context: &PlanContext) -> String {
    format!(
        "WITH monthly AS (
             SELECT m.month AS month, m.month_index AS month_index, m.start_at AS start_at,
                    coalesce(sum(CAST(o.amount AS DOUBLE)), 0.0) AS revenue, count(o.order_id) AS n_orders
             FROM crm_months m LEFT JOIN orders o ON o.status = 'paid' AND o.at >= m.start_at AND o.at < m.end_at
             GROUP BY m.month, m.month_index, m.start_at
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

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "crm_roi",
            name: "CRM ROI",
            category: Category::CrmRoi,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "(Σ incremental gross profit − cost to date) / cost to date × 100, as of the end of P. Months counted: the go-live month through the month containing the last instant of P. Incremental gross profit of a month = (revenue of the month − baseline) × gross_margin; baseline = mean monthly revenue over the up to 12 calendar months before the go-live month that have revenue. Cost to date = cost_one_time + cost_monthly × months counted. Null before the go-live month",
            dimensions: &[],
            empty: Empty::Null(NOT_CONFIGURED),
            plan: |context| {
                format!(
                    "SELECT period, CAST(NULL AS VARCHAR) AS segment,
                            (last_value(cumulative_profit ORDER BY month_index) - last_value(cumulative_cost ORDER BY month_index))
                              / nullif(last_value(cumulative_cost ORDER BY month_index), 0) * 100.0 AS value
                     FROM ({}) counted GROUP BY period",
                    as_of_period_end(context)
                )
            },
            rows: None,
        },
        Metric {
            id: "crm_payback_month",
            name: "CRM payback month",
            category: Category::CrmRoi,
            unit: Unit::Months,
            direction: Direction::LowerIsBetter,
            formula: "the first month (from go-live, as of the end of P) in which cumulative incremental gross profit ≥ cumulative cost; null if not yet. Value: its number counted from go-live (the go-live month is 1); rows: its label (payback_month)",
            dimensions: &[],
            empty: Empty::Null("the CRM has not paid back yet (or crm.* is not configured)"),
            plan: |context| {
                format!(
                    "SELECT period, CAST(NULL AS VARCHAR) AS segment, min(month_index) + 1 AS value
                     FROM ({}) counted WHERE cumulative_profit >= cumulative_cost GROUP BY period",
                    as_of_period_end(context)
                )
            },
            rows: Some(|context| {
                format!(
                    "SELECT period, min(month) AS payback_month
                     FROM ({}) counted WHERE cumulative_profit >= cumulative_cost GROUP BY period",
                    as_of_period_end(context)
                )
            }),
        },
    ]
}
