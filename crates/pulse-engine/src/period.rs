//! Reporting periods: half-open intervals `[start, end)` cut in the workspace timezone, clipped
//! to the report's range, with the spec's labels (`2024-03-05`, `2024-W10`, `2024-03`,
//! `2024-Q1`, `2024`, `2024-01-01..2025-01-01`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use chrono_tz::Tz;
use pulse_model::Timestamp;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    /// The whole report range as one period.
    Range,
}

impl FromStr for Granularity {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "day" => Ok(Granularity::Day),
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            "quarter" => Ok(Granularity::Quarter),
            "year" => Ok(Granularity::Year),
            "range" | "custom" => Ok(Granularity::Range),
            _ => {
                Err(Error::InvalidPeriod(format!("{text:?} is not a period (day, week, month, quarter, year, range)")))
            }
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            Granularity::Year => "year",
            Granularity::Range => "range",
        };
        formatter.write_str(name)
    }
}

/// One reporting period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub label: String,
    /// First local day of the period (after clipping).
    pub first_day: NaiveDate,
    /// The local day after the period (after clipping).
    pub end_day: NaiveDate,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Period {
    fn new(label: String, first_day: NaiveDate, end_day: NaiveDate, zone: Tz) -> Period {
        Period {
            label,
            first_day,
            end_day,
            start: Timestamp::local_midnight(first_day, zone),
            end: Timestamp::local_midnight(end_day, zone),
        }
    }

    /// The period's length in days, `(end - start) / 86 400 s` (23 or 25 hours on
    /// daylight-saving days count as such).
    pub fn days(&self) -> f64 {
        (self.end.micros() - self.start.micros()) as f64 / 86_400_000_000.0
    }
}

/// The periods covering `[from, to)`, calendar periods clipped to the range, preceded by the
/// period before the first one (for "previous" values): the whole calendar period before the
/// first; for a range, the range of the same length ending at `from` — the same number of
/// calendar months when `from` and `to` fall on the same day of the month (2024-01-01..2025-01-01
/// follows 2023-01-01..2024-01-01), otherwise the same number of days.
pub fn periods_with_previous(
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
    zone: Tz,
) -> Result<Vec<Period>> {
    if from >= to {
        return Err(Error::InvalidPeriod(format!("--from {from} must be before --to {to} (--to is exclusive)")));
    }
    let mut periods = Vec::new();
    if granularity == Granularity::Range {
        let whole_months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
        let previous_from = if from.day() == to.day() && whole_months > 0 {
            from.checked_sub_months(Months::new(whole_months as u32))
        } else {
            from.checked_sub_days(Days::new((to - from).num_days() as u64))
        }
        .ok_or_else(|| Error::InvalidPeriod("the range reaches outside the calendar".to_owned()))?;
        periods.push(Period::new(format!("{previous_from}..{from}"), previous_from, from, zone));
        periods.push(Period::new(format!("{from}..{to}"), from, to, zone));
        return Ok(periods);
    }
    let first_start = truncate(from, granularity);
    let previous_start = step(first_start, granularity, -1);
    periods.push(Period::new(label(previous_start, granularity), previous_start, first_start, zone));
    let mut start = first_start;
    while start < to {
        let next = step(start, granularity, 1);
        periods.push(Period::new(label(start, granularity), start.max(from), next.min(to), zone));
        start = next;
    }
    Ok(periods)
}

/// The calendar months (labels `2024-03`) covering the periods of a report, clipped to their
/// span: the grid of acquisition cohorts.
pub(crate) fn months_of(periods: &[Period], zone: Tz) -> Vec<Period> {
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else { return Vec::new() };
    let (from, to) = (first.first_day, last.end_day);
    let mut months = Vec::new();
    let mut start = truncate(from, Granularity::Month);
    while start < to {
        let next = step(start, Granularity::Month, 1);
        months.push(Period::new(label(start, Granularity::Month), start.max(from), next.min(to), zone));
        start = next;
    }
    months
}

/// The first day of the calendar period containing `day`.
fn truncate(day: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Day | Granularity::Range => day,
        Granularity::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        Granularity::Month => day.with_day(1).expect("day 1 exists"),
        Granularity::Quarter => {
            NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1).expect("valid quarter start")
        }
        Granularity::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("January 1 exists"),
    }
}

