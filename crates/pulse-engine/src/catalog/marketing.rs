//! Marketing: web traffic, leads by source, acquisition, spend, the cost of acquiring a customer
//! and its payback, the return on marketing spend, campaigns and the e-mail list.
//!
//! A channel is one vocabulary across record kinds: `web_traffic.source`, `leads.source`,
//! `customers.source` and `marketing_spend.channel`. Metrics that set spend beside customers,
//! leads or revenue put their inputs in one table `t` with a `channel` column, so `--by channel`
//! (and `--by source`, the same thing) splits every side of the ratio alike.

use crate::catalog::{CUSTOMER_DIMENSIONS, event_records, money, per_event_period};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, PlanContext, Unit};

/// The channel column of the combined inputs `t`.
const CHANNEL_COLUMN: &str = "t.channel";

const CHANNEL_DIMENSIONS: &[(D, &str)] = &[(D::Channel, CHANNEL_COLUMN), (D::Source, CHANNEL_COLUMN)];

/// Web traffic rows `w`; their `source` is a channel.
const TRAFFIC_DIMENSIONS: &[(D, &str)] = &[(D::Source, "w.source"), (D::Channel, "w.source")];

/// Leads `l`.
const LEAD_DIMENSIONS: &[(D, &str)] = &[
    (D::Source, "l.source"),
    (D::Channel, "l.source"),
    (D::Campaign, "l.campaign_id"),
    (D::Owner, "l.owner"),
    (D::Attribute, "json_attr(l.attributes, {attr})"),
];

/// Spend rows `s`.
const SPEND_DIMENSIONS: &[(D, &str)] =
    &[(D::Channel, "s.channel"), (D::Source, "s.channel"), (D::Campaign, "s.campaign_id")];

/// Campaigns `campaign`.
const CAMPAIGN_DIMENSIONS: &[(D, &str)] =
    &[(D::Campaign, "campaign.campaign_id"), (D::Channel, "campaign.channel"), (D::Source, "campaign.channel")];

/// The customer dimensions (customers joined as `c`), then the channel, which for a customer
/// is their `source`.
const ACQUIRED_CUSTOMER_DIMENSIONS: &[(D, &str)] = &{
    let mut dimensions = [(D::Channel, "c.source"); CUSTOMER_DIMENSIONS.len() + 1];
    let mut index = 0;
    while index < CUSTOMER_DIMENSIONS.len() {
        dimensions[index] = CUSTOMER_DIMENSIONS[index];
        index += 1;
    }
    dimensions
};

/// Acquired customers joined to their record.
const ACQUIRED_CUSTOMERS: &str = "customer_acquisitions a JOIN customers c ON c.customer_id = a.customer_id";

/// Whether the report is split by channel (or by source, the same for the channel metrics).
fn by_channel(context: &PlanContext) -> bool {
    matches!(context.dimension, Some(D::Channel | D::Source))
}

/// The filter on customers `c` for a report split by channel, where a customer without a source
/// counts only in the total.
fn sourced_only(context: &PlanContext) -> &'static str {
    if by_channel(context) { "WHERE c.source IS NOT NULL" } else { "" }
}

/// Aggregates `inputs` (a query with columns `period` and `channel`, among others) per period and
/// segment, under the alias `t` the channel dimensions name.
fn per_channel(inputs: &str, aggregate: &str, context: &PlanContext) -> String {
    format!(
        "SELECT period, segment, {aggregate} AS value
         FROM (SELECT t.*, {segment} AS segment FROM ({inputs}) t WHERE t.period IS NOT NULL) inputs
         GROUP BY period, segment",
        segment = context.segment
    )
}

