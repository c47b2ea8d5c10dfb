//! Revenue and customer metrics on small fixtures whose values are derived by hand below, and
//! property tests of their invariants on random datasets.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use crate::{Fixture, ReportValue, assert_series, borrowed};

/// The values of one segment of a segmented report, per period label.
fn segment_values(values: &[ReportValue], segment: &str) -> Vec<(String, Option<f64>)> {
    values
        .iter()
        .filter(|(_, value_segment, _, _)| value_segment.as_deref() == Some(segment))
        .map(|(label, _, value, _)| (label.clone(), *value))
        .collect()
}

/// The rows of a table-valued metric per period label, unsegmented.
fn table_rows(
    fixture: &Fixture,
    metric: &str,
    from: &str,
    to: &str,
    period: &str,
) -> Vec<(String, Vec<serde_json::Map<String, serde_json::Value>>)> {
    let report = fixture.report(metric, from, to, period, None);
    report.metrics[0].values.iter().map(|value| (value.period.clone(), value.rows.clone().unwrap())).collect()
}

/// The order ledger.
///
/// | order | customer (segment) | at | amount | status |
/// |---|---|---|---|---|
/// | o1 | c1 (smb) | 2023-12-15 | 100 | paid |
/// | o2 | c1 | 2024-01-10 | 50 | paid |
/// | o3 | c2 (enterprise) | 2024-01-20 | 200 | paid |
/// | o4 | c2 | 2024-01-25 | 80 | refunded |
/// | o5 | c3 (smb) | 2024-02-01T00:00Z, exactly on the boundary | 30 | paid |
/// | o6 | c4 (no segment) | 2024-01-31T23:30-05:00 = 2024-02-01T04:30Z | 60 | paid |
/// | o7 | c3 | 2024-02-20 | 90 | refunded |
/// | o8 | c2 | 2024-02-10 | 40 | paid |
/// | o9 | c2 | 2024-02-15 | 10 | paid |
/// | o10 | c4 | 2024-03-03 | 20 | paid |
///
/// Acquisitions (first paid order): c1 Dec 15, c2 Jan 20 (o3), c3 Feb 1 00:00Z, c4 Feb 1 04:30Z
/// (in New York both c3 and c4 are acquired on Jan 31).
fn ledger(config: &str) -> Fixture {
    let customers = "customer_id,name,created_at,segment\n\
        c1,One,2023-01-01,smb\nc2,Two,2023-01-01,enterprise\nc3,Three,2023-01-01,smb\nc4,Four,2023-01-01,\n";
    let orders = "order_id,customer_id,at,amount,status\n\
        o1,c1,2023-12-15,100,paid\n\
        o2,c1,2024-01-10,50,paid\n\
        o3,c2,2024-01-20,200,paid\n\
        o4,c2,2024-01-25,80,refunded\n\
        o5,c3,2024-02-01T00:00:00Z,30,paid\n\
        o6,c4,2024-01-31T23:30:00-05:00,60,paid\n\
        o7,c3,2024-02-20,90,refunded\n\
        o8,c2,2024-02-10,40,paid\n\
        o9,c2,2024-02-15,10,paid\n\
        o10,c4,2024-03-03,20,paid\n";
    Fixture::new(&[("customers.csv", customers), ("orders.csv", orders)], config)
}

#[test]
fn the_order_ledger_by_month() {
    let fixture = ledger("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-05-01", "month");
    // Jan: o2 50 + o3 200 (o4 refunded). Feb: o5 30 (on the boundary) + o6 60 (04:30Z) + o8 40
    // + o9 10 (o7 refunded). Mar: o10 20. Apr: none, 0.
    assert_series(
        &months("revenue"),
        &[("2024-01", Some(250.0)), ("2024-02", Some(140.0)), ("2024-03", Some(20.0)), ("2024-04", Some(0.0))],
    );
    assert_series(
        &months("orders"),
        &[("2024-01", Some(2.0)), ("2024-02", Some(4.0)), ("2024-03", Some(1.0)), ("2024-04", Some(0.0))],
    );
    // 250 / 2, 140 / 4, 20 / 1; April has no order: null.
    assert_series(
        &months("avg_purchase_value"),
        &[("2024-01", Some(125.0)), ("2024-02", Some(35.0)), ("2024-03", Some(20.0)), ("2024-04", None)],
    );
    // Jan: 2 orders / {c1, c2}; Feb: 4 orders / {c2, c3, c4}; Mar: 1 / {c4}.
    assert_series(
        &months("purchase_frequency"),
        &[("2024-01", Some(1.0)), ("2024-02", Some(4.0 / 3.0)), ("2024-03", Some(1.0)), ("2024-04", None)],
    );
    // Jan: c2 is acquired in January (o3 200; o4 is refunded); c1's o2 is not new. Feb: c3's o5 30
    // and c4's o6 60; c2's o8 and o9 are not new. Mar: c4 was acquired in February.
    assert_series(
        &months("new_customer_revenue"),
        &[("2024-01", Some(200.0)), ("2024-02", Some(90.0)), ("2024-03", Some(0.0)), ("2024-04", Some(0.0))],
    );
    // Paid orders before the end. Jan: c1 2 (o1, o2), c2 1 (o4 refunded): 1 / 2. Feb: c1 2, c2 3,
    // c3 1 (o7 refunded), c4 1: 2 / 4. Mar and Apr: c4 has 2 too: 3 / 4.
    assert_series(
        &months("repeat_customer_rate"),
        &[("2024-01", Some(50.0)), ("2024-02", Some(50.0)), ("2024-03", Some(75.0)), ("2024-04", Some(75.0))],
    );
    // Before any order, no customer: null.
    assert_series(&fixture.series("repeat_customer_rate", "2023-11-01", "2023-12-01", "month"), &[("2023-11", None)]);
}

