//! The people who work in the CRM: the users, their daily use of it (usage events on most working
//! days) and their quarterly employee survey (eNPS responses).

use chrono::Datelike;
use rand::Rng;

use crate::calendar::{
    CALENDAR_END, CALENDAR_START, Calendar, N_DAYS, Rhythm, SECONDS_PER_DAY, SECONDS_PER_HOUR, Trend, day_of,
    start_of_day,
};
use crate::context::{Context, scaled_count};
use crate::error::Result;
use crate::output::{RESPONSE_ID, Tables, USER_ID};
use crate::sampling::{chance, exponential, normal, pick, pick_weighted, poisson, uniform_seconds};
use crate::vocabulary::Identity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Department {
    Sales,
    Support,
    Success,
    Marketing,
    Management,
}

impl Department {
    fn name(self) -> &'static str {
        match self {
            Department::Sales => "sales",
            Department::Support => "support",
            Department::Success => "customer_success",
            Department::Marketing => "marketing",
            Department::Management => "management",
        }
    }

    /// Actions per working day besides logging in.
    fn mean_daily_actions(self) -> f64 {
        match self {
            Department::Sales => 5.0,
            Department::Support => 6.0,
            Department::Success => 4.0,
            Department::Marketing => 2.5,
            Department::Management => 2.0,
        }
    }
}

/// Departments of users in order of hiring: any team of three or more has sales and support.
const DEPARTMENT_PATTERN: [Department; 10] = [
    Department::Sales,
    Department::Support,
    Department::Sales,
    Department::Success,
    Department::Support,
    Department::Sales,
    Department::Marketing,
    Department::Support,
    Department::Sales,
    Department::Management,
];

#[derive(Debug)]
pub(crate) struct User {
    number: u64,
    department: Department,
    identity: Identity,
    created_at: i64,
    deactivated_at: Option<i64>,
    licensed: bool,
    /// Mean eNPS score.
    engagement: f64,
}

impl User {
    fn is_active_at(&self, instant: i64) -> bool {
        self.created_at <= instant && self.deactivated_at.is_none_or(|end| instant < end)
    }
}

#[derive(Debug)]
pub(crate) struct Team {
    users: Vec<User>,
    /// Indices into `users`, per department (`Department as usize`).
    members: [Vec<usize>; 5],
}

impl Team {
    pub(crate) fn plan(rng: &mut impl Rng, calendar: &Calendar, scale: f64) -> Team {
        let n_users = scaled_count(50.0, scale, 3);
        let go_live = CALENDAR_START + SECONDS_PER_DAY + 8 * SECONDS_PER_HOUR;
        let users = (0..n_users)
            .map(|index| {
                let department = DEPARTMENT_PATTERN[index as usize % DEPARTMENT_PATTERN.len()];
                // The first of each department are there from go-live to the end, so every role
                // always has someone to fall back on.
                let core = index < DEPARTMENT_PATTERN.len() as u64;
                let created_at = if core {
                    go_live + index as i64 * 900
                } else if chance(rng, 0.55) {
                    calendar.sample_instant(rng, go_live, go_live + 14 * SECONDS_PER_DAY, Rhythm::Business, Trend::Flat)
                } else {
                    calendar.sample_instant(
                        rng,
                        CALENDAR_START + 30 * SECONDS_PER_DAY,
                        CALENDAR_END - 30 * SECONDS_PER_DAY,
                        Rhythm::Business,
                        Trend::Flat,
                    )
                };
                let deactivated_at = if !core && chance(rng, 0.12) {
                    let leaving =
                        created_at + 90 * SECONDS_PER_DAY + (exponential(rng, 300.0) * SECONDS_PER_DAY as f64) as i64;
                    (leaving < CALENDAR_END).then_some(leaving)
                } else {
                    None
                };
                let leaving_penalty = if deactivated_at.is_some() { 1.5 } else { 0.0 };
                User {
                    number: index + 1,
                    department,
                    identity: Identity::random(rng, false),
                    created_at,
                    deactivated_at,
                    licensed: core || chance(rng, 0.94),
                    engagement: normal(rng, 7.4, 1.2) - leaving_penalty,
                }
            })
            .collect::<Vec<User>>();
        let mut members: [Vec<usize>; 5] = Default::default();
        for (index, user) in users.iter().enumerate() {
            members[user.department as usize].push(index);
        }
        Team { users, members }
    }

