//! CRM ROI on a fixture with go-live 2024-03-15, one-time cost 1000, monthly cost 100, gross
//! margin 0.5.
//!
//! Paid revenue by month: 2023-03 … 2024-01 none except 2023-12: 400 and 2024-01: 600 (so the
//! baseline is the mean over the two months before go-live that have revenue: 500; 2024-02 has
//! only a refunded order, which counts nothing and makes the month have no data);
//! 2024-03 (go-live month): 1500; 2024-04: 2500; 2024-05: 500.
//!
//! Incremental gross profit: March (1500 − 500) × 0.5 = 500; April (2500 − 500) × 0.5 = 1000;
//! May (500 − 500) × 0.5 = 0.
//! Cumulative profit / cost: March 500 / 1100; April 1500 / 1200; May 1500 / 1300.

use pulse_engine::Value;

use crate::{Fixture, assert_series};

fn fixture() -> Fixture {
    Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nc1,One,2023-01-01\n"),
            (
                "orders.csv",
                "order_id,customer_id,at,amount,status\n\
                 o1,c1,2023-12-10,400,paid\n\
                 o2,c1,2024-01-10,600,paid\n\
                 o3,c1,2024-02-10,900,refunded\n\
                 o4,c1,2024-03-01,1500,paid\n\
                 o5,c1,2024-04-30T23:59:59Z,2500,paid\n\
                 o6,c1,2024-05-01,500,paid\n",
            ),
        ],
        "gross_margin = 0.5\n[crm]\ngo_live = 2024-03-15\ncost_one_time = 1000\ncost_monthly = 100\n",
    )
}

#[test]
fn roi_as_of_each_month() {
    let fixture = fixture();
    // February ends before the go-live month: no month counted, cost to date = the one-time 1000:
    // (0 − 1000) / 1000 × 100 = −100. March: (500 − 1100) / 1100 × 100;
    // April: (1500 − 1200) / 1200 × 100 = 25; May: (1500 − 1300) / 1300 × 100.
    assert_series(
        &fixture.series("crm_roi", "2024-02-01", "2024-06-01", "month"),
        &[
            ("2024-02", Some(-100.0)),
            ("2024-03", Some(-600.0 / 1100.0 * 100.0)),
            ("2024-04", Some(25.0)),
            ("2024-05", Some(200.0 / 1300.0 * 100.0)),
        ],
    );
    // A quarter counts the months through its last instant, June, which has no revenue:
    // (0 − 500) × 0.5 = −250, so cumulative profit 1250 against cost 1000 + 4 × 100 = 1400.
    assert_series(
        &fixture.series("crm_roi", "2024-04-01", "2024-07-01", "quarter"),
        &[("2024-Q2", Some((1250.0 - 1400.0) / 1400.0 * 100.0))],
    );
}

#[test]
fn payback_month() {
    let fixture = fixture();
    // Cumulative profit first reaches cumulative cost in April (1500 ≥ 1200): the value is the
    // label 2024-04 (month 2 from go-live, in the rows); in March it has not paid back yet.
    let report = fixture.report("crm_payback_month", "2024-03-01", "2024-06-01", "month", None);
    let values: Vec<(&str, Option<Value>)> =
        report.metrics[0].values.iter().map(|value| (value.period.as_str(), value.value.clone())).collect();
    let april = Some(Value::Label("2024-04".to_owned()));
    assert_eq!(values, [("2024-03", None), ("2024-04", april.clone()), ("2024-05", april)]);
    let rows = report.metrics[0].values[2].rows.clone().unwrap();
    assert_eq!((rows[0]["payback_month"].as_str(), rows[0]["month_number"].as_i64()), (Some("2024-04"), Some(2)));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["metrics"][0]["values"][1]["value"], "2024-04");
}

#[test]
fn without_crm_configuration_the_values_are_null() {
    let fixture = Fixture::new(&[("customers.csv", "customer_id,name,created_at\nc1,One,2023-01-01\n")], "");
    assert_series(&fixture.series("crm_roi", "2024-01-01", "2024-02-01", "month"), &[("2024-01", None)]);
}

