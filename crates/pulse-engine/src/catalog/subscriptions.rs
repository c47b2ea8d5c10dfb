//! Subscriptions: recurring revenue. Every metric but `renewal_rate` reads one derived table,
//! the customers' MRR **movements**: a customer's MRR is a step function of time, and every
//! instant at which it changes is one movement, classified by the MRR just before (b) and just
//! after (a). MRR at a boundary is the sum of the movements strictly before it, so
//! `net_new_mrr = mrr(end) − mrr(start)` holds by construction, exactly (money stays decimal
//! until the runner reads the value).
//!
//! Segmented by plan, a customer's MRR is restricted to their subscriptions of that plan: moving
//! from one plan to another is churn (or contraction) in the first and new (or reactivation,
//! expansion) in the second.

use crate::catalog::{CUSTOMER_DIMENSIONS, customers_join, money};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, PlanContext, Unit};

/// The subscription's plan, then the dimensions of its customer (joined as `c`), so a customer
/// dimension added to the shared list reaches these metrics too.
const SUBSCRIPTION_DIMENSIONS: &[(D, &str)] = &{
    let mut dimensions = [(D::Plan, "s.plan"); CUSTOMER_DIMENSIONS.len() + 1];
    let mut index = 0;
    while index < CUSTOMER_DIMENSIONS.len() {
        dimensions[index + 1] = CUSTOMER_DIMENSIONS[index];
        index += 1;
    }
    dimensions
};

/// The movement kinds in the spec's order, as `mrr_movements` lists them.
const MOVEMENT_KINDS: [&str; 5] = ["new", "reactivation", "expansion", "contraction", "churn"];

/// A `WITH` clause ending in `movements(customer_id, segment, at, delta, kind, amount)`: one row
/// per instant at which a customer's MRR (within a segment) changes, `delta` = a − b (decimal)
/// and `amount` the spec's amount of its `kind`.
///
/// Each subscription's MRR is set by its start (`mrr`), its changes and its end (0); the events
/// of a customer (within a segment) are gathered into lists and `mrr_movements` turns them into
/// the customer's movements (events at one instant resolve in that order; the subscriptions'
/// steps at one instant are summed, and changes that cancel out are no movement).
pub(crate) fn with_movements(segment: &str) -> String {
    format!(
        "WITH subscription_segments AS (
             SELECT s.subscription_id AS subscription_id, s.customer_id AS customer_id,
                    s.started_at AS started_at, s.ended_at AS ended_at, s.mrr AS mrr, {segment} AS segment
             FROM subscriptions s {customers}
         ),
         subscription_events AS (
             SELECT subscription_id, customer_id, segment, started_at AS at, 0 AS precedence, mrr
             FROM subscription_segments
             UNION ALL
             SELECT sub.subscription_id, sub.customer_id, sub.segment, change.at, 1, change.mrr
             FROM subscription_changes change
             JOIN subscription_segments sub ON sub.subscription_id = change.subscription_id
             UNION ALL
             SELECT subscription_id, customer_id, segment, ended_at, 2, CAST(0 AS DECIMAL(38, 10))
             FROM subscription_segments WHERE ended_at IS NOT NULL
         ),
         movement_lists AS (
             SELECT customer_id, segment,
                    mrr_movements(array_agg(subscription_id), array_agg(at), array_agg(precedence), array_agg(mrr))
                        AS movements
             FROM subscription_events
             GROUP BY customer_id, segment
         ),
         movement_rows AS (SELECT customer_id, segment, unnest(movements) AS movement FROM movement_lists),
         movements AS (
             SELECT customer_id, segment, movement['at'] AS at, movement['delta'] AS delta,
                    abs(movement['delta']) AS amount, movement['kind'] AS kind
             FROM movement_rows
         )",
        customers = customers_join(segment, "s.customer_id")
    )
}

