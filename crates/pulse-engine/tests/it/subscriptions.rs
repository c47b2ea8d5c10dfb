//! Recurring-revenue metrics on hand-made subscription histories, plus a property test over
//! random small histories.
//!
//! The movements fixture (customer segment, plan; instants in UTC unless said):
//!
//! | sub | customer | plan | started | ended | mrr | changes |
//! |---|---|---|---|---|---|---|
//! | s1 | c1 smb | pro | 2024-01-05 | — | 50 | 90 on 2024-01-15 (the ChartMogul example) |
//! | s2 | c2 smb | basic | 2023-12-10 | — | 30 | 0 on 2024-02-01T00:00Z (boundary), 20 on 2024-03-10 |
//! | s3a | c3 enterprise | pro | 2024-01-20 | 2024-03-20 | 10 | 40 on 2024-02-15 |
//! | s3b | c3 enterprise | basic | 2024-01-20 | — | 15 | 5 on 2024-02-15 |
//! | s4 | c4 enterprise | pro | 2023-11-01T00:00Z (boundary) | 2024-02-10 | 100 | — |
//! | s5 | c5 (none) | (none) | 2024-01-31T22:00-05:00 = 2024-02-01T03:00Z | — | 60 | — |
//!
//! Customer MRR step functions (UTC):
//! - c1: 50 from Jan 5, 90 from Jan 15;
//! - c2: 30 from Dec 10, 0 from Feb 1 00:00 (still active: a free period), 20 from Mar 10;
//! - c3: 10 + 15 = 25 from Jan 20; at Feb 15 both subscriptions change, 40 + 5 = 45 (one
//!   movement of +20); at Mar 20 s3a ends, 5;
//! - c4: 100 from Nov 1 00:00, 0 from Feb 10 (ended);
//! - c5: 60 from Feb 1 03:00.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use pulse_engine::{Granularity, ReportRequest, find_metric, parse_date};

use crate::{Fixture, assert_series};

const CUSTOMERS: &str = "customer_id,name,created_at,segment\n\
    c1,One,2023-01-01,smb\n\
    c2,Two,2023-01-01,smb\n\
    c3,Three,2023-01-01,enterprise\n\
    c4,Four,2023-01-01,enterprise\n\
    c5,Five,2023-01-01,\n";
const SUBSCRIPTIONS: &str = "subscription_id,customer_id,plan,started_at,ended_at,mrr\n\
    s1,c1,pro,2024-01-05,,50\n\
    s2,c2,basic,2023-12-10,,30\n\
    s3a,c3,pro,2024-01-20,2024-03-20,10\n\
    s3b,c3,basic,2024-01-20,,15\n\
    s4,c4,pro,2023-11-01T00:00:00Z,2024-02-10,100\n\
    s5,c5,,2024-01-31T22:00:00-05:00,,60\n";
const CHANGES: &str = "subscription_id,at,mrr\n\
    s1,2024-01-15,90\n\
    s2,2024-02-01T00:00:00Z,0\n\
    s2,2024-03-10,20\n\
    s3a,2024-02-15,40\n\
    s3b,2024-02-15,5\n";

fn movements_fixture(config: &str) -> Fixture {
    Fixture::new(
        &[("customers.csv", CUSTOMERS), ("subscriptions.csv", SUBSCRIPTIONS), ("subscription_changes.csv", CHANGES)],
        config,
    )
}

/// A `(period, segment, value, previous)` row of a segmented report, as `Fixture::values` gives it.
type SegmentedValue = (String, Option<String>, Option<f64>, Option<f64>);

/// A period's `mrr_movements` rows: `(movement, amount, count)`.
type PeriodMovements = (String, Vec<(String, f64, u64)>);

/// An expected [`SegmentedValue`], written with borrowed text.
type ExpectedValue<'a> = (&'a str, Option<&'a str>, Option<f64>, Option<f64>);

fn owned(expected: &[ExpectedValue]) -> Vec<SegmentedValue> {
    expected
        .iter()
        .map(|(period, segment, value, previous)| ((*period).to_owned(), segment.map(str::to_owned), *value, *previous))
        .collect()
}