/// Before vs after go-live (2024-03-15, so the go-live month is March):
///
/// | deal | status | created → closed | amount | window as of April (before = Jan–Feb, after = Mar–Apr) |
/// |---|---|---|---|---|
/// | a1 | won | 2023-12-22 → 2024-01-01 (10 days) | 100 | before |
/// | a2 | lost | 2024-02-01 → 2024-02-10 | 50 | before |
/// | a3 | won | 2024-02-29 → 2024-03-10 (10 days) | 300 | after |
/// | a4 | won | 2024-04-01 → 2024-04-21 (20 days) | 500 | after |
/// | a5 | lost | 2024-04-01 → 2024-04-30T23:59:59Z | 70 | after |
/// | a6 | won | 2024-04-01 → 2024-05-01 00:00Z | 900 | neither (May) |
///
/// Leads: l1 Jan 5 (converted), l2 Feb 1 (not), l3 Mar 3 (converted), l4 May 2 (outside).
/// Subscriptions: k1 2023-06-01 → 2024-02-15, k2 2023-06-01 → open, k3 2024-03-05 → 2024-04-10.
fn before_after() -> Fixture {
    Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nk1,K1,2023-01-01\nk2,K2,2023-01-01\nk3,K3,2023-01-01\n"),
            (
                "deals.csv",
                "deal_id,customer_id,created_at,amount,status,closed_at\n\
                 a1,k2,2023-12-22,100,won,2024-01-01\n\
                 a2,k2,2024-02-01,50,lost,2024-02-10\n\
                 a3,k2,2024-02-29,300,won,2024-03-10\n\
                 a4,k2,2024-04-01,500,won,2024-04-21\n\
                 a5,k2,2024-04-01,70,lost,2024-04-30T23:59:59Z\n\
                 a6,k2,2024-04-01,900,won,2024-05-01T00:00:00Z\n",
            ),
            (
                "leads.csv",
                "lead_id,created_at,converted_at,customer_id\n\
                 l1,2024-01-05,2024-01-20,k1\nl2,2024-02-01,,\nl3,2024-03-03,2024-04-01,k3\nl4,2024-05-02,,\n",
            ),
            (
                "subscriptions.csv",
                "subscription_id,customer_id,started_at,ended_at,mrr\n\
                 s1,k1,2023-06-01,2024-02-15,10\n\
                 s2,k2,2023-06-01,,10\n\
                 s3,k3,2024-03-05,2024-04-10,10\n",
            ),
        ],
        "[crm]\ngo_live = 2024-03-15\ncost_one_time = 1000\ncost_monthly = 100\n",
    )
}

/// `(metric, before, after, months)` of one period's comparison rows.
fn comparison(fixture: &Fixture, month: &str) -> Vec<(String, Option<f64>, Option<f64>, i64)> {
    let report = fixture.report("crm_roi", "2024-02-01", "2024-05-01", "month", None);
    let value = report.metrics[0].values.iter().find(|value| value.period == month).unwrap();
    value
        .rows
        .clone()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["metric"].as_str().unwrap().to_owned(),
                row["before"].as_f64(),
                row["after"].as_f64(),
                row["months"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn before_and_after_go_live() {
    let fixture = before_after();
    // February is before the go-live month: nothing to compare yet.
    assert_eq!(comparison(&fixture, "2024-02"), []);
    // As of April (2 months each side): before a1 won, a2 lost; after a3, a4 won, a5 lost.
    // Leads: before 1 of 2 converted, after 1 of 1. Churn: before S = {k1, k2} at Jan 1, k1 ends
    // Feb 15: 50 %; after S = {k2} at Mar 1 (k3 starts inside): 0 %.
    let expected = [
        ("deals_won_per_month", Some(0.5), Some(1.0)),
        ("avg_deal_size", Some(100.0), Some(400.0)),
        ("win_rate", Some(50.0), Some(200.0 / 3.0)),
        ("sales_cycle_days", Some(10.0), Some(15.0)),
        ("lead_conversion_rate", Some(50.0), Some(100.0)),
        ("churn_rate", Some(50.0), Some(0.0)),
    ];
    let found = comparison(&fixture, "2024-04");
    assert_eq!(found.len(), expected.len());
    for ((metric, before, after, months), (expected_metric, expected_before, expected_after)) in
        found.iter().zip(expected)
    {
        assert_eq!((metric.as_str(), *months), (expected_metric, 2));
        for (value, expected) in [(before, expected_before), (after, expected_after)] {
            match (value, expected) {
                (Some(value), Some(expected)) => {
                    assert!((value - expected).abs() < 1e-9, "{metric}: {value} vs {expected}")
                }
                _ => assert_eq!(*value, expected, "{metric}"),
            }
        }
    }
    // As of March (1 month each side): before = February: a2 lost (no won deal: no size or
    // cycle), l2 not converted, k1 churned of {k1, k2}; after = March: a3 won, l3 converted.
    let march = comparison(&fixture, "2024-03");
    let march: Vec<(&str, Option<f64>, Option<f64>)> =
        march.iter().map(|(metric, before, after, _)| (metric.as_str(), *before, *after)).collect();
    assert_eq!(
        march,
        [
            ("deals_won_per_month", Some(0.0), Some(1.0)),
            ("avg_deal_size", None, Some(300.0)),
            ("win_rate", Some(0.0), Some(100.0)),
            ("sales_cycle_days", None, Some(10.0)),
            ("lead_conversion_rate", Some(0.0), Some(100.0)),
            ("churn_rate", Some(50.0), Some(0.0)),
        ]
    );
}
