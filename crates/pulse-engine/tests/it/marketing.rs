//! Marketing metrics on hand-made fixtures, reported by month from January to April 2024 (UTC
//! unless said otherwise; December 2023 is the previous period of January).
//!
//! The main fixture:
//!
//! | customer | source | paid orders (refunded ones in brackets) | acquired |
//! |---|---|---|---|
//! | c1 | organic | o1 Jan 20 100, o2 Feb 10 50, [o9 Jan 25 1000] | Jan 20 |
//! | c2 | paid_search | o3 Feb 5 200, [o4 Feb 6 70] | Feb 5 |
//! | c3 | paid_search | o5 Mar 1 00:00 300 (on the boundary) | Mar 1 |
//! | c4 | — | o6 Jan 10 80 | Jan 10 |
//! | c5 | email | o7 Feb 12 40 | Feb 12 |
//! | c6 | social | [o8 Jan 15 500] | never |
//!
//! | spend date | channel | campaign | amount | purpose |
//! |---|---|---|---|---|
//! | Jan 3 | paid_search | camp1 | 600 | acquisition |
//! | Jan 20 | organic | — | 100 | brand |
//! | Feb 1 00:00Z (Jan 31 19:00 in New York) | paid_search | camp2 | 400 | acquisition |
//! | Feb 10 | social | camp2 | 250 | acquisition |
//! | Feb 15 | paid_search | — | 90 | retention |
//! | Mar 5 | paid_search | camp1 | 50 | acquisition |
//!
//! | lead | created | source | campaign | converted → customer |
//! |---|---|---|---|---|
//! | l1 | Jan 5 | organic | camp1 | Jan 20 → c1 |
//! | l2 | Jan 10 | organic | — | — |
//! | l3 | Jan 20 | paid_search | camp1 | Feb 5 → c2 |
//! | l4 | Jan 25 | — | — | — |
//! | l5 | Feb 1 00:00Z (boundary) | paid_search | camp2 | Mar 1 → c3 |
//! | l6 | Feb 15 | social | camp2 | — |
//! | l7 | Jan 26 | organic | — | Feb 2 → c1 (a second lead of c1) |
//!
//! | traffic date | source | visitors | sessions | avg seconds | purchases |
//! |---|---|---|---|---|---|
//! | Jan 1 00:00 (boundary) | organic | 100 | 80 | 60 | 2 |
//! | Jan 15 | paid_search | 50 | 40 | 30 | 3 |
//! | Jan 31 23:00 −05:00 = Feb 1 04:00Z | organic | 200 | 100 | 90 | 4 |
//! | Feb 10 | paid_search | 150 | — | — | — |
//! | Feb 20 | social | 30 | 20 | — | 1 |
//!
//! Campaigns: camp1 (paid_search) started Jan 1, camp2 (social) started Feb 1 00:00Z, camp3
//! (email) started Apr 1.

use pulse_engine::{Granularity, ReportRequest, find_metric, parse_date};
use serde_json::{Map, Value, json};

use crate::{Fixture, assert_series};

const CUSTOMERS: &str = "customer_id,name,created_at,source\n\
    c1,One,2023-06-01,organic\n\
    c2,Two,2023-06-01,paid_search\n\
    c3,Three,2023-06-01,paid_search\n\
    c4,Four,2023-06-01,\n\
    c5,Five,2023-06-01,email\n\
    c6,Six,2023-06-01,social\n";
const ORDERS: &str = "order_id,customer_id,at,amount,status\n\
    o1,c1,2024-01-20,100,paid\n\
    o2,c1,2024-02-10,50,paid\n\
    o3,c2,2024-02-05,200,paid\n\
    o4,c2,2024-02-06,70,refunded\n\
    o5,c3,2024-03-01T00:00:00Z,300,paid\n\
    o6,c4,2024-01-10,80,paid\n\
    o7,c5,2024-02-12,40,paid\n\
    o8,c6,2024-01-15,500,refunded\n\
    o9,c1,2024-01-25,1000,refunded\n";
const CAMPAIGNS: &str = "campaign_id,name,channel,started_at,ended_at\n\
    camp1,Winter search,paid_search,2024-01-01,2024-01-31\n\
    camp2,Spring social,social,2024-02-01T00:00:00Z,\n\
    camp3,Summer mail,email,2024-04-01,\n";
