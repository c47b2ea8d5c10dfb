//! Deals and their way through the pipeline: the stage entries (mostly forward, sometimes a skip
//! ahead or a step back, sometimes a long stall), the outcome (won, lost with a reason, or still
//! open at the end of the calendar) and the activities worked on them.

use rand::Rng;

use crate::activities::{Assignment, Subject, Work, plan_activity_times, write_activities};
use crate::calendar::{CALENDAR_END, Calendar, SECONDS_PER_DAY, SECONDS_PER_HOUR};
use crate::channel::Channel;
use crate::context::Context;
use crate::error::Result;
use crate::output::{CUSTOMER_ID, DEAL_ID, LEAD_ID, Tables, USER_ID};
use crate::sampling::{chance, log_normal, pick, uniform, uniform_seconds};
use crate::team::Department;
use crate::vocabulary::{EARLY_LOST_REASONS, LATE_LOST_REASONS};

/// The share of deals won among those closed, before the channel's multiplier.
const BASE_WIN_RATE: f64 = 0.36;
const STALL_PROBABILITY: f64 = 0.07;
const STEP_BACK_PROBABILITY: f64 = 0.07;
const SKIP_AHEAD_PROBABILITY: f64 = 0.05;
/// Deals going back and forth this often are given up.
const MAX_STAGE_ENTRIES: usize = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DealStatus {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct DealOutcome {
    pub(crate) status: DealStatus,
    pub(crate) closed_at: Option<i64>,
    lost_reason: Option<&'static str>,
}

impl DealOutcome {
    pub(crate) fn won_at(&self) -> Option<i64> {
        self.closed_at.filter(|_| self.status == DealStatus::Won)
    }

    pub(crate) fn lost_at(&self) -> Option<i64> {
        self.closed_at.filter(|_| self.status == DealStatus::Lost)
    }
}

/// Moves a deal created at `created_at` through `n_stages` stages. Fills `stage_entries` with
/// (entered_at, stage index) at strictly increasing instants, the first at or just after
/// `created_at`, all before the close and before the end of the calendar.
pub(crate) fn simulate_deal(
    calendar: &Calendar,
    rng: &mut impl Rng,
    n_stages: usize,
    created_at: i64,
    win_multiplier: f64,
    stage_entries: &mut Vec<(i64, usize)>,
) -> DealOutcome {
    stage_entries.clear();
    let win_rate = (BASE_WIN_RATE * win_multiplier).clamp(0.05, 0.85);
    // One decision per stage; the deal is won when it passes all of them.
    let advance_probability = win_rate.powf(1.0 / n_stages as f64);
    let mut stage = 0;
    let mut entered_at =
        if chance(rng, 0.5) { created_at } else { created_at + uniform_seconds(rng, 60, 2 * SECONDS_PER_HOUR) };
    if entered_at >= CALENDAR_END {
        entered_at = created_at;
    }
    stage_entries.push((entered_at, stage));
    loop {
        let median_days = 3.0 + 5.0 * stage as f64 / (n_stages.max(2) - 1) as f64;
        let mut days_in_stage = log_normal(rng, median_days, 0.7);
        if chance(rng, STALL_PROBABILITY) {
            days_in_stage *= uniform(rng, 5.0, 12.0);
        }
        let next =
            calendar.office_hours_from(rng, entered_at + ((days_in_stage * SECONDS_PER_DAY as f64) as i64).max(1_800));
        if next >= CALENDAR_END {
            return DealOutcome { status: DealStatus::Open, closed_at: None, lost_reason: None };
        }
        let given_up = stage_entries.len() >= MAX_STAGE_ENTRIES;
        if given_up || !chance(rng, advance_probability) {
            let lost_reason = if given_up {
                "no_decision"
            } else if stage * 2 < n_stages {
                pick(rng, EARLY_LOST_REASONS)
            } else {
                pick(rng, LATE_LOST_REASONS)
            };
            return DealOutcome { status: DealStatus::Lost, closed_at: Some(next), lost_reason: Some(lost_reason) };
        }
        if stage > 0 && chance(rng, STEP_BACK_PROBABILITY) {
            stage -= 1;
        } else if stage + 1 == n_stages {
            return DealOutcome { status: DealStatus::Won, closed_at: Some(next), lost_reason: None };
        } else if stage + 2 < n_stages && chance(rng, SKIP_AHEAD_PROBABILITY) {
            stage += 2;
        } else {
            stage += 1;
        }
        stage_entries.push((next, stage));
        entered_at = next;
    }
}

/// The facts of a deal that do not depend on how it went.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deal {
    pub(crate) number: u64,
    pub(crate) customer: Option<u64>,
    pub(crate) lead: Option<u64>,
    pub(crate) owner: u64,
    pub(crate) created_at: i64,
    pub(crate) amount_cents: i64,
    pub(crate) source: Option<Channel>,
}

/// The deal, its stage entries and its activities.
pub(crate) fn write_deal(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    deal: &Deal,
    outcome: &DealOutcome,
    stage_entries: &[(i64, usize)],
    times: &mut Vec<i64>,
) -> Result<()> {
    let status = match outcome.status {
        DealStatus::Open => "open",
        DealStatus::Won => "won",
        DealStatus::Lost => "lost",
    };
    tables
        .deals
        .id(DEAL_ID, deal.number)
        .optional_id(CUSTOMER_ID, deal.customer)
        .optional_id(LEAD_ID, deal.lead)
        .id(USER_ID, deal.owner)
        .instant(deal.created_at)
        .money(deal.amount_cents)
        .text(status)
        .optional_instant(outcome.closed_at)
        .optional_text(outcome.lost_reason)
        .optional_text(deal.source.map(Channel::name))
        .finish_row()?;
    for &(entered_at, stage) in stage_entries {
        tables
            .deal_stage_changes
            .id(DEAL_ID, deal.number)
            .text(&context.stages[stage])
            .instant(entered_at)
            .finish_row()?;
    }
    // Activities up to and including the close.
    let worked_until = outcome.closed_at.map_or(CALENDAR_END, |closed_at| closed_at + 1);
    let days_open = (worked_until - deal.created_at) as f64 / SECONDS_PER_DAY as f64;
    let mean_count = (1.0 + days_open / 12.0).min(12.0);
    plan_activity_times(context, rng, deal.created_at, worked_until, mean_count, times);
    let assignment = Assignment {
        owner: deal.owner,
        department: Department::Sales,
        subject: Subject {
            deal: Some(deal.number),
            lead: None,
            customer: deal.customer.filter(|_| deal.lead.is_none()),
        },
        work: Work::Selling,
    };
    write_activities(context, tables, rng, times, &assignment)
}
