//! Customers and everything that happens to them once they exist: their subscriptions or
//! purchases, upsell deals, support tickets, surveys and account management.
//!
//! A customer's whole life is generated at once and written out, so nothing about a customer is
//! kept once the next one starts: memory stays flat however large the scale. A hidden health
//! score (0–1) per customer ties the parts together: healthy customers expand, stay and answer
//! surveys kindly; unhealthy ones open more tickets, contract and leave.

use rand::Rng;

use crate::activities::{Assignment, Subject, Work, plan_activity_times, write_activities};
use crate::calendar::{CALENDAR_END, CALENDAR_START, Rhythm, SECONDS_PER_DAY, SECONDS_PER_HOUR, Trend};
use crate::channel::Channel;
use crate::context::Context;
use crate::deals::{Deal, DealOutcome, simulate_deal, write_deal};
use crate::error::Result;
use crate::output::{CUSTOMER_ID, ORDER_ID, Tables};
use crate::sampling::{
    AscendingUniforms, Selection, chance, exponential, log_normal, normal, pick, pick_weighted, poisson, uniform,
    uniform_seconds,
};
use crate::service::{CustomerService, write_relationship_surveys, write_tickets};
use crate::subscriptions::{SubscriptionPlan, Timeline, plan_name, whole_dollars, write_subscription};
use crate::team::Department;
use crate::vocabulary::{INDUSTRIES, Identity, PRODUCT_CATEGORIES, random_phone_digits, random_region};

/// The size of the business a customer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment {
    Consumer,
    Smb,
    MidMarket,
    Enterprise,
}

impl Segment {
    /// The segment of a prospect sales opens a deal for.
    pub(crate) fn random_for_deal(rng: &mut impl Rng) -> Segment {
        pick_weighted(rng, &[(Segment::Smb, 0.65), (Segment::MidMarket, 0.27), (Segment::Enterprise, 0.08)])
    }

    /// A monthly price in whole dollars, in cents.
    pub(crate) fn monthly_price_cents(self, rng: &mut impl Rng) -> i64 {
        let (median, sigma) = match self {
            Segment::Consumer => (39.0, 0.35),
            Segment::Smb => (150.0, 0.5),
            Segment::MidMarket => (900.0, 0.45),
            Segment::Enterprise => (4_000.0, 0.5),
        };
        whole_dollars(log_normal(rng, median, sigma))
    }

    /// Larger customers are less likely to close a deal, but close bigger ones.
    pub(crate) fn win_multiplier(self) -> f64 {
        match self {
            Segment::Consumer | Segment::Smb => 1.0,
            Segment::MidMarket => 0.9,
            Segment::Enterprise => 0.75,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Segment::Consumer => "consumer",
            Segment::Smb => "smb",
            Segment::MidMarket => "mid_market",
            Segment::Enterprise => "enterprise",
        }
    }

    fn employees(self, rng: &mut impl Rng) -> Option<u64> {
        let (low, high): (f64, f64) = match self {
            Segment::Consumer => return None,
            Segment::Smb => (2.0, 50.0),
            Segment::MidMarket => (50.0, 1_000.0),
            Segment::Enterprise => (1_000.0, 20_000.0),
        };
        let employees = uniform(rng, low.ln(), high.ln()).exp().round() as u64;
        (!chance(rng, 0.1)).then_some(employees)
    }

    fn tier(self, rng: &mut impl Rng) -> &'static str {
        let tiers: &[(&str, f64)] = match self {
            Segment::Consumer => &[("bronze", 0.8), ("silver", 0.2)],
            Segment::Smb => &[("bronze", 0.55), ("silver", 0.35), ("gold", 0.1)],
            Segment::MidMarket => &[("bronze", 0.15), ("silver", 0.6), ("gold", 0.25)],
            Segment::Enterprise => &[("silver", 0.2), ("gold", 0.8)],
        };
        pick_weighted(rng, tiers)
    }

    fn tickets_per_year(self) -> f64 {
        match self {
            Segment::Consumer => 0.8,
            Segment::Smb => 1.1,
            Segment::MidMarket => 1.6,
            Segment::Enterprise => 2.4,
        }
    }
}