#[test]
fn purchases_counted_per_customer_across_the_twelve_month_boundaries() {
    // A weekly report from 2024-01-01 to 2025-01-13. The twelve months ending at its last end
    // (Mon 2025-01-13) start on Sat 2024-01-13, inside 2024-W02 (Jan 8–15): the week holds two
    // intervals of the twelve-month boundaries, and p1's orders (Jan 9, Jan 14) fall one in each.
    // W02: 3 orders (p1 ×2, p2) / 2 customers = 1.5; no other week has an order (null).
    //
    // Repeat customers before each week's end: p1 from W02 (two orders in it); p2 from W03 (its
    // second order, Jan 16); p3 paid twice at one instant, on Jan 17 (W03); p4's first order is on
    // 2022-06-01, before every boundary, and its second on Jan 18 (W03); p5 paid once, in 2022.
    // Customers with a paid order before the end: W01 (ends Jan 8) p4, p5: 0 / 2. W02: p1, p2,
    // p4, p5; repeat p1: 1 / 4. W03 on: p1–p5; repeat p1, p2, p3, p4: 4 / 5.
    let customers = "customer_id,name,created_at\n\
        p1,One,2022-01-01\np2,Two,2022-01-01\np3,Three,2022-01-01\np4,Four,2022-01-01\np5,Five,2022-01-01\n";
    let orders = "order_id,customer_id,at,amount,status\n\
        r1,p1,2024-01-09T12:00:00Z,10,paid\n\
        r2,p1,2024-01-14T12:00:00Z,20,paid\n\
        r3,p2,2024-01-10T12:00:00Z,30,paid\n\
        r4,p2,2024-01-16T12:00:00Z,30,paid\n\
        r5,p3,2024-01-17T12:00:00Z,5,paid\n\
        r6,p3,2024-01-17T12:00:00Z,5,paid\n\
        r7,p4,2022-06-01T12:00:00Z,40,paid\n\
        r8,p4,2024-01-18T12:00:00Z,40,paid\n\
        r9,p5,2022-06-01T12:00:00Z,40,paid\n";
    let fixture = Fixture::new(&[("customers.csv", customers), ("orders.csv", orders)], "");
    let weeks = |metric| fixture.series(metric, "2024-01-01", "2025-01-13", "week");
    let frequency = weeks("purchase_frequency");
    assert_eq!(frequency.len(), 54);
    let with_orders: Vec<_> = frequency.iter().filter(|(_, value)| value.is_some()).cloned().collect();
    assert_series(&with_orders, &[("2024-W02", Some(1.5)), ("2024-W03", Some(4.0 / 3.0))]);
    let repeat = weeks("repeat_customer_rate");
    assert_series(
        &repeat[..4],
        &[("2024-W01", Some(0.0)), ("2024-W02", Some(25.0)), ("2024-W03", Some(80.0)), ("2024-W04", Some(80.0))],
    );
    assert_eq!(repeat.last(), Some(&("2025-W02".to_owned(), Some(80.0))));
}

#[test]
fn the_order_ledger_in_new_york() {
    // o5 (Jan 31 19:00) and o6 (Jan 31 23:30) are January orders in New York, and c3 and c4 are
    // acquired in January. Jan: 50 + 200 + 30 + 60; Feb: 40 + 10; Mar: 20.
    let fixture = ledger("timezone = \"America/New_York\"");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    assert_series(&months("revenue"), &[("2024-01", Some(340.0)), ("2024-02", Some(50.0)), ("2024-03", Some(20.0))]);
    assert_series(&months("orders"), &[("2024-01", Some(4.0)), ("2024-02", Some(2.0)), ("2024-03", Some(1.0))]);
    // Jan: c2's o3 200 + c3's o5 30 + c4's o6 60.
    assert_series(
        &months("new_customer_revenue"),
        &[("2024-01", Some(290.0)), ("2024-02", Some(0.0)), ("2024-03", Some(0.0))],
    );
}

#[test]
fn revenue_by_customer_segment_with_previous_values() {
    let fixture = ledger("");
    let values = fixture.values("revenue", "2024-01-01", "2024-04-01", "month", Some("segment"));
    // No segment (c4): Feb o6 60, Mar o10 20. enterprise (c2): Jan 200, Feb 40 + 10.
    // smb (c1, c3): Dec o1 100, Jan o2 50, Feb o5 30.
    let expected = [
        ("2024-01", None, Some(0.0), Some(0.0)),
        ("2024-02", None, Some(60.0), Some(0.0)),
        ("2024-03", None, Some(20.0), Some(60.0)),
        ("2024-01", Some("enterprise"), Some(200.0), Some(0.0)),
        ("2024-02", Some("enterprise"), Some(50.0), Some(200.0)),
        ("2024-03", Some("enterprise"), Some(0.0), Some(50.0)),
        ("2024-01", Some("smb"), Some(50.0), Some(100.0)),
        ("2024-02", Some("smb"), Some(30.0), Some(50.0)),
        ("2024-03", Some("smb"), Some(0.0), Some(30.0)),
    ];
    assert_eq!(borrowed(&values), expected);
}

