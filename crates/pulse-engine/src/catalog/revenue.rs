//! Revenue and customers: the order ledger, who is active (the customer model), churn and
//! retention, historical lifetime value and acquisition cohorts.
//!
//! Who is active starts from the shared `customer_instants`: the instants at which each customer
//! is active. Counts of `S` (active at a window's start), `E` (active at its end) and `S ∩ E` come
//! from the aggregates of [`activity_counts`]; plans that need the customers themselves test
//! membership with `array_has`, or read the shared `period_activity(period, customer_id,
//! in_start, in_end)`, a row per period and customer in `S` or `E`, with 0 or 1 flags.

use crate::catalog::{CUSTOMER_DIMENSIONS, customers_join, event_records, money, per_event_period};
use crate::metric::{Category, DimensionKind as D, Direction, Empty, Metric, PlanContext, Unit};

/// Orders joined to their customer when the segment is a customer dimension.
fn orders(context: &PlanContext) -> String {
    format!("orders o {}", customers_join(&context.segment, "o.customer_id"))
}

/// The reporting periods as activity windows.
const PERIOD_WINDOWS: &str = "SELECT period, start_at, end_at FROM periods";

/// For each period, the 12 calendar months ending at its end, for `clv_historical`: from the
/// local midnight 12 months before the period's end day (cut in Rust, exact across daylight
/// saving) to the period's end.
const TWELVE_MONTH_WINDOWS: &str = "SELECT period, year_before_end_at AS start_at, end_at FROM periods";