/// How a customer came to be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// Sales won a deal with the lead; the deal's amount is a year of the monthly price.
    WonDeal { segment: Segment, monthly_price_cents: i64 },
    /// A lead signed up on their own.
    SelfServe,
    /// Signed up or bought without ever being a lead.
    Direct,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct NewCustomer {
    pub(crate) number: u64,
    pub(crate) created_at: i64,
    pub(crate) channel: Option<Channel>,
    pub(crate) identity: Identity,
    pub(crate) origin: Origin,
}

/// How a customer pays.
#[derive(Debug, Clone, Copy)]
enum Model {
    Subscriber { monthly_price_cents: i64, annual: bool, free_start: bool },
    Buyer,
    Prospect,
}

/// Writes customers one whole life at a time, with the buffers reused from one to the next.
#[derive(Debug)]
pub(crate) struct Accounts {
    n_customers: u64,
    upsell_deals: Selection,
    /// The last customer's identity, copied now and then into a duplicate record, as happens
    /// when someone signs up twice.
    previous: Option<Identity>,
    times: Vec<i64>,
    stage_entries: Vec<(i64, usize)>,
    timeline: Timeline,
}

impl Accounts {
    pub(crate) fn new(n_customers: u64, n_upsell_deals: u64) -> Accounts {
        Accounts {
            n_customers,
            upsell_deals: Selection::new(n_upsell_deals, n_customers),
            previous: None,
            times: Vec::new(),
            stage_entries: Vec::new(),
            timeline: Timeline::default(),
        }
    }

    /// The customers who never were leads, enough to reach the planned number of customers, in
    /// chronological order.
    pub(crate) fn write_direct_customers(
        &mut self,
        context: &Context,
        tables: &mut Tables,
        rng: &mut impl Rng,
    ) -> Result<()> {
        let sources: Vec<(Channel, f64)> =
            Channel::ALL.iter().map(|&channel| (channel, channel.profile().direct_customer_share)).collect();
        let n_direct = self.n_customers.saturating_sub(tables.customers.allocated_ids());
        let mut quantiles = AscendingUniforms::new(n_direct);
        while let Some(quantile) = quantiles.next(rng) {
            let created_at =
                context.calendar.instant_at(quantile, CALENDAR_START, CALENDAR_END, Rhythm::Consumer, Trend::Growing);
            let channel = (!chance(rng, 0.02)).then(|| pick_weighted(rng, &sources));
            let buys_for_a_company = chance(rng, 0.45);
            let customer = NewCustomer {
                number: tables.customers.allocate_id(),
                created_at,
                channel,
                identity: Identity::random(rng, buys_for_a_company),
                origin: Origin::Direct,
            };
            self.write_customer(context, tables, rng, &customer)?;
        }
        Ok(())
    }

