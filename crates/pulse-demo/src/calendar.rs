//! The fixed calendar the demo data lives in, and the rhythms of activity across it.
//!
//! Everything happens between 2023-01-01 and 2026-01-01 (exclusive), in UTC, so a data set never
//! depends on the day it is generated. Instants are seconds since the Unix epoch. Each day has a
//! weight per [`Rhythm`] (weekly pattern × month seasonality × holidays), optionally times a
//! growth [`Trend`], and each rhythm has an hour-of-day profile. Instants are drawn with a density
//! proportional to day weight × hour weight, which is what gives the data its Q4 peaks, quiet
//! weekends and office hours. Weights are normalised to a mean of 1 per day, so a daily rate times
//! [`Calendar::weighted_days`] is an expected count.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Weekday};
use rand::Rng;

pub(crate) const SECONDS_PER_HOUR: i64 = 3_600;
pub(crate) const SECONDS_PER_DAY: i64 = 86_400;
/// 2023-01-01T00:00:00Z.
pub(crate) const CALENDAR_START: i64 = 1_672_531_200;
/// 2026-01-01T00:00:00Z, the first instant after the data set.
pub(crate) const CALENDAR_END: i64 = 1_767_225_600;
pub(crate) const N_DAYS: usize = 1_096;
const OFFICE_OPENS: i64 = 8 * SECONDS_PER_HOUR;
const OFFICE_CLOSES: i64 = 18 * SECONDS_PER_HOUR;

/// Whose habits shape the activity: offices (weekdays, office hours) or consumers (every day,
/// evenings, a strong Q4 with Black Friday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rhythm {
    Business,
    Consumer,
}

/// Whether the volume grows over the three years (new leads, traffic) or not (the habits of an
/// existing customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trend {
    Flat,
    Growing,
}

#[derive(Debug)]
pub(crate) struct Calendar {
    dates: Vec<NaiveDate>,
    /// Indexed by `profile_index(rhythm, trend)`.
    day_profiles: [DayProfile; 4],
    /// Indexed by `rhythm as usize`.
    hour_profiles: [HourProfile; 2],
}

impl Calendar {
    pub(crate) fn new() -> Calendar {
        let first_day = NaiveDate::from_ymd_opt(2023, 1, 1).expect("2023-01-01 is a valid date");
        let dates: Vec<NaiveDate> = first_day.iter_days().take(N_DAYS).collect();
        let day_profile = |rhythm: Rhythm, trend: Trend| {
            DayProfile::new(dates.iter().enumerate().map(|(day, &date)| {
                let growth = match trend {
                    Trend::Flat => 1.0,
                    Trend::Growing => 0.7 + 0.6 * day as f64 / N_DAYS as f64,
                };
                day_weight(date, rhythm) * growth
            }))
        };
        let day_profiles = [
            day_profile(Rhythm::Business, Trend::Flat),
            day_profile(Rhythm::Business, Trend::Growing),
            day_profile(Rhythm::Consumer, Trend::Flat),
            day_profile(Rhythm::Consumer, Trend::Growing),
        ];
        let hour_profiles = [HourProfile::new(BUSINESS_HOURS), HourProfile::new(CONSUMER_HOURS)];
        Calendar { dates, day_profiles, hour_profiles }
    }

    pub(crate) fn date(&self, day: usize) -> NaiveDate {
        self.dates[day]
    }

    pub(crate) fn is_working_day(&self, day: usize) -> bool {
        let date = self.dates[day];
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !is_public_holiday(date)
    }

    /// The first moment at or after `instant` in office hours (working days, 08:00 to 18:00):
    /// `instant` itself when it is in them, else a little after 08:00 on the next working
    /// morning. [`CALENDAR_END`] when there is none left in the calendar.
    pub(crate) fn office_hours_from(&self, rng: &mut impl Rng, instant: i64) -> i64 {
        if instant >= CALENDAR_END {
            return CALENDAR_END;
        }
        let mut day = day_of(instant);
        let second_of_day = instant - start_of_day(day);
        if self.is_working_day(day) && (OFFICE_OPENS..OFFICE_CLOSES).contains(&second_of_day) {
            return instant;
        }
        if second_of_day >= OFFICE_OPENS {
            day += 1;
        }
        while day < N_DAYS && !self.is_working_day(day) {
            day += 1;
        }
        if day >= N_DAYS {
            return CALENDAR_END;
        }
        start_of_day(day) + OFFICE_OPENS + rng.random_range(0..2 * SECONDS_PER_HOUR)
    }

