//! Team and CRM adoption metrics on a five-user fixture, a few activities and four customers.
//!
//! | user | licensed | created (UTC) | deactivated (UTC) | usage events (UTC) |
//! |---|---|---|---|---|
//! | u1 | yes | 2023-06-01 | — | 2 on 01-05 |
//! | u2 | default (yes) | 2024-01-15 | 03-01 00:00, exactly at the end of February | 01-20; 02-29 23:00−05:00 = 03-01 04:00 |
//! | u3 | no | 2023-01-01 | — | 01-10, 01-11, 02-05 |
//! | u4 | yes | 02-01 00:00, exactly at the end of January | — | 02-01 00:00 (on the boundary), 02-02 |
//! | u5 | yes | 2023-01-01 | 01-31 23:00−05:00 = 02-01 04:00 | 02-01 02:00 |

use crate::{BorrowedValue, Fixture, assert_series, borrowed};

const USERS: &str = "user_id,name,licensed,created_at,deactivated_at\n\
    u1,Ann,true,2023-06-01T00:00:00Z,\n\
    u2,Bob,,2024-01-15T00:00:00Z,2024-03-01T00:00:00Z\n\
    u3,Cat,false,2023-01-01T00:00:00Z,\n\
    u4,Dan,yes,2024-02-01T00:00:00Z,\n\
    u5,Eve,1,2023-01-01T00:00:00Z,2024-01-31T23:00:00-05:00\n";

const USAGE_EVENTS: &str = "user_id,at,action\n\
    u1,2024-01-05T10:00:00Z,login\n\
    u1,2024-01-05T10:00:00Z,record_created\n\
    u2,2024-01-20T10:00:00Z,login\n\
    u2,2024-02-29T23:00:00-05:00,report_viewed\n\
    u3,2024-01-10T10:00:00Z,login\n\
    u3,2024-01-11T10:00:00Z,login\n\
    u3,2024-02-05T10:00:00Z,login\n\
    u4,2024-02-01T00:00:00Z,login\n\
    u4,2024-02-02T10:00:00Z,record_updated\n\
    u5,2024-02-01T02:00:00Z,login\n";

/// a5 has no channel; a6 is exactly on the February boundary.
const ACTIVITIES: &str = "activity_id,at,owner,type,channel\n\
    a1,2024-01-03T10:00:00Z,ann,call,phone\n\
    a2,2024-01-04T10:00:00Z,ann,email,email\n\
    a3,2024-01-05T10:00:00Z,bob,call,phone\n\
    a4,2024-01-06T10:00:00Z,ann,message,whatsapp\n\
    a5,2024-01-07T10:00:00Z,bob,note,\n\
    a6,2024-02-01T00:00:00Z,ann,message,linkedin\n\
    a7,2024-02-10T10:00:00Z,bob,call,phone\n";

/// k2 lacks a source; k3 is created exactly at the end of January; k4 at 20:00−05:00 on
/// January 31, which is February 1 01:00 in UTC; k4 has no segment.
const CUSTOMERS: &str = "customer_id,name,email,phone,company,source,segment,created_at\n\
    k1,One,one@example.com,+15550001,One Inc,organic,smb,2023-12-01T00:00:00Z\n\
    k2,Two,two@example.com,+15550002,Two Inc,,smb,2024-01-10T00:00:00Z\n\
    k3,Three,three@example.com,+15550003,Three Inc,referral,enterprise,2024-02-01T00:00:00Z\n\
    k4,Four,four@example.com,+15550004,Four Inc,social,,2024-01-31T20:00:00-05:00\n";

fn fixture(config: &str) -> Fixture {
    Fixture::new(
        &[
            ("users.csv", USERS),
            ("usage_events.csv", USAGE_EVENTS),
            ("activities.csv", ACTIVITIES),
            ("customers.csv", CUSTOMERS),
        ],
        config,
    )
}

#[test]
fn licensed_users_at_the_end_of_each_period() {
    let fixture = fixture("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-05-01", "month");
    // End of January (Feb 1 00:00Z): u1, u2, u5 (deactivated 04:00Z, after the end); u4 is
    // created exactly at the end, so not before it; u3 is unlicensed. End of February: u1,
    // u2 (deactivated exactly at the end: deactivated_at ≥ end keeps the seat), u4. End of
    // March and April: u1, u4.
    assert_series(
        &months("licensed_users"),
        &[("2024-01", Some(3.0)), ("2024-02", Some(3.0)), ("2024-03", Some(2.0)), ("2024-04", Some(2.0))],
    );
    // End of December: u1 and u5.
    let values = fixture.values("licensed_users", "2024-01-01", "2024-02-01", "month", None);
    assert_eq!(values, [("2024-01".to_owned(), None, Some(3.0), Some(2.0))]);
}