/// The `WITH` clause ending in `movements` for a plan: over the shared `customer_movements` table
/// (computed once per report) unless the report is split by plan, which changes the movements
/// themselves.
fn movements_for(context: &PlanContext) -> String {
    if context.dimension == Some(D::Plan) {
        return with_movements(&context.segment);
    }
    format!(
        "WITH movements AS (
             SELECT m.customer_id AS customer_id, {segment} AS segment, m.at AS at, m.delta AS delta, m.kind AS kind,
                    m.amount AS amount
             FROM customer_movements m {customers}
         )",
        segment = context.segment,
        customers = customers_join(&context.segment, "m.customer_id")
    )
}

/// Sums `value` (an expression over `movements`) per period of the movement instant.
fn per_movement_period(context: &PlanContext, filter: &str, value: &str) -> String {
    format!(
        "{with}
         SELECT period_of(at) AS period, segment, {value} AS value
         FROM movements
         WHERE period_of(at) IS NOT NULL {filter}
         GROUP BY period_of(at), segment",
        with = movements_for(context)
    )
}

fn movements_of_kind(context: &PlanContext, kind: &str) -> String {
    per_movement_period(context, &format!("AND kind = '{kind}'"), "sum(amount)")
}

/// Each customer's MRR before each period's start and before its end (decimals), from the shared
/// `customer_movements`, for every customer with a movement before the period's end: the shared
/// table `customer_mrr(period, customer_id, mrr_at_start, mrr_at_end)`. Each customer's movements
/// are gathered into lists and `mrr_in_windows` sums them before the periods' boundaries.
pub(crate) const CUSTOMER_MRR: &str = "SELECT state['period'] AS period, customer_id,
        state['mrr_at_start'] AS mrr_at_start, state['mrr_at_end'] AS mrr_at_end
    FROM (
        SELECT c.customer_id AS customer_id,
               unnest(mrr_in_windows(c.ats, c.deltas, p.labels, p.starts, p.ends)) AS state
        FROM (
            SELECT array_agg(arrow_cast(period, 'Utf8')) AS labels, array_agg(start_at) AS starts,
                   array_agg(end_at) AS ends
            FROM periods
        ) p
        CROSS JOIN (
            SELECT customer_id, array_agg(at) AS ats, array_agg(delta) AS deltas
            FROM customer_movements GROUP BY customer_id
        ) c
    ) states";

/// Aggregates per period over `customer_states(period, segment, customer_id, mrr_at_start,
/// mrr_at_end)`: each customer's MRR before the period's start and before its end (decimals),
/// from the shared `customer_mrr` unless the report is split by plan.
fn per_customer_state(context: &PlanContext, filter: &str, value: &str) -> String {
    let states = if context.dimension == Some(D::Plan) {
        format!(
            "{with},
             customer_states AS (
                 SELECT p.period AS period, m.segment AS segment, m.customer_id AS customer_id,
                        sum(CASE WHEN m.at < p.start_at THEN m.delta ELSE 0 END) AS mrr_at_start,
                        sum(m.delta) AS mrr_at_end
                 FROM periods p JOIN movements m ON m.at < p.end_at
                 GROUP BY p.period, m.segment, m.customer_id
             )",
            with = movements_for(context)
        )
    } else {
        format!(
            "WITH customer_states AS (
                 SELECT s.period AS period, {segment} AS segment, s.customer_id AS customer_id,
                        s.mrr_at_start AS mrr_at_start, s.mrr_at_end AS mrr_at_end
                 FROM customer_mrr s {customers}
             )",
            segment = context.segment,
            customers = customers_join(&context.segment, "s.customer_id")
        )
    };
    format!(
        "{states}
         SELECT period, segment, {value} AS value
         FROM customer_states {filter}
         GROUP BY period, segment"
    )
}