/// Who is active, with `customer_model = auto` and 90 inactivity days.
///
/// | customer (segment) | rule | records |
/// |---|---|---|
/// | s1 (smb) | subscription | sub1 2023-11-01 → 2024-03-01 (ends exactly on the boundary); a paid order 2024-03-10, which its rule ignores |
/// | s2 (smb) | subscription | sub2 2023-12-01 → 2024-01-15, sub3 2024-01-20 → (leaves and comes back in January) |
/// | s3 (enterprise) | subscription | sub4 from 2024-01-01T00:00Z, MRR 0 (a free plan) |
/// | s4 (enterprise) | subscription | sub5 2023-10-01 → 2024-02-10 |
/// | p1 (none) | purchase | paid 2023-12-20: active before t for Dec 20 < t ≤ Mar 19 (Dec 20 + 90 days) |
/// | p2 (none) | purchase | refunded 2024-01-05, paid 2024-02-10: active for Feb 10 < t ≤ May 10 |
///
/// Active before (UTC):
///
/// | t | s1 | s2 | s3 | s4 | p1 | p2 |
/// |---|---|---|---|---|---|---|
/// | Dec 1 | ✓ | – (starts at t) | – | ✓ | – | – |
/// | Jan 1 | ✓ | ✓ | – (starts at t) | ✓ | ✓ | – |
/// | Feb 1 | ✓ | ✓ | ✓ | ✓ | ✓ | – (refund) |
/// | Mar 1 | ✓ (ends at t) | ✓ | ✓ | – | ✓ | ✓ |
/// | Apr 1 | – | ✓ | ✓ | – | – | ✓ |
fn activity(config: &str) -> Fixture {
    let customers = "customer_id,name,created_at,segment\n\
        s1,S1,2023-01-01,smb\ns2,S2,2023-01-01,smb\ns3,S3,2023-01-01,enterprise\ns4,S4,2023-01-01,enterprise\n\
        p1,P1,2023-01-01,\np2,P2,2023-01-01,\n";
    let subscriptions = "subscription_id,customer_id,started_at,ended_at,mrr\n\
        sub1,s1,2023-11-01,2024-03-01,10\n\
        sub2,s2,2023-12-01,2024-01-15,10\n\
        sub3,s2,2024-01-20,,10\n\
        sub4,s3,2024-01-01T00:00:00Z,,0\n\
        sub5,s4,2023-10-01,2024-02-10,10\n";
    let orders = "order_id,customer_id,at,amount,status\n\
        os1,s1,2024-03-10,500,paid\n\
        op1,p1,2023-12-20,70,paid\n\
        op2,p2,2024-01-05,30,refunded\n\
        op3,p2,2024-02-10,40,paid\n";
    Fixture::new(&[("customers.csv", customers), ("subscriptions.csv", subscriptions), ("orders.csv", orders)], config)
}

#[test]
fn active_churned_and_retained_customers_with_the_auto_model() {
    let fixture = activity("");
    let months = |metric| fixture.series(metric, "2023-12-01", "2024-04-01", "month");
    // E: Dec {s1, s2, s4, p1}; Jan all but p2 (s3 from Jan 1 00:00Z on); Feb {s1, s2, s3, p1, p2};
    // Mar {s2, s3, p2} (s1's order in March does not count: s1 follows the subscription rule).
    assert_series(
        &months("active_customers"),
        &[("2023-12", Some(4.0)), ("2024-01", Some(5.0)), ("2024-02", Some(5.0)), ("2024-03", Some(3.0))],
    );
    // S \ E: Dec {s1, s4} \ E = ∅; Jan ∅ (s2 left and came back; s3 started at the start, not in
    // S); Feb {s4} (p2 was acquired inside February, not in S); Mar {s1 (ended at the end of
    // February, so active before Mar 1), p1 (lapsed Mar 19)}.
    assert_series(
        &months("churned_customers"),
        &[("2023-12", Some(0.0)), ("2024-01", Some(0.0)), ("2024-02", Some(1.0)), ("2024-03", Some(2.0))],
    );
    // |S|: Dec 2, Jan 4, Feb 5, Mar 5.
    assert_series(
        &months("churn_rate"),
        &[("2023-12", Some(0.0)), ("2024-01", Some(0.0)), ("2024-02", Some(20.0)), ("2024-03", Some(40.0))],
    );
    assert_series(
        &months("retention_rate"),
        &[("2023-12", Some(100.0)), ("2024-01", Some(100.0)), ("2024-02", Some(80.0)), ("2024-03", Some(60.0))],
    );
}

#[test]
fn the_customers_behind_active_and_churned() {
    let fixture = activity("");
    let customers = |metric, month| -> Vec<String> {
        fixture.records(metric, month, "customer_id", None).into_iter().map(|(id, _)| id).collect()
    };
    // From the table above: churned in February {s4}, in March {s1, p1}; active at the end of
    // March {s2, s3, p2}.
    assert_eq!(customers("churned_customers", "2024-02"), ["s4"]);
    assert_eq!(customers("churned_customers", "2024-03"), ["p1", "s1"]);
    assert_eq!(customers("churned_customers", "2024-01"), Vec::<String>::new());
    assert_eq!(customers("active_customers", "2024-03"), ["p2", "s2", "s3"]);
    // Paid orders of February: op3 only (op2 was refunded, in January).
    assert_eq!(customers("orders", "2024-02"), ["p2"]);
}

#[test]
fn nobody_active_at_the_start_gives_null_rates() {
    let fixture = activity("");
    let months = |metric| fixture.series(metric, "2023-09-01", "2023-11-01", "month");
    // September: nobody at all. October: S = ∅ (sub5 starts exactly at Oct 1), E = {s4}.
    assert_series(&months("active_customers"), &[("2023-09", Some(0.0)), ("2023-10", Some(1.0))]);
    assert_series(&months("churned_customers"), &[("2023-09", Some(0.0)), ("2023-10", Some(0.0))]);
    assert_series(&months("churn_rate"), &[("2023-09", None), ("2023-10", None)]);
    assert_series(&months("retention_rate"), &[("2023-09", None), ("2023-10", None)]);
}

