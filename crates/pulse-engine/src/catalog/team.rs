//! Team and CRM adoption: licensed seats, how many of them use the CRM, how much, over how many
//! communication channels, and how complete the customer records are.
//!
//! `duplicate_customer_rate` is not here yet: it needs the duplicate groups of data quality.

use crate::catalog::{CUSTOMER_DIMENSIONS, per_event_period, per_period_state};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, Unit};

/// Users carry no dimension the reports know (`team` is not one), so user metrics are not
/// segmented.
const NO_DIMENSIONS: &[(D, &str)] = &[];

const ACTIVITY_DIMENSIONS: &[(D, &str)] = &[(D::Owner, "a.owner"), (D::Type, "a.\"type\"")];

/// Joins, after `FROM periods p`, the users licensed at the end of each period.
const LICENSED_AT_END: &str = "JOIN users u ON u.licensed AND u.created_at < p.end_at
    AND (u.deactivated_at IS NULL OR u.deactivated_at >= p.end_at)";

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "licensed_users",
            name: "Licensed users",
            category: Category::Team,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "users with licensed = true, created_at < end, and deactivated_at absent or ≥ end",
            dimensions: NO_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| per_period_state("", LICENSED_AT_END, "count(*)", &context.segment),
        },
        Metric {
            id: "user_adoption_rate",
            name: "User adoption rate",
            category: Category::Team,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "of the licensed_users (licensed at the end of P), the share with ≥ 1 usage event in P × 100 (events of other users, unlicensed or deactivated before the end, are ignored)",
            dimensions: NO_DIMENSIONS,
            empty: Empty::Null("no users were licensed at the end of the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_period_state(
                    "active.user_id AS active_user_id",
                    &format!(
                        "{LICENSED_AT_END}
                         LEFT JOIN (SELECT DISTINCT period_of(e.at) AS period, e.user_id AS user_id FROM usage_events e) active
                         ON active.period = p.period AND active.user_id = u.user_id"
                    ),
                    "100.0 * count(active_user_id) / count(*)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "actions_per_active_user",
            name: "Actions per active user",
            category: Category::Team,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "usage events in P / users with ≥ 1 usage event in P (every user's events, licensed or not)",
            dimensions: NO_DIMENSIONS,
            empty: Empty::Null("no usage events in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "e.at",
                    "e.user_id AS user_id",
                    "usage_events e",
                    "CAST(count(*) AS DOUBLE) / count(DISTINCT user_id)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "communication_channels",
            name: "Communication channels",
            category: Category::Team,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "distinct channel values among activities in P (activities without a channel add none)",
            dimensions: ACTIVITY_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "a.at",
                    "a.channel AS channel",
                    "activities a",
                    "count(DISTINCT channel)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "data_completeness",
            name: "Data completeness",
            category: Category::Team,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "share of customers with created_at < end that have email, phone, company and source all present × 100",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no customers were created before the end of the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_period_state(
                    "c.email IS NOT NULL AND c.phone IS NOT NULL AND c.company IS NOT NULL AND c.source IS NOT NULL AS complete",
                    "JOIN customers c ON c.created_at < p.end_at",
                    "100.0 * sum(CASE WHEN complete THEN 1 ELSE 0 END) / count(*)",
                    &context.segment,
                )
            },
        },
    ]
}
