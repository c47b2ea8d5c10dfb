//! What customers experience and say: support tickets (with response and resolution times that
//! depend on channel and category), the CSAT and CES surveys that follow some of them, and the
//! twice-yearly NPS survey. Scores follow the customer's health, and customers who are about to
//! leave answer NPS lower, so NPS correlates with churn as it does in real data.

use rand::Rng;

use crate::activities::{Assignment, Subject, Work, write_activities};
use crate::calendar::{CALENDAR_END, Rhythm, SECONDS_PER_DAY, SECONDS_PER_HOUR};
use crate::context::Context;
use crate::error::Result;
use crate::output::{CUSTOMER_ID, RESPONSE_ID, TICKET_ID, Tables, USER_ID};
use crate::sampling::{chance, exponential, log_normal, normal, pick, pick_weighted, poisson, uniform_seconds};
use crate::team::Department;
use crate::vocabulary::{NEGATIVE_COMMENTS, NEUTRAL_COMMENTS, POSITIVE_COMMENTS, TICKET_CATEGORIES, TICKET_CHANNELS};

/// What the support and survey side needs to know about a customer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerService {
    pub(crate) customer: u64,
    pub(crate) created_at: i64,
    /// Until when the customer is around to open tickets and answer surveys.
    pub(crate) active_until: i64,
    pub(crate) churned_at: Option<i64>,
    pub(crate) health: f64,
    pub(crate) tickets_per_year: f64,
    pub(crate) account_owner: u64,
}

/// A survey answer of a customer.
#[derive(Debug, Clone, Copy)]
struct Response {
    at: i64,
    kind: &'static str,
    score: u64,
    scale: Option<(u64, u64)>,
    reversed: Option<bool>,
    comment: Option<&'static str>,
    touchpoint: &'static str,
}

pub(crate) fn write_tickets(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    service: &CustomerService,
    times: &mut Vec<i64>,
) -> Result<()> {
    let years = context.calendar.weighted_days(service.created_at, service.active_until, Rhythm::Business) / 365.25;
    let n_tickets = poisson(rng, service.tickets_per_year * years);
    times.clear();
    context.calendar.sample_instants(
        rng,
        (service.created_at, service.active_until),
        n_tickets,
        Rhythm::Business,
        times,
    );
    for &opened_at in times.iter() {
        write_ticket(context, tables, rng, service, opened_at)?;
    }
    Ok(())
}

fn write_ticket(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    service: &CustomerService,
    opened_at: i64,
) -> Result<()> {
    let (category, median_resolution_hours) = pick_weighted(rng, TICKET_CATEGORIES);
    let (channel, median_response_hours) = pick_weighted(rng, TICKET_CHANNELS);
    let resolution_hours = log_normal(rng, median_resolution_hours, 1.0).max(0.05);
    let resolved_at = Some(opened_at + hours(resolution_hours))
        .filter(|&resolved_at| resolved_at < CALENDAR_END && !chance(rng, 0.01));
    // Some tickets are closed without a reply: the customer found the answer themselves.
    let solved_alone = resolved_at.is_some() && chance(rng, 0.08);
    let first_response_at = if solved_alone {
        None
    } else {
        let responded_at = opened_at + hours(log_normal(rng, median_response_hours, 0.9));
        let responded_at = resolved_at.map_or(responded_at, |resolved_at| responded_at.min(resolved_at));
        Some(responded_at).filter(|&responded_at| responded_at < CALENDAR_END)
    };
    let agent_replies = match (first_response_at, resolved_at) {
        (None, _) => 0,
        (Some(_), Some(_)) => 1 + poisson(rng, 0.1 + resolution_hours / 60.0),
        (Some(_), None) => 1 + poisson(rng, 0.5),
    };
    let assignee = (!chance(rng, 0.05)).then(|| context.team.pick(rng, Department::Support, opened_at));
    let number = tables.tickets.allocate_id();
    tables
        .tickets
        .id(TICKET_ID, number)
        .id(CUSTOMER_ID, service.customer)
        .instant(opened_at)
        .optional_instant(first_response_at)
        .optional_instant(resolved_at)
        .integer(agent_replies)
        .text(channel)
        .optional_id(USER_ID, assignee)
        .text(category)
        .finish_row()?;
    let Some(resolved_at) = resolved_at else {
        return Ok(());
    };
    if chance(rng, 0.22) {
        let at = resolved_at + 600 + hours(exponential(rng, 8.0));
        let quality = service.health - 0.08 * (1.0 + resolution_hours / 24.0).ln() + normal(rng, 0.0, 0.18);
        let score = 1 + (4.0 * quality.clamp(0.0, 1.0)).round() as u64;
        let response = Response {
            at,
            kind: "csat",
            score,
            scale: None,
            reversed: None,
            comment: comment(rng, score, 4, 3),
            touchpoint: "support",
        };
        write_response(tables, service.customer, &response)?;
    }
    if chance(rng, 0.05) {
        let at = resolved_at + 600 + hours(exponential(rng, 12.0));
        let effort = (0.55 - 0.45 * service.health + resolution_hours / 300.0 + normal(rng, 0.0, 0.15)).clamp(0.0, 1.0);
        write_effort_response(tables, rng, service.customer, at, effort, "support")?;
    }
    Ok(())
}

