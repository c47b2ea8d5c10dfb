//! Sales: deals, pipeline, cycle, leads and activities.

use crate::catalog::{days_between, money, per_event_period, per_period_state};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, PlanContext, Unit};

/// Deals joined to their customer, for the customer dimensions.
const DEALS: &str = "deals d LEFT JOIN customers c ON c.customer_id = d.customer_id";

const DEAL_DIMENSIONS: &[(D, &str)] = &[
    (D::Owner, "d.owner"),
    (D::Source, "d.source"),
    (D::Segment, "c.segment"),
    (D::Region, "c.region"),
    (D::Industry, "c.industry"),
    (D::Country, "c.country"),
    (D::Attribute, "json_attr(c.attributes, {attr})"),
];

const LEAD_DIMENSIONS: &[(D, &str)] = &[
    (D::Source, "l.source"),
    (D::Owner, "l.owner"),
    (D::Campaign, "l.campaign_id"),
    (D::Attribute, "json_attr(l.attributes, {attr})"),
];

const ACTIVITY_DIMENSIONS: &[(D, &str)] = &[(D::Owner, "a.owner"), (D::Channel, "a.channel"), (D::Type, "a.\"type\"")];

fn closed(status: &str) -> String {
    format!("{DEALS} WHERE d.status = '{status}'")
}

fn won_then(context: &PlanContext, columns: &str, aggregate: &str) -> String {
    per_event_period("d.closed_at", columns, &closed("won"), aggregate, &context.segment)
}

fn open_at_end(context: &PlanContext, columns: &str, aggregate: &str) -> String {
    per_period_state(
        columns,
        &format!(
            "JOIN deals d ON d.created_at < p.end_at AND (d.closed_at IS NULL OR d.closed_at >= p.end_at)
             LEFT JOIN customers c ON c.customer_id = d.customer_id"
        ),
        aggregate,
        &context.segment,
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "deals_won",
            name: "Deals won",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "deals with status won and closed_at in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| won_then(context, "", "count(*)"),
        },
        Metric {
            id: "deals_lost",
            name: "Deals lost",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "deals with status lost and closed_at in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| per_event_period("d.closed_at", "", &closed("lost"), "count(*)", &context.segment),
        },
        Metric {
            id: "win_rate",
            name: "Win rate",
            category: Category::Sales,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "deals_won / (deals_won + deals_lost) × 100",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won or lost in the period"),
            rows: None,
            plan: |context| {
                per_event_period(
                    "d.closed_at",
                    "d.status AS status",
                    &format!("{DEALS} WHERE d.status IN ('won', 'lost')"),
                    "100.0 * sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END) / count(*)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "win_rate_by_amount",
            name: "Win rate by amount",
            category: Category::Sales,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "won amount / (won amount + lost amount) × 100, over the deals won or lost in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no amount was won or lost in the period"),
            rows: None,
            plan: |context| {
                per_event_period(
                    "d.closed_at",
                    &format!("d.status AS status, {} AS amount", money("d.amount")),
                    &format!("{DEALS} WHERE d.status IN ('won', 'lost')"),
                    "100.0 * sum(CASE WHEN status = 'won' THEN amount ELSE 0 END) / nullif(sum(amount), 0)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "revenue_won",
            name: "Revenue won",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ amount of deals won in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| won_then(context, "d.amount AS amount", "sum(amount)"),
        },
        Metric {
            id: "avg_deal_size",
            name: "Average deal size",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "revenue_won / deals_won",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            plan: |context| won_then(context, &format!("{} AS amount", money("d.amount")), "avg(amount)"),
        },
        Metric {
            id: "sales_cycle_days",
            name: "Sales cycle",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "mean of (closed_at − created_at) in days over deals won in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            plan: |context| {
                won_then(context, &format!("{} AS days", days_between("d.created_at", "d.closed_at")), "avg(days)")
            },
        },
        Metric {
            id: "sales_cycle_days_median",
            name: "Sales cycle (median)",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "median of (closed_at − created_at) in days over deals won in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            plan: |context| {
                won_then(
                    context,
                    &format!("{} AS days", days_between("d.created_at", "d.closed_at")),
                    "quantile(array_agg(days), 0.5)",
                )
            },
        },
        Metric {
            id: "lead_to_close_days",
            name: "Lead to close",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "mean of (deal closed_at − lead created_at) in days over deals won in P that have a lead_id (\"lead velocity\")",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals with a lead were won in the period"),
            rows: None,
            plan: |context| {
                per_event_period(
                    "d.closed_at",
                    &format!("{} AS days", days_between("l.created_at", "d.closed_at")),
                    &format!("{DEALS} JOIN leads l ON l.lead_id = d.lead_id WHERE d.status = 'won'"),
                    "avg(days)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "open_deals",
            name: "Open deals",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "deals open at the end of P: created_at < end and (closed_at absent or closed_at ≥ end)",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| open_at_end(context, "", "count(*)"),
        },
        Metric {
            id: "pipeline_value",
            name: "Pipeline value",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ amount of open_deals",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| open_at_end(context, "d.amount AS amount", "sum(amount)"),
        },
        Metric {
            id: "activities",
            name: "Activities",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "activities with at in P (segment by type or owner)",
            dimensions: ACTIVITY_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| per_event_period("a.at", "", "activities a", "count(*)", &context.segment),
        },
        Metric {
            id: "touches_to_close",
            name: "Touches to close",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "mean number of activities whose deal_id is the deal and at ≤ closed_at, over deals won in P (a deal with none counts 0)",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            plan: |context| {
                format!(
                    "SELECT period, segment, avg(touches) AS value FROM (
                         SELECT period_of(d.closed_at) AS period, {segment} AS segment, d.deal_id AS deal_id,
                                count(a.activity_id) AS touches
                         FROM {DEALS} LEFT JOIN activities a ON a.deal_id = d.deal_id AND a.at <= d.closed_at
                         WHERE d.status = 'won'
                         GROUP BY period_of(d.closed_at), {segment}, d.deal_id
                     ) won WHERE period IS NOT NULL GROUP BY period, segment",
                    segment = context.segment
                )
            },
        },
        Metric {
            id: "leads_created",
            name: "Leads created",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "leads with created_at in P",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            plan: |context| per_event_period("l.created_at", "", "leads l", "count(*)", &context.segment),
        },
        Metric {
            id: "lead_conversion_rate",
            name: "Lead conversion rate",
            category: Category::Sales,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "of leads created in P, the share with converted_at set, whenever that is (cohort view); a lead both converted and disqualified counts as converted",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Null("no leads were created in the period"),
            rows: None,
            plan: |context| {
                per_event_period(
                    "l.created_at",
                    "l.converted_at AS converted_at",
                    "leads l",
                    "100.0 * sum(CASE WHEN converted_at IS NOT NULL THEN 1 ELSE 0 END) / count(*)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "lead_time_to_convert_days",
            name: "Lead time to convert",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "mean (converted_at − created_at) in days over leads converted in P",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Null("no leads were converted in the period"),
            rows: None,
            plan: |context| {
                per_event_period(
                    "l.converted_at",
                    &format!("{} AS days", days_between("l.created_at", "l.converted_at")),
                    "leads l",
                    "avg(days)",
                    &context.segment,
                )
            },
        },
    ]
}
