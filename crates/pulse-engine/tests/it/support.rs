//! Support metrics: survey scores on a fixture of NPS, CES, CSAT and eNPS responses, and ticket
//! metrics on an eight-ticket fixture (plus a small one for daylight-saving days).
//!
//! Tickets (UTC unless an offset is shown; resolution and first response in hours):
//!
//! | ticket | customer | channel | assignee | opened | first response | resolved | replies |
//! |---|---|---|---|---|---|---|---|
//! | t1 | c1 smb | email | ann | 01-02 08:00 | +2 | 01-03 08:00 (24) | 1 |
//! | t2 | c2 enterprise | phone | bob | 01-10 00:00 | +1 | 01-10 12:00 (12) | 0 |
//! | t3 | c1 smb | email | bob | 01-31 20:00−05:00 = 02-01 01:00 | +4 | 02-02 01:00 (24) | 1 |
//! | t4 | c2 enterprise | chat | ann | 01-20 00:00 | — | 02-01 00:00, on the boundary (288) | 2 |
//! | t5 | c1 smb | email | ann | 01-25 00:00 | +6 | — (open) | (0) |
//! | t6 | — | — | bob | 02-29 12:00 | +1 | 02-29 22:00−05:00 = 03-01 03:00 (15) | 1 |
//! | t7 | c2 enterprise | phone | ann | 01-15 00:00 | +0.5 | 01-16 12:00 (36) | 2 |
//! | t8 | c1 smb | chat | bob | 01-20 00:00 | — | 01-20 02:00 (2) | 0 |

use crate::{BorrowedValue, Fixture, assert_series, borrowed};

const CUSTOMERS: &str = "customer_id,name,created_at,segment\nc1,One,2023-01-01,smb\nc2,Two,2023-01-01,enterprise\n";
const USERS: &str =
    "user_id,name,created_at\nu1,Ann,2023-01-01\nu2,Bob,2023-01-01\nu3,Cat,2023-01-01\nu4,Dan,2023-01-01\n";

/// Survey responses (all at 00:00 UTC unless an offset is shown):
///
/// - nps: n1 10 onboarding, n2 9, n3 9, n4 7 support, n5 3 renewal (January); n6 6 support
///   exactly at 2024-03-01T00:00Z; n7 8 support at 02-29 21:00−05:00 = 03-01 02:00Z.
/// - ces: ces1 2 on the default 1–7 scale reversed; ces2 4 on 1–5; ces3 7 on 1–7 not reversed.
/// - csat: csat1 4, csat2 3, csat3 5 on the default 1–5; csat4 7 and csat5 7.5 on 0–10.
/// - enps (employees u1–u4, no customer): 9, 10, 5, 8.
const SURVEYS: &str = "response_id,customer_id,user_id,at,kind,score,scale_min,scale_max,reversed,touchpoint\n\
    n1,c1,,2024-01-05,nps,10,,,,onboarding\n\
    n2,c2,,2024-01-10,nps,9,,,,support\n\
    n3,c1,,2024-01-15,nps,9,,,,support\n\
    n4,c2,,2024-01-20,nps,7,,,,support\n\
    n5,c1,,2024-01-25,nps,3,,,,renewal\n\
    n6,c2,,2024-03-01T00:00:00Z,nps,6,,,,support\n\
    n7,c1,,2024-02-29T21:00:00-05:00,nps,8,,,,support\n\
    ces1,c1,,2024-01-03,ces,2,,,true,support\n\
    ces2,c2,,2024-01-04,ces,4,1,5,,onboarding\n\
    ces3,c1,,2024-01-06,ces,7,,,false,support\n\
    csat1,c1,,2024-01-05,csat,4,,,,support\n\
    csat2,c2,,2024-01-06,csat,3,,,,support\n\
    csat3,c1,,2024-01-07,csat,5,,,,support\n\
    csat4,c2,,2024-01-08,csat,7,0,10,,support\n\
    csat5,c1,,2024-01-09,csat,7.5,0,10,,support\n\
    enps1,,u1,2024-01-08,enps,9,,,,\n\
    enps2,,u2,2024-01-09,enps,10,,,,\n\
    enps3,,u3,2024-01-10,enps,5,,,,\n\
    enps4,,u4,2024-01-11,enps,8,,,,\n";

