//! Subscriptions month by month: expansions, contractions, pauses at MRR 0 and later
//! resumptions, cancellations (more likely for unhappy customers, and only at the end of the
//! term for annual plans), and the invoices they produce as paid orders.

use rand::Rng;

use crate::calendar::{CALENDAR_END, SECONDS_PER_HOUR, add_months};
use crate::error::Result;
use crate::output::{CUSTOMER_ID, ORDER_ID, SUBSCRIPTION_ID, Tables};
use crate::sampling::{chance, uniform, uniform_seconds};

/// Longest subscription life simulated: the calendar is 36 months long.
const MAX_MONTHS: u32 = 40;

#[derive(Debug, Clone, Copy)]
pub(crate) struct SubscriptionPlan {
    pub(crate) customer: u64,
    pub(crate) plan_name: &'static str,
    pub(crate) started_at: i64,
    /// MRR at the start; 0 for a free plan.
    pub(crate) mrr_cents: i64,
    /// The MRR the customer pays when a free or paused subscription becomes paid.
    pub(crate) paid_mrr_cents: i64,
    pub(crate) term_months: u32,
    /// 0 to 1: happy customers expand more and cancel less.
    pub(crate) health: f64,
    /// A change the sales team closed: (at, added MRR).
    pub(crate) expansion_deal: Option<(i64, i64)>,
}

/// What happened to a subscription.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    /// (at, MRR from then on), at strictly increasing instants inside the subscription's life.
    changes: Vec<(i64, i64)>,
    pub(crate) ended_at: Option<i64>,
    pub(crate) expansion_deal_applied: bool,
}

/// Plans by monthly price, as the subscriptions' `plan` column names them.
pub(crate) fn plan_name(mrr_cents: i64) -> &'static str {
    match mrr_cents {
        0 => "free",
        1..6_000 => "starter",
        6_000..40_000 => "team",
        40_000..200_000 => "business",
        _ => "enterprise",
    }
}

/// Whole dollars, at least one.
pub(crate) fn whole_dollars(dollars: f64) -> i64 {
    dollars.round().max(1.0) as i64 * 100
}

/// Simulates the subscription into `timeline`, then writes it, its changes and its invoices.
pub(crate) fn write_subscription(
    tables: &mut Tables,
    rng: &mut impl Rng,
    plan: &SubscriptionPlan,
    timeline: &mut Timeline,
) -> Result<()> {
    simulate(rng, plan, timeline);
    let number = tables.subscriptions.allocate_id();
    tables
        .subscriptions
        .id(SUBSCRIPTION_ID, number)
        .id(CUSTOMER_ID, plan.customer)
        .text(plan.plan_name)
        .instant(plan.started_at)
        .optional_instant(timeline.ended_at)
        .money(plan.mrr_cents)
        .integer(plan.term_months.into())
        .finish_row()?;
    for &(at, mrr_cents) in &timeline.changes {
        tables.subscription_changes.id(SUBSCRIPTION_ID, number).instant(at).money(mrr_cents).finish_row()?;
    }
    write_invoices(tables, rng, plan, timeline)
}

