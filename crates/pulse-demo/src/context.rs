//! What every part of the generator reads: the calendar, the options, and the plans made before
//! any customer-facing row is written (the team, the campaigns, the event days).

use crate::calendar::Calendar;
use crate::marketing::MarketingPlan;
use crate::team::Team;

#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) calendar: Calendar,
    pub(crate) scale: f64,
    pub(crate) stages: Vec<String>,
    pub(crate) team: Team,
    pub(crate) marketing: MarketingPlan,
}

impl Context {
    pub(crate) fn scaled_count(&self, count_at_scale_one: f64, minimum: u64) -> u64 {
        scaled_count(count_at_scale_one, self.scale, minimum)
    }
}

/// A count that grows linearly with the scale, never below `minimum`.
pub(crate) fn scaled_count(count_at_scale_one: f64, scale: f64, minimum: u64) -> u64 {
    ((count_at_scale_one * scale).round() as u64).max(minimum)
}