const TICKETS: &str = "ticket_id,customer_id,opened_at,first_response_at,resolved_at,agent_replies,channel,assignee\n\
    t1,c1,2024-01-02T08:00:00Z,2024-01-02T10:00:00Z,2024-01-03T08:00:00Z,1,email,ann\n\
    t2,c2,2024-01-10T00:00:00Z,2024-01-10T01:00:00Z,2024-01-10T12:00:00Z,0,phone,bob\n\
    t3,c1,2024-01-31T20:00:00-05:00,2024-02-01T05:00:00Z,2024-02-02T01:00:00Z,1,email,bob\n\
    t4,c2,2024-01-20T00:00:00Z,,2024-02-01T00:00:00Z,2,chat,ann\n\
    t5,c1,2024-01-25T00:00:00Z,2024-01-25T06:00:00Z,,,email,ann\n\
    t6,,2024-02-29T12:00:00Z,2024-02-29T13:00:00Z,2024-02-29T22:00:00-05:00,1,,bob\n\
    t7,c2,2024-01-15T00:00:00Z,2024-01-15T00:30:00Z,2024-01-16T12:00:00Z,2,phone,ann\n\
    t8,c1,2024-01-20T00:00:00Z,,2024-01-20T02:00:00Z,0,chat,bob\n";

fn surveys() -> Fixture {
    Fixture::new(&[("customers.csv", CUSTOMERS), ("users.csv", USERS), ("survey_responses.csv", SURVEYS)], "")
}

fn tickets(config: &str) -> Fixture {
    Fixture::new(&[("customers.csv", CUSTOMERS), ("tickets.csv", TICKETS)], config)
}

/// The (promoters, passives, detractors, responses) rows of each month (and segment) of an
/// NPS-style metric.
fn promoter_counts(
    fixture: &Fixture,
    metric: &str,
    from: &str,
    to: &str,
    by: Option<&str>,
) -> Vec<(String, Vec<[i64; 4]>)> {
    fixture.report(metric, from, to, "month", by).metrics[0]
        .values
        .iter()
        .map(|value| {
            let rows = value.rows.as_ref().expect("an nps-style metric carries its counts as rows");
            let counts = rows
                .iter()
                .map(|row| {
                    ["promoters", "passives", "detractors", "responses"]
                        .map(|column| row[column].as_i64().unwrap_or_else(|| panic!("{column} in {row:?}")))
                })
                .collect();
            (value.period.clone(), counts)
        })
        .collect()
}

#[test]
fn nps_counts_promoters_minus_detractors() {
    let fixture = surveys();
    // January: promoters n1, n2, n3; passive n4; detractor n5: (3 − 1) / 5 × 100 = 40.
    // February: no response, null. March: n6 on the boundary (detractor) and n7, whose
    // −05:00 offset puts it on March 1 in UTC (passive): (0 − 1) / 2 × 100 = −50.
    assert_series(
        &fixture.series("nps", "2024-01-01", "2024-04-01", "month"),
        &[("2024-01", Some(40.0)), ("2024-02", None), ("2024-03", Some(-50.0))],
    );
    assert_eq!(
        promoter_counts(&fixture, "nps", "2024-01-01", "2024-04-01", None),
        [
            ("2024-01".to_owned(), vec![[3, 1, 1, 5]]),
            ("2024-02".to_owned(), vec![[0, 0, 0, 0]]),
            ("2024-03".to_owned(), vec![[0, 1, 1, 2]]),
        ]
    );
}

#[test]
fn nps_by_touchpoint() {
    let fixture = surveys();
    let values = fixture.values("nps", "2024-01-01", "2024-04-01", "month", Some("touchpoint"));
    // onboarding: n1 (promoter) = 100. renewal: n5 (detractor) = −100. support in January:
    // n2, n3 promoters and n4 passive: (2 − 0) / 3 × 100; in March n6 and n7 as above = −50.
    // December (the previous period of January) and February have no response: null.
    let expected: Vec<BorrowedValue<'_>> = vec![
        ("2024-01", Some("onboarding"), Some(100.0), None),
        ("2024-02", Some("onboarding"), None, Some(100.0)),
        ("2024-03", Some("onboarding"), None, None),
        ("2024-01", Some("renewal"), Some(-100.0), None),
        ("2024-02", Some("renewal"), None, Some(-100.0)),
        ("2024-03", Some("renewal"), None, None),
        ("2024-01", Some("support"), Some(200.0 / 3.0), None),
        ("2024-02", Some("support"), None, Some(200.0 / 3.0)),
        ("2024-03", Some("support"), Some(-50.0), None),
    ];
    assert_eq!(borrowed(&values), expected);
    // The counts follow the segment: support has 2 promoters and a passive in January,
    // nothing in February, a passive and a detractor in March; onboarding one promoter.
    let counts = promoter_counts(&fixture, "nps", "2024-01-01", "2024-04-01", Some("touchpoint"));
    assert_eq!(&counts[0], &("2024-01".to_owned(), vec![[1, 0, 0, 1]]));
    assert_eq!(
        counts[6..],
        [
            ("2024-01".to_owned(), vec![[2, 1, 0, 3]]),
            ("2024-02".to_owned(), vec![[0, 0, 0, 0]]),
            ("2024-03".to_owned(), vec![[0, 1, 1, 2]]),
        ]
    );
}