#[test]
fn a_forced_customer_model_applies_one_rule_to_everyone() {
    // purchase: s1 is active for Mar 10 < t ≤ Jun 8, p1 and p2 as before, the others never.
    // Dec: S ∅, E {p1}; Jan: S {p1}, E {p1}; Feb: S {p1}, E {p1, p2}; Mar: S {p1, p2}, E {s1, p2}.
    let fixture = activity("customer_model = \"purchase\"");
    let months = |metric| fixture.series(metric, "2023-12-01", "2024-04-01", "month");
    assert_series(
        &months("active_customers"),
        &[("2023-12", Some(1.0)), ("2024-01", Some(1.0)), ("2024-02", Some(2.0)), ("2024-03", Some(2.0))],
    );
    assert_series(
        &months("churn_rate"),
        &[("2023-12", None), ("2024-01", Some(0.0)), ("2024-02", Some(0.0)), ("2024-03", Some(50.0))],
    );
    // subscription: p1 and p2 are never active. Dec: S {s1, s4}, E {s1, s2, s4}; Jan: E adds s3;
    // Feb: S {s1, s2, s3, s4}, E {s1, s2, s3}; Mar: S {s1, s2, s3}, E {s2, s3}.
    let fixture = activity("customer_model = \"subscription\"");
    let months = |metric| fixture.series(metric, "2023-12-01", "2024-04-01", "month");
    assert_series(
        &months("active_customers"),
        &[("2023-12", Some(3.0)), ("2024-01", Some(4.0)), ("2024-02", Some(3.0)), ("2024-03", Some(2.0))],
    );
    assert_series(
        &months("churn_rate"),
        &[("2023-12", Some(0.0)), ("2024-01", Some(0.0)), ("2024-02", Some(25.0)), ("2024-03", Some(100.0 / 3.0))],
    );
}

#[test]
fn churn_by_customer_segment() {
    let fixture = activity("");
    // March, with February as the previous period. No segment (p1, p2): Mar S {p1, p2}, E {p2};
    // Feb S {p1}, E {p1, p2}. enterprise (s3, s4): Mar S {s3}, E {s3}; Feb S {s3, s4}, E {s3}.
    // smb (s1, s2): Mar S {s1, s2}, E {s2}; Feb S {s1, s2}, E {s1, s2}.
    let churned = fixture.values("churned_customers", "2024-03-01", "2024-04-01", "month", Some("segment"));
    assert_eq!(
        borrowed(&churned),
        [
            ("2024-03", None, Some(1.0), Some(0.0)),
            ("2024-03", Some("enterprise"), Some(0.0), Some(1.0)),
            ("2024-03", Some("smb"), Some(1.0), Some(0.0)),
        ]
    );
    let churn_rate = fixture.values("churn_rate", "2024-03-01", "2024-04-01", "month", Some("segment"));
    assert_eq!(
        borrowed(&churn_rate),
        [
            ("2024-03", None, Some(50.0), Some(0.0)),
            ("2024-03", Some("enterprise"), Some(0.0), Some(50.0)),
            ("2024-03", Some("smb"), Some(50.0), Some(0.0)),
        ]
    );
}

#[test]
fn activity_in_new_york() {
    // Dates without an offset are New York dates, so only sub4 moves: it starts Dec 31 19:00 in
    // New York, so s3 is active before New York's Jan 1 and in S of January.
    // Dec: E {s1, s2, s3, s4, p1}; Jan: S = E = {s1, s2, s3, s4, p1}.
    let fixture = activity("timezone = \"America/New_York\"");
    let months = |metric| fixture.series(metric, "2023-12-01", "2024-02-01", "month");
    assert_series(&months("active_customers"), &[("2023-12", Some(5.0)), ("2024-01", Some(5.0))]);
    assert_series(&months("churned_customers"), &[("2023-12", Some(0.0)), ("2024-01", Some(0.0))]);
    assert_series(&months("retention_rate"), &[("2023-12", Some(100.0)), ("2024-01", Some(100.0))]);
}

/// One customer, one paid order at 2024-01-01T00:00Z: with 90 inactivity days the customer is
/// active before t for Jan 1 < t ≤ Mar 31 (Jan 1 + 31 + 29 + 30 days).
fn one_purchase(config: &str) -> Fixture {
    Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nq1,Q1,2023-01-01\n"),
            ("orders.csv", "order_id,customer_id,at,amount,status\noq1,q1,2024-01-01T00:00:00Z,25,paid\n"),
        ],
        config,
    )
}

#[test]
fn the_purchase_rule_inactivity_window() {
    let fixture = one_purchase("");
    let days = |metric, from, to| fixture.series(metric, from, to, "day");
    // Day Mar 30: active before Mar 30 and before Mar 31 00:00 (t − 90 days = Jan 1 00:00 ≤ at).
    // Day Mar 31: before Apr 1, t − 90 days = Jan 2 > at: churned.
    assert_series(
        &days("active_customers", "2024-03-30", "2024-04-01"),
        &[("2024-03-30", Some(1.0)), ("2024-03-31", Some(0.0))],
    );
    assert_series(
        &days("churned_customers", "2024-03-30", "2024-04-01"),
        &[("2024-03-30", Some(0.0)), ("2024-03-31", Some(1.0))],
    );
    assert_series(
        &days("churn_rate", "2024-03-30", "2024-04-01"),
        &[("2024-03-30", Some(0.0)), ("2024-03-31", Some(100.0))],
    );
    // An order exactly at t does not make the customer active before t (at < t): on Dec 31 the
    // customer is not active at the end; on Jan 1 they are, acquired inside the day, not in S.
    let active = fixture.values("active_customers", "2024-01-01", "2024-01-02", "day", None);
    assert_eq!(active, [("2024-01-01".to_owned(), None, Some(1.0), Some(0.0))]);
    assert_series(&days("churn_rate", "2024-01-01", "2024-01-02"), &[("2024-01-01", None)]);
    // With 30 inactivity days the customer is active for Jan 1 < t ≤ Jan 31.
    let fixture = one_purchase("inactivity_days = 30");
    assert_series(
        &fixture.series("active_customers", "2024-01-30", "2024-02-01", "day"),
        &[("2024-01-30", Some(1.0)), ("2024-01-31", Some(0.0))],
    );
}