    /// A licensed user of the department active at `instant` (the department's first user when
    /// none is found), as the number of their user id. Departments a small team lacks fall back
    /// to sales.
    pub(crate) fn pick(&self, rng: &mut impl Rng, department: Department, instant: i64) -> u64 {
        let mut members = &self.members[department as usize];
        if members.is_empty() {
            members = &self.members[Department::Sales as usize];
        }
        for _ in 0..8 {
            let user = &self.users[pick(rng, members)];
            if user.licensed && user.is_active_at(instant) {
                return user.number;
            }
        }
        self.users[members[0]].number
    }
}

pub(crate) fn write_team(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    for user in &context.team.users {
        tables
            .users
            .id(USER_ID, user.number)
            .display(user.identity.person_name())
            .text(user.department.name())
            .boolean(user.licensed)
            .instant(user.created_at)
            .optional_instant(user.deactivated_at)
            .finish_row()?;
    }
    for user in context.team.users.iter().filter(|user| user.licensed) {
        write_usage_events(context, tables, rng, user)?;
    }
    write_employee_surveys(context, tables, rng)
}

const ACTIONS: &[(&str, f64)] = &[("record_created", 0.35), ("record_updated", 0.45), ("report_viewed", 0.2)];

/// A login on most working days, then a few actions at increasing instants, so that no two
/// events of a user share an instant.
fn write_usage_events(context: &Context, tables: &mut Tables, rng: &mut impl Rng, user: &User) -> Result<()> {
    let first_day = day_of(user.created_at) + 1;
    let end = user.deactivated_at.unwrap_or(CALENDAR_END);
    let last_day = if end >= CALENDAR_END { N_DAYS } else { day_of(end) + 1 };
    for day in first_day..last_day {
        if !context.calendar.is_working_day(day) || !chance(rng, 0.86) {
            continue;
        }
        let day_start = start_of_day(day);
        let day_end = (day_start + SECONDS_PER_DAY).min(end);
        let mut at = day_start + 7 * SECONDS_PER_HOUR + uniform_seconds(rng, 0, 5 * SECONDS_PER_HOUR / 2);
        if at >= day_end {
            continue;
        }
        tables.usage_events.id(USER_ID, user.number).instant(at).text("login").finish_row()?;
        for _ in 0..poisson(rng, user.department.mean_daily_actions()) {
            at += 60 + (exponential(rng, 40.0) * 60.0) as i64;
            if at >= day_end {
                break;
            }
            let action = if user.department == Department::Management && chance(rng, 0.5) {
                "report_viewed"
            } else {
                pick_weighted(rng, ACTIONS)
            };
            tables.usage_events.id(USER_ID, user.number).instant(at).text(action).finish_row()?;
        }
    }
    Ok(())
}

/// The quarterly pulse survey, sent on the 10th of March, June, September and December.
fn write_employee_surveys(context: &Context, tables: &mut Tables, rng: &mut impl Rng) -> Result<()> {
    for day in 0..N_DAYS {
        let date = context.calendar.date(day);
        if date.day() != 10 || !matches!(date.month(), 3 | 6 | 9 | 12) {
            continue;
        }
        let sent_at = start_of_day(day) + 9 * SECONDS_PER_HOUR;
        for user in &context.team.users {
            if !user.licensed || !user.is_active_at(sent_at) || !chance(rng, 0.72) {
                continue;
            }
            let at = sent_at + (exponential(rng, 2.0) * SECONDS_PER_DAY as f64) as i64;
            if at >= CALENDAR_END || !user.is_active_at(at) {
                continue;
            }
            let score = normal(rng, user.engagement, 1.3).round().clamp(0.0, 10.0) as u64;
            let comment = match score {
                0..=6 if chance(rng, 0.3) => Some(pick(rng, EMPLOYEE_CRITICISM)),
                9..=10 if chance(rng, 0.2) => Some(pick(rng, EMPLOYEE_PRAISE)),
                _ => None,
            };
            let response_number = tables.survey_responses.allocate_id();
            tables
                .survey_responses
                .id(RESPONSE_ID, response_number)
                .empty()
                .id(USER_ID, user.number)
                .instant(at)
                .text("enps")
                .integer(score)
                .empty()
                .empty()
                .empty()
                .optional_text(comment)
                .text("quarterly_pulse")
                .finish_row()?;
        }
    }
    Ok(())
}

static EMPLOYEE_PRAISE: &[&str] =
    &["Great team, I learn a lot", "Proud of what we ship", "Good balance and supportive managers"];

static EMPLOYEE_CRITICISM: &[&str] =
    &["Too many tools for the same work", "Targets keep moving", "Need more people on support"];
