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

/// `(id, segment)` pairs as [`Fixture::records`] returns them, from literals.
fn ids(expected: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    expected.iter().map(|(id, segment)| (id.to_string(), segment.map(str::to_owned))).collect()
}

#[test]
fn the_deals_behind_the_counts() {
    let fixture = fixture("");
    // February's won deals: d3 (on the boundary) and d5, in closing order; the lost one is d2.
    assert_eq!(fixture.records("deals_won", "2024-02", "deal_id", None), ids(&[("d3", None), ("d5", None)]));
    assert_eq!(fixture.records("deals_lost", "2024-02", "deal_id", None), ids(&[("d2", None)]));
    assert_eq!(fixture.records("deals_won", "2024-03", "deal_id", None), ids(&[]));
    // Open at the end of January: d2, d3, d5 (by creation: d2 Jan 1, d5 Jan 5, d3 Jan 15).
    assert_eq!(
        fixture.records("open_deals", "2024-01", "deal_id", None),
        ids(&[("d2", None), ("d5", None), ("d3", None)])
    );
    // Other period labels: the whole quarter, one ISO week (2024-W05 is Jan 29 – Feb 4: d2, d3),
    // and by owner.
    assert_eq!(
        fixture.records("deals_won", "2024-Q1", "deal_id", None),
        ids(&[("d1", None), ("d3", None), ("d5", None)])
    );
    assert_eq!(fixture.records("deals_won", "2024-W05", "deal_id", Some("owner")), ids(&[("d3", Some("ann"))]));
    assert_eq!(
        fixture.records("deals_won", "2024-02", "deal_id", Some("owner")),
        ids(&[("d3", Some("ann")), ("d5", Some("bob"))])
    );
    // In New York d2 and d3 close on January 31.
    let new_york = self::fixture("timezone = \"America/New_York\"");
    assert_eq!(new_york.records("deals_won", "2024-01", "deal_id", None), ids(&[("d1", None), ("d3", None)]));
}