fn step(start: NaiveDate, granularity: Granularity, direction: i32) -> NaiveDate {
    let months = |count: u32| if direction > 0 { start + Months::new(count) } else { start - Months::new(count) };
    let days = |count: u64| if direction > 0 { start + Days::new(count) } else { start - Days::new(count) };
    match granularity {
        Granularity::Day | Granularity::Range => days(1),
        Granularity::Week => days(7),
        Granularity::Month => months(1),
        Granularity::Quarter => months(3),
        Granularity::Year => months(12),
    }
}

fn label(start: NaiveDate, granularity: Granularity) -> String {
    match granularity {
        Granularity::Day | Granularity::Range => start.format("%Y-%m-%d").to_string(),
        Granularity::Week => {
            let week = start.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Granularity::Month => start.format("%Y-%m").to_string(),
        Granularity::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
        Granularity::Year => start.format("%Y").to_string(),
    }
}

/// The range and granularity of a period label: `2024-03-05` (day), `2024-W10` (ISO week),
/// `2024-03` (month), `2024-Q1` (quarter), `2024` (year), `2024-01-15..2024-02-15` (range).
pub fn parse_label(text: &str) -> Result<(NaiveDate, NaiveDate, Granularity)> {
    let invalid = || {
        Error::InvalidPeriod(format!(
            "{text:?} is not a period label (2024-03-05, 2024-W10, 2024-03, 2024-Q1, 2024 or 2024-01-15..2024-02-15)"
        ))
    };
    let text = text.trim();
    if let Some((from, to)) = text.split_once("..") {
        let (from, to) = (parse_date(from)?, parse_date(to)?);
        return if from < to { Ok((from, to, Granularity::Range)) } else { Err(invalid()) };
    }
    let (first, granularity) = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        (day, Granularity::Day)
    } else if let Some((year, week)) = text.split_once("-W") {
        let (year, week) = (year.parse().map_err(|_| invalid())?, week.parse().map_err(|_| invalid())?);
        (NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon).ok_or_else(invalid)?, Granularity::Week)
    } else if let Some((year, quarter)) = text.split_once("-Q") {
        let (year, quarter): (i32, u32) =
            (year.parse().map_err(|_| invalid())?, quarter.parse().map_err(|_| invalid())?);
        if !(1..=4).contains(&quarter) {
            return Err(invalid());
        }
        (NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1).ok_or_else(invalid)?, Granularity::Quarter)
    } else if let Ok(month) = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d") {
        (month, Granularity::Month)
    } else if text.len() == 4 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        (NaiveDate::from_ymd_opt(text.parse().map_err(|_| invalid())?, 1, 1).ok_or_else(invalid)?, Granularity::Year)
    } else {
        return Err(invalid());
    };
    if label(first, granularity) != text {
        return Err(invalid());
    }
    Ok((first, step(first, granularity, 1), granularity))
}