/// The `mrr_movements` rows of each month.
fn movement_rows(fixture: &Fixture, from: &str, to: &str) -> Vec<PeriodMovements> {
    let request = ReportRequest {
        from: parse_date(from).unwrap(),
        to: parse_date(to).unwrap(),
        granularity: Granularity::Month,
        metrics: vec![find_metric("mrr_movements").unwrap()],
        by: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(fixture.engine.report(&request)).unwrap();
    report.metrics[0]
        .values
        .iter()
        .map(|value| {
            let rows = value
                .rows
                .as_ref()
                .expect("a table-valued metric has rows")
                .iter()
                .map(|row| {
                    (
                        row["movement"].as_str().unwrap().to_owned(),
                        row["amount"].as_f64().unwrap(),
                        row["count"].as_u64().unwrap(),
                    )
                })
                .collect();
            (value.period.clone(), rows)
        })
        .collect()
}

#[test]
fn movements_by_month_in_utc() {
    let fixture = movements_fixture("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // January: c1 new 50 (Jan 5) then expansion 40 (Jan 15): the ChartMogul example; c3 new
    // 10 + 15 = 25 (two subscriptions at one instant). February: c5 new 60 (03:00Z).
    assert_series(&months("mrr_new"), &[("2024-01", Some(75.0)), ("2024-02", Some(60.0)), ("2024-03", Some(0.0))]);
    // February: c3 +30 on s3a and −10 on s3b at the same instant: one expansion of 20, no
    // contraction.
    assert_series(
        &months("mrr_expansion"),
        &[("2024-01", Some(40.0)), ("2024-02", Some(20.0)), ("2024-03", Some(0.0))],
    );
    // February: c2 drops to 0 at Feb 1 00:00Z exactly (February, not January): churn 30; c4
    // ends on Feb 10: churn 100.
    assert_series(&months("mrr_churn"), &[("2024-01", Some(0.0)), ("2024-02", Some(130.0)), ("2024-03", Some(0.0))]);
    // March: c2 rises from 0 to 20, having had MRR before: a reactivation, not new.
    assert_series(
        &months("mrr_reactivation"),
        &[("2024-01", Some(0.0)), ("2024-02", Some(0.0)), ("2024-03", Some(20.0))],
    );
    // March: s3a ends on Mar 20, c3 goes 45 → 5.
    assert_series(
        &months("mrr_contraction"),
        &[("2024-01", Some(0.0)), ("2024-02", Some(0.0)), ("2024-03", Some(40.0))],
    );
    // January 75 + 40 = 115; February 60 + 20 − 130 = −50; March 20 − 40 = −20.
    let net_new = [("2024-01", Some(115.0)), ("2024-02", Some(-50.0)), ("2024-03", Some(-20.0))];
    assert_series(&months("net_new_mrr"), &net_new);
    assert_series(&months("mrr_movements"), &net_new);
}

#[test]
fn mrr_at_the_end_of_each_month() {
    let fixture = movements_fixture("");
    // Before Jan 1: c2 30 + c4 100 = 130 (the previous value of January).
    // Before Feb 1 00:00Z: c1 90 + c2 30 (its drop to 0 is at Feb 1, not before) + c3 25 + c4 100
    //   + c5 0 (starts at 03:00Z) = 245 = 130 + 115.
    // Before Mar 1: c1 90 + c2 0 + c3 45 + c4 0 + c5 60 = 195 = 245 − 50.
    // Before Apr 1: c1 90 + c2 20 + c3 5 + c4 0 + c5 60 = 175 = 195 − 20.
    let mrr = fixture.values("mrr", "2024-01-01", "2024-04-01", "month", None);
    let found: Vec<(String, Option<f64>, Option<f64>)> =
        mrr.into_iter().map(|(period, _, value, previous)| (period, value, previous)).collect();
    assert_eq!(
        found,
        [
            ("2024-01".to_owned(), Some(245.0), Some(130.0)),
            ("2024-02".to_owned(), Some(195.0), Some(245.0)),
            ("2024-03".to_owned(), Some(175.0), Some(195.0)),
        ]
    );
    assert_series(
        &fixture.series("arr", "2024-01-01", "2024-04-01", "month"),
        &[("2024-01", Some(12.0 * 245.0)), ("2024-02", Some(12.0 * 195.0)), ("2024-03", Some(12.0 * 175.0))],
    );
    // Customers with MRR > 0 at the end: January c1, c2, c3, c4 (245 / 4); February c1, c3, c5
    // (195 / 3); March c1, c2, c3, c5 (175 / 4).
    assert_series(
        &fixture.series("arpa", "2024-01-01", "2024-04-01", "month"),
        &[("2024-01", Some(61.25)), ("2024-02", Some(65.0)), ("2024-03", Some(43.75))],
    );
}

#[test]
fn retention_ratios_and_quick_ratio() {
    let fixture = movements_fixture("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // January cohort (m0 > 0 before Jan 1): c2 30 → 30, c4 100 → 100: 130 / 130.
    // February cohort: c1 90 → 90, c2 30 → 0, c3 25 → 45, c4 100 → 0 (c5 has m0 = 0 and is not
    //   in it): Σ m0 = 245, Σ m1 = 135, Σ min = 90 + 0 + 25 + 0 = 115.
    // March cohort: c1 90 → 90, c3 45 → 5, c5 60 → 60 (c2's reactivation does not count: m0 = 0):
    //   Σ m0 = 195, Σ m1 = 155, Σ min = 155.
    assert_series(
        &months("nrr"),
        &[("2024-01", Some(100.0)), ("2024-02", Some(13500.0 / 245.0)), ("2024-03", Some(15500.0 / 195.0))],
    );
    assert_series(
        &months("grr"),
        &[("2024-01", Some(100.0)), ("2024-02", Some(11500.0 / 245.0)), ("2024-03", Some(15500.0 / 195.0))],
    );
    // January: no churn or contraction, null. February (60 + 20) / 130. March 20 / 40.
    assert_series(
        &months("quick_ratio"),
        &[("2024-01", None), ("2024-02", Some(80.0 / 130.0)), ("2024-03", Some(0.5))],
    );
}

#[test]
fn mrr_movements_lists_every_kind_with_amount_and_count() {
    let fixture = movements_fixture("");
    let row = |movement: &str, amount: f64, count: u64| (movement.to_owned(), amount, count);
    let expected = vec![
        // January: c1's and c3's new movements (c3's two subscriptions are one movement), c1's
        // expansion.
        (
            "2024-01".to_owned(),
            vec![
                row("new", 75.0, 2),
                row("reactivation", 0.0, 0),
                row("expansion", 40.0, 1),
                row("contraction", 0.0, 0),
                row("churn", 0.0, 0),
            ],
        ),
        // February: c5 new; c3 +30 −10 at one instant, one expansion; c2 and c4 churn.
        (
            "2024-02".to_owned(),
            vec![
                row("new", 60.0, 1),
                row("reactivation", 0.0, 0),
                row("expansion", 20.0, 1),
                row("contraction", 0.0, 0),
                row("churn", 130.0, 2),
            ],
        ),
        (
            "2024-03".to_owned(),
            vec![
                row("new", 0.0, 0),
                row("reactivation", 20.0, 1),
                row("expansion", 0.0, 0),
                row("contraction", 40.0, 1),
                row("churn", 0.0, 0),
            ],
        ),
    ];
    assert_eq!(movement_rows(&fixture, "2024-01-01", "2024-04-01"), expected);
}

#[test]
fn segments_by_customer_segment_and_by_plan() {
    let fixture = movements_fixture("");
    // MRR before Mar 1 (previous: before Feb 1): c5 has no segment, 60 (previous 0: it starts
    // after Feb 1 00:00Z); enterprise c3 45 + c4 0 (previous 25 + 100); smb c1 90 + c2 0
    // (previous 90 + 30).
    assert_eq!(
        fixture.values("mrr", "2024-02-01", "2024-03-01", "month", Some("segment")),
        owned(&[
            ("2024-02", None, Some(60.0), Some(0.0)),
            ("2024-02", Some("enterprise"), Some(45.0), Some(125.0)),
            ("2024-02", Some("smb"), Some(90.0), Some(120.0)),
        ])
    );
    // By plan, a customer's MRR counts only their subscriptions of that plan. On Feb 15 c3's pro
    // subscription expands 10 → 40 and its basic one contracts 15 → 5: unsegmented that is one
    // expansion of 20 (no contraction), by plan a contraction of 10 in basic.
    assert_eq!(
        fixture.values("mrr_contraction", "2024-02-01", "2024-03-01", "month", Some("plan")),
        owned(&[("2024-02", Some("basic"), Some(10.0), Some(0.0))])
    );
    // s3a ending on Mar 20 takes c3's pro MRR from 40 to 0: churn in pro (contraction
    // unsegmented). February: basic c2 30, pro c4 100.
    assert_eq!(
        fixture.values("mrr_churn", "2024-03-01", "2024-04-01", "month", Some("plan")),
        owned(&[("2024-03", Some("basic"), Some(0.0), Some(30.0)), ("2024-03", Some("pro"), Some(40.0), Some(100.0))])
    );
    // ARPA by plan before Apr 1: basic c2 20 + c3 5 over 2 customers; pro c1 90 over 1 (c3's pro
    // subscription ended, c4's too); s5 has no plan: 60 over 1. Previous (before Mar 1): basic
    // c3 5 over 1 (c2 is at 0); pro c1 90 + c3 40 over 2; none 60.
    assert_eq!(
        fixture.values("arpa", "2024-03-01", "2024-04-01", "month", Some("plan")),
        owned(&[
            ("2024-03", None, Some(60.0), Some(60.0)),
            ("2024-03", Some("basic"), Some(12.5), Some(5.0)),
            ("2024-03", Some("pro"), Some(90.0), Some(65.0)),
        ])
    );
}

#[test]
fn the_new_york_timezone_moves_boundary_movements() {
    // In New York, dates without an offset are local midnights; s2's drop at Feb 1 00:00Z is
    // Jan 31 19:00 and s5's start (22:00-05:00) is Jan 31: both in January.
    let fixture = movements_fixture("timezone = \"America/New_York\"");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-03-01", "month");
    // January: new c1 50 + c3 25 + c5 60 = 135; February: none.
    assert_series(&months("mrr_new"), &[("2024-01", Some(135.0)), ("2024-02", Some(0.0))]);
    // January: c2 30; February: c4 100 (ends Feb 10 local).
    assert_series(&months("mrr_churn"), &[("2024-01", Some(30.0)), ("2024-02", Some(100.0))]);
    // January 135 + 40 − 30 = 145; February 20 − 100 = −80.
    assert_series(&months("net_new_mrr"), &[("2024-01", Some(145.0)), ("2024-02", Some(-80.0))]);
    // Before Feb 1 local (05:00Z): c1 90 + c2 0 + c3 25 + c4 100 + c5 60 = 275 = 130 + 145;
    // before Mar 1 local: 90 + 0 + 45 + 0 + 60 = 195 = 275 − 80.
    assert_series(&months("mrr"), &[("2024-01", Some(275.0)), ("2024-02", Some(195.0))]);
}

#[test]
fn zero_denominators_and_a_start_on_the_boundary() {
    let fixture = movements_fixture("");
    let months = |metric| fixture.series(metric, "2023-10-01", "2024-01-01", "month");
    // October: nothing yet. s4 starts at Nov 1 00:00Z exactly: new in November, and not in
    // November's starting cohort (m0 = MRR strictly before Nov 1 = 0). December: c2 new 30;
    // cohort c4 100 → 100.
    assert_series(&months("mrr_new"), &[("2023-10", Some(0.0)), ("2023-11", Some(100.0)), ("2023-12", Some(30.0))]);
    assert_series(&months("mrr"), &[("2023-10", Some(0.0)), ("2023-11", Some(100.0)), ("2023-12", Some(130.0))]);
    assert_series(&months("arpa"), &[("2023-10", None), ("2023-11", Some(100.0)), ("2023-12", Some(65.0))]);
    assert_series(&months("nrr"), &[("2023-10", None), ("2023-11", None), ("2023-12", Some(100.0))]);
    assert_series(&months("grr"), &[("2023-10", None), ("2023-11", None), ("2023-12", Some(100.0))]);
    // No churn or contraction in any of them.
    assert_series(&months("quick_ratio"), &[("2023-10", None), ("2023-11", None), ("2023-12", None)]);
}

#[test]
fn a_free_period_then_paid_then_free_again() {
    // f1 starts free on Jan 10 (an active customer without MRR), pays 25 from Feb 5, is free
    // again from Mar 5 (churn, while still active). g1 of c2 starts at 99 on Jan 10 with a change
    // to 0 at that same instant, which replaces the starting mrr: c2 never has MRR.
    let fixture = Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nc1,One,2024-01-01\nc2,Two,2024-01-01\n"),
            (
                "subscriptions.csv",
                "subscription_id,customer_id,started_at,mrr\nf1,c1,2024-01-10,0\ng1,c2,2024-01-10,99\n",
            ),
            (
                "subscription_changes.csv",
                "subscription_id,at,mrr\nf1,2024-02-05,25\nf1,2024-03-05,0\ng1,2024-01-10,0\n",
            ),
        ],
        "",
    );
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // The start at 0 is no movement; the first rise is new, as the customer never had MRR > 0.
    assert_series(&months("mrr_new"), &[("2024-01", Some(0.0)), ("2024-02", Some(25.0)), ("2024-03", Some(0.0))]);
    assert_series(&months("mrr_churn"), &[("2024-01", Some(0.0)), ("2024-02", Some(0.0)), ("2024-03", Some(25.0))]);
    // No customer with MRR > 0 at the end of January or March.
    assert_series(&months("arpa"), &[("2024-01", None), ("2024-02", Some(25.0)), ("2024-03", None)]);
    // February: 25 / 0, null. March: 0 / 25.
    assert_series(&months("quick_ratio"), &[("2024-01", None), ("2024-02", None), ("2024-03", Some(0.0))]);
    // March cohort: c1 25 → 0.
    assert_series(&months("nrr"), &[("2024-01", None), ("2024-02", None), ("2024-03", Some(0.0))]);
    assert_series(&months("grr"), &[("2024-01", None), ("2024-02", None), ("2024-03", Some(0.0))]);
}

/// Term ends (UTC), counted from `started_at` each time, clamped to the month's end:
///
/// | sub | plan | started | ended | term | term ends |
/// |---|---|---|---|---|---|
/// | r1 | annual | 2023-03-15 | — | 12 | 2024-03-15 renewed |
/// | r2 | annual | 2023-03-20 | 2024-03-20 | 12 | 2024-03-20 not renewed (ends exactly at it) |
/// | r3 | monthly | 2024-01-31 | 2024-03-10 | 1 | Feb 29 renewed; Mar 31 (not Mar 29) the first ≥ ended_at: not renewed (cancelled mid-term); Apr 30 not due |
/// | r4 | quarterly | 2023-11-30 | — | 3 | 2024-02-29 renewed; 2024-05-30 |
/// | r5 | monthly | 2023-12-01 | 2024-02-01T00:00Z | 1 | Jan 1 renewed; Feb 1 00:00 (boundary) not renewed |
const RENEWAL_SUBSCRIPTIONS: &str = "subscription_id,customer_id,plan,started_at,ended_at,mrr,term_months\n\
    r1,c1,annual,2023-03-15,,100,12\n\
    r2,c1,annual,2023-03-20,2024-03-20,100,12\n\
    r3,c1,monthly,2024-01-31,2024-03-10,10,1\n\
    r4,c1,quarterly,2023-11-30,,30,3\n\
    r5,c1,monthly,2023-12-01,2024-02-01T00:00:00Z,10,1\n";

#[test]
fn renewal_rate_over_due_term_ends() {
    let fixture = Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nc1,One,2023-01-01\n"),
            ("subscriptions.csv", RENEWAL_SUBSCRIPTIONS),
        ],
        "",
    );
    // January: r5's Jan 1, renewed: 1 / 1. February: r3 and r4 renewed, r5 not: 2 / 3.
    // March: r1 renewed, r2 and r3 not: 1 / 3. April: no due term end (r3's Apr 30 comes after
    // its first term end ≥ ended_at), null.
    assert_series(
        &fixture.series("renewal_rate", "2024-01-01", "2024-05-01", "month"),
        &[("2024-01", Some(100.0)), ("2024-02", Some(200.0 / 3.0)), ("2024-03", Some(100.0 / 3.0)), ("2024-04", None)],
    );
    // March by plan: annual r1 renewed, r2 not; monthly r3 not. February: monthly r3 renewed,
    // r5 not; quarterly r4 renewed (annual has none: null).
    assert_eq!(
        fixture.values("renewal_rate", "2024-03-01", "2024-04-01", "month", Some("plan")),
        owned(&[
            ("2024-03", Some("annual"), Some(50.0), None),
            ("2024-03", Some("monthly"), Some(0.0), Some(50.0)),
            ("2024-03", Some("quarterly"), None, Some(100.0)),
        ])
    );
}

