//! Views shared by several metric families, created in every query session.

use crate::catalog::with_movements;

/// - `customer_acquisitions(customer_id, acquired_at)`: the earliest of a customer's first paid
///   order and the first instant at which their MRR becomes > 0 — the instant of their first
///   MRR movement, with the subscriptions family's rules (events at one instant resolve start →
///   changes → end, so a subscription whose change at `started_at` sets 0, or that ends where it
///   starts, never had MRR). Customers with neither are prospects and have no row.
pub(crate) fn views() -> Vec<String> {
    vec![format!(
        "CREATE VIEW customer_acquisitions AS
         {movements}
         SELECT customer_id, min(at) AS acquired_at FROM (
             SELECT customer_id, at FROM orders WHERE status = 'paid'
             UNION ALL
             SELECT customer_id, at FROM movements WHERE kind = 'new'
         ) acquisitions
         GROUP BY customer_id",
        movements = with_movements("CAST(NULL AS VARCHAR)")
    )]
}
