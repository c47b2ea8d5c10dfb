//! The metric catalog: every metric declared once, in one file per category, with the SQL
//! helpers the plans share.

mod crm_roi;
mod marketing;
mod revenue;
mod sales;
mod subscriptions;
mod support;
mod team;

use std::sync::LazyLock;

use crate::error::{Error, Result};
use crate::metric::{DimensionKind, Metric};

static CATALOG: LazyLock<Vec<Metric>> = LazyLock::new(|| {
    [
        sales::metrics(),
        marketing::metrics(),
        revenue::metrics(),
        subscriptions::metrics(),
        support::metrics(),
        team::metrics(),
        crm_roi::metrics(),
    ]
    .concat()
});

/// Every metric, in catalog order (category, then the spec's order).
pub fn catalog() -> &'static [Metric] {
    &CATALOG
}

/// Intermediate tables several metrics read, in dependency order: `(name, SQL)`. A report
/// computes the ones its plans mention once, before the plans that read them, instead of once
/// per metric.
/// They do not depend on the report's segmentation (plans join the segment afterwards).
pub(crate) fn shared_tables() -> Vec<(&'static str, String)> {
    let mut tables = vec![
        (
            "customer_movements",
            format!(
                "{} SELECT customer_id, at, delta, kind, amount FROM movements",
                subscriptions::with_movements("CAST(NULL AS VARCHAR)")
            ),
        ),
        (
            "customer_acquisitions",
            "SELECT customer_id, min(at) AS acquired_at FROM (
                 SELECT customer_id, at FROM orders WHERE status = 'paid'
                 UNION ALL
                 SELECT customer_id, at FROM customer_movements WHERE kind = 'new'
             ) acquisitions
             GROUP BY customer_id"
                .to_owned(),
        ),
    ];
    tables.push(("customer_mrr", subscriptions::CUSTOMER_MRR.to_owned()));
    tables.extend(revenue::shared_activity());
    tables.push(revenue::shared_year_intervals());
    tables.push(("stage_visits", sales::STAGE_VISITS.to_owned()));
    tables.push(("open_deal_stages", sales::OPEN_DEAL_STAGES.to_owned()));
    tables
}

pub fn find_metric(id: &str) -> Result<&'static Metric> {
    catalog().iter().find(|metric| metric.id == id).ok_or_else(|| Error::UnknownMetric(id.to_owned()))
}

/// The customer dimensions, for plans that join `customers c`.
const CUSTOMER_DIMENSIONS: &[(DimensionKind, &str)] = &[
    (DimensionKind::Segment, "c.segment"),
    (DimensionKind::Region, "c.region"),
    (DimensionKind::Industry, "c.industry"),
    (DimensionKind::Country, "c.country"),
    (DimensionKind::Source, "c.source"),
    (DimensionKind::Attribute, "json_attr(c.attributes, {attr})"),
];

/// `LEFT JOIN customers c ON c.customer_id = {customer_id}` when the segment expression reads the
/// customer row (`c.…`), else nothing: a plan not split by a customer dimension skips the join.
fn customers_join(segment: &str, customer_id: &str) -> String {
    if segment.contains("c.") {
        format!("LEFT JOIN customers c ON c.customer_id = {customer_id}")
    } else {
        String::new()
    }
}

/// Hours between two timestamp expressions.
fn hours_between(a: &str, b: &str) -> String {
    format!("((CAST({b} AS BIGINT) - CAST({a} AS BIGINT)) / 3600000000.0)")
}

/// Days between two timestamp expressions, `(b - a)` in seconds / 86 400, unrounded.
fn days_between(a: &str, b: &str) -> String {
    format!("((CAST({b} AS BIGINT) - CAST({a} AS BIGINT)) / 86400000000.0)")
}

/// A money column as a DOUBLE, for means and ratios (sums stay exact decimals until the end).
fn money(column: &str) -> String {
    format!("CAST({column} AS DOUBLE)")
}

/// Aggregates the rows of `source` per period of the event timestamp `at` and per segment.
/// `columns` lists the inner columns the aggregate uses (`d.amount AS amount`), or is empty.
fn per_event_period(at: &str, columns: &str, source: &str, aggregate: &str, segment: &str) -> String {
    let columns = if columns.is_empty() { String::new() } else { format!(", {columns}") };
    format!(
        "SELECT period, segment, {aggregate} AS value
         FROM (SELECT period_of({at}) AS period, {segment} AS segment{columns} FROM {source}) events
         WHERE period IS NOT NULL
         GROUP BY period, segment"
    )
}

/// The records behind a per-event count: one row per record of `source` whose event timestamp
/// `at` is in a period, with `columns`.
fn event_records(at: &str, columns: &str, source: &str, segment: &str) -> String {
    format!(
        "SELECT * EXCLUDE (event_at) FROM (
             SELECT period_of({at}) AS period, {segment} AS segment, {columns}, {at} AS event_at FROM {source}
         ) records
         WHERE period IS NOT NULL ORDER BY period, event_at"
    )
}

/// Aggregates a state per period: `joins` follows `FROM periods p` and joins the records that
/// hold at the boundary (`p.start_at` or `p.end_at`).
fn per_period_state(columns: &str, joins: &str, aggregate: &str, segment: &str) -> String {
    let columns = if columns.is_empty() { String::new() } else { format!(", {columns}") };
    format!(
        "SELECT period, segment, {aggregate} AS value
         FROM (SELECT p.period AS period, {segment} AS segment{columns} FROM periods p {joins}) state
         GROUP BY period, segment"
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::catalog;

    #[test]
    fn ids_are_unique_and_formulas_present() {
        let mut seen = HashSet::new();
        for metric in catalog() {
            assert!(seen.insert(metric.id), "{} is declared twice", metric.id);
            assert!(!metric.formula.is_empty() && !metric.name.is_empty(), "{}", metric.id);
        }
    }
}