    /// The customer and their whole life.
    pub(crate) fn write_customer(
        &mut self,
        context: &Context,
        tables: &mut Tables,
        rng: &mut impl Rng,
        customer: &NewCustomer,
    ) -> Result<()> {
        let segment = match customer.origin {
            Origin::WonDeal { segment, .. } => segment,
            _ if customer.identity.company.is_none() => Segment::Consumer,
            _ if chance(rng, 0.85) => Segment::Smb,
            _ => Segment::MidMarket,
        };
        let health = normal(rng, 0.62, 0.2).clamp(0.02, 0.98);
        self.write_customer_row(tables, rng, customer, segment)?;
        let model = choose_model(rng, customer.origin, segment);
        let account_owner = context.team.pick(rng, Department::Success, customer.created_at);
        let expansion_deal = if self.upsell_deals.select(rng) {
            self.write_upsell_deal(context, tables, rng, customer, model)?
        } else {
            None
        };
        let (churned_at, paying) = match model {
            Model::Subscriber { monthly_price_cents, annual, free_start } => {
                let subscriber = Subscriber { monthly_price_cents, annual, free_start, health, expansion_deal };
                self.write_subscriptions(tables, rng, customer, &subscriber)?
            }
            Model::Buyer => {
                write_deal_order(tables, rng, customer.number, expansion_deal)?;
                let lapsed_at = self.write_purchases(context, tables, rng, customer, health)?;
                (lapsed_at, true)
            }
            Model::Prospect => {
                write_deal_order(tables, rng, customer.number, expansion_deal)?;
                (None, false)
            }
        };
        let active_until =
            churned_at.map_or(CALENDAR_END, |churned_at| (churned_at + 30 * SECONDS_PER_DAY).min(CALENDAR_END));
        let service = CustomerService {
            customer: customer.number,
            created_at: customer.created_at,
            active_until,
            churned_at,
            health,
            tickets_per_year: segment.tickets_per_year() * (2.7 - 1.9 * health) * if paying { 1.0 } else { 0.3 },
            account_owner,
        };
        write_tickets(context, tables, rng, &service, &mut self.times)?;
        write_relationship_surveys(context, tables, rng, &service)?;
        let years = (active_until - customer.created_at) as f64 / (365.25 * SECONDS_PER_DAY as f64);
        let onboarding_touches = if matches!(customer.origin, Origin::WonDeal { .. }) { 2.0 } else { 0.0 };
        let touches_per_year = match model {
            Model::Subscriber { .. } => 0.5,
            Model::Buyer => 0.15,
            Model::Prospect => 0.1,
        };
        plan_activity_times(
            context,
            rng,
            customer.created_at,
            active_until,
            onboarding_touches + touches_per_year * years,
            &mut self.times,
        );
        let assignment = Assignment {
            owner: account_owner,
            department: Department::Success,
            subject: Subject { customer: Some(customer.number), ..Subject::default() },
            work: Work::AccountCare,
        };
        write_activities(context, tables, rng, &self.times, &assignment)
    }

    fn write_customer_row(
        &mut self,
        tables: &mut Tables,
        rng: &mut impl Rng,
        customer: &NewCustomer,
        segment: Segment,
    ) -> Result<()> {
        let identity = match self.previous {
            Some(previous) if chance(rng, 0.006) => previous,
            _ => customer.identity,
        };
        self.previous = Some(identity);
        let region = random_region(rng);
        let (country, calling_code) = pick(rng, region.countries);
        let table = &mut tables.customers;
        table.id(CUSTOMER_ID, customer.number);
        match identity.company {
            Some(company) => table.display(company),
            None => table.display(identity.person_name()),
        };
        if chance(rng, 0.03) {
            table.empty();
        } else {
            table.display(identity.email());
        }
        match random_phone_digits(rng) {
            Some((area, exchange, line)) => table.display(format_args!("{calling_code} {area} {exchange} {line:04}")),
            None => table.empty(),
        };
        match identity.company {
            Some(company) => table.display(company),
            None => table.empty(),
        };
        let industry = (segment != Segment::Consumer && !chance(rng, 0.08)).then(|| pick(rng, INDUSTRIES));
        table
            .instant(customer.created_at)
            .optional_text(customer.channel.map(Channel::name))
            .text(segment.name())
            .text(region.name)
            .optional_text(industry)
            .text(country);
        match segment.employees(rng) {
            Some(employees) => table.integer(employees),
            None => table.empty(),
        };
        table.text(segment.tier(rng)).finish_row()
    }

    /// An upsell deal some time after the customer signed. Returns, when won, when and by how
    /// much it raised the monthly price (subscribers) or the amount it sold (others).
    fn write_upsell_deal(
        &mut self,
        context: &Context,
        tables: &mut Tables,
        rng: &mut impl Rng,
        customer: &NewCustomer,
        model: Model,
    ) -> Result<Option<ExpansionDeal>> {
        let after_signing = 45 * SECONDS_PER_DAY + (exponential(rng, 200.0) * SECONDS_PER_DAY as f64) as i64;
        let mut created_at = context.calendar.office_hours_from(rng, customer.created_at + after_signing);
        if created_at >= CALENDAR_END - SECONDS_PER_HOUR {
            let remaining = (CALENDAR_END - customer.created_at) as f64;
            created_at = customer.created_at + (remaining * uniform(rng, 0.2, 0.9)) as i64;
        }
        let (added_mrr_cents, amount_cents) = match model {
            Model::Subscriber { monthly_price_cents, .. } => {
                let added = whole_dollars(monthly_price_cents as f64 / 100.0 * uniform(rng, 0.3, 0.8));
                (added, 12 * added)
            }
            Model::Buyer | Model::Prospect => (0, whole_dollars(log_normal(rng, 2_500.0, 0.6))),
        };
        let outcome: DealOutcome =
            simulate_deal(&context.calendar, rng, context.stages.len(), created_at, 1.5, &mut self.stage_entries);
        let deal = Deal {
            number: tables.deals.allocate_id(),
            customer: Some(customer.number),
            lead: None,
            owner: context.team.pick(rng, Department::Sales, created_at),
            created_at,
            amount_cents,
            source: customer.channel,
        };
        write_deal(context, tables, rng, &deal, &outcome, &self.stage_entries, &mut self.times)?;
        Ok(outcome.won_at().map(|won_at| ExpansionDeal { won_at, added_mrr_cents, amount_cents }))
    }

