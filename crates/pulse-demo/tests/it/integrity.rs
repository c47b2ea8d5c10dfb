//! Every rule of the data format that strict validation applies on import, checked on a
//! generated data set: columns, required values, unique identifiers and identities, references,
//! value formats and the order of timestamps.

use std::collections::{HashMap, HashSet};

use crate::support::{CALENDAR_END, CALENDAR_START, Dataset, KINDS, STAGES, instant, shared_dataset};

/// The columns of each file, in the spec's words (customers and leads with the one extra
/// attribute column each).
const HEADERS: [(&str, &[&str]); 17] = [
    (
        "customers",
        &[
            "customer_id",
            "name",
            "email",
            "phone",
            "company",
            "created_at",
            "source",
            "segment",
            "region",
            "industry",
            "country",
            "employees",
            "tier",
        ],
    ),
    (
        "leads",
        &[
            "lead_id",
            "created_at",
            "source",
            "campaign_id",
            "owner",
            "name",
            "email",
            "company",
            "converted_at",
            "customer_id",
            "disqualified_at",
            "utm_medium",
        ],
    ),
    (
        "deals",
        &[
            "deal_id",
            "customer_id",
            "lead_id",
            "owner",
            "created_at",
            "amount",
            "status",
            "closed_at",
            "lost_reason",
            "source",
        ],
    ),
    ("deal_stage_changes", &["deal_id", "stage", "entered_at"]),
    ("activities", &["activity_id", "at", "owner", "type", "channel", "deal_id", "lead_id", "customer_id", "outcome"]),
    ("orders", &["order_id", "customer_id", "at", "amount", "status", "product", "category"]),
    ("subscriptions", &["subscription_id", "customer_id", "plan", "started_at", "ended_at", "mrr", "term_months"]),
    ("subscription_changes", &["subscription_id", "at", "mrr"]),
    (
        "tickets",
        &[
            "ticket_id",
            "customer_id",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "agent_replies",
            "channel",
            "assignee",
            "category",
        ],
    ),
    (
        "survey_responses",
        &[
            "response_id",
            "customer_id",
            "user_id",
            "at",
            "kind",
            "score",
            "scale_min",
            "scale_max",
            "reversed",
            "comment",
            "touchpoint",
        ],
    ),
    ("campaigns", &["campaign_id", "name", "channel", "started_at", "ended_at"]),
    ("marketing_spend", &["date", "channel", "campaign_id", "amount", "purpose"]),
    ("web_traffic", &["date", "source", "visitors", "sessions", "avg_session_seconds", "purchases"]),
    ("email_list", &["date", "subscribed", "unsubscribed", "bounced", "list_size"]),
    ("users", &["user_id", "name", "team", "licensed", "created_at", "deactivated_at"]),
    ("usage_events", &["user_id", "at", "action"]),
    ("social_mentions", &["mention_id", "at", "platform", "text", "language", "likes", "shares", "comments", "reach"]),
];

const REQUIRED: [(&str, &[&str]); 17] = [
    ("customers", &["customer_id", "name", "created_at"]),
    ("leads", &["lead_id", "created_at"]),
    ("deals", &["deal_id", "created_at", "amount", "status"]),
    ("deal_stage_changes", &["deal_id", "stage", "entered_at"]),
    ("activities", &["activity_id", "at", "owner", "type"]),
    ("orders", &["order_id", "customer_id", "at", "amount"]),
    ("subscriptions", &["subscription_id", "customer_id", "started_at", "mrr"]),
    ("subscription_changes", &["subscription_id", "at", "mrr"]),
    ("tickets", &["ticket_id", "opened_at"]),
    ("survey_responses", &["response_id", "at", "kind", "score"]),
    ("campaigns", &["campaign_id", "name", "channel", "started_at"]),
    ("marketing_spend", &["date", "channel", "amount"]),
    ("web_traffic", &["date", "source", "visitors"]),
    ("email_list", &["date", "subscribed", "unsubscribed", "bounced"]),
    ("users", &["user_id", "name", "created_at"]),
    ("usage_events", &["user_id", "at", "action"]),
    ("social_mentions", &["mention_id", "at", "platform", "text"]),
];

/// What identifies a record of each kind: its id, or for facts the identity columns.
const IDENTITIES: [(&str, &[&str]); 16] = [
    ("customers", &["customer_id"]),
    ("leads", &["lead_id"]),
    ("deals", &["deal_id"]),
    ("deal_stage_changes", &["deal_id", "entered_at"]),
    ("activities", &["activity_id"]),
    ("orders", &["order_id"]),
    ("subscriptions", &["subscription_id"]),
    ("subscription_changes", &["subscription_id", "at"]),
    ("tickets", &["ticket_id"]),
    ("survey_responses", &["response_id"]),
    ("campaigns", &["campaign_id"]),
    ("marketing_spend", &["date", "channel", "campaign_id", "purpose"]),
    ("web_traffic", &["date", "source"]),
    ("email_list", &["date"]),
    ("users", &["user_id"]),
    ("usage_events", &["user_id", "at", "action"]),
];