/// Rows `(period, channel, spend, customers, mrr_new, n_new)`: each acquisition-purpose spend row
/// and each customer acquired, per the period of its date or acquisition.
fn acquisition_inputs(context: &PlanContext) -> String {
    let sourced = sourced_only(context);
    format!(
        "SELECT period_of(s.\"date\") AS period, s.channel AS channel, {spend} AS spend, 0 AS customers,
                0.0 AS mrr_new, 0 AS n_new
         FROM marketing_spend s WHERE s.purpose = 'acquisition'
         UNION ALL
         SELECT period_of(a.acquired_at), c.source, 0.0, 1, 0.0, 0 FROM {ACQUIRED_CUSTOMERS} {sourced}",
        spend = money("s.amount")
    )
}

/// A `WITH` clause ending in `new_movements(customer_id, at, amount)`: per customer, the first
/// instant at which their MRR goes from 0 to more than 0 (they never had MRR > 0 before) and
/// their MRR just after it.
///
/// A subscription's MRR is set at its start (its `mrr`; a change at the same instant overrides
/// it; a subscription ending at its start is never active) and at each change. MRR is never
/// negative, so the first instant at which any of the customer's subscriptions is set above 0 is
/// the first at which the customer's MRR is above 0, and since every subscription was at 0
/// before, the customer's MRR just after it is the sum of the values set at that instant.
const WITH_NEW_MOVEMENTS: &str = "WITH mrr_settings AS (
         SELECT s.customer_id AS customer_id, s.started_at AS at, CAST(s.mrr AS DOUBLE) AS mrr
         FROM subscriptions s
         LEFT JOIN subscription_changes same_instant
             ON same_instant.subscription_id = s.subscription_id AND same_instant.at = s.started_at
         WHERE same_instant.subscription_id IS NULL AND (s.ended_at IS NULL OR s.ended_at > s.started_at)
         UNION ALL
         SELECT s.customer_id, subscription_change.at, CAST(subscription_change.mrr AS DOUBLE)
         FROM subscription_changes subscription_change
         JOIN subscriptions s ON s.subscription_id = subscription_change.subscription_id
     ),
     first_positive AS (
         SELECT customer_id, min(at) AS at FROM mrr_settings WHERE mrr > 0 GROUP BY customer_id
     ),
     new_movements AS (
         SELECT first_positive.customer_id AS customer_id, first_positive.at AS at, sum(setting.mrr) AS amount
         FROM first_positive
         JOIN mrr_settings setting ON setting.customer_id = first_positive.customer_id AND setting.at = first_positive.at
         GROUP BY first_positive.customer_id, first_positive.at
     )";

fn cac_payback_months_plan(context: &PlanContext) -> String {
    let sourced = sourced_only(context);
    let inputs = format!(
        "{acquisitions}
         UNION ALL
         SELECT period_of(m.at), c.source, 0.0, 0, m.amount, 1
         FROM new_movements m JOIN customers c ON c.customer_id = m.customer_id {sourced}",
        acquisitions = acquisition_inputs(context)
    );
    let cac = "sum(spend) / nullif(sum(customers), 0)";
    let margin_per_new_subscriber =
        format!("CAST({} AS DOUBLE) * sum(mrr_new) / nullif(sum(n_new), 0)", context.gross_margin);
    format!(
        "{WITH_NEW_MOVEMENTS} {}",
        per_channel(&inputs, &format!("({cac}) / nullif({margin_per_new_subscriber}, 0)"), context)
    )
}

