//! Sales: deals, pipeline, cycle, leads and activities.

use crate::catalog::{customers_join, days_between, event_records, money, per_event_period, per_period_state};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, PlanContext, Unit};

/// Deals joined to their customer when the segment is a customer dimension.
fn deals(context: &PlanContext) -> String {
    format!("deals d {}", customers_join(&context.segment, "d.customer_id"))
}

const DEAL_DIMENSIONS: &[(D, &str)] = &[
    (D::Owner, "d.owner"),
    (D::Source, "d.source"),
    (D::Segment, "c.segment"),
    (D::Region, "c.region"),
    (D::Industry, "c.industry"),
    (D::Country, "c.country"),
    (D::Attribute, "json_attr(c.attributes, {attr})"),
];

const LEAD_DIMENSIONS: &[(D, &str)] = &[
    (D::Source, "l.source"),
    (D::Owner, "l.owner"),
    (D::Campaign, "l.campaign_id"),
    (D::Attribute, "json_attr(l.attributes, {attr})"),
];

const ACTIVITY_DIMENSIONS: &[(D, &str)] = &[(D::Owner, "a.owner"), (D::Channel, "a.channel"), (D::Type, "a.\"type\"")];

fn closed(context: &PlanContext, status: &str) -> String {
    format!("{} WHERE d.status = '{status}'", deals(context))
}

fn won_then(context: &PlanContext, columns: &str, aggregate: &str) -> String {
    per_event_period("d.closed_at", columns, &closed(context, "won"), aggregate, &context.segment)
}

const DEAL_COLUMNS: &str = "d.deal_id AS deal_id, d.owner AS owner, d.customer_id AS customer_id, d.amount AS amount, \
     d.created_at AS created_at, d.closed_at AS closed_at";

fn closed_records(context: &PlanContext, status: &str) -> String {
    event_records("d.closed_at", DEAL_COLUMNS, &closed(context, status), &context.segment)
}

fn open_at_end(context: &PlanContext, columns: &str, aggregate: &str) -> String {
    per_period_state(
        columns,
        &format!(
            "JOIN deals d ON d.created_at < p.end_at AND (d.closed_at IS NULL OR d.closed_at >= p.end_at) {}",
            customers_join(&context.segment, "d.customer_id")
        ),
        aggregate,
        &context.segment,
    )
}

/// Stage visits: consecutive entries of a deal into one stage are one visit, which ends at the
/// deal's next entry into a different stage or, for the last visit, at `closed_at` (null while
/// the deal is open). Columns: deal_id, stage, entered_at, ended_at. Shared as `stage_visits`.
/// Each deal's entries are gathered into lists, which the `stage_visits` function turns into visits.
pub(super) const STAGE_VISITS: &str = "
    SELECT visit.deal_id AS deal_id, visit.visit['stage'] AS stage, visit.visit['entered_at'] AS entered_at,
           coalesce(visit.visit['next_entered_at'], d.closed_at) AS ended_at
    FROM (
        SELECT deal_id, unnest(visits) AS visit FROM (
            SELECT deal_id, stage_visits(array_agg(stage), array_agg(entered_at)) AS visits
            FROM deal_stage_changes GROUP BY deal_id
        ) deal_visits
    ) visit
    JOIN deals d ON d.deal_id = visit.deal_id";

/// Stage visits that ended in a period, with their duration in days.
/// Every visit has its deal (`stage_visits` joins them), so the deal is joined only when the
/// segment reads it or its customer.
fn ended_visits(context: &PlanContext) -> String {
    let deals = if context.segment.contains("d.") || context.segment.contains("c.") {
        format!("JOIN deals d ON d.deal_id = v.deal_id {}", customers_join(&context.segment, "d.customer_id"))
    } else {
        String::new()
    };
    format!(
        "SELECT period_of(v.ended_at) AS period, {segment} AS segment, v.stage AS stage, {days} AS days
         FROM stage_visits v {deals}
         WHERE v.ended_at IS NOT NULL AND period_of(v.ended_at) IS NOT NULL",
        segment = context.segment,
        days = days_between("v.entered_at", "v.ended_at"),
    )
}