/// Purchase customers (no subscriptions) and marketing spend, for lifetime value and costs.
///
/// | customer (source) | paid orders |
/// |---|---|
/// | a (paid_search) | 2023-11-15 100 |
/// | b (paid_search) | 2023-12-01 50, 2024-01-01 150, 2024-11-20 100 |
/// | c (paid_search) | 2024-06-10 200, 2024-12-05 300, 2025-01-01 999 |
/// | d (organic) | 2023-10-20 80 |
/// | e (social) | only a refunded order 2024-12-20 60: never acquired, never active |
/// | f (social) | 2024-01-01T03:00Z 100 (Dec 31 22:00 in New York) |
///
/// Spend: acquisition paid_search 120 on 2024-03-01 and social 80 on 2024-12-03; retention
/// email 90 on 2024-06-01; brand email 1000 on 2024-05-01 (neither acquisition nor retention).
fn lifetime(config: &str) -> Fixture {
    let customers = "customer_id,name,created_at,source\n\
        a,A,2023-01-01,paid_search\nb,B,2023-01-01,paid_search\nc,C,2023-01-01,paid_search\n\
        d,D,2023-01-01,organic\ne,E,2023-01-01,social\nf,F,2023-01-01,social\n";
    let orders = "order_id,customer_id,at,amount,status\n\
        oa,a,2023-11-15,100,paid\n\
        ob1,b,2023-12-01,50,paid\n\
        ob2,b,2024-01-01,150,paid\n\
        ob3,b,2024-11-20,100,paid\n\
        oc1,c,2024-06-10,200,paid\n\
        oc2,c,2024-12-05,300,paid\n\
        oc3,c,2025-01-01,999,paid\n\
        od,d,2023-10-20,80,paid\n\
        oe,e,2024-12-20,60,refunded\n\
        of,f,2024-01-01T03:00:00Z,100,paid\n";
    let spend = "date,channel,amount,purpose\n\
        2024-03-01,paid_search,120,acquisition\n\
        2024-12-03,social,80,acquisition\n\
        2024-06-01,email,90,retention\n\
        2024-05-01,email,1000,brand\n";
    Fixture::new(&[("customers.csv", customers), ("orders.csv", orders), ("marketing_spend.csv", spend)], config)
}

#[test]
fn historical_lifetime_value_over_twelve_months() {
    let fixture = lifetime("");
    // December 2024 and the year 2024 both look at W = [2024-01-01, 2025-01-01).
    // S (before Jan 1 2024, orders since Oct 3 2023): a, b, d (f's order is at 03:00, after t).
    // E (before Jan 1 2025, orders since Oct 3 2024): b, c. Churn 2 / 3, lifespan 1.5 years.
    // Paid orders in W: b 150 (at W's start) + 100, c 200 + 300, f 100 (oc3 is at W's end):
    // 850 over 5 orders from 3 customers: 170 × 5/3 = 283.33…; × 1.5 = 425.
    assert_series(&fixture.series("clv_historical", "2024-12-01", "2025-01-01", "month"), &[("2024-12", Some(425.0))]);
    assert_series(&fixture.series("clv_historical", "2024-01-01", "2025-01-01", "year"), &[("2024", Some(425.0))]);
    // November 2024: W = [2023-12-01, 2024-12-01). S (orders in [Sep 2, Dec 1) 2023): a, d (b's
    // first order is exactly at t); E (orders in [Sep 2, Dec 1) 2024): b. Churn 2 / 2: lifespan 1.
    // Orders in W: b 50 (at W's start) + 150 + 100, c 200, f 100 = 600 from 3 customers: 200.
    assert_series(&fixture.series("clv_historical", "2024-11-01", "2024-12-01", "month"), &[("2024-11", Some(200.0))]);
    // June 2024: W = [2023-07-01, 2024-07-01) starts before anyone's first order: S = ∅, null.
    assert_series(&fixture.series("clv_historical", "2024-06-01", "2024-07-01", "month"), &[("2024-06", None)]);
}

#[test]
fn historical_lifetime_value_in_new_york() {
    // W = [2024-01-01, 2025-01-01) New York time. f's order (Dec 31 22:00) is before W and makes
    // f active at its start: S = {a, b, d, f}, E = {b, c}, churn 3 / 4, lifespan 4/3 years.
    // Orders in W: b 150 + 100, c 200 + 300 = 750 from 2 customers: 375 × 4/3 = 500.
    let fixture = lifetime("timezone = \"America/New_York\"");
    assert_series(&fixture.series("clv_historical", "2024-12-01", "2025-01-01", "month"), &[("2024-12", Some(500.0))]);
}

#[test]
fn the_twelve_month_window_starts_at_local_midnight_across_daylight_saving() {
    // Day 2024-03-10 in New York (clocks spring forward that day) ends 2024-03-11 00:00 EDT =
    // 04:00Z; W starts 2023-03-11 00:00 EST = 05:00Z (an hour later in UTC than the end's offset
    // would put it). a's order at 04:30Z is before W: a is active at W's start (purchase rule, 90
    // days) and has no order in the 90 days before the end, so S = {a}, E = {b}, churn 100 %,
    // lifespan 1 year. Orders in W: b 200 + 100 from one customer: 150 × 2 × 1 = 300.
    let customers = "customer_id,name,created_at\na,A,2023-01-01\nb,B,2023-01-01\n";
    let orders = "order_id,customer_id,at,amount,status\n\
        o1,a,2023-03-11T04:30:00Z,100,paid\n\
        o2,b,2023-06-01T12:00:00Z,200,paid\n\
        o3,b,2024-01-10T12:00:00Z,100,paid\n";
    let fixture = Fixture::new(
        &[("customers.csv", customers), ("orders.csv", orders)],
        "timezone = \"America/New_York\"\ncustomer_model = \"purchase\"",
    );
    assert_series(&fixture.series("clv_historical", "2024-03-10", "2024-03-11", "day"), &[("2024-03-10", Some(300.0))]);
}

