//! Customer perception and support: survey scores (NPS, CES, CSAT, eNPS) and tickets (volume,
//! resolution, response times, backlog).

use crate::catalog::{
    CUSTOMER_DIMENSIONS, customers_join, event_records, hours_between, per_event_period, per_period_state,
};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, PlanContext, Unit};

/// Survey responses joined to their customer when the segment is a customer dimension.
fn surveys(context: &PlanContext) -> String {
    format!("survey_responses r {}", customers_join(&context.segment, "r.customer_id"))
}

/// Tickets joined to their customer when the segment is a customer dimension.
fn tickets(context: &PlanContext) -> String {
    format!("tickets t {}", customers_join(&context.segment, "t.customer_id"))
}

const SURVEY_DIMENSIONS: &[(D, &str)] =
    &with_customer_dimensions::<{ 1 + CUSTOMER_DIMENSIONS.len() }>(&[(D::Touchpoint, "r.touchpoint")]);

/// Employee surveys have no customer: only the touchpoint applies.
const EMPLOYEE_SURVEY_DIMENSIONS: &[(D, &str)] = &[(D::Touchpoint, "r.touchpoint")];

const TICKET_DIMENSIONS: &[(D, &str)] = &with_customer_dimensions::<{ 2 + CUSTOMER_DIMENSIONS.len() }>(&[
    (D::Channel, "t.channel"),
    (D::Owner, "t.assignee"),
]);

/// A response's score on a 0–100 scale: `(score − min) / (max − min) × 100`, and 100 minus that
/// when the scale is reversed. The importer fills in the effective scale and `reversed`.
const NORMALIZED_SCORE: &str =
    "(CASE WHEN r.reversed THEN 100.0 - 100.0 * (r.score - r.scale_min) / (r.scale_max - r.scale_min)
    ELSE 100.0 * (r.score - r.scale_min) / (r.scale_max - r.scale_min) END)";

/// `own` followed by the customer dimensions (over the alias `c`), as one constant slice.
const fn with_customer_dimensions<const N: usize>(own: &[(D, &'static str)]) -> [(D, &'static str); N] {
    assert!(own.len() + CUSTOMER_DIMENSIONS.len() == N, "N is the length of both lists");
    let mut all = [(D::Source, ""); N];
    let mut index = 0;
    while index < own.len() {
        all[index] = own[index];
        index += 1;
    }
    while index < N {
        all[index] = CUSTOMER_DIMENSIONS[index - own.len()];
        index += 1;
    }
    all
}

/// Aggregates the responses of one survey kind per period of their `at`.
fn responses(kind: &str, context: &PlanContext, columns: &str, aggregate: &str) -> String {
    per_event_period(
        "r.at",
        columns,
        &format!("{} WHERE r.kind = '{kind}'", surveys(context)),
        aggregate,
        &context.segment,
    )
}

/// NPS-style score: (promoters − detractors) / responses × 100.
fn net_promoter_score(kind: &str, context: &PlanContext) -> String {
    responses(
        kind,
        context,
        "r.score AS score",
        "100.0 * (sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) - sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)) / count(*)",
    )
}

/// The counts behind an NPS-style score: one row per period and segment (zeros included, so
/// a period without responses shows 0 responses rather than no row). The extra null segment
/// is what an unsegmented report reads; a segmented report ignores rows of segments it lacks.
fn net_promoter_counts(kind: &str, context: &PlanContext) -> String {
    format!(
        "WITH scored AS (
             SELECT period_of(r.at) AS period, {segment} AS segment, r.score AS score
             FROM {surveys} WHERE r.kind = '{kind}'
         ),
         segments AS (
             SELECT DISTINCT segment FROM scored WHERE period IS NOT NULL
             UNION SELECT CAST(NULL AS VARCHAR) AS segment
         )
         SELECT p.period AS period, s.segment AS segment,
                sum(CASE WHEN scored.score >= 9 THEN 1 ELSE 0 END) AS promoters,
                sum(CASE WHEN scored.score >= 7 AND scored.score <= 8 THEN 1 ELSE 0 END) AS passives,
                sum(CASE WHEN scored.score <= 6 THEN 1 ELSE 0 END) AS detractors,
                count(scored.score) AS responses
         FROM periods p CROSS JOIN segments s
         LEFT JOIN scored ON scored.period = p.period AND scored.segment IS NOT DISTINCT FROM s.segment
         GROUP BY p.period, s.segment",
        segment = context.segment,
        surveys = surveys(context)
    )
}