/// Retention-purpose marketing spend per period.
const RETENTION_SPEND: &str = "retention_spend AS (
    SELECT period_of(m.\"date\") AS period, sum(m.amount) AS amount
    FROM marketing_spend m WHERE m.purpose = 'retention'
    GROUP BY period_of(m.\"date\")
)";

/// `ltv_to_cac` compares a customer's `source` with a spend's `channel`, as `cac` by channel does,
/// so it is segmented by source only.
const SOURCE_DIMENSION: &[(D, &str)] = &[(D::Source, "c.source")];

fn paid_orders(context: &PlanContext, columns: &str, aggregate: &str) -> String {
    per_event_period(
        "o.at",
        columns,
        &format!("{} WHERE o.status = 'paid'", orders(context)),
        aggregate,
        &context.segment,
    )
}

/// The shared tables of "who is active": `customer_instants(customer_id, instants)`, the
/// instants at which each customer is active among those at which a plan asks (the boundaries
/// of the report's periods, of the twelve months ending at each period's end, of the report's
/// months and of the months around the CRM's go-live; listed when the session is set up), then
/// who is active over the report's periods (for the records behind active and churned counts).
///
/// A customer follows one rule: with `customer_model = auto`, the subscription rule when they
/// ever had a subscription, else the purchase rule; the other models force one rule. Under the
/// subscription rule a customer is active at `t` with a subscription started before `t` and not
/// ended before it; under the purchase rule, with a paid order in `[t − inactivity_days, t)`.
/// Each customer's paid orders and subscriptions are gathered into lists (apart, then joined) and
/// `active_instants` applies the rule to them at every instant.
pub(super) fn shared_activity() -> Vec<(&'static str, String)> {
    let customer_instants = "SELECT coalesce(o.customer_id, s.customer_id) AS customer_id,
                active_instants(o.order_ats, s.starts, s.ends) AS instants
         FROM (SELECT customer_id, array_agg(at) AS order_ats FROM orders WHERE status = 'paid' GROUP BY customer_id) o
         FULL JOIN (
             SELECT customer_id, array_agg(started_at) AS starts, array_agg(ended_at) AS ends
             FROM subscriptions GROUP BY customer_id
         ) s ON s.customer_id = o.customer_id"
        .to_owned();
    let period_activity = format!("WITH windows AS ({PERIOD_WINDOWS}) {}", activity_over_windows("windows"));
    vec![("customer_instants", customer_instants), ("period_activity", period_activity)]
}

/// `(period, customer_id, in_start, in_end)` over the windows of table `windows` from the
/// shared `customer_instants`: the windows gathered into lists, `window_activity` tells for
/// each customer the windows at whose start or end they are active. Every boundary of `windows`
/// must be one of the instants at which `customer_instants` says who is active.
fn activity_over_windows(windows: &str) -> String {
    format!(
        "SELECT activity['period'] AS period, customer_id, activity['in_start'] AS in_start,
                activity['in_end'] AS in_end
         FROM (
             SELECT c.customer_id AS customer_id,
                    unnest(window_activity(c.instants, w.labels, w.starts, w.ends)) AS activity
             FROM (
                 SELECT array_agg(arrow_cast(period, 'Utf8')) AS labels, array_agg(start_at) AS starts,
                        array_agg(end_at) AS ends
                 FROM {windows}
             ) w
             CROSS JOIN customer_instants c
         ) windows_activity"
    )
}

/// `(period, segment, n_start, n_end, n_both)` from the shared `customer_instants`: per window
/// of `counts` (`counts_active_in_periods` or `counts_active_in_twelve_months`) and segment, how
/// many customers are active at its start (|S|), at its end (|E|) and at both (|S ∩ E|); only
/// the windows and segments where someone is active at the start or at the end.
pub(super) fn activity_counts(counts: &str, segment: &str) -> String {
    format!(
        "SELECT counts['period'] AS period, segment, counts['n_start'] AS n_start, counts['n_end'] AS n_end,
                counts['n_both'] AS n_both
         FROM (
             SELECT segment, unnest(counts) AS counts FROM (
                 SELECT segment, {counts}(instants) AS counts FROM (
                     SELECT {segment} AS segment, a.instants AS instants FROM customer_instants a {customers}
                 ) customers
                 GROUP BY segment
             ) grouped
         ) windows",
        customers = customers_join(segment, "a.customer_id")
    )
}

/// `value`, an expression over `n_start`, `n_end` and `n_both` (see [`activity_counts`]), for
/// each period and segment where someone is active at the start or at the end.
fn per_activity(context: &PlanContext, value: &str) -> String {
    format!(
        "SELECT period, segment, {value} AS value FROM ({counts}) counts",
        counts = activity_counts("counts_active_in_periods", &context.segment)
    )
}

/// The customers of each period whose `in_start` and `in_end` satisfy `condition`.
fn activity_records(context: &PlanContext, condition: &str) -> String {
    format!(
        "SELECT a.period AS period, {segment} AS segment, a.customer_id AS customer_id, c.name AS name,
                a.in_start = 1 AS active_at_start, a.in_end = 1 AS active_at_end
         FROM period_activity a LEFT JOIN customers c ON c.customer_id = a.customer_id
         WHERE {condition}
         ORDER BY a.period, a.customer_id",
        segment = context.segment
    )
}

/// Retention spend of each period divided by `denominator`, an expression over the
/// `retained` row of the period; `retained` is defined by `retained_ctes` (the last of them).
fn retention_spend_over(context: &PlanContext, retained_ctes: &str, denominator: &str) -> String {
    format!(
        "WITH {retained_ctes}, {RETENTION_SPEND}
         SELECT p.period AS period, {segment} AS segment,
                CAST(coalesce(spend.amount, 0) AS DOUBLE) / nullif({denominator}, 0) AS value
         FROM periods p
         LEFT JOIN retained ON retained.period = p.period
         LEFT JOIN retention_spend spend ON spend.period = p.period",
        segment = context.segment
    )
}

/// The shared `customer_year_intervals(customer_id, k, previous_k, revenue, n_orders)`: each
/// customer's paid orders summed per interval `k` between consecutive boundaries of the periods
/// and the twelve-month windows (`year_instant_index`), with the customer's previous such
/// interval (`previous_k`, null for the first; each customer's intervals are gathered into a list
/// and `previous_among` finds each one's predecessor). `clv_historical`, `ltv_to_cac`,
/// `purchase_frequency` and `repeat_customer_rate` read it.
pub(super) fn shared_year_intervals() -> (&'static str, String) {
    let sql = format!(
        "WITH customer_intervals AS (
             SELECT customer_id, year_instant_index(at) AS k, sum({amount}) AS revenue, count(*) AS n_orders
             FROM orders o WHERE o.status = 'paid'
             GROUP BY customer_id, year_instant_index(at)
         ),
         customer_lists AS (
             SELECT customer_id, array_agg(k) AS ks, array_agg(revenue) AS revenues, array_agg(n_orders) AS order_counts
             FROM customer_intervals GROUP BY customer_id
         )
         SELECT customer_id, unnest(ks) AS k, unnest(previous_among(ks)) AS previous_k,
                unnest(revenues) AS revenue, unnest(order_counts) AS n_orders
         FROM customer_lists",
        amount = money("o.amount"),
    );
    ("customer_year_intervals", sql)
}