/// (kind, column, kind whose id it references).
const REFERENCES: [(&str, &str, &str); 20] = [
    ("leads", "campaign_id", "campaigns"),
    ("leads", "owner", "users"),
    ("leads", "customer_id", "customers"),
    ("deals", "customer_id", "customers"),
    ("deals", "lead_id", "leads"),
    ("deals", "owner", "users"),
    ("deal_stage_changes", "deal_id", "deals"),
    ("activities", "owner", "users"),
    ("activities", "deal_id", "deals"),
    ("activities", "lead_id", "leads"),
    ("activities", "customer_id", "customers"),
    ("orders", "customer_id", "customers"),
    ("subscriptions", "customer_id", "customers"),
    ("subscription_changes", "subscription_id", "subscriptions"),
    ("tickets", "customer_id", "customers"),
    ("tickets", "assignee", "users"),
    ("survey_responses", "customer_id", "customers"),
    ("survey_responses", "user_id", "users"),
    ("marketing_spend", "campaign_id", "campaigns"),
    ("usage_events", "user_id", "users"),
];

const TIMESTAMPS: [(&str, &[&str]); 17] = [
    ("customers", &["created_at"]),
    ("leads", &["created_at", "converted_at", "disqualified_at"]),
    ("deals", &["created_at", "closed_at"]),
    ("deal_stage_changes", &["entered_at"]),
    ("activities", &["at"]),
    ("orders", &["at"]),
    ("subscriptions", &["started_at", "ended_at"]),
    ("subscription_changes", &["at"]),
    ("tickets", &["opened_at", "first_response_at", "resolved_at"]),
    ("survey_responses", &["at"]),
    ("campaigns", &["started_at", "ended_at"]),
    ("marketing_spend", &["date"]),
    ("web_traffic", &["date"]),
    ("email_list", &["date"]),
    ("users", &["created_at", "deactivated_at"]),
    ("usage_events", &["at"]),
    ("social_mentions", &["at"]),
];

/// (kind, column, the values it may take).
const ENUMS: [(&str, &str, &[&str]); 6] = [
    ("deals", "status", &["open", "won", "lost"]),
    ("activities", "type", &["call", "email", "meeting", "message", "task", "note"]),
    ("orders", "status", &["paid", "refunded"]),
    ("survey_responses", "kind", &["nps", "ces", "csat", "enps"]),
    ("marketing_spend", "purpose", &["acquisition", "retention", "brand"]),
    ("deal_stage_changes", "stage", &STAGES),
];

const MONEY: [(&str, &str); 5] = [
    ("deals", "amount"),
    ("orders", "amount"),
    ("subscriptions", "mrr"),
    ("subscription_changes", "mrr"),
    ("marketing_spend", "amount"),
];

const INTEGERS: [(&str, &str); 14] = [
    ("customers", "employees"),
    ("subscriptions", "term_months"),
    ("tickets", "agent_replies"),
    ("web_traffic", "visitors"),
    ("web_traffic", "sessions"),
    ("web_traffic", "purchases"),
    ("email_list", "subscribed"),
    ("email_list", "unsubscribed"),
    ("email_list", "bounced"),
    ("email_list", "list_size"),
    ("social_mentions", "likes"),
    ("social_mentions", "shares"),
    ("social_mentions", "comments"),
    ("social_mentions", "reach"),
];

fn dataset() -> &'static Dataset {
    shared_dataset()
}

#[test]
fn headers_are_the_spec_columns() {
    assert_eq!(HEADERS.len(), KINDS.len());
    for (kind, columns) in HEADERS {
        assert_eq!(dataset().table(kind).header, columns, "{kind}.csv header");
    }
}

#[test]
fn every_kind_has_rows() {
    for kind in KINDS {
        assert!(!dataset().table(kind).rows.is_empty(), "{kind}.csv is empty");
    }
}

#[test]
fn required_columns_are_filled() {
    for (kind, columns) in REQUIRED {
        let table = dataset().table(kind);
        for (line, row) in table.rows.iter().enumerate() {
            for column in columns {
                assert!(!table.get(row, column).is_empty(), "{kind}.csv:{}: {column} is empty", line + 2);
            }
        }
    }
}

#[test]
fn identities_are_unique() {
    for (kind, columns) in IDENTITIES {
        let table = dataset().table(kind);
        let mut seen = HashSet::new();
        for (line, row) in table.rows.iter().enumerate() {
            // Timestamps identify by instant, whatever the offset they are written with.
            let identity: Vec<String> = columns
                .iter()
                .map(|column| {
                    let value = table.get(row, column);
                    if *column == "at" || *column == "entered_at" {
                        instant(value).to_string()
                    } else {
                        value.to_owned()
                    }
                })
                .collect();
            assert!(seen.insert(identity.clone()), "{kind}.csv:{}: {identity:?} appears twice", line + 2);
        }
    }
}