/// Aggregates tickets per period of the event timestamp `at` (`opened_at` or `resolved_at`).
fn tickets_by(at: &str, context: &PlanContext, columns: &str, filter: &str, aggregate: &str) -> String {
    let source = if filter.is_empty() { tickets(context) } else { format!("{} WHERE {filter}", tickets(context)) };
    per_event_period(at, columns, &source, aggregate, &context.segment)
}

const TICKET_COLUMNS: &str = "t.ticket_id AS ticket_id, t.customer_id AS customer_id, t.channel AS channel, \
     t.opened_at AS opened_at, t.resolved_at AS resolved_at";

fn resolved_then(context: &PlanContext, columns: &str, aggregate: &str) -> String {
    tickets_by("t.resolved_at", context, columns, "", aggregate)
}

fn resolution_hours(context: &PlanContext, aggregate: &str) -> String {
    resolved_then(context, &format!("{} AS hours", hours_between("t.opened_at", "t.resolved_at")), aggregate)
}

fn first_response_hours(context: &PlanContext, aggregate: &str) -> String {
    tickets_by(
        "t.opened_at",
        context,
        &format!("{} AS hours", hours_between("t.opened_at", "t.first_response_at")),
        "t.first_response_at IS NOT NULL",
        aggregate,
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "nps",
            name: "Net Promoter Score",
            category: Category::Support,
            unit: Unit::Score,
            direction: Direction::HigherIsBetter,
            formula: "over nps responses in P: (promoters − detractors) / responses × 100; promoters score 9–10, passives 7–8, detractors 0–6. The counts of promoters, passives, detractors and responses are the rows of each period",
            dimensions: SURVEY_DIMENSIONS,
            empty: Empty::Null("no nps responses in the period"),
            records: None,
            plan: |context| net_promoter_score("nps", context),
            rows: Some(|context| net_promoter_counts("nps", context)),
        },
        Metric {
            id: "ces",
            name: "Customer Effort Score",
            category: Category::Support,
            unit: Unit::Score,
            direction: Direction::HigherIsBetter,
            formula: "mean over ces responses in P of (score − scale_min) / (scale_max − scale_min) × 100, taken as 100 − that when reversed (a higher score meant more effort), so 100 is always the least effort",
            dimensions: SURVEY_DIMENSIONS,
            empty: Empty::Null("no ces responses in the period"),
            rows: None,
            records: None,
            plan: |context| responses("ces", context, &format!("{NORMALIZED_SCORE} AS normalized"), "avg(normalized)"),
        },
        Metric {
            id: "csat",
            name: "Customer satisfaction",
            category: Category::Support,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "share of csat responses in P whose normalized score (score − scale_min) / (scale_max − scale_min) × 100 is ≥ 75 (4 and 5 on a 1–5 scale) × 100",
            dimensions: SURVEY_DIMENSIONS,
            empty: Empty::Null("no csat responses in the period"),
            rows: None,
            records: None,
            plan: |context| {
                responses(
                    "csat",
                    context,
                    &format!("{NORMALIZED_SCORE} AS normalized"),
                    "100.0 * sum(CASE WHEN normalized >= 75 THEN 1 ELSE 0 END) / count(*)",
                )
            },
        },
        Metric {
            id: "enps",
            name: "Employee Net Promoter Score",
            category: Category::Support,
            unit: Unit::Score,
            direction: Direction::HigherIsBetter,
            formula: "as nps, over enps responses in P (employee satisfaction): (promoters − detractors) / responses × 100. The counts of promoters, passives, detractors and responses are the rows of each period",
            dimensions: EMPLOYEE_SURVEY_DIMENSIONS,
            empty: Empty::Null("no enps responses in the period"),
            records: None,
            plan: |context| net_promoter_score("enps", context),
            rows: Some(|context| net_promoter_counts("enps", context)),
        },
        Metric {
            id: "tickets_opened",
            name: "Tickets opened",
            category: Category::Support,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "tickets with opened_at in P",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| event_records("t.opened_at", TICKET_COLUMNS, &tickets(context), &context.segment)),
            plan: |context| tickets_by("t.opened_at", context, "", "", "count(*)"),
        },
        Metric {
            id: "tickets_resolved",
            name: "Tickets resolved",
            category: Category::Support,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "tickets with resolved_at in P",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                event_records("t.resolved_at", TICKET_COLUMNS, &tickets(context), &context.segment)
            }),
            plan: |context| resolved_then(context, "", "count(*)"),
        },
        Metric {
            id: "tickets_resolved_per_day",
            name: "Tickets resolved per day",
            category: Category::Support,
            unit: Unit::CountPerDay,
            direction: Direction::Neutral,
            formula: "tickets_resolved / days in P, where days = (end − start) / 86 400 s of the period as reported (clipped to the range; a 23- or 25-hour daylight-saving day counts as 23/24 or 25/24 days)",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| {
                format!(
                    "SELECT resolved.period AS period, resolved.segment AS segment, count(*) / max(p.days) AS value
                     FROM (SELECT period_of(t.resolved_at) AS period, {segment} AS segment FROM {tickets}) resolved
                     JOIN periods p ON p.period = resolved.period
                     GROUP BY resolved.period, resolved.segment",
                    segment = context.segment,
                    tickets = tickets(context)
                )
            },
        },
        Metric {
            id: "first_contact_resolution",
            name: "First contact resolution",
            category: Category::Support,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "of tickets resolved in P, the share with agent_replies ≤ 1 (0 included: solved without a reply) × 100",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Null("no tickets were resolved in the period"),
            rows: None,
            records: None,
            plan: |context| {
                resolved_then(
                    context,
                    "t.agent_replies AS agent_replies",
                    "100.0 * sum(CASE WHEN agent_replies <= 1 THEN 1 ELSE 0 END) / count(*)",
                )
            },
        },
        Metric {
            id: "resolution_hours",
            name: "Resolution time",
            category: Category::Support,
            unit: Unit::Hours,
            direction: Direction::LowerIsBetter,
            formula: "mean of (resolved_at − opened_at) in hours over tickets resolved in P",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Null("no tickets were resolved in the period"),
            rows: None,
            records: None,
            plan: |context| resolution_hours(context, "avg(hours)"),
        },
        Metric {
            id: "resolution_hours_median",
            name: "Resolution time (median)",
            category: Category::Support,
            unit: Unit::Hours,
            direction: Direction::LowerIsBetter,
            formula: "median of (resolved_at − opened_at) in hours over tickets resolved in P",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Null("no tickets were resolved in the period"),
            rows: None,
            records: None,
            plan: |context| resolution_hours(context, "quantile(array_agg(hours), 0.5)"),
        },
        Metric {
            id: "first_response_hours",
            name: "First response time",
            category: Category::Support,
            unit: Unit::Hours,
            direction: Direction::LowerIsBetter,
            formula: "mean of (first_response_at − opened_at) in hours over tickets opened in P that have a first response",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Null("no ticket opened in the period has a first response"),
            rows: None,
            records: None,
            plan: |context| first_response_hours(context, "avg(hours)"),
        },
        Metric {
            id: "first_response_hours_median",
            name: "First response time (median)",
            category: Category::Support,
            unit: Unit::Hours,
            direction: Direction::LowerIsBetter,
            formula: "median of (first_response_at − opened_at) in hours over tickets opened in P that have a first response",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Null("no ticket opened in the period has a first response"),
            rows: None,
            records: None,
            plan: |context| first_response_hours(context, "quantile(array_agg(hours), 0.5)"),
        },
        Metric {
            id: "ticket_backlog",
            name: "Ticket backlog",
            category: Category::Support,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "tickets open at the end of P: opened_at < end and (resolved_at absent or resolved_at ≥ end)",
            dimensions: TICKET_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                format!(
                    "SELECT p.period AS period, {segment} AS segment, {TICKET_COLUMNS}
                     FROM periods p JOIN tickets t ON t.opened_at < p.end_at AND (t.resolved_at IS NULL OR t.resolved_at >= p.end_at)
                     {customers}
                     ORDER BY p.period, t.opened_at",
                    segment = context.segment,
                    customers = customers_join(&context.segment, "t.customer_id")
                )
            }),
            plan: |context| {
                per_period_state(
                    "",
                    &format!(
                        "JOIN tickets t ON t.opened_at < p.end_at AND (t.resolved_at IS NULL OR t.resolved_at >= p.end_at) {}",
                        customers_join(&context.segment, "t.customer_id")
                    ),
                    "count(*)",
                    &context.segment,
                )
            },
        },
    ]
}