#[test]
fn enps_counts_employee_responses() {
    let fixture = surveys();
    // 9 and 10 are promoters, 5 a detractor, 8 a passive: (2 − 1) / 4 × 100 = 25.
    assert_series(
        &fixture.series("enps", "2024-01-01", "2024-03-01", "month"),
        &[("2024-01", Some(25.0)), ("2024-02", None)],
    );
    assert_eq!(
        promoter_counts(&fixture, "enps", "2024-01-01", "2024-02-01", None),
        [("2024-01".to_owned(), vec![[2, 1, 1, 4]])]
    );
}

#[test]
fn ces_normalizes_each_scale_and_reverses() {
    let fixture = surveys();
    // ces1: (2 − 1) / (7 − 1) × 100 = 100/6, reversed: 100 − 100/6 = 250/3.
    // ces2: (4 − 1) / (5 − 1) × 100 = 75. ces3: (7 − 1) / 6 × 100 = 100.
    // Mean: (250/3 + 75 + 100) / 3 = (775/3) / 3 = 775/9.
    assert_series(
        &fixture.series("ces", "2024-01-01", "2024-03-01", "month"),
        &[("2024-01", Some(775.0 / 9.0)), ("2024-02", None)],
    );
    // By customer segment: smb (c1) has ces1 and ces3: (250/3 + 100) / 2 = 275/3;
    // enterprise (c2) has ces2: 75.
    let values = fixture.values("ces", "2024-01-01", "2024-02-01", "month", Some("segment"));
    let found: Vec<(Option<&str>, f64)> =
        values.iter().map(|(_, segment, value, _)| (segment.as_deref(), value.unwrap())).collect();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0], (Some("enterprise"), 75.0));
    assert_eq!(found[1].0, Some("smb"));
    assert!((found[1].1 - 275.0 / 3.0).abs() < 1e-9, "{found:?}");
}

#[test]
fn csat_counts_normalized_scores_of_at_least_75() {
    let fixture = surveys();
    // Normalized: csat1 (4 − 1) / 4 × 100 = 75 (exactly at the threshold: satisfied),
    // csat2 50, csat3 100, csat4 7 / 10 × 100 = 70, csat5 7.5 / 10 × 100 = 75 (satisfied).
    // 3 of 5 satisfied: 60 %. February: no response, null.
    assert_series(
        &fixture.series("csat", "2024-01-01", "2024-03-01", "month"),
        &[("2024-01", Some(60.0)), ("2024-02", None)],
    );
}