    /// The weight of a day, 1 on average over the calendar.
    pub(crate) fn day_weight(&self, day: usize, rhythm: Rhythm, trend: Trend) -> f64 {
        self.day_profile(rhythm, trend).weights[day]
    }

    /// The number of average days of activity in `[from, to)`.
    pub(crate) fn weighted_days(&self, from: i64, to: i64, rhythm: Rhythm) -> f64 {
        if to <= from {
            return 0.0;
        }
        self.cumulative_at(to, rhythm, Trend::Flat) - self.cumulative_at(from, rhythm, Trend::Flat)
    }

    /// An instant in `[from, to)` drawn with the density of the rhythm.
    pub(crate) fn sample_instant(&self, rng: &mut impl Rng, from: i64, to: i64, rhythm: Rhythm, trend: Trend) -> i64 {
        self.instant_at(rng.random::<f64>(), from, to, rhythm, trend)
    }

    /// Appends `count` instants in `[from, to)` drawn with the density of the rhythm (none when
    /// the range is empty), then sorts `instants` into chronological order.
    pub(crate) fn sample_instants(
        &self,
        rng: &mut impl Rng,
        range: (i64, i64),
        count: u64,
        rhythm: Rhythm,
        instants: &mut Vec<i64>,
    ) {
        let (from, to) = range;
        if to > from {
            for _ in 0..count {
                instants.push(self.sample_instant(rng, from, to, rhythm, Trend::Flat));
            }
        }
        instants.sort_unstable();
    }

    /// The instant in `[from, to)` below which a share `quantile` of the activity lies. Monotone
    /// in `quantile`, so ascending quantiles give instants in chronological order.
    pub(crate) fn instant_at(&self, quantile: f64, from: i64, to: i64, rhythm: Rhythm, trend: Trend) -> i64 {
        if to <= from + 1 {
            return from;
        }
        let low = self.cumulative_at(from, rhythm, trend);
        let high = self.cumulative_at(to, rhythm, trend);
        if high <= low {
            // No activity expected in the range (a night of office hours): spread evenly.
            return from + ((to - from) as f64 * quantile) as i64;
        }
        let target = low + quantile * (high - low);
        let profile = self.day_profile(rhythm, trend);
        let day = profile.cumulative[1..].partition_point(|&end| end <= target).min(N_DAYS - 1);
        let within_day = ((target - profile.cumulative[day]) / profile.weights[day]).clamp(0.0, 1.0);
        let second_of_day = self.hour_profiles[rhythm as usize].second_at(within_day);
        (start_of_day(day) + second_of_day).clamp(from, to - 1)
    }

    fn cumulative_at(&self, instant: i64, rhythm: Rhythm, trend: Trend) -> f64 {
        let profile = self.day_profile(rhythm, trend);
        if instant <= CALENDAR_START {
            return 0.0;
        }
        if instant >= CALENDAR_END {
            return profile.cumulative[N_DAYS];
        }
        let day = day_of(instant);
        let second_of_day = instant - start_of_day(day);
        let within_day = self.hour_profiles[rhythm as usize].share_before(second_of_day);
        profile.cumulative[day] + profile.weights[day] * within_day
    }

    fn day_profile(&self, rhythm: Rhythm, trend: Trend) -> &DayProfile {
        let index = match (rhythm, trend) {
            (Rhythm::Business, Trend::Flat) => 0,
            (Rhythm::Business, Trend::Growing) => 1,
            (Rhythm::Consumer, Trend::Flat) => 2,
            (Rhythm::Consumer, Trend::Growing) => 3,
        };
        &self.day_profiles[index]
    }
}

/// The day (0 = 2023-01-01) containing an instant of the calendar.
pub(crate) fn day_of(instant: i64) -> usize {
    let day = (instant - CALENDAR_START).div_euclid(SECONDS_PER_DAY);
    day.clamp(0, N_DAYS as i64 - 1) as usize
}

pub(crate) fn start_of_day(day: usize) -> i64 {
    CALENDAR_START + day as i64 * SECONDS_PER_DAY
}

/// The same wall-clock time `months` calendar months later (clamped to the end of a shorter
/// month), as for billing periods and contract terms.
pub(crate) fn add_months(instant: i64, months: u32) -> i64 {
    DateTime::from_timestamp(instant, 0)
        .and_then(|start| start.checked_add_months(Months::new(months)))
        .map_or(i64::MAX, |later| later.timestamp())
}