const SPEND: &str = "date,channel,campaign_id,amount,purpose\n\
    2024-01-03,paid_search,camp1,600,acquisition\n\
    2024-01-20,organic,,100,brand\n\
    2024-02-01T00:00:00Z,paid_search,camp2,400,acquisition\n\
    2024-02-10,social,camp2,250,acquisition\n\
    2024-02-15,paid_search,,90,retention\n\
    2024-03-05,paid_search,camp1,50,acquisition\n";
const LEADS: &str = "lead_id,created_at,source,campaign_id,converted_at,customer_id\n\
    l1,2024-01-05,organic,camp1,2024-01-20,c1\n\
    l2,2024-01-10,organic,,,\n\
    l3,2024-01-20,paid_search,camp1,2024-02-05,c2\n\
    l4,2024-01-25,,,,\n\
    l5,2024-02-01T00:00:00Z,paid_search,camp2,2024-03-01,c3\n\
    l6,2024-02-15,social,camp2,,\n\
    l7,2024-01-26,organic,,2024-02-02,c1\n";
const TRAFFIC: &str = "date,source,visitors,sessions,avg_session_seconds,purchases\n\
    2024-01-01,organic,100,80,60,2\n\
    2024-01-15,paid_search,50,40,30,3\n\
    2024-01-31T23:00:00-05:00,organic,200,100,90,4\n\
    2024-02-10,paid_search,150,,,\n\
    2024-02-20,social,30,20,,1\n";

fn fixture(config: &str) -> Fixture {
    Fixture::new(
        &[
            ("customers.csv", CUSTOMERS),
            ("orders.csv", ORDERS),
            ("campaigns.csv", CAMPAIGNS),
            ("marketing_spend.csv", SPEND),
            ("leads.csv", LEADS),
            ("web_traffic.csv", TRAFFIC),
        ],
        config,
    )
}

/// Values per period label.
type Series = Vec<(String, Option<f64>)>;

/// A segment's value (null for "(none)") and its series.
type SegmentSeries = (Option<String>, Series);

const MONTHS: [&str; 4] = ["2024-01", "2024-02", "2024-03", "2024-04"];

fn months(fixture: &Fixture, metric: &str) -> Series {
    fixture.series(metric, "2024-01-01", "2024-05-01", "month")
}

/// The four months' expected values.
fn by_month(values: [Option<f64>; 4]) -> Vec<(&'static str, Option<f64>)> {
    MONTHS.into_iter().zip(values).collect()
}

/// `(segment, [January … April])` of a segmented report, in the report's order.
fn segments(fixture: &Fixture, metric: &str, by: &str) -> Vec<SegmentSeries> {
    let mut grouped: Vec<SegmentSeries> = Vec::new();
    for (period, segment, value, _) in fixture.values(metric, "2024-01-01", "2024-05-01", "month", Some(by)) {
        match grouped.last_mut() {
            Some((last, series)) if *last == segment => series.push((period, value)),
            _ => grouped.push((segment, vec![(period, value)])),
        }
    }
    grouped
}

#[track_caller]
fn assert_segments(found: &[SegmentSeries], expected: &[(Option<&str>, [Option<f64>; 4])]) {
    let names: Vec<Option<&str>> = found.iter().map(|(segment, _)| segment.as_deref()).collect();
    let expected_names: Vec<Option<&str>> = expected.iter().map(|(segment, _)| *segment).collect();
    assert_eq!(names, expected_names);
    for ((_, series), (_, values)) in found.iter().zip(expected) {
        assert_series(series, &by_month(*values));
    }
}

/// Checks that the segments of an additive metric add up to its total in every month.
#[track_caller]
fn assert_segments_sum_to_total(fixture: &Fixture, metric: &str, by: &str) {
    let total = months(fixture, metric);
    for (index, (period, value)) in total.iter().enumerate() {
        let sum: f64 = segments(fixture, metric, by).iter().map(|(_, series)| series[index].1.unwrap()).sum();
        assert!((sum - value.unwrap()).abs() < 1e-9, "{metric} by {by} in {period}: {sum} vs {value:?}");
    }
}