    /// The main subscription and sometimes an add-on. Returns when the customer churned (all
    /// subscriptions ended), and whether they ever had one.
    fn write_subscriptions(
        &mut self,
        tables: &mut Tables,
        rng: &mut impl Rng,
        customer: &NewCustomer,
        subscriber: &Subscriber,
    ) -> Result<(Option<i64>, bool)> {
        let onboarding = match customer.origin {
            Origin::WonDeal { .. } => uniform_seconds(rng, SECONDS_PER_HOUR, 3 * SECONDS_PER_DAY),
            Origin::SelfServe | Origin::Direct => 600 + (exponential(rng, 2.0) * SECONDS_PER_DAY as f64) as i64,
        };
        let started_at = customer.created_at + onboarding;
        if started_at >= CALENDAR_END {
            write_deal_order(tables, rng, customer.number, subscriber.expansion_deal)?;
            return Ok((None, false));
        }
        let mrr_cents = if subscriber.free_start { 0 } else { subscriber.monthly_price_cents };
        let main = SubscriptionPlan {
            customer: customer.number,
            plan_name: plan_name(mrr_cents),
            started_at,
            mrr_cents,
            paid_mrr_cents: subscriber.monthly_price_cents,
            term_months: if subscriber.annual { 12 } else { 1 },
            health: subscriber.health,
            expansion_deal: subscriber.expansion_deal.map(|deal| (deal.won_at, deal.added_mrr_cents)),
        };
        write_subscription(tables, rng, &main, &mut self.timeline)?;
        if !self.timeline.expansion_deal_applied {
            write_deal_order(tables, rng, customer.number, subscriber.expansion_deal)?;
        }
        let mut ended_at = self.timeline.ended_at;
        if chance(rng, 0.08) {
            let add_on_started_at =
                started_at + 30 * SECONDS_PER_DAY + (exponential(rng, 200.0) * SECONDS_PER_DAY as f64) as i64;
            if add_on_started_at < CALENDAR_END {
                let add_on_mrr =
                    whole_dollars(subscriber.monthly_price_cents as f64 / 100.0 * uniform(rng, 0.15, 0.4)).max(500);
                let add_on = SubscriptionPlan {
                    customer: customer.number,
                    plan_name: "add_on",
                    started_at: add_on_started_at,
                    mrr_cents: add_on_mrr,
                    paid_mrr_cents: add_on_mrr,
                    term_months: 1,
                    health: subscriber.health,
                    expansion_deal: None,
                };
                write_subscription(tables, rng, &add_on, &mut self.timeline)?;
                ended_at = ended_at.zip(self.timeline.ended_at).map(|(main_end, add_on_end)| main_end.max(add_on_end));
            }
        }
        Ok((ended_at, true))
    }

