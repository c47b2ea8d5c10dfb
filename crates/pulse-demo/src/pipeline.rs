//! Leads, in chronological order, and what becomes of them: sales opens a deal for some (won
//! deals turn the lead into a customer), others sign up on their own, are disqualified, or are
//! still open at the end of the calendar. Channels differ in how well their leads convert, and
//! leads arriving while a campaign runs in their channel are mostly attributed to it.

use rand::Rng;

use crate::accounts::{Accounts, NewCustomer, Origin, Segment};
use crate::activities::{Assignment, Subject, Work, plan_activity_times, write_activities};
use crate::calendar::{CALENDAR_END, CALENDAR_START, Rhythm, SECONDS_PER_DAY, SECONDS_PER_HOUR, Trend, day_of};
use crate::channel::Channel;
use crate::context::Context;
use crate::deals::{Deal, DealStatus, simulate_deal, write_deal};
use crate::error::Result;
use crate::output::{CAMPAIGN_ID, CUSTOMER_ID, LEAD_ID, Tables, USER_ID};
use crate::sampling::{AscendingUniforms, Selection, chance, exponential, pick_weighted, uniform_seconds};
use crate::team::Department;
use crate::vocabulary::Identity;

/// Reusable buffers for writing leads.
#[derive(Debug, Default)]
struct Buffers {
    stage_entries: Vec<(i64, usize)>,
    times: Vec<i64>,
}

/// Writes the leads, exactly `n_lead_deals` of which get a deal, and the customers they become.
pub(crate) fn write_leads(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    accounts: &mut Accounts,
    n_lead_deals: u64,
) -> Result<()> {
    let sources: Vec<(Channel, f64)> =
        Channel::ALL.iter().map(|&channel| (channel, channel.profile().lead_share)).collect();
    let n_leads = context.scaled_count(20_000.0, 5);
    let mut deals = Selection::new(n_lead_deals, n_leads);
    let mut buffers = Buffers::default();
    let mut quantiles = AscendingUniforms::new(n_leads);
    while let Some(quantile) = quantiles.next(rng) {
        let created_at =
            context.calendar.instant_at(quantile, CALENDAR_START, CALENDAR_END, Rhythm::Business, Trend::Growing);
        let channel = pick_weighted(rng, &sources);
        let buys_for_a_company = chance(rng, 0.8);
        let lead = Lead {
            number: tables.leads.allocate_id(),
            created_at,
            channel,
            campaign: context.marketing.campaign_for_lead(rng, channel, day_of(created_at)),
            owner: context.team.pick(rng, Department::Sales, created_at),
            identity: Identity::random(rng, buys_for_a_company),
        };
        let with_deal = deals.select(rng);
        write_lead(context, tables, rng, accounts, &lead, with_deal, &mut buffers)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct Lead {
    number: u64,
    created_at: i64,
    channel: Channel,
    campaign: Option<u64>,
    owner: u64,
    identity: Identity,
}

fn write_lead(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    accounts: &mut Accounts,
    lead: &Lead,
    with_deal: bool,
    buffers: &mut Buffers,
) -> Result<()> {
    let profile = lead.channel.profile();
    let mut converted: Option<(i64, Origin)> = None;
    let mut disqualified_at = None;
    let mut deal = None;
    if with_deal {
        let delay = SECONDS_PER_HOUR + (exponential(rng, 6.0) * SECONDS_PER_DAY as f64) as i64;
        let mut created_at = context.calendar.office_hours_from(rng, lead.created_at + delay);
        if created_at >= CALENDAR_END {
            created_at = lead.created_at + (CALENDAR_END - lead.created_at) / 2;
        }
        let segment = if lead.identity.company.is_some() { Segment::random_for_deal(rng) } else { Segment::Smb };
        let monthly_price_cents = segment.monthly_price_cents(rng);
        let outcome = simulate_deal(
            &context.calendar,
            rng,
            context.stages.len(),
            created_at,
            profile.win_multiplier * segment.win_multiplier(),
            &mut buffers.stage_entries,
        );
        match outcome.status {
            DealStatus::Won => {
                converted = outcome.won_at().map(|won_at| {
                    let origin = Origin::WonDeal { segment, monthly_price_cents };
                    (won_at, origin)
                });
            }
            DealStatus::Lost => {
                disqualified_at = outcome
                    .lost_at()
                    .map(|lost_at| lost_at + uniform_seconds(rng, 0, 2 * SECONDS_PER_DAY))
                    .filter(|&at| at < CALENDAR_END && chance(rng, 0.7));
            }
            DealStatus::Open => {}
        }
        deal = Some((created_at, 12 * monthly_price_cents, outcome));
    } else if chance(rng, profile.self_serve_conversion) {
        let converted_at = lead.created_at + 600 + (exponential(rng, 9.0) * SECONDS_PER_DAY as f64) as i64;
        converted = (converted_at < CALENDAR_END).then_some((converted_at, Origin::SelfServe));
    } else if chance(rng, 0.5) {
        let delay = SECONDS_PER_HOUR + (exponential(rng, 12.0) * SECONDS_PER_DAY as f64) as i64;
        let at = context.calendar.office_hours_from(rng, lead.created_at + delay);
        disqualified_at = (at < CALENDAR_END).then_some(at);
    }
    let customer_number = converted.map(|_| tables.customers.allocate_id());
    let converted_at = converted.map(|(at, _)| at);
    let utm_medium = (!chance(rng, 0.1)).then_some(profile.utm_medium);
    let table = &mut tables.leads;
    table
        .id(LEAD_ID, lead.number)
        .instant(lead.created_at)
        .text(profile.name)
        .optional_id(CAMPAIGN_ID, lead.campaign)
        .id(USER_ID, lead.owner)
        .display(lead.identity.person_name());
    if chance(rng, 0.03) {
        table.empty();
    } else {
        table.display(lead.identity.email());
    }
    match lead.identity.company {
        Some(company) => table.display(company),
        None => table.empty(),
    };
    table
        .optional_instant(converted_at)
        .optional_id(CUSTOMER_ID, customer_number)
        .optional_instant(disqualified_at)
        .optional_text(utm_medium)
        .finish_row()?;

    // Prospecting until sales opens a deal or the lead is settled.
    let prospecting_ends = [deal.map(|(created_at, _, _)| created_at), converted_at, disqualified_at]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(CALENDAR_END);
    let mean_touches = if with_deal { 1.0 } else { 0.45 };
    plan_activity_times(context, rng, lead.created_at, prospecting_ends, mean_touches, &mut buffers.times);
    let assignment = Assignment {
        owner: lead.owner,
        department: Department::Sales,
        subject: Subject { lead: Some(lead.number), ..Subject::default() },
        work: Work::Prospecting,
    };
    write_activities(context, tables, rng, &buffers.times, &assignment)?;

    if let Some((created_at, amount_cents, outcome)) = deal {
        let deal = Deal {
            number: tables.deals.allocate_id(),
            customer: customer_number,
            lead: Some(lead.number),
            owner: lead.owner,
            created_at,
            amount_cents,
            source: Some(lead.channel),
        };
        write_deal(context, tables, rng, &deal, &outcome, &buffers.stage_entries, &mut buffers.times)?;
    }
    if let (Some(number), Some((created_at, origin))) = (customer_number, converted) {
        let customer = NewCustomer { number, created_at, channel: Some(lead.channel), identity: lead.identity, origin };
        accounts.write_customer(context, tables, rng, &customer)?;
    }
    Ok(())
}
