//! Activities: the calls, emails, meetings, messages, tasks and notes reps log against leads,
//! deals and customers, with the channel and outcome each kind of activity has.

use rand::Rng;

use crate::calendar::Rhythm;
use crate::context::Context;
use crate::error::Result;
use crate::output::{ACTIVITY_ID, CUSTOMER_ID, DEAL_ID, LEAD_ID, Tables, USER_ID};
use crate::sampling::{chance, pick_weighted, poisson};
use crate::team::Department;

/// What the activities concern.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Subject {
    pub(crate) deal: Option<u64>,
    pub(crate) lead: Option<u64>,
    pub(crate) customer: Option<u64>,
}

/// The kinds of work, which differ in their mix of activity types.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    Prospecting,
    Selling,
    AccountCare,
}

#[derive(Debug, Clone, Copy)]
enum ActivityType {
    Call,
    Email,
    Meeting,
    Message,
    Task,
    Note,
}

impl Work {
    fn mix(self) -> &'static [(ActivityType, f64)] {
        match self {
            Work::Prospecting => &[
                (ActivityType::Email, 0.45),
                (ActivityType::Call, 0.35),
                (ActivityType::Message, 0.1),
                (ActivityType::Task, 0.1),
            ],
            Work::Selling => &[
                (ActivityType::Email, 0.32),
                (ActivityType::Call, 0.25),
                (ActivityType::Meeting, 0.22),
                (ActivityType::Task, 0.09),
                (ActivityType::Note, 0.08),
                (ActivityType::Message, 0.04),
            ],
            Work::AccountCare => &[
                (ActivityType::Email, 0.3),
                (ActivityType::Call, 0.2),
                (ActivityType::Meeting, 0.25),
                (ActivityType::Note, 0.15),
                (ActivityType::Message, 0.1),
            ],
        }
    }
}

/// About `mean_count` activity instants in `[from, to)`, in office hours and chronological
/// order, into `times`.
pub(crate) fn plan_activity_times(
    context: &Context,
    rng: &mut impl Rng,
    from: i64,
    to: i64,
    mean_count: f64,
    times: &mut Vec<i64>,
) {
    times.clear();
    let count = poisson(rng, mean_count);
    context.calendar.sample_instants(rng, (from, to), count, Rhythm::Business, times);
}

/// Who works on what: the owner (a user number) and their department, the subject and the kind
/// of work.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assignment {
    pub(crate) owner: u64,
    pub(crate) department: Department,
    pub(crate) subject: Subject,
    pub(crate) work: Work,
}

/// One activity per instant, mostly by the assigned owner, sometimes by a colleague of the
/// department.
pub(crate) fn write_activities(
    context: &Context,
    tables: &mut Tables,
    rng: &mut impl Rng,
    times: &[i64],
    assignment: &Assignment,
) -> Result<()> {
    let subject = assignment.subject;
    for &at in times {
        let owner = if chance(rng, 0.9) { assignment.owner } else { context.team.pick(rng, assignment.department, at) };
        let (type_name, channel, outcome) = match pick_weighted(rng, assignment.work.mix()) {
            ActivityType::Call => (
                "call",
                Some("phone"),
                Some(pick_weighted(rng, &[("connected", 0.5), ("no_answer", 0.3), ("left_voicemail", 0.2)])),
            ),
            ActivityType::Email => {
                ("email", Some("email"), Some(pick_weighted(rng, &[("sent", 0.65), ("replied", 0.35)])))
            }
            ActivityType::Meeting => (
                "meeting",
                Some(pick_weighted(rng, &[("video", 0.7), ("in_person", 0.3)])),
                Some(pick_weighted(rng, &[("held", 0.82), ("rescheduled", 0.12), ("no_show", 0.06)])),
            ),
            ActivityType::Message => (
                "message",
                Some(pick_weighted(rng, &[("whatsapp", 0.4), ("linkedin", 0.45), ("sms", 0.15)])),
                Some(pick_weighted(rng, &[("sent", 0.7), ("replied", 0.3)])),
            ),
            ActivityType::Task => ("task", None, chance(rng, 0.85).then_some("completed")),
            ActivityType::Note => ("note", None, None),
        };
        let number = tables.activities.allocate_id();
        tables
            .activities
            .id(ACTIVITY_ID, number)
            .instant(at)
            .id(USER_ID, owner)
            .text(type_name)
            .optional_text(channel)
            .optional_id(DEAL_ID, subject.deal)
            .optional_id(LEAD_ID, subject.lead)
            .optional_id(CUSTOMER_ID, subject.customer)
            .optional_text(outcome)
            .finish_row()?;
    }
    Ok(())
}