#[test]
fn references_resolve() {
    let ids = |kind: &str| -> HashSet<&str> {
        let table = dataset().table(kind);
        let id_column = &table.header[0];
        table.rows.iter().map(|row| table.get(row, id_column)).collect()
    };
    for (kind, column, referenced) in REFERENCES {
        let known = ids(referenced);
        let table = dataset().table(kind);
        for (line, row) in table.rows.iter().enumerate() {
            if let Some(value) = table.optional(row, column) {
                assert!(known.contains(value), "{kind}.csv:{}: {column} {value} is not a {referenced} id", line + 2);
            }
        }
    }
}

#[test]
fn timestamps_parse_and_lie_in_the_calendar() {
    let mut n_with_offset = 0;
    for (kind, columns) in TIMESTAMPS {
        let table = dataset().table(kind);
        for row in &table.rows {
            for column in columns.iter() {
                let Some(text) = table.optional(row, column) else { continue };
                let at = instant(text);
                assert!((CALENDAR_START..CALENDAR_END).contains(&at), "{kind}.{column} {text} is outside 2023–2025");
                if ["marketing_spend", "web_traffic", "email_list"].contains(&kind) {
                    assert_eq!(text.len(), 10, "{kind}.{column} {text} is not a plain date");
                }
                if text.len() > 10 && !text.ends_with('Z') {
                    n_with_offset += 1;
                }
            }
        }
    }
    assert!(n_with_offset > 0, "no timestamp carries an explicit offset");
}

#[test]
fn enumerations_take_their_values() {
    for (kind, column, values) in ENUMS {
        let table = dataset().table(kind);
        for row in &table.rows {
            if let Some(value) = table.optional(row, column) {
                assert!(values.contains(&value), "{kind}.{column}: unexpected {value}");
            }
        }
    }
}

#[test]
fn money_has_at_most_two_decimals_and_is_not_negative() {
    for (kind, column) in MONEY {
        let table = dataset().table(kind);
        for row in &table.rows {
            let text = table.get(row, column);
            let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
            let well_formed = !whole.is_empty()
                && whole.bytes().all(|byte| byte.is_ascii_digit())
                && fraction.len() <= 2
                && fraction.bytes().all(|byte| byte.is_ascii_digit());
            assert!(well_formed, "{kind}.{column}: {text:?} is not a plain amount");
        }
    }
    let orders = dataset().table("orders");
    for row in &orders.rows {
        let amount: f64 = orders.get(row, "amount").parse().expect("a number");
        assert!(amount > 0.0, "order {} has amount {amount}", orders.get(row, "order_id"));
    }
}

#[test]
fn integer_columns_hold_integers() {
    for (kind, column) in INTEGERS {
        let table = dataset().table(kind);
        for row in &table.rows {
            if let Some(text) = table.optional(row, column) {
                assert!(text.parse::<u64>().is_ok(), "{kind}.{column}: {text:?} is not a whole number");
            }
        }
    }
    let web_traffic = dataset().table("web_traffic");
    for row in &web_traffic.rows {
        let seconds: f64 = web_traffic.get(row, "avg_session_seconds").parse().expect("a number");
        assert!(seconds >= 0.0);
    }
}

#[test]
fn deals_close_when_won_or_lost_and_after_they_open() {
    let deals = dataset().table("deals");
    for row in &deals.rows {
        let id = deals.get(row, "deal_id");
        let closed_at = deals.optional(row, "closed_at");
        let status = deals.get(row, "status");
        assert_eq!(closed_at.is_some(), status != "open", "deal {id} is {status} with closed_at {closed_at:?}");
        if let Some(closed_at) = closed_at {
            assert!(instant(closed_at) >= instant(deals.get(row, "created_at")), "deal {id} closes before it opens");
        }
        assert!(
            deals.optional(row, "customer_id").is_some() || deals.optional(row, "lead_id").is_some(),
            "deal {id} has neither customer_id nor lead_id"
        );
        assert_eq!(deals.optional(row, "lost_reason").is_some(), status == "lost", "deal {id}: lost_reason");
    }
}