    /// A buyer's orders: the first soon after signing up, then repeat purchases at the buyer's
    /// own pace (seasonal, more in Q4) until they lapse. Returns when they lapsed, if they did
    /// well before the end of the calendar.
    fn write_purchases(
        &mut self,
        context: &Context,
        tables: &mut Tables,
        rng: &mut impl Rng,
        customer: &NewCustomer,
        health: f64,
    ) -> Result<Option<i64>> {
        let first_order_at = customer.created_at + 300 + (exponential(rng, 0.7) * SECONDS_PER_DAY as f64) as i64;
        if first_order_at >= CALENDAR_END {
            return Ok(None);
        }
        let orders_per_year = log_normal(rng, 7.0, 0.7) * (0.6 + 0.8 * health);
        let lifetime_days = exponential(rng, 730.0 * (0.4 + health));
        let active_until = (first_order_at + (lifetime_days * SECONDS_PER_DAY as f64) as i64).min(CALENDAR_END);
        let years = context.calendar.weighted_days(first_order_at, active_until, Rhythm::Consumer) / 365.25;
        self.times.clear();
        self.times.push(first_order_at);
        let n_repeat_orders = poisson(rng, orders_per_year * years);
        context.calendar.sample_instants(
            rng,
            (first_order_at + 1, active_until),
            n_repeat_orders,
            Rhythm::Consumer,
            &mut self.times,
        );
        let favourite = pick(rng, PRODUCT_CATEGORIES);
        for &at in &self.times {
            let category = if chance(rng, 0.75) { favourite } else { pick(rng, PRODUCT_CATEGORIES) };
            let status = if chance(rng, 0.03) { "refunded" } else { "paid" };
            let number = tables.orders.allocate_id();
            tables
                .orders
                .id(ORDER_ID, number)
                .id(CUSTOMER_ID, customer.number)
                .instant(at)
                .money(cents(log_normal(rng, category.median_amount, 0.55)))
                .text(status)
                .text(pick(rng, category.products))
                .text(category.name)
                .finish_row()?;
        }
        let lapsed = active_until < CALENDAR_END - 120 * SECONDS_PER_DAY;
        Ok(lapsed.then_some(active_until))
    }
}

/// A won upsell deal.
#[derive(Debug, Clone, Copy)]
struct ExpansionDeal {
    won_at: i64,
    added_mrr_cents: i64,
    amount_cents: i64,
}

#[derive(Debug, Clone, Copy)]
struct Subscriber {
    monthly_price_cents: i64,
    annual: bool,
    free_start: bool,
    health: f64,
    expansion_deal: Option<ExpansionDeal>,
}

fn choose_model(rng: &mut impl Rng, origin: Origin, segment: Segment) -> Model {
    match origin {
        Origin::WonDeal { segment, monthly_price_cents } => {
            let annual_share = if segment == Segment::Smb { 0.08 } else { 0.35 };
            Model::Subscriber { monthly_price_cents, annual: chance(rng, annual_share), free_start: false }
        }
        Origin::SelfServe | Origin::Direct => {
            let subscriber_share = if matches!(origin, Origin::SelfServe) { 0.7 } else { 0.27 };
            let roll = rng.random::<f64>();
            if roll < subscriber_share {
                let monthly_price_cents = segment.monthly_price_cents(rng);
                let free_start = chance(rng, 0.12);
                Model::Subscriber { monthly_price_cents, annual: !free_start && chance(rng, 0.1), free_start }
            } else if roll < 0.9 {
                Model::Buyer
            } else {
                Model::Prospect
            }
        }
    }
}

/// What a won upsell deal sold when it did not raise a subscription: a one-off order.
fn write_deal_order(
    tables: &mut Tables,
    rng: &mut impl Rng,
    customer: u64,
    expansion_deal: Option<ExpansionDeal>,
) -> Result<()> {
    let Some(deal) = expansion_deal else {
        return Ok(());
    };
    let at = deal.won_at + uniform_seconds(rng, SECONDS_PER_HOUR, 2 * SECONDS_PER_DAY);
    if at >= CALENDAR_END {
        return Ok(());
    }
    let number = tables.orders.allocate_id();
    tables
        .orders
        .id(ORDER_ID, number)
        .id(CUSTOMER_ID, customer)
        .instant(at)
        .money(deal.amount_cents)
        .text("paid")
        .text(pick(rng, &["Custom integration", "Data migration", "Onboarding package"]))
        .text("services")
        .finish_row()
}

/// Whole cents, at least one dollar.
fn cents(dollars: f64) -> i64 {
    ((dollars * 100.0).round() as i64).max(100)
}
