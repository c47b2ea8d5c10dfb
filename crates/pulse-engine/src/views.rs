//! Views shared by several metric families, created in every query session.

/// - `customer_acquisitions(customer_id, acquired_at)`: the earliest of a customer's first paid
///   order and the first instant at which one of their subscriptions has MRR > 0 (its start
///   with a positive `mrr`, or a change to a positive `mrr`). Customers with neither are
///   prospects and have no row.
pub(crate) const VIEWS: &[&str] = &["CREATE VIEW customer_acquisitions AS
    SELECT customer_id, min(at) AS acquired_at FROM (
        SELECT customer_id, at FROM orders WHERE status = 'paid'
        UNION ALL
        SELECT customer_id, started_at AS at FROM subscriptions WHERE mrr > 0
        UNION ALL
        SELECT s.customer_id, change.at FROM subscription_changes change
        JOIN subscriptions s ON s.subscription_id = change.subscription_id
        WHERE change.mrr > 0
    ) acquisitions
    GROUP BY customer_id"];