/// Orders per customer who paid in the period: from the shared `customer_year_intervals`, whose
/// boundaries include every period's start and end, so a period `[lo, hi)` (as interval indexes)
/// holds whole intervals; its orders are theirs, and a customer is counted once, at their first
/// interval inside it (the one whose previous interval is before `lo`).
fn purchase_frequency(context: &PlanContext) -> String {
    format!(
        "WITH interval_groups AS (
             SELECT segment, k, previous_k, sum(n_orders) AS n_orders, count(*) AS n_customers FROM (
                 SELECT {segment} AS segment, i.k AS k, i.previous_k AS previous_k, i.n_orders AS n_orders
                 FROM customer_year_intervals i {interval_customers}
             ) intervals
             GROUP BY segment, k, previous_k
         ),
         period_intervals AS (
             SELECT period, lo, unnest(range(lo, hi)) AS k FROM (
                 SELECT period, year_instant_index(start_at) AS lo, year_instant_index(end_at) AS hi FROM periods
             ) bounds
         )
         SELECT p.period AS period, g.segment AS segment,
                CAST(sum(g.n_orders) AS DOUBLE)
                / sum(CASE WHEN g.previous_k IS NULL OR g.previous_k < p.lo THEN g.n_customers ELSE 0 END) AS value
         FROM period_intervals p
         JOIN interval_groups g ON g.k = p.k
         GROUP BY p.period, g.segment",
        segment = context.segment,
        interval_customers = customers_join(&context.segment, "i.customer_id"),
    )
}

/// `clv_historical` per period and segment, over the 12 months ending at the period's end.
/// avg_purchase_value × purchase_frequency × lifespan, where lifespan = 1 / (churn / 100)
/// = |S| / churned. A segment with purchases in the window but nobody in `S` is listed, null.
///
/// The windows' purchases without a join of windows × orders: a window `[lo, hi)` adds the
/// intervals of the shared `customer_year_intervals` inside it, and counts a customer once, at
/// their first interval inside it (the one whose previous interval is before `lo`).
fn clv_historical(context: &PlanContext) -> String {
    format!(
        "WITH windows AS ({TWELVE_MONTH_WINDOWS}),
         churn AS (
             SELECT period, segment, n_start, n_start - n_both AS n_churned FROM ({counts}) counts
         ),
         interval_groups AS (
             SELECT segment, k, previous_k, sum(revenue) AS revenue, sum(n_orders) AS n_orders,
                    count(*) AS n_customers FROM (
                 SELECT {segment} AS segment, i.k AS k, i.revenue AS revenue, i.n_orders AS n_orders,
                        i.previous_k AS previous_k
                 FROM customer_year_intervals i {interval_customers}
             ) ranked
             GROUP BY segment, k, previous_k
         ),
         purchases AS (
             SELECT w.period AS period, g.segment AS segment, sum(g.revenue) AS revenue,
                    sum(g.n_orders) AS n_orders,
                    sum(CASE WHEN g.previous_k IS NULL OR g.previous_k < w.lo THEN g.n_customers ELSE 0 END)
                        AS n_customers
             FROM (SELECT period, year_instant_index(start_at) AS lo, year_instant_index(end_at) AS hi FROM windows) w
             JOIN interval_groups g ON g.k >= w.lo AND g.k < w.hi
             GROUP BY w.period, g.segment
         )
         SELECT purchases.period AS period, purchases.segment AS segment,
                (purchases.revenue / purchases.n_orders)
                * (CAST(purchases.n_orders AS DOUBLE) / purchases.n_customers)
                * (CAST(churn.n_start AS DOUBLE) / nullif(churn.n_churned, 0)) AS value
         FROM purchases
         LEFT JOIN churn ON churn.period = purchases.period AND (churn.segment IS NOT DISTINCT FROM purchases.segment)",
        counts = activity_counts("counts_active_in_twelve_months", &context.segment),
        segment = context.segment,
        interval_customers = customers_join(&context.segment, "i.customer_id"),
    )
}