/// Per period, segment and movement kind (all five, in the spec's order): the amount and the
/// number of movements.
fn movement_rows(context: &PlanContext) -> String {
    let kinds = MOVEMENT_KINDS
        .iter()
        .enumerate()
        .map(|(ordinal, kind)| format!("({ordinal}, '{kind}')"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{with},
         kinds AS (SELECT * FROM (VALUES {kinds}) AS kinds(ordinal, movement)),
         segments AS (
             SELECT DISTINCT segment FROM (
                 SELECT segment FROM movements UNION ALL SELECT CAST(NULL AS VARCHAR) AS segment
             ) every_segment
         ),
         totals AS (
             SELECT period_of(at) AS period, segment, kind, sum(amount) AS amount, count(*) AS n_movements
             FROM movements WHERE period_of(at) IS NOT NULL
             GROUP BY period_of(at), segment, kind
         )
         SELECT p.period AS period, s.segment AS segment, k.movement AS movement,
                {amount} AS amount, coalesce(t.n_movements, 0) AS \"count\"
         FROM periods p CROSS JOIN segments s CROSS JOIN kinds k
         LEFT JOIN totals t
             ON t.period = p.period AND (t.segment IS NOT DISTINCT FROM s.segment) AND t.kind = k.movement
         ORDER BY p.start_at, s.segment, k.ordinal",
        with = movements_for(context),
        amount = money("coalesce(t.amount, 0)"),
    )
}

/// Each subscription's due term ends (`due_term_ends`: calendar months in the workspace
/// timezone, counted from `started_at` each time, through the first one ≥ `ended_at`) with
/// whether they were renewed, per period of the term end.
fn renewals(context: &PlanContext) -> String {
    format!(
        "SELECT period_of(term_end) AS period, segment,
                100.0 * sum(CASE WHEN ended_at IS NULL OR ended_at > term_end THEN 1 ELSE 0 END) / count(*) AS value
         FROM (
             SELECT {segment} AS segment, s.ended_at AS ended_at,
                    unnest(due_term_ends(s.started_at, s.term_months, s.ended_at)) AS term_end
             FROM subscriptions s {customers}
         ) term_ends
         WHERE period_of(term_end) IS NOT NULL
         GROUP BY period_of(term_end), segment",
        segment = context.segment,
        customers = customers_join(&context.segment, "s.customer_id"),
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "mrr",
            name: "MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ customer MRR before end. A customer's MRR before t = sum over their subscriptions active \
                      before t (started_at < t and ended_at absent or ≥ t) of the latest mrr set strictly before t \
                      (the subscription's own mrr at started_at, then subscription_changes; a change at started_at \
                      replaces the starting mrr)",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| per_customer_state(context, "", "sum(mrr_at_end)"),
        },
        Metric {
            id: "arr",
            name: "ARR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "12 × mrr",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| per_customer_state(context, "", "12 * sum(mrr_at_end)"),
        },
        Metric {
            id: "mrr_new",
            name: "New MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ a over the new movements in P: instants at which the customer's MRR goes from b = 0 to \
                      a > 0 and the customer never had MRR > 0 before (changes of several subscriptions of the \
                      customer at one instant are one movement)",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| movements_of_kind(context, "new"),
        },
        Metric {
            id: "mrr_reactivation",
            name: "Reactivation MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ a over the reactivation movements in P: b = 0, a > 0, and the customer had MRR > 0 at \
                      some earlier time (a drop to 0 keeps a subscription active, but the rise after it is a \
                      reactivation)",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| movements_of_kind(context, "reactivation"),
        },
        Metric {
            id: "mrr_expansion",
            name: "Expansion MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ (a − b) over the expansion movements in P: 0 < b < a",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| movements_of_kind(context, "expansion"),
        },
        Metric {
            id: "mrr_contraction",
            name: "Contraction MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::LowerIsBetter,
            formula: "Σ (b − a) over the contraction movements in P: 0 < a < b",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| movements_of_kind(context, "contraction"),
        },
        Metric {
            id: "mrr_churn",
            name: "Churned MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::LowerIsBetter,
            formula: "Σ b over the churn movements in P: b > 0, a = 0 (a drop to an MRR of 0 is churn even though \
                      the subscription stays active)",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| movements_of_kind(context, "churn"),
        },
        Metric {
            id: "net_new_mrr",
            name: "Net new MRR",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "new + reactivation + expansion − contraction − churn (= mrr(end) − mrr(start))",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| per_movement_period(context, "", "sum(delta)"),
        },
        Metric {
            id: "mrr_movements",
            name: "MRR movements",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "per movement kind (new, reactivation, expansion, contraction, churn): Σ amount and the \
                      count of the movements in P; the headline value is net_new_mrr",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Zero,
            rows: Some(movement_rows),
            records: None,
            plan: |context| per_movement_period(context, "", "sum(delta)"),
        },
        Metric {
            id: "arpa",
            name: "ARPA",
            category: Category::Subscriptions,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "mrr / customers with MRR > 0 before end",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Null("no customer had MRR above 0 at the end of the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_customer_state(
                    context,
                    "",
                    &format!(
                        "{} / nullif(sum(CASE WHEN mrr_at_end > 0 THEN 1 ELSE 0 END), 0)",
                        money("sum(mrr_at_end)")
                    ),
                )
            },
        },
        Metric {
            id: "nrr",
            name: "Net revenue retention",
            category: Category::Subscriptions,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "Σ m1 / Σ m0 × 100 over the starting cohort, the customers with m0 > 0, where m0 and m1 \
                      are a customer's MRR before start and before end (expansion counts; new customers do not)",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Null("no customer had MRR at the start of the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_customer_state(
                    context,
                    "WHERE mrr_at_start > 0",
                    &format!("100.0 * {} / nullif({}, 0)", money("sum(mrr_at_end)"), money("sum(mrr_at_start)")),
                )
            },
        },
        Metric {
            id: "grr",
            name: "Gross revenue retention",
            category: Category::Subscriptions,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "Σ min(m0, m1) / Σ m0 × 100 over the starting cohort, the customers with m0 > 0, where m0 \
                      and m1 are a customer's MRR before start and before end (at most 100)",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Null("no customer had MRR at the start of the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_customer_state(
                    context,
                    "WHERE mrr_at_start > 0",
                    &format!(
                        "100.0 * {} / nullif({}, 0)",
                        money("sum(least(mrr_at_start, mrr_at_end))"),
                        money("sum(mrr_at_start)")
                    ),
                )
            },
        },
        Metric {
            id: "quick_ratio",
            name: "SaaS quick ratio",
            category: Category::Subscriptions,
            unit: Unit::Ratio,
            direction: Direction::HigherIsBetter,
            formula: "(new + reactivation + expansion) / (churn + contraction), MRR movements in P",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Null("no MRR was churned or contracted in the period"),
            rows: None,
            records: None,
            plan: |context| {
                per_movement_period(
                    context,
                    "",
                    &format!(
                        "{} / nullif({}, 0)",
                        money("sum(CASE WHEN kind IN ('new', 'reactivation', 'expansion') THEN amount ELSE 0 END)"),
                        money("sum(CASE WHEN kind IN ('churn', 'contraction') THEN amount ELSE 0 END)")
                    ),
                )
            },
        },
        Metric {
            id: "renewal_rate",
            name: "Renewal rate",
            category: Category::Subscriptions,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "renewed / due × 100 over the due term ends in P. A subscription's term ends are T_k = \
                      started_at + k × term_months calendar months (k = 1, 2, …; counted from started_at each \
                      time; a day past the month's end clamps to its last day; month arithmetic in the workspace \
                      timezone, a wall time in a daylight-saving gap moving forward by the gap and an ambiguous \
                      one taking the earlier instant). Its due term ends are every T_k up to and including the \
                      first T_k ≥ ended_at (all of them while it has not ended, including those after today). A \
                      due term end is renewed when ended_at is absent or later than T_k, so a subscription ending \
                      exactly at a term end, or cancelled during a term, is one non-renewal at that term's end",
            dimensions: SUBSCRIPTION_DIMENSIONS,
            empty: Empty::Null("no subscription term ended in the period"),
            rows: None,
            records: None,
            plan: renewals,
        },
    ]
}