#[test]
fn ticket_counts_by_month_in_utc() {
    let fixture = tickets("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // Opened: January t1, t2, t4, t5, t7, t8; February t3 (01:00Z) and t6; March none.
    assert_series(&months("tickets_opened"), &[("2024-01", Some(6.0)), ("2024-02", Some(2.0)), ("2024-03", Some(0.0))]);
    // Resolved: January t1, t2, t7, t8; February t4 (exactly at Feb 1 00:00Z) and t3; March
    // t6 (22:00−05:00 on Feb 29 is March 1 in UTC).
    assert_series(
        &months("tickets_resolved"),
        &[("2024-01", Some(4.0)), ("2024-02", Some(2.0)), ("2024-03", Some(1.0))],
    );
    assert_series(
        &months("tickets_resolved_per_day"),
        &[("2024-01", Some(4.0 / 31.0)), ("2024-02", Some(2.0 / 29.0)), ("2024-03", Some(1.0 / 31.0))],
    );
    // Replies ≤ 1: January t1 (1), t2 (0), t8 (0) of 4 (t7 has 2) = 75 %; February t3 of t3,
    // t4 = 50 %; March t6 = 100 %.
    assert_series(
        &months("first_contact_resolution"),
        &[("2024-01", Some(75.0)), ("2024-02", Some(50.0)), ("2024-03", Some(100.0))],
    );
    // Backlog at the end of January (Feb 1 00:00Z): t4 (resolved exactly at the end, so
    // resolved_at ≥ end) and t5 (open); t3 opens an hour later. End of February: t5 and t6
    // (resolved 03:00Z March 1). End of March: t5.
    assert_series(&months("ticket_backlog"), &[("2024-01", Some(2.0)), ("2024-02", Some(2.0)), ("2024-03", Some(1.0))]);
    // An empty report month before any ticket: 0, not null.
    assert_series(&fixture.series("ticket_backlog", "2023-12-01", "2024-01-01", "month"), &[("2023-12", Some(0.0))]);
}

#[test]
fn ticket_durations_means_and_medians() {
    let fixture = tickets("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // Resolution in January: t8 2, t2 12, t1 24, t7 36 hours: mean 74 / 4 = 18.5; median of
    // an even count = mean of the middle two (12 + 24) / 2 = 18. February: t3 24 and t4 288
    // (Jan 20 → Feb 1 = 12 days): mean and median 156. March: t6 (Feb 29 12:00 → Mar 1
    // 03:00Z) 15.
    assert_series(
        &months("resolution_hours"),
        &[("2024-01", Some(18.5)), ("2024-02", Some(156.0)), ("2024-03", Some(15.0))],
    );
    assert_series(
        &months("resolution_hours_median"),
        &[("2024-01", Some(18.0)), ("2024-02", Some(156.0)), ("2024-03", Some(15.0))],
    );
    // First response over tickets opened in January that have one: t7 0.5, t2 1, t1 2, t5 6
    // (t4 and t8 have none): mean 9.5 / 4 = 2.375, median (1 + 2) / 2 = 1.5. February: t6 1,
    // t3 4: 2.5. March: no ticket opened, null.
    assert_series(
        &months("first_response_hours"),
        &[("2024-01", Some(2.375)), ("2024-02", Some(2.5)), ("2024-03", None)],
    );
    assert_series(
        &months("first_response_hours_median"),
        &[("2024-01", Some(1.5)), ("2024-02", Some(2.5)), ("2024-03", None)],
    );
}

#[test]
fn ticket_metrics_in_new_york() {
    // New York months start at 05:00Z (04:00Z from April). t3 opens Jan 31 20:00 and t4 is
    // resolved Jan 31 19:00 local: both January. t6 is resolved Feb 29 22:00 local: February.
    let fixture = tickets("timezone = \"America/New_York\"");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    // Opened: January t1, t2, t3, t4, t5, t7, t8; February t6.
    assert_series(&months("tickets_opened"), &[("2024-01", Some(7.0)), ("2024-02", Some(1.0)), ("2024-03", Some(0.0))]);
    // Resolved: January t1, t2, t4, t7, t8; February t3 (Feb 1 20:00 local) and t6.
    assert_series(
        &months("tickets_resolved"),
        &[("2024-01", Some(5.0)), ("2024-02", Some(2.0)), ("2024-03", Some(0.0))],
    );
    // January: 2, 12, 24, 36, 288 hours: mean 362 / 5 = 72.4, median 24. February: t3 24 and
    // t6 15: 19.5.
    assert_series(&months("resolution_hours"), &[("2024-01", Some(72.4)), ("2024-02", Some(19.5)), ("2024-03", None)]);
    assert_series(
        &months("resolution_hours_median"),
        &[("2024-01", Some(24.0)), ("2024-02", Some(19.5)), ("2024-03", None)],
    );
}

#[test]
fn tickets_resolved_per_day_of_a_clipped_period() {
    let fixture = tickets("");
    // January clipped to [Jan 10, Jan 20): 10 days. Resolved inside: t2 (Jan 10 12:00) and t7
    // (Jan 16); t8 (Jan 20 02:00) is past the end. 2 / 10 = 0.2. The previous period is all of
    // December (31 days) with none resolved: 0.
    let values = fixture.values("tickets_resolved_per_day", "2024-01-10", "2024-01-20", "month", None);
    assert_eq!(values, [("2024-01".to_owned(), None, Some(0.2), Some(0.0))]);
}

#[test]
fn tickets_resolved_per_day_on_daylight_saving_days() {
    // Local New York times. March 10 2024 has 23 hours (02:00 → 03:00): d1 (01:30 EST) and d2
    // (23:59 EDT) are resolved on it; d3 at exactly 00:00 of March 11 belongs to March 11.
    // November 3 has 25 hours (02:00 EDT → 01:00 EST): n1 is resolved on it.
    let tickets = "ticket_id,opened_at,resolved_at\n\
        d1,2024-03-09T10:00:00,2024-03-10T01:30:00\n\
        d2,2024-03-10T03:30:00,2024-03-10T23:59:00\n\
        d3,2024-03-10T12:00:00,2024-03-11T00:00:00\n\
        n1,2024-11-03T08:00:00,2024-11-03T12:00:00\n";
    let fixture = Fixture::new(&[("tickets.csv", tickets)], "timezone = \"America/New_York\"");
    // March 10: 2 / (23/24) = 48/23 per day (2 tickets, not 2 per day). March 11: 1 / 1.
    assert_series(
        &fixture.series("tickets_resolved", "2024-03-10", "2024-03-12", "day"),
        &[("2024-03-10", Some(2.0)), ("2024-03-11", Some(1.0))],
    );
    assert_series(
        &fixture.series("tickets_resolved_per_day", "2024-03-10", "2024-03-12", "day"),
        &[("2024-03-10", Some(48.0 / 23.0)), ("2024-03-11", Some(1.0))],
    );
    // November 3: 1 / (25/24) = 0.96.
    assert_series(
        &fixture.series("tickets_resolved_per_day", "2024-11-03", "2024-11-04", "day"),
        &[("2024-11-03", Some(0.96))],
    );
}

#[test]
fn ticket_segments() {
    let fixture = tickets("");
    // By assignee: ann resolved t1 (24) and t7 (36) in January = 30, t4 (288) in February;
    // bob t2 (12) and t8 (2) = 7, then t3 (24). December has none: previous null.
    let values = fixture.values("resolution_hours", "2024-01-01", "2024-03-01", "month", Some("owner"));
    let expected: Vec<BorrowedValue<'_>> = vec![
        ("2024-01", Some("ann"), Some(30.0), None),
        ("2024-02", Some("ann"), Some(288.0), Some(30.0)),
        ("2024-01", Some("bob"), Some(7.0), None),
        ("2024-02", Some("bob"), Some(24.0), Some(7.0)),
    ];
    assert_eq!(borrowed(&values), expected);
    // Backlog by customer segment: end of January t4 (enterprise) and t5 (smb); end of
    // February t5 and t6 (no customer: the "(none)" segment); end of March t5.
    let values = fixture.values("ticket_backlog", "2024-01-01", "2024-04-01", "month", Some("segment"));
    let expected: Vec<BorrowedValue<'_>> = vec![
        ("2024-01", None, Some(0.0), Some(0.0)),
        ("2024-02", None, Some(1.0), Some(0.0)),
        ("2024-03", None, Some(0.0), Some(1.0)),
        ("2024-01", Some("enterprise"), Some(1.0), Some(0.0)),
        ("2024-02", Some("enterprise"), Some(0.0), Some(1.0)),
        ("2024-03", Some("enterprise"), Some(0.0), Some(0.0)),
        ("2024-01", Some("smb"), Some(1.0), Some(0.0)),
        ("2024-02", Some("smb"), Some(1.0), Some(1.0)),
        ("2024-03", Some("smb"), Some(1.0), Some(1.0)),
    ];
    assert_eq!(borrowed(&values), expected);
    // By ticket channel: January email t1, phone t2 and t7, chat t8.
    let values = fixture.values("tickets_resolved", "2024-01-01", "2024-02-01", "month", Some("channel"));
    let expected: Vec<BorrowedValue<'_>> = vec![
        ("2024-01", Some("chat"), Some(1.0), Some(0.0)),
        ("2024-01", Some("email"), Some(1.0), Some(0.0)),
        ("2024-01", Some("phone"), Some(2.0), Some(0.0)),
    ];
    assert_eq!(borrowed(&values), expected);
}