/// A CES answer on the 1–7 scale; about a third of the surveys ask it the other way round
/// (higher = more effort), which `reversed` records.
fn write_effort_response(
    tables: &mut Tables,
    rng: &mut impl Rng,
    customer: u64,
    at: i64,
    effort: f64,
    touchpoint: &'static str,
) -> Result<()> {
    let reversed = chance(rng, 0.35);
    let ease = if reversed { effort } else { 1.0 - effort };
    let score = 1 + (6.0 * ease).round() as u64;
    let easy_score = if reversed { 8 - score } else { score };
    let response = Response {
        at,
        kind: "ces",
        score,
        scale: chance(rng, 0.5).then_some((1, 7)),
        reversed: Some(reversed),
        comment: comment(rng, easy_score, 6, 4),
        touchpoint,
    };
    write_response(tables, customer, &response)
}

/// The NPS survey about every six months while the customer is around, plus an onboarding CES
/// now and then; account managers call back some detractors.
pub(crate) fn write_relationship_surveys(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    service: &CustomerService,
) -> Result<()> {
    if chance(rng, 0.1) {
        let at = service.created_at + 14 * SECONDS_PER_DAY + hours(exponential(rng, 48.0));
        if at < service.active_until {
            let effort = (0.5 - 0.4 * service.health + normal(rng, 0.0, 0.15)).clamp(0.0, 1.0);
            write_effort_response(tables, rng, service.customer, at, effort, "onboarding")?;
        }
    }
    let mut invited_at = service.created_at + 30 * SECONDS_PER_DAY + uniform_seconds(rng, 0, 10 * SECONDS_PER_DAY);
    let mut touchpoint = "onboarding";
    while invited_at < service.active_until {
        if chance(rng, 0.2) {
            let at = invited_at + hours(exponential(rng, 36.0));
            if at < service.active_until.min(CALENDAR_END) {
                let leaving_soon = service
                    .churned_at
                    .is_some_and(|churned_at| churned_at > at && churned_at - at < 180 * SECONDS_PER_DAY);
                let mood = service.health - if leaving_soon { 0.3 } else { 0.0 };
                let score = normal(rng, 3.6 + 8.0 * mood, 1.2).round().clamp(0.0, 10.0) as u64;
                let response = Response {
                    at,
                    kind: "nps",
                    score,
                    scale: None,
                    reversed: None,
                    comment: comment(rng, score, 9, 7),
                    touchpoint,
                };
                write_response(tables, service.customer, &response)?;
                let call_back_delay = hours(exponential(rng, 40.0));
                let call_back_at = context.calendar.office_hours_from(rng, at + call_back_delay);
                if score <= 6 && chance(rng, 0.5) && call_back_at < CALENDAR_END {
                    let assignment = Assignment {
                        owner: service.account_owner,
                        department: Department::Success,
                        subject: Subject { customer: Some(service.customer), ..Subject::default() },
                        work: Work::AccountCare,
                    };
                    write_activities(context, tables, rng, &[call_back_at], &assignment)?;
                }
            }
        }
        touchpoint = "relationship";
        invited_at += 180 * SECONDS_PER_DAY + uniform_seconds(rng, -20 * SECONDS_PER_DAY, 20 * SECONDS_PER_DAY);
    }
    Ok(())
}

/// A comment for some answers, in the tone of the score (`good` and above is praise, below
/// `fair` a complaint).
fn comment(rng: &mut impl Rng, score: u64, good: u64, fair: u64) -> Option<&'static str> {
    if !chance(rng, 0.25) {
        return None;
    }
    let comments = if score >= good {
        POSITIVE_COMMENTS
    } else if score >= fair {
        NEUTRAL_COMMENTS
    } else {
        NEGATIVE_COMMENTS
    };
    Some(pick(rng, comments))
}

fn write_response(tables: &mut Tables, customer: u64, response: &Response) -> Result<()> {
    if response.at >= CALENDAR_END {
        return Ok(());
    }
    let number = tables.survey_responses.allocate_id();
    let table = &mut tables.survey_responses;
    table
        .id(RESPONSE_ID, number)
        .id(CUSTOMER_ID, customer)
        .empty()
        .instant(response.at)
        .text(response.kind)
        .integer(response.score);
    match response.scale {
        Some((minimum, maximum)) => table.integer(minimum).integer(maximum),
        None => table.empty().empty(),
    };
    match response.reversed {
        Some(reversed) => table.boolean(reversed),
        None => table.empty(),
    };
    table.optional_text(response.comment).text(response.touchpoint).finish_row()
}

fn hours(hours: f64) -> i64 {
    ((hours * SECONDS_PER_HOUR as f64) as i64).max(60)
}
