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
    // February is before the go-live month: null. March: (500 − 1100) / 1100 × 100;
    // April: (1500 − 1200) / 1200 × 100 = 25; May: (1500 − 1300) / 1300 × 100.
    assert_series(
        &fixture.series("crm_roi", "2024-02-01", "2024-06-01", "month"),
        &[
            ("2024-02", None),
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
    // Cumulative profit first reaches cumulative cost in April (1500 ≥ 1200): month 2.
    assert_series(
        &fixture.series("crm_payback_month", "2024-03-01", "2024-06-01", "month"),
        &[("2024-03", None), ("2024-04", Some(2.0)), ("2024-05", Some(2.0))],
    );
    let report = fixture.report("crm_payback_month", "2024-05-01", "2024-06-01", "month", None);
    let rows = report.metrics[0].values[0].rows.clone().unwrap();
    assert_eq!(rows[0]["payback_month"], "2024-04");
}

#[test]
fn without_crm_configuration_the_values_are_null() {
    let fixture = Fixture::new(&[("customers.csv", "customer_id,name,created_at\nc1,One,2023-01-01\n")], "");
    assert_series(&fixture.series("crm_roi", "2024-01-01", "2024-02-01", "month"), &[("2024-01", None)]);
}