fn marketing_roi_plan(context: &PlanContext) -> String {
    format!(
        "WITH channel_spend AS (
             SELECT period_of(s.\"date\") AS period, s.channel AS channel, sum(s.amount) AS spend
             FROM marketing_spend s GROUP BY period_of(s.\"date\"), s.channel
         ),
         channel_revenue AS (
             SELECT period_of(o.at) AS period, c.source AS channel, sum(o.amount) AS revenue
             FROM orders o JOIN customers c ON c.customer_id = o.customer_id
             WHERE o.status = 'paid' AND c.source IS NOT NULL
             GROUP BY period_of(o.at), c.source
         )
         {}",
        per_channel(
            &format!(
                "SELECT channel_spend.period AS period, channel_spend.channel AS channel,
                        {spend} AS spend,
                        CASE WHEN channel_spend.spend > 0 THEN {revenue} ELSE 0.0 END AS attributed_revenue
                 FROM channel_spend LEFT JOIN channel_revenue
                     ON channel_revenue.period = channel_spend.period AND channel_revenue.channel = channel_spend.channel",
                spend = money("channel_spend.spend"),
                revenue = money("coalesce(channel_revenue.revenue, 0)"),
            ),
            "100.0 * (sum(attributed_revenue) - sum(spend)) / nullif(sum(spend), 0)",
            context,
        )
    )
}

/// Per period, the leads created in it grouped by source: their count, the share converted and
/// the paid revenue before the period's end of the distinct customers they became.
fn leads_by_source_rows(context: &PlanContext) -> String {
    format!(
        "WITH created AS (
             SELECT period_of(l.created_at) AS period, {segment} AS segment, l.source AS source,
                    l.converted_at AS converted_at, l.customer_id AS customer_id
             FROM leads l
         ),
         became AS (
             SELECT DISTINCT period, segment, source, customer_id FROM created
             WHERE period IS NOT NULL AND converted_at IS NOT NULL
         )
         SELECT period, segment, source, sum(n_leads) AS leads,
                100.0 * sum(n_converted) / sum(n_leads) AS lead_conversion_rate, sum(revenue) AS revenue
         FROM (
             SELECT period, segment, source, 1 AS n_leads,
                    CASE WHEN converted_at IS NOT NULL THEN 1 ELSE 0 END AS n_converted, 0.0 AS revenue
             FROM created WHERE period IS NOT NULL
             UNION ALL
             SELECT became.period, became.segment, became.source, 0, 0, {amount}
             FROM became
             JOIN periods p ON p.period = became.period
             JOIN orders o ON o.customer_id = became.customer_id AND o.status = 'paid' AND o.at < p.end_at
         ) per_source
         GROUP BY period, segment, source
         ORDER BY period, segment, source NULLS LAST",
        segment = context.segment,
        amount = money("o.amount"),
    )
}