#[test]
fn user_adoption_counts_only_licensed_users_events() {
    let fixture = fixture("");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-05-01", "month");
    // January: of u1, u2, u5, u1 and u2 have events: 2 / 3 (u3's events are ignored: unlicensed).
    // February: of u1, u2, u4, only u4 (its event exactly at Feb 1 00:00Z is February; u2's
    // 23:00−05:00 event is March 1 in UTC; u5's event is ignored, u5 is no longer licensed).
    // March: of u1, u4, none (u2's event is its own, and u2 left at March 1): 0. April: 0.
    assert_series(
        &months("user_adoption_rate"),
        &[
            ("2024-01", Some(200.0 / 3.0)),
            ("2024-02", Some(100.0 / 3.0)),
            ("2024-03", Some(0.0)),
            ("2024-04", Some(0.0)),
        ],
    );
    // December 2022 ends at 2023-01-01 00:00Z, exactly when u3 and u5 are created: no licensed
    // user, null.
    assert_series(&fixture.series("user_adoption_rate", "2022-12-01", "2023-01-01", "month"), &[("2022-12", None)]);
}

#[test]
fn actions_per_active_user_counts_every_users_events() {
    let fixture = fixture("");
    // January: u1 2, u2 1, u3 2 = 5 events by 3 users. February: u3 1, u4 2, u5 1 = 4 by 3.
    // March: u2's event (March 1 04:00Z): 1 by 1. April: no event, null.
    assert_series(
        &fixture.series("actions_per_active_user", "2024-01-01", "2024-05-01", "month"),
        &[("2024-01", Some(5.0 / 3.0)), ("2024-02", Some(4.0 / 3.0)), ("2024-03", Some(1.0)), ("2024-04", None)],
    );
}

#[test]
fn team_metrics_in_new_york() {
    // New York months end at 05:00Z (04:00Z from April). End of January: u1, u2, u4 (created
    // 00:00Z, before 05:00Z); u5 was deactivated at 04:00Z, before the end. End of February:
    // u1, u4 (u2 left at 00:00Z March 1, before 05:00Z). End of March: u1, u4.
    let fixture = fixture("timezone = \"America/New_York\"");
    let months = |metric| fixture.series(metric, "2024-01-01", "2024-04-01", "month");
    assert_series(&months("licensed_users"), &[("2024-01", Some(3.0)), ("2024-02", Some(2.0)), ("2024-03", Some(2.0))]);
    // January (to Feb 1 05:00Z): u1, u2 and u4 (its 00:00Z event is Jan 31 19:00 local) are
    // active: 100. February: of u1, u4, u4 (02-02): 50. March: u2's event (Feb 29 23:00 local)
    // is February, and none of u1, u4 acts in March: 0.
    assert_series(
        &months("user_adoption_rate"),
        &[("2024-01", Some(100.0)), ("2024-02", Some(50.0)), ("2024-03", Some(0.0))],
    );
}

#[test]
fn communication_channels_are_distinct_channels() {
    let fixture = fixture("");
    // January: phone, email, whatsapp (a5 has none) = 3. February: linkedin (a6, on the
    // boundary), phone = 2. March: no activity, 0.
    assert_series(
        &fixture.series("communication_channels", "2024-01-01", "2024-04-01", "month"),
        &[("2024-01", Some(3.0)), ("2024-02", Some(2.0)), ("2024-03", Some(0.0))],
    );
    // By owner: ann phone, email, whatsapp in January, linkedin in February; bob phone (and
    // a channel-less note) in January, phone in February.
    let values = fixture.values("communication_channels", "2024-01-01", "2024-03-01", "month", Some("owner"));
    let expected: Vec<BorrowedValue<'_>> = vec![
        ("2024-01", Some("ann"), Some(3.0), Some(0.0)),
        ("2024-02", Some("ann"), Some(1.0), Some(3.0)),
        ("2024-01", Some("bob"), Some(1.0), Some(0.0)),
        ("2024-02", Some("bob"), Some(1.0), Some(1.0)),
    ];
    assert_eq!(borrowed(&values), expected);
}

#[test]
fn data_completeness_over_customers_created_before_the_end() {
    let fixture = fixture("");
    // End of January: k1 (complete) and k2 (no source): 1 / 2 = 50. k3 (exactly at the end)
    // and k4 (01:00Z) come later. End of February onwards: k1, k3, k4 complete of 4 = 75.
    assert_series(
        &fixture.series("data_completeness", "2024-01-01", "2024-04-01", "month"),
        &[("2024-01", Some(50.0)), ("2024-02", Some(75.0)), ("2024-03", Some(75.0))],
    );
    // November 2023 ends at Dec 1 00:00Z, exactly when k1 is created: no customer, null.
    assert_series(&fixture.series("data_completeness", "2023-11-01", "2023-12-01", "month"), &[("2023-11", None)]);
    // By customer segment: k4 has none ("(none)"), k3 is enterprise, k1 and k2 smb. January:
    // only smb has customers (k1 complete, k2 not: 50; December: k1 alone, 100).
    let values = fixture.values("data_completeness", "2024-01-01", "2024-03-01", "month", Some("segment"));
    let expected: Vec<BorrowedValue<'_>> = vec![
        ("2024-01", None, None, None),
        ("2024-02", None, Some(100.0), None),
        ("2024-01", Some("enterprise"), None, None),
        ("2024-02", Some("enterprise"), Some(100.0), None),
        ("2024-01", Some("smb"), Some(50.0), Some(100.0)),
        ("2024-02", Some("smb"), Some(50.0), Some(50.0)),
    ];
    assert_eq!(borrowed(&values), expected);
}