/// Day weights before normalisation and their running sum (`cumulative[d]` = weight of the days
/// before `d`).
#[derive(Debug)]
struct DayProfile {
    weights: Vec<f64>,
    cumulative: Vec<f64>,
}

impl DayProfile {
    fn new(raw_weights: impl Iterator<Item = f64>) -> DayProfile {
        let mut weights: Vec<f64> = raw_weights.collect();
        let mean = weights.iter().sum::<f64>() / weights.len() as f64;
        for weight in &mut weights {
            *weight /= mean;
        }
        let mut cumulative = Vec::with_capacity(weights.len() + 1);
        let mut total = 0.0;
        cumulative.push(total);
        for weight in &weights {
            total += weight;
            cumulative.push(total);
        }
        DayProfile { weights, cumulative }
    }
}

/// The share of a day's activity in each hour (UTC).
#[derive(Debug)]
struct HourProfile {
    shares: [f64; 24],
    cumulative: [f64; 25],
}

impl HourProfile {
    fn new(weights: [f64; 24]) -> HourProfile {
        let total: f64 = weights.iter().sum();
        let shares = weights.map(|weight| weight / total);
        let mut cumulative = [0.0; 25];
        for hour in 0..24 {
            cumulative[hour + 1] = cumulative[hour] + shares[hour];
        }
        HourProfile { shares, cumulative }
    }

    fn share_before(&self, second_of_day: i64) -> f64 {
        let hour = (second_of_day / SECONDS_PER_HOUR).clamp(0, 23) as usize;
        let within_hour = (second_of_day - hour as i64 * SECONDS_PER_HOUR) as f64 / 3_600.0;
        self.cumulative[hour] + self.shares[hour] * within_hour
    }

    fn second_at(&self, share: f64) -> i64 {
        let hour = self.cumulative[1..].partition_point(|&end| end <= share).min(23);
        let within_hour = if self.shares[hour] > 0.0 {
            ((share - self.cumulative[hour]) / self.shares[hour]).clamp(0.0, 1.0)
        } else {
            0.0
        };
        hour as i64 * SECONDS_PER_HOUR + ((within_hour * 3_600.0) as i64).min(3_599)
    }
}

const BUSINESS_HOURS: [f64; 24] = [
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.3, 0.9, 1.4, 1.5, 1.3, 0.8, 1.1, 1.4, 1.3, 1.1, 0.7, 0.3, 0.15, 0.1, 0.05,
    0.0, 0.0,
];

const CONSUMER_HOURS: [f64; 24] = [
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.1, 1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.7, 1.5,
    1.0, 0.5,
];

fn day_weight(date: NaiveDate, rhythm: Rhythm) -> f64 {
    let weekday = date.weekday().num_days_from_monday() as usize;
    let month = date.month0() as usize;
    match rhythm {
        Rhythm::Business => {
            const WEEKLY: [f64; 7] = [1.15, 1.2, 1.2, 1.15, 0.95, 0.2, 0.15];
            const MONTHLY: [f64; 12] = [0.95, 1.0, 1.1, 0.95, 1.0, 1.05, 0.9, 0.8, 1.05, 1.1, 1.15, 1.1];
            let holiday = if is_public_holiday(date) {
                0.15
            } else if date.month() == 12 && date.day() > 26 {
                0.5
            } else {
                1.0
            };
            WEEKLY[weekday] * MONTHLY[month] * holiday
        }
        Rhythm::Consumer => {
            const WEEKLY: [f64; 7] = [0.95, 0.95, 1.0, 1.0, 1.05, 1.1, 0.95];
            const MONTHLY: [f64; 12] = [0.85, 0.85, 0.95, 0.95, 1.0, 0.95, 0.9, 0.9, 0.95, 1.05, 1.35, 1.45];
            let special = if is_black_friday(date) {
                2.4
            } else if is_cyber_monday(date) {
                1.9
            } else if date.month() == 12 && date.day() == 25 {
                0.4
            } else if date.month() == 1 && date.day() == 1 {
                0.5
            } else {
                1.0
            };
            WEEKLY[weekday] * MONTHLY[month] * special
        }
    }
}

fn is_public_holiday(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (1, 1) | (12, 24) | (12, 25) | (12, 26))
}

/// The Monday after Black Friday.
fn is_cyber_monday(date: NaiveDate) -> bool {
    date.checked_sub_days(Days::new(3)).is_some_and(is_black_friday)
}

/// The Friday after the fourth Thursday of November.
fn is_black_friday(date: NaiveDate) -> bool {
    date.month() == 11 && date.weekday() == Weekday::Fri && (23..=29).contains(&date.day())
}