#[test]
fn renewal_months_are_calendar_months_in_new_york() {
    // n1 starts on Jan 30 at 20:00 New York time (Jan 31 01:00Z). Its term ends are Feb 29
    // 20:00 EST (Jan 30 + 1 month, clamped) and Mar 30 20:00 EDT (Jan 30 + 2 months, not Feb 29
    // + 1 month = Mar 29). Month arithmetic on the UTC instant would give Feb 29 01:00Z =
    // Feb 28 in New York. n2 (Feb 15 local, term end Mar 15) ends exactly at its term end.
    let fixture = Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nc1,One,2023-01-01\n"),
            (
                "subscriptions.csv",
                "subscription_id,customer_id,started_at,ended_at,mrr\n\
                 n1,c1,2024-01-30T20:00:00,,10\n\
                 n2,c1,2024-02-15,2024-03-15,10\n",
            ),
        ],
        "timezone = \"America/New_York\"",
    );
    assert_series(
        &fixture.series("renewal_rate", "2024-02-28", "2024-03-02", "day"),
        &[("2024-02-28", None), ("2024-02-29", Some(100.0)), ("2024-03-01", None)],
    );
    assert_series(
        &fixture.series("renewal_rate", "2024-03-29", "2024-04-01", "day"),
        &[("2024-03-29", None), ("2024-03-30", Some(100.0)), ("2024-03-31", None)],
    );
    // March: n1's Mar 30 renewed, n2's Mar 15 not.
    assert_series(&fixture.series("renewal_rate", "2024-03-01", "2024-04-01", "month"), &[("2024-03", Some(50.0))]);
}