#[test]
fn a_rep_sees_only_their_own_deals() {
    let fixture = fixture("");
    let ann = Fixture { _dir: tempfile::TempDir::new().unwrap(), engine: fixture.engine.restricted_to_owner("ann") };
    let months = |fixture: &Fixture, metric| fixture.series(metric, "2024-01-01", "2024-03-01", "month");
    // ann owns d1 (won in January) and d3 (won on the February boundary); bob's d2, d4 and d5
    // are invisible to her, in the counts, the ratios and the drill-down.
    assert_series(&months(&ann, "deals_won"), &[("2024-01", Some(1.0)), ("2024-02", Some(1.0))]);
    assert_series(&months(&ann, "win_rate"), &[("2024-01", Some(100.0)), ("2024-02", Some(100.0))]);
    assert_series(&months(&ann, "open_deals"), &[("2024-01", Some(1.0)), ("2024-02", Some(0.0))]);
    assert_eq!(ann.records("deals_won", "2024-02", "deal_id", None), ids(&[("d3", None)]));
    assert_eq!(fixture.records("deals_won", "2024-02", "deal_id", None), ids(&[("d3", None), ("d5", None)]));
    let nobody =
        Fixture { _dir: tempfile::TempDir::new().unwrap(), engine: fixture.engine.restricted_to_owner("carl") };
    assert_series(&months(&nobody, "deals_won"), &[("2024-01", Some(0.0)), ("2024-02", Some(0.0))]);
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

/// Pipeline fixture (default pipeline: lead 0.1/7 days, qualified 0.25/14, demo 0.4/14,
/// proposal 0.6/21, negotiation 0.8/14; global stall_days 14).
///
/// | deal | created | amount | status | stage entries | activities |
/// |---|---|---|---|---|---|
/// | p1 | 2024-01-01 | 1000 | open | lead 01-01, qualified 01-05, qualified 01-08, demo 01-20, qualified 02-05 | 01-28 |
/// | p2 | 2024-01-01 | 2000 | won 2024-02-10 | lead 01-02, proposal 01-12 | — |
/// | p3 | 2024-01-20 | 500 | open | none | 01-25 |
///
/// Visits (consecutive qualified entries of p1 are one visit; its later qualified is a new one):
/// p1 lead 01-01→01-05 (4 d), qualified 01-05→01-20 (15 d), demo 01-20→02-05 (16 d), qualified
/// from 02-05 (open); p2 lead 01-02→01-12 (10 d), proposal 01-12→02-10 at close (29 d).
fn pipeline() -> Fixture {
    Fixture::new(
        &[
            ("customers.csv", "customer_id,name,created_at\nc1,One,2023-01-01\n"),
            (
                "deals.csv",
                "deal_id,customer_id,owner,created_at,amount,status,closed_at\n\
                 p1,c1,ann,2024-01-01,1000,open,\n\
                 p2,c1,bob,2024-01-01,2000,won,2024-02-10\n\
                 p3,c1,ann,2024-01-20,500,open,\n",
            ),
            (
                "deal_stage_changes.csv",
                "deal_id,stage,entered_at\n\
                 p1,lead,2024-01-01\np1,qualified,2024-01-05\np1,qualified,2024-01-08\np1,demo,2024-01-20\np1,qualified,2024-02-05\n\
                 p2,lead,2024-01-02\np2,proposal,2024-01-12\n",
            ),
            (
                "activities.csv",
                "activity_id,at,owner,type,deal_id\na1,2024-01-28,ann,call,p1\na2,2024-01-25,ann,email,p3\n",
            ),
        ],
        "",
    )
}

#[test]
fn stage_durations_count_ended_visits() {
    let fixture = pipeline();
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // January: visits of 4, 15 and 10 days ended: mean 29/3, median 10, p90 at rank 1.8 =
    // 10 + 0.8 × (15 − 10) = 14. February: 16 and 29 days. March: none.
    assert_series(
        &months("stage_duration_days"),
        &[("2024-01", Some(29.0 / 3.0)), ("2024-02", Some(22.5)), ("2024-03", None)],
    );
    assert_series(
        &months("stage_duration_days_median"),
        &[("2024-01", Some(10.0)), ("2024-02", Some(22.5)), ("2024-03", None)],
    );
    assert_series(
        &months("stage_duration_days_p90"),
        &[("2024-01", Some(14.0)), ("2024-02", Some(16.0 + 0.9 * 13.0)), ("2024-03", None)],
    );
}

#[test]
fn stage_duration_rows_are_in_pipeline_order() {
    let fixture = pipeline();
    let report = fixture.report("stage_duration_days", "2024-01-01", "2024-02-01", "month", None);
    let rows = report.metrics[0].values[0].rows.clone().unwrap();
    let summary: Vec<(String, i64, Option<f64>, Option<f64>)> = rows
        .iter()
        .map(|row| {
            (
                row["stage"].as_str().unwrap().to_owned(),
                row["visits"].as_i64().unwrap(),
                row["mean_days"].as_f64(),
                row["p90_days"].as_f64(),
            )
        })
        .collect();
    // lead: 4 and 10 days (mean 7, p90 4 + 0.9 × 6 = 9.4); qualified: 15; the others: none.
    assert_eq!(summary[0].0, "lead");
    assert_eq!((summary[0].1, summary[0].2), (2, Some(7.0)));
    assert!((summary[0].3.unwrap() - 9.4).abs() < 1e-9);
    assert_eq!(summary[1], ("qualified".to_owned(), 1, Some(15.0), Some(15.0)));
    assert_eq!(
        summary[2..].iter().map(|row| (row.0.as_str(), row.1, row.2)).collect::<Vec<_>>(),
        [("demo", 0, None), ("proposal", 0, None), ("negotiation", 0, None)]
    );
    // A period in which no visit ended still lists every stage, each with null statistics.
    let quiet = fixture.report("stage_duration_days", "2025-01-01", "2025-02-01", "month", None);
    let rows = quiet.metrics[0].values[0].rows.clone().unwrap();
    let stages: Vec<(&str, i64, bool)> = rows
        .iter()
        .map(|row| (row["stage"].as_str().unwrap(), row["visits"].as_i64().unwrap(), row["mean_days"].is_null()))
        .collect();
    assert_eq!(
        stages,
        [("lead", 0, true), ("qualified", 0, true), ("demo", 0, true), ("proposal", 0, true), ("negotiation", 0, true)]
    );
    assert!(quiet.metrics[0].values[0].value.is_none());
}

#[test]
fn weighted_pipeline_uses_the_stage_before_the_end() {
    let fixture = pipeline();
    // End of January: p1 in demo (0.4 × 1000), p2 in proposal (0.6 × 2000), p3 without
    // history in the first stage lead (0.1 × 500) = 400 + 1200 + 50. End of February: p1 back
    // in qualified (0.25 × 1000) + p3 (50); p2 closed.
    let months = fixture.series("weighted_pipeline_value", "2024-01-01", "2024-03-01", "month");
    assert_series(&months, &[("2024-01", Some(1650.0)), ("2024-02", Some(300.0))]);
}

#[test]
fn stalled_deals_exceed_their_threshold_strictly() {
    let fixture = pipeline();
    // End of January (Feb 1): p1 idle since its activity on 01-28 (4 d < 14); p2 in proposal
    // since 01-12 (20 d < 21); p3 in lead, idle since its activity on 01-25: exactly 7 d, not
    // more than 7: not stalled. End of February (Mar 1, 2024 is a leap year): p1 in qualified
    // since 02-05, 29 − 5 + 1 = 25 d > 14; p3 idle since 01-25, 7 + 29 = 36 d > 7.
    let months = fixture.series("stalled_deals", "2024-01-01", "2024-03-01", "month");
    assert_series(&months, &[("2024-01", Some(0.0)), ("2024-02", Some(2.0))]);
    let report = fixture.report("stalled_deals", "2024-02-01", "2024-03-01", "month", None);
    let rows = report.metrics[0].values[0].rows.clone().unwrap();
    let listed: Vec<(String, String, f64, f64)> = rows
        .iter()
        .map(|row| {
            (
                row["deal_id"].as_str().unwrap().to_owned(),
                row["stage"].as_str().unwrap().to_owned(),
                row["idle_days"].as_f64().unwrap(),
                row["threshold_days"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("p3".to_owned(), "lead".to_owned(), 36.0, 7.0), ("p1".to_owned(), "qualified".to_owned(), 25.0, 14.0)]
    );
}

#[test]
fn sales_velocity() {
    let fixture = pipeline();
    // January: no deal won: null. February: 3 deals open at its start (p1, p2, p3), p2 won
    // (2000, win rate 100 %, cycle Jan 1 → Feb 10 = 40 d): 3 × 2000 × 1 / 40 = 150.
    let months = fixture.series("sales_velocity", "2024-01-01", "2024-03-01", "month");
    assert_series(&months, &[("2024-01", None), ("2024-02", Some(150.0))]);
}
