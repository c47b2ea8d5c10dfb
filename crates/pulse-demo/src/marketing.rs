//! Marketing: campaigns, the daily spend per channel and purpose (plus each running campaign's
//! own spend), daily web traffic per source, and the daily email list counts.
//!
//! The plan (campaigns and the days of the trade events the events channel pays for) is made
//! before any lead is written, because leads are attributed to the campaigns running when they
//! arrive.

use chrono::Datelike;
use rand::Rng;

use crate::calendar::{Calendar, N_DAYS, Rhythm, SECONDS_PER_HOUR, Trend, start_of_day};
use crate::channel::Channel;
use crate::context::{Context, scaled_count};
use crate::error::Result;
use crate::output::{CAMPAIGN_ID, Tables};
use crate::sampling::{chance, log_normal, pick, poisson, uniform};

/// What money is spent for (`marketing_spend.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Acquisition,
    Retention,
    Brand,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::Acquisition => "acquisition",
            Purpose::Retention => "retention",
            Purpose::Brand => "brand",
        }
    }
}

#[derive(Debug)]
struct Campaign {
    number: u64,
    channel: Channel,
    purpose: Purpose,
    theme: &'static str,
    first_day: usize,
    /// The day after the last day it runs; `N_DAYS` or more while it is still running.
    end_day: usize,
    daily_budget: f64,
}

impl Campaign {
    fn runs_on(&self, day: usize) -> bool {
        (self.first_day..self.end_day).contains(&day)
    }
}

#[derive(Debug)]
pub(crate) struct MarketingPlan {
    campaigns: Vec<Campaign>,
    /// Per day and channel (`day * 8 + channel`), the campaigns a new lead can be attributed to.
    lead_campaigns: Vec<Vec<usize>>,
    event_days: Vec<bool>,
}

/// Channels campaigns run in, with the themes of their names.
const CAMPAIGN_CHANNELS: [(Channel, &[&str]); 6] = [
    (Channel::PaidSearch, &["Search Boost", "Competitor Keywords", "Holiday Search Push"]),
    (Channel::Social, &["LinkedIn Thought Leadership", "Instagram Stories", "Retail Heroes Video"]),
    (Channel::Email, &["Winback Series", "Product Newsletter", "Upgrade Nurture"]),
    (Channel::Events, &["Retail Expo Booth", "Regional Roadshow", "Customer Summit"]),
    (Channel::Display, &["Retargeting Wave", "Brand Awareness Banners"]),
    (Channel::Partners, &["Partner Co-Marketing", "Reseller Spiff"]),
];

impl MarketingPlan {
    pub(crate) fn plan(rng: &mut impl Rng, calendar: &Calendar, scale: f64) -> MarketingPlan {
        let n_campaigns = scaled_count(20.0, scale, 2);
        let campaigns: Vec<Campaign> = (0..n_campaigns)
            .map(|index| {
                let (channel, themes) = CAMPAIGN_CHANNELS[index as usize % CAMPAIGN_CHANNELS.len()];
                let purpose = match channel {
                    Channel::Email if chance(rng, 0.4) => Purpose::Retention,
                    Channel::Display | Channel::Social if chance(rng, 0.3) => Purpose::Brand,
                    _ => Purpose::Acquisition,
                };
                let n_days =
                    if channel == Channel::Events { rng.random_range(21..=45) } else { rng.random_range(14..=120) };
                let first_day = rng.random_range(0..N_DAYS - 14);
                Campaign {
                    number: index + 1,
                    channel,
                    purpose,
                    theme: pick(rng, themes),
                    first_day,
                    end_day: first_day + n_days,
                    daily_budget: log_normal(rng, 260.0, 0.5) * scale,
                }
            })
            .collect();
        let mut lead_campaigns = vec![Vec::new(); N_DAYS * Channel::ALL.len()];
        for (index, campaign) in campaigns.iter().enumerate() {
            if campaign.purpose == Purpose::Retention {
                continue;
            }
            for day in campaign.first_day..campaign.end_day.min(N_DAYS) {
                lead_campaigns[day * Channel::ALL.len() + campaign.channel as usize].push(index);
            }
        }
        MarketingPlan { campaigns, lead_campaigns, event_days: plan_event_days(rng, calendar) }
    }

    /// The campaign (its number) a lead arriving through `channel` on `day` is attributed to:
    /// most leads of a channel with a running campaign, none otherwise.
    pub(crate) fn campaign_for_lead(&self, rng: &mut impl Rng, channel: Channel, day: usize) -> Option<u64> {
        let running = &self.lead_campaigns[day * Channel::ALL.len() + channel as usize];
        if running.is_empty() || !chance(rng, 0.7) {
            return None;
        }
        Some(self.campaigns[pick(rng, running)].number)
    }
}

/// Two trade events a month, on working days.
fn plan_event_days(rng: &mut impl Rng, calendar: &Calendar) -> Vec<bool> {
    let mut event_days = vec![false; N_DAYS];
    let mut month_days = Vec::with_capacity(31);
    let mut day = 0;
    while day < N_DAYS {
        let month = calendar.date(day).month();
        month_days.clear();
        while day < N_DAYS && calendar.date(day).month() == month {
            if calendar.is_working_day(day) {
                month_days.push(day);
            }
            day += 1;
        }
        for _ in 0..2 {
            event_days[pick(rng, &month_days)] = true;
        }
    }
    event_days
}