/// A random subscription: customer, start (days after 2023-12-01), optional length in days,
/// starting mrr, and changes (days after the start, mrr).
#[derive(Debug, Clone)]
struct RandomSubscription {
    customer: usize,
    start_day: i64,
    length_days: Option<i64>,
    mrr: u32,
    changes: Vec<(i64, u32)>,
}

fn random_subscription() -> impl Strategy<Value = RandomSubscription> {
    let amount = prop::sample::select(vec![0_u32, 10, 25, 40]);
    (
        0..3_usize,
        0..150_i64,
        prop::option::of(0..120_i64),
        amount.clone(),
        prop::collection::btree_map(0..120_i64, amount, 0..4),
    )
        .prop_map(|(customer, start_day, length_days, mrr, changes)| RandomSubscription {
            customer,
            start_day,
            length_days,
            mrr,
            // Changes must come at or after the start and before the end.
            changes: changes.into_iter().filter(|(day, _)| length_days.is_none_or(|length| *day < length)).collect(),
        })
}

fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 12, 1, 0, 0, 0).unwrap() + Duration::days(days)
}

/// The spec's MRR before `t`, computed directly: per subscription active before `t`, the latest
/// value set strictly before `t` (a change at the start replaces the starting mrr).
fn reference_mrr(subscriptions: &[RandomSubscription], t: DateTime<Utc>) -> f64 {
    subscriptions
        .iter()
        .filter(|subscription| {
            let started = day(subscription.start_day);
            let ended = subscription.length_days.map(|length| day(subscription.start_day + length));
            started < t && ended.is_none_or(|ended| ended >= t)
        })
        .map(|subscription| {
            let set: BTreeMap<i64, u32> = std::iter::once((0, subscription.mrr))
                .chain(subscription.changes.iter().copied())
                .filter(|(offset, _)| day(subscription.start_day + offset) < t)
                .collect();
            f64::from(*set.values().next_back().unwrap())
        })
        .sum()
}