/// Acquisition cost per customer acquired in each period: acquisition spend / customers
/// acquired, for the periods in which someone was acquired. The spend rows are aliased `c` with
/// their channel as `source`, so that the source segment expression `c.source` applies to both.
fn cac(context: &PlanContext) -> String {
    format!(
        "SELECT acquired.period AS period, acquired.segment AS segment,
                CAST(coalesce(spend.amount, 0) AS DOUBLE) / acquired.n_acquired AS value
         FROM (
             SELECT period, segment, count(*) AS n_acquired FROM (
                 SELECT period_of(a.acquired_at) AS period, {segment} AS segment
                 FROM customer_acquisitions a {customers}
             ) acquisitions
             WHERE period IS NOT NULL
             GROUP BY period, segment
         ) acquired
         LEFT JOIN (
             SELECT period, segment, sum(amount) AS amount FROM (
                 SELECT period_of(c.\"date\") AS period, {segment} AS segment, c.amount AS amount
                 FROM (SELECT \"date\", channel AS source, amount FROM marketing_spend WHERE purpose = 'acquisition') c
             ) acquisition_spend
             WHERE period IS NOT NULL
             GROUP BY period, segment
         ) spend ON spend.period = acquired.period AND spend.segment IS NOT DISTINCT FROM acquired.segment",
        segment = context.segment,
        customers = customers_join(&context.segment, "a.customer_id")
    )
}

/// The cells of the cohort tables: cohorts are the customers acquired in each calendar month
/// (`report_months`, in the workspace timezone); each cohort belongs to the report period
/// containing its members' acquisition and is measured in every month from its own through the
/// report's last: the cohort's size, how many of them are active before the end of that month
/// and their paid revenue in it. The grid is cohorts × months; who is active and what they paid
/// are counted from the members' own activity and orders, then placed in it.
fn cohort_cells(context: &PlanContext) -> String {
    format!(
        "{members},
         cohort_sizes AS (
             SELECT period, cohort, cohort_index, segment, count(*) AS cohort_customers
             FROM cohort_members GROUP BY period, cohort, cohort_index, segment
         ),
         member_activity AS (
             SELECT period, cohort, segment, counts['period'] AS measured_month, counts['n_end'] AS active_customers
             FROM (
                 SELECT period, cohort, segment, unnest(counts) AS counts FROM (
                     SELECT member.period AS period, member.cohort AS cohort, member.segment AS segment,
                            counts_active_in_months(activity.instants) AS counts
                     FROM cohort_members member
                     JOIN customer_instants activity ON activity.customer_id = member.customer_id
                     GROUP BY member.period, member.cohort, member.segment
                 ) grouped
             ) months
             WHERE counts['period'] >= cohort AND counts['n_end'] > 0
         ),
         member_revenue AS (
             SELECT member.period AS period, member.cohort AS cohort, member.segment AS segment,
                    month_of(o.at) AS measured_month, sum(o.amount) AS revenue
             FROM cohort_members member
             JOIN orders o ON o.customer_id = member.customer_id AND o.status = 'paid'
             WHERE month_of(o.at) IS NOT NULL AND o.at >= member.cohort_start
             GROUP BY member.period, member.cohort, member.segment, month_of(o.at)
         ),
         cohort_cells AS (
             SELECT size.period AS period, size.cohort AS cohort, size.segment AS segment,
                    measured.month AS measured_month,
                    measured.month_index - size.cohort_index AS months_since_acquisition,
                    size.cohort_customers AS cohort_customers,
                    coalesce(active.active_customers, 0) AS active_customers,
                    coalesce(earned.revenue, 0) AS revenue
             FROM cohort_sizes size
             JOIN report_months measured ON measured.month_index >= size.cohort_index
             LEFT JOIN member_activity active
                 ON active.period = size.period AND active.cohort = size.cohort
                 AND (active.segment IS NOT DISTINCT FROM size.segment) AND active.measured_month = measured.month
             LEFT JOIN member_revenue earned
                 ON earned.period = size.period AND earned.cohort = size.cohort
                 AND (earned.segment IS NOT DISTINCT FROM size.segment) AND earned.measured_month = measured.month
         )",
        members = cohort_members(context)
    )
}

/// The `WITH` clause of the cohorts, ending in `cohort_members(customer_id, period, cohort,
/// cohort_index, cohort_start, cohort_end, segment)`: each customer acquired in a period, with
/// their acquisition month (`cohort`, a `report_months` label, its `month_index`, `start_at` and
/// `end_at`). Month labels are `YYYY-MM`, so their text order is their time order.
fn cohort_members(context: &PlanContext) -> String {
    format!(
        "WITH cohort_members AS (
             SELECT a.customer_id AS customer_id, period_of(a.acquired_at) AS period, m.month AS cohort,
                    m.month_index AS cohort_index, m.start_at AS cohort_start, m.end_at AS cohort_end,
                    {segment} AS segment
             FROM customer_acquisitions a JOIN report_months m ON m.month = month_of(a.acquired_at)
             {customers}
             WHERE period_of(a.acquired_at) IS NOT NULL
         )",
        segment = context.segment,
        customers = customers_join(&context.segment, "a.customer_id")
    )
}

pub(super) fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            id: "revenue",
            name: "Revenue",
            category: Category::Revenue,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "Σ amount of paid orders with at in P (orders are the ledger; refunded orders count nothing)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| paid_orders(context, "o.amount AS amount", "sum(amount)"),
        },
        Metric {
            id: "new_customer_revenue",
            name: "New customer revenue",
            category: Category::Revenue,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "revenue in P from customers acquired in P (acquired_at in P)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: None,
            plan: |context| {
                per_event_period(
                    "o.at",
                    "o.amount AS amount",
                    &format!(
                        "{} JOIN customer_acquisitions a ON a.customer_id = o.customer_id
                         WHERE o.status = 'paid' AND period_of(a.acquired_at) = period_of(o.at)",
                        orders(context)
                    ),
                    "sum(amount)",
                    &context.segment,
                )
            },
        },
        Metric {
            id: "orders",
            name: "Orders",
            category: Category::Revenue,
            unit: Unit::Count,
            direction: Direction::Neutral,
            formula: "paid orders with at in P",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| {
                event_records(
                    "o.at",
                    "o.order_id AS order_id, o.customer_id AS customer_id, o.amount AS amount, o.at AS at",
                    &format!("{} WHERE o.status = 'paid'", orders(context)),
                    &context.segment,
                )
            }),
            plan: |context| paid_orders(context, "", "count(*)"),
        },
        Metric {
            id: "avg_purchase_value",
            name: "Average purchase value",
            category: Category::Revenue,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "revenue / orders in P",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no paid orders in the period"),
            rows: None,
            records: None,
            plan: |context| paid_orders(context, &format!("{} AS amount", money("o.amount")), "avg(amount)"),
        },
        Metric {
            id: "purchase_frequency",
            name: "Purchase frequency",
            category: Category::Revenue,
            unit: Unit::OrdersPerCustomer,
            direction: Direction::HigherIsBetter,
            formula: "orders in P / distinct customers with a paid order in P",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no paid orders in the period"),
            rows: None,
            records: None,
            plan: purchase_frequency,
        },
        Metric {
            id: "repeat_customer_rate",
            name: "Repeat customer rate",
            category: Category::Revenue,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "customers with ≥ 2 paid orders before end / customers with ≥ 1 paid order before end × 100 \
                      (cumulative: all history up to the end of P)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no customer has a paid order before the end of the period"),
            rows: None,
            records: None,
            plan: |context| {
                // The intervals (of `year_instant_index`, whose boundaries include every period's
                // end) of each customer's first and second paid orders, from the shared
                // `customer_year_intervals`: the first is the customer's first interval, the
                // second is the same when it holds two orders (two at one instant are two before
                // any later end), else the next. An order is before a period's end exactly when
                // its interval is below the end's index.
                format!(
                    "WITH milestones AS (
                         SELECT customer_id, min(k) AS first_index,
                                min(CASE WHEN previous_k IS NOT NULL OR n_orders >= 2 THEN k END) AS second_index
                         FROM customer_year_intervals GROUP BY customer_id
                     ),
                     counts AS (
                         SELECT segment, first_index, second_index, count(*) AS customers FROM (
                             SELECT {segment} AS segment, m.first_index AS first_index, m.second_index AS second_index
                             FROM milestones m {customers}
                         ) milestone_indexes
                         GROUP BY segment, first_index, second_index
                     )
                     SELECT p.period AS period, n.segment AS segment,
                            100.0 * sum(CASE WHEN n.second_index < p.end_index THEN n.customers ELSE 0 END)
                                / sum(n.customers) AS value
                     FROM (SELECT period, year_instant_index(end_at) AS end_index FROM periods) p
                     JOIN counts n ON n.first_index < p.end_index
                     GROUP BY p.period, n.segment",
                    segment = context.segment,
                    customers = customers_join(&context.segment, "m.customer_id")
                )
            },
        },
        Metric {
            id: "active_customers",
            name: "Active customers",
            category: Category::Revenue,
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            formula: "|E(P)|: customers active before end (see \"who is active\": subscription rule, purchase rule \
                      with inactivity_days, or per customer with customer_model = auto)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| activity_records(context, "a.in_end = 1")),
            plan: |context| per_activity(context, "n_end"),
        },
        Metric {
            id: "churned_customers",
            name: "Churned customers",
            category: Category::Revenue,
            unit: Unit::Count,
            direction: Direction::LowerIsBetter,
            formula: "|S(P) \\ E(P)|: active at the start, not at the end. Customers who leave and come back inside \
                      P are not churned; customers acquired inside P are not in S (S is who is active before start, \
                      so a customer on a free plan before P is in S even when their first MRR > 0 comes inside P)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Zero,
            rows: None,
            records: Some(|context| activity_records(context, "a.in_start = 1 AND a.in_end = 0")),
            plan: |context| per_activity(context, "n_start - n_both"),
        },
        Metric {
            id: "churn_rate",
            name: "Churn rate",
            category: Category::Revenue,
            unit: Unit::Percent,
            direction: Direction::LowerIsBetter,
            formula: "churned_customers / |S(P)| × 100",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no customer was active at the start of the period"),
            rows: None,
            records: None,
            plan: |context| per_activity(context, "100.0 * (n_start - n_both) / nullif(n_start, 0)"),
        },
        Metric {
            id: "retention_rate",
            name: "Retention rate",
            category: Category::Revenue,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "|S(P) ∩ E(P)| / |S(P)| × 100 (= 100 − churn_rate)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no customer was active at the start of the period"),
            rows: None,
            records: None,
            plan: |context| per_activity(context, "100.0 * n_both / nullif(n_start, 0)"),
        },
        Metric {
            id: "retention_cost",
            name: "Retention cost",
            category: Category::Revenue,
            unit: Unit::Money,
            direction: Direction::LowerIsBetter,
            formula: "retention-purpose spend in P / |S(P) ∩ E(P)| (not segmented: spend belongs to no customer)",
            dimensions: &[],
            empty: Empty::Null("no customer was retained through the period"),
            rows: None,
            records: None,
            plan: |context| {
                let counts = activity_counts("counts_active_in_periods", "CAST(NULL AS VARCHAR)");
                retention_spend_over(
                    context,
                    &format!("retained AS (SELECT period, n_both AS n_retained FROM ({counts}) counts)"),
                    "retained.n_retained",
                )
            },
        },
        Metric {
            id: "retention_cost_ratio",
            name: "Retention cost ratio",
            category: Category::Revenue,
            unit: Unit::Ratio,
            direction: Direction::LowerIsBetter,
            formula: "retention_cost / (revenue in P of the retained customers / their count) = retention-purpose \
                      spend in P / revenue in P of S(P) ∩ E(P); below 1 means keeping customers costs less than they \
                      bring; null when that revenue is 0 (not segmented: spend belongs to no customer)",
            dimensions: &[],
            empty: Empty::Null("the retained customers brought no revenue in the period"),
            rows: None,
            records: None,
            plan: |context| {
                retention_spend_over(
                    context,
                    "retained AS (
                         SELECT p.period AS period, CAST(sum(o.amount) AS DOUBLE) AS revenue
                         FROM orders o
                         JOIN periods p ON p.period = period_of(o.at)
                         JOIN customer_instants a ON a.customer_id = o.customer_id
                         WHERE o.status = 'paid' AND array_has(a.instants, p.start_at) AND array_has(a.instants, p.end_at)
                         GROUP BY p.period
                     )",
                    "retained.revenue",
                )
            },
        },
        Metric {
            id: "clv_historical",
            name: "Historical customer lifetime value",
            category: Category::Revenue,
            unit: Unit::Money,
            direction: Direction::HigherIsBetter,
            formula: "over W = the 12 calendar months ending at end: avg_purchase_value × purchase_frequency (both \
                      over W) × average lifespan in years, where lifespan = 1 / (churn rate of W / 100) with W as one \
                      period (S = active before the start of W, E = before end). Null when churn is 0 or undefined or \
                      W has no paid order. W starts at the local midnight 12 calendar months before the end's local \
                      date (in the workspace timezone, whatever the daylight-saving offset then)",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no churn or no paid order in the 12 months ending at the end of the period"),
            rows: None,
            records: None,
            plan: clv_historical,
        },
        Metric {
            id: "ltv_to_cac",
            name: "LTV to CAC",
            category: Category::Revenue,
            unit: Unit::Ratio,
            direction: Direction::HigherIsBetter,
            formula: "clv_historical / cac (both for P), cac = acquisition-purpose spend in P / customers acquired in \
                      P; by source: the clv of the customers from that source over the spend on that channel per \
                      customer acquired from it. Null when either is null or cac is 0",
            dimensions: SOURCE_DIMENSION,
            empty: Empty::Null("no lifetime value, no customer acquired or no acquisition spend in the period"),
            rows: None,
            records: None,
            plan: |context| {
                format!(
                    "SELECT clv.period AS period, clv.segment AS segment, clv.value / nullif(cac.value, 0) AS value
                     FROM ({clv}) clv
                     JOIN ({cac}) cac ON cac.period = clv.period AND cac.segment IS NOT DISTINCT FROM clv.segment",
                    clv = clv_historical(context),
                    cac = cac(context)
                )
            },
        },
        Metric {
            id: "cohort_retention",
            name: "Cohort retention",
            category: Category::Revenue,
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            formula: "cohorts are the customers acquired in one calendar month of the workspace timezone (acquired_at \
                      in it). Rows: for each cohort acquired in P (one in a monthly report), one row per month from its \
                      own through the report's last: cohort (its month), months_since_acquisition (0, 1, 2 …), \
                      measured_month, cohort_customers, active_customers and active_share = share of the cohort active \
                      before the end of that month × 100; revenue = the cohort's paid orders in that month and \
                      revenue_ratio = revenue / the cohort's revenue in its own month (null when that is 0). Value: \
                      the share of the customers acquired in P active before the end of their acquisition month",
            dimensions: CUSTOMER_DIMENSIONS,
            empty: Empty::Null("no customer was acquired in the period"),
            rows: Some(|context| {
                format!(
                    "{cells}
                     SELECT period, segment, cohort, months_since_acquisition, measured_month, cohort_customers,
                            active_customers, 100.0 * active_customers / cohort_customers AS active_share,
                            CAST(revenue AS DOUBLE) AS revenue,
                            CAST(revenue AS DOUBLE) / nullif(CAST(sum(CASE WHEN months_since_acquisition = 0
                                THEN revenue END) OVER (PARTITION BY cohort, segment) AS DOUBLE), 0) AS revenue_ratio
                     FROM cohort_cells
                     ORDER BY segment, cohort, months_since_acquisition",
                    cells = cohort_cells(context)
                )
            }),
            records: None,
            plan: |context| {
                // The cells of the acquisition months only: each member, active or not before
                // the end of their own month.
                format!(
                    "{members}
                     SELECT member.period AS period, member.segment AS segment,
                            100.0 * count(CASE WHEN array_has(activity.instants, member.cohort_end) THEN 1 END)
                              / count(*) AS value
                     FROM cohort_members member
                     LEFT JOIN customer_instants activity ON activity.customer_id = member.customer_id
                     GROUP BY member.period, member.segment",
                    members = cohort_members(context)
                )
            },
        },
    ]
}