pub(crate) fn write_marketing(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    write_campaigns(context, tables)?;
    write_spend(context, tables, rng)?;
    write_web_traffic(context, tables, rng)?;
    write_email_list(context, tables, rng)
}

fn write_campaigns(context: &Context, tables: &mut Tables) -> Result<()> {
    for campaign in &context.marketing.campaigns {
        let started_at = start_of_day(campaign.first_day) + 9 * SECONDS_PER_HOUR;
        let ended_at = (campaign.end_day <= N_DAYS).then(|| start_of_day(campaign.end_day - 1) + 18 * SECONDS_PER_HOUR);
        let launch = context.calendar.date(campaign.first_day);
        tables
            .campaigns
            .id(CAMPAIGN_ID, campaign.number)
            .display(format_args!("{} {}", campaign.theme, launch.format("%b %Y")))
            .text(campaign.channel.name())
            .instant(started_at)
            .optional_instant(ended_at)
            .finish_row()?;
    }
    Ok(())
}

/// Per day: each channel's acquisition spend (events only on event days), retention spend on
/// email, brand spend on display and social, and the spend of each running campaign. Every row
/// has its own (date, channel, campaign, purpose).
fn write_spend(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    let scale = context.scale;
    let calendar = &context.calendar;
    for day in 0..N_DAYS {
        let busy = 0.5 + 0.5 * calendar.day_weight(day, Rhythm::Business, Trend::Growing);
        for channel in Channel::ALL {
            let daily_spend = channel.profile().daily_spend * scale;
            let amount = if channel == Channel::Events {
                if !context.marketing.event_days[day] {
                    continue;
                }
                log_normal(rng, daily_spend, 0.35)
            } else {
                log_normal(rng, daily_spend * busy, 0.18)
            };
            write_spend_row(tables, day, channel, None, amount, Purpose::Acquisition)?;
        }
        let retention = log_normal(rng, 45.0 * scale, 0.2);
        write_spend_row(tables, day, Channel::Email, None, retention, Purpose::Retention)?;
        let display_brand = log_normal(rng, 70.0 * scale, 0.2);
        write_spend_row(tables, day, Channel::Display, None, display_brand, Purpose::Brand)?;
        if calendar.is_working_day(day) {
            let social_brand = log_normal(rng, 110.0 * scale, 0.25);
            write_spend_row(tables, day, Channel::Social, None, social_brand, Purpose::Brand)?;
        }
        for campaign in context.marketing.campaigns.iter().filter(|campaign| campaign.runs_on(day)) {
            let amount = log_normal(rng, campaign.daily_budget * busy, 0.25);
            write_spend_row(tables, day, campaign.channel, Some(campaign.number), amount, campaign.purpose)?;
        }
    }
    Ok(())
}

fn write_spend_row(
    tables: &mut Tables,
    day: usize,
    channel: Channel,
    campaign: Option<u64>,
    amount: f64,
    purpose: Purpose,
) -> Result<()> {
    tables
        .marketing_spend
        .date(day)
        .text(channel.name())
        .optional_id(CAMPAIGN_ID, campaign)
        .money(cents(amount))
        .text(purpose.name())
        .finish_row()
}

/// Whole cents, at least one: every spend row is money actually spent.
fn cents(amount: f64) -> i64 {
    ((amount * 100.0).round() as i64).max(1)
}

fn write_web_traffic(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    for day in 0..N_DAYS {
        let weight = context.calendar.day_weight(day, Rhythm::Consumer, Trend::Growing);
        for channel in Channel::ALL {
            let profile = channel.profile();
            let event_boost = if channel == Channel::Events && context.marketing.event_days[day] { 6.0 } else { 1.0 };
            let expected = profile.daily_visitors * context.scale * weight * event_boost;
            let visitors = log_normal(rng, expected, 0.12).round() as u64;
            let sessions = (visitors as f64 * uniform(rng, 1.12, 1.45)).round() as u64;
            let purchases = poisson(rng, visitors as f64 * profile.purchase_rate);
            tables
                .web_traffic
                .date(day)
                .text(profile.name)
                .integer(visitors)
                .integer(sessions)
                .decimal(log_normal(rng, profile.session_seconds, 0.1))
                .integer(purchases)
                .finish_row()?;
        }
    }
    Ok(())
}

/// The list grows with sign-ups and shrinks with unsubscribes and bounces; its size is written on
/// the first day and on the first of each month, as an email tool's monthly export would.
fn write_email_list(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    let mut list_size = (8_000.0 * context.scale).round() as u64;
    for day in 0..N_DAYS {
        let date = context.calendar.date(day);
        let weight = context.calendar.day_weight(day, Rhythm::Consumer, Trend::Growing);
        let subscribed = poisson(rng, 22.0 * context.scale * weight);
        let unsubscribe_rate = if date.month() == 1 { 0.0011 } else { 0.0007 };
        let unsubscribed = poisson(rng, list_size as f64 * unsubscribe_rate).min(list_size + subscribed);
        let bounced = poisson(rng, list_size as f64 * 0.000_25).min(list_size + subscribed - unsubscribed);
        tables.email_list.date(day).integer(subscribed).integer(unsubscribed).integer(bounced);
        if day == 0 || date.day() == 1 {
            tables.email_list.integer(list_size);
        } else {
            tables.email_list.empty();
        }
        tables.email_list.finish_row()?;
        list_size = list_size + subscribed - unsubscribed - bounced;
    }
    Ok(())
}