fn random_fixture(subscriptions: &[RandomSubscription]) -> Fixture {
    let instant = |days: i64| day(days).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut subscription_rows = String::from("subscription_id,customer_id,started_at,ended_at,mrr\n");
    let mut change_rows = String::from("subscription_id,at,mrr\n");
    for (index, subscription) in subscriptions.iter().enumerate() {
        let ended = subscription.length_days.map(|length| instant(subscription.start_day + length)).unwrap_or_default();
        subscription_rows.push_str(&format!(
            "s{index},c{},{},{ended},{}\n",
            subscription.customer,
            instant(subscription.start_day),
            subscription.mrr
        ));
        for (offset, mrr) in &subscription.changes {
            change_rows.push_str(&format!("s{index},{},{mrr}\n", instant(subscription.start_day + offset)));
        }
    }
    Fixture::new(
        &[
            (
                "customers.csv",
                "customer_id,name,created_at\nc0,Zero,2023-01-01\nc1,One,2023-01-01\nc2,Two,2023-01-01\n",
            ),
            ("subscriptions.csv", &subscription_rows),
            ("subscription_changes.csv", &change_rows),
        ],
        "",
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Over random histories (instants on a day grid, so several subscriptions often change at
    /// one instant, and some on month boundaries): mrr matches a direct computation of the
    /// spec's definition, net_new_mrr = mrr(end) − mrr(start), and the movements add up to it.
    #[test]
    fn net_new_mrr_is_the_change_in_mrr(subscriptions in prop::collection::vec(random_subscription(), 1..6)) {
        let fixture = random_fixture(&subscriptions);
        let months = |metric| fixture.values(metric, "2024-01-01", "2024-06-01", "month", None);
        let mrr = months("mrr");
        let net_new = months("net_new_mrr");
        let kinds: Vec<_> =
            ["mrr_new", "mrr_reactivation", "mrr_expansion", "mrr_contraction", "mrr_churn"].map(months).to_vec();
        let month_ends = ["2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        for (index, month_end) in month_ends.iter().enumerate() {
            let end = parse_date(month_end).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
            let (period, _, end_mrr, start_mrr) = &mrr[index];
            let (end_mrr, start_mrr) = (end_mrr.unwrap(), start_mrr.unwrap());
            prop_assert!(close(end_mrr, reference_mrr(&subscriptions, end)), "{period}: mrr {end_mrr}");
            let net = net_new[index].2.unwrap();
            prop_assert!(close(net, end_mrr - start_mrr), "{period}: net new {net} vs {end_mrr} − {start_mrr}");
            let [new, reactivation, expansion, contraction, churn] =
                [0, 1, 2, 3, 4].map(|kind| kinds[kind][index].2.unwrap());
            prop_assert!(
                close(new + reactivation + expansion - contraction - churn, net),
                "{period}: movements {new} + {reactivation} + {expansion} − {contraction} − {churn} vs {net}"
            );
        }
    }
}