/// The rows of a table-valued metric per month, unsegmented.
fn rows(fixture: &Fixture, metric: &str) -> Vec<(String, Vec<Map<String, Value>>)> {
    let request = ReportRequest {
        from: parse_date("2024-01-01").unwrap(),
        to: parse_date("2024-05-01").unwrap(),
        granularity: "month".parse::<Granularity>().unwrap(),
        metrics: vec![find_metric(metric).unwrap()],
        by: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(fixture.engine.report(&request)).unwrap();
    report.metrics[0].values.iter().map(|value| (value.period.clone(), value.rows.clone().unwrap())).collect()
}

/// Compares rows with `expected` (a JSON array of objects): numbers to 1e-9 relative, a null
/// expected where the row has no value, and no column that `expected` does not name.
#[track_caller]
fn assert_rows(period: &str, found: &[Map<String, Value>], expected: Value) {
    let expected = expected.as_array().unwrap();
    assert_eq!(found.len(), expected.len(), "{period}: {found:?}");
    for (row, expected_row) in found.iter().zip(expected) {
        let expected_row = expected_row.as_object().unwrap();
        for key in row.keys() {
            assert!(expected_row.contains_key(key), "{period}: unexpected column {key} in {row:?}");
        }
        for (key, expected_value) in expected_row {
            let value = row.get(key).unwrap_or(&Value::Null);
            match (value.as_f64(), expected_value.as_f64()) {
                (Some(value), Some(expected)) => assert!(
                    (value - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                    "{period} {key}: {value} vs {expected} in {row:?}"
                ),
                _ => assert_eq!(value, expected_value, "{period} {key} in {row:?}"),
            }
        }
    }
}

#[test]
fn visitors_by_month_and_source() {
    let fixture = fixture("");
    // January: 100 (Jan 1 00:00, on the boundary) + 50. February: 200 (Feb 1 04:00Z) + 150 + 30.
    // March and April have no rows: 0.
    assert_series(&months(&fixture, "visitors"), &by_month([Some(150.0), Some(380.0), Some(0.0), Some(0.0)]));
    assert_segments(
        &segments(&fixture, "visitors", "source"),
        &[
            (Some("organic"), [Some(100.0), Some(200.0), Some(0.0), Some(0.0)]),
            (Some("paid_search"), [Some(50.0), Some(150.0), Some(0.0), Some(0.0)]),
            (Some("social"), [Some(0.0), Some(30.0), Some(0.0), Some(0.0)]),
        ],
    );
    assert_segments_sum_to_total(&fixture, "visitors", "source");
    assert_segments_sum_to_total(&fixture, "visitors", "channel");
}

#[test]
fn traffic_to_lead_rate_over_all_leads_and_by_source() {
    let fixture = fixture("");
    // January: leads l1 l2 l3 l4 l7 = 5 (l4 has no source but counts in the total) / 150 visitors.
    // February: l5 (on the boundary) and l6 = 2 / 380. March, April: 0 / 0 → null.
    assert_series(
        &months(&fixture, "traffic_to_lead_rate"),
        &by_month([Some(500.0 / 150.0), Some(200.0 / 380.0), None, None]),
    );
    // By source: organic January 3 / 100, February 0 / 200; paid_search 1 / 50 then 1 / 150;
    // social February 1 / 30; l4 forms the no-source segment, which has no visitors: null.
    assert_segments(
        &segments(&fixture, "traffic_to_lead_rate", "source"),
        &[
            (None, [None, None, None, None]),
            (Some("organic"), [Some(3.0), Some(0.0), None, None]),
            (Some("paid_search"), [Some(2.0), Some(100.0 / 150.0), None, None]),
            (Some("social"), [None, Some(100.0 / 30.0), None, None]),
        ],
    );
}

#[test]
fn leads_by_source_with_conversion_and_revenue() {
    let fixture = fixture("");
    // Headline: leads created (5 in January, 2 in February).
    assert_series(&months(&fixture, "leads_by_source"), &by_month([Some(5.0), Some(2.0), Some(0.0), Some(0.0)]));
    let rows = rows(&fixture, "leads_by_source");
    // January, organic: l1 l2 l7, of which l1 and l7 converted (2/3); both became c1, counted once:
    // c1's paid orders before Feb 1 are o1 = 100 (o9 is refunded). paid_search: l3 converted into
    // c2, who has no paid order before Feb 1. No source: l4, not converted.
    assert_rows(
        &rows[0].0,
        &rows[0].1,
        json!([
            {"source": "organic", "leads": 3, "lead_conversion_rate": 200.0 / 3.0, "revenue": 100.0},
            {"source": "paid_search", "leads": 1, "lead_conversion_rate": 100.0, "revenue": 0.0},
            {"source": null, "leads": 1, "lead_conversion_rate": 0.0, "revenue": 0.0},
        ]),
    );
    // February: l5 became c3, whose order o5 is at Mar 1 00:00 = the end, so not before it.
    assert_rows(
        &rows[1].0,
        &rows[1].1,
        json!([
            {"source": "paid_search", "leads": 1, "lead_conversion_rate": 100.0, "revenue": 0.0},
            {"source": "social", "leads": 1, "lead_conversion_rate": 0.0, "revenue": 0.0},
        ]),
    );
    assert_rows(&rows[2].0, &rows[2].1, json!([]));
}

#[test]
fn customers_acquired_by_month_and_channel() {
    let fixture = fixture("");
    // January: c4 (Jan 10), c1 (Jan 20). February: c2, c5. March: c3 at Mar 1 00:00 (boundary).
    // c6 only has a refunded order: never acquired.
    assert_series(&months(&fixture, "customers_acquired"), &by_month([Some(2.0), Some(2.0), Some(1.0), Some(0.0)]));
    assert_segments(
        &segments(&fixture, "customers_acquired", "channel"),
        &[
            (None, [Some(1.0), Some(0.0), Some(0.0), Some(0.0)]),
            (Some("email"), [Some(0.0), Some(1.0), Some(0.0), Some(0.0)]),
            (Some("organic"), [Some(1.0), Some(0.0), Some(0.0), Some(0.0)]),
            (Some("paid_search"), [Some(0.0), Some(1.0), Some(1.0), Some(0.0)]),
        ],
    );
}

#[test]
fn subscription_acquisition_follows_the_same_instant_rules() {
    // s1 starts Jan 10 at 50 but a change at the same instant sets 0 (start → changes → end): no
    // MRR until its change to 30 on Feb 10. s2 starts and ends at Jan 15: never any MRR. s3 starts
    // at 0 (a free plan) and pays from Mar 1 00:00Z. s4 starts Jan 20 at 20: acquired then.
    let customers =
        "customer_id,name,created_at\nk1,K1,2023-06-01\nk2,K2,2023-06-01\nk3,K3,2023-06-01\nk4,K4,2023-06-01\n";
    let subscriptions = "subscription_id,customer_id,started_at,ended_at,mrr\n\
        s1,k1,2024-01-10,,50\n\
        s2,k2,2024-01-15,2024-01-15,40\n\
        s3,k3,2024-01-05,,0\n\
        s4,k4,2024-01-20,,20\n";
    let changes = "subscription_id,at,mrr\n\
        s1,2024-01-10,0\n\
        s1,2024-02-10,30\n\
        s3,2024-03-01T00:00:00Z,10\n";
    let fixture = Fixture::new(
        &[("customers.csv", customers), ("subscriptions.csv", subscriptions), ("subscription_changes.csv", changes)],
        "",
    );
    assert_series(&months(&fixture, "customers_acquired"), &by_month([Some(1.0), Some(1.0), Some(1.0), Some(0.0)]));
    let acquired = |month| -> Vec<String> {
        fixture.records("customers_acquired", month, "customer_id", None).into_iter().map(|(id, _)| id).collect()
    };
    assert_eq!(acquired("2024-01"), ["k4"]);
    assert_eq!(acquired("2024-02"), ["k1"]);
    assert_eq!(acquired("2024-03"), ["k3"]);
}

#[test]
fn marketing_spend_by_channel_and_purpose() {
    let fixture = fixture("");
    // January: 600 + 100. February: 400 (Feb 1 00:00Z) + 250 + 90. March: 50. April: none, 0.
    assert_series(&months(&fixture, "marketing_spend"), &by_month([Some(700.0), Some(740.0), Some(50.0), Some(0.0)]));
    assert_segments(
        &segments(&fixture, "marketing_spend", "channel"),
        &[
            (Some("organic"), [Some(100.0), Some(0.0), Some(0.0), Some(0.0)]),
            (Some("paid_search"), [Some(600.0), Some(490.0), Some(50.0), Some(0.0)]),
            (Some("social"), [Some(0.0), Some(250.0), Some(0.0), Some(0.0)]),
        ],
    );
    assert_segments_sum_to_total(&fixture, "marketing_spend", "channel");
    assert_segments_sum_to_total(&fixture, "marketing_spend", "campaign");
    let rows = rows(&fixture, "marketing_spend");
    assert_rows(
        &rows[0].0,
        &rows[0].1,
        json!([
            {"purpose": "acquisition", "channel": "paid_search", "amount": 600.0},
            {"purpose": "brand", "channel": "organic", "amount": 100.0},
        ]),
    );
    assert_rows(
        &rows[1].0,
        &rows[1].1,
        json!([
            {"purpose": "acquisition", "channel": "paid_search", "amount": 400.0},
            {"purpose": "acquisition", "channel": "social", "amount": 250.0},
            {"purpose": "retention", "channel": "paid_search", "amount": 90.0},
        ]),
    );
    assert_rows(&rows[3].0, &rows[3].1, json!([]));
}

#[test]
fn the_workspace_timezone_moves_boundary_rows() {
    // In New York the Feb 1 04:00Z traffic row is Jan 31 23:00 and the Feb 1 00:00Z spend row is
    // Jan 31 19:00: both in January. Dates without an offset are New York days.
    let fixture = fixture("timezone = \"America/New_York\"");
    let series = |metric| fixture.series(metric, "2024-01-01", "2024-03-01", "month");
    // January: 100 + 50 + 200; February: 150 + 30.
    assert_series(&series("visitors"), &[("2024-01", Some(350.0)), ("2024-02", Some(180.0))]);
    // January: 600 + 100 + 400; February: 250 + 90.
    assert_series(&series("marketing_spend"), &[("2024-01", Some(1100.0)), ("2024-02", Some(340.0))]);
}

#[test]
fn cac_in_total_and_by_channel() {
    let fixture = fixture("");
    // Acquisition spend / customers acquired: January 600 / 2 (c1, c4; the brand spend does not
    // count), February (400 + 250) / 2 (c2, c5), March 50 / 1 (c3), April 0 / 0 → null.
    assert_series(&months(&fixture, "cac"), &by_month([Some(300.0), Some(325.0), Some(50.0), None]));
    // Channels with acquisition spend (paid_search, social) or acquired customers (organic, email,
    // paid_search); c4 has no source and counts only in the total, so there is no "(none)".
    // email: February 0 spend / 1 (c5) = 0. organic: January 0 / 1 (c1) = 0. paid_search: January
    // 600 / 0 customers → null, February 400 / 1 (c2), March 50 / 1 (c3). social: 250 / 0 → null.
    let expected = [
        (Some("email"), [None, Some(0.0), None, None]),
        (Some("organic"), [Some(0.0), None, None, None]),
        (Some("paid_search"), [None, Some(400.0), Some(50.0), None]),
        (Some("social"), [None, None, None, None]),
    ];
    assert_segments(&segments(&fixture, "cac", "channel"), &expected);
    assert_segments(&segments(&fixture, "cac", "source"), &expected);
}

#[test]
fn marketing_roi_in_total_and_by_channel() {
    let fixture = fixture("");
    // January: spend 700 (all purposes); channels with spend: paid_search, organic; their
    // customers' revenue in January: c1's o1 = 100 (o9 refunded; c4 has no source).
    // (100 − 700) / 700 × 100.
    // February: spend 740 on paid_search and social; revenue of their customers: c2's o3 = 200
    // (o4 refunded); c1 (organic) and c5 (email) had no spend on their channel.
    // (200 − 740) / 740 × 100. March: (300 − 50) / 50 × 100 = 500. April: no spend → null.
    assert_series(
        &months(&fixture, "marketing_roi"),
        &by_month([Some(-60000.0 / 700.0), Some(-54000.0 / 740.0), Some(500.0), None]),
    );
    // organic: January (100 − 100) / 100. paid_search: January (0 − 600) / 600, February
    // (200 − 490) / 490, March 500. social: February (0 − 250) / 250. Months without spend: null.
    assert_segments(
        &segments(&fixture, "marketing_roi", "channel"),
        &[
            (Some("organic"), [Some(0.0), None, None, None]),
            (Some("paid_search"), [Some(-100.0), Some(-29000.0 / 490.0), Some(500.0), None]),
            (Some("social"), [None, Some(-100.0), None, None]),
        ],
    );
}

#[test]
fn campaign_performance_rows() {
    let fixture = fixture("");
    // Campaigns started before the end: January camp1 (camp2 starts exactly at Feb 1, the end);
    // February and March camp1, camp2; April all three.
    assert_series(&months(&fixture, "campaign_performance"), &by_month([Some(1.0), Some(2.0), Some(2.0), Some(3.0)]));
    let rows = rows(&fixture, "campaign_performance");
    // camp1: spend all time 600 + 50 = 650; leads l1, l3; customers c1, c2; cost per lead 325.
    // Revenue before Feb 1: c1's o1 = 100 → ROI (100 − 650) / 650 × 100.
    let camp1 = |revenue: f64| {
        json!({"campaign_id": "camp1", "name": "Winter search", "channel": "paid_search", "spend": 650.0,
               "leads": 2, "customers": 2, "revenue": revenue, "cost_per_lead": 325.0,
               "roi": 100.0 * (revenue - 650.0) / 650.0})
    };
    // camp2: spend 400 + 250; leads l5, l6; customer c3 (from l5); cost per lead 325.
    let camp2 = |revenue: f64| {
        json!({"campaign_id": "camp2", "name": "Spring social", "channel": "social", "spend": 650.0,
               "leads": 2, "customers": 1, "revenue": revenue, "cost_per_lead": 325.0,
               "roi": 100.0 * (revenue - 650.0) / 650.0})
    };
    assert_rows(&rows[0].0, &rows[0].1, json!([camp1(100.0)]));
    // Before Mar 1: camp1 100 + 50 (o2) + 200 (o3; o4 refunded) = 350; camp2 0 (o5 is at Mar 1).
    assert_rows(&rows[1].0, &rows[1].1, json!([camp1(350.0), camp2(0.0)]));
    assert_rows(&rows[2].0, &rows[2].1, json!([camp1(350.0), camp2(300.0)]));
    // camp3 has no spend and no leads: cost per lead and ROI are null.
    let camp3 = json!({"campaign_id": "camp3", "name": "Summer mail", "channel": "email", "spend": 0.0,
                       "leads": 0, "customers": 0, "revenue": 0.0, "cost_per_lead": null, "roi": null});
    assert_rows(&rows[3].0, &rows[3].1, json!([camp1(350.0), camp2(300.0), camp3]));
}

#[test]
fn web_sessions_and_purchases() {
    let fixture = fixture("");
    // January: (80 × 60 + 40 × 30) / (80 + 40) = 6000 / 120. February, as written: the Feb 1
    // 04:00Z row gives 100 × 90; the Feb 20 row's 20 sessions have no duration, so they count in
    // the denominator only: 9000 / 120 = 75 (the Feb 10 row has no sessions). March, April: no
    // sessions → null. By source, social's only row has no duration: null.
    assert_series(&months(&fixture, "avg_time_on_site_seconds"), &by_month([Some(50.0), Some(75.0), None, None]));
    assert_segments(
        &segments(&fixture, "avg_time_on_site_seconds", "source"),
        &[
            (Some("organic"), [Some(60.0), Some(90.0), None, None]),
            (Some("paid_search"), [Some(30.0), None, None, None]),
            (Some("social"), [None, None, None, None]),
        ],
    );
    // January: (2 + 3) / 150 × 100. February: (4 + 0 + 1) / 380 × 100. No visitors: null.
    assert_series(
        &months(&fixture, "visitor_to_purchase_rate"),
        &by_month([Some(500.0 / 150.0), Some(500.0 / 380.0), None, None]),
    );
}

/// Subscriptions for the payback: customers' sources, MRR and when it first rises above 0.
///
/// | customer | source | subscriptions | first MRR > 0 (new movement) | acquired |
/// |---|---|---|---|---|
/// | s1 | paid_search | sub1 100 and sub2 50, both from Jan 10 | Jan 10, 150 (one movement) | Jan 10 |
/// | s2 | paid_search | sub3 from Jan 20 at 0, 80 from Feb 5 | Feb 5, 80 | Feb 5 |
/// | s3 | organic | sub4 60 Jan 5 – Jan 25, sub5 70 from Feb 10 (a reactivation) | Jan 5, 60 | Jan 5 |
/// | s4 | — | sub6 40 from Feb 1 00:00Z | Feb 1, 40 | Feb 1 |
/// | s5 | paid_search | paid order Dec 20, sub7 30 from Jan 15 | Jan 15, 30 | Dec 20 |
/// | s6 | organic | paid order Mar 5 | — | Mar 5 |
///
/// Acquisition spend: paid_search 300 on Jan 2 and 200 on Feb 2 (organic's 100 on Feb 3 is
/// retention).
fn payback_fixture(config: &str) -> Fixture {
    let customers = "customer_id,name,created_at,source\n\
        s1,One,2023-06-01,paid_search\n\
        s2,Two,2023-06-01,paid_search\n\
        s3,Three,2023-06-01,organic\n\
        s4,Four,2023-06-01,\n\
        s5,Five,2023-06-01,paid_search\n\
        s6,Six,2023-06-01,organic\n";
    let subscriptions = "subscription_id,customer_id,started_at,ended_at,mrr\n\
        sub1,s1,2024-01-10,,100\n\
        sub2,s1,2024-01-10,,50\n\
        sub3,s2,2024-01-20,,0\n\
        sub4,s3,2024-01-05,2024-01-25,60\n\
        sub5,s3,2024-02-10,,70\n\
        sub6,s4,2024-02-01T00:00:00Z,,40\n\
        sub7,s5,2024-01-15,,30\n";
    let changes = "subscription_id,at,mrr\nsub3,2024-02-05,80\n";
    let orders = "order_id,customer_id,at,amount\np1,s5,2023-12-20,25\np2,s6,2024-03-05,10\n";
    let spend = "date,channel,amount,purpose\n\
        2024-01-02,paid_search,300,acquisition\n\
        2024-02-02,paid_search,200,acquisition\n\
        2024-02-03,organic,100,retention\n";
    Fixture::new(
        &[
            ("customers.csv", customers),
            ("subscriptions.csv", subscriptions),
            ("subscription_changes.csv", changes),
            ("orders.csv", orders),
            ("marketing_spend.csv", spend),
        ],
        config,
    )
}

#[test]
fn cac_payback_months_from_new_movements() {
    let fixture = payback_fixture("gross_margin = 0.5");
    let series = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // cac: January 300 / 2 (s1, s3), February 200 / 2 (s2, s4), March 0 / 1 (s6).
    assert_series(&series("cac"), &[("2024-01", Some(150.0)), ("2024-02", Some(100.0)), ("2024-03", Some(0.0))]);
    // January: new movements s1 150, s3 60, s5 30 → 240 / 3 = 80 per new subscriber; × 0.5 = 40;
    // 150 / 40. February: s2 80, s4 40 (s3's return is a reactivation) → 60 × 0.5 = 30; 100 / 30.
    // March: a customer acquired but no new subscriber → null.
    assert_series(
        &series("cac_payback_months"),
        &[("2024-01", Some(3.75)), ("2024-02", Some(100.0 / 30.0)), ("2024-03", None)],
    );
    // By channel, s4 (no source) only counts in the total. organic: January cac 0 / 1 (s3), new
    // s3 60 → 0 / 30 = 0; February nothing acquired → null; March cac 0 but no new → null.
    // paid_search: January 300 / 1 (s1); new s1 150 and s5 30 → 90 × 0.5 = 45; 300 / 45.
    // February 200 / 1 (s2); new s2 80 × 0.5 = 40; 200 / 40 = 5.
    let found = fixture.values("cac_payback_months", "2024-01-01", "2024-04-01", "month", Some("channel"));
    let expected = [("organic", [Some(0.0), None, None]), ("paid_search", [Some(300.0 / 45.0), Some(5.0), None])];
    assert_eq!(found.len(), 6, "{found:?}");
    for ((segment, values), found) in expected.iter().zip(found.chunks(3)) {
        let series: Series = found
            .iter()
            .map(|(period, found_segment, value, _)| {
                assert_eq!(found_segment.as_deref(), Some(*segment));
                (period.clone(), *value)
            })
            .collect();
        assert_series(&series, &[("2024-01", values[0]), ("2024-02", values[1]), ("2024-03", values[2])]);
    }
    // The default gross margin 1: January 150 / 80, February 100 / 60.
    let full_margin = payback_fixture("");
    assert_series(
        &full_margin.series("cac_payback_months", "2024-01-01", "2024-04-01", "month"),
        &[("2024-01", Some(150.0 / 80.0)), ("2024-02", Some(100.0 / 60.0)), ("2024-03", None)],
    );
}

/// The harness merges this over the default configuration's `[email]` table.
const INITIAL_LIST_SIZE_100: &str = "[email]\ninitial_list_size = 100";

#[test]
fn email_list_growth_without_list_size_rows() {
    let rows = "date,subscribed,unsubscribed,bounced\n\
        2024-01-10,20,5,5\n\
        2024-02-01,30,10,0\n\
        2024-02-15,5,0,5\n";
    let series = |fixture: &Fixture| fixture.series("email_list_growth_rate", "2024-01-01", "2024-04-01", "month");
    // email.initial_list_size = 100. January: 100 at the start, net 20 − 5 − 5 = 10 → 10 %.
    // February: 100 + 10 = 110 at the start; net 20 (Feb 1, on the boundary) + 0 → 20 / 110.
    // March: 130 at the start, no rows → 0 %.
    let with_initial_size = Fixture::new(&[("email_list.csv", rows)], INITIAL_LIST_SIZE_100);
    assert_series(
        &series(&with_initial_size),
        &[("2024-01", Some(10.0)), ("2024-02", Some(2000.0 / 110.0)), ("2024-03", Some(0.0))],
    );
    // The default initial size 0: January divides by 0 → null; February 20 / 10; March 0 / 30.
    let from_zero = Fixture::new(&[("email_list.csv", rows)], "");
    assert_series(&series(&from_zero), &[("2024-01", None), ("2024-02", Some(200.0)), ("2024-03", Some(0.0))]);
}

#[test]
fn email_list_growth_from_list_size_rows() {
    // list_size rows on Dec 20 (500), Jan 10 (9999, mid-January) and Feb 1 (400, on the boundary).
    let rows = "date,subscribed,unsubscribed,bounced,list_size\n\
        2023-12-20,10,0,0,500\n\
        2024-01-10,20,5,5,9999\n\
        2024-02-01,30,10,0,400\n\
        2024-02-15,5,0,5,\n";
    let fixture = Fixture::new(&[("email_list.csv", rows)], INITIAL_LIST_SIZE_100);
    let found: Vec<(String, Option<f64>, Option<f64>)> = fixture
        .values("email_list_growth_rate", "2024-01-01", "2024-04-01", "month", None)
        .into_iter()
        .map(|(period, _, value, previous)| (period, value, previous))
        .collect();
    // December (January's previous): no row dated ≤ Dec 1 has a list size, so 100 (the initial
    // size) + no earlier rows; net 10 on Dec 20 → 10 %.
    // January: latest row with a size dated ≤ Jan 1 is Dec 20 (the Jan 10 one is later): 500 + its
    // own net 10 = 510; net 20 − 5 − 5 = 10 → 10 / 510 × 100.
    // February: the Feb 1 row itself (dated ≤ Feb 1): 400, nothing between; net 20 + 0 → 5 %.
    // March: 400 + net of Feb 1 (20) and Feb 15 (0) = 420; no rows in March → 0 %.
    let january = 1000.0 / 510.0;
    let expected = [
        ("2024-01", Some(january), Some(10.0)),
        ("2024-02", Some(5.0), Some(january)),
        ("2024-03", Some(0.0), Some(5.0)),
    ];
    assert_eq!(found.len(), expected.len());
    for ((period, value, previous), (expected_period, expected_value, expected_previous)) in found.iter().zip(expected)
    {
        assert_eq!(period, expected_period);
        assert_series(&[(period.clone(), *value)], &[(expected_period, expected_value)]);
        assert_series(&[(period.clone(), *previous)], &[(expected_period, expected_previous)]);
    }
}