#[test]
fn lifetime_value_to_acquisition_cost() {
    let fixture = lifetime("");
    // 2024: acquired c (Jun 10) and f (Jan 1 03:00Z); e is never acquired. Acquisition spend
    // 120 + 80 = 200: cac 100. clv 425: 4.25.
    assert_series(&fixture.series("ltv_to_cac", "2024-01-01", "2025-01-01", "year"), &[("2024", Some(4.25))]);
    // December 2024: nobody acquired, cac is null.
    assert_series(&fixture.series("ltv_to_cac", "2024-12-01", "2025-01-01", "month"), &[("2024-12", None)]);
    // By source, paid_search in 2024: clv over a, b, c: S {a, b}, E {b, c}, churn 1 / 2, lifespan
    // 2; orders 150 + 100 + 200 + 300 = 750 from 2 customers: 375 × 2 = 750. cac: 120 / {c} = 120.
    // 750 / 120 = 6.25. social: S ∩ social = ∅, clv null.
    let values = fixture.values("ltv_to_cac", "2024-01-01", "2025-01-01", "year", Some("source"));
    assert_series(&segment_values(&values, "paid_search"), &[("2024", Some(6.25))]);
    assert_series(&segment_values(&values, "social"), &[("2024", None)]);
}

#[test]
fn retention_cost_and_its_ratio() {
    let fixture = lifetime("");
    // 2024: S {a, b, d}, E {b, c}: retained {b}. Retention spend 90 (brand spend does not count):
    // 90 per retained customer. b's revenue in 2024 is 150 + 100 = 250: 90 / (250 / 1) = 0.36.
    assert_series(&fixture.series("retention_cost", "2024-01-01", "2025-01-01", "year"), &[("2024", Some(90.0))]);
    assert_series(&fixture.series("retention_cost_ratio", "2024-01-01", "2025-01-01", "year"), &[("2024", Some(0.36))]);
    // June 2024: nobody is active before Jun 1 (no order since Mar 3): spend 90 over no retained
    // customer, null. December 2024: S (orders since Sep 2) {b}, E {b, c}: retained {b}, no
    // retention spend: 0; b has no December revenue: the ratio is null.
    let months = |metric, from, to| fixture.series(metric, from, to, "month");
    assert_series(&months("retention_cost", "2024-06-01", "2024-07-01"), &[("2024-06", None)]);
    assert_series(&months("retention_cost", "2024-12-01", "2025-01-01"), &[("2024-12", Some(0.0))]);
    assert_series(&months("retention_cost_ratio", "2024-06-01", "2024-07-01"), &[("2024-06", None)]);
    assert_series(&months("retention_cost_ratio", "2024-12-01", "2025-01-01"), &[("2024-12", None)]);
}

/// Acquisition cohorts, `customer_model = auto`.
///
/// | customer (segment) | subscription | paid orders | acquired |
/// |---|---|---|---|
/// | k1 (smb) | 2024-01-05 → 2024-02-20 | Jan 10 100, Feb 15 50 | Jan 5 |
/// | k2 (smb) | 2024-01-10 → | Jan 12 100, Mar 3 100 | Jan 10 |
/// | k3 (none) | 2024-02-01T00:00Z → 2024-03-01 | Feb 2 60 | Feb 1 00:00Z (Jan 31 in New York) |
/// | k4 (enterprise) | — (purchase rule) | Jan 20 40 (and a refunded Feb 25 999) | Jan 20 |
/// | k5 (enterprise) | 2024-01-15 → 2024-01-25 | — | Jan 15 |
/// | k6 (smb) | 2024-03-10 → | — | Mar 10 |
///
/// Active before the end of (UTC): Jan {k1, k2, k4}; Feb {k2, k3, k4}; Mar {k2, k4 (Jan 20 + 90
/// days = Apr 19), k6}; Apr {k2, k6}.
fn cohorts(config: &str) -> Fixture {
    let customers = "customer_id,name,created_at,segment\n\
        k1,K1,2023-01-01,smb\nk2,K2,2023-01-01,smb\nk3,K3,2023-01-01,\n\
        k4,K4,2023-01-01,enterprise\nk5,K5,2023-01-01,enterprise\nk6,K6,2023-01-01,smb\n";
    let subscriptions = "subscription_id,customer_id,started_at,ended_at,mrr\n\
        t1,k1,2024-01-05,2024-02-20,10\n\
        t2,k2,2024-01-10,,20\n\
        t3,k3,2024-02-01T00:00:00Z,2024-03-01,30\n\
        t5,k5,2024-01-15,2024-01-25,5\n\
        t6,k6,2024-03-10,,15\n";
    let orders = "order_id,customer_id,at,amount,status\n\
        x1,k1,2024-01-10,100,paid\n\
        x2,k1,2024-02-15,50,paid\n\
        x3,k2,2024-01-12,100,paid\n\
        x4,k2,2024-03-03,100,paid\n\
        x5,k3,2024-02-02,60,paid\n\
        x6,k4,2024-01-20,40,paid\n\
        x7,k4,2024-02-25,999,refunded\n";
    Fixture::new(&[("customers.csv", customers), ("subscriptions.csv", subscriptions), ("orders.csv", orders)], config)
}

