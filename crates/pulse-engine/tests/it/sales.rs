//! Sales metrics on a five-deal fixture.
//!
//! | deal | owner | customer | created | amount | status | closed (UTC) |
//! |---|---|---|---|---|---|---|
//! | d1 | ann | c1 | 2024-01-10 | 100 | won | 2024-01-20 |
//! | d2 | bob | c2 | 2024-01-01 | 300 | lost | 2024-01-31T23:00-05:00 = 2024-02-01T04:00Z |
//! | d3 | ann | c1 | 2024-01-15 | 200 | won | 2024-02-01T00:00Z, exactly on the boundary |
//! | d4 | bob | c2 | 2024-02-10 | 50 | open | — |
//! | d5 | bob | c1 | 2024-01-05 | 400 | won | 2024-02-15 |

use crate::{Fixture, assert_series};

const CUSTOMERS: &str = "customer_id,name,created_at,segment\nc1,One,2023-01-01,smb\nc2,Two,2023-01-01,enterprise\n";
const DEALS: &str = "deal_id,customer_id,owner,created_at,amount,status,closed_at\n\
    d1,c1,ann,2024-01-10,100,won,2024-01-20\n\
    d2,c2,bob,2024-01-01,300,lost,2024-01-31T23:00:00-05:00\n\
    d3,c1,ann,2024-01-15,200,won,2024-02-01T00:00:00Z\n\
    d4,c2,bob,2024-02-10,50,open,\n\
    d5,c1,bob,2024-01-05,400,won,2024-02-15\n";

fn fixture(config: &str) -> Fixture {
    Fixture::new(&[("customers.csv", CUSTOMERS), ("deals.csv", DEALS)], config)
}

#[test]
fn closed_deals_by_month_in_utc() {
    let fixture = fixture("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // January: d1 won. February: d3 (on the boundary) and d5 won, d2 lost (04:00Z). March: none.
    assert_series(&months("deals_won"), &[("2024-01", Some(1.0)), ("2024-02", Some(2.0)), ("2024-03", Some(0.0))]);
    assert_series(&months("deals_lost"), &[("2024-01", Some(0.0)), ("2024-02", Some(1.0)), ("2024-03", Some(0.0))]);
    // February: 2 / (2 + 1) × 100. March has no closed deal: null, not 0.
    assert_series(&months("win_rate"), &[("2024-01", Some(100.0)), ("2024-02", Some(200.0 / 3.0)), ("2024-03", None)]);
    // February by amount: (200 + 400) / (200 + 400 + 300) × 100.
    assert_series(
        &months("win_rate_by_amount"),
        &[("2024-01", Some(100.0)), ("2024-02", Some(600.0 / 9.0)), ("2024-03", None)],
    );
    assert_series(
        &months("revenue_won"),
        &[("2024-01", Some(100.0)), ("2024-02", Some(600.0)), ("2024-03", Some(0.0))],
    );
    assert_series(&months("avg_deal_size"), &[("2024-01", Some(100.0)), ("2024-02", Some(300.0)), ("2024-03", None)]);
    // Cycles: d1 10 days; d3 Jan 15 → Feb 1 = 17 days, d5 Jan 5 → Feb 15 = 41 days: mean 29.
    assert_series(&months("sales_cycle_days"), &[("2024-01", Some(10.0)), ("2024-02", Some(29.0)), ("2024-03", None)]);
    assert_series(
        &months("sales_cycle_days_median"),
        &[("2024-01", Some(10.0)), ("2024-02", Some(29.0)), ("2024-03", None)],
    );
}

#[test]
fn open_deals_at_the_end_of_each_period() {
    let fixture = fixture("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // End of January (Feb 1 00:00Z): d2 (closes 04:00Z), d3 (closes exactly at the end, so
    // closed_at ≥ end) and d5 are open; d1 closed, d4 not yet created. End of Feb and Mar: d4.
    assert_series(&months("open_deals"), &[("2024-01", Some(3.0)), ("2024-02", Some(1.0)), ("2024-03", Some(1.0))]);
    assert_series(
        &months("pipeline_value"),
        &[("2024-01", Some(900.0)), ("2024-02", Some(50.0)), ("2024-03", Some(50.0))],
    );
}

#[test]
fn the_workspace_timezone_moves_boundary_events() {
    // In New York d2 closes Jan 31 23:00 and d3 Jan 31 19:00: both in January.
    let fixture = fixture("timezone = \"America/New_York\"");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-03-01", "month");
    assert_series(&months("deals_won"), &[("2024-01", Some(2.0)), ("2024-02", Some(1.0))]);
    assert_series(&months("win_rate"), &[("2024-01", Some(200.0 / 3.0)), ("2024-02", Some(100.0))]);
}

#[test]
fn previous_values_and_segments() {
    let fixture = fixture("");
    let values = fixture.values("deals_won", "2024-01-01", "2024-03-01", "month", Some("owner"));
    // ann: d1 in January, d3 in February; bob: d5 in February, none in January (0, not missing).
    let expected = [
        ("2024-01", Some("ann"), Some(1.0), Some(0.0)),
        ("2024-02", Some("ann"), Some(1.0), Some(1.0)),
        ("2024-01", Some("bob"), Some(0.0), Some(0.0)),
        ("2024-02", Some("bob"), Some(1.0), Some(0.0)),
    ];
    let found: Vec<(&str, Option<&str>, Option<f64>, Option<f64>)> = values
        .iter()
        .map(|(period, segment, value, previous)| (period.as_str(), segment.as_deref(), *value, *previous))
        .collect();
    assert_eq!(found, expected);
    // By customer segment: February's won deals d3 and d5 are both smb.
    let by_segment = fixture.values("revenue_won", "2024-02-01", "2024-03-01", "month", Some("segment"));
    assert_eq!(by_segment, [("2024-02".to_owned(), Some("smb".to_owned()), Some(600.0), Some(100.0))]);
    // The previous value of a ratio over a period without closed deals is null.
    let win_rate = fixture.values("win_rate", "2024-01-01", "2024-02-01", "month", None);
    assert_eq!(win_rate, [("2024-01".to_owned(), None, Some(100.0), None)]);
}