/// Per period (and segment) and per stage in pipeline order: visits, mean, median and p90 days
/// of the visits that ended in the period; null statistics for a stage without one (every stage
/// is listed, also in a period where no visit ended).
fn stage_duration_rows(context: &PlanContext) -> String {
    format!(
        "WITH ended AS ({ended}),
         per_stage AS (
             SELECT period, segment, stage, count(*) AS visits, avg(days) AS mean_days,
                    quantile(array_agg(days), 0.5) AS median_days, quantile(array_agg(days), 0.9) AS p90_days
             FROM ended GROUP BY period, segment, stage
         ),
         reported AS (
             SELECT p.period AS period, segments.segment AS segment FROM periods p
             CROSS JOIN (SELECT DISTINCT segment FROM per_stage UNION SELECT CAST(NULL AS VARCHAR) AS segment) segments
         )
         SELECT r.period AS period, r.segment AS segment, st.stage AS stage, coalesce(ps.visits, 0) AS visits,
                ps.mean_days AS mean_days, ps.median_days AS median_days, ps.p90_days AS p90_days
         FROM reported r CROSS JOIN stages st
         LEFT JOIN per_stage ps ON ps.period = r.period AND (ps.segment IS NOT DISTINCT FROM r.segment) AND ps.stage = st.stage
         ORDER BY r.period, st.position",
        ended = ended_visits(context)
    )
}

/// Open deals at the end of each period with the stage they are in before the end (their
/// latest stage entry before the end, else the first pipeline stage from created_at), when
/// they entered it, and their latest activity before the end. Shared as `open_deal_stages`
/// (period, end_at, deal_id, owner, amount, created_at, stage, entered_at, last_activity_at).
pub(super) const OPEN_DEAL_STAGES: &str = "
    WITH open_at_end AS (
        SELECT p.period AS period, p.end_at AS end_at, d.deal_id AS deal_id, d.owner AS owner,
               d.amount AS amount, d.created_at AS created_at
        FROM periods p JOIN deals d ON d.created_at < p.end_at AND (d.closed_at IS NULL OR d.closed_at >= p.end_at)
    ),
    latest_entry_at AS (
        SELECT o.period AS period, o.deal_id AS deal_id, max(s.entered_at) AS entered_at
        FROM open_at_end o JOIN deal_stage_changes s ON s.deal_id = o.deal_id AND s.entered_at < o.end_at
        GROUP BY o.period, o.deal_id
    ),
    latest_entry AS (
        SELECT l.period AS period, l.deal_id AS deal_id, s.stage AS stage, l.entered_at AS entered_at
        FROM latest_entry_at l JOIN deal_stage_changes s ON s.deal_id = l.deal_id AND s.entered_at = l.entered_at
    ),
    latest_activity AS (
        SELECT o.period AS period, o.deal_id AS deal_id, max(a.at) AS at
        FROM open_at_end o JOIN activities a ON a.deal_id = o.deal_id AND a.at < o.end_at
        GROUP BY o.period, o.deal_id
    )
    SELECT o.period AS period, o.end_at AS end_at, o.deal_id AS deal_id, o.owner AS owner, o.amount AS amount,
           o.created_at AS created_at, coalesce(e.stage, (SELECT stage FROM stages WHERE position = 0)) AS stage,
           coalesce(e.entered_at, o.created_at) AS entered_at, act.at AS last_activity_at
    FROM open_at_end o
    LEFT JOIN latest_entry e ON e.period = o.period AND e.deal_id = o.deal_id
    LEFT JOIN latest_activity act ON act.period = o.period AND act.deal_id = o.deal_id";

/// The shared open deals with the report's segment (`segment`), from the deal and its customer.
fn open_deals_in_stage(context: &PlanContext) -> String {
    format!(
        "SELECT o.*, {segment} AS segment
         FROM open_deal_stages o JOIN deals d ON d.deal_id = o.deal_id
         {customers}",
        segment = context.segment,
        customers = customers_join(&context.segment, "d.customer_id")
    )
}