fn simulate(rng: &mut impl Rng, plan: &SubscriptionPlan, timeline: &mut Timeline) {
    timeline.changes.clear();
    timeline.ended_at = None;
    timeline.expansion_deal_applied = false;
    let health = plan.health;
    let monthly_churn = (0.028 * (1.9 - 1.8 * health)).clamp(0.004, 0.08);
    let term_churn = 1.0 - (1.0 - monthly_churn).powi(plan.term_months as i32);
    let change_rate = if plan.term_months > 1 { 0.5 } else { 1.0 };
    let expansion_probability = (0.02 + 0.04 * health) * change_rate;
    let contraction_probability = (0.01 + 0.02 * (1.0 - health)) * change_rate;
    let pause_probability = 0.004;
    let mut mrr = plan.mrr_cents;
    let mut paid_mrr = if mrr > 0 { mrr } else { plan.paid_mrr_cents };
    let mut last_event = plan.started_at;
    for month in 1..=MAX_MONTHS {
        let month_start = add_months(plan.started_at, month - 1);
        let month_end = add_months(plan.started_at, month);
        let expansion_deal =
            plan.expansion_deal.filter(|&(at, _)| at > month_start && at < month_end && at < CALENDAR_END);
        let change = if let Some((at, added_mrr)) = expansion_deal {
            timeline.expansion_deal_applied = true;
            Some((at, mrr + added_mrr))
        } else {
            let new_mrr = if mrr == 0 {
                chance(rng, 0.22).then(|| whole_dollars(paid_mrr as f64 / 100.0 * uniform(rng, 0.8, 1.2)))
            } else {
                let roll = rng.random::<f64>();
                if roll < expansion_probability {
                    let grown = whole_dollars(mrr as f64 / 100.0 * uniform(rng, 1.1, 1.6));
                    Some(grown.max(mrr + 100))
                } else if roll < expansion_probability + contraction_probability {
                    let shrunk = whole_dollars(mrr as f64 / 100.0 * uniform(rng, 0.5, 0.9));
                    (shrunk < mrr).then_some(shrunk)
                } else if roll < expansion_probability + contraction_probability + pause_probability {
                    Some(0)
                } else {
                    None
                }
            };
            new_mrr.map(|new_mrr| {
                let margin = 2 * SECONDS_PER_HOUR;
                let at = uniform_seconds(rng, month_start + margin, month_end - margin);
                (at, new_mrr)
            })
        };
        if let Some((at, new_mrr)) = change.filter(|&(at, _)| at < CALENDAR_END) {
            mrr = new_mrr;
            if mrr > 0 {
                paid_mrr = mrr;
            }
            timeline.changes.push((at, mrr));
            last_event = at;
        }
        if month_end >= CALENDAR_END {
            return;
        }
        let churn_probability = if mrr == 0 {
            0.12
        } else if month % plan.term_months == 0 {
            term_churn
        } else {
            0.0
        };
        if chance(rng, churn_probability) {
            // Most cancellations take effect at the end of the paid period; some at once.
            let earliest = last_event + SECONDS_PER_HOUR;
            let ended_at = if earliest >= month_end || chance(rng, 0.6) {
                month_end
            } else {
                uniform_seconds(rng, earliest, month_end)
            };
            timeline.ended_at = Some(ended_at);
            return;
        }
    }
}

/// One paid order per billing period while the subscription runs and has a price: the MRR
/// times the term, shortly after the period starts.
fn write_invoices(tables: &mut Tables, rng: &mut impl Rng, plan: &SubscriptionPlan, timeline: &Timeline) -> Result<()> {
    let billing_ends = timeline.ended_at.unwrap_or(CALENDAR_END);
    let mut changes = timeline.changes.iter().peekable();
    let mut mrr = plan.mrr_cents;
    for period in 0.. {
        let billed_at = add_months(plan.started_at, period * plan.term_months);
        if billed_at >= billing_ends {
            break;
        }
        while let Some(&&(at, new_mrr)) = changes.peek() {
            if at > billed_at {
                break;
            }
            mrr = new_mrr;
            changes.next();
        }
        let paid_at = billed_at + uniform_seconds(rng, 0, 600);
        if mrr == 0 || paid_at >= CALENDAR_END {
            continue;
        }
        let status = if chance(rng, 0.005) { "refunded" } else { "paid" };
        let number = tables.orders.allocate_id();
        tables
            .orders
            .id(ORDER_ID, number)
            .id(CUSTOMER_ID, plan.customer)
            .instant(paid_at)
            .money(mrr * i64::from(plan.term_months))
            .text(status)
            .text(plan.plan_name)
            .text("subscription")
            .finish_row()?;
    }
    Ok(())
}