/// Parses a `YYYY-MM-DD` date of a report range.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::InvalidPeriod(format!("{text:?} is not a date (YYYY-MM-DD)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    fn check(from: &str, to: &str, granularity: Granularity, zone: Tz, expected: &[(&str, &str, &str)]) {
        let periods = periods_with_previous(day(from), day(to), granularity, zone).unwrap();
        let found: Vec<(String, String, String)> = periods
            .iter()
            .map(|period| (period.label.clone(), period.start.to_rfc3339(), period.end.to_rfc3339()))
            .collect();
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(label, start, end)| (label.to_string(), start.to_string(), end.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn labels_parse_to_their_calendar_period() {
        let cases = [
            ("2024-03-05", "2024-03-05", "2024-03-06", Granularity::Day),
            // ISO week 1 of 2025 starts on Monday 2024-12-30.
            ("2025-W01", "2024-12-30", "2025-01-06", Granularity::Week),
            ("2024-02", "2024-02-01", "2024-03-01", Granularity::Month),
            ("2024-Q4", "2024-10-01", "2025-01-01", Granularity::Quarter),
            ("2024", "2024-01-01", "2025-01-01", Granularity::Year),
            ("2024-01-15..2024-02-15", "2024-01-15", "2024-02-15", Granularity::Range),
        ];
        for (text, from, to, granularity) in cases {
            assert_eq!(parse_label(text).unwrap(), (day(from), day(to), granularity), "{text}");
        }
        for bad in ["2024-13", "2024-Q5", "2024-W54", "2024-3", "24", "2024-02-15..2024-01-15", "March"] {
            assert!(parse_label(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn calendar_periods() {
        let utc = chrono_tz::UTC;
        check(
            "2024-01-01",
            "2024-04-01",
            Granularity::Month,
            utc,
            &[
                ("2023-12", "2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z"),
                ("2024-01", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
                ("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
                ("2024-03", "2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z"),
            ],
        );
        // Clipped to the range; the previous period is the whole calendar period before.
        check(
            "2024-01-15",
            "2024-02-10",
            Granularity::Month,
            utc,
            &[
                ("2023-12", "2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z"),
                ("2024-01", "2024-01-15T00:00:00Z", "2024-02-01T00:00:00Z"),
                ("2024-02", "2024-02-01T00:00:00Z", "2024-02-10T00:00:00Z"),
            ],
        );
        // ISO weeks start on Monday; 2024-12-30 is in week 1 of 2025.
        check(
            "2024-12-30",
            "2025-01-06",
            Granularity::Week,
            utc,
            &[
                ("2024-W52", "2024-12-23T00:00:00Z", "2024-12-30T00:00:00Z"),
                ("2025-W01", "2024-12-30T00:00:00Z", "2025-01-06T00:00:00Z"),
            ],
        );
        check(
            "2024-04-01",
            "2024-07-01",
            Granularity::Quarter,
            utc,
            &[
                ("2024-Q1", "2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z"),
                ("2024-Q2", "2024-04-01T00:00:00Z", "2024-07-01T00:00:00Z"),
            ],
        );
        check(
            "2024-01-01",
            "2025-01-01",
            Granularity::Range,
            utc,
            &[
                ("2023-01-01..2024-01-01", "2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
                ("2024-01-01..2025-01-01", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            ],
        );
    }

    #[test]
    fn periods_are_cut_in_the_workspace_timezone() {
        // New York: EST (−5) until 2024-03-10, EDT (−4) after; that day has 23 hours.
        let new_york = chrono_tz::America::New_York;
        check(
            "2024-03-01",
            "2024-04-01",
            Granularity::Month,
            new_york,
            &[
                ("2024-02", "2024-02-01T05:00:00Z", "2024-03-01T05:00:00Z"),
                ("2024-03", "2024-03-01T05:00:00Z", "2024-04-01T04:00:00Z"),
            ],
        );
        let periods = periods_with_previous(day("2024-03-10"), day("2024-03-11"), Granularity::Day, new_york).unwrap();
        assert_eq!(periods[1].days(), 23.0 / 24.0);
    }

    #[test]
    fn the_range_before_a_range() {
        let utc = chrono_tz::UTC;
        check(
            "2024-03-10",
            "2024-03-17",
            Granularity::Range,
            utc,
            &[
                ("2024-03-03..2024-03-10", "2024-03-03T00:00:00Z", "2024-03-10T00:00:00Z"),
                ("2024-03-10..2024-03-17", "2024-03-10T00:00:00Z", "2024-03-17T00:00:00Z"),
            ],
        );
        check(
            "2024-02-15",
            "2024-05-15",
            Granularity::Range,
            utc,
            &[
                ("2023-11-15..2024-02-15", "2023-11-15T00:00:00Z", "2024-02-15T00:00:00Z"),
                ("2024-02-15..2024-05-15", "2024-02-15T00:00:00Z", "2024-05-15T00:00:00Z"),
            ],
        );
    }

    #[test]
    fn an_empty_range_is_an_error() {
        assert!(
            periods_with_previous(day("2024-01-01"), day("2024-01-01"), Granularity::Month, chrono_tz::UTC).is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn periods_tile_the_range(from_offset in 0u64..3000, length in 1u64..800, granularity_index in 0usize..6) {
            let granularity = [Granularity::Day, Granularity::Week, Granularity::Month, Granularity::Quarter, Granularity::Year, Granularity::Range][granularity_index];
            let from = day("2018-01-01") + Days::new(from_offset);
            let to = from + Days::new(length);
            let zone = chrono_tz::Europe::Warsaw;
            let periods = periods_with_previous(from, to, granularity, zone).unwrap();
            let reported = &periods[1..];
            proptest::prop_assert_eq!(reported[0].start, Timestamp::local_midnight(from, zone));
            proptest::prop_assert_eq!(reported.last().unwrap().end, Timestamp::local_midnight(to, zone));
            for pair in reported.windows(2) {
                proptest::prop_assert_eq!(pair[0].end, pair[1].start);
                proptest::prop_assert!(pair[0].start < pair[0].end);
            }
        }
    }
}