/// `(months_since_acquisition, measured_month, cohort_customers, active_customers,
/// active_share, revenue, revenue_ratio)` of a cohort row.
type CohortCell<'a> = (i64, &'a str, i64, i64, f64, f64, Option<f64>);

/// Compares a period's cohort rows with `expected`, numbers to 1e-9 relative.
#[track_caller]
fn assert_cohort_cells(rows: &[serde_json::Map<String, serde_json::Value>], expected: &[CohortCell<'_>]) {
    let found: Vec<CohortCell<'_>> = rows
        .iter()
        .map(|row| {
            (
                row["months_since_acquisition"].as_i64().unwrap(),
                row["measured_month"].as_str().unwrap(),
                row["cohort_customers"].as_i64().unwrap(),
                row["active_customers"].as_i64().unwrap(),
                row["active_share"].as_f64().unwrap(),
                row["revenue"].as_f64().unwrap(),
                row.get("revenue_ratio").and_then(serde_json::Value::as_f64),
            )
        })
        .collect();
    assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
    for (cell, expected_cell) in found.iter().zip(expected) {
        let numbers_match = close(cell.4, expected_cell.4)
            && close(cell.5, expected_cell.5)
            && match (cell.6, expected_cell.6) {
                (Some(ratio), Some(expected_ratio)) => close(ratio, expected_ratio),
                (ratio, expected_ratio) => ratio == expected_ratio,
            };
        assert!(
            (cell.0, cell.1, cell.2, cell.3) == (expected_cell.0, expected_cell.1, expected_cell.2, expected_cell.3)
                && numbers_match,
            "{cell:?} vs {expected_cell:?}"
        );
    }
}

#[test]
fn cohort_retention_tables() {
    let fixture = cohorts("");
    // Cohorts: January {k1, k2, k4, k5}, February {k3}, March {k6}. Headline: the share active
    // before the end of the acquisition month: Jan 3 / 4, Feb 1 / 1, Mar 1 / 1; April acquires
    // nobody: null.
    assert_series(
        &fixture.series("cohort_retention", "2024-01-01", "2024-05-01", "month"),
        &[("2024-01", Some(75.0)), ("2024-02", Some(100.0)), ("2024-03", Some(100.0)), ("2024-04", None)],
    );
    let rows = table_rows(&fixture, "cohort_retention", "2024-01-01", "2024-05-01", "month");
    let cells = |label: &str| &rows.iter().find(|(period, _)| period == label).unwrap().1;
    // January cohort: active 3, 2 (k2, k4), 2, 1 (k2) of 4. Revenue: Jan 100 + 100 + 40 = 240,
    // Feb 50 (x7 refunded), Mar 100, Apr 0, over 240.
    assert_cohort_cells(
        cells("2024-01"),
        &[
            (0, "2024-01", 4, 3, 75.0, 240.0, Some(1.0)),
            (1, "2024-02", 4, 2, 50.0, 50.0, Some(50.0 / 240.0)),
            (2, "2024-03", 4, 2, 50.0, 100.0, Some(100.0 / 240.0)),
            (3, "2024-04", 4, 1, 25.0, 0.0, Some(0.0)),
        ],
    );
    // February cohort: k3 is active before Mar 1 (its subscription ends exactly then), not after.
    assert_cohort_cells(
        cells("2024-02"),
        &[
            (0, "2024-02", 1, 1, 100.0, 60.0, Some(1.0)),
            (1, "2024-03", 1, 0, 0.0, 0.0, Some(0.0)),
            (2, "2024-04", 1, 0, 0.0, 0.0, Some(0.0)),
        ],
    );
    // March cohort: k6 has no order, so its revenue ratio divides by 0: null.
    assert_cohort_cells(
        cells("2024-03"),
        &[(0, "2024-03", 1, 1, 100.0, 0.0, None), (1, "2024-04", 1, 1, 100.0, 0.0, None)],
    );
    assert!(cells("2024-04").is_empty());
}

#[test]
fn cohorts_are_calendar_months_whatever_the_report_period() {
    let fixture = cohorts("");
    // Q1 holds the January, February and March cohorts; its value pools their first months:
    // (3 + 1 + 1) / (4 + 1 + 1).
    assert_series(
        &fixture.series("cohort_retention", "2024-01-01", "2024-04-01", "quarter"),
        &[("2024-Q1", Some(500.0 / 6.0))],
    );
    let rows = table_rows(&fixture, "cohort_retention", "2024-01-01", "2024-04-01", "quarter");
    let quarter = &rows[0].1;
    let cohort_of = |row: &serde_json::Map<String, serde_json::Value>| row["cohort"].as_str().unwrap().to_owned();
    let cohorts: Vec<String> = quarter.iter().map(cohort_of).collect();
    assert_eq!(cohorts, ["2024-01", "2024-01", "2024-01", "2024-02", "2024-02", "2024-03"]);
    // The January cohort as in the monthly table, through March (the report's last month).
    assert_cohort_cells(
        &quarter[..3],
        &[
            (0, "2024-01", 4, 3, 75.0, 240.0, Some(1.0)),
            (1, "2024-02", 4, 2, 50.0, 50.0, Some(50.0 / 240.0)),
            (2, "2024-03", 4, 2, 50.0, 100.0, Some(100.0 / 240.0)),
        ],
    );
    // A weekly report: 2024-W05 (Jan 29 – Feb 4) acquires k3 (Feb 1), measured in February
    // (the month grid starts with the report, at the previous week's Monday, Jan 22).
    let rows = table_rows(&fixture, "cohort_retention", "2024-01-29", "2024-02-05", "week");
    assert_cohort_cells(&rows[0].1, &[(0, "2024-02", 1, 1, 100.0, 60.0, Some(1.0))]);
}

#[test]
fn cohort_retention_by_segment_and_in_new_york() {
    let fixture = cohorts("");
    // January: smb {k1, k2} both active at the end, enterprise {k4, k5} only k4. February: k3
    // (no segment) is the only customer acquired.
    let values = fixture.values("cohort_retention", "2024-01-01", "2024-03-01", "month", Some("segment"));
    let expected = [
        ("2024-01", None, None, None),
        ("2024-02", None, Some(100.0), None),
        ("2024-01", Some("enterprise"), Some(50.0), None),
        ("2024-02", Some("enterprise"), None, Some(50.0)),
        ("2024-01", Some("smb"), Some(100.0), None),
        ("2024-02", Some("smb"), None, Some(100.0)),
    ];
    assert_eq!(borrowed(&values), expected);
    // New York: k3 is acquired on Jan 31, so January's cohort is all five; before Feb 1 05:00Z
    // k1, k2, k3 and k4 are active: 4 / 5. February acquires nobody.
    let fixture = cohorts("timezone = \"America/New_York\"");
    assert_series(
        &fixture.series("cohort_retention", "2024-01-01", "2024-03-01", "month"),
        &[("2024-01", Some(80.0)), ("2024-02", None)],
    );
}

/// A random dataset: four customers (segments smb, enterprise, smb, none), orders and
/// subscriptions within 2023-10-01 + 460 days, in one of three timezones.
#[derive(Debug, Clone)]
struct Dataset {
    timezone: &'static str,
    /// (customer, hours after the origin, amount, refunded)
    orders: Vec<(usize, i64, u32, bool)>,
    /// (customer, hours after the origin, hours until its end if it ended, mrr)
    subscriptions: Vec<(usize, i64, Option<i64>, u32)>,
}

const CUSTOMER_IDS: [&str; 4] = ["c0", "c1", "c2", "c3"];

fn dataset() -> impl Strategy<Value = Dataset> {
    let hours = 0i64..460 * 24;
    (
        prop::sample::select(vec!["UTC", "America/New_York", "Asia/Kolkata"]),
        prop::collection::vec((0usize..4, hours.clone(), 1u32..500, any::<bool>()), 0..10),
        prop::collection::vec((0usize..4, hours, prop::option::of(1i64..200 * 24), 0u32..3), 0..4),
    )
        .prop_map(|(timezone, orders, subscriptions)| Dataset { timezone, orders, subscriptions })
}

impl Dataset {
    fn fixture(&self) -> Fixture {
        let origin: DateTime<Utc> = "2023-10-01T00:00:00Z".parse().unwrap();
        let instant = |hours: i64| (origin + Duration::hours(hours)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let customers = format!(
            "customer_id,name,created_at,segment\n{}",
            CUSTOMER_IDS
                .iter()
                .zip(["smb", "enterprise", "smb", ""])
                .map(|(id, segment)| format!("{id},{id},2023-01-01,{segment}\n"))
                .collect::<String>()
        );
        let mut orders = "order_id,customer_id,at,amount,status\n".to_owned();
        for (index, (customer, hours, amount, refunded)) in self.orders.iter().enumerate() {
            let status = if *refunded { "refunded" } else { "paid" };
            orders += &format!("o{index},{},{},{amount},{status}\n", CUSTOMER_IDS[*customer], instant(*hours));
        }
        let mut subscriptions = "subscription_id,customer_id,started_at,ended_at,mrr\n".to_owned();
        for (index, (customer, hours, length, mrr)) in self.subscriptions.iter().enumerate() {
            let ended_at = length.map(|length| instant(hours + length)).unwrap_or_default();
            subscriptions += &format!("s{index},{},{},{ended_at},{mrr}\n", CUSTOMER_IDS[*customer], instant(*hours));
        }
        Fixture::new(
            &[
                ("customers.csv", customers.as_str()),
                ("orders.csv", orders.as_str()),
                ("subscriptions.csv", subscriptions.as_str()),
            ],
            &format!("timezone = \"{}\"", self.timezone),
        )
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn revenue_and_customer_invariants(dataset in dataset()) {
        let fixture = dataset.fixture();
        let months = |metric| fixture.series(metric, "2024-01-01", "2025-01-01", "month");
        // retention_rate + churn_rate = 100 whenever defined; both are null together.
        for ((label, churn), (_, retention)) in months("churn_rate").into_iter().zip(months("retention_rate")) {
            match (churn, retention) {
                (Some(churn), Some(retention)) => prop_assert!(close(churn + retention, 100.0), "{label}"),
                (None, None) => {}
                other => prop_assert!(false, "{label}: {other:?}"),
            }
        }
        // Additive metrics: the segments sum to the total.
        for metric in ["revenue", "orders"] {
            let total = months(metric);
            let by_segment = fixture.values(metric, "2024-01-01", "2025-01-01", "month", Some("segment"));
            for (label, value) in &total {
                let sum: f64 = by_segment
                    .iter()
                    .filter(|(period, ..)| period == label)
                    .map(|(_, _, value, _)| value.unwrap())
                    .sum();
                prop_assert!(close(value.unwrap(), sum), "{metric} {label}: {value:?} vs {sum}");
            }
        }
        // A year's revenue is the sum of its months' revenue.
        let year = fixture.series("revenue", "2024-01-01", "2025-01-01", "year");
        let sum_of_months: f64 = months("revenue").iter().map(|(_, value)| value.unwrap()).sum();
        prop_assert!(close(year[0].1.unwrap(), sum_of_months), "{year:?} vs {sum_of_months}");
    }
}