fn marketing_spend_rows(context: &PlanContext) -> String {
    format!(
        "SELECT period, segment, purpose, channel, {amount} AS amount
         FROM (SELECT period_of(s.\"date\") AS period, {segment} AS segment, s.purpose AS purpose,
                      s.channel AS channel, s.amount AS amount
               FROM marketing_spend s) spend
         WHERE period IS NOT NULL
         GROUP BY period, segment, purpose, channel
         ORDER BY period, segment, purpose, channel",
        segment = context.segment,
        amount = money("sum(amount)"),
    )
}

/// The campaigns listed in a period: those started before its end.
fn listed_campaigns(context: &PlanContext) -> String {
    format!(
        "SELECT p.period AS period, p.end_at AS end_at, {segment} AS segment, campaign.campaign_id AS campaign_id,
                campaign.name AS name, campaign.channel AS channel
         FROM periods p JOIN campaigns campaign ON campaign.started_at < p.end_at",
        segment = context.segment
    )
}

fn campaign_performance_rows(context: &PlanContext) -> String {
    format!(
        "WITH listed AS ({listed}),
         campaign_spend AS (
             SELECT campaign_id, {spend} AS spend FROM marketing_spend
             WHERE campaign_id IS NOT NULL GROUP BY campaign_id
         ),
         campaign_leads AS (
             SELECT campaign_id, count(*) AS leads FROM leads WHERE campaign_id IS NOT NULL GROUP BY campaign_id
         ),
         campaign_customers AS (
             SELECT DISTINCT campaign_id, customer_id FROM leads
             WHERE campaign_id IS NOT NULL AND converted_at IS NOT NULL AND customer_id IS NOT NULL
         ),
         campaign_customer_counts AS (
             SELECT campaign_id, count(*) AS customers FROM campaign_customers GROUP BY campaign_id
         ),
         campaign_revenue AS (
             SELECT listed.period AS period, listed.campaign_id AS campaign_id, {amount} AS revenue
             FROM listed
             JOIN campaign_customers ON campaign_customers.campaign_id = listed.campaign_id
             JOIN orders o ON o.customer_id = campaign_customers.customer_id AND o.status = 'paid'
                 AND o.at < listed.end_at
             GROUP BY listed.period, listed.campaign_id
         )
         SELECT period, segment, campaign_id, name, channel, spend, leads, customers, revenue,
                spend / nullif(leads, 0) AS cost_per_lead,
                100.0 * (revenue - spend) / nullif(spend, 0) AS roi
         FROM (
             SELECT listed.period AS period, listed.segment AS segment, listed.campaign_id AS campaign_id,
                    listed.name AS name, listed.channel AS channel,
                    coalesce(campaign_spend.spend, 0.0) AS spend,
                    coalesce(campaign_leads.leads, 0) AS leads,
                    coalesce(campaign_customer_counts.customers, 0) AS customers,
                    coalesce(campaign_revenue.revenue, 0.0) AS revenue
             FROM listed
             LEFT JOIN campaign_spend ON campaign_spend.campaign_id = listed.campaign_id
             LEFT JOIN campaign_leads ON campaign_leads.campaign_id = listed.campaign_id
             LEFT JOIN campaign_customer_counts ON campaign_customer_counts.campaign_id = listed.campaign_id
             LEFT JOIN campaign_revenue
                 ON campaign_revenue.period = listed.period AND campaign_revenue.campaign_id = listed.campaign_id
         ) performance
         ORDER BY period, segment, campaign_id",
        listed = listed_campaigns(context),
        spend = money("sum(amount)"),
        amount = money("sum(o.amount)"),
    )
}

/// The list size at the start of each period (see the formula of `email_list_growth_rate`) and
/// the net change of the rows dated in it. A row is dated at 00:00 of its day in the workspace
/// timezone, and periods start at 00:00, so "dated ≤ d" compares timestamps.
fn email_list_growth_rate_plan(context: &PlanContext) -> String {
    format!(
        "WITH anchors AS (
             SELECT p.period AS period, max(anchor.\"date\") AS anchor_date
             FROM periods p JOIN email_list anchor ON anchor.list_size IS NOT NULL AND anchor.\"date\" <= p.start_at
             GROUP BY p.period
         ),
         start_sizes AS (
             SELECT p.period AS period,
                    coalesce(max(anchor_row.list_size), {initial_list_size})
                        + coalesce(sum(earlier.subscribed - earlier.unsubscribed - earlier.bounced), 0) AS list_size
             FROM periods p
             LEFT JOIN anchors ON anchors.period = p.period
             LEFT JOIN email_list anchor_row ON anchor_row.\"date\" = anchors.anchor_date
             LEFT JOIN email_list earlier ON earlier.\"date\" < p.start_at
                 AND (anchors.anchor_date IS NULL OR earlier.\"date\" >= anchors.anchor_date)
             GROUP BY p.period
         ),
         period_changes AS (
             SELECT period_of(e.\"date\") AS period, sum(e.subscribed - e.unsubscribed - e.bounced) AS net_change
             FROM email_list e GROUP BY period_of(e.\"date\")
         )
         SELECT start_sizes.period AS period, {segment} AS segment,
                100.0 * coalesce(period_changes.net_change, 0) / nullif(start_sizes.list_size, 0) AS value
         FROM start_sizes LEFT JOIN period_changes ON period_changes.period = start_sizes.period",
        initial_list_size = context.initial_list_size,
        segment = context.segment,
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "visitors",
            name: "Visitors",
            category: Category::Marketing,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "Σ web_traffic.visitors with date in P (by source or channel: the rows of that source)",
            dimensions: TRAFFIC_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "w.\"date\"",
                    "w.visitors AS visitors",
                    "web_traffic w",
                    "sum(visitors)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "traffic_to_lead_rate",
            name: "Traffic to lead rate",
            category: Category::Marketing,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "leads_created / visitors × 100 (all leads, with or without a source, over all visitors); by source \
                      (or channel), both sides restricted to that source, so leads without a source form their own \
                      segment with no visitors (null)",
            dimensions: CHANNEL_DIMENSIONS,
            empty: Empty::Null("there were no visitors in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_channel(
                    "SELECT period_of(l.created_at) AS period, l.source AS channel, 1 AS n_leads, 0 AS n_visitors
                     FROM leads l
                     UNION ALL
                     SELECT period_of(w.\"date\"), w.source, 0, w.visitors FROM web_traffic w",
                    "100.0 * sum(n_leads) / nullif(sum(n_visitors), 0)",
                    context,
                )
            },
        },
        Metric {
            id: "leads_by_source",
            name: "Leads by source",
            category: Category::Marketing,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "leads_created in P (the headline), grouped by source in rows: per source, the leads created \
                      in P, their lead_conversion_rate (share converted whenever, %) and the revenue (paid orders with \
                      at < end, all time) of the distinct customers its leads became (converted leads' customer_id); \
                      leads without a source are a row with no source",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Zero,
            rows: Some(leads_by_source_rows),
            records: None,
            plan: |context| per_event_period("l.created_at", "", "leads l", "count(*)", &context.segment),
        },
        Metric {
            id: "customers_acquired",
            name: "Customers acquired",
            category: Category::Marketing,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "customers whose acquired_at (the earliest of their first paid order and the first instant a \
                      subscription of theirs has MRR > 0) is in P; a customer's channel is their source",
            dimensions: ACQUIRED_CUSTOMER_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                event_records(
                    "a.acquired_at",
                    "a.customer_id AS customer_id, c.name AS name, c.source AS source, a.acquired_at AS acquired_at",
                    ACQUIRED_CUSTOMERS,
                    &context.segment,
                )
            }),
            plan: |context| per_event_period("a.acquired_at", "", ACQUIRED_CUSTOMERS, "count(*)", &context.segment),
        },
        Metric {
            id: "marketing_spend",
            name: "Marketing spend",
            category: Category::Marketing,
            unit: Unit::Money,
            direction: Direction::Neutral,
            formula: "Σ marketing_spend.amount with date in P, every purpose (the headline); rows: the sum per \
                      purpose and channel; by channel (or source, or campaign): the rows of that channel",
            dimensions: SPEND_DIMENSIONS,
            empty: Empty::Zero,
            rows: Some(marketing_spend_rows),
            records: None,
            plan: |context| {
                per_event_period(
                    "s.\"date\"",
                    "s.amount AS amount",
                    "marketing_spend s",
                    "sum(amount)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "cac",
            name: "Customer acquisition cost",
            category: Category::Marketing,
            unit: Unit::Money,
            direction: Direction::LowerIsBetter,
            formula: "acquisition spend in P (purpose acquisition) / customers_acquired in P; by channel (or source, \
                      the same): that channel's acquisition spend / customers acquired in P whose source is that \
                      channel. The channels listed are those with acquisition spend or with acquired customers in \
                      some period of the report (a channel with customers but no spend has CAC 0; with spend but no \
                      customers, or neither in a period, null); customers without a source count only in the total",
            dimensions: CHANNEL_DIMENSIONS,
            empty: Empty::Null("no customers were acquired in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_channel(&acquisition_inputs(context), "sum(spend) / nullif(sum(customers), 0)", context)
            },
        },
        Metric {
            id: "cac_payback_months",
            name: "CAC payback",
            category: Category::Marketing,
            unit: Unit::Months,
            direction: Direction::LowerIsBetter,
            formula: "cac / (gross_margin × mrr_new in P / number of new MRR movements in P): months of a new \
                      subscriber's gross margin that repay the average acquisition cost. A new movement is the first \
                      instant a customer's MRR goes from 0 to > 0. Null without new subscribers, or when cac is null; \
                      by channel (or source): cac of that channel (as for cac) over the new movements of customers \
                      whose source is that channel; customers without a source count only in the total",
            dimensions: CHANNEL_DIMENSIONS,
            empty: Empty::Null("no new subscribers or no customers acquired in the period"),
            rows: None,
            records: None,
            plan: cac_payback_months_plan,
        },
        Metric {
            id: "marketing_roi",
            name: "Marketing ROI",
            category: Category::Marketing,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "(attributed revenue − marketing spend) / marketing spend × 100, where attributed revenue is \
                      the revenue in P (paid orders with at in P) of all customers — new or not — whose source is a \
                      channel with spend > 0 of any purpose in P, and spend is all spend in P of every purpose; by \
                      channel (or source): restricted to that channel, listing the channels with spend",
            dimensions: CHANNEL_DIMENSIONS,
            empty: Empty::Null("there was no marketing spend in the period"),
            rows: None,
            records: None,
            plan: marketing_roi_plan,
        },
        Metric {
            id: "campaign_performance",
            name: "Campaign performance",
            category: Category::Marketing,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "rows, one per campaign started before the end of P: spend (all time, every purpose), leads \
                      (all leads with its campaign_id), customers (the distinct customers those leads converted \
                      into), revenue of those customers (paid orders, all time up to end), cost per lead = spend / \
                      leads, ROI % = (revenue − spend) / spend × 100 (null when the divisor is 0). The headline is \
                      the number of campaigns listed",
            dimensions: CAMPAIGN_DIMENSIONS,
            empty: Empty::Zero,
            rows: Some(campaign_performance_rows),
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, segment, count(*) AS value FROM ({}) listed GROUP BY period, segment",
                    listed_campaigns(context)
                )
            },
        },
        Metric {
            id: "email_list_growth_rate",
            name: "E-mail list growth rate",
            category: Category::Marketing,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "(subscribed − unsubscribed − bounced in P) / list size at start of P × 100. The list size at \
                      the start of day d = the list_size of the latest row dated ≤ d that has one, plus the net \
                      changes (subscribed − unsubscribed − bounced) of the rows dated from that row's day (included) \
                      up to d (excluded); with no such row, email.initial_list_size plus the net changes of all rows \
                      before d. Null when that size is 0",
            dimensions: &[],
            empty: Empty::Null("the list size at the start of the period is 0"),
            rows: None,
            records: None,
            plan: email_list_growth_rate_plan,
        },
        Metric {
            id: "avg_time_on_site_seconds",
            name: "Average time on site",
            category: Category::Marketing,
            unit: Unit::Seconds,
            direction: Direction::HigherIsBetter,
            formula: "Σ(sessions × avg_session_seconds) / Σ sessions over web_traffic rows in P, as written: a row \
                      with sessions but no avg_session_seconds adds its sessions to the denominator and nothing to \
                      the numerator (null when no row has both)",
            dimensions: TRAFFIC_DIMENSIONS,
            empty: Empty::Null("there were no sessions of known duration in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "w.\"date\"",
                    "CAST(w.sessions AS DOUBLE) AS sessions, w.avg_session_seconds AS seconds",
                    "web_traffic w WHERE w.sessions IS NOT NULL",
                    "sum(sessions * seconds) / nullif(sum(sessions), 0)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "visitor_to_purchase_rate",
            name: "Visitor to purchase rate",
            category: Category::Marketing,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "Σ purchases / Σ visitors × 100 over web_traffic rows in P (a row without purchases counts 0)",
            dimensions: TRAFFIC_DIMENSIONS,
            empty: Empty::Null("there were no visitors in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "w.\"date\"",
                    "coalesce(w.purchases, 0) AS purchases, w.visitors AS visitors",
                    "web_traffic w",
                    "100.0 * sum(purchases) / nullif(sum(visitors), 0)",
                    &context.segment,
                )
            },
        },
    ]
}