#[test]
fn stage_entries_lie_within_their_deal() {
    let deals = dataset().table("deals");
    let lifetimes: HashMap<&str, (i64, Option<i64>)> = deals
        .rows
        .iter()
        .map(|row| {
            let created_at = instant(deals.get(row, "created_at"));
            let closed_at = deals.optional(row, "closed_at").map(instant);
            (deals.get(row, "deal_id"), (created_at, closed_at))
        })
        .collect();
    let changes = dataset().table("deal_stage_changes");
    let mut instants_per_deal: HashMap<&str, HashSet<i64>> = HashMap::new();
    for row in &changes.rows {
        let deal = changes.get(row, "deal_id");
        let entered_at = instant(changes.get(row, "entered_at"));
        let (created_at, closed_at) = lifetimes[deal];
        assert!(entered_at >= created_at, "deal {deal} enters a stage before it was created");
        if let Some(closed_at) = closed_at {
            assert!(entered_at < closed_at, "deal {deal} enters a stage at or after it closed");
        }
        assert!(
            instants_per_deal.entry(deal).or_default().insert(entered_at),
            "deal {deal}: two entries at one instant"
        );
    }
}

#[test]
fn subscription_changes_lie_within_their_subscription() {
    let subscriptions = dataset().table("subscriptions");
    let mut lifetimes = HashMap::new();
    for row in &subscriptions.rows {
        let id = subscriptions.get(row, "subscription_id");
        let started_at = instant(subscriptions.get(row, "started_at"));
        let ended_at = subscriptions.optional(row, "ended_at").map(instant);
        if let Some(ended_at) = ended_at {
            assert!(ended_at >= started_at, "subscription {id} ends before it starts");
        }
        lifetimes.insert(id, (started_at, ended_at));
    }
    let changes = dataset().table("subscription_changes");
    for row in &changes.rows {
        let id = changes.get(row, "subscription_id");
        let at = instant(changes.get(row, "at"));
        let (started_at, ended_at) = lifetimes[id];
        assert!(at >= started_at, "subscription {id} changes before it starts");
        if let Some(ended_at) = ended_at {
            assert!(at < ended_at, "subscription {id} changes at or after it ends");
        }
    }
}

#[test]
fn tickets_are_answered_and_resolved_after_they_open() {
    let tickets = dataset().table("tickets");
    for row in &tickets.rows {
        let id = tickets.get(row, "ticket_id");
        let opened_at = instant(tickets.get(row, "opened_at"));
        for column in ["first_response_at", "resolved_at"] {
            if let Some(text) = tickets.optional(row, column) {
                assert!(instant(text) >= opened_at, "ticket {id}: {column} before opened_at");
            }
        }
    }
}

#[test]
fn converted_leads_name_the_customer_their_deals_name() {
    let leads = dataset().table("leads");
    let mut customer_of_lead = HashMap::new();
    for row in &leads.rows {
        let id = leads.get(row, "lead_id");
        let customer = leads.optional(row, "customer_id");
        if leads.optional(row, "converted_at").is_some() {
            assert!(customer.is_some(), "lead {id} converted without a customer_id");
        }
        customer_of_lead.insert(id, customer);
    }
    let deals = dataset().table("deals");
    for row in &deals.rows {
        let (Some(lead), Some(customer)) = (deals.optional(row, "lead_id"), deals.optional(row, "customer_id")) else {
            continue;
        };
        if let Some(lead_customer) = customer_of_lead[lead] {
            assert_eq!(
                lead_customer,
                customer,
                "deal {} and its lead name different customers",
                deals.get(row, "deal_id")
            );
        }
    }
}

#[test]
fn survey_scores_fit_their_scales() {
    let responses = dataset().table("survey_responses");
    for row in &responses.rows {
        let id = responses.get(row, "response_id");
        let kind = responses.get(row, "kind");
        let score: f64 = responses.get(row, "score").parse().expect("a number");
        let (minimum, maximum) = match kind {
            "nps" | "enps" => (0.0, 10.0),
            "ces" => (1.0, 7.0),
            _ => (1.0, 5.0),
        };
        assert!((minimum..=maximum).contains(&score), "response {id}: {kind} score {score}");
        if matches!(kind, "nps" | "enps") {
            assert_eq!(score.fract(), 0.0, "response {id}: {kind} score {score} is not whole");
            for column in ["scale_min", "scale_max"] {
                assert!(responses.optional(row, column).is_none(), "response {id}: {column} on {kind}");
            }
        }
        if let (Some(scale_min), Some(scale_max)) =
            (responses.optional(row, "scale_min"), responses.optional(row, "scale_max"))
        {
            assert_eq!((scale_min, scale_max), ("1", "7"), "response {id}: scale of a {kind}");
        }
        if kind != "ces" {
            assert!(responses.optional(row, "reversed").is_none(), "response {id}: reversed on {kind}");
        }
        let customer = responses.optional(row, "customer_id");
        let user = responses.optional(row, "user_id");
        if kind == "enps" {
            assert!(user.is_some() && customer.is_none(), "response {id}: enps answered by {customer:?}/{user:?}");
        } else {
            assert!(customer.is_some() && user.is_none(), "response {id}: {kind} answered by {customer:?}/{user:?}");
        }
    }
}