/// Stalled deals: open deals whose idle time before the end exceeds their stage's threshold.
fn stalled(context: &PlanContext) -> String {
    format!(
        "SELECT o.period AS period, o.segment AS segment, o.deal_id AS deal_id, o.owner AS owner, o.stage AS stage,
                {idle} AS idle_days, coalesce(st.stall_days, {global}) AS threshold_days
         FROM ({open}) o LEFT JOIN stages st ON st.stage = o.stage
         WHERE {idle} > coalesce(st.stall_days, {global})",
        idle = days_between(
            "CASE WHEN o.last_activity_at > o.entered_at THEN o.last_activity_at ELSE o.entered_at END",
            "o.end_at"
        ),
        global = context.stall_days,
        open = open_deals_in_stage(context),
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "deals_won",
            name: "Deals won",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "deals with status won and closed_at in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| closed_records(context, "won")),
            plan: |context| won_then(context, "", "count(*)"),
        },
        Metric {
            id: "deals_lost",
            name: "Deals lost",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "deals with status lost and closed_at in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| closed_records(context, "lost")),
            plan: |context| per_event_period("d.closed_at", "", &closed(context, "lost"), "count(*)", &context.segment),
        },
        Metric {
            id: "win_rate",
            name: "Win rate",
            category: Category::Sales,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "deals_won / (deals_won + deals_lost) × 100",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won or lost in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "d.closed_at",
                    "d.status AS status",
                    &format!("{} WHERE d.status IN ('won', 'lost')", deals(context)),
                    "100.0 * sum(CASE WHEN status = 'won' THEN 1 ELSE 0 END) / count(*)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "win_rate_by_amount",
            name: "Win rate by amount",
            category: Category::Sales,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "won amount / (won amount + lost amount) × 100, over the deals won or lost in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no amount was won or lost in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "d.closed_at",
                    &format!("d.status AS status, {} AS amount", money("d.amount")),
                    &format!("{} WHERE d.status IN ('won', 'lost')", deals(context)),
                    "100.0 * sum(CASE WHEN status = 'won' THEN amount ELSE 0 END) / nullif(sum(amount), 0)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "revenue_won",
            name: "Revenue won",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ amount of deals won in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| won_then(context, "d.amount AS amount", "sum(amount)"),
        },
        Metric {
            id: "avg_deal_size",
            name: "Average deal size",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "revenue_won / deals_won",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            records: None,
            plan: |context| won_then(context, &format!("{} AS amount", money("d.amount")), "avg(amount)"),
        },
        Metric {
            id: "sales_cycle_days",
            name: "Sales cycle",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "mean of (closed_at − created_at) in days over deals won in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            records: None,
            plan: |context| {
                won_then(context, &format!("{} AS days", days_between("d.created_at", "d.closed_at")), "avg(days)")
            },
        },
        Metric {
            id: "sales_cycle_days_median",
            name: "Sales cycle (median)",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "median of (closed_at − created_at) in days over deals won in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            records: None,
            plan: |context| {
                won_then(
                    context,
                    &format!("{} AS days", days_between("d.created_at", "d.closed_at")),
                    "quantile(array_agg(days), 0.5)",
                )
            },
        },
        Metric {
            id: "lead_to_close_days",
            name: "Lead to close",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "mean of (deal closed_at − lead created_at) in days over deals won in P that have a lead_id (\"lead velocity\")",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals with a lead were won in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "d.closed_at",
                    &format!("{} AS days", days_between("l.created_at", "d.closed_at")),
                    &format!("{} JOIN leads l ON l.lead_id = d.lead_id WHERE d.status = 'won'", deals(context)),
                    "avg(days)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "open_deals",
            name: "Open deals",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "deals open at the end of P: created_at < end and (closed_at absent or closed_at ≥ end)",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                format!(
                    "SELECT p.period AS period, {segment} AS segment, {DEAL_COLUMNS}
                     FROM periods p JOIN deals d ON d.created_at < p.end_at AND (d.closed_at IS NULL OR d.closed_at >= p.end_at)
                     {customers}
                     ORDER BY p.period, d.created_at",
                    segment = context.segment,
                    customers = customers_join(&context.segment, "d.customer_id")
                )
            }),
            plan: |context| open_at_end(context, "", "count(*)"),
        },
        Metric {
            id: "pipeline_value",
            name: "Pipeline value",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ amount of open_deals",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| open_at_end(context, "d.amount AS amount", "sum(amount)"),
        },
        Metric {
            id: "activities",
            name: "Activities",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "activities with at in P (segment by type or owner)",
            dimensions: ACTIVITY_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                event_records(
                    "a.at",
                    "a.activity_id AS activity_id, a.\"type\" AS \"type\", a.owner AS owner, a.at AS at, \
                     a.customer_id AS customer_id, a.deal_id AS deal_id",
                    "activities a",
                    &context.segment,
                )
            }),
            plan: |context| per_event_period("a.at", "", "activities a", "count(*)", &context.segment),
        },
        Metric {
            id: "touches_to_close",
            name: "Touches to close",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "mean number of activities whose deal_id is the deal and at ≤ closed_at, over deals won in P (a deal with none counts 0)",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            rows: None,
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, segment, avg(touches) AS value FROM (
                         SELECT period_of(d.closed_at) AS period, {segment} AS segment, d.deal_id AS deal_id,
                                count(a.activity_id) AS touches
                         FROM {deals} LEFT JOIN activities a ON a.deal_id = d.deal_id AND a.at <= d.closed_at
                         WHERE d.status = 'won'
                         GROUP BY period_of(d.closed_at), {segment}, d.deal_id
                     ) won WHERE period IS NOT NULL GROUP BY period, segment",
                    segment = context.segment,
                    deals = deals(context)
                )
            },
        },
        Metric {
            id: "leads_created",
            name: "Leads created",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "leads with created_at in P",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                event_records(
                    "l.created_at",
                    "l.lead_id AS lead_id, l.source AS source, l.owner AS owner, l.created_at AS created_at, \
                     l.converted_at AS converted_at",
                    "leads l",
                    &context.segment,
                )
            }),
            plan: |context| per_event_period("l.created_at", "", "leads l", "count(*)", &context.segment),
        },
        Metric {
            id: "lead_conversion_rate",
            name: "Lead conversion rate",
            category: Category::Sales,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "of leads created in P, the share with converted_at set, whenever that is (cohort view); a lead both converted and disqualified counts as converted",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Null("no leads were created in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "l.created_at",
                    "l.converted_at AS converted_at",
                    "leads l",
                    "100.0 * sum(CASE WHEN converted_at IS NOT NULL THEN 1 ELSE 0 END) / count(*)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "lead_time_to_convert_days",
            name: "Lead time to convert",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "mean (converted_at − created_at) in days over leads converted in P",
            dimensions: LEAD_DIMENSIONS,
            empty: Empty::Null("no leads were converted in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "l.converted_at",
                    &format!("{} AS days", days_between("l.created_at", "l.converted_at")),
                    "leads l",
                    "avg(days)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "stage_duration_days",
            name: "Stage duration",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "per stage: mean duration in days of stage visits that ended in P. A visit starts at its entered_at and ends at the deal's next entered_at into a different stage, or at closed_at when the deal closed while in that stage; consecutive entries into the same stage are one visit; open visits are not counted. Rows: per stage in pipeline order (visits, mean, median, p90; null for a stage with no ended visit). Value: the mean over all visits that ended in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no stage visit ended in the period"),
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, segment, avg(days) AS value FROM ({}) ended GROUP BY period, segment",
                    ended_visits(context)
                )
            },
            rows: Some(stage_duration_rows),
        },
        Metric {
            id: "stage_duration_days_median",
            name: "Stage duration (median)",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "per stage: median duration in days of stage visits that ended in P (visits as for stage_duration_days). Rows: per stage. Value: the median over all visits that ended in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no stage visit ended in the period"),
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, segment, quantile(array_agg(days), 0.5) AS value FROM ({}) ended GROUP BY period, segment",
                    ended_visits(context)
                )
            },
            rows: Some(stage_duration_rows),
        },
        Metric {
            id: "stage_duration_days_p90",
            name: "Stage duration (p90)",
            category: Category::Sales,
            unit: Unit::Days,
            direction: Direction::LowerIsBetter,
            formula: "per stage: 90th percentile (linear between closest ranks) of the duration in days of stage visits that ended in P. Rows: per stage. Value: the p90 over all visits that ended in P",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no stage visit ended in the period"),
            records: None,
            plan: |context| {
                format!(
                    "SELECT period, segment, quantile(array_agg(days), 0.9) AS value FROM ({}) ended GROUP BY period, segment",
                    ended_visits(context)
                )
            },
            rows: Some(stage_duration_rows),
        },
        Metric {
            id: "weighted_pipeline_value",
            name: "Weighted pipeline value",
            category: Category::Sales,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ amount × probability of the stage each open deal is in before end (its latest stage entry before end; a deal with no stage history is in the first pipeline stage from its created_at on)",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            records: None,
            plan: |context| {
                format!(
                    "SELECT o.period AS period, o.segment AS segment, sum({amount} * coalesce(st.probability, 0.0)) AS value
                     FROM ({open}) o LEFT JOIN stages st ON st.stage = o.stage
                     GROUP BY o.period, o.segment",
                    amount = money("o.amount"),
                    open = open_deals_in_stage(context)
                )
            },
            rows: None,
        },
        Metric {
            id: "stalled_deals",
            name: "Stalled deals",
            category: Category::Sales,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "open deals whose idle time before end exceeds (strictly) the stall threshold of their current stage. Idle time = end − max(entered_at of the current stage, at of the latest activity on the deal before end); the current stage is the deal's latest stage entry before end (first pipeline stage from created_at without history); threshold = the stage's stall_days, else the global stall_days. Rows: the stalled deals (deal_id, owner, stage, idle_days, threshold_days)",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Zero,
            records: Some(|context| format!("{} ORDER BY period, deal_id", stalled(context))),
            plan: |context| {
                format!(
                    "SELECT period, segment, count(*) AS value FROM ({}) stalled GROUP BY period, segment",
                    stalled(context)
                )
            },
            rows: Some(|context| {
                format!("SELECT * FROM ({}) stalled ORDER BY period, idle_days DESC, deal_id", stalled(context))
            }),
        },
        Metric {
            id: "sales_velocity",
            name: "Sales velocity",
            category: Category::Sales,
            unit: Unit::MoneyPerDay,
            direction: Direction::HigherIsBetter,
            formula: "(open deals at start of P) × avg_deal_size × win_rate/100 / sales_cycle_days",
            dimensions: DEAL_DIMENSIONS,
            empty: Empty::Null("no deals were won in the period"),
            records: None,
            plan: |context| {
                format!(
                    "WITH open_at_start AS (
                         SELECT p.period AS period, {segment} AS segment, count(*) AS open_deals
                         FROM periods p JOIN deals d ON d.created_at < p.start_at AND (d.closed_at IS NULL OR d.closed_at >= p.start_at)
                         {open_customers}
                         GROUP BY p.period, {segment}
                     ),
                     closed AS (
                         SELECT period, segment,
                                avg(CASE WHEN won THEN amount END) AS avg_deal_size,
                                100.0 * sum(CASE WHEN won THEN 1 ELSE 0 END) / count(*) AS win_rate,
                                avg(CASE WHEN won THEN days END) AS cycle_days
                         FROM (
                             SELECT period_of(d.closed_at) AS period, {segment} AS segment, d.status = 'won' AS won,
                                    {amount} AS amount, {days} AS days
                             FROM {deals} WHERE d.status IN ('won', 'lost')
                         ) deals_closed
                         WHERE period IS NOT NULL GROUP BY period, segment
                     )
                     SELECT closed.period AS period, closed.segment AS segment,
                            coalesce(o.open_deals, 0) * closed.avg_deal_size * closed.win_rate / 100.0 / nullif(closed.cycle_days, 0) AS value
                     FROM closed LEFT JOIN open_at_start o ON o.period = closed.period AND (o.segment IS NOT DISTINCT FROM closed.segment)",
                    segment = context.segment,
                    amount = money("d.amount"),
                    days = days_between("d.created_at", "d.closed_at"),
                    deals = deals(context),
                    open_customers = customers_join(&context.segment, "d.customer_id"),
                )
            },
            rows: None,
        },
    ]
}
