//! Metrics of this family (being filled in).

use crate::metric::Metric;

pub(super) fn metrics() -> Vec<Metric> {
    Vec::new()
}
